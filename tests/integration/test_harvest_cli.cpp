// The real `paperboy harvest` binary against a local HTTP server (tests/support/
// fake_arxiv_server.py) that serves canned arXiv and Hugging Face responses: retries after a
// 503 with Retry-After, follows a resumption token, remembers where it got, and stores what it
// fetched. Loopback only; the unit tests (tests/ingest/test_harvester.cpp) cover the 3 s
// spacing and backoff in virtual time, so this test runs with --min-interval 1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ingest/harvest/curl_fetcher.h"
#include "store/store.h"
#include "support/subprocess.h"

namespace paperboy {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::run_process;
using testing::spawn_process;
using testing::TempDir;

constexpr const char* kContact = "harvest-test@example.org";

// One line of the server's request log.
struct Request {
    double time = 0;
    int status = 0;
    std::string path;
    std::string query;
    std::string user_agent;
};

std::vector<Request> read_log(const std::string& path) {
    std::vector<Request> requests;
    std::istringstream in(read_file(path));
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> fields;
        size_t start = 0;
        while (true) {
            size_t tab = line.find('\t', start);
            fields.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        if (fields.size() != 5) continue;
        requests.push_back(
            {std::stod(fields[0]), std::stoi(fields[1]), fields[2], fields[3], fields[4]});
    }
    return requests;
}

class HarvestCliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The contact must come from the flags of each test, not from the environment.
        unsetenv("PAPERBOY_CONTACT");
        std::string server_out = dir_.file("server.out");
        server_pid_ = spawn_process({PAPERBOY_PYTHON3, PAPERBOY_FAKE_ARXIV_SERVER, "--data",
                                     std::string(PAPERBOY_TESTDATA_DIR) + "/harvest", "--log",
                                     log_path(), "--oai-503", "1", "--retry-after", "1"},
                                    server_out);
        // The server prints its port as its first line once it listens.
        for (int i = 0; i < 200 && port_.empty(); ++i) {
            std::string out = read_file(server_out);
            size_t newline = out.find('\n');
            if (newline != std::string::npos) port_ = out.substr(0, newline);
            if (port_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_FALSE(port_.empty()) << "the fake server did not start: " << read_file(server_out);
    }

    void TearDown() override {
        if (server_pid_ > 0) {
            kill(server_pid_, SIGTERM);
            int status = 0;
            waitpid(server_pid_, &status, 0);
        }
    }

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + port_ + path; }
    std::string log_path() const { return dir_.file("requests.tsv"); }
    std::string db_path() const { return dir_.file("papers.db"); }

    ProcessResult harvest(std::vector<std::string> args) {
        std::vector<std::string> argv = {PAPERBOY_BINARY, "harvest",        "--db",
                                         db_path(),       "--min-interval", "1"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }

    std::unique_ptr<store::Store> open_store() {
        auto store = store::open_store(db_path());
        EXPECT_TRUE(store.ok()) << store.error().message();
        return store.ok() ? std::move(*store) : nullptr;
    }

    TempDir dir_;
    pid_t server_pid_ = -1;
    std::string port_;
};

TEST_F(HarvestCliTest, OaiHarvestRetriesFollowsTheTokenAndThenRunsIncrementally) {
    ProcessResult first = harvest({"--source", "arxiv-oai", "--base-url", url("/oai2"), "--from",
                                   "2017-12-01", "--contact", kContact});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.err.find("harvested 6 records in 2 pages: 6 new, 0 updated, 0 failed"),
              std::string::npos)
        << first.err;

