#include "web/router.h"

#include <gtest/gtest.h>

namespace paperboy::web {
namespace {

http::Response named(std::string text) { return http::Response::text(200, std::move(text)); }

Router make_router() {
    Router r;
    r.add(
        "GET", "/", "home", [](const http::Request&, const PathParams&) { return named("home"); },
        Caching::kRendered);
    r.add("GET", "/papers/date/{date}", "daily",
          [](const http::Request&, const PathParams& p) { return named(p.at("date")); });
    r.add(
        "GET", "/papers/{id...}", "paper",
        [](const http::Request&, const PathParams& p) { return named(p.at("id")); },
        Caching::kRendered);
    r.add("POST", "/subscribe", "subscribe",
          [](const http::Request&, const PathParams&) { return named("sub"); });
    r.add("DELETE", "/papers/{id...}", "paper_delete",
          [](const http::Request&, const PathParams&) { return named("del"); });
    return r;
}

std::string body(const Router::Match& m) {
    return m.handler ? (*m.handler)(http::Request{}, m.params).body : "";
}

TEST(Router, MatchesLiteralsParametersAndTheRest) {
    const Router r = make_router();
    Router::Match m = r.match("GET", "/");
    EXPECT_EQ(m.name, "home");
    EXPECT_EQ(m.caching, Caching::kRendered);
    m = r.match("GET", "/papers/date/2024-10-25");
    EXPECT_EQ(m.name, "daily");
    EXPECT_EQ(body(m), "2024-10-25");
    EXPECT_EQ(m.caching, Caching::kNone);
    // The first matching route wins; a rest parameter keeps its slashes (old-style ids).
    m = r.match("GET", "/papers/hep-th/9901001");
    EXPECT_EQ(m.name, "paper");
    EXPECT_EQ(body(m), "hep-th/9901001");
    EXPECT_EQ(r.match("GET", "/papers/date/2024-10-25/extra").name, "paper");
}

TEST(Router, EmptySegmentsDoNotFillParameters) {
    const Router r = make_router();
    EXPECT_EQ(r.match("GET", "/papers/").name, "not_found");
    EXPECT_EQ(r.match("GET", "/papers/date/").name, "paper");  // the rest: "date/"
    EXPECT_EQ(r.match("GET", "/nowhere").name, "not_found");
    EXPECT_EQ(r.match("GET", "/nowhere").handler, nullptr);
}

TEST(Router, AWrongMethodIs405WithTheAllowedOnes) {
    const Router r = make_router();
    Router::Match m = r.match("GET", "/subscribe");
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_EQ(m.name, "method_not_allowed");
    EXPECT_EQ(m.allow, "POST");
    m = r.match("PUT", "/papers/2410.17243");
    EXPECT_EQ(m.name, "method_not_allowed");
    EXPECT_EQ(m.allow, "GET, DELETE");
}

}  // namespace
}  // namespace paperboy::web
