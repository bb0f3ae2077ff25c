// app/db_tools.h — moving and checking a whole database: what `paperboy db copy`, `db check`
// and `db backup` do (docs/deploy.md, "Moving and checking").
//
// copy_database() copies every table of one database into another, SQLite or PostgreSQL on
// either side, keeping every key, so that the copy is the same instance: its store.id, secrets,
// sessions, tokens and change-feed positions (an index snapshot or a follower of the source
// carries on with the copy). The destination must be empty — only the schema, which the copy
// creates — or an interrupted copy of the same source, which it resumes: a copy records the
// source's store.id in the destination's cursors (store::kCopySourceCursor) before its first
// row and removes it after its last, and a rerun continues each table after the greatest key
// already copied. Rows stream in batches, one transaction each, read from one snapshot of the
// source. check_database() counts every table and lists what breaks the change feed's rules or
// a reference. backup_database() is SQLite's online backup (store/backup.h).
//
// Each call opens its own connections (store/table_io.h) and closes them before it returns.
// Depends on store/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/backup.h"

namespace paperboy::app {

// --- copy -------------------------------------------------------------------------------------

struct CopyProgress {
    std::string_view table;
    int64_t copied = 0;           // rows of the table in the destination so far
    int64_t total = 0;            // rows of the table in the source
    int64_t copied_this_run = 0;  // of which this run wrote (the rest: an earlier, interrupted)
    double seconds = 0;           // spent on the table in this run
    bool done = false;            // the table is complete
};

struct CopyOptions {
    size_t batch_rows = 5000;  // rows per read and per destination transaction (at least 1)
    // Called after each batch is committed and once when a table is done. Returning false
    // stops the copy there, as an interruption would: the call fails with kUnavailable and a
    // rerun resumes. May be empty.
    std::function<bool(const CopyProgress&)> on_progress;
};

struct TableCopy {
    std::string table;
    int64_t rows = 0;    // in the source, and now in the destination
    int64_t copied = 0;  // by this run
    double seconds = 0;
};

struct CopyReport {
    std::string source;  // as messages name them (no passwords)
    std::string destination;
    std::string store_id;  // the source's, now the destination's too
    bool resumed = false;  // the destination held an interrupted copy
    std::vector<TableCopy> tables;
};

// Copies the database at `source` into `destination` (each a path, sqlite:PATH or a
// postgresql:// / postgres:// URL). The destination's schema is created when missing (a SQLite
// file is created; a PostgreSQL database must exist). Errors: kInvalidArgument (a malformed URL;
// the same database twice); kNotFound (no source); kVersionMismatch (a source not at this
// version's schema); kAlreadyExists (a destination that holds data, a finished copy, or an
// interrupted copy of another source); kCorruption (a source row the destination refuses, or
// counts that differ after the copy: the source changed between two runs of one copy);
// kUnavailable (a server went away, or on_progress stopped the copy) — rerunning resumes.
Result<CopyReport> copy_database(std::string_view source, std::string_view destination,
                                 const CopyOptions& options = {});

// --- check ------------------------------------------------------------------------------------

struct TableCount {
    std::string table;
    int64_t rows = 0;
};

// One rule broken by `count` rows; `where` names the first of them ("id=2401.00001").
struct CheckFinding {
    std::string check;  // "feed.paper_without_change", "ref.votes.paper_id", "counter.users.id"
    std::string table;
    std::string problem;  // what is wrong with each: "has no entry on the change feed"
    int64_t count = 0;
    std::vector<std::string> where;
};

struct CheckReport {
    std::string database;
    std::string backend;  // "sqlite" or "postgresql"
    int schema_version = 0;
    std::vector<TableCount> tables;  // every table of store::tables(), in its order
    std::vector<CheckFinding> findings;

    bool clean() const { return findings.empty(); }
    int64_t problems() const;  // rows over every finding
};

struct CheckOptions {
    size_t examples = 20;  // rows named per finding
};

// Counts every table and runs every check of store::integrity_checks() on the database at
// `url`, in one snapshot, plus the counters (the feed's and PostgreSQL's identities must be past
// the greatest value used) and a leftover copy marker. Problems are findings, not errors; errors
// are those of opening it (as copy_database()'s source).
Result<CheckReport> check_database(std::string_view url, const CheckOptions& options = {});

// --- backup -----------------------------------------------------------------------------------

using BackupOptions = store::BackupOptions;
using BackupProgress = store::BackupProgress;

// The online backup of the SQLite database at `url` into the new file `out`: store/backup.h.
Status backup_database(std::string_view url, const std::string& out,
                       const BackupOptions& options = {});

}  // namespace paperboy::app
