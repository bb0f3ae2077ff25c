// store/postgres/listener.h — one LISTEN connection that tells waiters the feed moved.
//
// Feed writers run pg_notify('paperboy_changes', <new top>) in their transaction; PostgreSQL
// delivers it to every listening session at commit. A ChangeListener owns a dedicated
// connection (not one of the pool's) and a thread that polls its socket, and counts what it
// sees: each notification and each (re)connection bumps a generation that waiters block on
// (a reconnection because notifications sent while disconnected are lost: waiters re-read the
// feed). When the connection breaks, the thread reconnects with a backoff; meanwhile
// listening() is false and waiters poll. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "store/postgres/connection.h"

namespace paperboy::store::postgres {

class ChangeListener {
  public:
    ChangeListener(ConnectSettings settings, std::string name);
    // Stops and joins the thread (at once: it is woken through a pipe).
    ~ChangeListener();
    ChangeListener(const ChangeListener&) = delete;
    ChangeListener& operator=(const ChangeListener&) = delete;

    struct State {
        uint64_t generation = 0;  // bumped by each notification and (re)connection
        int64_t top = 0;          // the highest feed top notified so far
        bool listening = false;
    };
    State state();

    // Blocks until the generation differs from `seen` or `until` passes; returns the state.
    State wait(uint64_t seen, std::chrono::steady_clock::time_point until);

  private:
    void run();
    // Listens on one connection until it breaks or the listener stops.
    void listen_on(Connection& conn);
    void bump(bool listening, int64_t top);

    const ConnectSettings settings_;
    const std::string name_;
    std::mutex mu_;
    std::condition_variable changed_;
    State state_;        // guarded by mu_
    bool stop_ = false;  // guarded by mu_
    int wake_[2] = {-1, -1};
    std::thread thread_;
};

}  // namespace paperboy::store::postgres
