// store/sqlite/statement.h — thin RAII helpers over the SQLite C API.
//
// Statement owns one prepared statement; bound values are never spliced into SQL text. Only
// files under store/sqlite/ include this header (it includes sqlite3.h). Not thread-safe: the
// owning SqliteStore serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::store::sqlite {

// The ErrorCode for an SQLite result code (primary or extended).
ErrorCode error_code_for(int rc);

// An Error for a failed SQLite call: "<context>: <sqlite message>", coded by error_code_for().
// `db` may be null.
Error sqlite_error(sqlite3* db, int rc, std::string_view context);

// Runs constant SQL with no bound values (pragmas, migration scripts).
Status exec(sqlite3* db, const char* sql, std::string_view context);

class Statement {
  public:
    Statement() = default;
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Prepares `sql` (one statement). `persistent` hints SQLite that it will be reused.
    static Result<Statement> prepare(sqlite3* db, std::string_view sql, bool persistent = true);

    // Binds a parameter (1-based). Text is bound without a copy: the caller keeps it alive until
    // the statement is reset. A failed bind is remembered and reported by the next step().
    void bind(int index, std::string_view text);
    void bind(int index, int64_t n);
    void bind(int index, int n) { bind(index, static_cast<int64_t>(n)); }

    // Advances: true for a row, false when done, an Error otherwise.
    Result<bool> step();
    // Runs a statement that returns no rows (or whose rows are not wanted) to completion.
    Status run();

    // Makes the statement ready for new bindings and releases what it holds (locks, reads).
    void reset();

    std::string_view column_text(int col) const;
    std::string column_string(int col) const { return std::string(column_text(col)); }
    int64_t column_int64(int col) const;
    int column_int(int col) const;
    bool column_is_null(int col) const;

    sqlite3_stmt* get() const { return stmt_; }

  private:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    int bind_rc_ = SQLITE_OK;
};

// Resets a statement when leaving scope, so that an early return cannot leave it holding a read
// or a lock.
class ScopedReset {
  public:
    explicit ScopedReset(Statement& s) : s_(s) {}
    ~ScopedReset() { s_.reset(); }
    ScopedReset(const ScopedReset&) = delete;
    ScopedReset& operator=(const ScopedReset&) = delete;

  private:
    Statement& s_;
};

// A write transaction (BEGIN IMMEDIATE) rolled back on scope exit unless committed, so that every
// early return leaves the database as it was.
class Transaction {
  public:
    explicit Transaction(sqlite3* db) : db_(db) {}
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Status begin();
    Status commit();

  private:
    sqlite3* db_;
    bool open_ = false;
};

}  // namespace paperboy::store::sqlite
