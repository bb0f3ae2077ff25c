#include <gtest/gtest.h>

#include <cmath>

#include "rank/trending.h"

namespace paperboy::rank {
namespace {

TEST(Trending, VotesOverAgePlusTwoToTheGravity) {
    EXPECT_DOUBLE_EQ(trending_score(10, 0), 10 / std::pow(2.0, 1.8));
    EXPECT_DOUBLE_EQ(trending_score(10, 22), 10 / std::pow(24.0, 1.8));
    EXPECT_DOUBLE_EQ(trending_score(10, 22, TrendingParams{1.0, 2.0}), 10 / 24.0);
    EXPECT_DOUBLE_EQ(trending_score(0, 5), 0);
}

TEST(Trending, OlderPapersNeedMoreVotes) {
    EXPECT_GT(trending_score(10, 1), trending_score(10, 30));
    EXPECT_GT(trending_score(20, 24), trending_score(10, 24));
    // At gravity 0 age does not matter at all.
    EXPECT_DOUBLE_EQ(trending_score(5, 100, TrendingParams{0.0, 2.0}), 5);
}

TEST(Trending, NegativeAgesCountAsZero) {
    EXPECT_DOUBLE_EQ(trending_score(7, -30), trending_score(7, 0));
}

}  // namespace
}  // namespace paperboy::rank
