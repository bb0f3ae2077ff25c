// run_harvest() against a real (in-memory SQLite) store and a fake server: where a harvest
// starts, what it remembers, and how it resumes after an interruption.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "app/harvest_job.h"
#include "store/store.h"
#include "support/fake_http.h"

namespace paperboy::app {
namespace {

using namespace std::chrono_literals;
using ingest::Clock;
using ingest::FakeClock;
using ingest::HttpRequest;
using ingest::HttpResponse;
using paperboy::testing::FakeFetcher;
using paperboy::testing::http_response;
using paperboy::testing::read_testdata;
using paperboy::testing::recorded_oai_server;

const Clock::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2024} / 10 / 25} + 12h;
constexpr const char* kBase = "http://127.0.0.1:9/oai2";

class HarvestJobTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store("sqlite::memory:");
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(*opened);
        options_.request.source = ingest::HarvestSource::kArxivOai;
        options_.request.base_url = kBase;
        options_.politeness.user_agent = "Paperboy/test (mailto:a@b.org)";
        options_.politeness.max_retries = 2;
    }

    std::string cursor(const std::string& key) {
        auto value = store_->cursor(key);
        EXPECT_TRUE(value.ok());
        return value.ok() ? value->value_or("<unset>") : "<error>";
    }

    int64_t papers() {
        auto stats = store_->stats();
        EXPECT_TRUE(stats.ok());
        return stats.ok() ? stats->papers : -1;
    }

    std::unique_ptr<store::Store> store_;
    HarvestOptions options_;
    FakeClock clock_{kStart};
};

TEST_F(HarvestJobTest, CursorKeysNameTheSourceEndpointAndScope) {
    options_.request.set = "physics:hep-th";
    EXPECT_EQ(
        harvest_last_key(options_.request),
        "harvest.last:arxiv-oai:http://127.0.0.1:9/oai2?metadataPrefix=arXiv&set=physics%3Ahep-th");
    EXPECT_EQ(harvest_resume_key(options_.request),
              "harvest.resume:arxiv-oai:http://127.0.0.1:9/"
              "oai2?metadataPrefix=arXiv&set=physics%3Ahep-th");
}

TEST_F(HarvestJobTest, StoresBothPagesAndRemembersTheLatestDatestamp) {
    FakeFetcher fetcher(clock_, recorded_oai_server);
    options_.request.from = "2017-12-01";
    auto report = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(report->pages, 2);
    EXPECT_EQ(report->records, 6);
    EXPECT_EQ(report->counts.papers_inserted, 6);
    EXPECT_EQ(papers(), 6);
    EXPECT_EQ(report->last, "2017-12-14");
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "2017-12-14");
    EXPECT_EQ(cursor(harvest_resume_key(options_.request)), "");
    auto paper = store_->get_paper(PaperId::parse("1705.02288").value());
    ASSERT_TRUE(paper.ok());
    EXPECT_TRUE(paper->has_value());  // from page 2
}

TEST_F(HarvestJobTest, ARunWhileAnotherHoldsTheHarvestsLeaseIsRefusedAndNamesIt) {
    // Another node's run of the same harvest, as its lease in the store says.
    const std::string lease = "harvest:" + harvest_scope(options_.request);
    ASSERT_TRUE(store_->acquire_lease(lease, "node-b:4242:run.1", std::chrono::seconds(600)).ok());
    FakeFetcher fetcher(clock_, recorded_oai_server);
    options_.request.from = "2017-12-01";
    auto refused = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(refused.error().message().find("node-b:4242:run.1"), std::string::npos)
        << refused.error().message();
    EXPECT_EQ(papers(), 0);
    // Released: the run goes through, and gives its own lease up when done.
    ASSERT_TRUE(store_->release_lease(lease, "node-b:4242:run.1").ok());
    ASSERT_TRUE(run_harvest(*store_, fetcher, clock_, options_).ok());
    EXPECT_EQ(papers(), 6);
    auto held = store_->lease(lease);
    ASSERT_TRUE(held.ok());
    EXPECT_FALSE(held->has_value());
}

TEST_F(HarvestJobTest, SecondRunStartsFromTheRememberedDatestampAndAddsNothing) {
    FakeFetcher fetcher(clock_, recorded_oai_server);
    ASSERT_TRUE(run_harvest(*store_, fetcher, clock_, options_).ok());
    ASSERT_EQ(fetcher.calls.size(), 2u);
    EXPECT_EQ(fetcher.calls[0].url, std::string(kBase) + "?verb=ListRecords&metadataPrefix=arXiv");

    fetcher.calls.clear();
    auto second = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(second.ok()) << second.error().message();
    ASSERT_FALSE(fetcher.calls.empty());
    EXPECT_EQ(fetcher.calls[0].url,
              std::string(kBase) + "?verb=ListRecords&metadataPrefix=arXiv&from=2017-12-14");
    EXPECT_EQ(second->from, "2017-12-14");
    EXPECT_EQ(second->counts.papers_inserted, 0);
    EXPECT_EQ(second->counts.papers_updated, 0);
    EXPECT_EQ(papers(), 6);
}

TEST_F(HarvestJobTest, FullIgnoresTheRememberedDatestamp) {
    FakeFetcher fetcher(clock_, recorded_oai_server);
    ASSERT_TRUE(run_harvest(*store_, fetcher, clock_, options_).ok());
    fetcher.calls.clear();
    options_.full = true;
    ASSERT_TRUE(run_harvest(*store_, fetcher, clock_, options_).ok());
    EXPECT_EQ(fetcher.calls[0].url, std::string(kBase) + "?verb=ListRecords&metadataPrefix=arXiv");
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "2017-12-14");
}

