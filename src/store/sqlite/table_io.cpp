// The SQLite TableIo (store/table_io.h): one connection of its own to the file, statements
// built from the catalog's names with every value bound.
#include "store/table_io.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "store/migrations.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;

std::string quoted(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

std::string column_list(const Table& t) {
    std::string out;
    for (const Column& c : t.columns) out += (out.empty() ? "" : ", ") + quoted(c.name);
    return out;
}

// A key column as read()'s order compares it: text bytewise (organizations.name is declared
// NOCASE, and PostgreSQL's copy of it compares bytewise), so that both backends walk a table in
// the same order and a resumed copy continues where the other side stopped.
std::string key_term(const Column& c) {
    return c.type == ColumnType::kInteger ? quoted(c.name) : quoted(c.name) + " COLLATE BINARY";
}

std::string order_by(const Table& t, bool descending) {
    std::string out;
    for (const Column& c : t.key()) {
        out += (out.empty() ? "" : ", ") + key_term(c) + (descending ? " DESC" : "");
    }
    return out;
}

// "(k1, k2) > (?1, ?2)" (a row value), or "k1 > ?1".
std::string after_condition(const Table& t) {
    std::string left;
    std::string right;
    int i = 1;
    for (const Column& c : t.key()) {
        left += (left.empty() ? "" : ", ") + key_term(c);
        right += (right.empty() ? "" : ", ") + std::string("?") + std::to_string(i++);
    }
    if (t.key_size == 1) return left + " > " + right;
    return "(" + left + ") > (" + right + ")";
}

struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

Status bind_value(Statement& s, int index, const Value& v) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(s.get(), index);
    } else if (const auto* n = std::get_if<int64_t>(&v)) {
        s.bind(index, *n);
    } else {
        s.bind(index, std::string_view(std::get<std::string>(v)));
    }
    if (rc != SQLITE_OK) return sqlite_error(nullptr, rc, "binding a value");
    return Status::ok_status();
}

// A column of the current row as it is stored: any type (check listings).
Value any_value(const Statement& s, int col) {
    switch (sqlite3_column_type(s.get(), col)) {
        case SQLITE_NULL:
            return std::monostate{};
        case SQLITE_INTEGER:
            return s.column_int64(col);
        default:
            return s.column_string(col);
    }
}

class SqliteTableIo final : public TableIo {
  public:
    SqliteTableIo(SqliteHandle db, std::string name, int version)
        : db_(std::move(db)), name_(std::move(name)), version_(version) {}
    ~SqliteTableIo() override {
        if (sqlite3_get_autocommit(db_.get()) == 0) (void)exec(db_.get(), "ROLLBACK", "ending");
    }

    const std::string& name() const override { return name_; }
    std::string_view backend() const override { return "sqlite"; }
    int schema_version() const override { return version_; }

    Status begin_snapshot() override {
        // A deferred BEGIN starts the read transaction at the first read: make that now.
        PAPERBOY_RETURN_IF_ERROR(in_db(exec(db_.get(), "BEGIN", "starting a read")));
        auto first = prepare("SELECT COUNT(*) FROM sqlite_master");
        if (!first.ok()) return first.error();
        return in_db(first->run());
    }

    Status end_snapshot() override {
        if (sqlite3_get_autocommit(db_.get()) != 0) return Status::ok_status();
        return in_db(exec(db_.get(), "COMMIT", "ending a read"));
    }

    Result<int64_t> count(const Table& table) override {
        auto s = prepare("SELECT COUNT(*) FROM " + quoted(table.name));
        if (!s.ok()) return s.error();
        auto row = s->step();
        if (!row.ok()) return in_db(row.error(), "counting " + std::string(table.name));
        return s->column_int64(0);
    }

    Result<std::vector<Row>> read(const Table& table, std::span<const Value> after,
                                  size_t limit) override {
        std::string sql = "SELECT " + column_list(table) + " FROM " + quoted(table.name);
        if (!after.empty()) sql += " WHERE " + after_condition(table);
        sql +=
            " ORDER BY " + order_by(table, false) + " LIMIT ?" + std::to_string(table.key_size + 1);
        auto s = prepare(sql);
        if (!s.ok()) return s.error();
        for (size_t i = 0; i < after.size() && i < table.key_size; ++i) {
            PAPERBOY_RETURN_IF_ERROR(bind_value(*s, static_cast<int>(i + 1), after[i]));
        }
        s->bind(static_cast<int>(table.key_size + 1), static_cast<int64_t>(limit));
        std::vector<Row> rows;
        for (;;) {
            auto more = s->step();
            if (!more.ok()) return in_db(more.error(), "reading " + std::string(table.name));
            if (!*more) break;
            auto row = read_row(*s, table);
            if (!row.ok()) return row.error();
            rows.push_back(std::move(row).value());
        }
        return rows;
    }

