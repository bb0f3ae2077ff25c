// Index snapshot files: a loaded index answers exactly as the saved one did, and a file that is
// damaged, foreign or from another format is refused without harming the index.
#include <gtest/gtest.h>

#include <random>

#include "index/index.h"
#include "index/index_test_util.h"
#include "support/temp_dir.h"
#include "text/analyzer.h"

namespace paperboy::index {
namespace {

using paperboy::testing::read_file;
using paperboy::testing::TempDir;
using paperboy::testing::write_file;
using testing::make_doc;
using testing::or_query;
using testing::pid;

// A few hundred documents over a small vocabulary, several segments, replacements, removals,
// filters: everything a snapshot has to carry.
void fill(Index& index) {
    static const char* kWords[] = {"graph",     "neural",   "network",  "transformer", "attention",
                                   "diffusion", "protein",  "folding",  "quantum",     "circuit",
                                   "language",  "model",    "sparse",   "kernel",      "retrieval",
                                   "molecule",  "dynamics", "learning", "robot",       "vision"};
    std::mt19937 rng(7);
    auto words = [&](int n) {
        std::string out;
        for (int i = 0; i < n; ++i) out += std::string(kWords[rng() % 20]) + " ";
        return out;
    };
    for (int batch = 0; batch < 6; ++batch) {
        std::vector<IndexDoc> docs;
        for (int i = 0; i < 100; ++i) {
            char id[32];
            std::snprintf(id, sizeof id, "2401.%05d", batch * 100 + i);
            IndexDoc doc = make_doc(id, words(6), words(40), {"Ada Lovelace", "Alan Turing"},
                                    {i % 2 ? "cs.LG" : "cs.CL"});
            doc.organization = i % 3 == 0 ? "DeepMind" : "";
            doc.has_code = i % 3 == 1;
            doc.on_daily_list = i % 5 == 0;
            doc.published_day = 19700 + i;
            docs.push_back(std::move(doc));
        }
        index.upsert(docs);
    }
    // Replacements and removals leave deletions in the saved segments.
    index.upsert({make_doc("2401.00003", "Transfomer typo title", "vaswany attention")});
    index.remove({pid("2401.00010"), pid("2401.00250")});
}

std::vector<Query> probe_queries(const text::Analyzer& analyzer) {
    std::vector<Query> queries;
    for (const char* text : {"graph neural network", "quantum circuit learning", "transformer",
                             "protein folding dynamics", "typo", "lovelace"}) {
        queries.push_back(or_query(analyzer, text));
    }
    Query filtered = or_query(analyzer, "language model");
    filtered.filters.categories = {"cs.lg"};
    filtered.filters.has_code = true;
    queries.push_back(filtered);
    Query daily = or_query(analyzer, "sparse kernel");
    daily.filters.on_daily_list = true;
    daily.filters.organizations = {"deepmind"};
    queries.push_back(daily);
    return queries;
}

class IndexFileTest : public ::testing::Test {
  protected:
    text::Analyzer analyzer_;
    TempDir dir_;
    std::string path_ = dir_.file("papers.index");
};

TEST_F(IndexFileTest, ALoadedIndexAnswersAsTheSavedOne) {
    Index saved(analyzer_);
    fill(saved);
    ASSERT_TRUE(saved.save(path_, "label: any text\n").ok());

    Index loaded(analyzer_);
    auto label = loaded.load(path_);
    ASSERT_TRUE(label.ok()) << label.error().message();
    EXPECT_EQ(*label, "label: any text\n");

    EXPECT_EQ(loaded.stats().documents, saved.stats().documents);
    EXPECT_EQ(loaded.stats().deleted, saved.stats().deleted);
    EXPECT_EQ(loaded.stats().segments, saved.stats().segments);
    const std::vector<Query> queries = probe_queries(analyzer_);
    for (size_t qi = 0; qi < queries.size(); ++qi) {
        SCOPED_TRACE("query " + std::to_string(qi));
        const Query& q = queries[qi];
        for (bool exhaustive : {false, true}) {
            SearchOptions options;
            options.limit = 20;
            options.exhaustive = exhaustive;
            SearchResult a = saved.search(q, options);
            SearchResult b = loaded.search(q, options);
            ASSERT_EQ(a.hits.size(), b.hits.size());
            EXPECT_FALSE(a.hits.empty());
            for (size_t i = 0; i < a.hits.size(); ++i) {
                EXPECT_EQ(a.hits[i].id, b.hits[i].id);
                EXPECT_FLOAT_EQ(a.hits[i].score, b.hits[i].score);
            }
            EXPECT_EQ(a.matched, b.matched);
        }
    }
    Query typos;
    typos.should = {testing::term_clause("transfom"), testing::term_clause("vaswani")};
    typos.words = {"transfomer", "vaswani"};
    const auto s1 = saved.suggest(typos);
    const auto s2 = loaded.suggest(typos);
    ASSERT_EQ(s1.size(), s2.size());
    for (size_t i = 0; i < s1.size(); ++i) EXPECT_EQ(s1[i].replacement, s2[i].replacement);
}

TEST_F(IndexFileTest, ALoadedIndexTakesUpdates) {
    Index saved(analyzer_);
    fill(saved);
    ASSERT_TRUE(saved.save(path_, "x").ok());
    Index loaded(analyzer_);
    ASSERT_TRUE(loaded.load(path_).ok());

    // Replacing a loaded paper must delete its loaded version (the id map was rebuilt).
    loaded.upsert({make_doc("2401.00001", "Zebra stripes", "zebra")});
    loaded.remove({pid("2401.00002")});
    EXPECT_EQ(testing::hit_ids(loaded.search(or_query(analyzer_, "zebra"))),
              std::vector<std::string>{"2401.00001"});
    EXPECT_EQ(loaded.stats().documents, saved.stats().documents - 1);
    SearchOptions all;
    all.limit = 1000;
    for (const Hit& hit : loaded.search(or_query(analyzer_, "graph neural network"), all).hits) {
        EXPECT_NE(hit.id.str(), "2401.00002");
        EXPECT_NE(hit.id.str(), "2401.00001");
    }
}

TEST_F(IndexFileTest, AnEmptyIndexRoundTrips) {
    Index empty(analyzer_);
    ASSERT_TRUE(empty.save(path_, "").ok());
    Index loaded(analyzer_);
    ASSERT_TRUE(loaded.load(path_).ok());
    EXPECT_EQ(loaded.stats().documents, 0U);
    EXPECT_TRUE(loaded.search(or_query(analyzer_, "graph")).hits.empty());
}

TEST_F(IndexFileTest, DamagedFilesAreRefusedAndLeaveTheIndexEmptyAndUsable) {
    Index saved(analyzer_);
    fill(saved);
    ASSERT_TRUE(saved.save(path_, "x").ok());
    const std::string good = read_file(path_);
    ASSERT_GT(good.size(), 1000U);

    std::vector<std::pair<std::string, std::string>> damaged = {
        {"empty", ""},
        {"truncated header", good.substr(0, 10)},
        {"truncated in the middle", good.substr(0, good.size() / 2)},
        {"one byte short", good.substr(0, good.size() - 1)},
        {"one byte more", good + "x"},
        {"not ours", "PK\x03\x04 some zip file " + std::string(100, 'z')},
    };
    for (size_t at : {size_t{40}, good.size() / 3, good.size() / 2, good.size() - 3}) {
        std::string flipped = good;
        flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
        damaged.emplace_back("a flipped bit at " + std::to_string(at), flipped);
    }
    for (const auto& [what, bytes] : damaged) {
        SCOPED_TRACE(what);
        ASSERT_TRUE(write_file(path_, bytes));
        Index loaded(analyzer_);
        auto label = loaded.load(path_);
        ASSERT_FALSE(label.ok());
        EXPECT_NE(label.error().message().find(path_), std::string::npos)
            << label.error().message();
        EXPECT_EQ(loaded.stats().documents, 0U);
        EXPECT_TRUE(loaded.search(or_query(analyzer_, "graph")).hits.empty());
        // Still a working index.
        loaded.upsert({make_doc("2401.00001", "Graph", "graph")});
        EXPECT_EQ(testing::hit_ids(loaded.search(or_query(analyzer_, "graph"))),
                  std::vector<std::string>{"2401.00001"});
    }
}

TEST_F(IndexFileTest, OtherFormatVersionsAreRefusedAsSuch) {
    Index saved(analyzer_);
    fill(saved);
    ASSERT_TRUE(saved.save(path_, "x").ok());
    std::string bytes = read_file(path_);
    bytes[16] = static_cast<char>(bytes[16] + 1);  // the format version follows the magic
    ASSERT_TRUE(write_file(path_, bytes));
    Index loaded(analyzer_);
    auto label = loaded.load(path_);
    ASSERT_FALSE(label.ok());
    EXPECT_EQ(label.error().code(), ErrorCode::kVersionMismatch);
}

TEST_F(IndexFileTest, AnIndexFromAnotherAnalyzerIsRefused) {
    text::AnalyzerOptions options;
    options.stem = false;
    text::Analyzer unstemmed(options);
    Index saved(unstemmed);
    saved.upsert({make_doc("2401.00001", "Graphs", "graphs")});
    ASSERT_TRUE(saved.save(path_, "x").ok());
    Index loaded(analyzer_);
    auto label = loaded.load(path_);
    ASSERT_FALSE(label.ok());
    EXPECT_NE(label.error().message().find("analyzer"), std::string::npos);
}

TEST_F(IndexFileTest, LoadingIntoANonEmptyIndexOrAMissingFileFails) {
    Index saved(analyzer_);
    fill(saved);
    ASSERT_TRUE(saved.save(path_, "x").ok());
    EXPECT_FALSE(saved.load(path_).ok());
    Index fresh(analyzer_);
    auto missing = fresh.load(dir_.file("missing.index"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(IndexFileTest, SaveIsAtomicAndReportsUnwritablePlaces) {
    Index saved(analyzer_);
    fill(saved);
    ASSERT_TRUE(saved.save(path_, "first").ok());
    ASSERT_TRUE(saved.save(path_, "second").ok());
    EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
    Index loaded(analyzer_);
    EXPECT_EQ(loaded.load(path_).value(), "second");

    auto bad = saved.save(dir_.file("no/such/dir/papers.index"), "x");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("no/such/dir"), std::string::npos);
}

}  // namespace
}  // namespace paperboy::index
