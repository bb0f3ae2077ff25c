// web/metrics.h — what the server exposes to Prometheus: request counters, latency histograms
// and gauges read at scrape time.
//
// Requests are counted per route, which must be a route pattern ("/papers/{id}"), never a raw
// path: every route and status adds series, so their number has to stay bounded.
// Thread-safe: one mutex, held for a few additions per observation. Standard library only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace paperboy::web {

// The content type to serve render()'s output with.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Upper bounds, in seconds, of the request-duration histogram's buckets (+Inf is implied).
inline constexpr std::array<double, 11> kDurationBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1,   0.25,   0.5,   1,    2.5};

class Metrics {
  public:
    // Counts one answered request in paperboy_http_requests_total{route,status} and its
    // duration in paperboy_http_request_duration_seconds{route}.
    void observe_request(std::string_view route, int status, double seconds);

    // Registers a gauge whose value `read` returns at each render(). `name` must be a valid
    // metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) that is not registered yet (asserted). `read` is
    // called from the rendering thread without Metrics' lock held, so it may take its own locks.
    void add_gauge(std::string name, std::string help, std::function<double()> read);

    // Every metric in the Prometheus text exposition format 0.0.4, routes in byte order and
    // statuses in numeric order, then the gauges in the order they were added.
    std::string render() const;

  private:
    struct RouteStats {
        std::map<int, uint64_t> requests_by_status;
        std::array<uint64_t, kDurationBuckets.size() + 1> bucket_counts{};  // last: above all
        double seconds_sum = 0;
        uint64_t count = 0;
    };
    struct Gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };

    mutable std::mutex mutex_;
    std::map<std::string, RouteStats, std::less<>> routes_;
    std::vector<Gauge> gauges_;
};

}  // namespace paperboy::web
