#include "app/index_sync.h"

#include <algorithm>
#include <cstdio>

namespace paperboy::app {
namespace {

// While serving, the snapshot is rewritten once the index is this many changes past it, so a
// crash (no clean stop) replays at most about this many at the next start.
constexpr int64_t kSaveEveryChanges = 100000;
// The longest one wait for the change feed lasts, so that stop() is answered within it.
constexpr std::chrono::milliseconds kWaitSlice{250};

}  // namespace

IndexSync::IndexSync(SearchService& service, std::chrono::milliseconds interval)
    : service_(service), interval_(interval), thread_([this] { run(); }) {}

IndexSync::~IndexSync() { stop(); }

void IndexSync::sync_now() { (void)sync_once(); }

bool IndexSync::sync_once() {
    std::lock_guard sync(sync_mutex_);
    auto report = service_.sync();
    if (!report.ok()) {
        std::fprintf(stderr, "paperboy: index sync failed: %s\n", report.error().message().c_str());
    }
    return report.ok();
}

void IndexSync::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // Until the feed moves (a write of this process or another node wakes the store's
        // wait: LISTEN/NOTIFY on PostgreSQL) or `interval_` passes, in short slices so that
        // stop() is not kept waiting.
        const auto deadline = std::chrono::steady_clock::now() + interval_;
        while (!stopping_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= std::chrono::milliseconds(0)) break;
            lock.unlock();
            auto moved = service_.wait_for_changes(std::min(left, kWaitSlice));
            lock.lock();
            if (moved.ok() && *moved) break;
            if (!moved.ok()) {
                // The store is unreachable: wait out the slice, then try again.
                wake_.wait_for(lock, std::min(left, kWaitSlice), [this] { return stopping_; });
            }
        }
        if (stopping_) break;
        lock.unlock();
        const bool synced = sync_once();
        {
            std::lock_guard sync(sync_mutex_);
            auto saved = service_.save_snapshot(kSaveEveryChanges);
            if (!saved.ok()) {
                std::fprintf(stderr, "paperboy: warning: %s\n", saved.error().message().c_str());
            }
        }
        lock.lock();
        // A failed sync leaves the feed ahead of the index: without a pause the next wait would
        // return at once, and the loop would spin on the error.
        if (!synced) wake_.wait_for(lock, kWaitSlice, [this] { return stopping_; });
    }
}

void IndexSync::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopping_ = true;
        stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard sync(sync_mutex_);
    auto saved = service_.save_snapshot(1);
    if (!saved.ok()) {
        std::fprintf(stderr, "paperboy: warning: %s\n", saved.error().message().c_str());
    }
}

}  // namespace paperboy::app
