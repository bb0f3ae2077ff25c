#include <gtest/gtest.h>

#include "index/index.h"
#include "index/index_test_util.h"
#include "index/query.h"
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

    // Suggestions for `text` as a user types it.
    std::vector<Suggestion> suggest(std::string_view text) {
        return index_.suggest(parse_query(text, analyzer_));
    }

    text::Analyzer analyzer_;
    Index index_{analyzer_};
};

TEST_F(SuggestTest, ReplacesAMisspelledWordByTheFrequentNeighbour) {
    // "transfomer" is in one title of 35 (nearly absent); "transfromer" in none.
    for (const char* typo : {"transfomer", "transfromer"}) {
        const auto out = suggest(typo);
        ASSERT_EQ(out.size(), 1U) << typo;
        EXPECT_EQ(out[0].word, typo);
        EXPECT_EQ(out[0].replacement, "transformer");
    }
}

TEST_F(SuggestTest, ReplacesAnAbsentWordAndFindsAuthorNames) {
    const auto out = suggest("vasvani");
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].replacement, "vaswani");
    const auto two = suggest("atention vasvani");
    ASSERT_EQ(two.size(), 2U);
    EXPECT_EQ(two[0].replacement, "attention");
    EXPECT_EQ(two[1].replacement, "vaswani");
}

TEST_F(SuggestTest, LeavesKnownWordsAndFarWordsAlone) {
    EXPECT_TRUE(suggest("transformer attention").empty());
    EXPECT_TRUE(suggest("zzzzqqqq").empty());
    EXPECT_TRUE(suggest("").empty());
    // "vaswany" stems to "vaswani": the query already finds Vaswani's papers.
    EXPECT_TRUE(suggest("vaswany").empty());
}

// A word that papers use is what the user meant, however much more frequent a neighbour is:
// "named" (one edit from "based") in 10 of 300 documents.
TEST(Suggest, LeavesACommonWordAloneBesideAMoreFrequentNeighbour) {
    text::Analyzer analyzer;
    Index index(analyzer);
    std::vector<IndexDoc> docs;
    for (int i = 0; i < 290; ++i) {
        docs.push_back(make_doc("2405." + std::to_string(10000 + i),
                                "Decoders based on transformers",
                                "A model based on attention, based on data."));
    }
    for (int i = 0; i < 10; ++i) {
        docs.push_back(make_doc("2406." + std::to_string(10000 + i),
                                "Named entity recognition with decoders",
                                "We tag named entities."));
    }
    index.upsert(docs);
    const Query query = parse_query("making decoders good at named entity recognition", analyzer);
    EXPECT_TRUE(index.suggest(query).empty());
    // A real misspelling in the same query is still corrected.
    const auto typo =
        index.suggest(parse_query("making decodres good at named entity recognition", analyzer));
    ASSERT_EQ(typo.size(), 1U);
    EXPECT_EQ(typo[0].word, "decodres");
    EXPECT_EQ(typo[0].replacement, "decoders");
}

// The replacement must find more papers than the typed word, within what the query requires:
// "splene" next to the required "mice" finds one paper, "spline" none.
TEST(Suggest, OffersOnlyCorrectionsThatFindMore) {
    text::Analyzer analyzer;
    Index index(analyzer);
    std::vector<IndexDoc> docs;
    for (int i = 0; i < 40; ++i) {
        docs.push_back(make_doc("2407." + std::to_string(10000 + i), "Spline fitting", "Curves."));
    }
    docs.push_back(make_doc("2408.00001", "Organs", "The splene of mice."));
    index.upsert(docs);
    // Alone, "splene" (one document) becomes "spline" (40).
    const auto alone = index.suggest(parse_query("splene", analyzer));
    ASSERT_EQ(alone.size(), 1U);
    EXPECT_EQ(alone[0].replacement, "spline");
    // Where "mice" must match, "spline" finds nothing: no suggestion.
    EXPECT_TRUE(index.suggest(parse_query("splene \"mice\"", analyzer)).empty());
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
    EXPECT_TRUE(suggest("spleen").empty());
    const auto typo = suggest("splnie");
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
