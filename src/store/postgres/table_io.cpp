// The PostgreSQL TableIo (store/table_io.h): one connection of its own (connection.h). Reads are
// statements built from the catalog's names with $n parameters; a batch of rows goes in with
// COPY FROM STDIN in its text format (values escaped as data, never part of a statement), the
// fastest way into PostgreSQL, inside a transaction.
#include "store/table_io.h"

#include <libpq-fe.h>

#include <charconv>
#include <memory>
#include <optional>

#include "store/migrations.h"
#include "store/postgres/connection.h"
#include "store/postgres/schema.h"

namespace paperboy::store::postgres {
namespace {

// COPY data is handed to libpq in pieces of about this size.
constexpr size_t kCopyChunk = size_t{1} << 20;

std::string quoted(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

std::string column_list(const Table& t) {
    std::string out;
    for (const Column& c : t.columns) out += (out.empty() ? "" : ", ") + quoted(c.name);
    return out;
}

std::string key_list(const Table& t, std::string_view suffix = {}) {
    std::string out;
    for (const Column& c : t.key()) {
        out += (out.empty() ? "" : ", ") + quoted(c.name) + std::string(suffix);
    }
    return out;
}

std::string trimmed(const char* message) {
    std::string out = message != nullptr ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

void append_hex(std::string& out, std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    }
}

// A value as a text-format parameter (nullopt for NULL): booleans as t/f, bytea in hex.
std::optional<std::string> text_param(const Column& c, const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
    if (const auto* n = std::get_if<int64_t>(&v)) {
        if (c.type == ColumnType::kBoolean) return std::string(*n != 0 ? "t" : "f");
        return std::to_string(*n);
    }
    const std::string& s = std::get<std::string>(v);
    if (c.type != ColumnType::kBytes) return s;
    std::string hex = "\\x";
    append_hex(hex, s);
    return hex;
}

// Appends a value as a field of COPY's text format: \N for NULL, and a backslash before
// backslashes and the separators (tab, newline, carriage return), which are the only bytes the
// format gives a meaning.
void append_copy_field(std::string& out, const Column& c, const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) {
        out += "\\N";
        return;
    }
    if (const auto* n = std::get_if<int64_t>(&v)) {
        if (c.type == ColumnType::kBoolean) {
            out += *n != 0 ? 't' : 'f';
        } else {
            out += std::to_string(*n);
        }
        return;
    }
    const std::string& s = std::get<std::string>(v);
    if (c.type == ColumnType::kBytes) {
        out += "\\\\x";  // COPY turns "\\" into "\": bytea's hex input "\x..."
        append_hex(out, s);
        return;
    }
    for (const char ch : s) {
        switch (ch) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out += ch;
        }
    }
}

class PostgresTableIo final : public TableIo {
  public:
    PostgresTableIo(std::unique_ptr<Connection> conn, std::string name, int version)
        : conn_(std::move(conn)), name_(std::move(name)), version_(version) {}

    const std::string& name() const override { return name_; }
    std::string_view backend() const override { return "postgresql"; }
    int schema_version() const override { return version_; }

    Status begin_snapshot() override {
        auto r = conn_->run(Query::kBeginSnapshot);
        if (!r.ok()) return r.error();
        return Status::ok_status();
    }

    Status end_snapshot() override {
        if (!conn_->in_transaction()) return Status::ok_status();
        auto r = conn_->run(Query::kCommit);
        if (!r.ok()) return r.error();
        return Status::ok_status();
    }

    Result<int64_t> count(const Table& table) override {
        auto r = query("SELECT COUNT(*) FROM " + quoted(table.name), {},
                       "counting " + std::string(table.name));
        if (!r.ok()) return r.error();
        return r->int64(0, 0);
    }

