#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "index/bm25f.h"
#include "index/index.h"
#include "index/index_test_util.h"
#include "index/query.h"
#include "index/segment.h"
#include "text/analyzer.h"

namespace paperboy::index {
namespace {

using testing::hit_ids;
using testing::make_doc;
using testing::or_query;
using testing::phrase_clause;
using testing::pid;
using testing::prefix_clause;
using testing::term_clause;
using Ids = std::vector<std::string>;

std::vector<IndexDoc> random_corpus(size_t n, uint32_t seed, std::vector<std::string>& vocab);
void expect_same_hits(const SearchResult& a, const SearchResult& b, const std::string& what);

Ids sorted(Ids ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

class IndexTest : public ::testing::Test {
  protected:
    text::Analyzer analyzer_;
    Index index_{analyzer_};

    std::vector<std::string> search_ids(const Query& query, SearchOptions options = {}) {
        return hit_ids(index_.search(query, options));
    }
    std::vector<std::string> search_ids(std::string_view text) {
        return search_ids(or_query(analyzer_, text));
    }
};

TEST_F(IndexTest, EmptyIndexAndEmptyQueryFindNothing) {
    EXPECT_TRUE(index_.search(or_query(analyzer_, "anything")).hits.empty());
    index_.upsert({make_doc("2401.00001", "Graph networks", "We study graphs.")});
    EXPECT_TRUE(index_.search(Query{}).hits.empty());
    EXPECT_TRUE(search_ids("unrelated").empty());
}

TEST_F(IndexTest, TitleMatchBeatsAbstractMatch) {
    index_.upsert({
        make_doc("2401.00001", "Sparse attention", "We study graphs and kernels in detail."),
        make_doc("2401.00002", "Graph kernels", "We study sparse graphs and kernels in detail."),
    });
    EXPECT_EQ(search_ids("sparse"), (Ids{"2401.00001", "2401.00002"}));
}

TEST_F(IndexTest, RarerTermsWeighMore) {
    std::vector<IndexDoc> docs;
    for (int i = 0; i < 20; ++i) {
        docs.push_back(make_doc("2401.1" + std::to_string(1000 + i), "Filler title",
                                "common words about learning"));
    }
    docs.push_back(make_doc("2401.00001", "Alpha", "learning with zebras"));
    docs.push_back(make_doc("2401.00002", "Beta", "learning learning with models"));
    index_.upsert(docs);
    const auto ids = search_ids("zebras learning");
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), "2401.00001");
}

TEST_F(IndexTest, ScoreMatchesHandComputedBm25) {
    // Only the abstract field is non-empty, so BM25F reduces to BM25 on it.
    index_.upsert({
        make_doc("2401.00001", "", "alpha beta gamma"),
        make_doc("2401.00002", "", "alpha alpha delta epsilon zeta"),
    });
    ASSERT_EQ(analyzer_.terms("alpha beta gamma").size(), 3U);
    ASSERT_EQ(analyzer_.terms("alpha alpha delta epsilon zeta").size(), 5U);
    const SearchResult result = index_.search(or_query(analyzer_, "alpha"));
    ASSERT_EQ(result.hits.size(), 2U);

    const Bm25fParams p = kDefaultBm25fParams;
    const double idf = std::log(1.0 + (2 - 2 + 0.5) / (2 + 0.5));
    const double avg = 4.0;
    const auto bm25 = [&](double tf, double len) {
        const double pseudo = p.weight[1] * tf / (1 - p.b[1] + p.b[1] * len / avg);
        return idf * pseudo * (p.k1 + 1) / (p.k1 + pseudo);
    };
    const double doc1 = bm25(1, 3);
    const double doc2 = bm25(2, 5);
    ASSERT_GT(doc2, doc1);
    EXPECT_EQ(result.hits[0].id.str(), "2401.00002");
    EXPECT_NEAR(result.hits[0].score, doc2, 1e-5);
    EXPECT_NEAR(result.hits[1].score, doc1, 1e-5);
    EXPECT_EQ(result.matched, 2U);
}

// BM25 on the abstract alone, as in ScoreMatchesHandComputedBm25, for the tests below.
double bm25(double idf, double weight, double tf, double len, double avg, double qtf = 1) {
    const Bm25fParams p = kDefaultBm25fParams;
    const double pseudo = weight * tf / (1 - p.b[0] + p.b[0] * len / avg);
    const double qw = (p.k3 + 1) * qtf / (p.k3 + qtf);
    return qw * idf * pseudo * (p.k1 + 1) / (p.k1 + pseudo);
}

double idf_of(double n, double df) { return std::log(1.0 + (n - df + 0.5) / (df + 0.5)); }

// Field lengths are normalised against the mean over the documents that have the field: one
// title among ten documents is as long as the titles' mean, not ten times longer.
TEST_F(IndexTest, FieldLengthIsNormalisedOverDocumentsThatHaveTheField) {
    std::vector<IndexDoc> docs;
    for (int i = 0; i < 9; ++i) {
        docs.push_back(make_doc("2401.1" + std::to_string(1000 + i), "", "filler text here"));
    }
    docs.push_back(make_doc("2401.00001", "alpha beta gamma delta", "filler text here"));
    index_.upsert(docs);
    const SearchResult result = index_.search(or_query(analyzer_, "alpha"));
    ASSERT_EQ(result.hits.size(), 1U);
    const double title_weight = kDefaultBm25fParams.weight[0];
    // len 4, mean title length 4 (one title of 4 words), not 0.4 (4 words over 10 documents).
    EXPECT_NEAR(result.hits[0].score, bm25(idf_of(10, 1), title_weight, 1, 4, 4), 1e-5);
}

// Where most documents have no title (tweets, posts), a match in a short title still counts
// for more than one in an abstract, as it does where every document has a title.
TEST_F(IndexTest, TitleMatchCountsWhenMostDocumentsHaveNoTitle) {
    std::vector<IndexDoc> docs;
    for (int i = 0; i < 50; ++i) {
        docs.push_back(
            make_doc("2401.1" + std::to_string(1000 + i), "", "short posts about other things"));
    }
    docs.push_back(make_doc("2401.00001", "Zebra crossings", "short posts about other things"));
    docs.push_back(make_doc("2401.00002", "", "short posts about zebra things"));
    index_.upsert(docs);
    EXPECT_EQ(search_ids("zebra"), (Ids{"2401.00001", "2401.00002"}));
}

// A field that a document lacks neither penalises nor favours it: with the abstract empty
// for half the collection, the title-only documents score their titles as the others do.
TEST_F(IndexTest, MissingAbstractNeitherPenalisesNorFavours) {
    index_.upsert({
        make_doc("2401.00001", "alpha beta", ""),
        make_doc("2401.00002", "alpha beta", "gamma delta epsilon"),
        make_doc("2401.00003", "gamma beta", ""),
    });
    const SearchResult result = index_.search(or_query(analyzer_, "alpha"));
    ASSERT_EQ(result.hits.size(), 2U);
    EXPECT_EQ(result.hits[0].score, result.hits[1].score);
    EXPECT_EQ(result.hits[0].id.str(), "2401.00001");  // ties by id
}

// The per-field means follow replacements and removals: a replaced or removed document's
// fields no longer count.
TEST_F(IndexTest, FieldMeansFollowReplacementsAndRemovals) {
    index_.upsert({make_doc("2401.00001", "alpha", "x"), make_doc("2401.00002", "", "x")});
    index_.upsert({make_doc("2401.00002", "beta gamma", "x")});
    const double w = kDefaultBm25fParams.weight[0];
    // Titles "alpha" (1) and "beta gamma" (2): mean 1.5. The replaced version (no title) still
    // counts in df until merged, not in the means; "alpha" has df 1 over N = 2 live documents.
    SearchResult result = index_.search(or_query(analyzer_, "alpha"));
    ASSERT_EQ(result.hits.size(), 1U);
    EXPECT_NEAR(result.hits[0].score, bm25(idf_of(2, 1), w, 1, 1, 1.5), 1e-5);
    index_.remove({pid("2401.00002")});
    result = index_.search(or_query(analyzer_, "alpha"));
    ASSERT_EQ(result.hits.size(), 1U);
    EXPECT_NEAR(result.hits[0].score, bm25(idf_of(1, 1), w, 1, 1, 1), 1e-5);
}

// A word typed twice weighs (k3 + 1) * 2 / (k3 + 2) times as much (Bm25fParams::k3).
TEST_F(IndexTest, RepeatedQueryWordsWeighMore) {
    index_.upsert({
        make_doc("2401.00001", "", "zebra one two"),
        make_doc("2401.00002", "", "lion one two"),
        make_doc("2401.00003", "", "three four five"),
    });
    const SearchResult once = index_.search(parse_query("zebra", analyzer_));
    const SearchResult twice = index_.search(parse_query("zebra zebra", analyzer_));
    ASSERT_EQ(once.hits.size(), 1U);
    ASSERT_EQ(twice.hits.size(), 1U);
    const double k3 = kDefaultBm25fParams.k3;
    EXPECT_NEAR(twice.hits[0].score, once.hits[0].score * (k3 + 1) * 2 / (k3 + 2), 1e-5);
    EXPECT_NEAR(once.hits[0].score, bm25(idf_of(3, 1), 1, 1, 3, 3), 1e-5);
    // Equal documents, ranked by which word the query repeats.
    EXPECT_EQ(search_ids(parse_query("zebra lion lion", analyzer_)),
              (Ids{"2401.00002", "2401.00001"}));
    EXPECT_EQ(search_ids(parse_query("zebra zebra lion", analyzer_)),
              (Ids{"2401.00001", "2401.00002"}));
}

// Beyond kMaxScoredTerms distinct terms, the rarest are kept: a rare word at the end of a long
// query still finds its paper.
TEST_F(IndexTest, LongQueriesKeepTheirMostInformativeTerms) {
    std::vector<std::string> vocab;
    std::vector<IndexDoc> docs = random_corpus(800, 5, vocab);
    // Every word of the vocabulary in some document: all of them are scored terms.
    for (size_t i = 0; i < vocab.size(); ++i) {
        docs.push_back(make_doc("2402." + std::to_string(10000 + i), "", vocab[i]));
    }
    docs.push_back(make_doc("2401.00001", "", "zyxwq"));
    index_.upsert(docs);
    // The rare words first (the vocabulary is in Zipf order): the kept terms are not all
    // after the dropped ones.
    std::string text = "zyxwq";
    for (auto w = vocab.rbegin(); w != vocab.rend(); ++w) text += " " + *w;
    const Query query = parse_query(text, analyzer_);
    ASSERT_GT(query.should.size(), kMaxScoredTerms);
    ASSERT_FALSE(query.truncated);
    SearchOptions all;
    all.limit = docs.size();
    const std::vector<std::string> ids = search_ids(query, all);
    EXPECT_NE(std::find(ids.begin(), ids.end(), "2401.00001"), ids.end());
    SearchOptions top;
    top.limit = 10;
    const SearchResult pruned = index_.search(query, top);
    top.exhaustive = true;
    expect_same_hits(pruned, index_.search(query, top), "long query");
}

TEST_F(IndexTest, PhraseMustMatchInOrderAndAdjacent) {
    index_.upsert({
        make_doc("2401.00001", "Neural network pruning", "A method."),
        make_doc("2401.00002", "Networks of neural cells", "A network made of neural tissue."),
        make_doc("2401.00003", "Other", "We prune a neural network quickly."),
    });
    Query query;
    query.must.push_back(phrase_clause(analyzer_, "neural network"));
    EXPECT_EQ(sorted(search_ids(query)), (Ids{"2401.00001", "2401.00003"}));
    // Restricted to the title.
    query.must[0] = phrase_clause(analyzer_, "neural network", Field::kTitle);
    EXPECT_EQ(search_ids(query), (Ids{"2401.00001"}));
}

TEST_F(IndexTest, PhraseKeepsTheStopwordGap) {
    index_.upsert({
        make_doc("2401.00001", "", "A proof of concept for retrieval."),
        make_doc("2401.00002", "", "Proof concept retrieval."),
    });
    Query query;
    query.must.push_back(phrase_clause(analyzer_, "proof of concept"));
    ASSERT_EQ(query.must[0].terms.size(), 2U);
    EXPECT_EQ(search_ids(query), (Ids{"2401.00001"}));
}

TEST_F(IndexTest, MustClausesAreScoredAndCombineWithShould) {
    index_.upsert({
        make_doc("2401.00001", "Graph attention", "Graph attention with sparse kernels."),
        make_doc("2401.00002", "Graph attention", "Graph attention alone."),
        make_doc("2401.00003", "Sparse kernels", "Sparse kernels without it."),
    });
    Query query = or_query(analyzer_, "sparse");
    query.must.push_back(phrase_clause(analyzer_, "graph attention"));
    const SearchResult result = index_.search(query);
    EXPECT_EQ(hit_ids(result), (Ids{"2401.00001", "2401.00002"}));
    EXPECT_GT(result.hits[1].score, 0.0F);
}

TEST_F(IndexTest, MustNotExcludes) {
    index_.upsert({
        make_doc("2401.00001", "Graph attention", "Sparse kernels."),
        make_doc("2401.00002", "Graph kernels", "Dense kernels."),
    });
    Query query = or_query(analyzer_, "graph");
    query.must_not.push_back(term_clause(analyzer_.terms("dense")[0]));
    EXPECT_EQ(search_ids(query), (Ids{"2401.00001"}));
    Query phrase_not = or_query(analyzer_, "graph");
    phrase_not.must_not.push_back(phrase_clause(analyzer_, "sparse kernels"));
    EXPECT_EQ(search_ids(phrase_not), (Ids{"2401.00002"}));
}

TEST_F(IndexTest, FieldRestrictedClausesMatchOnlyThatField) {
    index_.upsert({
        make_doc("2401.00001", "Attention", "About something.", {"Ashish Vaswani"}),
        make_doc("2401.00002", "Something", "Attention in the abstract.", {"Noam Shazeer"}),
    });
    EXPECT_EQ(search_ids(or_query(analyzer_, "attention", Field::kTitle)), (Ids{"2401.00001"}));
    EXPECT_EQ(search_ids(or_query(analyzer_, "attention", Field::kAbstract)), (Ids{"2401.00002"}));
    EXPECT_EQ(search_ids(or_query(analyzer_, "shazeer", Field::kAuthors)), (Ids{"2401.00002"}));
    EXPECT_TRUE(search_ids(or_query(analyzer_, "shazeer", Field::kTitle)).empty());
    EXPECT_EQ(search_ids("vaswani"), (Ids{"2401.00001"}));
}

TEST_F(IndexTest, PrefixMatchesTermsStartingSo) {
    index_.upsert({
        make_doc("2401.00001", "Transformers for vision", "Attention."),
        make_doc("2401.00002", "Transformation groups", "Algebra."),
        make_doc("2401.00003", "Recurrent networks", "Memory."),
    });
    Query query;
    query.should.push_back(prefix_clause("transfo"));
    EXPECT_EQ(sorted(search_ids(query)), (Ids{"2401.00001", "2401.00002"}));
    Query whole_word;
    // A whole word also matches through its stem ("transform", which "transformation" shares).
    whole_word.should.push_back(prefix_clause("transformers"));
    const auto ids = search_ids(whole_word);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), "2401.00001");
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "2401.00003"), 0);
    Query must;
    must.must.push_back(prefix_clause("recur"));
    EXPECT_EQ(search_ids(must), (Ids{"2401.00003"}));
}

