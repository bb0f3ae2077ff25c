// cli/search_setup.h — how commands that search open the index: from its snapshot file beside
// the database when that is usable, else built from the store (with progress on a terminal)
// and saved for next time.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "app/instance.h"
#include "app/search_service.h"
#include "core/result.h"

namespace paperboy::cli {

// Adds --index FILE to `cmd`.
void add_index_option(CLI::App* cmd, std::string& index);

// The snapshot path for database `db` and the --index value: the value itself, none for
// "none" or an in-memory database, else the database file's path + ".index".
std::string index_snapshot_path(const std::string& db, const std::string& index_option);

// Opens the search service; says on stderr why a snapshot that existed could not be used.
Result<std::unique_ptr<app::SearchService>> open_search(store::Store& store, const std::string& db,
                                                        const std::string& index_option);

// Writes the snapshot when it is missing or well behind the index; a failure to write it is
// a warning, not an error (the index is a cache of the store).
void save_search_snapshot(app::SearchService& service);

}  // namespace paperboy::cli
