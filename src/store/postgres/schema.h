// store/postgres/schema.h — bringing a PostgreSQL database's schema up to date.
//
// The steps are store/migrations.h's (each with its PostgreSQL DDL), applied in one
// transaction under an advisory lock, so that processes opening the same database at once
// migrate it once. Only store/postgres/ uses this header.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "store/postgres/connection.h"

namespace paperboy::store::postgres {

// How messages name a database: "database postgresql://user@host:5432/db", its password (in
// the user info or a password parameter) left out.
std::string database_name(std::string_view url);

// The schema version of the connected database: 0 when it has no tables; kCorruption when it
// has tables but no schema_version (not a Paperboy database).
Result<int> read_schema_version(Connection& c, std::string_view name);

// Brings the database to latest_schema_version() and returns it. kVersionMismatch, naming both
// versions, when the database is newer than this binary knows; nothing is changed then.
Result<int> migrate(Connection& c, std::string_view name);

}  // namespace paperboy::store::postgres