class FilterTest : public IndexTest {
  protected:
    void SetUp() override {
        IndexDoc a = make_doc("2401.00001", "Graph learning", "Graphs.", {}, {"cs.LG", "cs.AI"});
        a.published_day = 19000;
        a.organization = "Meta";
        a.has_code = true;
        IndexDoc b = make_doc("2401.00002", "Graph theory", "Graphs.", {}, {"math.CO"});
        b.published_day = 19100;
        b.on_daily_list = true;
        IndexDoc c = make_doc("2401.00003", "Graph kernels", "Graphs.", {}, {"cs.LG"});
        c.published_day = 19200;
        c.organization = "Google";
        c.has_code = true;
        c.on_daily_list = true;
        IndexDoc d = make_doc("2401.00004", "Unrelated", "Nothing.", {}, {"cs.CL"});
        index_.upsert({a, b, c, d});
    }
    std::vector<std::string> with(const Filters& filters, bool words = true) {
        Query query = words ? or_query(analyzer_, "graph") : Query{};
        query.filters = filters;
        auto ids = search_ids(query);
        if (words) std::sort(ids.begin(), ids.end());
        return ids;
    }
};

TEST_F(FilterTest, DateRange) {
    Filters f;
    f.from_day = 19100;
    EXPECT_EQ(with(f), (Ids{"2401.00002", "2401.00003"}));
    f.to_day = 19150;
    EXPECT_EQ(with(f), (Ids{"2401.00002"}));
    Filters before;
    before.to_day = 19000;
    EXPECT_EQ(with(before), (Ids{"2401.00001"}));
}

