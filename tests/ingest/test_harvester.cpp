// Harvesting without a network: a FakeFetcher answers, a FakeClock keeps virtual time, so each
// test asserts the exact instants of the requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "ingest/harvest/harvester.h"
#include "ingest/harvest/http_fetcher.h"
#include "ingest/harvest/politeness.h"
#include "support/fake_http.h"

namespace paperboy::ingest {
namespace {

using namespace std::chrono_literals;
using paperboy::testing::FakeFetcher;
using paperboy::testing::http_response;
using paperboy::testing::read_testdata;
using paperboy::testing::recorded_oai_server;

const Clock::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2024} / 10 / 25} + 12h;
constexpr const char* kBase = "http://127.0.0.1:9/oai2";
constexpr const char* kToken = "6960524|1001";

std::chrono::milliseconds since_start(Clock::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - kStart);
}

std::vector<std::chrono::milliseconds> call_times(const FakeFetcher& fetcher) {
    std::vector<std::chrono::milliseconds> times;
    for (const auto& call : fetcher.calls) times.push_back(since_start(call.at));
    return times;
}

PolitenessOptions arxiv_politeness() {
    PolitenessOptions options;
    options.service = "arXiv OAI-PMH";
    options.user_agent = "Paperboy/0.1.0 (+https://github.com/paperboy/paperboy; mailto:a@b.org)";
    return options;
}

// --- PoliteFetcher ---------------------------------------------------------------------------

TEST(PoliteFetcher, KeepsThreeSecondsBetweenRequests) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [&](const HttpRequest&) -> Result<HttpResponse> {
        clock.advance(500ms);  // the server takes half a second to answer
        return http_response(200, "ok");
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(polite.get("http://x/a").ok());
    // The interval counts from the end of the previous response.
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 3500ms, 7000ms}));
}

TEST(PoliteFetcher, DoesNotWaitWhenTheIntervalHasAlreadyPassed) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) { return http_response(200); });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    ASSERT_TRUE(polite.get("http://x/a").ok());
    clock.advance(10s);  // the caller spent a while on the page
    ASSERT_TRUE(polite.get("http://x/b").ok());
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 10000ms}));
    EXPECT_TRUE(clock.sleeps().empty());
}

TEST(PoliteFetcher, SendsTheUserAgent) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) { return http_response(200); });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    ASSERT_TRUE(polite.get("http://x/a").ok());
    ASSERT_EQ(fetcher.calls.size(), 1u);
    EXPECT_EQ(fetcher.calls[0].user_agent,
              "Paperboy/0.1.0 (+https://github.com/paperboy/paperboy; mailto:a@b.org)");
}

TEST(PoliteFetcher, HonoursRetryAfterInSeconds) {
    FakeClock clock(kStart);
    int n = 0;
    FakeFetcher fetcher(clock, [&](const HttpRequest&) {
        return ++n == 1 ? http_response(503, "", {{"retry-after", "17"}}) : http_response(200);
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    auto response = polite.get("http://x/a");
    ASSERT_TRUE(response.ok()) << response.error().message();
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 17000ms}));
}

TEST(PoliteFetcher, HonoursRetryAfterAsHttpDate) {
    FakeClock clock(kStart);
    int n = 0;
    FakeFetcher fetcher(clock, [&](const HttpRequest&) {
        // kStart is Fri, 25 Oct 2024 12:00:00 GMT.
        return ++n == 1 ? http_response(503, "", {{"Retry-After", "Fri, 25 Oct 2024 12:00:42 GMT"}})
                        : http_response(200);
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    ASSERT_TRUE(polite.get("http://x/a").ok());
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 42000ms}));
}

TEST(PoliteFetcher, ShortRetryAfterStillKeepsTheMinimumInterval) {
    FakeClock clock(kStart);
    int n = 0;
    FakeFetcher fetcher(clock, [&](const HttpRequest&) {
        return ++n == 1 ? http_response(429, "", {{"Retry-After", "0"}}) : http_response(200);
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    ASSERT_TRUE(polite.get("http://x/a").ok());
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 3000ms}));
}

TEST(PoliteFetcher, CapsAnAbsurdRetryAfter) {
    FakeClock clock(kStart);
    int n = 0;
    FakeFetcher fetcher(clock, [&](const HttpRequest&) {
        return ++n == 1 ? http_response(503, "", {{"Retry-After", "86400"}}) : http_response(200);
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    ASSERT_TRUE(polite.get("http://x/a").ok());
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 600000ms}));
}

