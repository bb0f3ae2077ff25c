#include "app/accounts_throttle.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "core/client_address.h"

namespace paperboy::app {
namespace {

// How many failures a pair keeps: enough for the delay to reach any sensible max_delay.
constexpr size_t kMaxPairFailures = 64;
constexpr size_t kMaxAddressFailures = 1000;

int64_t ceil_seconds(std::chrono::system_clock::duration d) {
    return std::max<int64_t>(std::chrono::ceil<std::chrono::seconds>(d).count(), 1);
}

// Forgets all but the `keep` entries of the map whose last times are the newest.
void forget_oldest(std::map<std::string, std::deque<std::chrono::system_clock::time_point>>& map,
                   size_t keep) {
    if (map.size() <= keep) return;
    using Entry = std::pair<std::chrono::system_clock::time_point, const std::string*>;
    std::vector<Entry> entries;
    entries.reserve(map.size());
    for (const auto& [key, times] : map) entries.emplace_back(times.back(), &key);
    const auto cut = entries.begin() + static_cast<std::ptrdiff_t>(entries.size() - keep);
    std::nth_element(entries.begin(), cut, entries.end(),
                     [](const Entry& a, const Entry& b) { return a.first < b.first; });
    std::vector<std::string> doomed;
    doomed.reserve(static_cast<size_t>(cut - entries.begin()));
    for (auto it = entries.begin(); it != cut; ++it) doomed.push_back(*it->second);
    for (const std::string& key : doomed) map.erase(key);
}

}  // namespace

LoginThrottle::LoginThrottle(LoginThrottleOptions options) : options_(std::move(options)) {}

std::string LoginThrottle::pair_key(std::string_view account, std::string_view address) const {
    // The account part is what the visitor typed (handle or address, folded by the caller);
    // '\n' cannot be in either.
    return std::string(account) + "\n" + client_group(address);
}

std::chrono::system_clock::duration LoginThrottle::delay_after(size_t failures) const {
    const auto free = static_cast<size_t>(std::max(options_.free_failures, 0));
    if (failures < free) return {};
    std::chrono::system_clock::duration delay = options_.first_delay;
    for (size_t i = free; i < failures && delay < options_.max_delay; ++i) delay *= 2;
    return std::min<std::chrono::system_clock::duration>(delay, options_.max_delay);
}

int64_t LoginThrottle::begin(std::string_view account, std::string_view address,
                             Clock::time_point now) {
    const std::string pair = pair_key(account, address);
    const std::string group = client_group(address);
    std::lock_guard lock(mu_);
    int64_t wait = 0;
    if (auto it = pairs_.find(pair); it != pairs_.end()) {
        if (it->second.back() + options_.forget_after <= now) {
            pairs_.erase(it);
        } else if (const auto free_at = it->second.back() + delay_after(it->second.size());
                   free_at > now) {
            wait = ceil_seconds(free_at - now);
        }
    }
    if (auto it = addresses_.find(group); it != addresses_.end()) {
        Times& times = it->second;
        while (!times.empty() && times.front() + options_.address_window <= now) times.pop_front();
        const auto limit = static_cast<size_t>(std::max(options_.max_failures_per_address, 1));
        if (times.empty()) {
            addresses_.erase(it);
        } else if (times.size() >= limit) {
            // Free again when the oldest failure that keeps the count at the limit leaves the
            // window.
            const auto free_at = times[times.size() - limit] + options_.address_window;
            wait = std::max(wait, ceil_seconds(free_at - now));
        }
    }
    if (wait > 0) return wait;

    Times& failures = pairs_[pair];
    failures.push_back(now);
    if (failures.size() > kMaxPairFailures) failures.pop_front();
    Times& from_address = addresses_[group];
    from_address.push_back(now);
    if (from_address.size() > kMaxAddressFailures) from_address.pop_front();
    if (pairs_.size() + addresses_.size() > options_.max_entries) prune(now);
    return 0;
}

void LoginThrottle::succeeded(std::string_view account, std::string_view address,
                              Clock::time_point now) {
    const std::string pair = pair_key(account, address);
    std::lock_guard lock(mu_);
    pairs_.erase(pair);
    if (auto it = addresses_.find(client_group(address)); it != addresses_.end()) {
        take_back(it->second, now);
        if (it->second.empty()) addresses_.erase(it);
    }
}

void LoginThrottle::withdrawn(std::string_view account, std::string_view address,
                              Clock::time_point now) {
    const std::string pair = pair_key(account, address);
    std::lock_guard lock(mu_);
    if (auto it = pairs_.find(pair); it != pairs_.end()) {
        take_back(it->second, now);
        if (it->second.empty()) pairs_.erase(it);
    }
    if (auto it = addresses_.find(client_group(address)); it != addresses_.end()) {
        take_back(it->second, now);
        if (it->second.empty()) addresses_.erase(it);
    }
}

void LoginThrottle::take_back(Times& times, Clock::time_point at) {
    for (auto it = times.rbegin(); it != times.rend(); ++it) {
        if (*it == at) {
            times.erase(std::next(it).base());
            return;
        }
    }
}

void LoginThrottle::prune(Clock::time_point now) {
    std::erase_if(pairs_, [&](const auto& entry) {
        return entry.second.back() + options_.forget_after <= now;
    });
    std::erase_if(addresses_, [&](const auto& entry) {
        return entry.second.back() + options_.address_window <= now;
    });
    if (pairs_.size() + addresses_.size() <= options_.max_entries) return;
    // Still full: a flood from very many addresses. Keep the newest half.
    forget_oldest(pairs_, options_.max_entries / 4 + 1);
    forget_oldest(addresses_, options_.max_entries / 4 + 1);
}

}  // namespace paperboy::app