TEST_F(HarvestJobTest, ResumesAfterAnInterruptionFromTheSavedToken) {
    // The server dies after the first page.
    FakeFetcher fetcher(clock_, [](const HttpRequest& request) -> Result<HttpResponse> {
        if (request.url.find("resumptionToken") != std::string::npos) {
            return Error(ErrorCode::kUnavailable, "Connection refused");
        }
        return recorded_oai_server(request);
    });
    options_.request.from = "2017-12-01";
    auto first = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(first.error().message().find("gave up after 3 attempts: Connection refused"),
              std::string::npos)
        << first.error().message();
    // Page 1 is stored together with where to continue; nothing is remembered as complete.
    EXPECT_EQ(papers(), 3);
    EXPECT_EQ(cursor(harvest_resume_key(options_.request)),
              "from=2017-12-01&until=&cursor=6960524%7C1001&seen=2017-12-14");
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "<unset>");

    fetcher.calls.clear();
    fetcher.set_handler(recorded_oai_server);
    auto second = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(second.ok()) << second.error().message();
    EXPECT_TRUE(second->resumed);
    ASSERT_EQ(fetcher.calls.size(), 1u);
    EXPECT_EQ(fetcher.calls[0].url,
              std::string(kBase) + "?verb=ListRecords&resumptionToken=6960524%7C1001");
    EXPECT_EQ(second->counts.papers_inserted, 3);
    EXPECT_EQ(papers(), 6);
    EXPECT_EQ(cursor(harvest_resume_key(options_.request)), "");
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "2017-12-14");
}

TEST_F(HarvestJobTest, AnExpiredSavedTokenRestartsFromTheSavedFromDate) {
    store::WriteBatch batch;
    options_.request.from = "2017-12-01";
    batch.set_cursor(harvest_resume_key(options_.request),
                     "from=2017-12-01&until=&cursor=999%7C1&seen=2017-12-13");
    ASSERT_TRUE(store_->write(batch).ok());
    FakeFetcher fetcher(clock_, recorded_oai_server);
    auto report = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_TRUE(report->resumed);
    EXPECT_TRUE(report->restarted);
    ASSERT_EQ(fetcher.calls.size(), 3u);
    EXPECT_EQ(fetcher.calls[1].url,
              std::string(kBase) + "?verb=ListRecords&metadataPrefix=arXiv&from=2017-12-01");
    EXPECT_EQ(papers(), 6);
}

TEST_F(HarvestJobTest, AResumedRunKeepsTheDatestampsSeenBeforeTheInterruption) {
    store::WriteBatch batch;
    batch.set_cursor(harvest_resume_key(options_.request),
                     "from=&until=&cursor=6960524%7C1001&seen=2018-01-02");
    ASSERT_TRUE(store_->write(batch).ok());
    FakeFetcher fetcher(clock_, recorded_oai_server);
    auto report = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_TRUE(report->resumed);
    EXPECT_EQ(fetcher.calls.size(), 1u);
    // Page 2's records are of 2017-12-14; the interrupted run had seen a later day on page 1.
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "2018-01-02");
}

TEST_F(HarvestJobTest, ASavedRunWithOtherDatesIsNotResumed) {
    store::WriteBatch batch;
    batch.set_cursor(harvest_resume_key(options_.request),
                     "from=2010-01-01&until=&cursor=6960524%7C1001&seen=");
    ASSERT_TRUE(store_->write(batch).ok());
    FakeFetcher fetcher(clock_, recorded_oai_server);
    options_.request.from = "2017-12-01";
    auto report = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_FALSE(report->resumed);
    EXPECT_EQ(fetcher.calls.size(), 2u);
    EXPECT_EQ(report->records, 6);
}

TEST_F(HarvestJobTest, DailyListsAreStoredWithTheirEntriesAndTheDayIsRemembered) {
    FakeFetcher fetcher(clock_, [](const HttpRequest& request) {
        if (request.url.ends_with("date=2024-10-25")) {
            return http_response(200,
                                 read_testdata("harvest/handmade_daily_papers_2024-10-25.json"));
        }
        return http_response(200, "[]");
    });
    options_.request = ingest::HarvestRequest{};
    options_.request.source = ingest::HarvestSource::kHfDaily;
    options_.request.base_url = "http://127.0.0.1:9/api/daily_papers";
    options_.request.from = "2024-10-24";
    options_.request.until = "2024-10-25";
    auto report = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(report->records, 5);
    EXPECT_EQ(report->counts.entries_inserted, 5);
    auto entries = store_->daily_entries("2024-10-25");
    ASSERT_TRUE(entries.ok());
    EXPECT_EQ(entries->size(), 5u);
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "2024-10-25");

    // Without --from the next run fetches from the remembered day (again) to today.
    fetcher.calls.clear();
    options_.request.from.clear();
    options_.request.until.clear();
    clock_.advance(24h);  // 2024-10-26
    auto next = run_harvest(*store_, fetcher, clock_, options_);
    ASSERT_TRUE(next.ok()) << next.error().message();
    ASSERT_EQ(fetcher.calls.size(), 2u);
    EXPECT_TRUE(fetcher.calls[0].url.ends_with("date=2024-10-25"));
    EXPECT_TRUE(fetcher.calls[1].url.ends_with("date=2024-10-26"));
    EXPECT_EQ(next->counts.entries_inserted, 0);
    EXPECT_EQ(cursor(harvest_last_key(options_.request)), "2024-10-26");
}

}  // namespace
}  // namespace paperboy::app
