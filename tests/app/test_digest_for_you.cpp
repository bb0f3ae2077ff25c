// Digests with vectors (app/digest_job.h): topic alerts that match by meaning as well as by
// words, and "For you" digests made from a member's upvotes. Over an in-memory store whose
// paper vectors, and topic vectors, the test chooses (support/controlled_embedder.h).
#include <gtest/gtest.h>

#include <sstream>

#include "app/digest_job.h"
#include "core/timestamp.h"
#include "support/controlled_embedder.h"

namespace paperboy::app {
namespace {

constexpr int kDims = 4;
constexpr const char* kDay = "2024-10-25";

class RecordingMailer : public Mailer {
  public:
    mail::RetriedOutcome send(const mail::Message& message) override {
        sent.push_back(message);
        return {mail::SendOutcome{}, 1};
    }
    std::vector<mail::Message> sent;
};

std::string first_link(const std::string& text) {
    const size_t at = text.find("http");
    if (at == std::string::npos) return {};
    const size_t end = text.find_first_of(" \n\r\t>", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

class DigestWithVectorsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        embedder_ = std::make_shared<testing::ControlledEmbedder>(kDims);
        model_id_ = store_->register_model(embedder_->info().identity, "controlled", kDims)->id;
        // Axes: 0 image generation, 1 graphs, 2 language, 3 robots. Upvotes make the order.
        add("2410.00001", "Denoising generative image models", "cs.LG", {1, 0, 0, 0}, 40);
        add("2410.00002", "Graph networks for molecules", "cs.LG", {0, 1, 0, 0}, 30);
        add("2410.00003", "Diffusion of innovations in language", "cs.CL", {0, 0, 1, 0}, 20);
        add("2410.00004", "Score-based image synthesis", "cs.CV", {0.9f, 0.1f, 0, 0}, 10);
        add("2410.00005", "Robot arms", "cs.RO", {0, 0, 0, 1}, 5);
        // The topic "diffusion" means image generation here: cosine 0.9487 with axis 0,
        // 0.3162 with axis 1 (below the threshold), 0 with the others.
        embedder_->set("diffusion", {0.9f, 0.3f, 0, 0});
        auto search = SearchService::open(*store_, {.embedder = embedder_});
        ASSERT_TRUE(search.ok());
        search_ = std::move(search).value();
        ASSERT_NE(search_->vectors(), nullptr);
    }

    void add(const char* id, const char* title, const char* category, std::vector<float> v,
             int upvotes) {
        Paper p;
        p.id = *PaperId::parse(id);
        p.version = 1;
        p.title = title;
        p.abstract = p.abstract_raw = std::string("On ") + title + ".";
        p.categories = {category};
        p.published = std::string(kDay) + "T00:00:00Z";
        p.updated = p.published;
        store::WriteBatch batch;
        batch.put_paper(p);
        batch.put_daily_entry(
            DailyEntry{kDay, p.id, "ak", std::string(kDay) + "T08:00:00Z", upvotes, 0});
        ASSERT_TRUE(store_->write(batch).ok());
        store::PaperVector pv;
        pv.id = p.id;
        pv.text_hash = 1;
        pv.vector = testing::ControlledEmbedder::normalised(std::move(v));
        ASSERT_TRUE(store_->put_vectors(model_id_, {pv}).ok());
    }

    Subscriptions& subscriptions(Mailer* mailer) {
        SubscriptionsOptions options;
        options.identity.public_url = "https://papers.example.org/";
        options.identity.site_name = "Paperboy";
        options.identity.from = mail::Mailbox{"Paperboy", "digest@papers.example.org"};
        options.now = [this] { return now_; };
        subscriptions_ = std::make_unique<Subscriptions>(*store_, mailer, options);
        return *subscriptions_;
    }

    void confirmed(const std::string& email, const std::string& topic, int64_t user_id = 0) {
        RecordingMailer mailer;
        Subscriptions& subs = subscriptions(&mailer);
        auto outcome = subs.subscribe(email, "daily", topic, user_id, "");
        ASSERT_TRUE(outcome.ok()) << outcome.error().message();
        const std::string url = first_link(mailer.sent.at(0).text);
        const std::string prefix = "/subscriptions/confirm/";
        ASSERT_TRUE(subs.confirm(url.substr(url.find(prefix) + prefix.size())).ok());
    }

    // The papers each address would get, as the dry run lists them, and the report.
    std::string dry_run(DigestReport* report = nullptr, DigestOptions options = {}) {
        RecordingMailer mailer;
        Subscriptions& subs = subscriptions(nullptr);
        options.now = [this] { return now_; };
        DigestJob job(*store_, search_.get(), subs, mailer, options);
        std::ostringstream out;
        auto done = job.run(Frequency::kDaily, kDay, /*dry_run=*/true, &out);
        EXPECT_TRUE(done.ok()) << done.error().message();
        if (report != nullptr && done.ok()) *report = *done;
        return out.str();
    }

    std::chrono::system_clock::time_point now_ =
        std::chrono::sys_seconds{*parse_instant("2024-10-26T07:00:00Z")};
    std::unique_ptr<store::Store> store_;
    std::shared_ptr<testing::ControlledEmbedder> embedder_;
    int64_t model_id_ = 0;
    std::unique_ptr<SearchService> search_;
    std::unique_ptr<Subscriptions> subscriptions_;
};

bool lists(const std::string& out, const std::string& id) {
    return out.find("  " + id + "  ") != std::string::npos;
}

TEST_F(DigestWithVectorsTest, ATopicMatchesPapersByMeaningAsWellAsByWords) {
    confirmed("ada@example.org", "diffusion");
    DigestReport report;
    const std::string out = dry_run(&report);
    // By meaning, without the word: the two image-generation papers (cosines 0.9487 and
    // 0.84 / (0.9487 · 0.9055) = 0.9778); by its word: the language paper (cosine 0).
    EXPECT_TRUE(lists(out, "2410.00001")) << out;
    EXPECT_TRUE(lists(out, "2410.00004")) << out;
    EXPECT_TRUE(lists(out, "2410.00003")) << out;
    // Below the threshold (0.3162), and unrelated.
    EXPECT_FALSE(lists(out, "2410.00002")) << out;
    EXPECT_FALSE(lists(out, "2410.00005")) << out;
    EXPECT_EQ(report.semantic_matches, 2u);
    EXPECT_EQ(report.semantic_errors, 0u);
    // In trending order, as every digest.
    EXPECT_LT(out.find("2410.00001"), out.find("2410.00003"));
    EXPECT_LT(out.find("2410.00003"), out.find("2410.00004"));
}

TEST_F(DigestWithVectorsTest, ThresholdAndFiltersBoundTheMeaning) {
    confirmed("ada@example.org", "diffusion");
    DigestOptions strict;
    strict.semantic_threshold = 0.98;  // above both image papers (0.9487 and 0.9778)
    std::string out = dry_run(nullptr, strict);
    EXPECT_FALSE(lists(out, "2410.00001")) << out;
    EXPECT_FALSE(lists(out, "2410.00004")) << out;
    EXPECT_TRUE(lists(out, "2410.00003")) << out;
    DigestOptions off;
    off.semantic_threshold = 2;
    EXPECT_FALSE(lists(dry_run(nullptr, off), "2410.00001"));

    // The topic's filter applies to matches by meaning too: only the cs.CV image paper.
    confirmed("bob@example.org", "diffusion cat:cs.CV");
    out = dry_run();
    const std::string bob = out.substr(out.find("bob@example.org"));
    EXPECT_TRUE(lists(bob, "2410.00004")) << bob;
    EXPECT_FALSE(lists(bob, "2410.00001")) << bob;
}

TEST_F(DigestWithVectorsTest, ForYouDigestsAreTheMembersRecommendations) {
    User u;
    u.handle = "ada";
    u.email = "ada@example.org";
    u.password_hash = "x";
    const int64_t ada = store_->create_user(u)->id;
    ASSERT_TRUE(store_->set_vote(ada, *PaperId::parse("2410.00002"), true).ok());
    confirmed("ada@example.org", std::string(kForYouTopic), ada);
    DigestReport report;
    const std::string out = dry_run(&report);
    EXPECT_NE(out.find("the daily \xE2\x80\x9C"
                       "For you\xE2\x80\x9D digest"),
              std::string::npos)
        << out;
    EXPECT_EQ(report.for_you, 1u);
    // Nearest the upvoted graph paper first (the image paper with a little of graphs: cosine
    // 0.1104; the others 0), not in trending order; never the upvoted paper.
    ASSERT_TRUE(lists(out, "2410.00004")) << out;
    EXPECT_LT(out.find("2410.00004"), out.find("2410.00001"));
    EXPECT_FALSE(lists(out, "2410.00002")) << out;

    // A member without upvotes gets the trending papers.
    u.handle = "bob";
    u.email = "bob@example.org";
    const int64_t bob = store_->create_user(u)->id;
    confirmed("bob@example.org", std::string(kForYouTopic), bob);
    const std::string both = dry_run(&report);
    const std::string bobs = both.substr(both.find("bob@example.org"));
    EXPECT_TRUE(lists(bobs, "2410.00004")) << bobs;
    EXPECT_LT(bobs.find("2410.00001"), bobs.find("2410.00002")) << "trending order";
    EXPECT_EQ(report.for_you, 1u);
}

TEST_F(DigestWithVectorsTest, ForYouNeedsAMember) {
    RecordingMailer mailer;
    auto refused = subscriptions(&mailer).subscribe("eve@example.org", "daily",
                                                    std::string(kForYouTopic), 0, "");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(refused.error().message().find("log in"), std::string::npos);
    EXPECT_TRUE(mailer.sent.empty());
}

}  // namespace
}  // namespace paperboy::app
