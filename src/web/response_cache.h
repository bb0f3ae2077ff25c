// web/response_cache.h — rendered responses kept for a few seconds, so that a popular page (the
// day's list, a paper) is rendered once per change rather than once per visitor.
//
// An entry is keyed by the request target and is valid while the data it was rendered from has
// not changed (the caller's `version`, the store's change-feed position) and for at most
// `max_age` (time-dependent parts: "new" badges, trending). Only whole 200 responses are kept;
// a conditional request is answered from the entry's ETag. Bounded by bytes: when full, the
// cache is emptied (simple, and cheap next to rendering). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "web/http/message.h"

namespace paperboy::web {

class ResponseCache {
  public:
    using Clock = std::chrono::steady_clock;

    ResponseCache(size_t max_bytes, std::chrono::milliseconds max_age)
        : max_bytes_(max_bytes), max_age_(max_age) {}

    // The cached response for `target` rendered at `version`, if fresh.
    std::shared_ptr<const http::Response> find(const std::string& target, int64_t version) const;

    void store(const std::string& target, int64_t version, const http::Response& response);

  private:
    struct Entry {
        std::shared_ptr<const http::Response> response;
        int64_t version = 0;
        Clock::time_point expires;
    };

    const size_t max_bytes_;
    const std::chrono::milliseconds max_age_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    size_t bytes_ = 0;
};

}  // namespace paperboy::web
