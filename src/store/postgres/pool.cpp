#include "store/postgres/pool.h"

#include <algorithm>

namespace paperboy::store::postgres {

using std::chrono::steady_clock;

Pool::Pool(ConnectSettings settings, std::string name, int size)
    : settings_(std::move(settings)), name_(std::move(name)), size_(std::max(size, 1)) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
    if (conn_ != nullptr) pool_->give_back(std::move(conn_));
}

Result<Pool::Lease> Pool::acquire() {
    std::unique_lock lock(mu_);
    const bool free =
        freed_.wait_for(lock, kSlotWait, [&] { return !idle_.empty() || open_ < size_; });
    if (!free) {
        return Error(ErrorCode::kUnavailable, name_ + ": all " + std::to_string(size_) +
                                                  " connections stayed busy for " +
                                                  std::to_string(kSlotWait.count()) + " ms");
    }
    if (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        conn->start_lease();
        return Lease(this, std::move(conn), true);
    }
    if (steady_clock::now() < retry_at_) {
        // The server was unreachable a moment ago: fail fast rather than wait out another
        // connection timeout per call.
        return Error(ErrorCode::kUnavailable, last_failure_ + " (retrying shortly)");
    }
    ++open_;
    lock.unlock();
    auto opened = Connection::open(settings_, name_);
    lock.lock();
    if (!opened.ok()) {
        --open_;
        backoff_ = std::clamp(backoff_ * 2, kMinBackoff, kMaxBackoff);
        retry_at_ = steady_clock::now() + backoff_;
        last_failure_ = opened.error().message();
        freed_.notify_one();
        return opened.error();
    }
    backoff_ = std::chrono::milliseconds(0);
    retry_at_ = {};
    (*opened)->start_lease();
    return Lease(this, std::move(opened).value(), false);
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
    // A connection with a transaction still open was left by an error path that could not roll
    // back; closing it ends the transaction on the server.
    const bool broken = conn->broken();
    const bool keep = !broken && !conn->in_transaction();
    if (!keep) conn.reset();
    std::vector<std::unique_ptr<Connection>> stale;
    {
        std::lock_guard lock(mu_);
        if (keep) {
            idle_.push_back(std::move(conn));
        } else {
            --open_;
        }
        // One connection broke at the socket level: the server restarted or went away, and
        // the idle ones went with it. Closing them now spares the next callers a failure each.
        if (broken) {
            open_ -= static_cast<int>(idle_.size());
            stale.swap(idle_);
        }
    }
    freed_.notify_all();
}

}  // namespace paperboy::store::postgres
