// store/table_io.h — raw row access to a whole database, for moving and checking it.
//
// What `paperboy db copy` and `db check` (app/db_tools.h) stand on: the catalog of the tables of
// the schema (store/migrations.cpp) with their columns, keys and value types, and a TableIo per
// database that counts, reads in key order, writes and checks them without going through the
// Store's rules. A TableIo is a connection of its own (one SQLite connection or one PostgreSQL
// connection), separate from any Store on the same database, and reads and writes every column
// as it is stored: the same instance comes out on the other side (its store.id, secrets,
// sessions and feed positions). Table and column names come only from the constant catalog;
// every value is a bound parameter (or PostgreSQL COPY data), never SQL text.
//
// Values are normalised so that rows of the two backends compare equal: integers and booleans
// (SQLite's 0/1, PostgreSQL's boolean) are int64_t, text and bytes (a comment's body, bytea in
// PostgreSQL) are std::string byte for byte, NULL is std::monostate.
//
// Thread-safety: a TableIo is used by one thread at a time. Depends on core/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace paperboy::store {

// --- The catalog ---------------------------------------------------------------------------

enum class ColumnType {
    kText,     // TEXT / text
    kInteger,  // INTEGER / integer, bigint
    kBoolean,  // INTEGER 0 or 1 / boolean
    kBytes,    // TEXT holding any bytes / bytea (comments.body)
};

struct Column {
    std::string_view name;
    ColumnType type;
    bool nullable = false;
};

struct Table {
    std::string_view name;
    std::span<const Column> columns;  // in the schema's order
    size_t key_size;                  // the key (unique, the copy's order) is the first columns
    // The column whose values a backend hands out to new rows ("" for none): PostgreSQL's
    // identity columns, which a copy moves past the copied ids.
    std::string_view generated_id;

    std::span<const Column> key() const { return columns.first(key_size); }
};

// Every table of the latest schema but schema_version (which opening a database writes), in
// the order a copy fills them: a table after those it references; cursors last.
std::span<const Table> tables();

// The table named `name`, or nullptr.
const Table* find_table(std::string_view name);

// The cursor a copy keeps in its destination while it runs, holding the source's store.id: a
// rerun finds it and resumes; a finished copy removes it.
// (The database's identity is catalog.h's kStoreIdCursor.)
inline constexpr std::string_view kCopySourceCursor = "db.copy.source";

// --- Rows ------------------------------------------------------------------------------------

// NULL, an integer or boolean, or text or bytes.
using Value = std::variant<std::monostate, int64_t, std::string>;
using Row = std::vector<Value>;

// "NULL", "42" or the text in double quotes, for messages.
std::string describe(const Value& v);
// "id=2401.00001" or "date=2024-10-25 paper_id=2410.13848": a row's key, for messages.
std::string describe_key(const Table& table, std::span<const Value> key);

// --- Checks ----------------------------------------------------------------------------------

// A query that lists the rows that break a rule of the schema (one per problem), the same SQL
// for both backends.
struct IntegrityCheck {
    std::string name;     // "feed.paper_without_change", "ref.votes.paper_id"
    std::string table;    // where the problems are
    std::string problem;  // what is wrong with each row listed: "has no entry on the change feed"
    std::vector<std::string> labels;  // names of the columns the query lists
    std::string sql;                  // constant, no parameters, no LIMIT
};

// The feed checks (every paper and daily entry on the feed once, at its own seq; every paper
// vector on it; feed entries naming papers that exist; seqs unique) and the reference checks
// (votes, comments, daily entries, papers received and paper vectors name papers that exist;
// vectors name models; sessions, tokens, votes, comments, mail tokens and subscriptions name
// users that exist; sends name subscriptions; replies name comments).
const std::vector<IntegrityCheck>& integrity_checks();

struct CheckOutcome {
    int64_t count = 0;          // rows the check lists
    std::vector<Row> examples;  // the first of them, in the query's order
};

// A number a backend hands out to new rows, against the greatest value the rows hold: the
// change feed's seq (SQLite's AUTOINCREMENT counter; in PostgreSQL the greatest seq itself) and
// PostgreSQL's identity sequences. A `next` not above `greatest` would reuse a value.
struct Counter {
    std::string table;
    std::string column;
    std::string source;    // where `next` comes from: "sqlite_sequence", "users_id_seq", ...
    int64_t next = 1;      // what the next new row gets
    int64_t greatest = 0;  // the greatest value in the table (0 when it is empty)
};

