// cli/common.h — what every subcommand shares: exit codes, error printing, opening the store,
// terminal detection.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "app/instance.h"
#include "core/result.h"

namespace paperboy::cli {

// Exit statuses, one mapping for every command.
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,   // the command ran but failed (bad records, unreachable server, ...)
    kExitUsage = 2,     // bad flags or arguments
    kExitNotFound = 3,  // the thing asked for does not exist
    kExitData = 4,      // the database or input is unusable (corrupt, newer version)
};

// The exit status for an error code.
int exit_code_for(ErrorCode code);

// Prints "paperboy: <message>" on stderr and returns exit_code_for(error.code()).
int fail(const Error& error);

// Adds --db to a command: a SQLite file (a path or sqlite:PATH) or a PostgreSQL URL
// (postgresql://user@host:port/db or postgres://...), from $PAPERBOY_DB when the flag is absent.
// `what` says what the command does with it ("created when missing").
CLI::Option* add_db_option(CLI::App* cmd, std::string& db, std::string_view what = {});

// Opens the store at `db` (a path or URL); creates it unless `must_exist` (a PostgreSQL
// database must exist: only its tables are created). `pool_size`: PostgreSQL connections.
Result<std::unique_ptr<store::Store>> open_db(const std::string& db, bool must_exist,
                                              int pool_size = 2);

// True when stderr is a terminal (progress lines are drawn only then).
bool stderr_is_terminal();

// A subcommand registers its flags on `app` and sets `action` to the code that runs it when
// the subcommand is chosen. `action` returns the exit status.
using Action = std::function<int()>;

void add_ingest_command(CLI::App& app, Action& action);
void add_harvest_command(CLI::App& app, Action& action);
void add_stats_command(CLI::App& app, Action& action);
void add_show_command(CLI::App& app, Action& action);
void add_daily_command(CLI::App& app, Action& action);
void add_search_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_serve_command(CLI::App& app, Action& action);
void add_user_command(CLI::App& app, Action& action);
void add_digest_command(CLI::App& app, Action& action);
void add_subscription_command(CLI::App& app, Action& action);
void add_mail_command(CLI::App& app, Action& action);
void add_db_command(CLI::App& app, Action& action);
void add_embed_command(CLI::App& app, Action& action);
void add_model_command(CLI::App& app, Action& action);

}  // namespace paperboy::cli
