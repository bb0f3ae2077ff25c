#include "web/access_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace paperboy::web {
namespace {

using namespace std::chrono;

http::Request sample_request() {
    http::Request request;
    request.method = "GET";
    request.path = "/search \"quoted\"";
    request.remote_address = "127.0.0.1";
    request.headers = {{"user-agent", "curl/8.0\nforged line"}};
    return request;
}

TEST(AccessLog, FormatsOneEscapedJsonLine) {
    auto now = sys_days{2026y / 11 / 27} + 6h + 30min + 123ms + 900us;
    std::string line =
        format_access_line(sample_request(), http::Response::text(200, "hello"), 420us, 123, now);
    EXPECT_EQ(line,
              "{\"ts\":\"2026-11-27T06:30:00.123Z\",\"remote\":\"127.0.0.1\",\"method\":\"GET\","
              "\"path\":\"/search \\\"quoted\\\"\",\"status\":200,\"bytes\":123,\"ms\":0.420,"
              "\"ua\":\"curl/8.0\\nforged line\"}");
}

TEST(AccessLog, LeavesOutTheTokensOfLinksInMail) {
    const auto now = sys_days{2026y / 11 / 27};
    for (const char* path : {"/unsubscribe/u.12.secretmac", "/subscriptions/confirm/c.1.n.mac",
                             "/account/verify/Secret_Token-43chars", "/account/reset/secret"}) {
        http::Request request = sample_request();
        request.path = path;
        const std::string line =
            format_access_line(request, http::Response::text(200, ""), 1ms, 0, now);
        EXPECT_EQ(line.find("ecret"), std::string::npos) << line;
        EXPECT_EQ(line.find("mac"), std::string::npos) << line;
        EXPECT_NE(line.find("/{token}\""), std::string::npos) << line;
    }
    http::Request list = sample_request();
    list.path = "/unsubscribe/";
    EXPECT_NE(format_access_line(list, http::Response::text(404, ""), 1ms, 0, now)
                  .find("\"path\":\"/unsubscribe/\""),
              std::string::npos);
}

TEST(AccessLog, WritesLinesToItsFile) {
    std::FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    AccessLog log(file);
    log.write(sample_request(), http::Response::text(404, ""), 2ms, 10);
    log.write(sample_request(), http::Response::text(200, ""), 1ms, 20);
    std::rewind(file);
    char buf[4096];
    size_t n = std::fread(buf, 1, sizeof buf, file);
    std::fclose(file);
    std::string text(buf, n);
    ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
    EXPECT_NE(text.find("\"status\":404,\"bytes\":10,\"ms\":2.000"), std::string::npos) << text;
    EXPECT_NE(text.find("\"status\":200,\"bytes\":20,\"ms\":1.000"), std::string::npos) << text;
}

}  // namespace
}  // namespace paperboy::web