    Result<std::optional<Row>> last_key(const Table& table) override {
        std::string keys;
        for (const Column& c : table.key()) keys += (keys.empty() ? "" : ", ") + quoted(c.name);
        auto s = prepare("SELECT " + keys + " FROM " + quoted(table.name) + " ORDER BY " +
                         order_by(table, true) + " LIMIT 1");
        if (!s.ok()) return s.error();
        auto found = s->step();
        if (!found.ok()) return in_db(found.error(), "reading " + std::string(table.name));
        if (!*found) return std::optional<Row>();
        Row key;
        for (size_t i = 0; i < table.key_size; ++i) {
            key.push_back(any_value(*s, static_cast<int>(i)));
        }
        return std::optional<Row>(std::move(key));
    }

    Result<std::optional<std::string>> cursor(std::string_view key) override {
        auto s = prepare("SELECT value FROM cursors WHERE key = ?1");
        if (!s.ok()) return s.error();
        s->bind(1, key);
        auto found = s->step();
        if (!found.ok()) return in_db(found.error(), "reading cursors");
        if (!*found) return std::optional<std::string>();
        return std::optional<std::string>(s->column_string(0));
    }

    Status write(const Table& table, std::span<const Row> rows, bool upsert) override {
        if (rows.empty()) return Status::ok_status();
        const std::string context = "writing " + std::to_string(rows.size()) + " rows to " +
                                    std::string(table.name) + " (" +
                                    describe_key(table, rows.front()) + " to " +
                                    describe_key(table, rows.back()) + ") in " + name_;
        std::string sql =
            "INSERT INTO " + quoted(table.name) + " (" + column_list(table) + ") VALUES (";
        for (size_t i = 0; i < table.columns.size(); ++i) {
            sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
        }
        sql += ")";
        if (upsert) sql += upsert_clause(table);
        Transaction transaction(db_.get());
        if (Status s = transaction.begin(); !s.ok()) return s.error().with_context(context);
        auto insert = prepare(sql);
        if (!insert.ok()) return insert.error();
        for (const Row& row : rows) {
            if (row.size() != table.columns.size()) {
                return Error(ErrorCode::kInternal,
                             context + ": a row of " + std::to_string(row.size()) + " values");
            }
            for (size_t i = 0; i < row.size(); ++i) {
                PAPERBOY_RETURN_IF_ERROR(bind_value(*insert, static_cast<int>(i + 1), row[i]));
            }
            if (Status s = insert->run(); !s.ok()) {
                return s.error().with_context(context + ", at " + describe_key(table, row));
            }
            insert->reset();
        }
        if (Status s = transaction.commit(); !s.ok()) return s.error().with_context(context);
        return Status::ok_status();
    }

    Status remove(const Table& table, std::span<const Value> key) override {
        std::string sql = "DELETE FROM " + quoted(table.name) + " WHERE ";
        for (size_t i = 0; i < table.key_size; ++i) {
            sql += (i == 0 ? "" : " AND ") + quoted(table.columns[i].name) + " = ?" +
                   std::to_string(i + 1);
        }
        auto s = prepare(sql);
        if (!s.ok()) return s.error();
        for (size_t i = 0; i < key.size() && i < table.key_size; ++i) {
            PAPERBOY_RETURN_IF_ERROR(bind_value(*s, static_cast<int>(i + 1), key[i]));
        }
        return in_db(s->run(), "removing from " + std::string(table.name));
    }

    Status finish_copy() override {
        // AUTOINCREMENT (the feed's seq) and rowids (every id) continue past the copied values
        // by themselves; only the write-ahead log, as large as the copy, is folded into the
        // file.
        return in_db(exec(db_.get(), "PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing"));
    }

    Result<CheckOutcome> run_check(const IntegrityCheck& check, size_t examples) override {
        CheckOutcome out;
        {
            auto s = prepare("SELECT COUNT(*) FROM (" + check.sql + ")");
            if (!s.ok()) return s.error();
            auto row = s->step();
            if (!row.ok()) return in_db(row.error(), "checking " + check.name);
            out.count = s->column_int64(0);
        }
        if (out.count == 0 || examples == 0) return out;
        auto s = prepare(check.sql + " LIMIT ?1");
        if (!s.ok()) return s.error();
        s->bind(1, static_cast<int64_t>(examples));
        for (;;) {
            auto more = s->step();
            if (!more.ok()) return in_db(more.error(), "checking " + check.name);
            if (!*more) break;
            Row row;
            for (int i = 0; i < sqlite3_column_count(s->get()); ++i) {
                row.push_back(any_value(*s, i));
            }
            out.examples.push_back(std::move(row));
        }
        return out;
    }