TEST_F(FilterTest, CategoryAnyOfCaseInsensitive) {
    Filters f;
    f.categories = {"cs.lg"};
    EXPECT_EQ(with(f), (Ids{"2401.00001", "2401.00003"}));
    f.categories = {"math.co", "cs.ai"};
    EXPECT_EQ(with(f), (Ids{"2401.00001", "2401.00002"}));
}

TEST_F(FilterTest, Organization) {
    Filters f;
    f.organizations = {analyzer_.fold("meta")};
    EXPECT_EQ(with(f), (Ids{"2401.00001"}));
    f.organizations = {analyzer_.fold("Meta"), analyzer_.fold("GOOGLE")};
    EXPECT_EQ(with(f), (Ids{"2401.00001", "2401.00003"}));
}

TEST_F(FilterTest, HasCodeAndDailyList) {
    Filters f;
    f.has_code = true;
    EXPECT_EQ(with(f), (Ids{"2401.00001", "2401.00003"}));
    f.on_daily_list = true;
    EXPECT_EQ(with(f), (Ids{"2401.00003"}));
    Filters daily;
    daily.on_daily_list = true;
    EXPECT_EQ(with(daily), (Ids{"2401.00002", "2401.00003"}));
}

TEST_F(FilterTest, FilterOnlyQueryReturnsNewestFirstWithScoreZero) {
    Filters f;
    f.categories = {"cs.lg", "math.co"};
    const Query query = [&] {
        Query q;
        q.filters = f;
        return q;
    }();
    const SearchResult result = index_.search(query);
    EXPECT_EQ(hit_ids(result), (Ids{"2401.00003", "2401.00002", "2401.00001"}));
    for (const Hit& hit : result.hits) EXPECT_EQ(hit.score, 0.0F);
    EXPECT_EQ(result.matched, 3U);
    Filters code;
    code.has_code = true;
    EXPECT_EQ(with(code, false), (Ids{"2401.00003", "2401.00001"}));
}

