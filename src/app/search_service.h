// app/search_service.h — search over the store: the index kept in step with the store's
// change feed, queries parsed, results with papers, snippets and suggestions.
//
// The index is derived: SearchService::open() builds it from the store (for_each_paper plus
// the daily lists), and sync() applies the store's changes since the last sequence it saw, so a
// paper ingested while a server runs becomes searchable at the next sync (the server calls it
// about once a second). Thread-safety: search() from any number of threads; open() and sync()
// from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "index/index.h"
#include "store/store.h"
#include "text/analyzer.h"

namespace paperboy::app {

// The index's view of a paper.
index::IndexDoc to_index_doc(const Paper& paper, bool on_daily_list);

struct SearchHit {
    Paper paper;
    float score = 0;
    std::string snippet;  // HTML-safe, <mark>-highlighted best passage of the abstract
};

struct SearchResponse {
    std::vector<SearchHit> hits;
    uint64_t matched = 0;
    bool matched_is_exact = true;
    std::vector<index::Suggestion> suggestions;
    bool query_truncated = false;
};

struct SyncReport {
    int64_t applied = 0;        // changes applied to the index
    int64_t last_sequence = 0;  // the store sequence the index now reflects
};

class SearchService {
  public:
    // Builds the index from every visible paper of `store`. The service keeps a reference to
    // `store`, which must outlive it.
    static Result<std::unique_ptr<SearchService>> open(store::Store& store);

    // Applies the store's changes since the last sync (or open).
    Result<SyncReport> sync();

    // Parses `query` and returns the page of hits with their papers and snippets.
    Result<SearchResponse> search(const std::string& query, const index::SearchOptions& options);

    // Ids only, without loading papers (batch evaluation and benchmarks).
    index::SearchResult search_ids(const std::string& query, const index::SearchOptions& options);

    const index::Index& index() const { return *index_; }
    const text::Analyzer& analyzer() const { return *analyzer_; }
    int64_t last_sequence() const { return last_sequence_; }

  private:
    explicit SearchService(store::Store& store);

    store::Store& store_;
    std::unique_ptr<text::Analyzer> analyzer_;
    std::unique_ptr<index::Index> index_;
    int64_t last_sequence_ = 0;
};

}  // namespace paperboy::app
