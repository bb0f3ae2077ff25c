// The feeds as a feed reader gets them: the real `paperboy serve` over the demo corpus, fetched
// over HTTP and parsed by a real feed parser (feedparser, in tests/support/check_feeds.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy {
namespace {

const std::string kBinary = PAPERBOY_BINARY;
const std::string kCheckFeeds = PAPERBOY_CHECK_FEEDS;

class FeedsCliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The demo's seed page and our own fixtures: an arXiv snapshot and a Hugging Face day.
        const std::string testdata = PAPERBOY_TESTDATA_DIR;
        std::vector<std::string> argv = {
            kBinary,
            "ingest",
            "--db",
            db_,
            "-q",
            std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/seed-page-2025-11-03.json",
            testdata + "/json/handmade_arxiv_snapshot.jsonl",
            testdata + "/json/handmade_hf_daily_2024-10-25.json"};
        auto r = testing::run_process(argv);
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    // Runs the checker against a server; its report goes to the test's output.
    void check(uint16_t port, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {PAPERBOY_FEED_PYTHON, kCheckFeeds,
                                         "http://127.0.0.1:" + std::to_string(port)};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto r = testing::run_process(argv);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        std::cout << r.out;
    }

    testing::TempDir dir_;
    std::string db_ = dir_.file("papers.db");
};

// Without --public-url, links lead to the address the server listens on, whatever Host a request
// names: a hostile one changes neither its own response (kept by proxies and readers for 5
// minutes) nor the next plain request's (served from the response cache for 10 s).
TEST_F(FeedsCliTest, EveryFeedParsesWithLinksToTheListenAddressWhateverTheHost) {
    testing::ServeProcess server(kBinary, db_, dir_.file("serve.log"), {"--access-log", "off"});
    ASSERT_NE(server.port(), 0) << server.log();
    const std::string listen = "http://127.0.0.1:" + std::to_string(server.port());
    check(server.port(), {"--host", "attacker.example", "--link-base", listen});
    check(server.port());
    EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(FeedsCliTest, LinksUseThePublicUrl) {
    testing::ServeProcess server(
        kBinary, db_, dir_.file("serve.log"),
        {"--access-log", "off", "--public-url", "https://papers.example.org"});
    ASSERT_NE(server.port(), 0) << server.log();
    check(server.port(), {"--link-base", "https://papers.example.org"});
    check(server.port(),
          {"--host", "attacker.example", "--link-base", "https://papers.example.org"});
    EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(FeedsCliTest, AllowedHostsGetLinksToThemselvesAndOthersTheFirst) {
    testing::ServeProcess server(kBinary, db_, dir_.file("serve.log"),
                                 {"--access-log", "off", "--allowed-hosts",
                                  "papers.example.net,https://papers.example.org"});
    ASSERT_NE(server.port(), 0) << server.log();
    check(server.port(),
          {"--host", "papers.example.org", "--link-base", "https://papers.example.org"});
    check(server.port(),
          {"--host", "papers.example.net", "--link-base", "http://papers.example.net"});
    check(server.port(),
          {"--host", "attacker.example", "--link-base", "http://papers.example.net"});
    check(server.port(), {"--link-base", "http://papers.example.net"});
    EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(FeedsCliTest, AMalformedAllowedHostIsRefusedAtStart) {
    auto r = testing::run_process({kBinary, "serve", "--db", db_, "--listen", "127.0.0.1:0",
                                   "--allowed-hosts", "a.example/x"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("--allowed-hosts"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("a.example/x"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace paperboy
