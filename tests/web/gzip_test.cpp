#include "web/http/gzip.h"

#include <gtest/gtest.h>

#include <string>

#include "support/gunzip.h"

namespace paperboy::web::http {
namespace {

using paperboy::testing::gunzip;

TEST(GzipCompress, RoundTripsThroughInflate) {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "paper " + std::to_string(i) + " ";
    for (int level : {0, 1, 6, 9}) {
        std::string packed = gzip_compress(text, level);
        ASSERT_GE(packed.size(), 2u);
        EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // the gzip magic number
        EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
        EXPECT_EQ(gunzip(packed), text) << level;
    }
    EXPECT_LT(gzip_compress(text).size(), text.size() / 3);
    EXPECT_EQ(gunzip(gzip_compress("")), "");
}

TEST(AcceptsGzip, FollowsQValues) {
    struct Case {
        const char* header;
        bool accepts;
    } cases[] = {
        {"gzip", true},
        {"GZip", true},
        {"x-gzip", true},
        {"deflate, gzip;q=0.5", true},
        {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
        {"gzip ; q=1", true},
        {"*", true},
        {"gzip;q=0", false},
        {"gzip; q=0.000", false},
        {"*;q=0", false},
        {"*, gzip;q=0", false},
        {"gzip;q=0, *", false},
        {"gzip;q=abc", false},
        {"identity", false},
        {"gzipped", false},
        {"", false},
    };
    for (const auto& c : cases) EXPECT_EQ(accepts_gzip(c.header), c.accepts) << c.header;
}

TEST(IsCompressible, CoversTextLikeTypes) {
    for (const char* type : {"text/html; charset=utf-8", "text/css", "application/json",
                             "Application/JSON", "application/xml", "application/rss+xml",
                             "application/atom+xml", "application/javascript", "image/svg+xml"}) {
        EXPECT_TRUE(is_compressible(type)) << type;
    }
    for (const char* type : {"", "image/png", "application/octet-stream", "application/gzip",
                             "textual/x", "application/jsonx"}) {
        EXPECT_FALSE(is_compressible(type)) << type;
    }
}

Request accepting(std::string accept_encoding) {
    Request request;
    request.headers.emplace_back("Accept-Encoding", std::move(accept_encoding));
    return request;
}

TEST(NegotiateGzip, CompressesLargeTextForClientsThatAcceptIt) {
    std::string body(2000, 'a');
    Response response = Response::html(200, body);
    negotiate_gzip(accepting("gzip"), response);
    EXPECT_EQ(response.header("Content-Encoding"), "gzip");
    EXPECT_EQ(response.header("Vary"), "Accept-Encoding");
    EXPECT_EQ(gunzip(response.body), body);
}

TEST(NegotiateGzip, VariesEvenWhenNotCompressing) {
    Response small = Response::text(200, std::string(kMinGzipBytes - 1, 'a'));
    negotiate_gzip(accepting("gzip"), small);
    EXPECT_FALSE(small.header("Content-Encoding"));
    EXPECT_EQ(small.header("Vary"), "Accept-Encoding");

    Response refused = Response::text(200, std::string(2000, 'a'));
    refused.set_header("Vary", "Cookie");
    negotiate_gzip(accepting("identity"), refused);
    EXPECT_FALSE(refused.header("Content-Encoding"));
    EXPECT_EQ(refused.header("Vary"), "Cookie, Accept-Encoding");

    Response listed = Response::text(200, "");
    listed.set_header("Vary", "accept-encoding, Cookie");
    negotiate_gzip(accepting("gzip"), listed);
    EXPECT_EQ(listed.header("Vary"), "accept-encoding, Cookie");
}

TEST(NegotiateGzip, LeavesOtherResponsesAlone) {
    Response png{200, {{"Content-Type", "image/png"}}, std::string(2000, 'a')};
    Response encoded = Response::text(200, std::string(2000, 'a'));
    encoded.set_header("Content-Encoding", "br");
    for (Response* response : {&png, &encoded}) {
        Response before = *response;
        negotiate_gzip(accepting("gzip"), *response);
        EXPECT_EQ(response->headers, before.headers);
        EXPECT_EQ(response->body, before.body);
    }
}

}  // namespace
}  // namespace paperboy::web::http
