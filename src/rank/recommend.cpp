#include "rank/recommend.h"

#include <cmath>

namespace paperboy::rank {
namespace {

double norm_of(std::span<const float> v) {
    double sum = 0;
    for (float x : v) sum += static_cast<double>(x) * x;
    return std::sqrt(sum);
}

// The mean of the unit-length versions of the non-zero rows, in doubles; `used` says how many.
std::vector<double> mean_of_rows(std::span<const float> rows, size_t dimensions, size_t& used) {
    std::vector<double> mean(dimensions, 0.0);
    used = 0;
    if (dimensions == 0) return mean;
    for (size_t start = 0; start + dimensions <= rows.size(); start += dimensions) {
        const std::span<const float> row = rows.subspan(start, dimensions);
        const double n = norm_of(row);
        if (n == 0 || !std::isfinite(n)) continue;
        for (size_t d = 0; d < dimensions; ++d) mean[d] += row[d] / n;
        ++used;
    }
    if (used > 0) {
        for (double& x : mean) x /= static_cast<double>(used);
    }
    return mean;
}

// `v` at unit length as floats; empty when it is (numerically) zero.
std::vector<float> unit(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x * x;
    const double n = std::sqrt(sum);
    if (!(n > 1e-12)) return {};
    std::vector<float> out(v.size());
    for (size_t d = 0; d < v.size(); ++d) out[d] = static_cast<float>(v[d] / n);
    return out;
}

double dot(std::span<const float> a, std::span<const float> b) {
    double sum = 0;
    for (size_t d = 0; d < a.size(); ++d) sum += static_cast<double>(a[d]) * b[d];
    return sum;
}

}  // namespace

Taste fit_taste(std::span<const float> upvoted, std::span<const float> others, size_t dimensions,
                const RecommendParams& params) {
    Taste taste;
    size_t positives = 0;
    const std::vector<double> positive_mean = mean_of_rows(upvoted, dimensions, positives);
    if (positives == 0) return taste;
    taste.positives = positives;
    size_t negatives = 0;
    const std::vector<double> negative_mean = mean_of_rows(others, dimensions, negatives);
    if (positives >= params.min_upvotes_for_contrast && negatives > 0 &&
        params.negative_weight > 0) {
        std::vector<double> contrast = positive_mean;
        for (size_t d = 0; d < dimensions; ++d) {
            contrast[d] -= params.negative_weight * negative_mean[d];
        }
        std::vector<float> direction = unit(contrast);
        if (!direction.empty()) {
            taste.kind = TasteKind::kContrast;
            taste.vector = std::move(direction);
            taste.negatives = negatives;
            return taste;
        }
    }
    taste.vector = unit(positive_mean);
    taste.kind = taste.vector.empty() ? TasteKind::kNone : TasteKind::kCentroid;
    if (taste.kind == TasteKind::kNone) taste.positives = 0;
    return taste;
}

float taste_score(const Taste& taste, std::span<const float> vector) {
    if (taste.kind == TasteKind::kNone || vector.size() != taste.vector.size()) return 0;
    const double n = norm_of(vector);
    if (n == 0 || !std::isfinite(n)) return 0;
    return static_cast<float>(dot(taste.vector, vector) / n);
}

std::optional<Match> best_match(std::span<const float> upvoted, size_t dimensions,
                                std::span<const float> vector) {
    if (dimensions == 0 || vector.size() != dimensions) return std::nullopt;
    const double vn = norm_of(vector);
    if (vn == 0 || !std::isfinite(vn)) return std::nullopt;
    std::optional<Match> best;
    for (size_t start = 0, row = 0; start + dimensions <= upvoted.size();
         start += dimensions, ++row) {
        const std::span<const float> u = upvoted.subspan(start, dimensions);
        const double un = norm_of(u);
        if (un == 0 || !std::isfinite(un)) continue;
        const auto cosine = static_cast<float>(dot(u, vector) / (un * vn));
        if (!best || cosine > best->cosine) best = Match{row, cosine};
    }
    return best;
}

}  // namespace paperboy::rank
