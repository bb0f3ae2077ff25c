// app::Curation: submitting papers to today's list (fetched from a canned arXiv API answer
// when the store lacks them) and its rules — age, duplicates, the daily limit — and curators
// taking entries off.
#include <gtest/gtest.h>

#include "app/curation.h"
#include "core/timestamp.h"
#include "support/fake_http.h"

namespace paperboy::app {
namespace {

using testing::FakeFetcher;
using testing::http_response;
using testing::read_testdata;

class CurationTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        member_.id = 1;
        member_.handle = "ada";
        curator_ = member_;
        curator_.handle = "grace";
        curator_.role = Role::kCurator;
    }

    Curation curation(int limit = 10) {
        CurationOptions options;
        options.fetcher = &fetcher_;
        options.arxiv_api_url = "http://arxiv.test/api/query";
        options.daily_limit_per_user = limit;
        options.clock = &clock_;
        options.now = [this] { return now_; };
        return Curation(*store_, options);
    }

    void add_paper(const std::string& id, const std::string& published) {
        Paper p;
        p.id = *PaperId::parse(id);
        p.title = "Stored paper " + id;
        p.published = published;
        store::WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
    }

    std::chrono::sys_seconds now_ = *parse_instant("2024-05-30T12:00:00Z");
    ingest::FakeClock clock_{ingest::Clock::TimePoint{}};
    FakeFetcher fetcher_{clock_, [](const ingest::HttpRequest&) {
                             return Result<ingest::HttpResponse>(http_response(
                                 200, read_testdata("harvest/api_query_testing_s0_m10.xml")));
                         }};
    std::unique_ptr<store::Store> store_;
    User member_;
    User curator_;
};

TEST_F(CurationTest, AnUnknownPaperIsFetchedFromArxivAndListedToday) {
    auto submitted = curation().submit(member_, "2405.20117");
    ASSERT_TRUE(submitted.ok()) << submitted.error().message();
    EXPECT_TRUE(submitted->fetched);
    ASSERT_EQ(fetcher_.calls.size(), 1u);
    EXPECT_NE(fetcher_.calls[0].url.find("id_list=2405.20117"), std::string::npos)
        << fetcher_.calls[0].url;
    EXPECT_TRUE(fetcher_.calls[0].url.starts_with("http://arxiv.test/api/query"));

    auto stored = store_->get_paper(*PaperId::parse("2405.20117"));
    ASSERT_TRUE(stored.ok() && stored->has_value());
    auto list = store_->daily_entries("2024-05-30");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].submitted_by, "ada");
    EXPECT_EQ((*list)[0].submitted_at, "2024-05-30T12:00:00Z");

    // A second submission the same day, by anyone, says who was first.
    auto again = curation().submit(curator_, "arXiv:2405.20117v1");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
    EXPECT_NE(again.error().message().find("ada"), std::string::npos);
    EXPECT_EQ(fetcher_.calls.size(), 1u);  // known now: not fetched again
}

TEST_F(CurationTest, OnlyRecentArxivPapersThatArxivKnows) {
    auto old = curation().submit(member_, "2202.07340");  // published 2022-02-15
    ASSERT_FALSE(old.ok());
    EXPECT_EQ(old.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(old.error().message().find("2022-02-15"), std::string::npos);
    EXPECT_NE(old.error().message().find("14 days"), std::string::npos);

    auto unknown = curation().submit(member_, "2405.99999");  // not in arXiv's answer
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);

    for (const char* bad : {"", "not an id", "local:some-title", "'; DROP TABLE papers; --",
                            "2405.20117/../../etc/passwd"}) {
        auto r = curation().submit(member_, bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
    }
    EXPECT_TRUE(store_->daily_entries("2024-05-30")->empty());

    // 14 days is the limit, inclusive.
    add_paper("2405.00001", "2024-05-16T00:00:00Z");
    EXPECT_TRUE(curation().submit(member_, "2405.00001").ok());
    add_paper("2405.00002", "2024-05-15T23:59:59Z");
    EXPECT_FALSE(curation().submit(member_, "2405.00002").ok());
}

TEST_F(CurationTest, ArxivDownIsUnavailable) {
    fetcher_.set_handler([](const ingest::HttpRequest&) {
        return Result<ingest::HttpResponse>(http_response(503, "down"));
    });
    auto r = curation().submit(member_, "2405.20117");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
}

TEST_F(CurationTest, EachMemberHasADailyLimit) {
    for (int i = 1; i <= 3; ++i) add_paper("2405.0000" + std::to_string(i), "2024-05-29T00:00:00Z");
    EXPECT_TRUE(curation(2).submit(member_, "2405.00001").ok());
    EXPECT_TRUE(curation(2).submit(member_, "2405.00002").ok());
    auto third = curation(2).submit(member_, "2405.00003");
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code(), ErrorCode::kLimitExceeded);
    EXPECT_TRUE(curation(2).submit(curator_, "2405.00003").ok());  // someone else's quota
    now_ += std::chrono::hours(24);                                // a new day
    add_paper("2405.00004", "2024-05-30T00:00:00Z");
    EXPECT_TRUE(curation(2).submit(member_, "2405.00004").ok());
}

TEST_F(CurationTest, CuratorsRemoveEntriesMembersCannot) {
    add_paper("2405.00001", "2024-05-29T00:00:00Z");
    ASSERT_TRUE(curation().submit(member_, "2405.00001").ok());
    const PaperId id = *PaperId::parse("2405.00001");
    Status denied = curation().remove(member_, "2024-05-30", id);
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(store_->daily_entries("2024-05-30")->size(), 1u);

    const int64_t seq = store_->stats()->last_sequence;
    ASSERT_TRUE(curation().remove(curator_, "2024-05-30", id).ok());
    EXPECT_TRUE(store_->daily_entries("2024-05-30")->empty());
    EXPECT_GT(store_->stats()->last_sequence, seq);  // on the feed: the index and caches follow
    Status again = curation().remove(curator_, "2024-05-30", id);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
    // Removed, it may be submitted again.
    EXPECT_TRUE(curation().submit(member_, "2405.00001").ok());
}

}  // namespace
}  // namespace paperboy::app
