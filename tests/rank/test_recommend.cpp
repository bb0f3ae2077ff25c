// The taste model of "For you" (rank/recommend.h), on vectors small enough to work out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rank/recommend.h"

namespace paperboy::rank {
namespace {

constexpr float kTol = 1e-6f;

TEST(Recommend, CentroidIsTheNormalisedMeanOfTheUnitUpvotes) {
    // (3, 0) and (0, 5) are (1, 0) and (0, 1) at unit length; their mean (0.5, 0.5) normalised
    // is (1/√2, 1/√2).
    const std::vector<float> upvoted = {3, 0, 0, 5};
    const Taste taste = fit_taste(upvoted, {}, 2);
    EXPECT_EQ(taste.kind, TasteKind::kCentroid);
    EXPECT_EQ(taste.positives, 2u);
    ASSERT_EQ(taste.vector.size(), 2u);
    EXPECT_NEAR(taste.vector[0], 1 / std::sqrt(2.0f), kTol);
    EXPECT_NEAR(taste.vector[1], 1 / std::sqrt(2.0f), kTol);
    // A paper along (1, 0) scores cos 45° = 0.7071; one along (1, -1) scores 0.
    EXPECT_NEAR(taste_score(taste, std::vector<float>{2, 0}), 0.70710678f, kTol);
    EXPECT_NEAR(taste_score(taste, std::vector<float>{1, -1}), 0.0f, kTol);
}

TEST(Recommend, ContrastTakesPartOfTheOthersCentroidAway) {
    // Three upvotes: (1,0,0), (1,0,0), (0,1,0): mean (2/3, 1/3, 0). Others: (0,1,0) and
    // (0,0,1): mean (0, 1/2, 1/2). γ = 0.5: (2/3, 1/3 − 1/4, −1/4) = (8/12, 1/12, −3/12), whose
    // norm is √74 / 12, so the taste is (8, 1, −3) / √74.
    const std::vector<float> upvoted = {1, 0, 0, 1, 0, 0, 0, 1, 0};
    const std::vector<float> others = {0, 1, 0, 0, 0, 1};
    const Taste taste =
        fit_taste(upvoted, others, 3, {.min_upvotes_for_contrast = 3, .negative_weight = 0.5});
    EXPECT_EQ(taste.kind, TasteKind::kContrast);
    EXPECT_EQ(taste.positives, 3u);
    EXPECT_EQ(taste.negatives, 2u);
    const float n = std::sqrt(74.0f);
    ASSERT_EQ(taste.vector.size(), 3u);
    EXPECT_NEAR(taste.vector[0], 8 / n, kTol);
    EXPECT_NEAR(taste.vector[1], 1 / n, kTol);
    EXPECT_NEAR(taste.vector[2], -3 / n, kTol);
    // The score of (0, 0, 1) is −3/√74 = −0.34874.
    EXPECT_NEAR(taste_score(taste, std::vector<float>{0, 0, 1}), -0.348743f, 1e-5f);
}

TEST(Recommend, FewUpvotesOrNoOthersFallBackToTheCentroid) {
    const std::vector<float> two = {1, 0, 0, 1};
    const std::vector<float> others = {1, 1};
    EXPECT_EQ(fit_taste(two, others, 2).kind, TasteKind::kCentroid) << "below 3 upvotes";
    const std::vector<float> three = {1, 0, 0, 1, 1, 1};
    EXPECT_EQ(fit_taste(three, {}, 2).kind, TasteKind::kCentroid) << "no negatives";
    EXPECT_EQ(fit_taste(three, others, 2).kind, TasteKind::kContrast);
    EXPECT_EQ(fit_taste(three, others, 2, {.negative_weight = 0}).kind, TasteKind::kCentroid);
}

TEST(Recommend, AContrastThatCancelsOutIsTheCentroid) {
    // Upvotes and others alike at γ = 1: the difference is zero, so the centroid stands.
    const std::vector<float> same = {1, 0, 1, 0, 1, 0};
    const Taste taste = fit_taste(same, same, 2, {.negative_weight = 1.0});
    EXPECT_EQ(taste.kind, TasteKind::kCentroid);
    EXPECT_NEAR(taste.vector[0], 1.0f, kTol);
    EXPECT_NEAR(taste.vector[1], 0.0f, kTol);
}

TEST(Recommend, ZeroRowsAreIgnoredAndNoneLeavesNoTaste) {
    const std::vector<float> with_zero = {0, 0, 0, 2};
    const Taste taste = fit_taste(with_zero, {}, 2);
    EXPECT_EQ(taste.kind, TasteKind::kCentroid);
    EXPECT_EQ(taste.positives, 1u);
    EXPECT_NEAR(taste.vector[1], 1.0f, kTol);

    const Taste none = fit_taste(std::vector<float>{0, 0}, {}, 2);
    EXPECT_EQ(none.kind, TasteKind::kNone);
    EXPECT_TRUE(none.vector.empty());
    EXPECT_EQ(taste_score(none, std::vector<float>{1, 0}), 0.0f);
    EXPECT_EQ(fit_taste({}, {}, 2).kind, TasteKind::kNone);
    EXPECT_EQ(fit_taste(std::vector<float>{1, 0}, {}, 0).kind, TasteKind::kNone);
    // A trailing partial row is not a row.
    EXPECT_EQ(fit_taste(std::vector<float>{1}, {}, 2).kind, TasteKind::kNone);
    // A vector of another size scores 0.
    EXPECT_EQ(taste_score(taste, std::vector<float>{1, 0, 0}), 0.0f);
}

TEST(Recommend, BestMatchIsTheMostSimilarUpvoteWithTiesToTheFirst) {
    // Rows: (1,0), (0,1), (1,1). The paper (3,1): cosines 3/√10 = 0.9487, 1/√10 = 0.3162,
    // 4/√20 = 0.8944: row 0.
    const std::vector<float> upvoted = {1, 0, 0, 1, 1, 1};
    auto m = best_match(upvoted, 2, std::vector<float>{3, 1});
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->row, 0u);
    EXPECT_NEAR(m->cosine, 3 / std::sqrt(10.0f), kTol);
    // (1,3): row 1.
    EXPECT_EQ(best_match(upvoted, 2, std::vector<float>{1, 3})->row, 1u);
    // (1,1) is (1,1) itself: row 2, cosine 1.
    m = best_match(upvoted, 2, std::vector<float>{2, 2});
    EXPECT_EQ(m->row, 2u);
    EXPECT_NEAR(m->cosine, 1.0f, kTol);
    // Two equal rows: the first (the latest upvote) wins.
    const std::vector<float> twins = {0, 1, 0, 1};
    EXPECT_EQ(best_match(twins, 2, std::vector<float>{0, 1})->row, 0u);
    // Nothing to match.
    EXPECT_FALSE(best_match(upvoted, 2, std::vector<float>{0, 0}).has_value());
    EXPECT_FALSE(best_match(std::vector<float>{0, 0}, 2, std::vector<float>{1, 0}).has_value());
    EXPECT_FALSE(best_match(upvoted, 2, std::vector<float>{1, 0, 0}).has_value());
}

}  // namespace
}  // namespace paperboy::rank
