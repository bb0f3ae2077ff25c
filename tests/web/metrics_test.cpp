#include "web/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/search_service.h"
#include "store/store.h"
#include "web/address_list.h"
#include "web/site.h"

namespace paperboy::web {
namespace {

TEST(Metrics, RendersTheExpositionFormat) {
    Metrics metrics;
    // Powers of two, so that the sum prints exactly.
    metrics.observe_request("/papers/{id}", 200, 0.0009765625);
    metrics.observe_request("/papers/{id}", 200, 0.5);
    metrics.observe_request("/papers/{id}", 404, 0.00390625);
    metrics.add_gauge("paperboy_papers", "Papers in the store.", [] { return 42.0; });
    EXPECT_EQ(
        metrics.render(),
        "# HELP paperboy_http_requests_total HTTP requests answered, by route and status.\n"
        "# TYPE paperboy_http_requests_total counter\n"
        "paperboy_http_requests_total{route=\"/papers/{id}\",status=\"200\"} 2\n"
        "paperboy_http_requests_total{route=\"/papers/{id}\",status=\"404\"} 1\n"
        "# HELP paperboy_http_request_duration_seconds Time from a request's head to the "
        "end of its response, by route.\n"
        "# TYPE paperboy_http_request_duration_seconds histogram\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.001\"} 1\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.0025\"} 1\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.005\"} 2\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.01\"} 2\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.025\"} 2\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.05\"} 2\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.1\"} 2\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.25\"} 2\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"0.5\"} 3\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"1\"} 3\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"2.5\"} 3\n"
        "paperboy_http_request_duration_seconds_bucket{route=\"/papers/{id}\",le=\"+Inf\"} 3\n"
        "paperboy_http_request_duration_seconds_sum{route=\"/papers/{id}\"} 0.5048828125\n"
        "paperboy_http_request_duration_seconds_count{route=\"/papers/{id}\"} 3\n"
        "# HELP paperboy_papers Papers in the store.\n"
        "# TYPE paperboy_papers gauge\n"
        "paperboy_papers 42\n");
}

TEST(Metrics, RendersNoSamplesBeforeAnyRequest) {
    Metrics metrics;
    EXPECT_EQ(metrics.render(),
              "# HELP paperboy_http_requests_total HTTP requests answered, by route and status.\n"
              "# TYPE paperboy_http_requests_total counter\n"
              "# HELP paperboy_http_request_duration_seconds Time from a request's head to the "
              "end of its response, by route.\n"
              "# TYPE paperboy_http_request_duration_seconds histogram\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
    Metrics metrics;
    metrics.observe_request("a\"b\\c\nd", 200, 3);
    metrics.add_gauge("g", "two\nlines \\ \"quoted\"", [] { return 0.5; });
    std::string text = metrics.render();
    EXPECT_NE(
        text.find("paperboy_http_requests_total{route=\"a\\\"b\\\\c\\nd\",status=\"200\"} 1\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("le=\"2.5\"} 0\n"), std::string::npos) << text;  // 3 s is above them all
    EXPECT_NE(text.find("# HELP g two\\nlines \\\\ \"quoted\"\n# TYPE g gauge\ng 0.5\n"),
              std::string::npos)
        << text;
}

TEST(Metrics, SpellsSpecialGaugeValuesAsPrometheusDoes) {
    Metrics metrics;
    metrics.add_gauge("up", "", [] { return std::numeric_limits<double>::infinity(); });
    metrics.add_gauge("down", "", [] { return -std::numeric_limits<double>::infinity(); });
    metrics.add_gauge("nan", "", [] { return std::numeric_limits<double>::quiet_NaN(); });
    std::string text = metrics.render();
    EXPECT_NE(text.find("\nup +Inf\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ndown -Inf\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nnan NaN\n"), std::string::npos) << text;
}

TEST(Metrics, CountsObservationsFromConcurrentThreads) {
    Metrics metrics;
    constexpr int kThreads = 4;
    constexpr int kEach = 10000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                metrics.observe_request(t % 2 == 0 ? "/even" : "/odd", 200, 0.01);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    std::string text = metrics.render();
    for (const char* route : {"/even", "/odd"}) {
        std::string label = std::string("{route=\"") + route + "\"";
        EXPECT_NE(text.find("paperboy_http_requests_total" + label + ",status=\"200\"} 20000\n"),
                  std::string::npos)
            << text;
        EXPECT_NE(text.find("paperboy_http_request_duration_seconds_bucket" + label +
                            ",le=\"0.01\"} 20000\n"),
                  std::string::npos)
            << text;
        EXPECT_NE(text.find("paperboy_http_request_duration_seconds_count" + label + "} 20000\n"),
                  std::string::npos)
            << text;
    }
}

// ---------------------------------------------------------------------------------------------
// Who may read /metrics

TEST(AddressList, MatchesAddressesAndRangesOfBothFamilies) {
    const AddressList list =
        AddressList::parse(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,2001:db8::1,172.16.5.4/12").value();
    const struct {
        const char* address;
        bool on;
    } cases[] = {
        {"10.1.2.3", true},         {"11.0.0.1", false},
        {"192.0.2.7", true},        {"192.0.2.8", false},
        {"::ffff:192.0.2.7", true},  // as a dual-stack socket reports an IPv4 client
        {"fd12:3456::1", true},     {"fe80::1", false},
        {"2001:db8::1", true},      {"2001:db8::2", false},
        {"172.31.255.255", true},  // host bits of a range are ignored
        {"172.32.0.1", false},      {"", false},
        {"not an address", false},  {"10.1.2", false},
    };
    for (const auto& c : cases) EXPECT_EQ(list.contains(c.address), c.on) << c.address;
}

TEST(AddressList, LoopbackIsTheMachineItselfAndNoneIsNobody) {
    const AddressList loopback = AddressList::loopback();
    for (const char* on : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
        EXPECT_TRUE(loopback.contains(on)) << on;
    }
    for (const char* off : {"192.0.2.1", "::2", "0.0.0.0", "fe80::1%lo"}) {
        EXPECT_FALSE(loopback.contains(off)) << off;
    }
    for (const char* nobody : {"none", "", " , "}) {
        const AddressList list = AddressList::parse(nobody).value();
        EXPECT_TRUE(list.empty()) << nobody;
        EXPECT_FALSE(list.contains("127.0.0.1")) << nobody;
    }
    const AddressList everyone = AddressList::parse("0.0.0.0/0,::/0").value();
    EXPECT_TRUE(everyone.contains("203.0.113.9"));
    EXPECT_TRUE(everyone.contains("2001:db8::5"));
    EXPECT_TRUE(AddressList::parse("fe80::/10").value().contains("fe80::1%eth0"));
}

TEST(AddressList, AMalformedEntryIsAnErrorThatQuotesIt) {
    for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0",
                            "localhost", "10.0.0.1,bogus", "10.0.0.0/8/8", "1.2.3.4/-1"}) {
        auto parsed = AddressList::parse(bad);
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << bad;
        EXPECT_NE(parsed.error().message().find('"'), std::string::npos) << bad;
    }
}

class MetricsAccessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        search_ = std::move(app::SearchService::open(*store_)).value();
    }

