#include "index/maxscore.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace paperboy::index {
namespace {

// Float sums taken in a different order differ by a few ulps; bounds are widened by this much
// so that pruning never drops a document that the exhaustive path would keep.
constexpr float kSlack = 1.0F + 1e-5F;

struct DocScore {
    float partial = 0;
    bool matched = false;
};

// Scores scorer `s` at its current document `doc` and records the contribution.
inline float score_current(TermScorer& s, const Segment& segment, const FieldNorms& norms,
                           uint32_t doc, std::vector<float>& contributions, bool& matched) {
    const float pseudo_tf =
        bm25f_pseudo_tf(norms, s.cursor.tf(), segment.doc_lens(doc), s.field_mask);
    if (pseudo_tf <= 0) return 0;
    matched = true;
    const float score = bm25f_term_score(s.idf, norms.k1, pseudo_tf);
    contributions[s.slot] += score;
    return score;
}

// The canonical score: contributions summed in query order (every path sums the same way).
inline float total(std::vector<float>& contributions) {
    float sum = 0;
    for (float& c : contributions) {
        sum += c;
        c = 0;
    }
    return sum;
}

void set_max_scores(std::vector<TermScorer>& scorers, const FieldNorms& norms, float stored_scale) {
    for (TermScorer& s : scorers) {
        float bound = 0;
        s.block_bounds.clear();
        for (uint32_t b = s.cursor.first_block(); b < s.cursor.end_block(); ++b) {
            s.block_bounds.push_back(
                block_score_bound(s.cursor.meta(b), norms, s.idf, s.field_mask, stored_scale));
            bound = std::max(bound, s.block_bounds.back());
        }
        s.max_score = bound;
    }
}

// The bound of the block where `s` would find `doc` (0 past its end).
inline float block_bound_at(const TermScorer& s, uint32_t doc) {
    const uint32_t block = s.cursor.block_for(doc);
    return block < s.cursor.end_block() ? s.block_bounds[block - s.cursor.first_block()] : 0.0F;
}

}  // namespace

float block_score_bound(const BlockMeta& meta, const FieldNorms& norms, float idf,
                        unsigned field_mask, float stored_scale) {
    float pseudo_tf = 0;
    bool unbounded = false;
    for (int f = 0; f < kNumFields; ++f) {
        if ((field_mask >> f & 1U) == 0 || meta.max_tf[f] == 0) continue;
        if (meta.max_tf[f] == kMaxTfUnbounded) {
            unbounded = true;
            break;
        }
        pseudo_tf += static_cast<float>(meta.max_tf[f]) * norms.norm(f, meta.min_len[f]);
    }
    if (stored_scale > 0) {
        // The stored bound covers all fields, so it bounds any subset of them too.
        const float stored = meta.max_pseudo_tf * stored_scale * kSlack;
        if (unbounded || stored < pseudo_tf) {
            pseudo_tf = stored;
            unbounded = false;
        }
    }
    if (unbounded) return idf * (norms.k1 + 1.0F) * kSlack;
    return bm25f_term_score(idf, norms.k1, pseudo_tf) * kSlack;
}

