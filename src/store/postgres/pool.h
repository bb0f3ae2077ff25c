// store/postgres/pool.h — the connections of one PostgresStore.
//
// At most `size` connections, opened on demand and kept while they work. A caller borrows one
// (acquire) for one call and gives it back when its Lease ends; a connection that broke, or
// still has a transaction open, is closed instead of kept, and the next acquire opens a new one.
// The pool never hangs a caller: waiting for a free connection is bounded (kSlotWait), each
// connection attempt is bounded by connect_timeout, and after a failed attempt further attempts
// fail at once with kUnavailable for a backoff (kMinBackoff, doubling to kMaxBackoff) rather
// than each waiting out a dead server. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/postgres/connection.h"

namespace paperboy::store::postgres {

class Pool {
  public:
    static constexpr std::chrono::milliseconds kSlotWait{5000};
    static constexpr std::chrono::milliseconds kMinBackoff{100};
    static constexpr std::chrono::milliseconds kMaxBackoff{2000};

    // `name` names the database in messages (no password).
    Pool(ConnectSettings settings, std::string name, int size);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // A borrowed connection, given back when the Lease is destroyed.
    class Lease {
      public:
        Lease(Pool* pool, std::unique_ptr<Connection> conn, bool reused)
            : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
        ~Lease();
        Lease(Lease&& o) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        Connection& operator*() const { return *conn_; }
        Connection* operator->() const { return conn_.get(); }
        // Whether the connection was opened before this lease (it may have gone stale while it
        // waited in the pool: a restarted server).
        bool reused() const { return reused_; }

      private:
        Pool* pool_;
        std::unique_ptr<Connection> conn_;
        bool reused_;
    };

    // A connection: an idle one, or a new one while fewer than `size` are open. kUnavailable
    // when the server cannot be reached (at once during a backoff) or when every connection
    // stays busy for kSlotWait.
    Result<Lease> acquire();

    const std::string& name() const { return name_; }

  private:
    void give_back(std::unique_ptr<Connection> conn);

    const ConnectSettings settings_;
    const std::string name_;
    const int size_;
    std::mutex mu_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
    int open_ = 0;                                   // idle, lent or connecting; guarded by mu_
    // After a failed connection attempt: no new attempt before retry_at_. Guarded by mu_.
    std::chrono::steady_clock::time_point retry_at_{};
    std::chrono::milliseconds backoff_{0};
    std::string last_failure_;
};

}  // namespace paperboy::store::postgres
