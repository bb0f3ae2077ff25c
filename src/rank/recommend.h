// rank/recommend.h — a member's taste, from the vectors of the papers they upvoted ("For you").
//
// The model is one direction in embedding space, the taste vector, and a paper's score is the
// cosine of its vector and the taste; so the best papers are the nearest neighbours of the
// taste, which the vector index finds without scoring every paper (app/recommendations.h).
//
//   centroid  taste = normalise(mean(upvoted))
//   contrast  taste = normalise(mean(upvoted) − γ · mean(others)), `others` being recent
//             papers the member did not upvote: the difference of the two class centroids
//             (Rocchio's relevance feedback; the nearest-centroid linear classifier at γ = 1).
//
// Why a difference of centroids and not the logistic regression or linear SVM of arxiv-sanity:
// every vector shares a large common component (with the static model, a SciFact claim and a
// random abstract have a median cosine of 0.30), so the plain centroid leans towards "a typical
// paper"; subtracting part of the others' centroid takes that out, which is what arxiv-sanity's
// SVM learns from its negatives. With the few upvotes a member has (often under ten against
// hundreds of negatives in 128 to 1024 dimensions) a trained classifier separates the positives
// perfectly and its direction is decided by the regulariser; the closed form has no learning
// rate, no iterations and no randomness, and it is computed exactly in tests. Contrast needs
// `min_upvotes_for_contrast` upvotes and some negatives; below that the centroid is used (one
// upvote is a thin sample of a taste: its neighbours are what it is like). γ = 0.5 was the best
// of 0, 0.25, 0.5, 0.75 and 1 on a small SciFact proxy with one upvote per member
// (bench/alert_threshold.py; docs/ranking.md, "For you"): too small a test to tell them apart.
//
// Each recommendation's reason is the upvoted paper it is most similar to (best_match()).
// Vectors are given row-major, each of `dimensions` floats; they need not be unit length
// (each row is normalised before use; zero rows are ignored). Pure functions; no state.
// Depends on nothing but the standard library.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace paperboy::rank {

struct RecommendParams {
    // Upvotes from which the contrast model is used (with at least one negative).
    size_t min_upvotes_for_contrast = 3;
    // γ: how much of the others' centroid is taken away.
    double negative_weight = 0.5;
};

enum class TasteKind { kNone, kCentroid, kContrast };

struct Taste {
    TasteKind kind = TasteKind::kNone;  // kNone: no usable upvoted vector
    std::vector<float> vector;          // unit length; empty for kNone
    size_t positives = 0;               // the upvoted vectors it was made from (non-zero rows)
    size_t negatives = 0;               // the other papers' vectors (contrast only)
};

// The member's taste from `upvoted` and `others` (row-major, `dimensions` floats per row; a
// trailing partial row is ignored). kNone when no upvoted row is non-zero, or when the contrast
// cancels out exactly (then the centroid is used instead).
Taste fit_taste(std::span<const float> upvoted, std::span<const float> others, size_t dimensions,
                const RecommendParams& params = {});

// The cosine of `taste` and `vector` (0 for kNone or a zero vector; a size mismatch is 0 too).
float taste_score(const Taste& taste, std::span<const float> vector);

struct Match {
    size_t row = 0;  // the upvoted row
    float cosine = 0;
};

// The row of `upvoted` (row-major, `dimensions` each) most similar to `vector`, ties to the
// lower row (the caller lists upvotes latest first, so the latest wins); nullopt when there is
// no non-zero row or `vector` is zero.
std::optional<Match> best_match(std::span<const float> upvoted, size_t dimensions,
                                std::span<const float> vector);

}  // namespace paperboy::rank
