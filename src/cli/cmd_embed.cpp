// paperboy embed: the papers' vectors (docs/embeddings.md).
//   paperboy embed --db DB [--model DIR|URL] [--batch N] [--threads N] [-q]
//   paperboy embed --db DB --export FILE [--model DIR|URL|IDENTITY]
//   paperboy embed --db DB --import FILE
//   paperboy embed --db DB --status
#include <cstdio>
#include <memory>
#include <string>

#include "app/embedding_job.h"
#include "app/vector_io.h"
#include "cli/common.h"
#include "cli/console.h"
#include "embed/embedder.h"
#include "ingest/byte_source.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string db;
    std::string model;
    size_t batch = 256;
    int threads = 0;
    std::string export_path;
    std::string import_path;
    bool status = false;
    bool quiet = false;
};

std::string fixed(double value, int decimals) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// "1:02:03" or "4:05".
std::string duration(double seconds) {
    if (seconds < 0) return "?";
    const auto s = static_cast<int64_t>(seconds + 0.5);
    char buffer[32];
    if (s >= 3600) {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    } else {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld", static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    }
    return buffer;
}

void note(bool quiet, const std::string& line) {
    if (!quiet) std::fprintf(stderr, "paperboy: %s\n", line.c_str());
}

int run_embed(store::Store& store, const Options& opts) {
    std::string spec = opts.model;
    auto current = store.default_model();
    if (!current.ok()) return fail(current.error());
    if (spec.empty()) {
        if (!*current) {
            return fail(Error(ErrorCode::kInvalidArgument,
                              "the database has no embedding model yet; pass --model DIR|URL "
                              "(a model folder or an OpenAI-compatible server) once, and it "
                              "becomes the database's model"));
        }
        spec = (*current)->spec;
    }
    embed::EmbedderOptions embedder_options;
    embedder_options.threads = opts.threads;
    auto embedder = embed::open_embedder(spec, embedder_options);
    if (!embedder.ok()) return fail(embedder.error().with_context("opening the model " + spec));
    const embed::ModelInfo& info = (*embedder)->info();
    auto model = store.register_model(info.identity, spec, info.dimensions);
    if (!model.ok()) return fail(model.error());
    if (!*current || (*current)->id != model->id) {
        if (Status s = store.set_default_model(model->id); !s.ok()) return fail(s.error());
        note(opts.quiet,
             std::string(*current ? "the database's model is now " : "the database's model is ") +
                 model->identity + " (" + std::to_string(model->dimensions) + " dimensions)" +
                 (*current ? ", was " + (*current)->identity : std::string()));
    } else {
        note(opts.quiet, "model " + model->identity + " (" + std::to_string(model->dimensions) +
                             " dimensions)");
    }

    Console console(!opts.quiet && stderr_is_terminal());
    app::EmbeddingJob job(store, **embedder, *model, {.batch_size = opts.batch});
    auto report = job.run_once([&](const app::EmbedProgress& p) {
        console.progress("embedding: " + with_thousands(p.done) + " / " + with_thousands(p.total) +
                         " papers, " + with_thousands(static_cast<int64_t>(p.papers_per_second)) +
                         " papers/s, ETA " + duration(p.eta_seconds));
        return true;
    });
    console.finish();
    if (!report.ok()) return fail(report.error());
    auto stats = store.vector_stats(model->id);
    if (!stats.ok()) return fail(stats.error());
    if (!opts.quiet) {
        std::fprintf(stderr,
                     "paperboy: embedded %s papers (%s unchanged kept) in %s s, %s papers/s; "
                     "%s of %s papers have a current vector\n",
                     with_thousands(report->embedded).c_str(), with_thousands(report->kept).c_str(),
                     fixed(report->seconds, 1).c_str(),
                     with_thousands(static_cast<int64_t>(report->papers_per_second)).c_str(),
                     with_thousands(stats->current).c_str(), with_thousands(stats->papers).c_str());
    }
    return kExitOk;
}

// The model an export names: a registered identity or spec, else the one `spec` opens to.
Result<store::EmbeddingModel> model_for_export(store::Store& store, const std::string& spec) {
    if (spec.empty()) {
        auto current = store.default_model();
        if (!current.ok()) return current.error();
        if (!*current) {
            return Error(ErrorCode::kNotFound,
                         "the database has no embedding model; pass --model DIR|URL|IDENTITY");
        }
        return **current;
    }
    auto all = store.models();
    if (!all.ok()) return all.error();
    for (const store::EmbeddingModel& m : *all) {
        if (m.identity == spec || m.spec == spec) return m;
    }
    auto embedder = embed::open_embedder(spec);
    if (!embedder.ok()) return embedder.error().with_context("opening the model " + spec);
    for (const store::EmbeddingModel& m : *all) {
        if (m.identity == (*embedder)->info().identity) return m;
    }
    return Error(ErrorCode::kNotFound,
                 "the database has no vectors of " + (*embedder)->info().identity);
}

int run_export(store::Store& store, const Options& opts) {
    auto model = model_for_export(store, opts.model);
    if (!model.ok()) return fail(model.error());
    const bool to_stdout = opts.export_path == "-";
    std::FILE* out = to_stdout ? stdout : std::fopen(opts.export_path.c_str(), "wb");
    if (out == nullptr) {
        return fail(Error(ErrorCode::kIo, "cannot write " + opts.export_path));
    }
    Console console(!opts.quiet && stderr_is_terminal());
    auto written = app::export_vectors(store, *model, out, [&](int64_t n) {
        console.progress("exporting: " + with_thousands(n) + " vectors");
    });
    console.finish();
    const bool closed = to_stdout || std::fclose(out) == 0;
    if (!written.ok()) return fail(written.error().with_context(opts.export_path));
    if (!closed) return fail(Error(ErrorCode::kIo, "writing " + opts.export_path + " failed"));
    note(opts.quiet, "exported " + with_thousands(*written) + " vectors of " + model->identity +
                         " to " + (to_stdout ? std::string("standard output") : opts.export_path));
    return kExitOk;
}

int run_import(store::Store& store, const Options& opts) {
    auto source = ingest::open_file_source(opts.import_path);
    if (!source.ok()) return fail(source.error());
    Console console(!opts.quiet && stderr_is_terminal());
    app::VectorImportOptions options;
    options.progress = [&](const app::VectorImport& p) {
        console.progress("importing: " + with_thousands(p.lines) + " lines, " +
                         with_thousands(p.stored) + " vectors stored");
    };
    auto report = app::import_vectors(store, **source, options);
    console.finish();
    if (!report.ok()) return fail(report.error());
    note(opts.quiet, "imported " + with_thousands(report->stored) + " vectors of " +
                         report->model.identity + " from " + with_thousands(report->lines) +
                         " lines; " + with_thousands(report->unknown) +
                         " name papers this database lacks, " + with_thousands(report->stale) +
                         " were of a text that has changed since (paperboy embed computes "
                         "those)");
    auto current = store.default_model();
    if (!current.ok()) return fail(current.error());
    if (!*current) {
        if (Status s = store.set_default_model(report->model.id); !s.ok()) return fail(s.error());
        note(opts.quiet, "the database's model is " + report->model.identity);
    }
    return kExitOk;
}

int run_status(store::Store& store) {
    auto all = store.models();
    if (!all.ok()) return fail(all.error());
    auto current = store.default_model();
    if (!current.ok()) return fail(current.error());
    if (all->empty()) {
        std::printf("no embedding models (paperboy embed --model DIR|URL adds one)\n");
        return kExitOk;
    }
    for (const store::EmbeddingModel& m : *all) {
        auto stats = store.vector_stats(m.id);
        if (!stats.ok()) return fail(stats.error());
        const bool is_default = *current && (*current)->id == m.id;
        std::printf(
            "%s%s\n  dimensions: %d\n  spec:       %s\n  vectors:    %s of %s papers "
            "(%s current)\n",
            m.identity.c_str(), is_default ? " (the database's model)" : "", m.dimensions,
            m.spec.c_str(), with_thousands(stats->vectors).c_str(),
            with_thousands(stats->papers).c_str(), with_thousands(stats->current).c_str());
    }
    return kExitOk;
}

}  // namespace

