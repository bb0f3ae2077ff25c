// app/job_lease.h — a job that runs once across the nodes of an instance: whoever holds the
// store's lease of its name (store/coordination.h) runs it; the others find it taken.
//
// A JobLease renews its lease on a thread of its own every third of its time to live, and
// gives it up when destroyed, so that another node may start at once. A node that dies (kill
// -9, a lost machine) stops renewing: its lease runs out after `ttl` and another node takes
// the job over, resuming from what the job itself recorded in the store (the send log of
// digests, the cursors of harvests). A holder that cannot renew (the database unreachable for
// longer than the ttl) is told by lost(): another node may be running the job by then, so the
// job should stop at its next safe point.
// Depends on store/. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.h"
#include "store/coordination.h"

namespace paperboy::app {

// This process's name in leases: "HOST:PID:RANDOM", the same for every lease it takes. HOST is
// $PAPERBOY_NODE_NAME when set (an operator's name for the node), else the machine's name.
const std::string& node_identity();

// True when `holder` (a node_identity()) names a process of this machine that no longer runs:
// its lease may be taken at once. False for other machines' holders and for running ones.
bool holder_is_gone(const std::string& holder);

class JobLease {
  public:
    // Takes the lease `name` for this process for `ttl`; nullopt when another holder's lease is
    // running (`holder_out`, when given, says whose and until when).
    static Result<std::unique_ptr<JobLease>> try_acquire(
        store::Coordination& store, std::string name, std::chrono::seconds ttl,
        std::optional<store::LeaseInfo>* holder_out = nullptr);

    ~JobLease();  // stops renewing and releases the lease
    JobLease(const JobLease&) = delete;
    JobLease& operator=(const JobLease&) = delete;

    // True once a renewal failed or found the lease another's: stop the job.
    bool lost() const { return lost_.load(); }
    const std::string& name() const { return name_; }
    // This holder's name: node_identity() and a number of its own, so that two jobs of one
    // process are two holders too.
    const std::string& holder() const { return holder_; }

  private:
    JobLease(store::Coordination& store, std::string name, std::string holder,
             std::chrono::seconds ttl);
    void renew_loop();

    store::Coordination& store_;
    const std::string name_;
    const std::string holder_;
    const std::chrono::seconds ttl_;
    std::atomic<bool> lost_{false};
    std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread renewer_;
};

}  // namespace paperboy::app
