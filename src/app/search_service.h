// app/search_service.h — search over the store: the index kept in step with the store's
// change feed, queries parsed, results with papers, snippets and suggestions.
//
// The index is derived: SearchService::open() builds it from the store (for_each_paper plus
// the daily lists), and sync() applies the store's changes since the last sequence it saw, so a
// paper ingested while a server runs becomes searchable at the next sync (the server calls it
// about once a second). Thread-safety: search() from any number of threads; open() and sync()
// from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/vector_search.h"
#include "core/paper.h"
#include "core/result.h"
#include "embed/embedder.h"
#include "index/index.h"
#include "rank/fusion.h"
#include "store/store.h"
#include "text/analyzer.h"

namespace paperboy::app {

// The index's view of a paper.
index::IndexDoc to_index_doc(const Paper& paper, bool on_daily_list);

// How a query is ranked (docs/ranking.md):
//   lexical   BM25F over the words (and the query language's phrases, fields and filters);
//   semantic  the papers whose vectors are nearest the query's, under the same filters;
//   hybrid    both, fused (rank/fusion.h): lexical precision at the top, meaning below it.
enum class SearchMode { kLexical, kSemantic, kHybrid };
std::string_view search_mode_name(SearchMode mode);
// "lexical", "semantic", "hybrid"; nullopt for anything else.
std::optional<SearchMode> parse_search_mode(std::string_view name);

// What a model is given of a query: its words, phrases' words and fielded words, without the
// operators, filters (cat:, after:, has: ...) and excluded words (-word).
std::string semantic_query_text(std::string_view query);

struct SearchHit {
    Paper paper;
    std::vector<DailyEntry> entries;  // the daily lists it is on, latest first
    int comment_count = 0;            // visible local comments
    int upvotes = 0;                  // as every page shows them (card_upvotes())
    float score = 0;
    std::string snippet;  // HTML-safe, <mark>-highlighted best passage of the abstract
};

struct SearchResponse {
    std::vector<SearchHit> hits;
    uint64_t matched = 0;
    bool matched_is_exact = true;
    std::vector<index::Suggestion> suggestions;
    bool query_truncated = false;
    SearchMode mode = SearchMode::kLexical;  // how the hits were ranked
};

struct SearchServiceOptions {
    // Where the index snapshot lives; empty for none (the index is always built from the
    // store). See SearchService::open().
    std::string snapshot_path;
    // Called now and then while the index is built from the store: papers so far.
    std::function<void(uint64_t papers)> progress;
    // The model to search by meaning with (null: lexical only). Its vectors are those the
    // store holds under its identity (Vectors::register_model); with none, search stays
    // lexical. Query vectors are made with it.
    std::shared_ptr<embed::Embedder> embedder;
    VectorSearchOptions vectors;
    rank::FusionParams fusion;
};

// How open() got its index.
struct OpenReport {
    bool from_snapshot = false;
    std::string snapshot_problem;  // why an existing snapshot could not be used
    int64_t applied = 0;           // changes applied after loading the snapshot
    double seconds = 0;
    // The vector side: whether there is one (a model with stored vectors), and how it came.
    bool vectors = false;
    bool vectors_from_snapshot = false;
    std::string vectors_problem;  // why a vector snapshot could not be used, or why no vectors
};

struct SyncReport {
    int64_t applied = 0;        // changes applied to the index
    int64_t last_sequence = 0;  // the store sequence the index now reflects
};

class SearchService {
  public:
    // Loads the index snapshot at options.snapshot_path if there is one and it belongs to this
    // store (same store identity, a change-feed position the store has reached, the same
    // analyzer and formats) and applies the store's changes since; otherwise builds the index
    // from every visible paper of `store`. A snapshot that cannot be used is not an error: the
    // index is rebuilt and OpenReport says why. The service keeps a reference to `store`,
    // which must outlive it.
    static Result<std::unique_ptr<SearchService>> open(store::Store& store,
                                                       SearchServiceOptions options = {});

    // Applies the store's changes since the last sync (or open).
    Result<SyncReport> sync();
    // Waits until the store's change feed holds something the index has not applied (true), or
    // `timeout` passes (false). Wakes on writes of any process or node (store/coordination.h).
    Result<bool> wait_for_changes(std::chrono::milliseconds timeout);

