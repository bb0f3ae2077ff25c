// The coordination part of SqliteStore (store/coordination.h, docs/schema.md "Coordination"):
// leases and fixed-window counters over the tables of schema step 9, and waiting for the change
// feed. Every process that shares one SQLite file shares this machine's clock, so times come
// from the process (milliseconds since the Unix epoch for leases, seconds for counters).
#include <algorithm>
#include <chrono>
#include <string>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

// Ended windows are deleted at most this often per store, by the next count_hit().
constexpr seconds kPurgeInterval{60};

int64_t now_ms() {
    return std::chrono::duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status check_lease_args(std::string_view name, std::string_view holder, seconds ttl) {
    if (name.empty() || holder.empty()) {
        return Error(ErrorCode::kInvalidArgument, "a lease needs a name and a holder");
    }
    if (ttl < seconds(1)) {
        return Error(ErrorCode::kInvalidArgument,
                     "lease " + std::string(name) + ": a ttl of at least one second is needed");
    }
    return Status::ok_status();
}

}  // namespace

Result<bool> SqliteStore::acquire_lease(std::string_view name, std::string_view holder,
                                        seconds ttl) {
    PAPERBOY_RETURN_IF_ERROR(check_lease_args(name, holder, ttl));
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto upsert = statement(Query::kAcquireLease);
    if (!upsert.ok()) return upsert.error();
    ScopedReset reset(**upsert);
    (*upsert)->bind(1, name);
    (*upsert)->bind(2, holder);
    (*upsert)->bind(3, now_ms());
    (*upsert)->bind(4, static_cast<int64_t>(std::chrono::duration_cast<milliseconds>(ttl).count()));
    auto row = (*upsert)->step();
    if (!row.ok()) return row.error();
    return *row;
}

Status SqliteStore::release_lease(std::string_view name, std::string_view holder) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto del = statement(Query::kReleaseLease);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, name);
    (*del)->bind(2, holder);
    return (*del)->run();
}

Result<std::optional<LeaseInfo>> SqliteStore::lease(std::string_view name) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectLease);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, name);
    (*select)->bind(2, now_ms());
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<LeaseInfo>();
    return std::optional<LeaseInfo>(
        LeaseInfo{(*select)->column_string(0),
                  system_clock::time_point(milliseconds((*select)->column_int64(1)))});
}

Result<int64_t> SqliteStore::count_hit(std::string_view key, seconds window,
                                       system_clock::time_point now, int64_t n) {
    if (key.empty() || window < seconds(1) || n < 0) {
        return Error(ErrorCode::kInvalidArgument,
                     "count_hit needs a key, a window of at least one second and n >= 0");
    }
    const int64_t now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
    const int64_t length = window.count();
    const int64_t start = now_s - now_s % length;
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    if (steady_clock::now() - last_purge_ >= kPurgeInterval) {
        auto purge = statement(Query::kPurgeCounters);
        if (!purge.ok()) return purge.error();
        ScopedReset reset(**purge);
        (*purge)->bind(1, now_s);
        PAPERBOY_RETURN_IF_ERROR((*purge)->run());
        last_purge_ = steady_clock::now();
    }
    auto upsert = statement(Query::kCountHit);
    if (!upsert.ok()) return upsert.error();
    ScopedReset reset(**upsert);
    (*upsert)->bind(1, key);
    (*upsert)->bind(2, start);
    (*upsert)->bind(3, start + length);
    (*upsert)->bind(4, n);
    auto row = (*upsert)->step();
    if (!row.ok()) return row.error();
    if (!*row) return Error(ErrorCode::kInternal, "a counter upsert returned no count");
    return (*upsert)->column_int64(0);
}

Result<int64_t> SqliteStore::last_seq_locked() {
    auto select = statement(Query::kStatsSequence);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    return *row ? (*select)->column_int64(0) : 0;
}

void SqliteStore::feed_written() {
    {
        std::lock_guard lock(feed_mu_);
        ++feed_writes_;
    }
    feed_cv_.notify_all();
}

Result<bool> SqliteStore::wait_for_changes(int64_t after_seq, milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
        uint64_t writes_seen = 0;
        {
            std::lock_guard lock(feed_mu_);
            writes_seen = feed_writes_;
        }
        // Read after noting the count, so that a write committed in between wakes the wait.
        auto top = [&] {
            std::lock_guard lock(mu_);
            return last_seq_locked();
        }();
        if (!top.ok()) return top.error();
        if (*top > after_seq) return true;
        const auto now = steady_clock::now();
        if (now >= deadline) return false;
        // Another process's writes are not signalled: poll for them.
        std::unique_lock lock(feed_mu_);
        feed_cv_.wait_until(lock, std::min(deadline, now + kChangePollInterval),
                            [&] { return feed_writes_ != writes_seen; });
    }
}

}  // namespace paperboy::store::sqlite
