// index/maxscore.h — top-k retrieval over one segment: MaxScore dynamic pruning, an
// exhaustive path (the reference the pruned one is tested against), and a candidate-driven
// path for small filtered sets.
//
// MaxScore (Turtle and Flood, 1995): the terms are ordered by their score upper bound in the
// segment. Once the top-k threshold exceeds the summed bounds of the weakest terms, those terms
// become "non-essential": a document that has only them cannot enter the top k, so only the
// essential terms' posting lists are walked, and the others are probed (seek) for the
// documents found there, stopping as soon as the remaining bounds cannot reach the threshold.
// Block-max refinements (Ding and Suel 2011; Mallia et al. 2019): before a candidate is scored,
// the bounds of the blocks every term would find it in are summed; when that cannot reach the
// threshold, every document up to the nearest block end is skipped at once, without decoding.
// The same block bounds cut the probing of non-essential terms short.
// Bounds come from each block's per-field maximum frequency and minimum length (postings.h),
// so they hold for any parameters and index statistics. All paths compute a document's score
// the same way (the per-term scores summed in query order), so they return identical top k.
//
// Single-threaded; the segment and its cursors belong to one search.
#pragma once

#include <cstdint>
#include <vector>

#include "index/bm25f.h"
#include "index/filters.h"
#include "index/postings.h"
#include "index/segment.h"
#include "index/top_k.h"

namespace paperboy::index {

// One query term in one segment.
struct TermScorer {
    PostingCursor cursor;
    float idf = 0;
    unsigned field_mask = 0xF;        // the fields it scores in
    int slot = 0;                     // its place in the query (the order scores are summed in)
    float max_score = 0;              // upper bound over the segment (set by the search functions)
    std::vector<float> block_bounds;  // upper bound per block of the posting list (likewise)
};

// An upper bound of the score of any document of block `meta` for a term: from the block's
// per-field maximum frequencies and minimum lengths (valid for any parameters), and, when
// `stored_scale` > 0, from its stored pseudo-frequency bound times `stored_scale` (valid for
// the default parameters; see BlockMeta::max_pseudo_tf and bound_scale()).
float block_score_bound(const BlockMeta& meta, const FieldNorms& norms, float idf,
                        unsigned field_mask, float stored_scale);

struct SegmentScoring {
    const Segment* segment = nullptr;
    uint32_t segment_index = 0;
    const FieldNorms* norms = nullptr;
    const DocFilter* filter = nullptr;
    int num_slots = 0;             // the number of query terms (TermScorer::slot < num_slots)
    float stored_bound_scale = 0;  // see block_score_bound(); 0 when the parameters differ
};

struct ScoringOutcome {
    uint64_t matched = 0;  // documents that matched and passed the filter
    bool pruned = false;   // some documents were skipped unscored: `matched` is a lower bound
};

// Scores the documents of the scorers' posting lists into `top`. With `exhaustive`, every
// document is scored (no pruning).
ScoringOutcome score_union(const SegmentScoring& scoring, std::vector<TermScorer>& scorers,
                           bool exhaustive, TopK& top);

// Scores exactly the documents of `candidates` (that pass the filter), seeking the scorers to
// each: the cheaper path when the candidates are few compared to the postings.
ScoringOutcome score_candidates(const SegmentScoring& scoring, std::vector<TermScorer>& scorers,
                                const Roaring& candidates, TopK& top);

}  // namespace paperboy::index