    Result<std::vector<Row>> read(const Table& table, std::span<const Value> after,
                                  size_t limit) override {
        std::vector<std::optional<std::string>> params;
        std::string sql = "SELECT " + column_list(table) + " FROM " + quoted(table.name);
        if (!after.empty()) {
            std::string right;
            for (size_t i = 0; i < table.key_size && i < after.size(); ++i) {
                right += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
                params.push_back(text_param(table.columns[i], after[i]));
            }
            sql += " WHERE (" + key_list(table) + ") > (" + right + ")";
        }
        params.push_back(std::to_string(limit));
        sql += " ORDER BY " + key_list(table) + " LIMIT $" + std::to_string(params.size());
        auto r = query(sql, params, "reading " + std::string(table.name));
        if (!r.ok()) return r.error();
        std::vector<Row> rows;
        rows.reserve(static_cast<size_t>(r->rows()));
        for (int i = 0; i < r->rows(); ++i) {
            auto row = read_row(*r, i, table, table.columns.size());
            if (!row.ok()) return row.error();
            rows.push_back(std::move(row).value());
        }
        return rows;
    }

    Result<std::optional<Row>> last_key(const Table& table) override {
        auto r = query("SELECT " + key_list(table) + " FROM " + quoted(table.name) + " ORDER BY " +
                           key_list(table, " DESC") + " LIMIT 1",
                       {}, "reading " + std::string(table.name));
        if (!r.ok()) return r.error();
        if (r->rows() == 0) return std::optional<Row>();
        auto key = read_row(*r, 0, table, table.key_size);
        if (!key.ok()) return key.error();
        return std::optional<Row>(std::move(key).value());
    }

    Result<std::optional<std::string>> cursor(std::string_view key) override {
        auto r = query("SELECT value FROM cursors WHERE key = $1", {std::string(key)},
                       "reading cursors");
        if (!r.ok()) return r.error();
        if (r->rows() == 0) return std::optional<std::string>();
        return std::optional<std::string>(r->string(0, 0));
    }

    Status write(const Table& table, std::span<const Row> rows, bool upsert) override {
        if (rows.empty()) return Status::ok_status();
        const std::string context = "writing " + std::to_string(rows.size()) + " rows to " +
                                    std::string(table.name) + " (" +
                                    describe_key(table, rows.front()) + " to " +
                                    describe_key(table, rows.back()) + ")";
        for (const Row& row : rows) {
            if (row.size() != table.columns.size()) {
                return Error(ErrorCode::kInternal, name_ + ": " + context + ": a row of " +
                                                       std::to_string(row.size()) + " values");
            }
        }
        Transaction transaction(*conn_);
        PAPERBOY_RETURN_IF_ERROR(transaction.begin());
        PAPERBOY_RETURN_IF_ERROR(upsert ? upsert_rows(table, rows, context)
                                        : copy_rows(table, rows, context));
        return transaction.commit();
    }

    Status remove(const Table& table, std::span<const Value> key) override {
        std::string sql = "DELETE FROM " + quoted(table.name) + " WHERE ";
        std::vector<std::optional<std::string>> params;
        for (size_t i = 0; i < table.key_size && i < key.size(); ++i) {
            sql += (i == 0 ? "" : " AND ") + quoted(table.columns[i].name) + " = $" +
                   std::to_string(i + 1);
            params.push_back(text_param(table.columns[i], key[i]));
        }
        auto r = query(sql, params, "removing from " + std::string(table.name));
        if (!r.ok()) return r.error();
        return Status::ok_status();
    }

    Status finish_copy() override {
        std::string analyze;
        for (const Table& t : tables()) {
            analyze += (analyze.empty() ? "ANALYZE " : ", ") + quoted(t.name);
            if (t.generated_id.empty()) continue;
            // The identity's next value past the greatest copied id (copied rows kept their
            // ids, which the sequence did not hand out); an empty table keeps its sequence.
            auto r = query("SELECT setval(pg_get_serial_sequence($1, $2)::regclass, MAX(" +
                               quoted(t.generated_id) + ")) FROM " + quoted(t.name) +
                               " HAVING MAX(" + quoted(t.generated_id) + ") IS NOT NULL",
                           {std::string(t.name), std::string(t.generated_id)},
                           "moving the identity of " + std::string(t.name));
            if (!r.ok()) return r.error();
        }
        // The change feed has no counter of its own: writers take MAX(seq) + 1 under the feed
        // lock (postgres/rows.h), which is past the copied seqs already. Fresh statistics give
        // the planner the copied tables' real sizes at once.
        return conn_->exec_script(analyze.c_str(), "analysing the copied tables");
    }

