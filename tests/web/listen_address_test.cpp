#include "web/http/listen_address.h"

#include <gtest/gtest.h>

#include <string>

namespace paperboy::web::http {
namespace {

TEST(ParseListenAddress, AcceptsTheUsualForms) {
    struct Case {
        const char* text;
        const char* host;
        uint16_t port;
    } cases[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"0.0.0.0:80", "0.0.0.0", 80},
        {"[::1]:8080", "::1", 8080},
        {"[::]:443", "::", 443},
        {":8080", "0.0.0.0", 8080},
        {"8080", "0.0.0.0", 8080},
        {"localhost:0", "localhost", 0},
        {"papers.example.org:65535", "papers.example.org", 65535},
    };
    for (const auto& c : cases) {
        auto parsed = parse_listen_address(c.text);
        ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message();
        EXPECT_EQ(parsed->first, c.host) << c.text;
        EXPECT_EQ(parsed->second, c.port) << c.text;
    }
}

TEST(ParseListenAddress, ExplainsWhatIsWrong) {
    struct Case {
        const char* text;
        const char* message;
    } cases[] = {
        {"", "missing port"},
        {"localhost", "port must be a number"},
        {"127.0.0.1:", "missing port"},
        {"127.0.0.1:http", "port must be a number"},
        {"127.0.0.1:80x", "port must be a number"},
        {"127.0.0.1:-1", "port must be a number"},
        {"127.0.0.1:65536", "port must be between 0 and 65535"},
        {"99999999999999999999", "port must be between 0 and 65535"},
        {"::1:8080", "needs brackets"},
        {"[::1]8080", "expected :PORT after ']'"},
        {"[::1:8080", "missing ']'"},
        {"[]:80", "bad IPv6 address"},
        {"bad host:80", "bad host name"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_listen_address(c.text);
        ASSERT_FALSE(parsed.ok()) << c.text;
        EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
        const std::string& message = parsed.error().message();
        EXPECT_TRUE(message.starts_with("invalid listen address \"" + std::string(c.text) + "\""))
            << message;
        EXPECT_NE(message.find(c.message), std::string::npos) << c.text << " -> " << message;
    }
}

}  // namespace
}  // namespace paperboy::web::http
