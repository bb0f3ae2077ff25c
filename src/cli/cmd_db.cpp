// paperboy db: moving and checking a whole database (docs/deploy.md, "Moving and checking").
//   paperboy db copy SRC DST [--batch-rows N] [-q]
//   paperboy db check [--db URL] [--json] [--examples N]
//   paperboy db backup [--db FILE] OUT [--force] [-q]
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "app/db_tools.h"
#include "cli/common.h"
#include "cli/console.h"
#include "core/json_writer.h"

namespace paperboy::cli {
namespace {

struct CopyOptions {
    std::string source;
    std::string destination;
    size_t batch_rows = 5000;
    bool quiet = false;
};

struct CheckOptions {
    std::string db;
    bool json = false;
    size_t examples = 20;
};

struct BackupOptions {
    std::string db;
    std::string out;
    bool force = false;
    bool quiet = false;
};

std::string rate(int64_t rows, double seconds) {
    if (rows == 0 || seconds <= 0.0005) return "-";
    return with_thousands(static_cast<int64_t>(static_cast<double>(rows) / seconds));
}

std::string fixed(double value, int decimals) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

int run_copy(const CopyOptions& opts) {
    Console console(!opts.quiet && stderr_is_terminal());
    app::CopyOptions options;
    options.batch_rows = opts.batch_rows;
    bool header_printed = false;
    options.on_progress = [&](const app::CopyProgress& p) {
        if (!opts.quiet && !header_printed) {
            header_printed = true;
            console.progress("");
            std::fprintf(stderr, "%-18s %12s %11s %12s\n", "table", "rows", "time", "rows/s");
        }
        if (p.done) {
            if (!opts.quiet) {
                console.progress("");  // clears the progress line (on a terminal)
                std::fprintf(stderr, "%-18s %12s %9s s %12s\n", std::string(p.table).c_str(),
                             with_thousands(p.total).c_str(), fixed(p.seconds, 1).c_str(),
                             rate(p.copied_this_run, p.seconds).c_str());
            }
        } else {
            console.progress(std::string(p.table) + ": " + with_thousands(p.copied) + " / " +
                             with_thousands(p.total) + " rows (" +
                             rate(p.copied_this_run, p.seconds) + " rows/s)");
        }
        return true;
    };
    auto report = app::copy_database(opts.source, opts.destination, options);
    console.finish();
    if (!report.ok()) return fail(report.error());
    if (!opts.quiet) {
        int64_t rows = 0;
        int64_t copied = 0;
        for (const app::TableCopy& t : report->tables) {
            rows += t.rows;
            copied += t.copied;
        }
        std::fprintf(stderr, "paperboy: %s %s of %s from %s to %s (store.id %s)\n",
                     report->resumed ? "finished the copy:" : "copied", plural(rows, "row").c_str(),
                     plural(report->tables.size(), "table").c_str(), report->source.c_str(),
                     report->destination.c_str(), report->store_id.c_str());
        if (report->resumed) {
            std::fprintf(stderr, "paperboy: resumed an interrupted copy: %s written by this run\n",
                         plural(copied, "row").c_str());
        }
    }
    return kExitOk;
}

int run_check(const CheckOptions& opts) {
    app::CheckOptions options;
    options.examples = opts.examples;
    auto report = app::check_database(opts.db, options);
    if (!report.ok()) return fail(report.error());
    const app::CheckReport& r = *report;
    if (opts.json) {
        JsonWriter w(/*pretty=*/true);
        w.begin_object()
            .field("database", r.database)
            .field("backend", r.backend)
            .field("schema_version", r.schema_version)
            .field("ok", r.clean());
        w.key("tables").begin_object();
        for (const app::TableCount& t : r.tables) w.field(t.table, t.rows);
        w.end_object();
        w.key("problems").begin_array();
        for (const app::CheckFinding& f : r.findings) {
            w.begin_object()
                .field("check", f.check)
                .field("table", f.table)
                .field("problem", f.problem)
                .field("count", f.count);
            w.key("where").begin_array();
            for (const std::string& where : f.where) w.value(where);
            w.end_array().end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return r.clean() ? kExitOk : kExitFailure;
    }
    std::printf("%s (%s, schema version %d)\n", r.database.c_str(), r.backend.c_str(),
                r.schema_version);
    for (const app::TableCount& t : r.tables) {
        std::printf("  %-18s %12s\n", t.table.c_str(), with_thousands(t.rows).c_str());
    }
    if (r.clean()) {
        std::printf(
            "ok: every paper and daily entry is on the change feed once, at its seq; "
            "every reference points to a row that exists\n");
        return kExitOk;
    }
    std::printf("problems:\n");
    for (const app::CheckFinding& f : r.findings) {
        for (const std::string& where : f.where) {
            std::printf("  %s %s: %s [%s]\n", f.table.c_str(), where.c_str(), f.problem.c_str(),
                        f.check.c_str());
        }
        const int64_t unnamed = f.count - static_cast<int64_t>(f.where.size());
        if (unnamed > 0) {
            std::printf("  ... and %s more in %s [%s]\n", plural(unnamed, "row").c_str(),
                        f.table.c_str(), f.check.c_str());
        }
    }
    std::printf("%s in %s\n", plural(r.problems(), "problem").c_str(),
                plural(static_cast<int64_t>(r.findings.size()), "check").c_str());
    return kExitFailure;
}

int run_backup(const BackupOptions& opts) {
    Console console(!opts.quiet && stderr_is_terminal());
    app::BackupOptions options;
    options.overwrite = opts.force;
    int64_t pages = 0;
    options.on_progress = [&](const app::BackupProgress& p) {
        pages = p.pages_total;
        const int64_t percent = p.pages_total > 0 ? p.pages_done * 100 / p.pages_total : 100;
        console.progress("backing up: " + std::to_string(percent) + "% (" +
                         with_thousands(p.pages_done) + " / " + with_thousands(p.pages_total) +
                         " pages)");
    };
    const auto started = std::chrono::steady_clock::now();
    Status done = app::backup_database(opts.db, opts.out, options);
    console.finish();
    if (!done.ok()) return fail(done.error());
    if (!opts.quiet) {
        std::error_code ec;
        const auto bytes = std::filesystem::file_size(opts.out, ec);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::fprintf(stderr, "paperboy: backed up %s to %s (%s, %s MB) in %s s\n", opts.db.c_str(),
                     opts.out.c_str(), plural(pages, "page").c_str(),
                     ec ? "?" : fixed(static_cast<double>(bytes) / 1e6, 1).c_str(),
                     fixed(seconds, 1).c_str());
    }
    return kExitOk;
}

}  // namespace

void add_db_command(CLI::App& app, Action& action) {
    CLI::App* db = app.add_subcommand(
        "db", "Move and check a whole database: copy (SQLite <-> PostgreSQL), check, backup");
    db->require_subcommand(1);
    db->footer(
        "Databases are SQLite files (PATH, sqlite:PATH) or PostgreSQL URLs\n"
        "(postgresql://USER@HOST:PORT/DB, postgres://...). See docs/deploy.md, \"Moving and "
        "checking\".");

    auto copy = std::make_shared<CopyOptions>();
    CLI::App* copy_cmd = db->add_subcommand(
        "copy", "Copy every table of a database into an empty one, keeping every key");
    copy_cmd->add_option("SRC", copy->source, "The database to copy (read only)")->required();
    copy_cmd
        ->add_option("DST", copy->destination,
                     "An empty database, or an interrupted copy of SRC to resume (a "
                     "SQLite file is created; a PostgreSQL database must exist)")
        ->required();
    copy_cmd->add_option("--batch-rows", copy->batch_rows, "Rows per transaction")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    copy_cmd->add_flag("-q,--quiet", copy->quiet, "Print nothing but errors");
    copy_cmd->footer(
        "The copy is the same instance: papers, daily lists, the change feed, members,\n"
        "sessions, API tokens, votes, comments, subscriptions, the send log, secrets and\n"
        "cursors (its store.id) keep their values, so index snapshots and sessions stay valid.\n"
        "Stop the writers (paperboy serve, harvests) first: SRC is read in one snapshot, and\n"
        "what is written after it starts is not copied. An interrupted copy resumes where it\n"
        "stopped when run again with the same SRC and DST.\n\n"
        "Examples:\n"
        "  paperboy db copy papers.db postgresql://paperboy@db.internal:5432/paperboy\n"
        "  paperboy db copy postgresql://paperboy@db.internal/paperboy sqlite:/srv/papers.db\n"
        "  paperboy db check --db postgresql://paperboy@db.internal/paperboy   # afterwards");
    copy_cmd->callback([copy, &action] { action = [copy] { return run_copy(*copy); }; });

    auto check = std::make_shared<CheckOptions>();
    CLI::App* check_cmd =
        db->add_subcommand("check", "Count every table; check the change feed and references");
    add_db_option(check_cmd, check->db);
    check_cmd->add_flag("--json", check->json, "Print JSON instead of text");
    check_cmd->add_option("--examples", check->examples, "Rows named per problem found")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    check_cmd->footer(
        "Checks: every paper and daily entry has exactly one change-feed entry, at its own seq;\n"
        "feed seqs are unique and name stored papers; no seq or id is beyond the counter that\n"
        "hands out the next; votes, comments, daily entries and papers received name papers\n"
        "that exist; sessions, tokens, votes, comments, mail tokens and subscriptions name\n"
        "members that exist; sends name subscriptions; replies name comments. Each problem is\n"
        "printed with its table and key. Exit status 0 when clean, 1 with problems.\n\n"
        "Examples:\n"
        "  paperboy db check --db papers.db\n"
        "  paperboy db check --db postgresql://paperboy@db.internal/paperboy --json");
    check_cmd->callback([check, &action] { action = [check] { return run_check(*check); }; });

    auto backup = std::make_shared<BackupOptions>();
    CLI::App* backup_cmd = db->add_subcommand(
        "backup", "Copy a SQLite database into a new file while the server runs");
    add_db_option(backup_cmd, backup->db, "SQLite only here (PostgreSQL: pg_dump)");
    backup_cmd->add_option("OUT", backup->out, "The backup file to write")->required();
    backup_cmd->add_flag("--force", backup->force, "Replace OUT when it exists");
    backup_cmd->add_flag("-q,--quiet", backup->quiet, "Print nothing but errors");
    backup_cmd->footer(
        "SQLite's online backup: one consistent state of the database, taken while\n"
        "paperboy serve keeps reading and writing it. OUT appears only when complete. For\n"
        "PostgreSQL use pg_dump (docs/deploy.md, \"Backups\"). Restore by stopping the server\n"
        "and putting the copy in place of the database file.\n\n"
        "Examples:\n"
        "  paperboy db backup --db /srv/paperboy/papers.db /backups/papers-$(date +%F).db\n"
        "  PAPERBOY_DB=papers.db paperboy db backup --force nightly.db");
    backup_cmd->callback([backup, &action] { action = [backup] { return run_backup(*backup); }; });
}

}  // namespace paperboy::cli