TEST_F(IndexTest, UpsertReplacesTheOldVersion) {
    index_.upsert({make_doc("2401.00001", "Quantum annealing", "Old text about spins.")});
    index_.upsert({make_doc("2401.00001", "Protein folding", "New text about residues.")});
    EXPECT_TRUE(search_ids("spins").empty());
    EXPECT_EQ(search_ids("residues"), (Ids{"2401.00001"}));
    EXPECT_EQ(index_.stats().documents, 1U);
    // Within one batch the last version wins.
    index_.upsert(
        {make_doc("2401.00002", "First", "apples"), make_doc("2401.00002", "Second", "oranges")});
    EXPECT_TRUE(search_ids("apples").empty());
    EXPECT_EQ(search_ids("oranges"), (Ids{"2401.00002"}));
}

TEST_F(IndexTest, RemoveHidesDocuments) {
    index_.upsert({make_doc("2401.00001", "Quantum annealing", "Spins."),
                   make_doc("2401.00002", "Quantum walks", "Graphs.")});
    index_.remove({pid("2401.00001"), pid("2312.99999")});
    EXPECT_EQ(search_ids("quantum"), (Ids{"2401.00002"}));
    EXPECT_EQ(index_.stats().documents, 1U);
    index_.upsert({make_doc("2401.00001", "Quantum again", "Back.")});
    EXPECT_EQ(sorted(search_ids("quantum")), (Ids{"2401.00001", "2401.00002"}));
}

