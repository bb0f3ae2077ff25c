// "For you" (app/recommendations.h) over an in-memory store whose paper vectors the test
// chooses: trending with a message when there is nothing to go on, the papers nearest the
// member's upvotes (without them, with the upvote each is like) within the recent window.
#include <gtest/gtest.h>

#include <cmath>

#include "app/recommendations.h"
#include "core/timestamp.h"
#include "support/controlled_embedder.h"

namespace paperboy::app {
namespace {

constexpr int kDims = 4;

std::chrono::sys_seconds at(const char* instant) { return *parse_instant(instant); }

class RecommendationsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store("sqlite::memory:");
        ASSERT_TRUE(opened.ok());
        store_ = std::move(opened).value();
        embedder_ = std::make_shared<testing::ControlledEmbedder>(kDims);
        auto model = store_->register_model(embedder_->info().identity, "controlled", kDims);
        ASSERT_TRUE(model.ok());
        model_id_ = model->id;

        // Axes: 0 diffusion, 1 graphs, 2 language, 3 robots.
        add("2403.00001", "Diffusion one", "2024-03-15", {1, 0, 0, 0});
        add("2403.00002", "Graphs one", "2024-03-16", {0, 1, 0, 0});
        add("2403.00003", "Diffusion two", "2024-03-16", {1, 0, 0.1f, 0});
        add("2403.00010", "Near diffusion", "2024-03-18", {0.9f, 0.1f, 0, 0});
        add("2403.00011", "Near graphs", "2024-03-18", {0.1f, 0.9f, 0.1f, 0});
        add("2403.00012", "Language", "2024-03-18", {0, 0, 1, 0});
        add("2403.00013", "Robots", "2024-03-19", {0, 0, 0, 1});
        // Like the first upvote exactly, but published long before the window.
        add("2402.00001", "Old diffusion", "2024-02-01", {1, 0, 0, 0});
        // Listed, without a vector.
        add("2403.00020", "Not embedded", "2024-03-18", {});
        // Today's list, for trending: upvotes decide.
        list("2024-03-19", "2403.00012", 9);
        list("2024-03-19", "2403.00013", 5);
        list("2024-03-19", "2403.00010", 1);

        User u;
        u.handle = "ada";
        u.email = "ada@example.org";
        u.password_hash = "x";
        auto created = store_->create_user(u);
        ASSERT_TRUE(created.ok());
        ada_ = created->id;
    }

    void add(const char* id, const char* title, const char* published, std::vector<float> v) {
        Paper p;
        p.id = *PaperId::parse(id);
        p.version = 1;
        p.title = title;
        p.abstract = std::string("About ") + title + ".";
        p.abstract_raw = p.abstract;
        p.published = std::string(published) + "T00:00:00Z";
        p.updated = p.published;
        store::WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
        if (v.empty()) return;
        store::PaperVector pv;
        pv.id = p.id;
        pv.text_hash = 1;
        pv.vector = testing::ControlledEmbedder::normalised(std::move(v));
        ASSERT_TRUE(store_->put_vectors(model_id_, {pv}).ok());
    }
    void list(const char* day, const char* id, int upvotes) {
        store::WriteBatch batch;
        batch.put_daily_entry(DailyEntry{day, *PaperId::parse(id), "ak", "", upvotes, 0});
        ASSERT_TRUE(store_->write(batch).ok());
    }
    void upvote(const char* id) {
        ASSERT_TRUE(store_->set_vote(ada_, *PaperId::parse(id), true).ok());
    }

    std::unique_ptr<SearchService> search(bool with_vectors = true) {
        SearchServiceOptions options;
        if (with_vectors) options.embedder = embedder_;
        auto service = SearchService::open(*store_, options);
        EXPECT_TRUE(service.ok());
        return std::move(service).value();
    }
    RecommendationList recommend(SearchService* service, RecommendationRequest request = {}) {
        RecommendationsOptions options;
        options.now = [] { return at("2024-03-20T12:00:00Z"); };
        Recommendations recommendations(*store_, service, options);
        auto list = recommendations.for_member(ada_, request);
        EXPECT_TRUE(list.ok()) << list.error().message();
        return list.ok() ? std::move(*list) : RecommendationList{};
    }
    static std::vector<std::string> ids(const RecommendationList& list) {
        std::vector<std::string> out;
        for (const Recommendation& r : list.papers) out.push_back(r.paper.id.str());
        return out;
    }

    std::unique_ptr<store::Store> store_;
    std::shared_ptr<testing::ControlledEmbedder> embedder_;
    int64_t model_id_ = 0;
    int64_t ada_ = 0;
};

TEST_F(RecommendationsTest, WithoutUpvotesItSaysSoAndShowsTrending) {
    auto service = search();
    const RecommendationList list = recommend(service.get());
    EXPECT_EQ(list.fallback, RecommendationFallback::kNoUpvotes);
    EXPECT_NE(list.message.find("Upvote a few papers"), std::string::npos) << list.message;
    EXPECT_EQ(ids(list), (std::vector<std::string>{"2403.00012", "2403.00013", "2403.00010"}));
    for (const Recommendation& r : list.papers) EXPECT_FALSE(r.reason.has_value());
    EXPECT_EQ(list.papers[0].upvotes, 9);
}

