#include "web/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace paperboy::web