ScoringOutcome score_union(const SegmentScoring& scoring, std::vector<TermScorer>& scorers,
                           bool exhaustive, TopK& top) {
    ScoringOutcome outcome;
    const Segment& segment = *scoring.segment;
    const FieldNorms& norms = *scoring.norms;
    const size_t n = scorers.size();
    if (n == 0) return outcome;
    set_max_scores(scorers, norms, scoring.stored_bound_scale);

    // Weakest first; prefix[i] bounds what scorers order[0..i] can add together.
    std::vector<TermScorer*> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = &scorers[i];
    std::sort(order.begin(), order.end(),
              [](const TermScorer* a, const TermScorer* b) { return a->max_score < b->max_score; });
    std::vector<float> prefix(n);
    float running = 0;
    for (size_t i = 0; i < n; ++i) {
        running += order[i]->max_score;
        prefix[i] = running * kSlack;
    }

    size_t first_essential = 0;
    const auto update_essential = [&] {
        if (exhaustive) return;
        const float threshold = top.threshold();
        while (first_essential < n && prefix[first_essential] < threshold) ++first_essential;
    };
    update_essential();

    std::vector<float> contributions(static_cast<size_t>(scoring.num_slots), 0.0F);
    std::vector<float> block_prefix(n);
    uint32_t checked_until = kNoMoreDocs;  // the block window already found worth walking
    while (first_essential < n) {
        uint32_t doc = kNoMoreDocs;
        for (size_t i = first_essential; i < n; ++i) doc = std::min(doc, order[i]->cursor.doc());
        if (doc == kNoMoreDocs) break;

        if (!exhaustive && top.full() && (checked_until == kNoMoreDocs || doc > checked_until)) {
            // Every document up to the nearest block end scores at most the blocks' bounds.
            // Checked once per such window: a window that may hold a hit is walked doc by doc.
            float bound = 0;
            uint32_t boundary = kNoMoreDocs;
            for (size_t i = 0; i < n; ++i) {
                const TermScorer& s = *order[i];
                const uint32_t block = s.cursor.block_for(doc);
                if (block >= s.cursor.end_block()) continue;
                bound += s.block_bounds[block - s.cursor.first_block()];
                boundary = std::min(boundary, s.cursor.meta(block).last_doc);
            }
            if (bound * kSlack < top.threshold()) {
                outcome.pruned = true;
                for (size_t i = first_essential; i < n; ++i) order[i]->cursor.seek(boundary + 1);
                continue;
            }
            checked_until = boundary;
        }

        float partial = 0;
        bool matched = false;
        for (size_t i = first_essential; i < n; ++i) {
            TermScorer& s = *order[i];
            if (s.cursor.doc() != doc) continue;
            partial += score_current(s, segment, norms, doc, contributions, matched);
            s.cursor.next();
            // The next document's field lengths are a random read into a large array: start
            // it now so that it overlaps with this document's remaining work.
            if (s.cursor.doc() != kNoMoreDocs) __builtin_prefetch(segment.doc_lens(s.cursor.doc()));
        }
        bool skipped = false;
        const float threshold = top.threshold();
        // The non-essential terms' global bounds first: when even they cannot lift the document
        // into the top k, the per-block bounds (a block lookup per term) are not needed.
        if (first_essential > 0 && partial + prefix[first_essential - 1] < threshold) {
            outcome.pruned = true;
            total(contributions);  // resets
            continue;
        }
        if (first_essential > 0) {
            float running_bound = 0;
            for (size_t i = 0; i < first_essential; ++i) {
                running_bound += block_bound_at(*order[i], doc);
                block_prefix[i] = running_bound * kSlack;
            }
            skipped = partial + block_prefix[first_essential - 1] < threshold;
        }
        for (size_t i = first_essential; !skipped && i-- > 0;) {
            if (partial + std::min(prefix[i], block_prefix[i]) < threshold) {
                skipped = true;
                break;
            }
            TermScorer& s = *order[i];
            s.cursor.seek(doc);
            if (s.cursor.doc() == doc) {
                partial += score_current(s, segment, norms, doc, contributions, matched);
            }
        }
        if (skipped || !matched || !scoring.filter->accepts(doc)) {
            outcome.pruned = outcome.pruned || skipped;
            total(contributions);  // resets
            continue;
        }
        ++outcome.matched;
        const float score = total(contributions);
        if (top.push({score, &segment.ids[doc], scoring.segment_index, doc})) update_essential();
    }
    // Documents only in non-essential lists were never looked at.
    if (first_essential > 0) outcome.pruned = true;
    return outcome;
}

ScoringOutcome score_candidates(const SegmentScoring& scoring, std::vector<TermScorer>& scorers,
                                const Roaring& candidates, TopK& top) {
    ScoringOutcome outcome;
    const Segment& segment = *scoring.segment;
    const FieldNorms& norms = *scoring.norms;
    std::vector<uint32_t> docs(candidates.cardinality());
    if (!docs.empty()) candidates.toUint32Array(docs.data());
    std::vector<float> contributions(static_cast<size_t>(scoring.num_slots), 0.0F);
    for (uint32_t doc : docs) {
        if (!scoring.filter->accepts(doc)) continue;
        bool matched = false;
        for (TermScorer& s : scorers) {
            s.cursor.seek(doc);
            if (s.cursor.doc() == doc)
                score_current(s, segment, norms, doc, contributions, matched);
        }
        const float score = total(contributions);
        if (!matched) continue;
        ++outcome.matched;
        top.push({score, &segment.ids[doc], scoring.segment_index, doc});
    }
    return outcome;
}

}  // namespace paperboy::index
