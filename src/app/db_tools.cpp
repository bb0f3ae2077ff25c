#include "app/db_tools.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "store/store.h"
#include "store/table_io.h"

namespace paperboy::app {
namespace {

using Clock = std::chrono::steady_clock;
using store::Row;
using store::Table;
using store::TableIo;
using store::Value;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Whether the two URLs name the same SQLite file (PostgreSQL databases cannot be told apart by
// URL: a copy onto its own source is caught by the store.id check instead).
bool same_sqlite_file(std::string_view a, std::string_view b) {
    auto la = store::parse_database_url(a);
    auto lb = store::parse_database_url(b);
    if (!la.ok() || !lb.ok()) return false;
    if (la->backend != store::DatabaseLocation::Backend::kSqlite ||
        lb->backend != store::DatabaseLocation::Backend::kSqlite) {
        return false;
    }
    std::error_code ec;
    if (la->target == lb->target) return true;
    return std::filesystem::equivalent(la->target, lb->target, ec) && !ec;
}

// The first rows of `table` other than the cursors every new database has (its store.id) —
// what makes a destination "not empty".
Result<bool> holds_data(TableIo& io, const Table& table) {
    auto rows = io.read(table, {}, 2);
    if (!rows.ok()) return rows.error();
    if (table.name != "cursors") return !rows->empty();
    for (const Row& row : *rows) {
        if (std::get<std::string>(row[0]) != store::kStoreIdCursor) return true;
    }
    return false;
}

// Refuses a destination that is not empty, naming what it holds.
Status check_empty(TableIo& dst) {
    for (const Table& table : store::tables()) {
        auto has = holds_data(dst, table);
        if (!has.ok()) return has.error();
        if (*has) {
            return Error(ErrorCode::kAlreadyExists,
                         "DST " + dst.name() + " holds data (table " + std::string(table.name) +
                             " is not empty); paperboy db copy writes into an empty database "
                             "only: give it a new file or a new PostgreSQL database");
        }
    }
    return Status::ok_status();
}

// The key of a row: its first columns.
Row key_of(const Table& table, const Row& row) {
    return Row(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(table.key_size));
}

// Copies one table, from after the greatest key the destination holds (all of it on a fresh
// copy). Cursors are upserted: the destination's own store.id gives way to the source's.
Result<TableCopy> copy_table(TableIo& src, TableIo& dst, const Table& table, bool resumed,
                             const CopyOptions& options) {
    const auto started = Clock::now();
    const bool is_cursors = table.name == "cursors";
    TableCopy result;
    result.table = std::string(table.name);
    auto total = src.count(table);
    if (!total.ok()) return total.error();
    result.rows = *total;

    Row after;
    int64_t copied = 0;
    if (resumed && !is_cursors) {
        auto last = dst.last_key(table);
        if (!last.ok()) return last.error();
        if (*last) {
            after = std::move(**last);
            auto already = dst.count(table);
            if (!already.ok()) return already.error();
            copied = *already;
        }
    }
    const size_t batch = std::max<size_t>(options.batch_rows, 1);
    CopyProgress progress;
    progress.table = table.name;
    progress.total = *total;
    for (;;) {
        auto rows = src.read(table, after, batch);
        if (!rows.ok()) return rows.error().with_context("reading SRC");
        if (rows->empty()) break;
        if (Status s = dst.write(table, *rows, /*upsert=*/is_cursors); !s.ok()) {
            // A row the destination refuses (a broken reference, a value its types cannot hold)
            // is a problem of the source's data: a rerun would stop at the same row until it is
            // fixed. (A fix that removes rows already copied fails the count check below.)
            if (s.error().code() == ErrorCode::kUnavailable) return s.error();
            return Error(ErrorCode::kCorruption,
                         s.error().message() +
                             "\nSRC holds a row that DST refuses: fix it in SRC (paperboy db "
                             "check --db SRC lists broken references), then run the copy again");
        }
        copied += static_cast<int64_t>(rows->size());
        result.copied += static_cast<int64_t>(rows->size());
        after = key_of(table, rows->back());
        progress.copied = copied;
        progress.copied_this_run = result.copied;
        progress.seconds = seconds_since(started);
        if (options.on_progress && !options.on_progress(progress)) {
            return Error(ErrorCode::kUnavailable,
                         "copy stopped in table " + std::string(table.name) + " after " +
                             std::to_string(copied) + " of " + std::to_string(*total) +
                             " rows; run the same command again to resume");
        }
        if (rows->size() < batch) break;
    }

    // Every row is there, or the source changed between two runs of this copy (a row added
    // before the point where the first run stopped, or one removed after it).
    auto in_dst = dst.count(table);
    if (!in_dst.ok()) return in_dst.error();
    const int64_t expected = *total + (is_cursors ? 1 : 0);  // + the copy's own marker
    if (*in_dst != expected) {
        return Error(ErrorCode::kCorruption,
                     "table " + std::string(table.name) + ": SRC has " + std::to_string(*total) +
                         " rows but DST has " + std::to_string(*in_dst - (is_cursors ? 1 : 0)) +
                         " after the copy; did SRC change between two runs of an interrupted "
                         "copy? Copy again into an empty database, with writers stopped");
    }
    result.seconds = seconds_since(started);
    progress.copied = *total;
    progress.copied_this_run = result.copied;
    progress.seconds = result.seconds;
    progress.done = true;
    if (options.on_progress && !options.on_progress(progress)) {
        return Error(ErrorCode::kUnavailable, "copy stopped after table " +
                                                  std::string(table.name) +
                                                  "; run the same command again to resume");
    }
    return result;
}

std::string describe_row(const std::vector<std::string>& labels, const Row& row) {
    std::string out;
    for (size_t i = 0; i < row.size(); ++i) {
        if (!out.empty()) out += ' ';
        out += (i < labels.size() ? labels[i] : "?") + "=" + store::describe(row[i]);
    }
    return out;
}

}  // namespace

Result<CopyReport> copy_database(std::string_view source, std::string_view destination,
                                 const CopyOptions& options) {
    if (source == destination || same_sqlite_file(source, destination)) {
        // Named only when a file: a PostgreSQL URL may hold a password.
        auto location = store::parse_database_url(source);
        const bool file =
            location.ok() && location->backend == store::DatabaseLocation::Backend::kSqlite;
        return Error(ErrorCode::kInvalidArgument,
                     "SRC and DST are the same database" +
                         (file ? " (" + location->target + ")" : std::string()));
    }
    auto src = store::open_table_io(source, {.read_only = true});
    if (!src.ok()) return src.error().with_context("SRC");
    auto src_id = (*src)->cursor(store::kStoreIdCursor);
    if (!src_id.ok()) return src_id.error().with_context("SRC");
    if (!*src_id) {
        return Error(ErrorCode::kCorruption, "SRC " + (*src)->name() + " has no " +
                                                 std::string(store::kStoreIdCursor) + " cursor");
    }
    auto src_marker = (*src)->cursor(store::kCopySourceCursor);
    if (!src_marker.ok()) return src_marker.error().with_context("SRC");
    if (*src_marker) {
        return Error(ErrorCode::kInvalidArgument,
                     "SRC " + (*src)->name() + " is an unfinished copy (of store.id " +
                         **src_marker + "); finish that copy first by running it again");
    }

    // The destination's schema, as any command would create it.
    {
        store::OpenOptions open;
        open.pool_size = 1;
        auto created = store::open_store(destination, open);
        if (!created.ok()) return created.error().with_context("DST");
    }
    auto dst = store::open_table_io(destination, {.read_only = false});
    if (!dst.ok()) return dst.error().with_context("DST");

    CopyReport report;
    report.source = (*src)->name();
    report.destination = (*dst)->name();
    report.store_id = **src_id;

    auto marker = (*dst)->cursor(store::kCopySourceCursor);
    if (!marker.ok()) return marker.error();
    if (*marker) {
        if (**marker != **src_id) {
            return Error(ErrorCode::kAlreadyExists,
                         "DST " + (*dst)->name() +
                             " holds an interrupted copy of another database (store.id " +
                             **marker + "), not of SRC (store.id " + **src_id +
                             "); copy into an empty database");
        }
        report.resumed = true;
    } else {
        auto dst_id = (*dst)->cursor(store::kStoreIdCursor);
        if (!dst_id.ok()) return dst_id.error();
        if (*dst_id == *src_id) {
            return Error(ErrorCode::kAlreadyExists,
                         "DST " + (*dst)->name() + " has SRC's store.id (" + **src_id +
                             "): it is a finished copy of SRC, or SRC itself; copy into an "
                             "empty database");
        }
        PAPERBOY_RETURN_IF_ERROR(check_empty(**dst));
        const Table* cursors = store::find_table("cursors");
        const Row mark = {std::string(store::kCopySourceCursor), **src_id};
        PAPERBOY_RETURN_IF_ERROR((*dst)->write(*cursors, std::span<const Row>(&mark, 1), true));
    }

    // One snapshot of the source for the whole run: a consistent copy even while it is written.
    PAPERBOY_RETURN_IF_ERROR((*src)->begin_snapshot());
    for (const Table& table : store::tables()) {
        auto copied = copy_table(**src, **dst, table, report.resumed, options);
        if (!copied.ok()) return copied.error();
        report.tables.push_back(std::move(copied).value());
    }
    PAPERBOY_RETURN_IF_ERROR((*src)->end_snapshot());

    // Counters past the copied values first, the marker last: a copy that stops in between is
    // still unfinished and is finished by a rerun.
    PAPERBOY_RETURN_IF_ERROR((*dst)->finish_copy());
    const Value marker_key[] = {std::string(store::kCopySourceCursor)};
    PAPERBOY_RETURN_IF_ERROR((*dst)->remove(*store::find_table("cursors"), marker_key));
    return report;
}

int64_t CheckReport::problems() const {
    int64_t n = 0;
    for (const CheckFinding& f : findings) n += f.count;
    return n;
}

Result<CheckReport> check_database(std::string_view url, const CheckOptions& options) {
    auto io = store::open_table_io(url, {.read_only = true});
    if (!io.ok()) return io.error();
    CheckReport report;
    report.database = (*io)->name();
    report.backend = std::string((*io)->backend());
    report.schema_version = (*io)->schema_version();

    PAPERBOY_RETURN_IF_ERROR((*io)->begin_snapshot());
    for (const Table& table : store::tables()) {
        auto n = (*io)->count(table);
        if (!n.ok()) return n.error();
        report.tables.push_back(TableCount{std::string(table.name), *n});
    }
    for (const store::IntegrityCheck& check : store::integrity_checks()) {
        auto outcome = (*io)->run_check(check, options.examples);
        if (!outcome.ok()) return outcome.error();
        if (outcome->count == 0) continue;
        CheckFinding finding{check.name, check.table, check.problem, outcome->count, {}};
        for (const Row& row : outcome->examples) {
            finding.where.push_back(describe_row(check.labels, row));
        }
        report.findings.push_back(std::move(finding));
    }
    auto counters = (*io)->counters();
    if (!counters.ok()) return counters.error();
    for (const store::Counter& c : *counters) {
        if (c.next > c.greatest) continue;
        report.findings.push_back(
            CheckFinding{"counter." + c.table + "." + c.column,
                         c.table,
                         "is taken, but " + c.source + " hands out " + std::to_string(c.next) +
                             " next: new rows would reuse " + c.column + " values",
                         1,
                         {c.column + "=" + std::to_string(c.greatest)}});
    }
    auto marker = (*io)->cursor(store::kCopySourceCursor);
    if (!marker.ok()) return marker.error();
    if (*marker) {
        report.findings.push_back(CheckFinding{
            "copy.unfinished",
            "cursors",
            "is set: an interrupted paperboy db copy from the database with this store.id; "
            "run that copy again to finish it",
            1,
            {"key=" + std::string(store::kCopySourceCursor) + " value=" + **marker}});
    }
    PAPERBOY_RETURN_IF_ERROR((*io)->end_snapshot());
    return report;
}

Status backup_database(std::string_view url, const std::string& out, const BackupOptions& options) {
    return store::backup_sqlite(url, out, options);
}

}  // namespace paperboy::app
