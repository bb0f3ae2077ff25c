#include <gtest/gtest.h>

#include "rank/fusion.h"

namespace paperboy::rank {
namespace {

FusionInput both(uint32_t key, float lexical, float cosine) {
    return {key, true, lexical, true, cosine};
}
FusionInput lexical_only(uint32_t key, float lexical) { return {key, true, lexical, false, 0}; }
FusionInput semantic_only(uint32_t key, float cosine) { return {key, false, 0, true, cosine}; }

TEST(Fusion, ScoresByHand) {
    // Lexical 10 (top), 6, 2 (floor): normalised 1, 0.5, 0. Weight 0.5.
    FusionParams params;
    params.semantic_weight = 0.5;
    auto fused = fuse_scores(
        {both(1, 10, 0.2f), both(2, 6, 0.9f), both(3, 2, 0.4f), semantic_only(4, 0.8f)}, params);
    ASSERT_EQ(fused.size(), 4u);
    // 1: 1 + 0.1 = 1.1; 2: 0.5 + 0.45 = 0.95; 3: 0 + 0.2 = 0.2; 4: 0 + 0.4 = 0.4.
    EXPECT_EQ(fused[0].key, 1u);
    EXPECT_NEAR(fused[0].score, 1.1, 1e-6);
    EXPECT_EQ(fused[1].key, 2u);
    EXPECT_NEAR(fused[1].score, 0.95, 1e-6);
    EXPECT_EQ(fused[2].key, 4u);
    EXPECT_NEAR(fused[2].score, 0.4, 1e-6);
    EXPECT_EQ(fused[3].key, 3u);
    EXPECT_NEAR(fused[3].score, 0.2, 1e-6);
}

TEST(Fusion, TheLexicalScaleDoesNotMatter) {
    // The same lists with BM25 scores 100 times larger rank the same way with the same scores.
    auto a = fuse_scores({both(1, 3, 0.1f), both(2, 2, 0.5f), both(3, 1, 0.3f)});
    auto b = fuse_scores({both(1, 300, 0.1f), both(2, 200, 0.5f), both(3, 100, 0.3f)});
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].key, b[i].key);
        EXPECT_NEAR(a[i].score, b[i].score, 1e-6);
    }
}

TEST(Fusion, AStrongCosineLiftsAWeakLexicalMatch) {
    // Weight 0.7: 1 + 0.7 × 0.1 = 1.07 against 0 + 0.7 × 0.9 = 0.63 (the lexical winner stays)
    // and 0.5 + 0.7 × 0.2 = 0.64: the semantic-only paper comes third, ahead of the floor.
    auto fused =
        fuse_scores({both(1, 4, 0.1f), both(2, 3, 0.2f), both(3, 2, 0.1f), semantic_only(9, 0.9f)});
    ASSERT_EQ(fused.size(), 4u);
    EXPECT_EQ(fused[0].key, 1u);
    EXPECT_EQ(fused[1].key, 2u);
    EXPECT_EQ(fused[2].key, 9u);
    EXPECT_NEAR(fused[2].score, 0.63, 1e-6);
    EXPECT_EQ(fused[3].key, 3u);
}

TEST(Fusion, OnlySemanticCandidatesKeepTheSemanticOrder) {
    auto fused =
        fuse_scores({semantic_only(5, 0.3f), semantic_only(6, 0.8f), semantic_only(7, 0.5f)});
    ASSERT_EQ(fused.size(), 3u);
    EXPECT_EQ(fused[0].key, 6u);
    EXPECT_EQ(fused[1].key, 7u);
    EXPECT_EQ(fused[2].key, 5u);
}

TEST(Fusion, OneLexicalCandidateCountsFully) {
    FusionParams params;
    params.semantic_weight = 1.0;
    auto fused = fuse_scores({both(1, 5, 0.1f), semantic_only(2, 0.8f)}, params);
    ASSERT_EQ(fused.size(), 2u);
    EXPECT_EQ(fused[0].key, 1u);  // 1 + 0.1
    EXPECT_NEAR(fused[0].score, 1.1, 1e-6);
    EXPECT_NEAR(fused[1].score, 0.8, 1e-6);
}

TEST(Fusion, APaperWithoutAVectorGetsTheMeanCosine) {
    // Cosines 0.2 and 0.6: the paper with none counts 0.4 (weight 1): 0.5 + 0.4 = 0.9.
    FusionParams params;
    params.semantic_weight = 1.0;
    auto fused = fuse_scores({both(1, 3, 0.2f), lexical_only(2, 2), both(3, 1, 0.6f)}, params);
    ASSERT_EQ(fused.size(), 3u);
    EXPECT_EQ(fused[0].key, 1u);  // 1.2
    EXPECT_EQ(fused[1].key, 2u);
    EXPECT_NEAR(fused[1].score, 0.9, 1e-6);
    EXPECT_EQ(fused[2].key, 3u);  // 0.6
}

TEST(Fusion, TiesGoByKeyAndEmptyIsEmpty) {
    auto fused = fuse_scores({semantic_only(8, 0.5f), semantic_only(3, 0.5f)});
    ASSERT_EQ(fused.size(), 2u);
    EXPECT_EQ(fused[0].key, 3u);
    EXPECT_TRUE(fuse_scores({}).empty());
}

}  // namespace
}  // namespace paperboy::rank
