#include "web/http/message.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "web/http/response_head.h"

namespace paperboy::web::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndKeepsInvalidOnesLiteral) {
    struct Case {
        const char* in;
        bool plus_is_space;
        std::optional<std::string> out;
    } cases[] = {
        {"a%20b", false, "a b"},
        {"%41%62%2f", false, "Ab/"},
        {"a+b", false, "a+b"},
        {"a+b", true, "a b"},
        {"%zz", true, "%zz"},
        {"100%", true, "100%"},
        {"%4", true, "%4"},
        {"%e2%9c%93", true, "\xe2\x9c\x93"},
        {"a%00b", true, std::nullopt},
        {"", true, ""},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(percent_decode(c.in, c.plus_is_space), c.out) << c.in;
    }
}

TEST(DecodeTarget, SplitsPathAndQuery) {
    Request request;
    request.target = "/papers/2401.1%2F?q=a+b&empty=&flag&&x=%3D";
    ASSERT_TRUE(decode_target(request));
    EXPECT_EQ(request.path, "/papers/2401.1/");
    ASSERT_EQ(request.query.size(), 4u);
    EXPECT_EQ(*request.query_param("q"), "a b");
    EXPECT_EQ(*request.query_param("empty"), "");
    EXPECT_EQ(*request.query_param("flag"), "");
    EXPECT_EQ(*request.query_param("x"), "=");
    EXPECT_EQ(request.query_param("missing"), nullptr);
}

TEST(DecodeTarget, RefusesOtherFormsAndNul) {
    for (const char* target : {"", "*", "http://host/x", "/a%00", "/?q=%00", "/?%00=1"}) {
        Request request;
        request.target = target;
        EXPECT_FALSE(decode_target(request)) << target;
    }
}

TEST(Request, LooksHeadersUpCaseInsensitively) {
    Request request;
    request.headers = {{"Accept-Encoding", "gzip"}, {"X-Twice", "first"}, {"x-twice", "second"}};
    EXPECT_EQ(request.header("accept-encoding"), "gzip");
    EXPECT_EQ(request.header("X-TWICE"), "first");
    EXPECT_EQ(request.header("Missing"), std::nullopt);
}

TEST(Response, FactoriesSetTheContentType) {
    EXPECT_EQ(Response::text(200, "x").content_type(), "text/plain; charset=utf-8");
    EXPECT_EQ(Response::json(201, "{}").content_type(), "application/json");
    EXPECT_EQ(Response::html(404, "<p>").content_type(), "text/html; charset=utf-8");
    Response redirect = Response::redirect(303, "/login");
    EXPECT_EQ(redirect.status, 303);
    EXPECT_EQ(redirect.header("Location"), "/login");
    EXPECT_EQ(redirect.body, "");
}

TEST(Response, SetHeaderReplacesEveryCasing) {
    Response response = Response::text(200, "x");
    response.headers.emplace_back("cache-control", "a");
    response.headers.emplace_back("Cache-Control", "b");
    response.set_header("CACHE-CONTROL", "no-store");
    EXPECT_EQ(response.headers, (HeaderList{{"Content-Type", "text/plain; charset=utf-8"},
                                            {"CACHE-CONTROL", "no-store"}}));
}

TEST(ResponseDefect, RefusesWhatWouldCorruptTheStream) {
    EXPECT_EQ(response_defect(Response::text(200, "ok")), "");
    EXPECT_NE(response_defect(Response::text(99, "")), "");
    EXPECT_NE(response_defect(Response::text(600, "")), "");
    Response split = Response::text(200, "");
    split.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: b");
    EXPECT_NE(response_defect(split), "");
    Response bad_name = Response::text(200, "");
    bad_name.headers.emplace_back("Bad Name", "v");
    EXPECT_NE(response_defect(bad_name), "");
}

TEST(ResponseHead, FramesTheMessageItself) {
    Response response = Response::json(200, "{\"a\":1}");
    response.headers.emplace_back("Content-Length", "999");
    response.headers.emplace_back("Connection", "upgrade");
    response.headers.emplace_back("Cache-Control", "no-store");
    EXPECT_EQ(response_head(response, "OK", 11, /*keep_alive=*/true, "DATE"),
              "HTTP/1.1 200 OK\r\n"
              "Content-Type: application/json\r\n"
              "Cache-Control: no-store\r\n"
              "Server: paperboy\r\n"
              "Date: DATE\r\n"
              "Content-Length: 7\r\n"
              "\r\n");
    EXPECT_EQ(response_head(response, "OK", 10, /*keep_alive=*/true, "DATE").substr(0, 17),
              "HTTP/1.0 200 OK\r\n");
}

TEST(ResponseHead, AnnouncesOnlyDeparturesFromTheVersionsDefault) {
    Response response = Response::text(204, "");
    response.headers.emplace_back("Server", "custom");
    std::string closing = response_head(response, "No Content", 11, false, "D");
    EXPECT_EQ(closing,
              "HTTP/1.1 204 No Content\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Server: custom\r\nDate: D\r\nConnection: close\r\n\r\n");
    std::string kept = response_head(Response::text(200, "x"), "OK", 10, true, "D");
    EXPECT_NE(kept.find("Connection: keep-alive\r\n"), std::string::npos);
    EXPECT_EQ(response_head(Response::text(200, "x"), "OK", 10, false, "D").find("Connection"),
              std::string::npos);
}

TEST(HttpDate, UsesTheImfFixdateForm) {
    auto when = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));
    EXPECT_EQ(http_date(when), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace paperboy::web::http

namespace paperboy::web::http {
namespace {

TEST(ForwardedClient, TakesTheLastXForwardedForEntryThatIsAnAddress) {
    Request r;
    r.remote_address = "127.0.0.1";
    EXPECT_EQ(forwarded_client(r), "127.0.0.1");
    r.headers = {{"X-Forwarded-For", "203.0.113.7"}};
    EXPECT_EQ(forwarded_client(r), "203.0.113.7");
    r.headers = {{"x-forwarded-for", "10.9.9.9, 198.51.100.2 , 2001:db8::1 "}};
    EXPECT_EQ(forwarded_client(r), "2001:db8::1");  // the nearest proxy's entry
    for (const char* junk : {"", " , ", "evil<script>", "203.0.113.7, unknown",
                             "a-very-long-0000000000000000000000000000000000000000000000000"}) {
        r.headers = {{"X-Forwarded-For", junk}};
        EXPECT_EQ(forwarded_client(r), "127.0.0.1") << junk;
    }
}

}  // namespace
}  // namespace paperboy::web::http
