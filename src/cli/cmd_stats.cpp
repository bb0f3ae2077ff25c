// paperboy stats: counts of what the store holds.
#include <cstdio>

#include "cli/common.h"
#include "core/json_writer.h"

namespace paperboy::cli {

void add_stats_command(CLI::App& app, Action& action) {
    struct Options {
        std::string db;
        bool json = false;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("stats", "Print counts of papers, daily entries and more");
    add_db_option(cmd, opts->db);
    cmd->add_flag("--json", opts->json, "Print JSON instead of text");
    cmd->footer("Example:\n  paperboy stats --db papers.db --json");
    cmd->callback([opts, &action] {
        action = [opts] {
            auto store = open_db(opts->db, /*must_exist=*/true);
            if (!store.ok()) return fail(store.error());
            auto stats = app::Library(**store).stats();
            if (!stats.ok()) return fail(stats.error());
            const store::StoreStats& s = *stats;
            if (opts->json) {
                JsonWriter w(/*pretty=*/true);
                w.begin_object()
                    .field("papers", s.papers)
                    .field("daily_entries", s.daily_entries)
                    .field("daily_dates", s.daily_dates)
                    .field("deleted_papers", s.deleted_papers)
                    .field("papers_with_code", s.papers_with_code)
                    .field("first_daily_date", s.first_daily_date)
                    .field("last_daily_date", s.last_daily_date)
                    .field("last_sequence", s.last_sequence)
                    .field("schema_version", s.schema_version)
                    .end_object();
                std::printf("%s\n", w.str().c_str());
                return static_cast<int>(kExitOk);
            }
            std::printf("papers:            %lld\n", static_cast<long long>(s.papers));
            std::printf("daily entries:     %lld on %lld days",
                        static_cast<long long>(s.daily_entries),
                        static_cast<long long>(s.daily_dates));
            if (!s.first_daily_date.empty()) {
                std::printf(" (%s to %s)", s.first_daily_date.c_str(), s.last_daily_date.c_str());
            }
            std::printf("\ndeleted papers:    %lld\n", static_cast<long long>(s.deleted_papers));
            std::printf("papers with code:  %lld\n", static_cast<long long>(s.papers_with_code));
            std::printf("change sequence:   %lld\n", static_cast<long long>(s.last_sequence));
            std::printf("schema version:    %d\n", s.schema_version);
            return static_cast<int>(kExitOk);
        };
    });
}

}  // namespace paperboy::cli
