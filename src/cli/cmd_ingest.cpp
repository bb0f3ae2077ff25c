// paperboy ingest: files of any supported format into the store.
#include <algorithm>
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
    if (std::count(opts.paths.begin(), opts.paths.end(), "-") > 1) {
        return fail(
            Error(ErrorCode::kInvalidArgument, "standard input (-) can be given only once"));
    }
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
    options.on_file_error = [&](const Error& error) { console.note(error.message()); };
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
    std::string files = plural(r.files, "file");
    if (!r.failed_files.empty()) {
        files += " (" + plural(static_cast<int64_t>(r.failed_files.size()), "file") + " failed)";
    }
    std::fprintf(stderr,
                 "ingested %s records from %s in %.2f s (%s records/s): %s new, %s "
                 "updated, %s unchanged, %s deleted, %s failed",
                 with_thousands(r.records).c_str(), files.c_str(), r.seconds,
                 with_thousands(static_cast<int64_t>(rate)).c_str(),
                 with_thousands(c.papers_inserted).c_str(),
                 with_thousands(c.papers_updated).c_str(),
                 with_thousands(c.papers_unchanged).c_str(),
                 with_thousands(c.papers_deleted).c_str(), with_thousands(r.failed).c_str());
    int64_t entries = c.entries_inserted + c.entries_updated + c.entries_unchanged;
    if (entries > 0) {
        std::fprintf(stderr, "; daily entries: %s new, %s updated, %s unchanged",
                     with_thousands(c.entries_inserted).c_str(),
                     with_thousands(c.entries_updated).c_str(),
                     with_thousands(c.entries_unchanged).c_str());
    }
    std::fprintf(stderr, "\n");
    // Each failed file was reported when it failed; the status is the first one's.
    if (!r.failed_files.empty()) return exit_code_for(r.failed_files.front().code());
    return r.failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_ingest_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("ingest", "Load papers from files into the database");
    add_db_option(cmd, opts->db, "created when missing");
    std::string formats;
    for (auto name : ingest::all_format_names()) {
        formats += (formats.empty() ? "" : ", ") + std::string(name);
    }
    cmd->add_option("--format", opts->format,
                    "Input format; detected from the content when omitted. One of: " + formats);
    cmd->add_option("--batch-size", opts->batch_size, "Records per transaction")
        ->check(CLI::Range(1, 1000000));
    cmd->add_flag("-q,--quiet", opts->quiet, "No progress line");
    // Anything readable front to back will do (a pipe, /dev/fd/N); "-" is standard input.
    const CLI::Validator file_or_stdin(
        [](std::string& path) { return path == "-" ? std::string() : CLI::ExistingFile(path); },
        "FILE");
    cmd->add_option("paths", opts->paths,
                    "Files to read, plain or gzip (pipes and /dev/fd/N too); - for standard input")
        ->required()
        ->check(file_or_stdin);
    cmd->footer(
        "Formats: the arXiv bulk snapshot (JSON lines, plain or gzip), arXiv API Atom responses,\n"
        "OAI-PMH ListRecords/GetRecord (arXiv, arXivRaw, oai_dc), Hugging Face /api/daily_papers\n"
        "JSON, BEIR corpus.jsonl, and Daily Papers page exports.\n\n"
        "Ingest is idempotent: the same file twice changes nothing; newer versions update papers.\n"
        "Malformed records are reported with file and line and skipped. A file that cannot be\n"
        "read to its end, whose format is not recognised or that holds no record is reported in\n"
        "one line and the next file is read. The exit status is non-zero when any record or file\n"
        "failed.\n\n"
        "Input may be a pipe or standard input (-), plain or gzip. Gzip data that expands more\n"
        "than " +
        std::to_string(ingest::GzipLimits{}.max_ratio) +
        "-fold is refused as a likely gzip bomb; to read a genuine one, decompress it first\n"
        "and pipe it in: gunzip -c FILE.gz | paperboy ingest --db papers.db -\n\n"
        "Examples:\n"
        "  paperboy ingest --db papers.db arxiv-metadata-oai-snapshot.json.gz\n"
        "  paperboy ingest --db papers.db --format hf-daily daily_papers_2024-10-25.json\n"
        "  curl -s https://huggingface.co/api/daily_papers | paperboy ingest --db papers.db -");
    cmd->callback([opts, &action] { action = [opts] { return run_ingest(*opts); }; });
}

}  // namespace paperboy::cli
