// cli/search_setup.h — how commands that search open the index: from its snapshot file beside
// the database when that is usable, else built from the store (with progress on a terminal)
// and saved for next time.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
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

// Adds --model DIR|URL (the model to search by meaning with; default: the database's).
void add_model_option(CLI::App* cmd, std::string& model);
// Adds --mode lexical|semantic|hybrid.
void add_mode_option(CLI::App* cmd, std::string& mode);
// The --mode value (nullopt for the default: hybrid when the database has vectors).
std::optional<app::SearchMode> search_mode_option(const std::string& mode);

// Opens the search service; says on stderr why a snapshot that existed could not be used.
// `model`: the --model value; empty for the database's model (none: search by words only).
// A model that cannot be opened is a warning, and search stays lexical. `opened`: the model
// already opened (serve shares its embedding job's), used instead of opening `model` again.
Result<std::unique_ptr<app::SearchService>> open_search(
    store::Store& store, const std::string& db, const std::string& index_option,
    const std::string& model = "", std::shared_ptr<embed::Embedder> opened = nullptr);

// Writes the snapshot when it is missing or well behind the index; a failure to write it is
// a warning, not an error (the index is a cache of the store).
void save_search_snapshot(app::SearchService& service);

}  // namespace paperboy::cli
