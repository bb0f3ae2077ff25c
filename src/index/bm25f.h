// index/bm25f.h — BM25F, the ranking function, and its parameters: the one place to tune them.
//
// For a query term t typed qtf times and a document d with per-field term frequencies tf_f and
// lengths len_f:
//
//   pseudo_tf = sum_f  w_f * tf_f / ((1 - b_f) + b_f * len_f / avg_len_f)
//   score     = qw(qtf) * idf(t) * pseudo_tf * (k1 + 1) / (k1 + pseudo_tf)
//   idf(t)    = ln(1 + (N - df + 0.5) / (df + 0.5))
//   qw(qtf)   = (k3 + 1) * qtf / (k3 + qtf)
//
// N is the number of live documents, df the number of documents containing t (any field), and
// avg_len_f the mean length of field f over the documents that have field f (non-empty), all
// over the whole index (every segment), so a document scores the same whichever segment holds
// it. A document's score is the sum over the query's terms. This is Robertson and Zaragoza's
// BM25F with one saturation over the weighted fields; with one field and w = 1 it is plain
// BM25 (the Lucene idf, always positive). A field-restricted clause (title:x) sums over that
// field only.
//
// Two choices make the function hold up on collections unlike arXiv:
//  - avg_len_f counts only the documents that have the field (as Lucene does: sumTotalTermFreq
//    over docCount). Averaged over every document, a field that most documents lack (titles
//    in a collection of tweets, abstracts in one of questions) has a mean near 0, and the few
//    documents that have it are normalised as if that field were many times longer than usual
//    (len / avg huge): their matches there are all but ignored. A missing field contributes
//    nothing either way: no tf, so no penalty and no bonus.
//  - qw(qtf) is the query-term-frequency factor of Robertson et al.'s BM25 (k3). A typed
//    query has each word once (qw = 1: no change); in a pasted paragraph the words it repeats
//    are what it is about. k3 = 1 is Xapian's default (BM25Weight): a word typed twice weighs
//    4/3, three times 3/2, never more than 2, so that a word repeated 30 times does not drown
//    the rest. On SciFact variants with paragraph-long queries (bench/lexical_eval.cpp) it
//    gained 2-4 points of nDCG@10 over no qtf, and kept the short-claim queries level;
//    linear qtf (k3 large) did better on some long-query sets and worse on the claims.
//
// Pure functions; no state. Used by index/maxscore.cpp.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "index/query.h"

namespace paperboy::index {

struct Bm25fParams {
    float k1 = 1.2F;
    float k3 = 1.0F;  // query term frequency saturation (qw above)
    // Field order: title, abstract, authors, categories (index::Field).
    std::array<float, kNumFields> weight = {2.5F, 1.0F, 1.0F, 0.5F};
    std::array<float, kNumFields> b = {0.75F, 0.75F, 0.75F, 0.75F};

    friend bool operator==(const Bm25fParams&, const Bm25fParams&) = default;
};

// The parameters the index uses (tuned with `paperboy eval`).
inline constexpr Bm25fParams kDefaultBm25fParams{};

inline float bm25f_idf(double live_docs, double df) {
    // df counts replaced and removed versions until their segment is merged; capping it at N
    // keeps the idf positive (score bounds and pruning rely on non-negative scores).
    df = df < live_docs ? df : live_docs;
    return static_cast<float>(std::log(1.0 + (live_docs - df + 0.5) / (df + 0.5)));
}

// The weight of a query term typed `qtf` times (qw above): 1 for qtf = 1, rising to k3 + 1.
inline float bm25_query_weight(const Bm25fParams& params, uint32_t qtf) {
    if (qtf <= 1) return 1.0F;
    const auto q = static_cast<float>(qtf);
    return (params.k3 + 1.0F) * q / (params.k3 + q);
}

// Lengths below this have their normalisation precomputed (FieldNorms::table): nearly all
// titles, abstracts, author lists and category lists are shorter.
inline constexpr int kNormTableSize = 1024;

// The constants of the length normalisation for one set of mean lengths:
// w_f / ((1 - b_f) + b_f * len / avg_f) is computed as weight[f] / (c0[f] + c1[f] * len), and
// looked up in `table` for the common lengths (scoring does no division for them; the
// table holds exactly what the formula gives, so both ways score alike).
struct FieldNorms {
    std::array<float, kNumFields> weight{};
    std::array<float, kNumFields> c0{};
    std::array<float, kNumFields> c1{};
    float k1 = 1.2F;
    std::array<std::array<float, kNormTableSize>, kNumFields> table{};

    float compute(int f, uint32_t len) const {
        return weight[f] / (c0[f] + c1[f] * static_cast<float>(len));
    }
    float norm(int f, uint32_t len) const {
        return len < kNormTableSize ? table[f][len] : compute(f, len);
    }
};

inline FieldNorms make_field_norms(const Bm25fParams& params,
                                   const std::array<double, kNumFields>& avg_len) {
    FieldNorms norms;
    norms.k1 = params.k1;
    for (int f = 0; f < kNumFields; ++f) {
        norms.weight[f] = params.weight[f];
        norms.c0[f] = 1.0F - params.b[f];
        norms.c1[f] = avg_len[f] > 0 ? static_cast<float>(params.b[f] / avg_len[f]) : 0.0F;
        for (uint32_t len = 0; len < kNormTableSize; ++len) {
            norms.table[f][len] = norms.compute(f, len);
        }
    }
    return norms;
}

// The weighted, length-normalised frequency of a term in one document, over the fields in
// `field_mask` (bit f for Field f).
inline float bm25f_pseudo_tf(const FieldNorms& norms, const uint32_t* tf, const uint16_t* len,
                             unsigned field_mask) {
    float sum = 0;
    for (int f = 0; f < kNumFields; ++f) {
        if ((field_mask >> f & 1U) != 0 && tf[f] != 0) {
            sum += static_cast<float>(tf[f]) * norms.norm(f, len[f]);
        }
    }
    return sum;
}

// The saturated score of one term: monotonic in pseudo_tf, bounded by idf * (k1 + 1).
inline float bm25f_term_score(float idf, float k1, float pseudo_tf) {
    if (pseudo_tf <= 0) return 0;
    return idf * pseudo_tf * (k1 + 1.0F) / (k1 + pseudo_tf);
}

}  // namespace paperboy::index
