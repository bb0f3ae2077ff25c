// index/segment.h — an immutable slice of the index, how one is built, and how several merge.
//
// A Segment holds a batch of documents with local ids 0..num_docs-1 in insertion order: the
// term dictionary (sorted, so prefix queries expand over a range), the postings (postings.h),
// per-document field lengths, publication days and paper ids, and the filter bitmaps (Roaring)
// for categories, organisations, has-code and on-a-daily-list. It never changes once built;
// deletions are kept beside it (DeletedDocs) in the index's snapshot.
//
// SegmentBuilder analyses documents into a new Segment; merge_segments() combines segments and
// drops deleted documents, copying whole posting blocks where it can. Both run on the writer
// side; a built Segment may be read by any number of threads.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <roaring/roaring.hh>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/bm25f.h"
#include "index/index.h"
#include "index/postings.h"
#include "index/string_table.h"
#include "text/analyzer.h"

namespace paperboy::index {

struct Segment {
    uint32_t num_docs = 0;

    // Per document.
    std::vector<PaperId> ids;
    std::vector<uint32_t> keys;  // the index writer's key of each paper id (Index::Impl)
    std::vector<uint16_t> lens;  // kNumFields per document, capped at 65535
    std::vector<int32_t> days;   // published_day
    std::array<uint64_t, kNumFields> sum_len{};
    // The mean field lengths BlockMeta::max_pseudo_tf was computed with.
    std::array<double, kNumFields> reference_len{};

    // Filters.
    Roaring has_code;
    Roaring on_daily_list;
    std::map<std::string, Roaring, std::less<>> categories;     // "cs.cl"
    std::map<std::string, Roaring, std::less<>> organizations;  // folded

    // Term dictionary: term i is term_chars[term_offsets[i], term_offsets[i+1]); its blocks
    // are [term_first_block[i], term_first_block[i+1]).
    std::string term_chars;
    std::vector<uint32_t> term_offsets;
    std::vector<uint32_t> term_df;
    std::vector<uint32_t> term_first_block;
    // The dictionary hashed, for find_term(): slot i holds a term id + 1 (0: empty), probed
    // linearly from the term's hash. Built by index_terms() once the dictionary is complete;
    // empty, find_term() binary-searches the sorted terms instead.
    std::vector<uint32_t> term_slots;
    PostingStore postings;

    uint32_t num_terms() const { return static_cast<uint32_t>(term_df.size()); }
    std::string_view term(uint32_t i) const {
        return std::string_view(term_chars)
            .substr(term_offsets[i], term_offsets[i + 1] - term_offsets[i]);
    }
    std::optional<uint32_t> find_term(std::string_view term) const;
    // Builds term_slots from the dictionary (a query looks up each of its terms in each
    // segment: one or two probes instead of a binary search's ~17 string comparisons).
    void index_terms();
    // The terms starting with `prefix`: [first, second).
    std::pair<uint32_t, uint32_t> prefix_range(std::string_view prefix) const;
    PostingCursor cursor(uint32_t term) const {
        return PostingCursor(postings, term_first_block[term], term_first_block[term + 1]);
    }
    const uint16_t* doc_lens(uint32_t doc) const { return lens.data() + size_t{doc} * kNumFields; }

    size_t memory_bytes() const;

    // The reference means of a segment with these length sums (never 0, so bounds stay finite)
    // and the default parameters' normalisation for them.
    static std::array<double, kNumFields> mean_lengths(
        const std::array<uint64_t, kNumFields>& sum_len, uint32_t num_docs);
    FieldNorms reference_norms() const {
        return make_field_norms(kDefaultBm25fParams, reference_len);
    }
};

// How much a pseudo-frequency bound computed with mean lengths `from` must grow to hold for
// mean lengths `to`: a larger mean shrinks the normalisation by at most the ratio.
inline float bound_scale(const std::array<double, kNumFields>& from,
                         const std::array<double, kNumFields>& to) {
    double scale = 1.0;
    for (int f = 0; f < kNumFields; ++f) {
        if (from[f] > 0 && to[f] > from[f]) scale = std::max(scale, to[f] / from[f]);
    }
    return static_cast<float>(scale);
}

// Documents removed from a segment after it was built; copied on write by the index writer.
struct DeletedDocs {
    std::vector<uint64_t> bits;
    uint32_t count = 0;
    std::array<uint64_t, kNumFields> sum_len{};  // field lengths of the deleted documents

    bool contains(uint32_t doc) const {
        return doc / 64 < bits.size() && (bits[doc / 64] >> (doc % 64) & 1U) != 0;
    }
    void add(uint32_t doc, const uint16_t* lens);
};

// Surface words (folded, unstemmed) of a batch with their document frequencies, for
// suggestions.
struct WordCounts {
    StringTable words;
    std::vector<uint32_t> df;
};

class SegmentBuilder {
  public:
    explicit SegmentBuilder(const text::Analyzer& analyzer);
    ~SegmentBuilder();
    SegmentBuilder(const SegmentBuilder&) = delete;
    SegmentBuilder& operator=(const SegmentBuilder&) = delete;

    // Adds `doc`; `key` is the writer's dense key of doc.id.
    void add(const IndexDoc& doc, uint32_t key);
    uint32_t size() const;

    // The segment of the documents added so far. The builder is spent afterwards.
    std::shared_ptr<const Segment> finish();

    // The surface words of the documents added; complete once finish() has run.
    const WordCounts& words() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct SegmentWithDeletions {
    std::shared_ptr<const Segment> segment;
    std::shared_ptr<const DeletedDocs> deleted;  // may be null
};

// One segment with the live documents of `parts`, in order.
std::shared_ptr<const Segment> merge_segments(const std::vector<SegmentWithDeletions>& parts);

}  // namespace paperboy::index
