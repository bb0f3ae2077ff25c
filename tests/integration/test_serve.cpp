// `paperboy serve` as a user runs it: a real process on a loopback port over a real database
// (a SQLite file in serve_test, PostgreSQL in serve_test_pg: tests/support/test_database.h),
// fetched over HTTP; the index following the database while it serves; a graceful SIGTERM.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/http_client.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace paperboy {
namespace {

using testing::RawHttpClient;
using testing::ServeProcess;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kDemo = std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/";
// Our own fixtures (tests/testdata/json/README.md).
const std::string kFixtures = std::string(PAPERBOY_TESTDATA_DIR) + "/json/";

testing::ProcessResult paperboy(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return testing::run_process(args);
}

std::optional<testing::HttpReply> get(uint16_t port, const std::string& target,
                                      const std::string& extra_headers = "") {
    RawHttpClient client(port);
    if (!client.connected()) return std::nullopt;
    return client.request("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers +
                          "Connection: close\r\n\r\n");
}

class ServeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        PAPERBOY_TEST_DATABASE(database_, dir_);
        db_ = database_.url;
        auto r = paperboy({"ingest", "--db", db_, "-q", kDemo + "seed-page-2025-11-03.json",
                           kFixtures + "handmade_arxiv_snapshot.jsonl"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // serve's extra arguments, with the index snapshot in the directory on PostgreSQL.
    std::vector<std::string> extra(std::vector<std::string> args) const {
        return database_.with_index(std::move(args));
    }
    testing::TempDir dir_;
    testing::TestDatabase database_;
    std::string db_;  // --db: the SQLite file or the PostgreSQL URL
};

TEST_F(ServeTest, ServesPagesHealthAndMetricsAndLogsEachRequest) {
    const std::string access_log = dir_.file("access.log");
    ServeProcess server(kBinary, db_, dir_.file("serve.log"), extra({"--access-log", access_log}));
    ASSERT_NE(server.port(), 0) << server.log();

    auto home = get(server.port(), "/");
    ASSERT_TRUE(home);
    EXPECT_EQ(home->status, 200);
    EXPECT_NE(home->body.find("The Unlocking Spell on Base LLMs"), std::string::npos);
    EXPECT_NE(home->body.find("Get trending papers in your email inbox!"), std::string::npos);
    EXPECT_NE(home->header("Content-Security-Policy").find("frame-ancestors 'none'"),
              std::string::npos);

    auto gz = get(server.port(), "/", "Accept-Encoding: gzip\r\n");
    ASSERT_TRUE(gz);
    EXPECT_EQ(gz->header("Content-Encoding"), "gzip");
    EXPECT_LT(gz->body.size(), home->body.size() / 3);

    auto health = get(server.port(), "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_NE(health->body.find("\"status\":\"ok\""), std::string::npos) << health->body;

    auto missing = get(server.port(), "/no/such/page");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_NE(missing->body.find("Page not found"), std::string::npos);

    // Requests are counted after their reply is sent (on whichever server thread wrote it), so
    // the last ones may lag a moment: poll, bounded.
    const auto counted = [](const std::optional<testing::HttpReply>& m) {
        return m && m->body.find("route=\"home\",status=\"200\"} 2") != std::string::npos &&
               m->body.find("route=\"not_found\",status=\"404\"} 1") != std::string::npos;
    };
    auto metrics = get(server.port(), "/metrics");
    for (int i = 0; i < 250 && !counted(metrics); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        metrics = get(server.port(), "/metrics");
    }
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    for (const char* series :
         {"paperboy_http_requests_total{route=\"home\",status=\"200\"} 2",
          "paperboy_http_requests_total{route=\"not_found\",status=\"404\"} 1",
          "paperboy_http_request_duration_seconds_bucket{route=\"home\",le=\"+Inf\"} 2",
          "paperboy_papers_indexed ", "paperboy_change_feed_lag 0"}) {
        EXPECT_NE(metrics->body.find(series), std::string::npos) << series << "\n" << metrics->body;
    }
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
    const std::string log = testing::read_file(access_log);
    EXPECT_NE(log.find("\"path\":\"/no/such/page\",\"status\":404"), std::string::npos) << log;
}

TEST_F(ServeTest, OversizedRequestsAreRefusedInTheSitesOwnForms) {
    ServeProcess server(kBinary, db_, dir_.file("serve.log"), extra({"--access-log", "off"}));
    ASSERT_NE(server.port(), 0) << server.log();
    RawHttpClient big_body(server.port());
    auto r413 = big_body.request(
        "POST /api/papers/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000000\r\n\r\n" +
        std::string(2000000, 'x'));
    ASSERT_TRUE(r413);
    EXPECT_EQ(r413->status, 413);
    EXPECT_NE(r413->body.find(R"("code":"payload_too_large")"), std::string::npos) << r413->body;

    auto r414 = get(server.port(), "/api/papers/search?q=" + std::string(9000, 'a'));
    ASSERT_TRUE(r414);
    EXPECT_EQ(r414->status, 414);
    EXPECT_NE(r414->body.find(R"("code":"uri_too_long")"), std::string::npos) << r414->body;

    auto page = get(server.port(), "/search?q=" + std::string(9000, 'a'));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 414);
    EXPECT_NE(page->body.find("Get trending papers in your email inbox!"), std::string::npos)
        << "the site's error page";
    EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST_F(ServeTest, PapersIngestedWhileServingAppearWithoutARestart) {
    ServeProcess server(kBinary, db_, dir_.file("serve.log"), extra({"--access-log", "off"}));
    ASSERT_NE(server.port(), 0) << server.log();
    auto before = get(server.port(), "/papers/date/2024-10-25");
    ASSERT_TRUE(before);
    EXPECT_NE(before->body.find("No papers on Oct 25, 2024"), std::string::npos);

    auto r =
        paperboy({"ingest", "--db", db_, "-q", kFixtures + "handmade_hf_daily_2024-10-25.json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The index syncs about once a second; wait for it (bounded, so a failure cannot hang).
    bool caught_up = false;
    for (int i = 0; i < 200 && !caught_up; ++i) {
        auto health = get(server.port(), "/healthz");
        ASSERT_TRUE(health);
        std::smatch m;
        const std::regex sequences(R"("indexedSequence":(\d+),"storeSequence":(\d+))");
        ASSERT_TRUE(std::regex_search(health->body, m, sequences)) << health->body;
        caught_up = m[1].str() == m[2].str();
        if (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(caught_up) << get(server.port(), "/healthz")->body << server.log();
    auto after = get(server.port(), "/papers/date/2024-10-25");
    ASSERT_TRUE(after);
    EXPECT_NE(after->body.find("Tidewater: Paging the Key-Value Cache"), std::string::npos);
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
}

TEST_F(ServeTest, SigtermStopsCleanlyAndTheNextStartLoadsTheSavedIndex) {
    {
        ServeProcess first(kBinary, db_, dir_.file("first.log"), extra({"--access-log", "off"}));
        ASSERT_NE(first.port(), 0) << first.log();
        EXPECT_NE(first.log().find("index built"), std::string::npos) << first.log();
        EXPECT_EQ(first.stop(SIGTERM), 0) << first.log();
        EXPECT_NE(first.log().find("paperboy: stopped"), std::string::npos);
    }
    EXPECT_TRUE(std::filesystem::exists(database_.index)) << database_.index;
    ServeProcess second(kBinary, db_, dir_.file("second.log"), extra({"--access-log", "off"}));
    ASSERT_NE(second.port(), 0) << second.log();
    EXPECT_NE(second.log().find("index loaded"), std::string::npos) << second.log();
    EXPECT_EQ(second.stop(SIGINT), 0);
}

// /metrics answers the machine itself by default; --metrics-allow replaces that with its list,
// and --metrics-token opens it to a bearer of the token from anywhere.
TEST_F(ServeTest, MetricsAnswerTheMachineItselfUnlessTheFlagsSayOtherwise) {
    auto metrics_from = [](uint16_t port, const char* source, const std::string& extra = "") {
        RawHttpClient client(port, source, std::chrono::seconds(30));
        return client.request("GET /metrics HTTP/1.1\r\nHost: localhost\r\n" + extra +
                              "Connection: close\r\n\r\n");
    };
    {
        ServeProcess server(kBinary, db_, dir_.file("default.log"), extra({"--access-log", "off"}));
        ASSERT_NE(server.port(), 0) << server.log();
        auto local = metrics_from(server.port(), "127.0.0.1");
        ASSERT_TRUE(local);
        EXPECT_EQ(local->status, 200);
        EXPECT_NE(local->body.find("paperboy_"), std::string::npos);
    }
    {
        ServeProcess server(kBinary, db_, dir_.file("allow.log"),
                            extra({"--access-log", "off", "--metrics-allow", "127.0.0.2/32"}));
        ASSERT_NE(server.port(), 0) << server.log();
        auto other = metrics_from(server.port(), "127.0.0.1");
        ASSERT_TRUE(other);
        EXPECT_EQ(other->status, 403);
        auto allowed = metrics_from(server.port(), "127.0.0.2");
        ASSERT_TRUE(allowed);
        EXPECT_EQ(allowed->status, 200);
    }
    {
        ServeProcess server(kBinary, db_, dir_.file("token.log"),
                            extra({"--access-log", "off", "--metrics-allow", "none",
                                   "--metrics-token", "a-long-metrics-secret"}));
        ASSERT_NE(server.port(), 0) << server.log();
        auto anonymous = metrics_from(server.port(), "127.0.0.1");
        ASSERT_TRUE(anonymous);
        EXPECT_EQ(anonymous->status, 401);
        EXPECT_NE(anonymous->header("WWW-Authenticate").find("Bearer"), std::string::npos);
        auto wrong = metrics_from(server.port(), "127.0.0.1", "Authorization: Bearer wrong\r\n");
        ASSERT_TRUE(wrong);
        EXPECT_EQ(wrong->status, 401);
        auto bearer = metrics_from(server.port(), "127.0.0.1",
                                   "Authorization: Bearer a-long-metrics-secret\r\n");
        ASSERT_TRUE(bearer);
        EXPECT_EQ(bearer->status, 200);
    }
    auto bad =
        paperboy(database_.with_index({"serve", "--db", db_, "--metrics-allow", "not-an-address"}));
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_NE(bad.err.find("not-an-address"), std::string::npos) << bad.err;
}

TEST_F(ServeTest, AnAddressInUseIsAClearError) {
    ServeProcess first(kBinary, db_, dir_.file("first.log"), extra({"--access-log", "off"}));
    ASSERT_NE(first.port(), 0) << first.log();
    auto second = paperboy({"serve", "--db", db_, "--index", "none", "--listen",
                            "127.0.0.1:" + std::to_string(first.port())});
    EXPECT_NE(second.exit_code, 0);
    EXPECT_NE(second.err.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
        << second.err;
    auto bad =
        paperboy(database_.with_index({"serve", "--db", db_, "--listen", "127.0.0.1:99999"}));
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_NE(bad.err.find("port"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace paperboy
