#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/common.h"

namespace paperboy::cli {

int run(int argc, char** argv) {
    CLI::App app{
        "Paperboy: a self-hosted Daily Papers service.\n"
        "The day's research papers, curated by a community, searchable, in your inbox.",
        "paperboy"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "paperboy 0.1.0");
    app.footer("Run 'paperboy COMMAND --help' for a command's options and examples.");

    Action action;
    add_ingest_command(app, action);
    add_harvest_command(app, action);
    add_stats_command(app, action);
    add_show_command(app, action);
    add_daily_command(app, action);
    add_search_command(app, action);
    add_eval_command(app, action);
    add_serve_command(app, action);
    add_user_command(app, action);
    add_digest_command(app, action);
    add_subscription_command(app, action);
    add_mail_command(app, action);
    add_db_command(app, action);
    add_embed_command(app, action);
    add_model_command(app, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "paperboy: %s\nRun 'paperboy --help' for usage.\n", e.what());
        return kExitUsage;
    }
    if (!action) return kExitUsage;
    try {
        return action();
    } catch (const std::exception& e) {
        // Expected failures are Result values; reaching this is a bug or resource exhaustion.
        std::fprintf(stderr, "paperboy: internal error: %s\n", e.what());
        return kExitFailure;
    }
}

}  // namespace paperboy::cli
