// store/migrations.h — the schema of both backends, as one ordered list of steps.
//
// Step i (version i) carries its SQLite DDL and its PostgreSQL DDL side by side, so the two
// schemas cannot drift apart: each backend's migrate() (sqlite/schema.cpp, postgres/schema.cpp)
// walks this list, applies the steps a database lacks in one transaction and records each in
// schema_version; the database's version is MAX(version). A released step is never edited; a
// change is a new step. docs/schema.md describes the result. Pure data; depends on core/.
#pragma once

#include <span>
#include <string_view>

#include "core/result.h"

namespace paperboy::store {

struct Migration {
    int version;                   // 1, 2, ...: the schema version after this step
    std::string_view description;  // recorded in schema_version
    const char* sqlite;            // constant DDL for SQLite, run as one script
    const char* postgres;          // the same step for PostgreSQL, run as one script
};

// Every step, in order; migrations()[i].version == i + 1.
std::span<const Migration> migrations();

// The version this binary writes: the last step's.
int latest_schema_version();

// kVersionMismatch for a database written by a newer Paperboy: "<database> has schema version
// <version> but this paperboy supports up to <latest>; upgrade paperboy". Both backends say it
// so.
Error newer_schema_error(std::string_view database, int version);

// kVersionMismatch for an older database opened read-only, which cannot be upgraded.
Error older_schema_read_only_error(std::string_view database, int version);

}  // namespace paperboy::store