    Result<std::vector<Counter>> counters() override {
        auto s = prepare(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0), "
            "COALESCE((SELECT MAX(seq) FROM changes), 0)");
        if (!s.ok()) return s.error();
        auto row = s->step();
        if (!row.ok()) return in_db(row.error(), "reading the feed's counter");
        // Every id is a rowid, which SQLite takes past the greatest one: only the feed has a
        // counter of its own.
        return std::vector<Counter>{Counter{"changes", "seq", "sqlite_sequence",
                                            s->column_int64(0) + 1, s->column_int64(1)}};
    }

  private:
    Result<Statement> prepare(const std::string& sql) {
        auto s = Statement::prepare(db_.get(), sql, false);
        if (!s.ok()) return s.error().with_context(name_);
        return s;
    }

    Error in_db(const Error& e, std::string_view what = {}) const {
        return e.with_context(what.empty() ? name_ : std::string(what) + " in " + name_);
    }
    Status in_db(const Status& s, std::string_view what = {}) const {
        if (s.ok()) return s;
        return in_db(s.error(), what);
    }

    // The columns of the current row by the catalog's types; an integer column holding
    // anything but an integer (or NULL) is refused rather than converted, so that what is
    // copied is what is stored.
    Result<Row> read_row(const Statement& s, const Table& table) const {
        Row row;
        row.reserve(table.columns.size());
        for (size_t i = 0; i < table.columns.size(); ++i) {
            const Column& c = table.columns[i];
            const int col = static_cast<int>(i);
            const int type = sqlite3_column_type(s.get(), col);
            if (type == SQLITE_NULL) {
                row.emplace_back(std::monostate{});
                continue;
            }
            if (c.type == ColumnType::kText || c.type == ColumnType::kBytes) {
                row.emplace_back(s.column_string(col));
                continue;
            }
            if (type != SQLITE_INTEGER) {
                return Error(ErrorCode::kCorruption,
                             name_ + ": table " + std::string(table.name) + ", " +
                                 describe_key(table, row) + ": column " + std::string(c.name) +
                                 " holds \"" + s.column_string(col) + "\", not an integer");
            }
            const int64_t n = s.column_int64(col);
            if (c.type == ColumnType::kBoolean && n != 0 && n != 1) {
                return Error(ErrorCode::kCorruption,
                             name_ + ": table " + std::string(table.name) + ", " +
                                 describe_key(table, row) + ": column " + std::string(c.name) +
                                 " holds " + std::to_string(n) + ", not 0 or 1");
            }
            row.emplace_back(n);
        }
        return row;
    }

    static std::string upsert_clause(const Table& table) {
        std::string keys;
        for (const Column& c : table.key()) keys += (keys.empty() ? "" : ", ") + quoted(c.name);
        std::string set;
        for (const Column& c : table.columns.subspan(table.key_size)) {
            set += (set.empty() ? "" : ", ") + quoted(c.name) + " = excluded." + quoted(c.name);
        }
        if (set.empty()) return " ON CONFLICT (" + keys + ") DO NOTHING";
        return " ON CONFLICT (" + keys + ") DO UPDATE SET " + set;
    }

    SqliteHandle db_;
    const std::string name_;
    const int version_;
};

}  // namespace

Result<std::unique_ptr<TableIo>> open_table_io(const std::string& path,
                                               const TableIoOptions& options) {
    const std::string name = database_name(path);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return Error(ErrorCode::kNotFound, name + " does not exist");
    }
    if (std::filesystem::is_directory(path, ec)) {
        return Error(ErrorCode::kInvalidArgument, name + " is a directory, not a database file");
    }
    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    SqliteHandle db(raw);
    if (rc != SQLITE_OK) {
        return Error(ErrorCode::kIo,
                     "cannot open " + name + ": " +
                         (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    if (!options.read_only) {
        PAPERBOY_RETURN_IF_ERROR(exec(db.get(), "PRAGMA foreign_keys = ON", "opening " + name));
    }

    auto version = read_schema_version(db.get(), path);
    if (!version.ok()) return version.error();
    if (*version != latest_schema_version()) return schema_not_latest_error(name, *version);

    auto columns = Statement::prepare(
        db.get(),
        "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c "
        "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY m.name, c.cid",
        false);
    if (!columns.ok()) return columns.error().with_context(name);
    std::vector<std::pair<std::string, std::string>> found;
    for (;;) {
        auto row = columns->step();
        if (!row.ok()) return row.error().with_context(name);
        if (!*row) break;
        found.emplace_back(columns->column_string(0), columns->column_string(1));
    }
    PAPERBOY_RETURN_IF_ERROR(check_catalog(name, found));
    return std::unique_ptr<TableIo>(new SqliteTableIo(std::move(db), name, *version));
}

}  // namespace paperboy::store::sqlite