    auto requests = read_log(log_path());
    ASSERT_EQ(requests.size(), 3u);
    // The 503 was retried with the same request after its Retry-After of 1 s.
    EXPECT_EQ(requests[0].status, 503);
    EXPECT_EQ(requests[0].query, "verb=ListRecords&metadataPrefix=arXiv&from=2017-12-01");
    EXPECT_EQ(requests[1].status, 200);
    EXPECT_EQ(requests[1].query, requests[0].query);
    EXPECT_GE(requests[1].time - requests[0].time, 0.95);
    // Page 2 was asked for with the URL-encoded token only, at least the interval later.
    EXPECT_EQ(requests[2].query, "verb=ListRecords&resumptionToken=6960524%7C1001");
    EXPECT_GE(requests[2].time - requests[1].time, 0.95);
    for (const auto& request : requests) {
        EXPECT_NE(request.user_agent.find("Paperboy/"), std::string::npos) << request.user_agent;
        EXPECT_NE(request.user_agent.find(std::string("mailto:") + kContact), std::string::npos)
            << request.user_agent;
    }

    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto stats = store->stats();
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->papers, 6);
    for (const char* id : {"1712.05501", "1711.09903", "1705.02288", "hep-th/0612077"}) {
        auto paper = store->get_paper(PaperId::parse(id).value());
        ASSERT_TRUE(paper.ok());
        EXPECT_TRUE(paper->has_value()) << id;
    }
    store.reset();

    // Nothing new on the server: the second run asks from the remembered datestamp and adds
    // nothing.
    ProcessResult second =
        harvest({"--source", "arxiv-oai", "--base-url", url("/oai2"), "--contact", kContact});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.err.find("harvested 6 records in 2 pages: 0 new, 0 updated, 0 failed"),
              std::string::npos)
        << second.err;
    requests = read_log(log_path());
    ASSERT_EQ(requests.size(), 5u);
    EXPECT_EQ(requests[3].query, "verb=ListRecords&metadataPrefix=arXiv&from=2017-12-14");
}

TEST_F(HarvestCliTest, HfDailyStoresTheDaysListWithItsEntries) {
    ProcessResult result = harvest({"--source", "hf-daily", "--base-url", url("/api/daily_papers"),
                                    "--from", "2024-10-25", "--until", "2024-10-25"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("harvested 5 records in 1 page: 5 new, 0 updated, 0 failed"),
              std::string::npos)
        << result.err;
    auto requests = read_log(log_path());
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].path, "/api/daily_papers");
    EXPECT_EQ(requests[0].query, "date=2024-10-25");

    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto entries = store->daily_entries("2024-10-25");
    ASSERT_TRUE(entries.ok());
    EXPECT_EQ(entries->size(), 5u);
}

TEST_F(HarvestCliTest, ArxivApiPagesUpToMaxResults) {
    ProcessResult result =
        harvest({"--source", "arxiv-api", "--base-url", url("/api/query"), "--query", "all:testing",
                 "--page-size", "10", "--max-results", "20", "--contact", kContact});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("harvested 20 records in 2 pages"), std::string::npos) << result.err;
    auto requests = read_log(log_path());
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_NE(requests[1].query.find("start=10&max_results=10"), std::string::npos);
}

TEST_F(HarvestCliTest, AnUnreachableServerFailsWithAClearMessage) {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    ProcessResult result =
        harvest({"--source", "arxiv-oai", "--base-url", "http://127.0.0.1:1/oai2", "--max-retries",
                 "0", "--contact", kContact});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("arXiv OAI-PMH at http://127.0.0.1:1/oai2"), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("gave up after 1 attempt"), std::string::npos) << result.err;
}

TEST_F(HarvestCliTest, CurlFetcherReturnsStatusHeadersAndBody) {
    ingest::CurlFetcher fetcher;
    auto refused = fetcher.get({url("/oai2?verb=ListRecords&metadataPrefix=arXiv"), {}});
    ASSERT_TRUE(refused.ok()) << refused.error().message();
    EXPECT_EQ(refused->status, 503);
    EXPECT_EQ(refused->header("retry-after"), "1");
    auto page = fetcher.get({url("/oai2?verb=ListRecords&metadataPrefix=arXiv"),
                             {{"User-Agent", "curl-fetcher-test"}}});
    ASSERT_TRUE(page.ok()) << page.error().message();
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("<resumptionToken"), std::string::npos);
    EXPECT_EQ(read_log(log_path()).back().user_agent, "curl-fetcher-test");
}

TEST_F(HarvestCliTest, CurlFetcherRefusesABodyOverItsLimit) {
    ingest::CurlOptions options;
    options.max_body_bytes = 1000;
    ingest::CurlFetcher fetcher(options);
    auto response = fetcher.get({url("/api/daily_papers?date=2024-10-25"), {}});
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code(), ErrorCode::kIo);
    EXPECT_NE(response.error().message().find("exceeds the 1000 bytes limit"), std::string::npos)
        << response.error().message();
}

TEST_F(HarvestCliTest, ArxivNeedsAContact) {
    ProcessResult result = harvest({"--source", "arxiv-oai", "--base-url", url("/oai2")});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--contact"), std::string::npos) << result.err;
    EXPECT_TRUE(read_log(log_path()).empty());
}

}  // namespace
}  // namespace paperboy
