#include "web/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace paperboy::web {
namespace {

constexpr std::string_view kRequests = "paperboy_http_requests_total";
constexpr std::string_view kDuration = "paperboy_http_request_duration_seconds";

[[maybe_unused]] bool is_metric_name(std::string_view name) {  // asserted only
    auto is_start = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    };
    return !name.empty() && is_start(name.front()) &&
           std::all_of(name.begin(), name.end(),
                       [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); });
}

// Prometheus' float syntax: Go's shortest round-trip form, with its spellings of the specials.
std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
}

// Label values escape backslash, double quote and newline; HELP text only the first and last.
void append_escaped(std::string& out, std::string_view text, bool is_label_value) {
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && is_label_value) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_family(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, help, /*is_label_value=*/false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

// Appends `name{route="...",<extra>} value`; `extra` is a preformatted label or empty.
void append_sample(std::string& out, std::string_view name, std::string_view route,
                   std::string_view extra, std::string_view value) {
    out += name;
    out += "{route=\"";
    append_escaped(out, route, /*is_label_value=*/true);
    out += '"';
    if (!extra.empty()) {
        out += ',';
        out += extra;
    }
    out += "} ";
    out += value;
    out += '\n';
}

}  // namespace

void Metrics::observe_request(std::string_view route, int status, double seconds) {
    // le is inclusive: an observation equal to a bound falls in that bound's bucket.
    size_t bucket = static_cast<size_t>(
        std::lower_bound(kDurationBuckets.begin(), kDurationBuckets.end(), seconds) -
        kDurationBuckets.begin());
    std::lock_guard lock(mutex_);
    auto it = routes_.find(route);
    if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats{}).first;
    RouteStats& stats = it->second;
    ++stats.requests_by_status[status];
    ++stats.bucket_counts[bucket];
    stats.seconds_sum += seconds;
    ++stats.count;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
    assert(is_metric_name(name));
    std::lock_guard lock(mutex_);
    assert(std::none_of(gauges_.begin(), gauges_.end(),
                        [&](const Gauge& g) { return g.name == name; }));
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
    std::string out;
    std::vector<Gauge> gauges;
    {
        std::lock_guard lock(mutex_);
        append_family(out, kRequests, "counter", "HTTP requests answered, by route and status.");
        for (const auto& [route, stats] : routes_) {
            for (const auto& [status, n] : stats.requests_by_status) {
                append_sample(out, kRequests, route, "status=\"" + std::to_string(status) + "\"",
                              std::to_string(n));
            }
        }
        append_family(out, kDuration, "histogram",
                      "Time from a request's head to the end of its response, by route.");
        std::string bucket_name = std::string(kDuration) + "_bucket";
        for (const auto& [route, stats] : routes_) {
            uint64_t cumulative = 0;
            for (size_t i = 0; i < stats.bucket_counts.size(); ++i) {
                cumulative += stats.bucket_counts[i];
                std::string le = i < kDurationBuckets.size() ? format_value(kDurationBuckets[i])
                                                             : std::string("+Inf");
                append_sample(out, bucket_name, route, "le=\"" + le + "\"",
                              std::to_string(cumulative));
            }
            append_sample(out, std::string(kDuration) + "_sum", route, "",
                          format_value(stats.seconds_sum));
            append_sample(out, std::string(kDuration) + "_count", route, "",
                          std::to_string(stats.count));
        }
        gauges = gauges_;
    }
    for (const Gauge& gauge : gauges) {
        append_family(out, gauge.name, "gauge", gauge.help);
        out += gauge.name;
        out += ' ';
        out += format_value(gauge.read());
        out += '\n';
    }
    return out;
}

}  // namespace paperboy::web