    // Writes the index snapshot if the index has moved on from the one on disk by at least
    // `min_changes` changes (0: whenever it differs at all). Call it from the thread that calls
    // sync(). Returns whether a snapshot was written.
    Result<bool> save_snapshot(int64_t min_changes = 0);

    const OpenReport& open_report() const { return open_report_; }

    // Parses `query` and returns the page of hits with their papers and snippets.
    // `suggest`: also compute "did you mean" suggestions (pages show them; the JSON API does not).
    // `mode`: nullopt for default_mode(). Semantic and hybrid fall back to lexical when there
    // are no vectors or the query has no words (SearchResponse::mode says what was done);
    // errors of the model (a server down) fall back to lexical too, logged once a minute.
    Result<SearchResponse> search(const std::string& query, const index::SearchOptions& options,
                                  bool suggest = true,
                                  std::optional<SearchMode> mode = std::nullopt);

    // Hybrid when there are vectors, else lexical.
    SearchMode default_mode() const;
    // The vector side, or null when search is lexical only.
    const VectorSearch* vectors() const { return vectors_.get(); }

    // Papers like `paper`, best first, at most `limit`, `paper` itself excluded: the nearest
    // vectors to the paper's when it has one; else "more like this", a ranked OR of its title
    // terms and its most distinctive abstract terms (the highest tf·idf against the index).
    // Hits carry no snippet. Thread-safe like search().
    Result<std::vector<SearchHit>> similar(const Paper& paper, size_t limit);

    // Ids only, without loading papers (batch evaluation and benchmarks).
    index::SearchResult search_ids(const std::string& query, const index::SearchOptions& options,
                                   std::optional<SearchMode> mode = std::nullopt);

    // The papers nearest `vector` (a paper's or a member's taste), best first, at most `limit`,
    // without `exclude`; only papers published on or after `from_day` when given (days since
    // 1970-01-01). Empty without vectors. Thread-safe like search().
    Result<std::vector<index::VectorHit>> nearest(std::span<const float> vector, size_t limit,
                                                  const std::vector<PaperId>& exclude,
                                                  std::optional<int32_t> from_day = std::nullopt);

    // `text` embedded as a query (embed::Purpose::kQuery) by the search model, cached like the
    // search box's queries (semantic topic alerts, app/digest_job.h). kNotFound without vectors;
    // the model's errors (kUnavailable ...). Thread-safe like search().
    Result<std::vector<float>> embed_query(const std::string& text);

    const index::Index& index() const { return *index_; }
    const text::Analyzer& analyzer() const { return *analyzer_; }
    int64_t last_sequence() const { return last_sequence_; }

  private:
    SearchService(store::Store& store, SearchServiceOptions options);
    Status build_from_store();
    // Opens the vector side for options_.embedder, when the store has its model.
    Status open_vectors(bool lexical_from_snapshot);
    // The ranked ids of a parsed query in `mode` (after fallbacks), and the mode used.
    index::SearchResult rank(const index::Query& parsed, const std::string& query,
                             const index::SearchOptions& options, SearchMode& mode);
    std::string snapshot_label(int64_t sequence) const;
    // The hits of `ids` with their cards (papers gone since the last sync are skipped).
    Result<std::vector<SearchHit>> hits_for(const std::vector<PaperId>& ids,
                                            const std::vector<float>& scores);
    // Loads the snapshot and checks it against the store; when it cannot be used, the reason
    // (empty when there is no snapshot file).
    std::optional<std::string> load_snapshot(const std::string& store_id);

    store::Store& store_;
    SearchServiceOptions options_;
    std::string store_id_;
    OpenReport open_report_;
    int64_t snapshot_sequence_ = -1;  // what the snapshot on disk reflects; -1: none
    std::unique_ptr<text::Analyzer> analyzer_;
    std::unique_ptr<index::Index> index_;
    std::unique_ptr<VectorSearch> vectors_;
    int64_t last_sequence_ = 0;
    std::atomic<int64_t> last_model_error_log_{0};  // steady seconds; rate-limits the log
};

}  // namespace paperboy::app
