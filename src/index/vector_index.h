// index/vector_index.h — nearest-neighbour search over the papers' embedding vectors.
//
// A VectorIndex maps PaperIds to vectors of a fixed dimension and finds the papers whose
// vectors have the highest cosine similarity to a query vector. Vectors are stored with unit
// norm (the index normalises what it is given), so the cosine is a dot product. Three ways to
// answer a search, chosen per search (see VectorIndexOptions):
//   graph          an HNSW graph (hnswlib's HierarchicalNSW, inner-product space): approximate,
//                  fast on large collections; a filter is applied inside the graph walk;
//   exact, all     a scan of every vector, for collections smaller than `exact_below`, where
//                  the graph saves nothing;
//   exact, listed  a scan of an explicit candidate list, when a filter leaves few papers (a
//                  filtered graph walk must visit many rejected nodes to find k accepted ones).
// Vectors live once, in hnswlib's level-0 block: one allocation indexed by slot, each slot
// holding the node's links, its vector and a label. Exact scans walk that block with a stride.
// A removed paper's slot is marked deleted in the graph (searches still pass through it) and
// is reused by the next new paper; a replaced vector is updated in place (hnswlib's
// updatePoint relinks its neighbourhood).
//
// Derived data, like the lexical index: app/ feeds vectors (embed/ makes them) and follows the
// store's change feed; save()/load() keep a snapshot beside the lexical one.
//
// Concurrency: any number of threads may search while one thread writes (upsert, remove).
// hnswlib allows parallel searches and parallel insertions, but not a search during an insert,
// a deletion mark or a resize (its readers take no locks), so the index has a reader-writer
// lock: searches, contains(), vector(), size() and memory_bytes() hold it shared; writes
// hold it exclusively, for one chunk of at most 64 vectors at a time, so a large batch lets
// searches in between chunks. save() only keeps writes out, so searches go on while it writes.
// Waiting writers go first: a new search waits for a waiting writer, so a stream of searches cannot
// starve the change feed. Writes are serialised among themselves. Depends on core/ and hnswlib
// (only vector_index.cpp includes it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper_id.h"
#include "core/result.h"

namespace paperboy::index {

// Upper bounds on what one call may ask for.
inline constexpr int kMaxVectorDimensions = 4096;
inline constexpr size_t kMaxVectorK = 10000;

struct VectorIndexOptions {
    // HNSW graph: links per node (level 0 has 2*M) and the candidate list while inserting.
    // Larger values give better recall and slower, larger builds. A loaded snapshot keeps
    // the values it was built with.
    size_t M = 16;
    size_t ef_construction = 200;
    // The candidate list of a graph search (at least k is used). Larger: better recall,
    // slower search. 64 reaches recall@10 >= 0.95 on the benchmark's clustered 384-d data up
    // to 100k vectors; see bench/vector_bench.cpp.
    size_t ef_search = 64;

    // Below this many vectors, every search is an exact scan (the graph is still kept, so
    // that growing past it needs no rebuild).
    size_t exact_below = 5000;
    // A filter given as an explicit candidate list is answered by an exact scan of the
    // candidates when there are at most max(exact_candidates, exact_fraction * size())
    // of them (for a predicate filter: when it is estimated to accept so few); above that by
    // a filtered graph search. An exact scan of c candidates costs c
    // dot products; a filtered graph walk costs roughly its unfiltered cost divided by the
    // fraction of papers the filter accepts.
    size_t exact_candidates = 2000;
    double exact_fraction = 0.01;

    // Threads that insert new vectors into the graph in parallel within one upsert() batch
    // (hnswlib supports concurrent insertion), for bulk builds. 1: the writer's thread only.
    // hnswlib 0.6.2's parallel insertion draws node levels from one unsynchronised random
    // engine: a data race on that engine's state (ThreadSanitizer reports it), harmless to
    // the graph beyond skewing a few random levels.
    int build_threads = 1;
    size_t initial_capacity = 1024;  // slots; the capacity doubles whenever it is full
};

// Which papers a search may return. Build one per search; the index only reads it.
class VectorFilter {
  public:
    using Predicate = std::function<bool(const PaperId&)>;

    // Only these papers (ids that are not in the index are ignored; duplicates are fine).
    // Few candidates are scanned exactly (see VectorIndexOptions::exact_candidates).
    static VectorFilter only(std::vector<PaperId> ids);
    // Papers for which `accept` returns true. Called from the searching thread for each
    // paper the search considers (up to every paper of the index), with the index's read lock
    // held: it must be cheap and must not call back into the index. Its selectivity is
    // estimated on a sample of 512 papers; when it seems to accept no more than the exact
    // candidate limit, the search scans every paper with it (reading only accepted vectors),
    // else it filters the graph walk.
    // Cost: only() looks every listed id up in a hash map (about 0.3-0.7 us each on the
    // benchmark machine, so 10,000 ids cost milliseconds); where() costs nothing up front.
    static VectorFilter where(Predicate accept);

