#include "store/sqlite/schema.h"

#include <string>

#include "core/timestamp.h"
#include "store/migrations.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

Result<bool> table_exists(sqlite3* db, std::string_view table) {
    auto stmt = Statement::prepare(
        db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", false);
    if (!stmt.ok()) return stmt.error();
    stmt->bind(1, table);
    return stmt->step();
}

// Rolls back an open transaction unless dismissed, so that every early return leaves the
// database as it was.
class RollbackGuard {
  public:
    explicit RollbackGuard(sqlite3* db) : db_(db) {}
    ~RollbackGuard() {
        if (db_ != nullptr) (void)exec(db_, "ROLLBACK", "rolling back a migration");
    }
    RollbackGuard(const RollbackGuard&) = delete;
    RollbackGuard& operator=(const RollbackGuard&) = delete;
    void dismiss() { db_ = nullptr; }

  private:
    sqlite3* db_;
};

}  // namespace

std::string database_name(std::string_view path) {
    return path == ":memory:" ? std::string("in-memory database") : "database " + std::string(path);
}

Result<int> read_schema_version(sqlite3* db, std::string_view path) {
    auto has_version_table = table_exists(db, "schema_version");
    if (!has_version_table.ok()) {
        if (has_version_table.error().code() == ErrorCode::kCorruption) {
            return Error(ErrorCode::kCorruption, database_name(path) +
                                                     " is not a SQLite database or is damaged (" +
                                                     has_version_table.error().message() + ")");
        }
        return has_version_table.error().with_context(database_name(path));
    }
    if (!*has_version_table) {
        auto any = Statement::prepare(db, "SELECT 1 FROM sqlite_master LIMIT 1", false);
        if (!any.ok()) return any.error().with_context(database_name(path));
        auto has_objects = any->step();
        if (!has_objects.ok()) return has_objects.error().with_context(database_name(path));
        if (*has_objects) {
            return Error(ErrorCode::kCorruption,
                         database_name(path) +
                             " is a SQLite database but not a Paperboy one (no schema_version "
                             "table); refusing to modify it");
        }
        return 0;
    }
    auto stmt =
        Statement::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", false);
    if (!stmt.ok()) return stmt.error().with_context(database_name(path));
    auto row = stmt->step();
    if (!row.ok()) return row.error().with_context(database_name(path));
    return stmt->column_int(0);
}

Result<int> migrate(sqlite3* db, std::string_view path) {
    // IMMEDIATE takes the write lock before reading the version, so two processes opening the
    // same old database cannot both apply the same step.
    PAPERBOY_RETURN_IF_ERROR(
        exec(db, "BEGIN IMMEDIATE", "starting a migration of " + database_name(path)));
    RollbackGuard rollback(db);

    auto current = read_schema_version(db, path);
    if (!current.ok()) return current.error();
    const int latest = latest_schema_version();
    if (*current > latest) return newer_schema_error(database_name(path), *current);
    if (*current == latest) {
        rollback.dismiss();
        PAPERBOY_RETURN_IF_ERROR(exec(db, "COMMIT", "finishing a migration"));
        return latest;
    }

    const std::string applied_at = now_timestamp();
    for (const Migration& m : migrations()) {
        if (m.version <= *current) continue;
        const std::string context =
            "upgrading " + database_name(path) + " to schema version " + std::to_string(m.version);
        PAPERBOY_RETURN_IF_ERROR(exec(db, m.sqlite, context));
        auto record = Statement::prepare(
            db, "INSERT INTO schema_version (version, description, applied_at) VALUES (?1, ?2, ?3)",
            false);
        if (!record.ok()) return record.error().with_context(context);
        record->bind(1, m.version);
        record->bind(2, m.description);
        record->bind(3, applied_at);
        PAPERBOY_RETURN_IF_ERROR(record->run());
    }
    rollback.dismiss();
    if (Status s = exec(db, "COMMIT", "committing a migration of " + database_name(path));
        !s.ok()) {
        (void)exec(db, "ROLLBACK", "rolling back a migration");
        return s.error();
    }
    return latest;
}

}  // namespace paperboy::store::sqlite
