// store/backup.h over SQLite's online backup API (sqlite3_backup_init/step/finish).
#include "store/backup.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>

#include "store/sqlite/schema.h"
#include "store/sqlite/statement.h"
#include "store/table_io.h"

namespace paperboy::store {
namespace {

namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;
// A step that finds the destination busy waits this long before trying again, at most
// kMaxBusyRetries times (the destination is our own new file, so this is rare).
constexpr std::chrono::milliseconds kBusyPause{20};
constexpr int kMaxBusyRetries = 250;

struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

// The temporary file of a backup and its journal, removed unless the backup was renamed into
// place.
class TempFile {
  public:
    explicit TempFile(std::string path) : path_(std::move(path)) {}
    ~TempFile() {
        if (path_.empty()) return;
        std::error_code ec;
        fs::remove(path_, ec);
        fs::remove(path_ + "-journal", ec);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }
    void keep() { path_.clear(); }

  private:
    std::string path_;
};

Result<SqliteHandle> open_file(const std::string& path, int flags, std::string_view what) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    SqliteHandle db(raw);
    if (rc != SQLITE_OK) {
        return Error(ErrorCode::kIo,
                     "cannot open " + std::string(what) + ": " +
                         (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    return db;
}

// A new empty file beside `out` ("OUT.partial-XXXXXX"), so that the final rename stays on one
// file system.
Result<std::string> make_temp_beside(const std::string& out) {
    std::string pattern = out + ".partial-XXXXXX";
    const int fd = mkstemp(pattern.data());
    if (fd < 0) {
        return Error(ErrorCode::kIo, "cannot create " + pattern + ": " +
                                         std::error_code(errno, std::generic_category()).message());
    }
    close(fd);
    return pattern;
}

}  // namespace

Status backup_sqlite(std::string_view url, const std::string& out, const BackupOptions& options) {
    auto location = parse_database_url(url);
    if (!location.ok()) return location.error();
    if (location->backend == DatabaseLocation::Backend::kPostgres) {
        // The URL is not repeated: it may hold a password.
        return Error(
            ErrorCode::kInvalidArgument,
            "that is a PostgreSQL URL; paperboy db backup copies SQLite files only. Back up "
            "PostgreSQL with its own tools: pg_dump -Fc (or pg_basebackup with WAL "
            "archiving), see docs/deploy.md, \"Backups\"");
    }
    const std::string& path = location->target;
    const std::string name = sqlite::database_name(path);
    if (out.empty()) return Error(ErrorCode::kInvalidArgument, "no backup file given");
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error(ErrorCode::kNotFound, name + " does not exist");
    if (fs::exists(out, ec)) {
        if (fs::equivalent(path, out, ec)) {
            return Error(ErrorCode::kInvalidArgument,
                         "the backup file " + out + " is " + name + " itself");
        }
        if (!options.overwrite) {
            return Error(ErrorCode::kAlreadyExists,
                         "the backup file " + out +
                             " exists; refusing to overwrite it (--force replaces it)");
        }
    }

    auto src = open_file(path, SQLITE_OPEN_READONLY, name);
    if (!src.ok()) return src.error();
    auto version = sqlite::read_schema_version(src->get(), path);
    if (!version.ok()) return version.error();
    if (*version == 0) return Error(ErrorCode::kNotFound, name + " holds no Paperboy schema");

    // One read transaction for the whole copy: every step reads the same snapshot, so the
    // backup neither restarts when the server commits (it would, between steps, without one)
    // nor mixes two states of the database.
    PAPERBOY_RETURN_IF_ERROR(sqlite::exec(src->get(), "BEGIN", "starting a read of " + name));
    {
        auto first =
            sqlite::Statement::prepare(src->get(), "SELECT COUNT(*) FROM sqlite_master", false);
        if (!first.ok()) return first.error().with_context(name);
        PAPERBOY_RETURN_IF_ERROR(first->run());
    }

    auto temp_path = make_temp_beside(out);
    if (!temp_path.ok()) return temp_path.error();
    TempFile temp(*temp_path);
    {
        auto dst = open_file(temp.path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, temp.path());
        if (!dst.ok()) return dst.error();
        sqlite3_backup* backup = sqlite3_backup_init(dst->get(), "main", src->get(), "main");
        if (backup == nullptr) {
            return Error(ErrorCode::kIo, "cannot start a backup of " + name + " into " +
                                             temp.path() + ": " + sqlite3_errmsg(dst->get()));
        }
        int rc = SQLITE_OK;
        int busy = 0;
        const int step_pages = options.pages_per_step > 0 ? options.pages_per_step : -1;
        for (;;) {
            rc = sqlite3_backup_step(backup, step_pages);
            if (options.on_progress && (rc == SQLITE_OK || rc == SQLITE_DONE)) {
                const int64_t total = sqlite3_backup_pagecount(backup);
                options.on_progress(
                    BackupProgress{total - sqlite3_backup_remaining(backup), total});
            }
            if (rc == SQLITE_DONE) break;
            if (rc == SQLITE_OK) continue;
            if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
                if (++busy > kMaxBusyRetries) break;
                std::this_thread::sleep_for(kBusyPause);
                continue;
            }
            break;
        }
        const int finish_rc = sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) {
            return sqlite::sqlite_error(dst->get(), rc,
                                        "backing up " + name + " into " + temp.path());
        }
        if (finish_rc != SQLITE_OK) {
            return sqlite::sqlite_error(dst->get(), finish_rc,
                                        "finishing the backup of " + name + " into " + temp.path());
        }
        const int close_rc = sqlite3_close(dst->release());
        if (close_rc != SQLITE_OK) {
            return Error(ErrorCode::kIo,
                         "closing " + temp.path() + ": " + sqlite3_errstr(close_rc));
        }
    }
    (void)sqlite::exec(src->get(), "COMMIT", "ending the read of " + name);

    if (fs::exists(out, ec) && !options.overwrite) {
        return Error(ErrorCode::kAlreadyExists, "the backup file " + out +
                                                    " appeared while backing up; refusing to "
                                                    "overwrite it (--force replaces it)");
    }
    // The old file's write-ahead log and index belong to it, not to the copy: left beside the
    // new file, they would be read as its own.
    fs::remove(out + "-wal", ec);
    fs::remove(out + "-shm", ec);
    fs::rename(temp.path(), out, ec);
    if (ec) {
        return Error(ErrorCode::kIo,
                     "cannot move " + temp.path() + " to " + out + ": " + ec.message());
    }
    temp.keep();
    return Status::ok_status();
}

}  // namespace paperboy::store