// A random corpus over a small Zipf-like vocabulary, so terms share documents heavily.
std::vector<IndexDoc> random_corpus(size_t n, uint32_t seed, std::vector<std::string>& vocab) {
    std::mt19937 rng(seed);
    static const char* kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "xi", "be", "do"};
    vocab.clear();
    for (int i = 0; i < 300; ++i) {
        std::string w;
        int x = i + 7;
        do {
            w += kSyllables[x % 10];
            x /= 10;
        } while (x > 0);
        w += "q";
        vocab.push_back(w);
    }
    std::vector<double> weights;
    for (size_t i = 0; i < vocab.size(); ++i) weights.push_back(1.0 / static_cast<double>(i + 1));
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    std::uniform_int_distribution<int> title_len(1, 8);
    std::uniform_int_distribution<int> abstract_len(5, 80);
    const auto text = [&](int len) {
        std::string s;
        for (int i = 0; i < len; ++i) s += vocab[pick(rng)] + " ";
        return s;
    };
    std::vector<IndexDoc> docs;
    for (size_t i = 0; i < n; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "2301.%05zu", i);
        IndexDoc d = make_doc(id, text(title_len(rng)), text(abstract_len(rng)), {text(2), text(2)},
                              {"cs.LG"});
        d.published_day = 19000 + static_cast<int32_t>(i % 365);
        d.has_code = i % 3 == 0;
        docs.push_back(std::move(d));
    }
    return docs;
}

