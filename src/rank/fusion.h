// rank/fusion.h — hybrid ranking: one list from the lexical (BM25F) and semantic (cosine) lists.
//
// Measured on SciFact with a small static model (docs/ranking.md, "Hybrid"): reciprocal-rank
// fusion lets a weak model pull the lexical ranking far down (nDCG@10 0.604 against 0.713
// lexical), while a convex combination of scores that keeps the lexical score's scale keeps
// lexical precision at the top and lets the model lift what words miss. So:
//
//   candidates = lexical top `lexical_candidates` ∪ semantic top `semantic_candidates`
//   lexical'   = (bm25 − floor) / (top − floor), floor = the lowest lexical candidate's score;
//                a candidate that only the semantic side found counts as the floor (0)
//   score      = lexical' + semantic_weight × cosine
//
// The lexical part lies in [0, 1] whatever the collection's score scale; the cosine is used raw,
// so a strong encoder (high, spread cosines) weighs more than a weak one, with no per-model
// tuning. With no lexical candidates the order is the semantic order. A candidate without a
// vector yet (a paper not embedded so far) gets the mean cosine of the others: neither pulled
// down nor lifted by the model. The parameters live here and nowhere else; docs/ranking.md says how
// they were chosen. Pure functions; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace paperboy::rank {

struct FusionParams {
    size_t lexical_candidates = 100;
    size_t semantic_candidates = 100;
    double semantic_weight = 0.7;
};

// One candidate: `key` is the caller's (a document number), `lexical` its BM25F score when the
// lexical side returned it, `cosine` its similarity to the query (the caller computes it for
// every candidate with a vector, including lexical-only ones).
struct FusionInput {
    uint32_t key = 0;
    bool has_lexical = false;
    float lexical = 0;
    bool has_cosine = false;
    float cosine = 0;
};

struct Fused {
    uint32_t key = 0;
    double score = 0;
};

// The fused ranking of `candidates` (any order), best first, ties by key. The caller passes the
// lexical top `lexical_candidates` and the semantic top `semantic_candidates` (already cut).
std::vector<Fused> fuse_scores(const std::vector<FusionInput>& candidates,
                               const FusionParams& params = {});

}  // namespace paperboy::rank