void add_embed_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "embed", "Compute, export or import the papers' vectors for semantic search");
    add_db_option(cmd, opts->db);
    cmd->add_option("--model", opts->model,
                    "A model folder (static or BERT) or an OpenAI-compatible server URL "
                    "(URL#MODEL); becomes the database's model. Default: the database's model");
    cmd->add_option("--batch", opts->batch, "Papers per batch (embedded and stored together)")
        ->check(CLI::Range(1, 65536));
    cmd->add_option("--threads", opts->threads, "Encoder threads for BERT models (0: all cores)")
        ->check(CLI::Range(0, 1024));
    auto* exp = cmd->add_option("--export", opts->export_path,
                                "Write the vectors as JSON lines to FILE ('-': standard output)");
    auto* imp = cmd->add_option("--import", opts->import_path,
                                "Load vectors from a JSON-lines FILE made by --export (or gzip)");
    auto* status = cmd->add_flag("--status", opts->status, "List the models and their vectors");
    exp->excludes(imp)->excludes(status);
    imp->excludes(status);
    cmd->add_flag("-q,--quiet", opts->quiet, "No progress or summary on stderr");
    cmd->footer(
        "Examples:\n"
        "  paperboy embed --db papers.db --model ../models/potion-base-8M\n"
        "  paperboy embed --db papers.db                  # new papers, with the database's model\n"
        "  paperboy embed --db papers.db --export vectors.jsonl\n"
        "  paperboy embed --db other.db --import vectors.jsonl\n"
        "A run stopped midway loses at most its current batch: run it again to continue.");
    cmd->callback([opts, &action] {
        action = [opts] {
            auto store = open_db(opts->db, /*must_exist=*/true);
            if (!store.ok()) return fail(store.error());
            if (opts->status) return run_status(**store);
            if (!opts->export_path.empty()) return run_export(**store, *opts);
            if (!opts->import_path.empty()) {
                if (!opts->model.empty()) {
                    return fail(Error(ErrorCode::kInvalidArgument,
                                      "--import takes the model from the file; leave out --model"));
                }
                return run_import(**store, *opts);
            }
            return run_embed(**store, *opts);
        };
    });
}

}  // namespace paperboy::cli