    Result<CheckOutcome> run_check(const IntegrityCheck& check, size_t examples) override {
        CheckOutcome out;
        auto counted = query("SELECT COUNT(*) FROM (" + check.sql + ") AS listed", {},
                             "checking " + check.name);
        if (!counted.ok()) return counted.error();
        out.count = counted->int64(0, 0);
        if (out.count == 0 || examples == 0) return out;
        auto r =
            query(check.sql + " LIMIT $1", {std::to_string(examples)}, "checking " + check.name);
        if (!r.ok()) return r.error();
        const int columns = PQnfields(r->get());
        for (int i = 0; i < r->rows(); ++i) {
            Row row;
            for (int c = 0; c < columns; ++c) {
                if (r->is_null(i, c)) {
                    row.emplace_back(std::monostate{});
                } else {
                    row.emplace_back(r->string(i, c));
                }
            }
            out.examples.push_back(std::move(row));
        }
        return out;
    }

    Result<std::vector<Counter>> counters() override {
        std::vector<Counter> out;
        auto feed = query("SELECT COALESCE(MAX(seq), 0) FROM changes", {}, "reading the feed");
        if (!feed.ok()) return feed.error();
        out.push_back(Counter{"changes", "seq", "MAX(changes.seq)", feed->int64(0, 0) + 1,
                              feed->int64(0, 0)});
        for (const Table& t : tables()) {
            if (t.generated_id.empty()) continue;
            // pg_sequence_last_value() is NULL before the first value is handed out: the next
            // is then the start value, 1.
            auto r = query(
                "SELECT pg_get_serial_sequence($1, $2), "
                "COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, "
                "$2)::regclass), 0), (SELECT COALESCE(MAX(" +
                    quoted(t.generated_id) + "), 0) FROM " + quoted(t.name) + ")",
                {std::string(t.name), std::string(t.generated_id)},
                "reading the identity of " + std::string(t.name));
            if (!r.ok()) return r.error();
            out.push_back(Counter{std::string(t.name), std::string(t.generated_id), r->string(0, 0),
                                  r->int64(0, 1) + 1, r->int64(0, 2)});
        }
        return out;
    }

  private:
    // The error of a failed call, coded by its SQLSTATE (kUnavailable when the connection
    // broke): "<database>: <what>: <PostgreSQL's message>".
    Error failure(const PGresult* result, std::string_view what) const {
        const char* state =
            result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
        std::string message = trimmed(result != nullptr ? PQresultErrorMessage(result) : "");
        if (message.empty()) message = trimmed(PQerrorMessage(conn_->raw()));
        const ErrorCode code = conn_->broken()
                                   ? ErrorCode::kUnavailable
                                   : error_code_for_sqlstate(state != nullptr ? state : "");
        return Error(code, name_ + ": " + std::string(what) + ": " + message);
    }

    // Runs `sql` (built from the catalog's names) with text parameters.
    Result<PgResult> query(const std::string& sql,
                           const std::vector<std::optional<std::string>>& params,
                           std::string_view what) {
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
        PgResult r(PQexecParams(conn_->raw(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0));
        const ExecStatusType status = PQresultStatus(r.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(r.get(), what);
        return r;
    }

    Status copy_rows(const Table& table, std::span<const Row> rows, const std::string& context) {
        PGconn* conn = conn_->raw();
        const std::string sql =
            "COPY " + quoted(table.name) + " (" + column_list(table) + ") FROM STDIN";
        {
            PgResult started(PQexec(conn, sql.c_str()));
            if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
                return failure(started.get(), context);
            }
        }
        std::string buffer;
        buffer.reserve(kCopyChunk + 4096);
        bool sent = true;
        for (const Row& row : rows) {
            for (size_t i = 0; i < row.size(); ++i) {
                if (i > 0) buffer += '\t';
                append_copy_field(buffer, table.columns[i], row[i]);
            }
            buffer += '\n';
            if (buffer.size() >= kCopyChunk) {
                sent = PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) == 1;
                buffer.clear();
                if (!sent) break;
            }
        }
        if (sent && !buffer.empty()) {
            sent = PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) == 1;
        }
        if (PQputCopyEnd(conn, sent ? nullptr : "sending failed") != 1) {
            return failure(nullptr, context);
        }
        // The COPY's outcome, then the end of results.
        std::optional<Error> error;
        while (PGresult* raw = PQgetResult(conn)) {
            PgResult r(raw);
            if (PQresultStatus(raw) != PGRES_COMMAND_OK && !error) error = failure(raw, context);
        }
        if (error) return *error;
        if (!sent) return failure(nullptr, context);
        return Status::ok_status();
    }

