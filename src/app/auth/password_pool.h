// app/auth/password_pool.h — password hashing off the request threads: a few threads of its own
// that hash and check passwords (crypto.h's argon2id), and a bound on the callers that wait.
//
// A hash costs tens of milliseconds of CPU and 64 MiB of memory. The HTTP server runs its
// handlers on its io threads; were they to hash themselves, a flood of log-ins would hold every
// io thread (and the memory of as many hashes) and the whole site would wait. Here at most
// `workers` hashes run at once (memory: workers x 64 MiB), and at most `max_pending` callers are
// in the pool at once (running or queued). A caller past that is refused at once with
// kUnavailable (the pages answer 503 with Retry-After); an admitted one blocks until its job is
// done. So the pool holds at most max_pending threads of its callers: a server gives itself that
// many threads more than it serves other requests with (cli/cmd_serve.cpp), and requests that
// need no hash never wait behind those that do.
// Depends on crypto.h. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"

namespace paperboy::app::auth {

struct PasswordPoolOptions {
    // Threads that hash; 0 = half the cores, at least 1 and at most 4.
    unsigned workers = 0;
    // Callers in the pool at once, running or queued; 0 = 4 per worker.
    unsigned max_pending = 0;
    // Called on a worker before each job: tests hold the pool full with it.
    std::function<void()> before_job;
};

// What PasswordPoolOptions' zeros stand for on this machine.
PasswordPoolOptions resolved(PasswordPoolOptions options);

class PasswordPool {
  public:
    explicit PasswordPool(PasswordPoolOptions options = {});
    // Finishes the jobs queued (their callers are waiting for them), then joins the workers.
    ~PasswordPool();
    PasswordPool(const PasswordPool&) = delete;
    PasswordPool& operator=(const PasswordPool&) = delete;

    // hash_password() on a worker. kUnavailable at once when max_pending callers are in the
    // pool; kInternal as hash_password().
    Result<std::string> hash(std::string_view password);
    // verify_password() on a worker. kUnavailable at once when max_pending callers are in the
    // pool.
    Result<bool> verify(std::string_view hash, std::string_view password);

    unsigned workers() const { return options_.workers; }
    unsigned max_pending() const { return options_.max_pending; }
    // Callers in the pool now, running or queued.
    size_t pending();

  private:
    struct Job {
        std::function<void()> work;
        std::promise<void> done;
    };
    // Runs `work` on a worker and waits for it; false (and nothing run) when the pool is full.
    bool run(std::function<void()> work);
    void serve();

    PasswordPoolOptions options_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    size_t pending_ = 0;  // callers admitted and not yet answered
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace paperboy::app::auth
