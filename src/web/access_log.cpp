#include "web/access_log.h"

#include <cstdio>

#include "core/json_writer.h"
#include "core/timestamp.h"

namespace paperboy::web {
namespace {

// "2026-11-27T06:30:00.123Z": the stored instant form with milliseconds.
std::string format_ts(std::chrono::system_clock::time_point now) {
    auto ms = std::chrono::floor<std::chrono::milliseconds>(now);
    auto seconds = std::chrono::floor<std::chrono::seconds>(ms);
    std::string ts = format_instant(seconds);  // "...:SSZ"
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>((ms - seconds).count()));
    ts.insert(ts.size() - 1, fraction);
    return ts;
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    append_json_string(out, value);
}

// Addresses whose last segment is a secret token: the links in mail that confirm a
// subscription, unsubscribe, verify an address or reset a password. A log is read by more
// people than should hold those, so their token is written as "{token}".
constexpr std::string_view kTokenPaths[] = {"/subscriptions/confirm/", "/unsubscribe/",
                                            "/account/verify/", "/account/reset/"};

std::string logged_path(std::string_view path) {
    for (std::string_view prefix : kTokenPaths) {
        if (path.starts_with(prefix) && path.size() > prefix.size()) {
            return std::string(prefix) + "{token}";
        }
    }
    return std::string(path);
}

}  // namespace

std::string format_access_line(const http::Request& request, const http::Response& response,
                               std::chrono::nanoseconds elapsed, size_t bytes_sent,
                               std::chrono::system_clock::time_point now) {
    // Assembled here rather than with JsonWriter so that "ms" is printed to the microsecond
    // (JsonWriter prints doubles with 17 significant digits: 0.41999999999999998).
    std::string line = "{\"ts\":";
    append_json_string(line, format_ts(now));
    append_field(line, "remote", request.remote_address);
    append_field(line, "method", request.method);
    append_field(line, "path", logged_path(request.path));
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, ",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f",
                  response.status, bytes_sent,
                  std::chrono::duration<double, std::milli>(elapsed).count());
    line += numbers;
    append_field(line, "ua", request.header("User-Agent").value_or(""));
    line += '}';
    return line;
}

void AccessLog::write(const http::Request& request, const http::Response& response,
                      std::chrono::nanoseconds elapsed, size_t bytes_sent) const {
    std::string line = format_access_line(request, response, elapsed, bytes_sent,
                                          std::chrono::system_clock::now());
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
}

}  // namespace paperboy::web