TEST(PoliteFetcher, BacksOffExponentiallyOnServerAndNetworkErrors) {
    FakeClock clock(kStart);
    int n = 0;
    FakeFetcher fetcher(clock, [&](const HttpRequest&) -> Result<HttpResponse> {
        switch (++n) {
            case 1:
                return http_response(500);
            case 2:
                return Error(ErrorCode::kUnavailable, "GET http://x/a: Connection refused");
            case 3:
                return http_response(503);  // no Retry-After: backoff as well
            default:
                return http_response(200, "finally");
        }
    });
    std::vector<RetryNotice> notices;
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    polite.set_retry_observer([&](const RetryNotice& notice) { notices.push_back(notice); });
    auto response = polite.get("http://x/a");
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->body, "finally");
    // Waits of 5 s, 10 s, 20 s after the failures.
    EXPECT_EQ(call_times(fetcher),
              (std::vector<std::chrono::milliseconds>{0ms, 5000ms, 15000ms, 35000ms}));
    ASSERT_EQ(notices.size(), 3u);
    EXPECT_EQ(notices[0].reason, "500 Internal Server Error");
    EXPECT_EQ(notices[1].reason, "Connection refused");
    EXPECT_EQ(notices[2].wait, 20000ms);
}

TEST(PoliteFetcher, GivesUpAfterMaxRetriesWithAClearError) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) { return http_response(503); });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    auto response = polite.get("https://export.arxiv.org/oai2?verb=Identify");
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(response.error().message(),
              "arXiv OAI-PMH at https://export.arxiv.org/oai2?verb=Identify: gave up after 6 "
              "attempts: 503 Service Unavailable");
    // 1 attempt + 5 retries, after 5, 10, 20, 40 and 80 s.
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{
                                       0ms, 5000ms, 15000ms, 35000ms, 75000ms, 155000ms}));
}

TEST(PoliteFetcher, BackoffIsCapped) {
    FakeClock clock(kStart);
    auto options = arxiv_politeness();
    options.max_retries = 3;
    options.max_backoff = 8s;
    FakeFetcher fetcher(clock, [](const HttpRequest&) { return http_response(502); });
    PoliteFetcher polite(fetcher, clock, options);
    EXPECT_FALSE(polite.get("http://x/a").ok());
    EXPECT_EQ(call_times(fetcher),
              (std::vector<std::chrono::milliseconds>{0ms, 5000ms, 13000ms, 21000ms}));
}

TEST(PoliteFetcher, ClientErrorsFailAtOnceWithTheServersMessage) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest& request) {
        if (request.url.ends_with("missing")) return http_response(404, "<html>...</html>");
        return http_response(400, "  Invalid set\n  specification\n");
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    auto bad = polite.get("http://x/bad");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.error().message(),
              "arXiv OAI-PMH at http://x/bad: 400 Bad Request: Invalid set specification");
    auto missing = polite.get("http://x/missing");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(fetcher.calls.size(), 2u);  // no retries
}

TEST(PoliteFetcher, NonNetworkFetcherErrorsAreNotRetried) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) -> Result<HttpResponse> {
        return Error(ErrorCode::kIo, "GET http://x/a: response body exceeds the 512 MiB limit");
    });
    PoliteFetcher polite(fetcher, clock, arxiv_politeness());
    auto response = polite.get("http://x/a");
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code(), ErrorCode::kIo);
    EXPECT_EQ(response.error().message(),
              "arXiv OAI-PMH at http://x/a: response body exceeds the 512 MiB limit");
    EXPECT_EQ(fetcher.calls.size(), 1u);
}

TEST(RetryAfter, ParsesSecondsAndHttpDates) {
    struct Case {
        const char* value;
        std::optional<std::chrono::seconds> expected;
    } cases[] = {
        {"120", 120s},
        {" 3 ", 3s},
        {"Fri, 25 Oct 2024 12:01:00 GMT", 60s},
        {"Fri, 25 Oct 2024 11:00:00 GMT", 0s},  // already past
        {"soon", std::nullopt},
        {"", std::nullopt},
        {"-5", std::nullopt},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(parse_retry_after(c.value, kStart), c.expected) << c.value;
    }
}

