// paperboy ingest: files of any supported format into the store.
#include <cstdio>
#include <string>

#include "app/ingest_pipeline.h"
#include "cli/common.h"
#include "cli/console.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string db;
    std::string format;
    std::vector<std::string> paths;
    size_t batch_size = 2000;
    bool quiet = false;
};

int run_ingest(const Options& opts) {
    app::IngestOptions options;
    options.batch_size = opts.batch_size;
    if (!opts.format.empty()) {
        options.format = ingest::parse_format_name(opts.format);
        if (!options.format) {
            std::string known;
            for (auto name : ingest::all_format_names()) {
                known += (known.empty() ? "" : ", ") + std::string(name);
            }
            return fail(Error(ErrorCode::kInvalidArgument,
                              "unknown format \"" + opts.format + "\"; known formats: " + known));
        }
    }
    Console console(stderr_is_terminal() && !opts.quiet);
    options.on_error = [&](const ingest::RecordError& error) { console.skipped(error); };
    if (console.draws_progress()) {
        options.on_progress = [&](const app::IngestProgress& p) {
            double rate = p.seconds > 0 ? static_cast<double>(p.records) / p.seconds : 0;
            std::string line = p.file + ":";
            if (p.total_size > 0) {
                char percent[32];
                std::snprintf(
                    percent, sizeof percent, " %5.1f%%",
                    100.0 * static_cast<double>(p.position) / static_cast<double>(p.total_size));
                line += percent;
            }
            line += " " + with_thousands(p.records) + " records, " +
                    with_thousands(static_cast<int64_t>(rate)) + "/s";
            if (p.failed > 0) line += ", " + with_thousands(p.failed) + " failed";
            console.progress(line);
        };
    }

    auto store = open_db(opts.db, /*must_exist=*/false);
    if (!store.ok()) return fail(store.error());
    auto report = app::ingest_files(**store, opts.paths, options);
    console.finish();
    if (!report.ok()) return fail(report.error());

    const app::IngestReport& r = *report;
    const store::WriteCounts& c = r.counts;
    double rate = r.seconds > 0 ? static_cast<double>(r.records) / r.seconds : 0;
    std::fprintf(
        stderr,
        "ingested %s records from %lld file%s in %.2f s (%s records/s): %s new, %s "
        "updated, %s unchanged, %s deleted, %s failed",
        with_thousands(r.records).c_str(), static_cast<long long>(r.files), r.files == 1 ? "" : "s",
        r.seconds, with_thousands(static_cast<int64_t>(rate)).c_str(),
        with_thousands(c.papers_inserted).c_str(), with_thousands(c.papers_updated).c_str(),
        with_thousands(c.papers_unchanged).c_str(), with_thousands(c.papers_deleted).c_str(),
        with_thousands(r.failed).c_str());
    int64_t entries = c.entries_inserted + c.entries_updated + c.entries_unchanged;
    if (entries > 0) {
        std::fprintf(stderr, "; daily entries: %s new, %s updated, %s unchanged",
                     with_thousands(c.entries_inserted).c_str(),
                     with_thousands(c.entries_updated).c_str(),
                     with_thousands(c.entries_unchanged).c_str());
    }
    std::fprintf(stderr, "\n");
    return r.failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_ingest_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("ingest", "Load papers from files into the database");
    cmd->add_option("--db", opts->db, "Database file (created when missing), or sqlite:PATH")
        ->required();
    std::string formats;
    for (auto name : ingest::all_format_names()) {
        formats += (formats.empty() ? "" : ", ") + std::string(name);
    }
    cmd->add_option("--format", opts->format,
                    "Input format; detected from the content when omitted. One of: " + formats);
    cmd->add_option("--batch-size", opts->batch_size, "Records per transaction")
        ->check(CLI::Range(1, 1000000));
    cmd->add_flag("-q,--quiet", opts->quiet, "No progress line");
    cmd->add_option("paths", opts->paths, "Files to read (plain or .gz)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->footer(
        "Formats: the arXiv bulk snapshot (JSON lines, plain or gzip), arXiv API Atom responses,\n"
        "OAI-PMH ListRecords/GetRecord (arXiv, arXivRaw, oai_dc), Hugging Face /api/daily_papers\n"
        "JSON, BEIR corpus.jsonl, and Daily Papers page exports.\n\n"
        "Ingest is idempotent: the same file twice changes nothing; newer versions update papers.\n"
        "Malformed records are reported with file and line and skipped; the exit status is 1\n"
        "when any record failed.\n\n"
        "Examples:\n"
        "  paperboy ingest --db papers.db arxiv-metadata-oai-snapshot.json.gz\n"
        "  paperboy ingest --db papers.db --format hf-daily daily_papers_2024-10-25.json");
    cmd->callback([opts, &action] { action = [opts] { return run_ingest(*opts); }; });
}

}  // namespace paperboy::cli
