// The coordination part of PostgresStore (store/coordination.h; docs/schema.md
// "Coordination"): leases and fixed-window counters over the tables of schema step 9, each one
// conditional statement timed by the database's clock (clock_timestamp()), so that nodes whose
// clocks disagree still agree on who holds a lease and which window a hit falls in.
// wait_for_changes() is in postgres_store.cpp, with the listener it starts.
#include <chrono>
#include <string>

#include "store/postgres/connection.h"
#include "store/postgres/postgres_store.h"

namespace paperboy::store::postgres {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Ended windows are deleted at most this often per store, by the next count_hit().
constexpr seconds kPurgeInterval{60};

}  // namespace

Result<bool> PostgresStore::acquire_lease(std::string_view name, std::string_view holder,
                                          seconds ttl) {
    if (name.empty() || holder.empty()) {
        return Error(ErrorCode::kInvalidArgument, "a lease needs a name and a holder");
    }
    if (ttl < seconds(1)) {
        return Error(ErrorCode::kInvalidArgument,
                     "lease " + std::string(name) + ": a ttl of at least one second is needed");
    }
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const int64_t ttl_ms = std::chrono::duration_cast<milliseconds>(ttl).count();
    bool held = false;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kAcquireLease, {name, holder, ttl_ms});
            if (!r.ok()) return r.error();
            held = r->rows() > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return held;
}

Status PostgresStore::release_lease(std::string_view name, std::string_view holder) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kReleaseLease, {name, holder});
        return r.ok() ? Status::ok_status() : Status(r.error());
    });
}

Result<std::optional<LeaseInfo>> PostgresStore::lease(std::string_view name) {
    std::optional<LeaseInfo> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectLease, {name});
            if (!r.ok()) return r.error();
            if (r->rows() > 0) {
                out =
                    LeaseInfo{r->string(0, 0),
                              std::chrono::system_clock::time_point(milliseconds(r->int64(0, 1)))};
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<int64_t> PostgresStore::count_hit(std::string_view key, seconds window,
                                         std::chrono::system_clock::time_point now, int64_t n) {
    if (key.empty() || window < seconds(1) || n < 0) {
        return Error(ErrorCode::kInvalidArgument,
                     "count_hit needs a key, a window of at least one second and n >= 0");
    }
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const int64_t now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
    const int64_t start = now_s - now_s % window.count();
    bool purge = false;
    {
        std::lock_guard lock(purge_mu_);
        const auto steady = std::chrono::steady_clock::now();
        if (steady - last_purge_ >= kPurgeInterval) {
            last_purge_ = steady;
            purge = true;
        }
    }
    int64_t count = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            if (purge) {
                auto purged = c.run(Query::kPurgeCounters, {now_s});
                if (!purged.ok()) return purged.error();
            }
            auto r = c.run(Query::kCountHit, {key, start, start + window.count(), n});
            if (!r.ok()) return r.error();
            count = r->int64(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return count;
}

}  // namespace paperboy::store::postgres
