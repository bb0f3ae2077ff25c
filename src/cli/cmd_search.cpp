// paperboy search: one query, or a batch of queries written as a TREC run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "app/paper_json.h"
#include "app/search_service.h"
#include "cli/common.h"
#include "cli/search_setup.h"
#include "core/json_writer.h"
#include "ingest/beir_queries.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string db;
    std::string index;
    std::string query;
    size_t limit = 0;  // 0: 10 for one query, 100 for a batch
    bool json = false;
    std::string queries;
    std::string run;
    bool stats = false;
    std::string model;
    std::string mode;
};

// The id a test collection knows a paper by: BEIR corpora's non-arXiv ids were stored as
// "local:<id>".
std::string collection_id(const PaperId& id) {
    const std::string& s = id.str();
    return id.kind() == PaperId::Kind::kLocal ? s.substr(6) : s;
}

// Snippets are HTML; the terminal shows the highlights as *...* and the text unescaped.
std::string snippet_for_terminal(std::string_view html) {
    static constexpr std::pair<std::string_view, std::string_view> kReplacements[] = {
        {"<mark>", "*"},  {"</mark>", "*"}, {"&lt;", "<"},  {"&gt;", ">"},
        {"&quot;", "\""}, {"&#39;", "'"},   {"&amp;", "&"},
    };
    std::string out;
    for (size_t i = 0; i < html.size();) {
        bool replaced = false;
        for (const auto& [from, to] : kReplacements) {
            if (html.substr(i, from.size()) == from) {
                out += to;
                i += from.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) out += html[i++];
    }
    return out;
}

int search_one(app::SearchService& service, const app::Library& library, const Options& opts) {
    index::SearchOptions options;
    options.limit = opts.limit == 0 ? 10 : opts.limit;
    auto response =
        service.search(opts.query, options, /*suggest=*/true, search_mode_option(opts.mode));
    if (!response.ok()) return fail(response.error());
    if (opts.json) {
        JsonWriter w(/*pretty=*/true);
        w.begin_object().field("query", opts.query);
        w.field("mode", app::search_mode_name(response->mode));
        w.field("matched", static_cast<int64_t>(response->matched));
        w.field("matchedIsExact", response->matched_is_exact);
        if (response->query_truncated) w.field("queryTruncated", true);
        w.key("suggestions").begin_array();
        for (const index::Suggestion& s : response->suggestions) {
            w.begin_object().field("word", s.word).field("suggestion", s.replacement).end_object();
        }
        w.end_array();
        w.key("results").begin_array();
        for (const app::SearchHit& hit : response->hits) {
            auto page = library.paper(hit.paper.id);
            if (!page.ok()) return fail(page.error());
            const std::vector<DailyEntry> entries =
                *page ? (*page)->entries : std::vector<DailyEntry>{};
            w.begin_object().field("score", static_cast<double>(hit.score));
            w.field("snippet", hit.snippet);
            w.key("paper");
            app::write_paper_json(w, hit.paper, entries);
            w.end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    if (!response->suggestions.empty()) {
        std::string did_you_mean = opts.query;
        for (const index::Suggestion& s : response->suggestions) {
            std::string lowered = did_you_mean;
            std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (size_t at = lowered.find(s.word); at != std::string::npos) {
                did_you_mean.replace(at, s.word.size(), s.replacement);
            }
        }
        std::printf("Did you mean: %s\n\n", did_you_mean.c_str());
    }
    static constexpr const char* kRankedBy[] = {"words", "meaning", "words and meaning"};
    std::printf("%llu matching paper%s, ranked by %s\n\n",
                static_cast<unsigned long long>(response->matched),
                response->matched == 1 ? "" : "s", kRankedBy[static_cast<int>(response->mode)]);
    int rank = 0;
    for (const app::SearchHit& hit : response->hits) {
        std::printf("%2d. %s  [%s]  %.3f\n    %s\n\n", ++rank, hit.paper.title.c_str(),
                    hit.paper.id.str().c_str(), static_cast<double>(hit.score),
                    snippet_for_terminal(hit.snippet).c_str());
    }
    return kExitOk;
}

int search_batch(app::SearchService& service, const Options& opts) {
    auto queries = ingest::read_queries(opts.queries);
    if (!queries.ok()) return fail(queries.error());
    std::ofstream run(opts.run);
    if (!run) return fail(Error(ErrorCode::kIo, "cannot write run file " + opts.run));
    index::SearchOptions options;
    options.limit = opts.limit == 0 ? 100 : opts.limit;
    const std::optional<app::SearchMode> mode = search_mode_option(opts.mode);
    std::vector<double> millis;
    millis.reserve(queries->size());
    for (const ingest::TestQuery& q : *queries) {
        auto start = std::chrono::steady_clock::now();
        index::SearchResult result = service.search_ids(q.text, options, mode);
        auto stop = std::chrono::steady_clock::now();
        millis.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        int rank = 0;
        for (const index::Hit& hit : result.hits) {
            run << q.id << " Q0 " << collection_id(hit.id) << ' ' << ++rank << ' ' << hit.score
                << " paperboy\n";
        }
    }
    run.close();
    if (!run) return fail(Error(ErrorCode::kIo, "writing run file " + opts.run + " failed"));
    if (opts.stats) {
        std::vector<double> sorted = millis;
        std::sort(sorted.begin(), sorted.end());
        auto pct = [&](double p) {
            if (sorted.empty()) return 0.0;
            size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
            return sorted[std::min(i, sorted.size() - 1)];
        };
        double total = 0;
        for (double m : millis) total += m;
        JsonWriter w;
        w.begin_object()
            .field("queries", static_cast<int64_t>(millis.size()))
            .field("p50_ms", pct(0.50))
            .field("p90_ms", pct(0.90))
            .field("p99_ms", pct(0.99))
            .field("mean_ms", millis.empty() ? 0.0 : total / static_cast<double>(millis.size()))
            .end_object();
        std::fprintf(stderr, "%s\n", w.str().c_str());
    }
    return kExitOk;
}

int run_search(const Options& opts) {
    bool batch = !opts.queries.empty();
    if (batch == !opts.query.empty()) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "give either a QUERY or --queries FILE with --run OUT"));
    }
    if (batch && opts.run.empty()) {
        return fail(Error(ErrorCode::kInvalidArgument, "--queries needs --run OUT"));
    }
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());
    auto service = open_search(**store, opts.db, opts.index, opts.model);
    if (!service.ok()) return fail(service.error());
    const int status =
        batch ? search_batch(**service, opts) : search_one(**service, app::Library(**store), opts);
    // After the answer: the next search then starts from the snapshot.
    save_search_snapshot(**service);
    return status;
}

}  // namespace

