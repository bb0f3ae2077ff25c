#include "rank/fusion.h"

#include <algorithm>
#include <limits>

namespace paperboy::rank {

std::vector<Fused> fuse_scores(const std::vector<FusionInput>& candidates,
                               const FusionParams& params) {
    float top = -std::numeric_limits<float>::infinity();
    float floor = std::numeric_limits<float>::infinity();
    for (const FusionInput& c : candidates) {
        if (!c.has_lexical) continue;
        top = std::max(top, c.lexical);
        floor = std::min(floor, c.lexical);
    }
    double cosine_sum = 0;
    size_t with_cosine = 0;
    for (const FusionInput& c : candidates) {
        if (!c.has_cosine) continue;
        cosine_sum += c.cosine;
        ++with_cosine;
    }
    const double mean_cosine = with_cosine > 0 ? cosine_sum / static_cast<double>(with_cosine) : 0;
    const bool any_lexical = top >= floor;
    const double range = any_lexical ? static_cast<double>(top) - floor : 0.0;

    std::vector<Fused> out;
    out.reserve(candidates.size());
    for (const FusionInput& c : candidates) {
        double lexical = 0;
        if (c.has_lexical && any_lexical) {
            // One lexical candidate (or all tied): each counts fully.
            lexical = range > 0 ? (static_cast<double>(c.lexical) - floor) / range : 1.0;
        }
        const double cosine = c.has_cosine ? static_cast<double>(c.cosine) : mean_cosine;
        out.push_back({c.key, lexical + params.semantic_weight * cosine});
    }
    std::sort(out.begin(), out.end(), [](const Fused& a, const Fused& b) {
        if (a.score != b.score) return a.score > b.score;
        return a.key < b.key;
    });
    return out;
}

}  // namespace paperboy::rank
