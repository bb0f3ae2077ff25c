// tests/support/test_database.h — the database an integration test runs the binary against.
//
// The integration tests that run the real binary run on both backends: CTest registers each
// twice, NAME on SQLite and NAME_pg with PAPERBOY_TEST_BACKEND=postgres
// (tests/integration/CMakeLists.txt). A test asks for "its" database here and gets a fresh
// SQLite file in its temporary directory, or a fresh, empty PostgreSQL database
// (support/postgres_server.h: one server per test process, started on first use); the test
// is skipped, with one line saying why, when PostgreSQL is wanted and not available:
//
//     testing::TempDir dir;
//     testing::TestDatabase db;
//     PAPERBOY_TEST_DATABASE(db, dir);
//     paperboy({"ingest", "--db", db.url, ...});
//     ServeProcess server(binary, db.url, log, db.with_index({"--access-log", "off"}));
//
// A PostgreSQL database's search index snapshot defaults to ~/.cache/paperboy/: commands that
// keep one (serve, digest send, search, eval) get db.index_args(), a path in the directory.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/temp_dir.h"

namespace paperboy::testing {

enum class Backend { kSqlite, kPostgres };

// The backend PAPERBOY_TEST_BACKEND names: "sqlite" (or unset, or empty) or "postgres";
// nullopt for anything else (the test then fails, saying so).
std::optional<Backend> test_backend();

struct TestDatabase {
    Backend backend = Backend::kSqlite;
    // What --db takes: the SQLite file's path, or the PostgreSQL database's URL.
    std::string url;
    // Where the search index snapshot is kept: url + ".index" (SQLite's default), or a file in
    // the test's directory for PostgreSQL.
    std::string index;
    std::string dir;  // the test's temporary directory

    bool postgres() const { return backend == Backend::kPostgres; }
    // The --index arguments of a command that keeps an index snapshot: none on SQLite (its
    // default is `index` already), {"--index", index} on PostgreSQL (whose default is $HOME's).
    std::vector<std::string> index_args() const;
    // `args` followed by index_args().
    std::vector<std::string> with_index(std::vector<std::string> args) const;
    // A database of the same backend that does not exist: the file `name` in the directory, or
    // the database `name` (never created) on the same PostgreSQL server.
    std::string missing(std::string_view name) const;
};

// A fresh database named `name` (a file name; PostgreSQL databases get fresh names of their
// own) for the calling test; nullopt with `why` when PostgreSQL is wanted and not available,
// or PAPERBOY_TEST_BACKEND is unknown (which is also reported as a failure).
std::optional<TestDatabase> make_test_database(const TempDir& dir, std::string* why,
                                               std::string_view name = "papers.db");

}  // namespace paperboy::testing

// Sets `target` (a TestDatabase) to the calling test's fresh database, or skips the test
// (GTEST_SKIP, one line) when PostgreSQL is wanted and not available. In a TEST or SetUp.
#define PAPERBOY_TEST_DATABASE(target, dir)                                              \
    do {                                                                                 \
        std::string paperboy_test_database_why;                                          \
        auto paperboy_test_database =                                                    \
            ::paperboy::testing::make_test_database((dir), &paperboy_test_database_why); \
        if (!paperboy_test_database) GTEST_SKIP() << paperboy_test_database_why;         \
        (target) = *std::move(paperboy_test_database);                                   \
    } while (false)
