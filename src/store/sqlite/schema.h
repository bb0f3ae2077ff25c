// store/sqlite/schema.h — the SQLite schema and its migrations.
//
// The schema is built by an ordered list of steps; schema_version holds one row per applied
// step, so the database's version is MAX(version). Opening a database applies the missing steps
// in one transaction (an older database is upgraded in place) and refuses one written by a
// newer Paperboy. Only store/sqlite/ uses this header.
#pragma once

#include <sqlite3.h>

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::store::sqlite {

struct Migration {
    int version;                   // 1, 2, ...: the schema version after this step
    std::string_view description;  // recorded in schema_version
    const char* sql;               // constant DDL, run as one script
};

// Every step, in order; migrations()[i].version == i + 1.
std::span<const Migration> migrations();

// How messages name a database: "database PATH", or "in-memory database".
std::string database_name(std::string_view path);

// The version this binary writes: the last step's.
int latest_schema_version();

// The schema version of the open database `db` (at `path`, named in messages): 0 for an empty
// database, kCorruption when it has tables but no schema_version (not a Paperboy database) or
// is not a SQLite database at all.
Result<int> read_schema_version(sqlite3* db, std::string_view path);

// Brings `db` to latest_schema_version() and returns it. kVersionMismatch, naming both
// versions, when the database is newer than this binary knows; nothing is changed then.
Result<int> migrate(sqlite3* db, std::string_view path);

}  // namespace paperboy::store::sqlite
