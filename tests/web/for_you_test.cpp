// "For you" through Site::handle(): the page (/for-you) for members only, with each card's
// reason, and the API (/api/recommendations) with its authentication, parameters and shape.
// Over an in-memory store whose paper vectors the test chooses (support/controlled_embedder.h);
// "now" is 2024-03-20.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "app/accounts.h"
#include "app/search_service.h"
#include "core/timestamp.h"
#include "store/store.h"
#include "support/controlled_embedder.h"
#include "web/site.h"

namespace paperboy::web {
namespace {

constexpr int kDims = 4;
constexpr const char* kPassword = "correct horse battery";

class ForYouTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store("sqlite::memory:");
        ASSERT_TRUE(opened.ok());
        store_ = std::move(opened).value();
        embedder_ = std::make_shared<testing::ControlledEmbedder>(kDims);
        auto model = store_->register_model(embedder_->info().identity, "controlled", kDims);
        ASSERT_TRUE(model.ok());
        model_id_ = model->id;
        add("2403.00001", "Diffusion one", "2024-03-15", {1, 0, 0, 0});
        add("2403.00002", "Graphs <one>", "2024-03-16", {0, 1, 0, 0});
        add("2403.00010", "Near diffusion", "2024-03-18", {0.9f, 0.1f, 0, 0});
        add("2403.00011", "Near graphs", "2024-03-18", {0.1f, 0.9f, 0.1f, 0});
        add("2403.00012", "Language", "2024-03-18", {0, 0, 1, 0});
        store::WriteBatch list;
        list.put_daily_entry(
            DailyEntry{"2024-03-19", *PaperId::parse("2403.00012"), "ak", "", 9, 0});
        list.put_daily_entry(
            DailyEntry{"2024-03-19", *PaperId::parse("2403.00011"), "ak", "", 2, 0});
        ASSERT_TRUE(store_->write(list).ok());

        app::SearchServiceOptions search_options;
        search_options.embedder = embedder_;
        auto search = app::SearchService::open(*store_, search_options);
        ASSERT_TRUE(search.ok());
        search_ = std::move(search).value();
        ASSERT_NE(search_->vectors(), nullptr);
        SiteOptions options;
        options.now = [] { return *parse_instant("2024-03-20T12:00:00Z"); };
        options.api_rate = 0;
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options);

        app::Accounts accounts(*store_);
        auto ada = accounts.sign_up("ada", "ada@example.org", kPassword);
        ASSERT_TRUE(ada.ok()) << ada.error().message();
        ada_ = ada->id;
        token_ = *accounts.create_api_token(ada_, "test");
        auto login = accounts.log_in("ada", kPassword, "192.0.2.1");
        ASSERT_EQ(login->outcome, app::LogIn::Outcome::kOk);
        session_ = login->session_token;
    }

    void add(const char* id, const char* title, const char* published, std::vector<float> v) {
        Paper p;
        p.id = *PaperId::parse(id);
        p.version = 1;
        p.title = title;
        p.abstract = p.abstract_raw = std::string("About ") + title + ".";
        p.published = std::string(published) + "T00:00:00Z";
        p.updated = p.published;
        store::WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
        store::PaperVector pv;
        pv.id = p.id;
        pv.text_hash = 1;
        pv.vector = testing::ControlledEmbedder::normalised(std::move(v));
        ASSERT_TRUE(store_->put_vectors(model_id_, {pv}).ok());
    }
    void upvote(const char* id) {
        ASSERT_TRUE(store_->set_vote(ada_, *PaperId::parse(id), true).ok());
    }

    http::Response get(const std::string& target, http::HeaderList headers = {}) {
        http::Request request;
        request.method = "GET";
        request.target = target;
        request.headers = std::move(headers);
        request.headers.emplace_back("Host", "papers.test");
        request.remote_address = "192.0.2.1";
        EXPECT_TRUE(http::decode_target(request)) << target;
        return site_->handle(request);
    }
    http::HeaderList cookie() const { return {{"Cookie", "pb_session=" + session_}}; }
    http::HeaderList bearer() const { return {{"Authorization", "Bearer " + token_}}; }

    std::unique_ptr<store::Store> store_;
    std::shared_ptr<testing::ControlledEmbedder> embedder_;
    int64_t model_id_ = 0;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
    int64_t ada_ = 0;
    std::string token_;
    std::string session_;
};

size_t position(const std::string& body, const std::string& text) {
    const size_t at = body.find(text);
    EXPECT_NE(at, std::string::npos) << "missing: " << text;
    return at;
}

TEST_F(ForYouTest, SignedOutVisitorsAreSentToLogIn) {
    const http::Response r = get("/for-you");
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(r.header("Location").value_or(""), "/login?next=%2Ffor-you");
    // Nor does the navigation offer it to them.
    const http::Response home = get("/papers/trending");
    EXPECT_EQ(home.body.find("href=\"/for-you\""), std::string::npos);
}