TEST_F(RecommendationsTest, NeighboursOfTheUpvotesWithoutThemEachWithItsReason) {
    upvote("2403.00001");
    upvote("2403.00002");
    auto service = search();
    const RecommendationList list = recommend(service.get());
    EXPECT_EQ(list.fallback, RecommendationFallback::kNone);
    EXPECT_EQ(list.message, "");
    EXPECT_EQ(list.model, rank::TasteKind::kCentroid) << "two upvotes: the centroid";
    EXPECT_EQ(list.upvotes_used, 2u);
    // The taste is (1, 1, 0, 0)/√2. "Diffusion two" (1, 0, 0.1, 0): 1/√2 / |(1, 0, 0.1)| =
    // 0.70359; "Near diffusion" (0.9, 0.1): 1.0/√2 / 0.90554 = 0.78087; "Near graphs" (0.1,
    // 0.9, 0.1): 1.0/√2 / 0.91104 = 0.77615; "Language" and "Robots": 0. Neither upvote, nor
    // the old paper outside the 14 days, nor the paper without a vector.
    ASSERT_EQ(ids(list), (std::vector<std::string>{"2403.00010", "2403.00011", "2403.00003",
                                                   "2403.00012", "2403.00013"}));
    EXPECT_NEAR(list.papers[0].score, 0.78087, 1e-4);
    EXPECT_NEAR(list.papers[1].score, 0.77615, 1e-4);
    EXPECT_NEAR(list.papers[2].score, 0.70359, 1e-4);
    ASSERT_TRUE(list.papers[0].reason.has_value());
    EXPECT_EQ(list.papers[0].reason->id.str(), "2403.00001");
    EXPECT_EQ(list.papers[0].reason->title, "Diffusion one");
    EXPECT_NEAR(list.papers[0].reason->cosine, 0.9 / 0.905539, 1e-4);
    EXPECT_EQ(list.papers[1].reason->id.str(), "2403.00002");
    EXPECT_EQ(list.papers[1].reason->title, "Graphs one");
    EXPECT_EQ(list.papers[2].reason->id.str(), "2403.00001");
    for (const Recommendation& r : list.papers) EXPECT_TRUE(r.reason.has_value());
    EXPECT_EQ(list.papers[0].upvotes, 1) << "its daily entry's count";
}

TEST_F(RecommendationsTest, PapersOutsideTheWindowAreLeftOut) {
    upvote("2403.00001");
    auto service = search();
    // A two-day window (from 2024-03-18): only the papers of the 18th and 19th.
    RecommendationRequest request;
    request.window_days = 2;
    const RecommendationList list = recommend(service.get(), request);
    EXPECT_EQ(ids(list),
              (std::vector<std::string>{"2403.00010", "2403.00011", "2403.00012", "2403.00013"}));
    // Fourteen days: "Diffusion two" too, never "Old diffusion" (identical to the upvote).
    const RecommendationList wide = recommend(service.get());
    EXPECT_EQ(ids(wide).front(), "2403.00003");
    for (const std::string& id : ids(wide)) EXPECT_NE(id, "2402.00001");
    // A year reaches it.
    request.window_days = 365;
    EXPECT_EQ(ids(recommend(service.get(), request)).front(), "2402.00001");
}

TEST_F(RecommendationsTest, LimitAndExcludedPapers) {
    upvote("2403.00001");
    auto service = search();
    RecommendationRequest request;
    request.limit = 2;
    request.exclude = {*PaperId::parse("2403.00003")};
    EXPECT_EQ(ids(recommend(service.get(), request)),
              (std::vector<std::string>{"2403.00010", "2403.00011"}));
}

TEST_F(RecommendationsTest, ThreeUpvotesAndRecentPapersMakeTheContrastModel) {
    upvote("2403.00001");
    upvote("2403.00003");
    upvote("2403.00002");
    auto service = search();
    const RecommendationList list = recommend(service.get());
    EXPECT_EQ(list.model, rank::TasteKind::kContrast);
    EXPECT_EQ(list.upvotes_used, 3u);
    ASSERT_FALSE(list.papers.empty());
    EXPECT_EQ(list.papers[0].paper.id.str(), "2403.00010");
}

TEST_F(RecommendationsTest, WithoutVectorsItSaysSoAndShowsTrending) {
    upvote("2403.00001");
    auto lexical = search(/*with_vectors=*/false);
    RecommendationList list = recommend(lexical.get());
    EXPECT_EQ(list.fallback, RecommendationFallback::kNoVectors);
    EXPECT_NE(list.message.find("embed"), std::string::npos);
    EXPECT_EQ(ids(list).front(), "2403.00012");
    EXPECT_EQ(recommend(nullptr).fallback, RecommendationFallback::kNoVectors);
}

TEST_F(RecommendationsTest, UpvotesWithoutVectorsAreNothingToGoOn) {
    upvote("2403.00020");
    auto service = search();
    const RecommendationList list = recommend(service.get());
    EXPECT_EQ(list.fallback, RecommendationFallback::kNotEmbedded);
    EXPECT_FALSE(list.message.empty());
    EXPECT_EQ(ids(list).front(), "2403.00012");
}

}  // namespace
}  // namespace paperboy::app
