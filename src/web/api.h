// web/api.h — the JSON API's shared pieces: its error shape and its rate limiter.
//
// The routes themselves (/api/daily_papers, /api/papers/..., /api/trending) are in api.cpp and
// registered by add_api_routes() (site_context.h); docs/http-api.md is their reference. Site
// uses api_error() so that a path under /api/ is answered in JSON even when no route matched.
// Depends on web/http/message.h and the standard library.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "web/http/message.h"

namespace paperboy::web {

// True for "/api" and every path under "/api/".
bool is_api_path(std::string_view path);

// The API's one error shape, {"error": {"code": "...", "message": "..."}}, not cached. `code`
// is a stable name ("bad_parameter", "not_found", "method_not_allowed", "rate_limited",
// "internal"); `message` is for people.
http::Response api_error(int status, std::string_view code, std::string_view message);

// The answer to a request under /api/ that no route took: 404, or 405 with `allow` (the
// methods the path does accept) when that is not empty.
http::Response api_no_route(const http::Request& request, const std::string& allow);

// Token buckets, one per key (a client's address): each holds up to `burst` tokens, refilled
// at `rate` a second; a request takes one. Keys whose bucket is full again are forgotten once
// more than `max_keys` are held, so memory stays bounded whatever the number of clients.
// Thread-safe.
class RateLimiter {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // rate <= 0 admits everything.
    RateLimiter(double rate, double burst, Clock clock, size_t max_keys = 10000);

    // Takes a token from `key`'s bucket: nullopt when the request may proceed, else the whole
    // seconds (at least 1) until a token is back, for a Retry-After header.
    std::optional<int> acquire(const std::string& key);

  private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point updated;
    };
    void forget_full_buckets(std::chrono::steady_clock::time_point now);

    const double rate_;
    const double burst_;
    const Clock clock_;
    const size_t max_keys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace paperboy::web
