#include "web/response_cache.h"

#include <mutex>

namespace paperboy::web {

std::shared_ptr<const http::Response> ResponseCache::find(const std::string& target,
                                                          int64_t version) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(target);
    if (it == entries_.end() || it->second.version != version ||
        Clock::now() >= it->second.expires) {
        return nullptr;
    }
    return it->second.response;
}

void ResponseCache::store(const std::string& target, int64_t version,
                          const http::Response& response) {
    if (response.status != 200) return;
    const size_t size = target.size() + response.body.size();
    if (size > max_bytes_ / 8) return;  // one huge page must not flush everything else
    auto entry =
        Entry{std::make_shared<const http::Response>(response), version, Clock::now() + max_age_};
    std::unique_lock lock(mutex_);
    if (bytes_ + size > max_bytes_) {
        entries_.clear();
        bytes_ = 0;
    }
    auto [it, added] = entries_.insert_or_assign(target, std::move(entry));
    if (added) bytes_ += size;
}

}  // namespace paperboy::web
