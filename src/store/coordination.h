// store/coordination.h — what the processes (nodes) of one instance agree on through their
// shared database: named leases (one node runs a job at a time), shared fixed-window counters
// (rate limits and log-in throttles that hold across nodes) and waiting for the change feed to
// move (a node refreshes its index or caches when another node writes).
//
// Every Store implements it (class Store derives from Coordination), over tables of schema step
// 9 (docs/schema.md, "Coordination"). Times are the database's where it has a clock of its own
// (PostgreSQL: nodes with skewed clocks agree), else the process's (SQLite: one machine).
// Thread-safe like the Store. Depends on core/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::store {

struct LeaseInfo {
    std::string holder;
    std::chrono::system_clock::time_point expires_at;  // by the store's clock

    friend bool operator==(const LeaseInfo&, const LeaseInfo&) = default;
};

class Coordination {
  public:
    virtual ~Coordination() = default;

    // Takes or renews the lease `name` for `holder` until now + `ttl`: true when `holder` holds
    // it now (it was free, had expired, or was `holder`'s already), false when another holder's
    // lease is still running. Atomic: of racing callers, one wins. kInvalidArgument for an empty
    // name or holder or a ttl below one second.
    virtual Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                                       std::chrono::seconds ttl) = 0;
    // Gives the lease up if `holder` holds it (a no-op otherwise), so another may take it at
    // once.
    virtual Status release_lease(std::string_view name, std::string_view holder) = 0;
    // Who holds `name` and until when; nullopt when nobody does (never taken, released or
    // expired).
    virtual Result<std::optional<LeaseInfo>> lease(std::string_view name) = 0;

    // Adds `n` hits to `key`'s count in the fixed window of length `window` that holds `now`
    // (windows start at multiples of `window` since the Unix epoch) and returns the count of
    // that window after the addition. Shared by every node of the instance. `now` is the
    // caller's clock (app/ passes its own, which tests pin): nodes agree on a window as far as
    // their clocks agree, which NTP makes seconds at worst for windows of minutes to hours.
    // Counts of windows that ended before `now` are purged now and then. kInvalidArgument for an
    // empty key, a window below one second or a negative n.
    virtual Result<int64_t> count_hit(std::string_view key, std::chrono::seconds window,
                                      std::chrono::system_clock::time_point now, int64_t n = 1) = 0;

    // Returns true as soon as the change feed holds something after `after_seq` (at once when
    // it already does), false when `timeout` passes first. Wakes on writes from any node of the
    // instance; may wake a little late (a poll), never early with false.
    virtual Result<bool> wait_for_changes(int64_t after_seq, std::chrono::milliseconds timeout) = 0;
};

}  // namespace paperboy::store
