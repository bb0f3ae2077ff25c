#include "app/index_sync.h"

#include <cstdio>

namespace paperboy::app {
namespace {

// While serving, the snapshot is rewritten once the index is this many changes past it, so a
// crash (no clean stop) replays at most about this many at the next start.
constexpr int64_t kSaveEveryChanges = 100000;

}  // namespace

IndexSync::IndexSync(SearchService& service, std::chrono::milliseconds interval)
    : service_(service), interval_(interval), thread_([this] { run(); }) {}

IndexSync::~IndexSync() { stop(); }

void IndexSync::sync_now() {
    std::lock_guard sync(sync_mutex_);
    auto report = service_.sync();
    if (!report.ok()) {
        std::fprintf(stderr, "paperboy: index sync failed: %s\n", report.error().message().c_str());
    }
}

void IndexSync::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        sync_now();
        {
            std::lock_guard sync(sync_mutex_);
            auto saved = service_.save_snapshot(kSaveEveryChanges);
            if (!saved.ok()) {
                std::fprintf(stderr, "paperboy: warning: %s\n", saved.error().message().c_str());
            }
        }
        lock.lock();
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