    Status upsert_rows(const Table& table, std::span<const Row> rows, const std::string& context) {
        std::string values;
        for (size_t i = 0; i < table.columns.size(); ++i) {
            values += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
        }
        std::string set;
        for (const Column& c : table.columns.subspan(table.key_size)) {
            set += (set.empty() ? "" : ", ") + quoted(c.name) + " = excluded." + quoted(c.name);
        }
        const std::string sql = "INSERT INTO " + quoted(table.name) + " (" + column_list(table) +
                                ") VALUES (" + values + ") ON CONFLICT (" + key_list(table) +
                                ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
        for (const Row& row : rows) {
            std::vector<std::optional<std::string>> params;
            for (size_t i = 0; i < row.size(); ++i) {
                params.push_back(text_param(table.columns[i], row[i]));
            }
            auto r = query(sql, params, context + ", at " + describe_key(table, row));
            if (!r.ok()) return r.error();
        }
        return Status::ok_status();
    }

    // The first `columns` columns of row `i`, by the catalog's types.
    Result<Row> read_row(const PgResult& r, int i, const Table& table, size_t columns) const {
        Row row;
        row.reserve(columns);
        for (size_t c = 0; c < columns; ++c) {
            const Column& column = table.columns[c];
            const int col = static_cast<int>(c);
            if (r.is_null(i, col)) {
                row.emplace_back(std::monostate{});
                continue;
            }
            switch (column.type) {
                case ColumnType::kText:
                    row.emplace_back(r.string(i, col));
                    break;
                case ColumnType::kBytes:
                    row.emplace_back(r.bytes(i, col));
                    break;
                case ColumnType::kBoolean:
                    row.emplace_back(int64_t{r.text(i, col) == "t" ? 1 : 0});
                    break;
                case ColumnType::kInteger: {
                    const std::string_view text = r.text(i, col);
                    int64_t n = 0;
                    const auto [end, ec] =
                        std::from_chars(text.data(), text.data() + text.size(), n);
                    if (ec != std::errc() || end != text.data() + text.size()) {
                        return Error(ErrorCode::kCorruption,
                                     name_ + ": table " + std::string(table.name) + ", " +
                                         describe_key(table, row) + ": column " +
                                         std::string(column.name) + " holds \"" +
                                         std::string(text) + "\", not an integer");
                    }
                    row.emplace_back(n);
                    break;
                }
            }
        }
        return row;
    }

    std::unique_ptr<Connection> conn_;
    const std::string name_;
    const int version_;
};

}  // namespace

Result<std::unique_ptr<TableIo>> open_table_io(const std::string& url,
                                               const TableIoOptions& options) {
    const std::string name = database_name(url);
    ConnectSettings settings;
    settings.url = url;
    settings.connect_timeout_s = options.connect_timeout_s;
    settings.read_only = options.read_only;
    auto conn = Connection::open(settings, name);
    if (!conn.ok()) return conn.error();
    auto version = read_schema_version(**conn, name);
    if (!version.ok()) return version.error();
    if (*version != latest_schema_version()) return schema_not_latest_error(name, *version);

    PgResult columns(
        PQexec((*conn)->raw(),
               "SELECT c.relname, a.attname FROM pg_class c "
               "JOIN pg_namespace n ON n.oid = c.relnamespace "
               "JOIN pg_attribute a ON a.attrelid = c.oid "
               "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
               "AND NOT a.attisdropped ORDER BY c.relname, a.attnum"));
    if (PQresultStatus(columns.get()) != PGRES_TUPLES_OK) {
        return Error(ErrorCode::kInternal, name + ": reading the tables' columns: " +
                                               trimmed(PQresultErrorMessage(columns.get())));
    }
    std::vector<std::pair<std::string, std::string>> found;
    for (int i = 0; i < columns.rows(); ++i) {
        found.emplace_back(columns.string(i, 0), columns.string(i, 1));
    }
    PAPERBOY_RETURN_IF_ERROR(check_catalog(name, found));
    return std::unique_ptr<TableIo>(new PostgresTableIo(std::move(conn).value(), name, *version));
}

}  // namespace paperboy::store::postgres