void expect_same_hits(const SearchResult& a, const SearchResult& b, const std::string& what) {
    ASSERT_EQ(a.hits.size(), b.hits.size()) << what;
    for (size_t i = 0; i < a.hits.size(); ++i) {
        EXPECT_EQ(a.hits[i].id, b.hits[i].id) << what << " rank " << i;
        EXPECT_EQ(a.hits[i].score, b.hits[i].score) << what << " rank " << i;
    }
}

TEST_F(IndexTest, MaxScoreReturnsExactlyTheExhaustiveTopK) {
    std::vector<std::string> vocab;
    std::vector<IndexDoc> docs = random_corpus(4000, 7, vocab);
    // Several segments, some deletions: the threshold carries across segments.
    for (size_t i = 0; i < docs.size(); i += 700) {
        index_.upsert(std::vector<IndexDoc>(
            docs.begin() + static_cast<ptrdiff_t>(i),
            docs.begin() + static_cast<ptrdiff_t>(std::min(docs.size(), i + 700))));
    }
    index_.remove({pid("2301.00010"), pid("2301.00500"), pid("2301.03000")});
    std::mt19937 rng(11);
    std::uniform_int_distribution<size_t> word(0, vocab.size() - 1);
    std::uniform_int_distribution<int> length(1, 6);
    std::uniform_int_distribution<int> coin(0, 9);
    int pruned = 0;
    for (int q = 0; q < 300; ++q) {
        Query query;
        std::string text;
        for (int i = length(rng); i > 0; --i) {
            // Mix frequent and rare words.
            const size_t w = coin(rng) < 5 ? word(rng) % 20 : word(rng);
            std::optional<Field> field;
            if (coin(rng) == 0) field = Field::kTitle;
            query.should.push_back(term_clause(analyzer_.terms(vocab[w])[0], field));
            text += vocab[w] + " ";
        }
        if (coin(rng) == 0) query.filters.has_code = true;
        SearchOptions options;
        options.limit = 1 + static_cast<size_t>(coin(rng));
        options.offset = coin(rng) < 3 ? 5 : 0;
        const SearchResult pruned_result = index_.search(query, options);
        options.exhaustive = true;
        const SearchResult exhaustive = index_.search(query, options);
        EXPECT_TRUE(exhaustive.matched_is_exact);
        if (!pruned_result.matched_is_exact) ++pruned;
        EXPECT_LE(pruned_result.matched, exhaustive.matched);
        expect_same_hits(pruned_result, exhaustive, text);
    }
    EXPECT_GT(pruned, 50);  // pruning did happen
}