// --- Access ----------------------------------------------------------------------------------

struct TableIoOptions {
    bool read_only = true;      // a source; false for a copy's destination
    int connect_timeout_s = 5;  // PostgreSQL
};

class TableIo {
  public:
    virtual ~TableIo() = default;

    // How messages name the database ("database papers.db", "database postgresql://u@h/db").
    virtual const std::string& name() const = 0;
    // "sqlite" or "postgresql".
    virtual std::string_view backend() const = 0;
    virtual int schema_version() const = 0;

    // From begin_snapshot() to end_snapshot(), reads see one state of the database, whatever
    // others write meanwhile (a read transaction). Only on a read-only TableIo.
    virtual Status begin_snapshot() = 0;
    virtual Status end_snapshot() = 0;

    virtual Result<int64_t> count(const Table& table) = 0;
    // Up to `limit` rows in key order (bytewise for text), after `after` (a key; empty: from
    // the first row). Each row holds every column of the table, in the catalog's order.
    virtual Result<std::vector<Row>> read(const Table& table, std::span<const Value> after,
                                          size_t limit) = 0;
    // The greatest key in the table, in read()'s order; nullopt when it is empty.
    virtual Result<std::optional<Row>> last_key(const Table& table) = 0;
    // The value of a cursor, nullopt when it is not set.
    virtual Result<std::optional<std::string>> cursor(std::string_view key) = 0;

    // Inserts `rows` (every column, catalog order) in one transaction; with `upsert`, a row whose
    // key exists replaces it. kAlreadyExists / kInvalidArgument when a row breaks a constraint,
    // naming the table and the batch's keys.
    virtual Status write(const Table& table, std::span<const Row> rows, bool upsert = false) = 0;
    // Removes the row with key `key` (no error when there is none).
    virtual Status remove(const Table& table, std::span<const Value> key) = 0;
    // After a copy: what the backend needs so that new writes continue past the copied rows
    // (PostgreSQL: identity sequences set past the greatest ids, statistics refreshed; SQLite:
    // the WAL folded into the file). Idempotent.
    virtual Status finish_copy() = 0;

    virtual Result<CheckOutcome> run_check(const IntegrityCheck& check, size_t examples) = 0;
    virtual Result<std::vector<Counter>> counters() = 0;
};

// Where a database is, from a store URL (the forms open_store() takes): a SQLite path, or a
// PostgreSQL URL as given. kInvalidArgument for an empty one, an unknown scheme, a malformed
// postgres: URL or sqlite::memory: (nothing to copy or check).
struct DatabaseLocation {
    enum class Backend { kSqlite, kPostgres };
    Backend backend;
    std::string target;  // the file path, or the URL
};
Result<DatabaseLocation> parse_database_url(std::string_view url);

// Opens the database at `url`, which must exist and hold the latest schema, written by this
// version: kNotFound when the file or database is missing or has no Paperboy schema;
// kVersionMismatch for an older or newer schema (the message says what to do); kInternal when
// its tables or columns differ from the catalog (a migration the catalog has not caught up
// with); the errors of opening a store otherwise.
Result<std::unique_ptr<TableIo>> open_table_io(std::string_view url,
                                               const TableIoOptions& options = {});

// The backends' openers, for open_table_io().
namespace sqlite {
Result<std::unique_ptr<TableIo>> open_table_io(const std::string& path,
                                               const TableIoOptions& options);
}
namespace postgres {
Result<std::unique_ptr<TableIo>> open_table_io(const std::string& url,
                                               const TableIoOptions& options);
}

// Shared by both backends' openers: compares the database's tables and columns (schema_version
// and the backend's own tables left out) with the catalog. `columns` holds (table, column)
// pairs in each table's column order.
Status check_catalog(const std::string& database,
                     const std::vector<std::pair<std::string, std::string>>& columns);

// The refusal for a database whose schema is not the latest, naming it and saying what to do.
Error schema_not_latest_error(const std::string& database, int version);

}  // namespace paperboy::store