TEST(HttpHelpers, HeaderLookupIgnoresCase) {
    HttpResponse response = http_response(200, "", {{"Retry-After", "5"}});
    EXPECT_EQ(response.header("retry-after"), "5");
    EXPECT_EQ(response.header("RETRY-AFTER"), "5");
    EXPECT_EQ(response.header("Location"), std::nullopt);
}

// --- harvest() over OAI-PMH ------------------------------------------------------------------

HarvestRequest oai_request() {
    HarvestRequest request;
    request.source = HarvestSource::kArxivOai;
    request.base_url = kBase;
    request.from = "2017-12-14";
    return request;
}

TEST(Harvester, FollowsTheResumptionChainWithTheTokenUrlEncoded) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, recorded_oai_server);
    std::vector<HarvestPage> pages;
    auto stats = harvest(fetcher, clock, oai_request(), arxiv_politeness(), [&](HarvestPage& page) {
        pages.push_back(page);
        return Status();
    });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    ASSERT_EQ(fetcher.calls.size(), 2u);
    EXPECT_EQ(fetcher.calls[0].url,
              std::string(kBase) + "?verb=ListRecords&metadataPrefix=arXiv&from=2017-12-14");
    // A follow-up request carries only the verb and the token.
    EXPECT_EQ(fetcher.calls[1].url,
              std::string(kBase) + "?verb=ListRecords&resumptionToken=6960524%7C1001");
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 3000ms}));

    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(pages[0].records.size(), 3u);
    EXPECT_EQ(pages[0].next_cursor, kToken);
    EXPECT_FALSE(pages[0].last);
    EXPECT_EQ(pages[1].records.size(), 3u);
    EXPECT_EQ(pages[1].next_cursor, "");
    EXPECT_TRUE(pages[1].last);
    EXPECT_EQ(pages[0].records[0].paper.id.str(), "1712.05501");
    EXPECT_EQ(pages[0].records[0].datestamp, "2017-12-14");
    EXPECT_EQ(pages[0].feed.complete_list_size, 6);
    EXPECT_EQ(pages[1].records[2].paper.id.str(), "hep-th/0612077");
    EXPECT_TRUE(pages[0].errors.empty());
    EXPECT_TRUE(pages[1].errors.empty());
    EXPECT_EQ(stats->pages, 2);
    EXPECT_EQ(stats->records, 6);
    EXPECT_FALSE(stats->restarted);
}

TEST(Harvester, ReportsProgressAndRetries) {
    FakeClock clock(kStart);
    int n = 0;
    FakeFetcher fetcher(clock, [&](const HttpRequest& request) {
        if (++n == 1) return http_response(503, "", {{"Retry-After", "5"}});
        return recorded_oai_server(request);
    });
    std::vector<HarvestProgress> progress;
    auto stats = harvest(
        fetcher, clock, oai_request(), arxiv_politeness(), [](HarvestPage&) { return Status(); },
        [&](const HarvestProgress& p) { progress.push_back(p); });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    std::vector<std::string> messages;
    for (const auto& p : progress) {
        if (!p.message.empty()) messages.push_back(p.message);
    }
    EXPECT_EQ(messages,
              std::vector<std::string>{"503 Service Unavailable; retrying in 5 s (Retry-After)"});
    // Before the token request: one page done, and the request announced 3 s ahead.
    auto before_page2 = std::find_if(progress.begin(), progress.end(), [](const auto& p) {
        return p.url.find("resumptionToken") != std::string::npos;
    });
    ASSERT_NE(before_page2, progress.end());
    EXPECT_EQ(before_page2->pages, 1);
    EXPECT_EQ(before_page2->records, 3);
    EXPECT_EQ(since_start(before_page2->next_request), 8000ms);
    EXPECT_EQ(progress.back().pages, 2);
}

TEST(Harvester, ResumesFromACursor) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, recorded_oai_server);
    auto request = oai_request();
    request.resume_cursor = kToken;
    int64_t records = 0;
    auto stats = harvest(fetcher, clock, request, arxiv_politeness(), [&](HarvestPage& page) {
        records += static_cast<int64_t>(page.records.size());
        return Status();
    });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    ASSERT_EQ(fetcher.calls.size(), 1u);
    EXPECT_NE(fetcher.calls[0].url.find("resumptionToken=6960524%7C1001"), std::string::npos);
    EXPECT_EQ(records, 3);
}

