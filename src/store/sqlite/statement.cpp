#include "store/sqlite/statement.h"

#include <utility>

namespace paperboy::store::sqlite {

ErrorCode error_code_for(int rc) {
    switch (rc & 0xff) {
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
        case SQLITE_FORMAT:
        case SQLITE_SCHEMA:
            return ErrorCode::kCorruption;
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_PERM:
        case SQLITE_READONLY:
        case SQLITE_PROTOCOL:
            return ErrorCode::kIo;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return ErrorCode::kUnavailable;
        case SQLITE_CONSTRAINT:
        case SQLITE_TOOBIG:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
            return ErrorCode::kInvalidArgument;
        default:
            return ErrorCode::kInternal;
    }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
    // sqlite3_errmsg describes the latest failure on the connection, which is more specific
    // ("no such table: papers") than sqlite3_errstr's description of the code alone; use it
    // when it is about this code.
    std::string detail = sqlite3_errstr(rc);
    if (db != nullptr && sqlite3_extended_errcode(db) == rc) detail = sqlite3_errmsg(db);
    return Error(error_code_for(rc), std::string(context) + ": " + detail);
}

Status exec(sqlite3* db, const char* sql, std::string_view context) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return Status::ok_status();
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Error(error_code_for(rc), std::string(context) + ": " + detail);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      stmt_(std::exchange(o.stmt_, nullptr)),
      bind_rc_(std::exchange(o.bind_rc_, SQLITE_OK)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(stmt_);
        db_ = std::exchange(o.db_, nullptr);
        stmt_ = std::exchange(o.stmt_, nullptr);
        bind_rc_ = std::exchange(o.bind_rc_, SQLITE_OK);
    }
    return *this;
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql, bool persistent) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return sqlite_error(db, rc, "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
    }
    return Statement(db, stmt);
}

void Statement::bind(int index, std::string_view text) {
    // A null data pointer would bind NULL; the columns are NOT NULL, so give "" a real pointer.
    const char* data = text.data() != nullptr ? text.data() : "";
    const int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind(int index, int64_t n) {
    const int rc = sqlite3_bind_int64(stmt_, index, n);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Result<bool> Statement::step() {
    if (bind_rc_ != SQLITE_OK) return sqlite_error(db_, bind_rc_, "binding a value");
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, rc,
                        "running \"" + std::string(sqlite3_sql(stmt_)).substr(0, 60) + "\"");
}

Status Statement::run() {
    for (;;) {
        auto row = step();
        if (!row.ok()) return row.error();
        if (!*row) return Status::ok_status();
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_rc_ = SQLITE_OK;
}

std::string_view Statement::column_text(int col) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (text == nullptr) return {};
    return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

int Statement::column_int(int col) const { return sqlite3_column_int(stmt_, col); }

bool Statement::column_is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Transaction::~Transaction() {
    if (open_) (void)exec(db_, "ROLLBACK", "rolling back");
}

Status Transaction::begin() {
    PAPERBOY_RETURN_IF_ERROR(exec(db_, "BEGIN IMMEDIATE", "starting a transaction"));
    open_ = true;
    return Status::ok_status();
}

Status Transaction::commit() {
    PAPERBOY_RETURN_IF_ERROR(exec(db_, "COMMIT", "committing"));
    open_ = false;
    return Status::ok_status();
}

}  // namespace paperboy::store::sqlite
