// tests/support/gate.h — holds threads at a point until the test opens it.
//
// A job calls pass() and waits there; the test waits with arrived(n) until n jobs are held
// (so "while the pool is busy" is a state the test sets up, not a timing), then open()s the
// gate to let them all through.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace paperboy::testing {

class Gate {
  public:
    void pass() {
        std::unique_lock lock(mu_);
        ++arrived_;
        cv_.notify_all();
        cv_.wait(lock, [this] { return open_; });
    }
    void open() {
        std::lock_guard lock(mu_);
        open_ = true;
        cv_.notify_all();
    }
    // Whether `n` jobs have arrived; waits for them at most a minute (a guard against a hang,
    // not a claim about time).
    bool arrived(int n) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return arrived_ >= n; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    int arrived_ = 0;
    bool open_ = false;
};

}  // namespace paperboy::testing
