// store/backup.h — an online backup of a SQLite database file.
//
// SQLite's backup API copies the database page by page into a new file while other processes
// (a running `paperboy serve`) go on reading and writing it. The copy is one consistent state
// of the database: it is read in one read transaction, which in WAL mode blocks no writer (it
// only keeps checkpoints from moving past it until the copy ends). The copy is written beside
// `out` under a temporary name and renamed into place when complete, so `out` is never a half
// copy. PostgreSQL has its own tools (pg_dump, pg_basebackup; docs/deploy.md). Implemented in
// store/sqlite/backup.cpp. Depends on core/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::store {

struct BackupProgress {
    int64_t pages_done = 0;
    int64_t pages_total = 0;
};

struct BackupOptions {
    bool overwrite = false;    // replace an existing `out` (and its -wal and -shm files)
    int pages_per_step = 256;  // pages copied between two progress reports
    std::function<void(const BackupProgress&)> on_progress;  // after each step; may be empty
};

// Copies the SQLite database at `url` (PATH or sqlite:PATH) into the new file `out`. Errors:
// kInvalidArgument for a PostgreSQL URL (pointing to pg_dump) or when `out` is the database
// itself; kNotFound when the database does not exist or holds no Paperboy schema;
// kAlreadyExists when `out` exists and !options.overwrite; kIo when `out` cannot be written.
// Nothing is left behind on failure.
Status backup_sqlite(std::string_view url, const std::string& out,
                     const BackupOptions& options = {});

}  // namespace paperboy::store
