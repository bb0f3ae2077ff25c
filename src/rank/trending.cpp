#include "rank/trending.h"

#include <algorithm>
#include <cmath>

namespace paperboy::rank {

double trending_score(double upvotes, double age_hours, const TrendingParams& params) {
    const double age = std::max(0.0, age_hours);
    return upvotes / std::pow(age + params.offset_hours, params.gravity);
}

}  // namespace paperboy::rank
