// paperboy eval: search quality on a BEIR test collection.
#include <cstdio>
#include <filesystem>

#include "app/evaluation.h"
#include "app/search_service.h"
#include "cli/common.h"
#include "cli/search_setup.h"
#include "core/json_writer.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string db;
    std::string index;
    std::string beir;
    std::string split = "test";
    bool json = false;
    std::string model;
    std::string mode;
};

int run_eval(const Options& opts) {
    std::filesystem::path dir(opts.beir);
    auto queries = ingest::read_queries((dir / "queries.jsonl").string());
    if (!queries.ok()) return fail(queries.error());
    auto qrels = ingest::read_qrels((dir / "qrels" / (opts.split + ".tsv")).string());
    if (!qrels.ok()) return fail(qrels.error());
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());
    auto service = open_search(**store, opts.db, opts.index, opts.model);
    if (!service.ok()) return fail(service.error());

    const std::optional<app::SearchMode> mode = search_mode_option(opts.mode);
    const app::SearchMode used = mode.value_or((*service)->default_mode());
    app::Runs runs = app::run_queries(**service, *queries, *qrels, 100, mode);
    save_search_snapshot(**service);
    app::EvalSummary s = app::summarize(runs, *qrels);
    if (opts.json) {
        JsonWriter w;
        w.begin_object()
            .field("mode", app::search_mode_name(used))
            .field("queries", static_cast<int64_t>(s.queries))
            .field("ndcg@10", s.ndcg_at_10)
            .field("recall@100", s.recall_at_100)
            .end_object();
        std::printf("%s\n", w.str().c_str());
    } else {
        std::printf("mode:        %s\nqueries:     %zu\nnDCG@10:     %.4f\nRecall@100:  %.4f\n",
                    std::string(app::search_mode_name(used)).c_str(), s.queries, s.ndcg_at_10,
                    s.recall_at_100);
    }
    return kExitOk;
}

}  // namespace

void add_eval_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("eval", "Measure search quality on a BEIR test collection");
    add_db_option(cmd, opts->db, "the collection's corpus");
    add_index_option(cmd, opts->index);
    add_model_option(cmd, opts->model);
    add_mode_option(cmd, opts->mode);
    cmd->add_option("--beir", opts->beir, "BEIR directory with queries.jsonl and qrels/")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--split", opts->split, "Which qrels/<split>.tsv to use (default test)");
    cmd->add_flag("--json", opts->json, "Print JSON");
    cmd->footer(
        "Prints nDCG@10 and Recall@100 over the judged queries.\n\n"
        "Example (SciFact):\n"
        "  paperboy ingest --db scifact.db --format beir scifact/corpus.jsonl.gz\n"
        "  paperboy eval --db scifact.db --beir scifact");
    cmd->callback([opts, &action] { action = [opts] { return run_eval(*opts); }; });
}

}  // namespace paperboy::cli
