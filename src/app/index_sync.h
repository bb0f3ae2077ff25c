// app/index_sync.h — keeps a SearchService in step with its store from a background thread:
// sync() as soon as the store's change feed moves (Coordination::wait_for_changes: a write of
// any process or node wakes it), and at least every `interval`, so that a paper ingested (or a
// vote cast) anywhere is searchable within moments. stop() saves the index snapshot, so the next
// start loads instead of rebuilding.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/search_service.h"

namespace paperboy::app {

class IndexSync {
  public:
    IndexSync(SearchService& service, std::chrono::milliseconds interval);
    ~IndexSync();  // stop()
    IndexSync(const IndexSync&) = delete;
    IndexSync& operator=(const IndexSync&) = delete;

    // Ends the thread after its current sync, then saves the snapshot (errors go to stderr:
    // the snapshot is a cache). Idempotent.
    void stop();

    // Syncs now, on the calling thread's behalf, and waits for it (tests; the web app after a
    // write it wants visible at once).
    void sync_now();

  private:
    void run();
    // One sync under sync_mutex_; false (after logging) when it failed.
    bool sync_once();

    SearchService& service_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool stopped_ = false;
    std::mutex sync_mutex_;  // one sync at a time
    std::thread thread_;
};

}  // namespace paperboy::app
