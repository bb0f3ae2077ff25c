#include "app/auth/password_pool.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "app/auth/crypto.h"

namespace paperboy::app::auth {
namespace {

Error busy() {
    return Error(ErrorCode::kUnavailable,
                 "too many passwords are being checked right now; try again in a moment");
}

}  // namespace

PasswordPoolOptions resolved(PasswordPoolOptions options) {
    if (options.workers == 0) {
        // Half the cores: under a flood of log-ins the rest of the site keeps CPU too.
        options.workers = std::clamp(std::thread::hardware_concurrency() / 2, 1U, 4U);
    }
    if (options.max_pending == 0) options.max_pending = 4 * options.workers;
    return options;
}

PasswordPool::PasswordPool(PasswordPoolOptions options) : options_(resolved(std::move(options))) {
    threads_.reserve(options_.workers);
    for (unsigned i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { serve(); });
}

PasswordPool::~PasswordPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& thread : threads_) thread.join();
}

bool PasswordPool::run(std::function<void()> work) {
    std::future<void> done;
    {
        std::lock_guard lock(mu_);
        if (pending_ >= options_.max_pending || stopping_) return false;
        ++pending_;
        queue_.push_back(Job{std::move(work), {}});
        done = queue_.back().done.get_future();
    }
    cv_.notify_one();
    done.get();  // rethrows what the job threw
    return true;
}

void PasswordPool::serve() {
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and every queued job is done
        Job job = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        std::exception_ptr failure;
        try {
            if (options_.before_job) options_.before_job();
            job.work();
        } catch (...) {
            failure = std::current_exception();
        }
        lock.lock();
        // Counted out before the caller wakes, so that its next call finds the room it left.
        --pending_;
        if (failure) {
            job.done.set_exception(failure);
        } else {
            job.done.set_value();
        }
    }
}

size_t PasswordPool::pending() {
    std::lock_guard lock(mu_);
    return pending_;
}

Result<std::string> PasswordPool::hash(std::string_view password) {
    std::optional<Result<std::string>> out;
    if (!run([&] { out = hash_password(password); })) return busy();
    return std::move(*out);
}

Result<bool> PasswordPool::verify(std::string_view hash, std::string_view password) {
    bool matches = false;
    if (!run([&] { matches = verify_password(hash, password); })) return busy();
    return matches;
}

}  // namespace paperboy::app::auth
