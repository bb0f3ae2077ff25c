#include "app/job_lease.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace paperboy::app {

const std::string& node_identity() {
    static const std::string identity = [] {
        // The operator's name for the node when given (the leases table then says which node
        // runs what), else the machine's.
        char host[256] = {};
        if (const char* name = std::getenv("PAPERBOY_NODE_NAME"); name != nullptr && *name) {
            std::snprintf(host, sizeof host, "%s", name);
        } else if (gethostname(host, sizeof host - 1) != 0) {
            std::snprintf(host, sizeof host, "unknown");
        }
        for (char& c : host) {
            if (c == ':') c = '-';  // the separator of the identity's parts
        }
        std::random_device random;
        char suffix[17];
        std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
        return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
    }();
    return identity;
}

bool holder_is_gone(const std::string& holder) {
    // "HOST:PID:RANDOM.N", as try_acquire() makes it from node_identity().
    const size_t last = holder.rfind(':');
    if (last == std::string::npos || last == 0) return false;
    const size_t middle = holder.rfind(':', last - 1);
    if (middle == std::string::npos) return false;
    const std::string& mine = node_identity();
    const size_t my_host_end = mine.find(':');
    if (holder.compare(0, middle, mine, 0, my_host_end) != 0 || middle != my_host_end) return false;
    const std::string pid_text = holder.substr(middle + 1, last - middle - 1);
    if (pid_text.empty() || pid_text.size() > 9 ||
        pid_text.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid <= 0 || pid == getpid()) return false;
    return kill(pid, 0) != 0 && errno == ESRCH;
}

Result<std::unique_ptr<JobLease>> JobLease::try_acquire(
    store::Coordination& store, std::string name, std::chrono::seconds ttl,
    std::optional<store::LeaseInfo>* holder_out) {
    static std::atomic<uint64_t> holders{0};
    std::string me = node_identity() + "." + std::to_string(++holders);
    auto taken = store.acquire_lease(name, me, ttl);
    if (!taken.ok()) return taken.error().with_context("taking the lease " + name);
    if (!*taken) {
        // A holder on this machine whose process is gone (killed, crashed) cannot renew: its
        // lease is free now rather than after its ttl. (Holders elsewhere are waited out.)
        auto holder = store.lease(name);
        if (holder.ok() && *holder && holder_is_gone((*holder)->holder)) {
            PAPERBOY_RETURN_IF_ERROR(store.release_lease(name, (*holder)->holder));
            taken = store.acquire_lease(name, me, ttl);
            if (!taken.ok()) return taken.error().with_context("taking the lease " + name);
        }
    }
    if (!*taken) {
        if (holder_out != nullptr) {
            auto holder = store.lease(name);
            if (holder.ok()) *holder_out = std::move(holder).value();
        }
        return std::unique_ptr<JobLease>();
    }
    return std::unique_ptr<JobLease>(new JobLease(store, std::move(name), std::move(me), ttl));
}

JobLease::JobLease(store::Coordination& store, std::string name, std::string holder,
                   std::chrono::seconds ttl)
    : store_(store),
      name_(std::move(name)),
      holder_(std::move(holder)),
      ttl_(ttl),
      renewer_([this] { renew_loop(); }) {}

JobLease::~JobLease() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (renewer_.joinable()) renewer_.join();
    if (!lost_) {
        Status released = store_.release_lease(name_, holder_);
        if (!released.ok()) {
            // Not fatal: the lease runs out by itself after its ttl.
            std::fprintf(stderr, "paperboy: warning: releasing the lease %s: %s\n", name_.c_str(),
                         released.error().message().c_str());
        }
    }
}

void JobLease::renew_loop() {
    const auto every =
        std::max<std::chrono::milliseconds>(ttl_ / 3, std::chrono::milliseconds(200));
    std::unique_lock lock(mu_);
    while (!stopping_) {
        if (wake_.wait_for(lock, every, [this] { return stopping_; })) break;
        lock.unlock();
        auto renewed = store_.acquire_lease(name_, holder_, ttl_);
        lock.lock();
        if (!renewed.ok() || !*renewed) {
            std::fprintf(
                stderr, "paperboy: lost the lease %s: %s\n", name_.c_str(),
                renewed.ok() ? "another node holds it now" : renewed.error().message().c_str());
            lost_ = true;
            return;
        }
    }
}

}  // namespace paperboy::app