  private:
    friend class VectorIndex;
    VectorFilter() = default;
    std::optional<std::vector<PaperId>> ids_;
    Predicate accept_;
};

struct VectorHit {
    PaperId id = PaperId::local_from_title("");
    float score = 0;  // cosine similarity of the paper's vector and the query, in [-1, 1]
};

struct VectorSearchResult {
    std::vector<VectorHit> hits;  // best first; equal scores by id
    bool exact = false;           // answered by an exact scan rather than the graph
};

struct VectorSearchOptions {
    size_t k = 10;  // at most kMaxVectorK; 0 gives no hits
    const VectorFilter* filter = nullptr;
    size_t ef = 0;       // the graph search's candidate list; 0: VectorIndexOptions::ef_search
    bool exact = false;  // always scan exactly (the reference the graph search is measured by)
};

class VectorIndex {
  public:
    // An empty index of `dimensions`-float vectors (1..kMaxVectorDimensions; asserted, a
    // programmer error) made by `model`: the identity of the embedding model
    // (embed::ModelInfo::identity), written to and checked by snapshot files, so that vectors
    // of another model are never loaded.
    VectorIndex(int dimensions, std::string model, VectorIndexOptions options = {});
    ~VectorIndex();
    VectorIndex(const VectorIndex&) = delete;
    VectorIndex& operator=(const VectorIndex&) = delete;

    // Adds or replaces the vectors of `ids`: `vectors` holds ids.size() rows of dimensions()
    // floats, row-major. Each row is normalised to unit length. When an id occurs twice, the
    // later row wins. The batch is checked first and refused as a whole (kInvalidArgument,
    // naming the id) when its size is wrong or a row has a NaN, an infinity or zero length;
    // then nothing changes. Visible to searches that start after the call returns (and,
    // chunk by chunk, to some that run meanwhile). Writer side; see the header comment.
    Status upsert(std::span<const PaperId> ids, std::span<const float> vectors);

    // Removes papers; ids not in the index are ignored. Writer side.
    void remove(std::span<const PaperId> ids);

    // The top `k` papers by cosine similarity to `query` (dimensions() floats, normalised
    // here) that the filter accepts (all when null). Errors (kInvalidArgument): a query of
    // another dimension, with a NaN or infinity, or of zero length; k > kMaxVectorK.
    // Thread-safe, concurrent with the writer.
    Result<VectorSearchResult> search(std::span<const float> query,
                                      const VectorSearchOptions& options) const;
    Result<VectorSearchResult> search(std::span<const float> query, size_t k,
                                      const VectorFilter* filter = nullptr) const;

    // The cosine of each paper's vector and `query` (normalised here), in order; nullopt for a
    // paper not in the index or a query of another dimension or zero length. One read lock for
    // the whole list (hybrid ranking scores a hundred candidates at once). Thread-safe.
    std::vector<std::optional<float>> similarities(std::span<const PaperId> ids,
                                                   std::span<const float> query) const;

    bool contains(const PaperId& id) const;
    // A copy of the paper's (normalised) vector, or nullopt when absent.
    std::optional<std::vector<float>> vector(const PaperId& id) const;
    size_t size() const;  // papers in the index
    int dimensions() const;
    const std::string& model() const;
    // Sets VectorIndexOptions::ef_search for later searches. Thread-safe.
    void set_ef_search(size_t ef);

    // Bytes held: the graph's level-0 block (links, vectors, labels) at its current capacity,
    // the upper-level links, hnswlib's per-slot locks and visited lists, and the id maps (an
    // estimate of their nodes and strings).
    uint64_t memory_bytes() const;

    // Snapshot files. save() writes the index to `path` atomically (a temporary file renamed
    // over it): a header (magic, format version, byte order, dimensions, model identity,
    // `label`: app/ puts the store's identity and change-feed position there), the slot
    // table, the graph, and a checksum of all of it. Writes wait while it runs; searches do
    // not. load() fills an empty index from such a file and returns the
    // label. Refused, leaving the index empty, with an error that says why: a missing file
    // (kNotFound), another format version (kVersionMismatch), other dimensions or model
    // (kInvalidArgument), a torn, truncated or corrupted file or a graph that does not hold
    // together (kCorruption); every size is checked before anything is allocated or read.
    Status save(const std::string& path, std::string_view label) const;
    Result<std::string> load(const std::string& path);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace paperboy::index