// Weighted terms (repeated words) and long queries over several segments: pruning keeps the
// exhaustive top k, scores included.
TEST_F(IndexTest, MaxScoreReturnsTheExhaustiveTopKForLongWeightedQueries) {
    std::vector<std::string> vocab;
    std::vector<IndexDoc> docs = random_corpus(3000, 9, vocab);
    // Some documents without a title or without an abstract.
    for (size_t i = 0; i < docs.size(); i += 5) docs[i].title.clear();
    for (size_t i = 1; i < docs.size(); i += 7) docs[i].abstract.clear();
    for (size_t i = 0; i < docs.size(); i += 1000) {
        index_.upsert(std::vector<IndexDoc>(
            docs.begin() + static_cast<ptrdiff_t>(i),
            docs.begin() + static_cast<ptrdiff_t>(std::min(docs.size(), i + 1000))));
    }
    index_.remove({pid("2301.00010"), pid("2301.01500")});
    std::mt19937 rng(13);
    std::vector<double> weights;
    for (size_t i = 0; i < vocab.size(); ++i) weights.push_back(1.0 / static_cast<double>(i + 1));
    std::discrete_distribution<size_t> zipf(weights.begin(), weights.end());
    std::uniform_int_distribution<size_t> any(0, vocab.size() - 1);
    std::uniform_int_distribution<int> length(2, 400);
    std::uniform_int_distribution<int> coin(0, 9);
    int pruned = 0;
    for (int q = 0; q < 60; ++q) {
        std::string text;
        for (int i = length(rng); i > 0; --i) {
            text += vocab[coin(rng) < 6 ? zipf(rng) : any(rng)] + " ";
        }
        const Query query = parse_query(text, analyzer_);
        SearchOptions options;
        options.limit = 1 + static_cast<size_t>(coin(rng)) * 3;
        const SearchResult pruned_result = index_.search(query, options);
        options.exhaustive = true;
        const SearchResult exhaustive = index_.search(query, options);
        if (!pruned_result.matched_is_exact) ++pruned;
        EXPECT_LE(pruned_result.matched, exhaustive.matched);
        expect_same_hits(pruned_result, exhaustive, text.substr(0, 80));
    }
    EXPECT_GT(pruned, 10);
}

TEST_F(IndexTest, ManySmallUpsertsEqualOneBulkBuild) {
    std::vector<std::string> vocab;
    const std::vector<IndexDoc> docs = random_corpus(600, 3, vocab);
    Index bulk(analyzer_);
    bulk.upsert(docs);
    for (size_t i = 0; i < docs.size(); i += 7) {
        index_.upsert(std::vector<IndexDoc>(
            docs.begin() + static_cast<ptrdiff_t>(i),
            docs.begin() + static_cast<ptrdiff_t>(std::min(docs.size(), i + 7))));
    }
    EXPECT_EQ(index_.stats().documents, 600U);
    EXPECT_LT(index_.stats().segments, 20U);  // 86 upserts, merged
    for (size_t w = 0; w < 60; w += 3) {
        Query query = or_query(analyzer_, vocab[w] + " " + vocab[w + 1] + " " + vocab[w + 40]);
        SearchOptions options;
        options.limit = 20;
        expect_same_hits(index_.search(query, options), bulk.search(query, options), vocab[w]);
    }
    Query phrase;
    phrase.must.push_back(phrase_clause(analyzer_, vocab[0] + " " + vocab[1]));
    expect_same_hits(index_.search(phrase), bulk.search(phrase), "phrase");
}