TEST(Harvester, StartsOverWhenTheSavedTokenHasExpired) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, recorded_oai_server);
    auto request = oai_request();
    request.resume_cursor = "4711|2001";
    auto stats = harvest(fetcher, clock, request, arxiv_politeness(),
                         [&](HarvestPage&) { return Status(); });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    EXPECT_TRUE(stats->restarted);
    ASSERT_EQ(fetcher.calls.size(), 3u);
    EXPECT_NE(fetcher.calls[1].url.find("from=2017-12-14"), std::string::npos);
    EXPECT_EQ(stats->records, 6);
}

TEST(Harvester, NoRecordsMatchIsAnEmptyCompleteList) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) {
        return http_response(
            200,
            "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
            "<error code=\"noRecordsMatch\">no records</error></OAI-PMH>");
    });
    std::vector<HarvestPage> pages;
    auto stats = harvest(fetcher, clock, oai_request(), arxiv_politeness(), [&](HarvestPage& p) {
        pages.push_back(p);
        return Status();
    });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    ASSERT_EQ(pages.size(), 1u);
    EXPECT_TRUE(pages[0].last);
    EXPECT_TRUE(pages[0].records.empty());
}

TEST(Harvester, OtherOaiErrorsFailWithTheirCode) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) {
        return http_response(
            200,
            "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
            "<error code=\"badArgument\">Illegal set\n  value</error></OAI-PMH>");
    });
    auto stats = harvest(fetcher, clock, oai_request(), arxiv_politeness(),
                         [](HarvestPage&) { return Status(); });
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(stats.error().message().find("OAI-PMH error badArgument: Illegal set value"),
              std::string::npos)
        << stats.error().message();
}

TEST(Harvester, AClientErrorStopsTheHarvestAtOnce) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest&) { return http_response(400, "bad"); });
    auto stats = harvest(fetcher, clock, oai_request(), arxiv_politeness(),
                         [](HarvestPage&) { return Status(); });
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(fetcher.calls.size(), 1u);
}

TEST(Harvester, ASinkErrorStopsTheHarvest) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, recorded_oai_server);
    auto stats = harvest(fetcher, clock, oai_request(), arxiv_politeness(),
                         [](HarvestPage&) { return Status(Error(ErrorCode::kIo, "disk full")); });
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.error().message(), "disk full");
    EXPECT_EQ(fetcher.calls.size(), 1u);
}

TEST(Harvester, BuildsTheFirstRequestFromTheOptions) {
    HarvestRequest request = oai_request();
    request.until = "2017-12-31";
    request.set = "physics:hep-th";
    request.metadata_prefix = "arXivRaw";
    EXPECT_EQ(oai_list_records_url(request),
              std::string(kBase) +
                  "?verb=ListRecords&metadataPrefix=arXivRaw&from=2017-12-14&until=2017-12-31"
                  "&set=physics%3Ahep-th");
}

TEST(Harvester, RejectsMalformedRequestsBeforeAnyTraffic) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, recorded_oai_server);
    auto request = oai_request();
    request.from = "14.12.2017";
    auto stats =
        harvest(fetcher, clock, request, arxiv_politeness(), [](HarvestPage&) { return Status(); });
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(fetcher.calls.empty());

    request = oai_request();
    request.metadata_prefix = "marc";
    EXPECT_FALSE(validate_harvest_request(request).ok());
    request = oai_request();
    request.until = "2017-01-01";  // before from
    EXPECT_FALSE(validate_harvest_request(request).ok());
    request = HarvestRequest{};
    request.source = HarvestSource::kArxivApi;  // neither query nor id list
    EXPECT_FALSE(validate_harvest_request(request).ok());
}

// --- harvest() over the arXiv API and Hugging Face -------------------------------------------

