// index/index.h — the in-memory search index.
//
// An inverted index over title, abstract, authors and categories: compressed postings with
// positions and per-field term frequencies, per-field lengths, BM25F scoring (parameters in
// index/bm25f.h, one documented place), top-k retrieval with dynamic pruning (MaxScore), and
// filters as Roaring bitmaps. Derived data: the store is the truth; app/ feeds the index Paper
// values (it never reads the store itself) and follows the store's change feed.
//
// Concurrency: searches run from any number of threads while one writer adds, replaces and
// removes documents. Readers work on an immutable snapshot (a list of immutable segments and a
// deletion bitmap) that they pin with a shared_ptr; the writer builds new segments aside and
// publishes a new snapshot atomically. A reader never waits for a writer beyond a pointer copy.
// Depends on core/ and text/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"
#include "index/query.h"
#include "text/analyzer.h"

namespace paperboy::index {

// What the index needs of a paper (app/ builds it from Paper and its daily entries).
struct IndexDoc {
    PaperId id = PaperId::local_from_title("");
    std::string title;
    std::string abstract;
    std::vector<std::string> authors;     // display names
    std::vector<std::string> categories;  // arXiv codes, primary first
    std::string organization;
    int32_t published_day = INT32_MIN;  // days since 1970-01-01; INT32_MIN when unknown
    bool has_code = false;
    bool on_daily_list = false;
};

struct SearchOptions {
    size_t limit = 10;
    size_t offset = 0;
    // Scores every matching document instead of pruning with MaxScore: the reference the
    // pruned search is tested against (same hits), and an exact `matched`. Slower.
    bool exhaustive = false;
};

struct Hit {
    PaperId id = PaperId::local_from_title("");
    float score = 0;
};

struct SearchResult {
    std::vector<Hit> hits;         // best first; ties by id
    uint64_t matched = 0;          // documents that matched (exact when the query was
    bool matched_is_exact = true;  //   evaluated exhaustively, else a lower bound)
};

struct Suggestion {
    std::string word;         // the typed word
    std::string replacement;  // the suggested word (a real word of the vocabulary, unstemmed)
};

struct IndexStats {
    uint64_t documents = 0;
    uint64_t deleted = 0;  // removed but not yet merged away
    uint64_t terms = 0;
    uint64_t segments = 0;
    uint64_t memory_bytes = 0;  // postings, dictionaries, per-doc data; not the stored text
};

class Index {
  public:
    explicit Index(const text::Analyzer& analyzer);
    ~Index();
    Index(const Index&) = delete;
    Index& operator=(const Index&) = delete;

    // Adds `docs`, replacing any document with the same id, and makes them visible to new
    // searches before returning. Batches are much cheaper than single documents. Writer
    // thread only (one writer at a time; calls are serialised internally).
    void upsert(const std::vector<IndexDoc>& docs);

    // Removes documents by id (unknown ids are ignored) and makes that visible.
    void remove(const std::vector<PaperId>& ids);

    // Top-k of `query`. Thread-safe, concurrent with writers.
    SearchResult search(const Query& query, const SearchOptions& options = {}) const;

    // "Did you mean" replacements for the query's words that are absent or nearly absent from
    // the whole index (in at most max(1, N / 100,000) documents), by a close neighbour (edit
    // distance <= 2) much more frequent in titles and author names, and only when the
    // replacement finds more documents than the typed word under the query's filters and
    // required clauses (suggest.cpp). Costs two exhaustive searches for each word that gets that
    // far; nothing for words in use.
    std::vector<Suggestion> suggest(const Query& query) const;

    IndexStats stats() const;

    // The number of documents with the analysed `term` in any field, summed over the current
    // snapshot's segments (a removed or replaced version counts until its segment is merged
    // away). For "more like this" term weighting. Thread-safe, concurrent with writers.
    uint64_t document_frequency(std::string_view term) const;

    // Snapshot files (index_file.cpp). save() writes the whole index to `path` atomically (a
    // temporary file renamed over it) with `label`, what the caller needs to check later that
    // the file still describes its data (app/ puts the store's identity and change-feed
    // position there). load() fills an empty index from such a file and returns the label; a
    // file of another format version or analyzer, or a torn or corrupted one, is refused with
    // an error that says so, and the index is left empty.
    Status save(const std::string& path, std::string_view label) const;
    Result<std::string> load(const std::string& path);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace paperboy::index
