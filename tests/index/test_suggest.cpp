#include <gtest/gtest.h>

#include "index/index.h"
#include "index/index_test_util.h"
#include "index/vocabulary.h"
#include "text/analyzer.h"

namespace paperboy::index {
namespace {

using testing::make_doc;

TEST(BoundedEditDistance, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
    EXPECT_EQ(bounded_edit_distance("transformer", "transformer", 2), 0);
    EXPECT_EQ(bounded_edit_distance("transfomer", "transformer", 2), 1);
    EXPECT_EQ(bounded_edit_distance("vaswany", "vaswani", 2), 1);
    EXPECT_EQ(bounded_edit_distance("atetntion", "attention", 2), 1);  // transposition
    EXPECT_EQ(bounded_edit_distance("tranfomer", "transformer", 2), 2);
    EXPECT_EQ(bounded_edit_distance("graph", "transformer", 2), 3);  // beyond the bound
    EXPECT_EQ(bounded_edit_distance("", "ab", 2), 2);
}

class SuggestTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::vector<IndexDoc> many;
        for (int i = 0; i < 30; ++i) {
            many.push_back(make_doc("2402." + std::to_string(10000 + i), "A transformer study",
                                    "More about the transformer."));
        }
        index_.upsert(many);
        index_.upsert({
            make_doc("1706.03762", "Attention Is All You Need",
                     "The dominant sequence transduction models are based on recurrent networks. "
                     "We propose the Transformer, based solely on attention.",
                     {"Ashish Vaswani", "Noam Shazeer"}),
            make_doc("1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers",
                     "A language representation model with a transformer encoder.",
                     {"Jacob Devlin"}),
            make_doc("2010.11929",
                     "An Image is Worth 16x16 Words: Transformers for Image "
                     "Recognition",
                     "The transformer architecture applied to images.", {"Alexey Dosovitskiy"}),
            make_doc("2401.00001", "Transformer models", "A transformer survey.", {"A. Vaswani"}),
            make_doc("2401.00002", "Transfomer", "A rare misspelling in one title.", {}),
        });
    }

    std::vector<Suggestion> suggest(std::vector<std::string> words) {
        Query query;
        query.words = std::move(words);
        return index_.suggest(query);
    }

    text::Analyzer analyzer_;
    Index index_{analyzer_};
};

TEST_F(SuggestTest, ReplacesAMisspelledWordByTheFrequentNeighbour) {
    const auto out = suggest({"transfomer"});
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].word, "transfomer");
    EXPECT_EQ(out[0].replacement, "transformer");
}

TEST_F(SuggestTest, ReplacesAnAbsentWordAndFindsAuthorNames) {
    const auto out = suggest({"vaswany"});
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].replacement, "vaswani");
    const auto two = suggest({"atention", "vaswany"});
    ASSERT_EQ(two.size(), 2U);
    EXPECT_EQ(two[0].replacement, "attention");
    EXPECT_EQ(two[1].replacement, "vaswani");
}

TEST_F(SuggestTest, LeavesKnownWordsAndFarWordsAlone) {
    EXPECT_TRUE(suggest({"transformer", "attention"}).empty());
    EXPECT_TRUE(suggest({"zzzzqqqq"}).empty());
    EXPECT_TRUE(suggest({}).empty());
}

TEST_F(SuggestTest, LeavesAWordInUseInAbstractsAlone) {
    // "spleen" occurs in abstracts only; "spline" (two edits away) in many titles.
    std::vector<IndexDoc> docs;
    for (int i = 0; i < 40; ++i) {
        docs.push_back(make_doc("2403." + std::to_string(10000 + i), "Spline fitting", "Curves."));
    }
    for (int i = 0; i < 5; ++i) {
        docs.push_back(
            make_doc("2404." + std::to_string(10000 + i), "Organs", "The spleen and the liver."));
    }
    index_.upsert(docs);
    EXPECT_TRUE(suggest({"spleen"}).empty());
    const auto typo = suggest({"splinee"});
    ASSERT_EQ(typo.size(), 1U);
    EXPECT_EQ(typo[0].replacement, "spline");
}

TEST_F(SuggestTest, PrefersSmallerDistanceThenHigherFrequency) {
    Vocabulary vocabulary;
    WordCounts counts;
    const auto add = [&counts](std::string_view word, uint32_t df) {
        bool added = false;
        counts.words.intern(word, added);
        counts.df.push_back(df);
    };
    add("model", 100);
    add("modal", 5);
    add("models", 300);
    vocabulary.add(counts);
    auto best = vocabulary.nearest("modek", 1);
    ASSERT_TRUE(best);
    EXPECT_EQ(best->word, "model");  // distance 1 beats the more frequent "models" (2)
    best = vocabulary.nearest("modxl", 1);
    ASSERT_TRUE(best);
    EXPECT_EQ(best->word, "model");  // both at distance 1: the more frequent wins
    EXPECT_EQ(vocabulary.df("models"), 300U);
    EXPECT_EQ(vocabulary.df("absent"), 0U);
}

}  // namespace
}  // namespace paperboy::index