void add_search_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("search", "Search papers by keyword");
    add_db_option(cmd, opts->db);
    add_index_option(cmd, opts->index);
    add_model_option(cmd, opts->model);
    add_mode_option(cmd, opts->mode);
    cmd->add_option("query", opts->query, "The query (see below)");
    cmd->add_option("--limit", opts->limit, "Results (default 10; 100 with --queries)")
        ->check(CLI::Range(1, 10000));
    cmd->add_flag("--json", opts->json, "Print JSON (papers in Hugging Face field names)");
    cmd->add_option("--queries", opts->queries,
                    "Batch: a BEIR queries.jsonl or a qid<TAB>text file")
        ->check(CLI::ExistingFile);
    cmd->add_option("--run", opts->run, "Batch: write a TREC run file (qid Q0 docid rank score)");
    cmd->add_flag("--stats", opts->stats,
                  "Batch: print latency percentiles as one JSON line on stderr");
    cmd->footer(
        "Query language: words are ranked OR (BM25F over title, abstract, authors, categories);\n"
        "\"a phrase\" must match; -word excludes; title: abstract: author: narrow to a field;\n"
        "cat:cs.CL org:NAME after:2024-01-01 before:2024-12-31 year:2024 has:code on:daily\n"
        "filter; transfo* matches by prefix.\n\n"
        "Examples:\n"
        "  paperboy search --db papers.db 'contrastive loss memory' --limit 5\n"
        "  paperboy search --db papers.db '\"large language models\" cat:cs.CL after:2024-01-01'\n"
        "  paperboy search --db scifact.db --queries queries.jsonl --run run.txt --stats");
    cmd->callback([opts, &action] { action = [opts] { return run_search(*opts); }; });
}

}  // namespace paperboy::cli
