// index/index_impl.h — the state behind Index (private to index/: index.cpp, suggest.cpp).
//
// Readers take `snapshot` under `snapshot_mutex` (a pointer copy) and use it lock-free; the
// writer state below `writer_mutex` is touched by upsert() and remove() only.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "index/bm25f.h"
#include "index/index.h"
#include "index/segment.h"
#include "index/string_table.h"
#include "index/vocabulary.h"

namespace paperboy::index {

// An immutable view of the index: what one search reads.
struct Snapshot {
    std::vector<SegmentWithDeletions> segments;
    uint64_t live_docs = 0;
    uint64_t deleted = 0;
    // Per segment (same order): its live documents with a non-empty field f.
    std::vector<std::array<uint32_t, kNumFields>> field_docs;
    // The mean length of field f over the live documents that have it (bm25f.h).
    std::array<double, kNumFields> avg_len{};
    FieldNorms norms;         // the length normalisation for avg_len (computed once per snapshot)
    size_t writer_bytes = 0;  // the writer's id map at publication, for stats()
};

// Where the live version of a paper is.
struct Location {
    const Segment* segment = nullptr;  // null: no live version
    uint32_t doc = 0;
};

struct Index::Impl {
    explicit Impl(const text::Analyzer& a) : analyzer(a) {}

    const text::Analyzer& analyzer;
    Bm25fParams params = kDefaultBm25fParams;

    mutable std::mutex snapshot_mutex;
    std::shared_ptr<const Snapshot> snapshot = std::make_shared<Snapshot>();

    // Writer state, under writer_mutex.
    std::mutex writer_mutex;
    std::vector<SegmentWithDeletions> segments;
    StringTable keys;                 // paper id -> key
    std::vector<Location> locations;  // by key
    // Deletion sets copied during the current write, not yet published (so still mutable).
    std::unordered_map<const Segment*, std::shared_ptr<DeletedDocs>> fresh_deletions;

    Vocabulary vocabulary;

    std::shared_ptr<const Snapshot> load() const {
        std::lock_guard lock(snapshot_mutex);
        return snapshot;
    }

    void publish();
    void mark_deleted(uint32_t key);
    void add_segment(std::shared_ptr<const Segment> segment);
    void merge(size_t first, size_t last);
    void apply_merge_policy();

    std::vector<std::pair<std::string_view, uint64_t>> expand_prefix(const Snapshot& snap,
                                                                     const Clause& clause) const;
};

}  // namespace paperboy::index
