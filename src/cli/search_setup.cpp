#include "cli/search_setup.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>

#include "cli/common.h"
#include "cli/console.h"
#include "core/hash.h"

namespace paperboy::cli {
namespace {

// A loaded snapshot is rewritten once the index has applied this many changes beyond it:
// below that, replaying them at start-up costs less than writing the file.
constexpr int64_t kResaveAfterChanges = 1000;

}  // namespace

void add_index_option(CLI::App* cmd, std::string& index) {
    cmd->add_option("--index", index,
                    "Index snapshot file (default: the database file + .index; for PostgreSQL "
                    "~/.cache/paperboy/pg-HASH.index; 'none' to always build the index in "
                    "memory)");
}

std::string index_snapshot_path(const std::string& db, const std::string& index_option) {
    if (index_option == "none") return "";
    if (!index_option.empty()) return index_option;
    if (db.starts_with("postgresql://") || db.starts_with("postgres://")) {
        // Each node keeps its own snapshot on local disk, named by the database it follows
        // (the URL's stable hash: the password is in it, so never the URL itself).
        std::string dir;
        if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache) {
            dir = cache;
        } else if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
            dir = std::string(home) + "/.cache";
        } else {
            return "";
        }
        char name[40];
        std::snprintf(name, sizeof name, "/paperboy/pg-%016llx.index",
                      static_cast<unsigned long long>(stable_hash64(db)));
        return dir + name;
    }
    std::string path = db.starts_with("sqlite:") ? db.substr(7) : db;
    if (path.empty() || path == ":memory:" || path.find(':') != std::string::npos) return "";
    return path + ".index";
}

void add_model_option(CLI::App* cmd, std::string& model) {
    cmd->add_option("--model", model,
                    "The model to search by meaning with: a model folder or an OpenAI-compatible "
                    "URL[#MODEL] (default: the database's model, set by 'paperboy embed')");
}

void add_mode_option(CLI::App* cmd, std::string& mode) {
    cmd->add_option("--mode", mode,
                    "lexical (words), semantic (meaning) or hybrid (both; the default when the "
                    "database has vectors)")
        ->check(CLI::IsMember({"lexical", "semantic", "hybrid"}));
}

std::optional<app::SearchMode> search_mode_option(const std::string& mode) {
    return mode.empty() ? std::nullopt : app::parse_search_mode(mode);
}

Result<std::unique_ptr<app::SearchService>> open_search(store::Store& store, const std::string& db,
                                                        const std::string& index_option,
                                                        const std::string& model,
                                                        std::shared_ptr<embed::Embedder> opened) {
    Console console(stderr_is_terminal());
    app::SearchServiceOptions options;
    if (opened) {
        options.embedder = std::move(opened);
    } else if (auto embedder = app::open_search_model(store, model); !embedder.ok()) {
        console.note("searching by words only: " + embedder.error().message());
    } else {
        options.embedder = std::move(*embedder);
    }
    // Building the graph of a large collection is the slow part of a first start: every core.
    options.vectors.index.build_threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    options.vectors.progress = [&console](uint64_t vectors) {
        console.progress("loading the paper vectors: " +
                         with_thousands(static_cast<int64_t>(vectors)) + " vectors");
    };
    options.snapshot_path = index_snapshot_path(db, index_option);
    if (!options.snapshot_path.empty()) {
        // The default of a PostgreSQL database is under ~/.cache, which may not exist yet.
        std::error_code ignored;
        std::filesystem::create_directories(
            std::filesystem::path(options.snapshot_path).parent_path(), ignored);
    }
    options.progress = [&console](uint64_t papers) {
        console.progress("building the search index: " +
                         with_thousands(static_cast<int64_t>(papers)) + " papers");
    };
    auto service = app::SearchService::open(store, options);
    console.finish();
    if (!service.ok()) return service.error();
    const app::OpenReport& report = (*service)->open_report();
    if (!report.snapshot_problem.empty()) {
        console.note("rebuilt the search index: " + report.snapshot_problem);
    }
    if (!report.vectors_problem.empty()) console.note(report.vectors_problem);
    return service;
}

void save_search_snapshot(app::SearchService& service) {
    auto saved = service.save_snapshot(kResaveAfterChanges);
    if (!saved.ok()) {
        std::fprintf(stderr, "paperboy: warning: %s\n", saved.error().message().c_str());
    }
}

}  // namespace paperboy::cli
