// store/sqlite/schema.h — bringing a SQLite database's schema up to date.
//
// The steps are store/migrations.h's, shared with PostgreSQL; schema_version holds one row per
// applied step, so the database's version is MAX(version). Opening a database applies the
// missing steps in one transaction (an older database is upgraded in place) and refuses one
// written by a newer Paperboy. Only store/sqlite/ uses this header.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::store::sqlite {

// How messages name a database: "database PATH", or "in-memory database".
std::string database_name(std::string_view path);

// The schema version of the open database `db` (at `path`, named in messages): 0 for an empty
// database, kCorruption when it has tables but no schema_version (not a Paperboy database) or
// is not a SQLite database at all.
Result<int> read_schema_version(sqlite3* db, std::string_view path);

// Brings `db` to latest_schema_version() and returns it. kVersionMismatch, naming both
// versions, when the database is newer than this binary knows; nothing is changed then.
Result<int> migrate(sqlite3* db, std::string_view path);

}  // namespace paperboy::store::sqlite
