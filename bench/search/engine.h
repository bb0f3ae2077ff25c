// search/engine.h — the search benchmark's engines behind one interface, and the documents and
// queries they all get.
//
// Every engine indexes the same BenchDoc values and answers the same BenchQuery values: a
// ranked OR of words, or one phrase, optionally with one filter (a category, a first day, has
// code), top-k, best first. The harness (search_bench.cpp) times build() and each search() call
// and compares the answers. Engines return document ordinals (the index of the doc in the
// vector given to build()), so that their answers can be compared.
// Single-threaded: one engine at a time, called from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/paper.h"

namespace paperboy::bench {

// A paper as every engine sees it: the snapshot's Paper minus what no engine indexes.
struct BenchDoc {
    Paper paper;            // id, title, abstract (display form), authors, categories, published
    std::string authors;    // the display names, joined with ", "
    std::string cats;       // " cs.cl math.co " (lower-case, space-delimited on both sides)
    int32_t day = 0;        // days since 1970-01-01 of the first version
    bool has_code = false;  // a GitHub link in the abstract or comments
};

// One query, in Paperboy's query language (`text`) and taken apart for the peers.
struct BenchQuery {
    std::string qid;
    std::string text;                // as in the TSV: `gene expression cat:q-bio.GN`
    std::vector<std::string> words;  // the words (lower-case); a phrase when `phrase`
    bool phrase = false;
    std::string category;             // cat: filter, lower-case; empty when none
    std::optional<int32_t> from_day;  // after: filter, inclusive
    bool has_code = false;            // has:code filter
};

struct BuildInfo {
    uint64_t index_bytes = 0;      // in memory (Paperboy) or on disk (the peers)
    std::string index_bytes_what;  // how index_bytes was measured
};

class Engine {
  public:
    virtual ~Engine() = default;

    virtual std::string name() const = 0;
    // The configuration, for the report: tokenizer, stemming, weighting, storage options.
    virtual std::string describe() const = 0;

    // Untimed setup before build(), for the harness's own bookkeeping (not index work).
    virtual void prepare(const std::vector<BenchDoc>& /*docs*/) {}

    // Indexes `docs` (their ordinals are their positions) and makes them searchable; called
    // once. The harness times it: this is the build time.
    virtual void build(const std::vector<BenchDoc>& docs) = 0;

    // What a user would do after a bulk build to make queries faster and the index smaller
    // (FTS5 'optimize', Xapian compaction); timed apart from the build, so that the peers
    // answer queries from their best index without their build time growing by it.
    virtual void optimize() {}

    // The index size, after optimize().
    virtual BuildInfo info() const = 0;

    // A restart: the index is persisted (untimed) and opened again, and the harness times
    // restart() — how long a server restarted on a built index takes to answer again. Engines
    // whose index is a database on disk reopen it in milliseconds and do not report one;
    // Paperboy's lives in memory and comes back from its snapshot file. False: not reported.
    virtual bool persist() { return false; }
    virtual void restart() {}

    // The ordinals of the best `k` documents for `query`, best first, into `out` (cleared).
    virtual void search(const BenchQuery& query, size_t k, std::vector<uint32_t>& out) = 0;
};

// The engines. `workdir` is an existing directory for on-disk indexes; engines remove their
// files when destroyed.
std::unique_ptr<Engine> make_paperboy_engine(size_t batch_size, const std::string& workdir);
std::unique_ptr<Engine> make_xapian_engine(const std::string& workdir);
std::unique_ptr<Engine> make_fts5_engine(const std::string& workdir);

// English stopwords (the Snowball list), for the Xapian stopper.
const std::vector<std::string>& english_stopwords();

}  // namespace paperboy::bench
