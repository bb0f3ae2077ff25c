// rank/trending.h — the trending score: upvotes with time decay.
//
//   score = upvotes / (age_hours + offset_hours) ^ gravity
//
// the Hacker News form. A paper needs about twice the votes of one a day younger to stay level
// at gravity 1.8; a larger gravity favours newer papers. See docs/ranking.md for why Paperboy
// ranks this way (Hugging Face uses GitHub activity, which an offline instance cannot see).
#pragma once

namespace paperboy::rank {

struct TrendingParams {
    double gravity = 1.8;
    double offset_hours = 2.0;  // keeps a paper's first hours from dividing by ~0
};

// Negative ages (clock skew, a list dated in the future) count as 0.
double trending_score(double upvotes, double age_hours, const TrendingParams& params = {});

}  // namespace paperboy::rank