TEST_F(IndexTest, PaginationContinuesTheRanking) {
    std::vector<std::string> vocab;
    index_.upsert(random_corpus(500, 5, vocab));
    const Query query = or_query(analyzer_, vocab[0] + " " + vocab[3]);
    SearchOptions all;
    all.limit = 30;
    const auto full = search_ids(query, all);
    ASSERT_EQ(full.size(), 30U);
    SearchOptions page;
    page.limit = 10;
    page.offset = 10;
    const auto second = search_ids(query, page);
    EXPECT_EQ(second, std::vector<std::string>(full.begin() + 10, full.begin() + 20));
    page.offset = 100000;
    EXPECT_TRUE(search_ids(query, page).empty());
}

TEST_F(IndexTest, StatsCountDocumentsTermsAndMemory) {
    std::vector<std::string> vocab;
    index_.upsert(random_corpus(3000, 9, vocab));
    IndexStats stats = index_.stats();
    EXPECT_EQ(stats.documents, 3000U);
    EXPECT_GT(stats.terms, 100U);
    EXPECT_GE(stats.segments, 1U);
    EXPECT_GT(stats.memory_bytes, 3000U * 50);
    EXPECT_LT(stats.memory_bytes, 3000U * 1536);
    index_.remove({pid("2301.00001")});
    stats = index_.stats();
    EXPECT_EQ(stats.documents, 2999U);
}

}  // namespace
}  // namespace paperboy::index

namespace paperboy::index {
namespace {

// Segments built, merged and loaded look terms up through a hash of the dictionary; it must
// answer as the binary search over the sorted terms does, for present and absent terms alike.
TEST(SegmentDictionary, HashedLookupAgreesWithTheSortedTerms) {
    const text::Analyzer analyzer;
    std::mt19937 random(7);
    const auto word = [&] {
        std::string w;
        const size_t length = 1 + random() % 9;
        for (size_t i = 0; i < length; ++i) w += static_cast<char>('a' + random() % 26);
        return w;
    };
    std::vector<SegmentWithDeletions> parts;
    for (uint32_t part = 0; part < 2; ++part) {
        SegmentBuilder builder(analyzer);
        for (uint32_t d = 0; d < 300; ++d) {
            std::string abstract;
            for (int w = 0; w < 12; ++w) abstract += word() + " ";
            const std::string id = "2401." + std::to_string(10000 + part * 1000 + d);
            builder.add(testing::make_doc(id, word() + " " + word(), abstract), part * 1000 + d);
        }
        parts.push_back({builder.finish(), nullptr});
    }
    const std::shared_ptr<const Segment> merged = merge_segments(parts);
    for (const Segment* segment : {parts[0].segment.get(), merged.get()}) {
        ASSERT_FALSE(segment->term_slots.empty());
        Segment sorted_only = *segment;
        sorted_only.term_slots.clear();
        for (uint32_t id = 0; id < segment->num_terms(); ++id) {
            ASSERT_EQ(segment->find_term(segment->term(id)), id) << segment->term(id);
        }
        for (int probe = 0; probe < 5000; ++probe) {
            const std::string w = probe % 2 == 0 ? word() : word() + "zq";
            ASSERT_EQ(segment->find_term(w), sorted_only.find_term(w)) << w;
        }
        EXPECT_EQ(segment->find_term(""), std::nullopt);
    }
}

}  // namespace
}  // namespace paperboy::index