    http::Response get_metrics(const SiteOptions& options, const std::string& remote,
                               http::HeaderList headers = {}) {
        Site site(app::Instance(*store_), *search_, options);
        http::Request request;
        request.method = "GET";
        request.target = "/metrics";
        request.remote_address = remote;
        request.headers = std::move(headers);
        EXPECT_TRUE(http::decode_target(request));
        return site.handle(request);
    }

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
};

TEST_F(MetricsAccessTest, ByDefaultOnlyTheMachineItselfReadsTheMetrics) {
    const SiteOptions options;
    for (const char* local : {"127.0.0.1", "::1", "::ffff:127.0.0.1"}) {
        const http::Response r = get_metrics(options, local);
        EXPECT_EQ(r.status, 200) << local;
        EXPECT_EQ(r.content_type(), kPrometheusContentType) << local;
    }
    for (const char* remote : {"192.0.2.1", "2001:db8::1", ""}) {
        const http::Response r = get_metrics(options, remote);
        EXPECT_EQ(r.status, 403) << remote;
        EXPECT_EQ(r.body.find("paperboy_"), std::string::npos) << remote;
        EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store") << remote;
    }
}

TEST_F(MetricsAccessTest, ARequestThroughAnUntrustedProxyIsNotTheProxysAddress) {
    // A reverse proxy on the same machine makes every client look local; the header it adds
    // gives it away.
    SiteOptions options;
    for (const char* header : {"X-Forwarded-For", "Forwarded", "X-Real-IP"}) {
        EXPECT_EQ(get_metrics(options, "127.0.0.1", {{header, "203.0.113.9"}}).status, 403)
            << header;
    }
    // Behind a trusted proxy, the address is the client's as the proxy reports it.
    options.trust_proxy = true;
    EXPECT_EQ(get_metrics(options, "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}}).status, 200);
}

TEST_F(MetricsAccessTest, AnAllowListAndATokenOpenThemFromElsewhere) {
    SiteOptions options;
    options.metrics_allow = AddressList::parse("10.0.0.0/8").value();
    EXPECT_EQ(get_metrics(options, "10.2.3.4").status, 200);
    EXPECT_EQ(get_metrics(options, "127.0.0.1").status, 403);  // the list replaces loopback

    options.metrics_token = "s3cret-scrape-token";
    EXPECT_EQ(get_metrics(options, "10.2.3.4").status, 200);
    const http::HeaderList good = {{"Authorization", "Bearer s3cret-scrape-token"}};
    EXPECT_EQ(get_metrics(options, "203.0.113.9", good).status, 200);
    EXPECT_EQ(get_metrics(
                  options, "203.0.113.9",
                  {{"X-Forwarded-For", "1.2.3.4"}, {"Authorization", "Bearer s3cret-scrape-token"}})
                  .status,
              200);
    for (const http::HeaderList& bad :
         {http::HeaderList{}, http::HeaderList{{"Authorization", "Bearer s3cret"}},
          http::HeaderList{{"Authorization", "Bearer s3cret-scrape-token-2"}},
          http::HeaderList{{"Authorization", "Basic s3cret-scrape-token"}}}) {
        const http::Response r = get_metrics(options, "203.0.113.9", bad);
        EXPECT_EQ(r.status, 401);
        EXPECT_EQ(r.header("WWW-Authenticate").value_or(""), "Bearer realm=\"metrics\"");
        EXPECT_EQ(r.body.find("paperboy_"), std::string::npos);
    }

    options.metrics_allow = AddressList();  // the token alone
    EXPECT_EQ(get_metrics(options, "127.0.0.1").status, 401);
    EXPECT_EQ(get_metrics(options, "127.0.0.1", good).status, 200);
}

}  // namespace
}  // namespace paperboy::web
