// tests/support/postgres_server.h — a real PostgreSQL server for tests.
//
// Tests that need PostgreSQL ask for a fresh database:
//
//     PAPERBOY_REQUIRE_POSTGRES(url);   // or skip, with one line saying why
//     auto store = store::open_store(url);
//
// Each call creates a new empty database (CREATE DATABASE t_N), so tests share no state. The
// server is the one named by PAPERBOY_TEST_PG_URL when that is set (the tests create their
// databases in it and drop them at exit), else one started for the test process on first use:
// initdb into a temporary directory ($TMPDIR/paperboy-pgtest-XXXXXX) and postgres on a free
// loopback port, run as an unprivileged user when the tests run as root (initdb refuses root:
// `postgres`, else `nobody`), with fsync, synchronous_commit and full_page_writes off (tests
// only: a crash loses nothing the tests need). It is stopped (an immediate shutdown) and its
// directory removed at exit; if
// the test process dies first, the kernel kills the server with it (PR_SET_PDEATHSIG), and the
// next test process removes the leftover directory. When PostgreSQL's binaries are absent
// (PAPERBOY_PG_BINDIR, /usr/lib/postgresql/*/bin, or PATH), tests are skipped with one line,
// also appended to $PAPERBOY_SKIP_LOG. Thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace paperboy::testing {

// A server of its own, for a test that stops and restarts it. Most tests use
// fresh_database_url() instead.
class PostgresServer {
  public:
    // Starts a new server; nullptr, with the reason in `why`, when it cannot.
    static std::unique_ptr<PostgresServer> start(std::string* why);
    // Stops the server (immediately) and removes its directory.
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    // Stops the server now (a fast shutdown: clients see their connections drop), keeping its
    // data; restart() starts it again on the same port.
    void stop();
    bool restart(std::string* why);

    int port() const { return port_; }
    // The URL of database `db` on this server.
    std::string url(std::string_view db) const;
    // A new, empty database's URL; nullopt (with `why`) when it could not be created.
    std::optional<std::string> create_database(std::string* why);

  private:
    PostgresServer() = default;
    bool launch(std::string* why);
    void shut_down(int signal);

    std::string bindir_;
    std::string dir_;  // the temporary directory: data/, the socket, the logs
    int port_ = 0;
    int pid_ = 0;  // the postmaster, or 0 when stopped
    int next_database_ = 0;
};

// The URL of a new, empty database for the calling test, or nullopt when PostgreSQL is not
// available (postgres_skip_reason() says why).
std::optional<std::string> fresh_database_url();

// The one line a test skipped for want of PostgreSQL prints; also appended to
// $PAPERBOY_SKIP_LOG (with the current test's name) when that is set.
std::string postgres_skip_reason();

}  // namespace paperboy::testing

// Declares `var` as the std::string URL of a fresh PostgreSQL database, or skips the current
// test (GTEST_SKIP, one line) when PostgreSQL is not available.
#define PAPERBOY_REQUIRE_POSTGRES(var)                                                      \
    const std::optional<std::string> var##_opt = ::paperboy::testing::fresh_database_url(); \
    if (!var##_opt) GTEST_SKIP() << ::paperboy::testing::postgres_skip_reason();            \
    const std::string& var = *var##_opt