TEST_F(ForYouTest, CardsOfPapersLikeTheUpvotesEachWithItsReason) {
    upvote("2403.00001");
    upvote("2403.00002");
    const http::Response r = get("/for-you", cookie());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "private, no-store");
    // The navigation's tab, current.
    EXPECT_NE(r.body.find("<a href=\"/for-you\" aria-current=\"page\">For you</a>"),
              std::string::npos);
    // Best first, each under the upvoted paper it is like (titles escaped); no upvoted paper.
    const size_t first = position(r.body, "action=\"/papers/2403.00010/upvote\"");
    const size_t second = position(r.body, "action=\"/papers/2403.00011/upvote\"");
    EXPECT_LT(first, second);
    const size_t reason1 = position(
        r.body, "Like <a href=\"/papers/2403.00001\">Diffusion one</a>, which you upvoted");
    const size_t reason2 = position(
        r.body, "Like <a href=\"/papers/2403.00002\">Graphs &lt;one&gt;</a>, which you upvoted");
    EXPECT_LT(reason1, first);
    EXPECT_LT(first, reason2);
    EXPECT_LT(reason2, second);
    EXPECT_EQ(r.body.find("action=\"/papers/2403.00001/upvote\""), std::string::npos);
    EXPECT_EQ(r.body.find("for-you-notice"), std::string::npos) << "no fallback message";
}

TEST_F(ForYouTest, WithoutUpvotesThePageSaysSoAndShowsTrending) {
    const http::Response r = get("/for-you", cookie());
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Upvote a few papers"), std::string::npos);
    EXPECT_LT(position(r.body, "action=\"/papers/2403.00012/upvote\""),
              position(r.body, "action=\"/papers/2403.00011/upvote\""));
    EXPECT_EQ(r.body.find("which you upvoted"), std::string::npos);
}

TEST_F(ForYouTest, TheApiWantsAMember) {
    const http::Response r = get("/api/recommendations");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("WWW-Authenticate").value_or(""), "Bearer realm=\"paperboy\"");
    EXPECT_NE(r.body.find("\"unauthorized\""), std::string::npos);
    const http::Response bad_token =
        get("/api/recommendations", {{"Authorization", "Bearer nonsense"}});
    EXPECT_EQ(bad_token.status, 401);
    // A session cookie will do.
    EXPECT_EQ(get("/api/recommendations", cookie()).status, 200);
}

TEST_F(ForYouTest, TheApiAnswersPapersInHuggingFaceShapeWithReasons) {
    upvote("2403.00001");
    const http::Response r = get("/api/recommendations?limit=2&days=14", bearer());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "private, no-store");
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.body).get(doc), simdjson::SUCCESS) << r.body;
    EXPECT_EQ(std::string_view(doc["source"]), "upvotes");
    EXPECT_EQ(int64_t(doc["days"]), 14);
    simdjson::dom::array papers = doc["papers"];
    ASSERT_EQ(papers.size(), 2u);
    simdjson::dom::element top = papers.at(0);
    EXPECT_EQ(std::string_view(top["paper"]["id"]), "2403.00010");
    EXPECT_EQ(std::string_view(top["paper"]["title"]), "Near diffusion");
    EXPECT_TRUE(top["paper"]["upvotes"].is_int64());
    EXPECT_TRUE(top["paper"]["authors"].is_array());
    EXPECT_EQ(std::string_view(top["reason"]["id"]), "2403.00001");
    EXPECT_EQ(std::string_view(top["reason"]["title"]), "Diffusion one");
    EXPECT_NEAR(double(top["reason"]["similarity"]), 0.9 / 0.905539, 1e-4);
    EXPECT_GT(double(top["score"]), double(papers.at(1)["score"]));
}

TEST_F(ForYouTest, TheApiFallsBackToTrendingWithTheReason) {
    const http::Response r = get("/api/recommendations", bearer());
    ASSERT_EQ(r.status, 200);
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(r.body);
    EXPECT_EQ(std::string_view(doc["source"]), "trending");
    EXPECT_EQ(std::string_view(doc["fallback"]), "no_upvotes");
    EXPECT_FALSE(std::string_view(doc["message"]).empty());
    simdjson::dom::array papers = doc["papers"];
    ASSERT_EQ(papers.size(), 2u);
    EXPECT_EQ(std::string_view(papers.at(0)["paper"]["id"]), "2403.00012");
    EXPECT_TRUE(papers.at(0)["reason"].is_null());
}

TEST_F(ForYouTest, TheApiChecksItsParameters) {
    for (const char* target :
         {"/api/recommendations?limit=0", "/api/recommendations?limit=101",
          "/api/recommendations?limit=-1", "/api/recommendations?limit=1&limit=2",
          "/api/recommendations?days=0", "/api/recommendations?days=366",
          "/api/recommendations?days=1e3", "/api/recommendations?limit=99999999999999999999"}) {
        const http::Response r = get(target, bearer());
        EXPECT_EQ(r.status, 400) << target;
        EXPECT_NE(r.body.find("\"bad_parameter\""), std::string::npos) << target;
    }
    EXPECT_EQ(get("/api/recommendations?limit=100&days=365", bearer()).status, 200);
}

}  // namespace
}  // namespace paperboy::web
