#include "web/response_cache.h"

#include <gtest/gtest.h>

#include <thread>

namespace paperboy::web {
namespace {

http::Response page(int status, std::string body) {
    http::Response r = http::Response::html(status, std::move(body));
    r.set_header("ETag", "\"abc\"");
    return r;
}

TEST(ResponseCache, ServesAnEntryForItsVersionOnly) {
    ResponseCache cache(1 << 20, std::chrono::seconds(60));
    EXPECT_EQ(cache.find("/", 1), nullptr);
    cache.store("/", 1, page(200, "day list"));
    auto hit = cache.find("/", 1);
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->body, "day list");
    EXPECT_EQ(hit->header("ETag"), "\"abc\"");
    EXPECT_EQ(cache.find("/", 2), nullptr) << "the data changed since";
    EXPECT_EQ(cache.find("/?p=2", 1), nullptr) << "the query is part of the key";
}

TEST(ResponseCache, KeepsOnlyWholeSuccessfulResponses) {
    ResponseCache cache(1 << 20, std::chrono::seconds(60));
    cache.store("/missing", 1, page(404, "not found"));
    cache.store("/conditional", 1, page(304, ""));
    EXPECT_EQ(cache.find("/missing", 1), nullptr);
    EXPECT_EQ(cache.find("/conditional", 1), nullptr);
}

TEST(ResponseCache, EntriesExpire) {
    ResponseCache cache(1 << 20, std::chrono::milliseconds(1));
    cache.store("/", 1, page(200, "x"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(cache.find("/", 1), nullptr);
}

TEST(ResponseCache, StaysWithinItsBytes) {
    ResponseCache cache(8000, std::chrono::seconds(60));
    cache.store("/huge", 1, page(200, std::string(2000, 'x')));  // over an eighth: not kept
    EXPECT_EQ(cache.find("/huge", 1), nullptr);
    for (int i = 0; i < 20; ++i)
        cache.store("/" + std::to_string(i), 1, page(200, std::string(900, 'x')));
    int kept = 0;
    for (int i = 0; i < 20; ++i) kept += cache.find("/" + std::to_string(i), 1) != nullptr;
    EXPECT_GT(kept, 0);
    EXPECT_LE(kept * 900, 8000);
    EXPECT_NE(cache.find("/19", 1), nullptr) << "the newest entry survives a flush";
}

}  // namespace
}  // namespace paperboy::web
