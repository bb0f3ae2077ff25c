// paperboy daily: the daily list of a date, most upvoted first.
#include <cstdio>
#include <optional>
#include <string>

#include "cli/common.h"
#include "core/json_writer.h"
#include "core/timestamp.h"

namespace paperboy::cli {

void add_daily_command(CLI::App& app, Action& action) {
    struct Options {
        std::string db;
        std::string date;
        size_t limit = 0;
        bool json = false;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("daily", "Print the daily list of a date");
    add_db_option(cmd, opts->db);
    cmd->add_option("--date", opts->date, "The list's day, YYYY-MM-DD (default: the newest list)");
    cmd->add_option("--limit", opts->limit, "Print at most this many papers (0: all)");
    cmd->add_flag("--json", opts->json, "Print JSON");
    cmd->footer(
        "Examples:\n  paperboy daily --db papers.db --limit 10\n"
        "  paperboy daily --db papers.db --date 2024-10-25 --json");
    cmd->callback([opts, &action] {
        action = [opts] {
            std::optional<std::string> date;
            if (!opts->date.empty()) {
                date = normalize_date(opts->date);
                if (!date || date->size() != opts->date.size()) {
                    return fail(Error(ErrorCode::kInvalidArgument,
                                      "--date: expected YYYY-MM-DD, got \"" + opts->date + "\""));
                }
            }
            auto store = open_db(opts->db, /*must_exist=*/true);
            if (!store.ok()) return fail(store.error());
            const app::Library library(**store);
            if (!date) {
                auto newest = library.latest_date();
                if (!newest.ok()) return fail(newest.error());
                if (!*newest) {
                    return fail(Error(ErrorCode::kNotFound,
                                      "no daily lists in " + opts->db +
                                          " yet: ingest or harvest "
                                          "a Hugging Face day or a daily list first"));
                }
                date = **newest;
            }
            auto list = library.daily(*date);
            if (!list.ok()) return fail(list.error());
            const std::vector<app::ListedPaper>& papers = list->papers;
            size_t n = papers.size();
            if (opts->limit > 0 && opts->limit < n) n = opts->limit;
            JsonWriter w(/*pretty=*/true);
            if (opts->json) w.begin_array();
            if (!opts->json) {
                std::printf("Daily papers of %s: %zu paper%s\n", date->c_str(), papers.size(),
                            papers.size() == 1 ? "" : "s");
            }
            for (size_t i = 0; i < n; ++i) {
                const DailyEntry& e = papers[i].entry;
                const std::string& title = papers[i].paper.title;
                if (opts->json) {
                    w.begin_object()
                        .field("id", e.paper_id.str())
                        .field("title", title)
                        .field("upvotes", e.upvotes)
                        .field("submittedBy", e.submitted_by)
                        .end_object();
                    continue;
                }
                std::printf("%4d ▲  %s\n        %s\n", e.upvotes, title.c_str(),
                            e.paper_id.str().c_str());
            }
            if (opts->json) {
                w.end_array();
                std::printf("%s\n", w.str().c_str());
            }
            return static_cast<int>(kExitOk);
        };
    });
}

}  // namespace paperboy::cli
