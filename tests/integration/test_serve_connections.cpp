// `paperboy serve` rationing its connections: the serve options for the HTTP server's limits
// reach it, and one address holding connections open without a word does not shut others out.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy {
namespace {

using namespace std::chrono_literals;
using testing::RawHttpClient;
using testing::ServeProcess;

const std::string kBinary = PAPERBOY_BINARY;

std::string get(const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

TEST(ServeConnections, DescribesTheConnectionOptions) {
    auto help = testing::run_process({kBinary, "serve", "--help"});
    ASSERT_EQ(help.exit_code, 0) << help.err;
    for (const char* option :
         {"--max-connections ", "--max-connections-per-client", "--first-byte-timeout-ms"}) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option;
    }
}

TEST(ServeConnections, OneAddressHoldingConnectionsDoesNotShutOthersOut) {
    testing::TempDir dir;
    ServeProcess server(kBinary, dir.file("papers.db"), dir.file("serve.log"),
                        {"--max-connections-per-client", "4", "--access-log", "off"});
    ASSERT_NE(server.port(), 0) << server.log();

    std::vector<std::unique_ptr<RawHttpClient>> flood;
    for (int i = 0; i < 40; ++i) flood.push_back(std::make_unique<RawHttpClient>(server.port()));
    RawHttpClient other(server.port(), "127.0.0.2", 5s);
    auto reply = other.request(get("/healthz"));
    ASSERT_TRUE(reply) << server.log();
    EXPECT_EQ(reply->status, 200);

    // All but the 4 the limit allows are closed (silent connections are not timed out yet: the
    // default first-byte timeout is seconds).
    int closed = 0;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::vector<bool> seen(flood.size(), false);
    while (closed < 36 && std::chrono::steady_clock::now() < deadline) {
        for (size_t i = 0; i < flood.size(); ++i) {
            if (!seen[i] && flood[i]->wait_closed(10ms)) {
                seen[i] = true;
                ++closed;
            }
        }
    }
    EXPECT_EQ(closed, 36);
}

TEST(ServeConnections, ClosesAConnectionThatSendsNothing) {
    testing::TempDir dir;
    ServeProcess server(kBinary, dir.file("papers.db"), dir.file("serve.log"),
                        {"--first-byte-timeout-ms", "200", "--access-log", "off"});
    ASSERT_NE(server.port(), 0) << server.log();
    RawHttpClient silent(server.port());
    EXPECT_TRUE(silent.wait_closed(10s));
    RawHttpClient talking(server.port());
    auto reply = talking.request(get("/healthz"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
}

}  // namespace
}  // namespace paperboy
