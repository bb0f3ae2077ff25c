#include "web/http/framing.h"

#include <gtest/gtest.h>

#include <string>

namespace paperboy::web::http {
namespace {

TEST(CheckRequestHead, RefusesHeadsAProxyCouldFrameDifferently) {
    struct Case {
        int version;
        HeaderList headers;
        int status;  // 0: accepted
    } cases[] = {
        {11, {{"Host", "a"}}, 0},
        {11, {{"host", ""}}, 0},
        {11, {{"Host", "[2001:db8::1]:8080"}}, 0},
        {10, {}, 0},
        {11, {}, 400},
        {11, {{"Host", "a"}, {"Host", "a"}}, 400},
        {10, {{"Host", "a"}, {"host", "b"}}, 400},
        {11, {{"Host", "a b"}}, 400},
        {11, {{"Host", "user@a"}}, 400},
        {11, {{"Host", "a"}, {"Origin", "https://a"}}, 0},
        {11, {{"Host", "a"}, {"Origin", "https://a"}, {"origin", "https://a"}}, 400},
        {11, {{"Host", "a"}, {"Content-Length", "5"}}, 0},
        {11, {{"Host", "a"}, {"Content-Length", "5"}, {"Content-Length", "5"}}, 400},
        {11, {{"Host", "a"}, {"Content-Length", "5, 5"}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "chunked"}}, 0},
        {11, {{"Host", "a"}, {"Transfer-Encoding", " CHUNKED "}}, 0},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "chunked,"}}, 0},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}, 400},
        {11, {{"Host", "a"}, {"Content-Length", "5"}, {"Transfer-Encoding", "identity"}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "identity"}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "xchunked"}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "chunked;ext=1"}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", ""}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "chunked, gzip"}}, 400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "chunked, chunked"}}, 400},
        {11,
         {{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
         400},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "gzip, chunked"}}, 501},
        {11, {{"Host", "a"}, {"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}, 501},
        {10, {{"Transfer-Encoding", "chunked"}}, 400},
    };
    for (const Case& c : cases) {
        std::string trace =
            "HTTP/" + std::to_string(c.version / 10) + "." + std::to_string(c.version % 10);
        for (const auto& [name, value] : c.headers) trace += " | " + name + ": " + value;
        SCOPED_TRACE(trace);
        const auto refusal = check_request_head(c.version, c.headers);
        EXPECT_EQ(refusal ? refusal->status : 0, c.status);
        if (refusal) {
            EXPECT_FALSE(refusal->reason.empty());
        }
    }
}

TEST(FoldScanner, FindsAFoldedLineWhateverThePieces) {
    struct Case {
        std::string bytes;
        bool folded;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: a b\t c\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", true},
        {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", true},
        {"GET / HTTP/1.1\nHost: a\n b\n\n", true},
        // Body bytes after the head are not looked at.
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n\r\n x\r\n\ty", false},
        // Nor is a second request after the first's head (the first is refused or read first).
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", false},
        // Empty lines before the request line are the parser's business.
        {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.bytes);
        FoldScanner whole;
        EXPECT_EQ(whole.feed(c.bytes), c.folded);
        FoldScanner bytewise;
        for (char byte : c.bytes) bytewise.feed(std::string_view(&byte, 1));
        EXPECT_EQ(bytewise.folded(), c.folded);
    }
}

}  // namespace
}  // namespace paperboy::web::http
