#include "cli/search_setup.h"

#include "cli/common.h"
#include "cli/console.h"

namespace paperboy::cli {
namespace {

// A loaded snapshot is rewritten once the index has applied this many changes beyond it:
// below that, replaying them at start-up costs less than writing the file.
constexpr int64_t kResaveAfterChanges = 1000;

}  // namespace

void add_index_option(CLI::App* cmd, std::string& index) {
    cmd->add_option("--index", index,
                    "Index snapshot file (default: the database file + .index; 'none' to "
                    "always build the index in memory)");
}

std::string index_snapshot_path(const std::string& db, const std::string& index_option) {
    if (index_option == "none") return "";
    if (!index_option.empty()) return index_option;
    std::string path = db.starts_with("sqlite:") ? db.substr(7) : db;
    if (path.empty() || path == ":memory:" || path.find(':') != std::string::npos) return "";
    return path + ".index";
}

Result<std::unique_ptr<app::SearchService>> open_search(store::Store& store, const std::string& db,
                                                        const std::string& index_option) {
    Console console(stderr_is_terminal());
    app::SearchServiceOptions options;
    options.snapshot_path = index_snapshot_path(db, index_option);
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
    return service;
}

void save_search_snapshot(app::SearchService& service) {
    auto saved = service.save_snapshot(kResaveAfterChanges);
    if (!saved.ok()) {
        std::fprintf(stderr, "paperboy: warning: %s\n", saved.error().message().c_str());
    }
}

}  // namespace paperboy::cli