TEST(Harvester, PagesThroughTheArxivApiUpToMaxResults) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest& request) {
        if (request.url.find("start=10&") != std::string::npos) {
            return http_response(200, read_testdata("harvest/api_query_testing_s10_m10.xml"));
        }
        return http_response(200, read_testdata("harvest/api_query_testing_s0_m10.xml"));
    });
    HarvestRequest request;
    request.source = HarvestSource::kArxivApi;
    request.base_url = "http://127.0.0.1:9/api/query";
    request.search_query = "all:testing";
    request.page_size = 10;
    request.max_results = 20;
    std::vector<std::string> cursors;
    std::vector<std::string> first_ids;
    auto stats = harvest(fetcher, clock, request, arxiv_politeness(), [&](HarvestPage& page) {
        cursors.push_back(page.next_cursor);
        first_ids.push_back(page.records.empty() ? "" : page.records[0].paper.id.str());
        EXPECT_EQ(page.feed.total_results, 4213);
        EXPECT_TRUE(page.errors.empty());
        return Status();
    });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    ASSERT_EQ(fetcher.calls.size(), 2u);
    EXPECT_EQ(fetcher.calls[0].url,
              "http://127.0.0.1:9/api/query?search_query=all%3Atesting&sortBy=submittedDate"
              "&sortOrder=descending&start=0&max_results=10");
    EXPECT_NE(fetcher.calls[1].url.find("&start=10&max_results=10"), std::string::npos);
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 3000ms}));
    EXPECT_EQ(stats->records, 20);
    EXPECT_EQ(cursors, (std::vector<std::string>{"10", ""}));
    EXPECT_EQ(first_ids, (std::vector<std::string>{"2405.20117", "2403.20202"}));
}

TEST(Harvester, ArxivApiStopsAtThePaperItHadSeen) {
    FakeClock clock(kStart);
    std::string body = read_testdata("harvest/api_query_testing_s0_m10.xml");
    FakeFetcher fetcher(clock, [&](const HttpRequest&) { return http_response(200, body); });
    HarvestRequest request;
    request.source = HarvestSource::kArxivApi;
    request.base_url = "http://127.0.0.1:9/api/query";
    request.search_query = "all:testing";
    request.page_size = 10;
    request.stop_at_published = "9999-01-01T00:00:00Z";  // everything is older
    auto stats =
        harvest(fetcher, clock, request, arxiv_politeness(), [](HarvestPage&) { return Status(); });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    EXPECT_EQ(fetcher.calls.size(), 1u);
}

TEST(Harvester, FetchesOneDailyListPerDayAndDatesTheEntries) {
    FakeClock clock(kStart);
    FakeFetcher fetcher(clock, [](const HttpRequest& request) {
        if (request.url.ends_with("date=2024-10-25")) {
            return http_response(200,
                                 read_testdata("harvest/handmade_daily_papers_2024-10-25.json"));
        }
        return http_response(200, "[]");
    });
    HarvestRequest request;
    request.source = HarvestSource::kHfDaily;
    request.base_url = "http://127.0.0.1:9/api/daily_papers";
    request.from = "2024-10-24";
    request.until = "2024-10-25";
    auto politeness = arxiv_politeness();
    politeness.min_interval = 1s;
    std::vector<HarvestPage> pages;
    auto stats = harvest(fetcher, clock, request, politeness, [&](HarvestPage& page) {
        pages.push_back(page);
        return Status();
    });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    ASSERT_EQ(fetcher.calls.size(), 2u);
    EXPECT_EQ(fetcher.calls[0].url, "http://127.0.0.1:9/api/daily_papers?date=2024-10-24");
    EXPECT_EQ(call_times(fetcher), (std::vector<std::chrono::milliseconds>{0ms, 1000ms}));
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_TRUE(pages[0].records.empty());
    EXPECT_EQ(pages[0].next_cursor, "2024-10-24");
    ASSERT_EQ(pages[1].records.size(), 5u);
    EXPECT_TRUE(pages[1].last);
    for (const auto& record : pages[1].records) {
        ASSERT_TRUE(record.daily.has_value());
        EXPECT_EQ(record.daily->date, "2024-10-25");
    }
}

TEST(Harvester, DailyListDefaultsToTodayByTheClock) {
    FakeClock clock(kStart);  // 2024-10-25
    FakeFetcher fetcher(clock, [](const HttpRequest&) { return http_response(200, "[]"); });
    HarvestRequest request;
    request.source = HarvestSource::kHfDaily;
    request.base_url = "http://127.0.0.1:9/api/daily_papers";
    auto stats =
        harvest(fetcher, clock, request, arxiv_politeness(), [](HarvestPage&) { return Status(); });
    ASSERT_TRUE(stats.ok()) << stats.error().message();
    ASSERT_EQ(fetcher.calls.size(), 1u);
    EXPECT_TRUE(fetcher.calls[0].url.ends_with("?date=2024-10-25"));
}

}  // namespace
}  // namespace paperboy::ingest
