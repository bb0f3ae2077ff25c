// `paperboy search` and `paperboy eval` through the real binary, on the SciFact test collection
// (5,183 abstracts, 300 judged queries, read from ../shared: those tests are skipped without
// it) and on our own fixtures.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "store/store.h"
#include "support/shared_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy {
namespace {

using testing::ProcessResult;
using testing::run_process;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
const std::string kSeedPage =
    std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/seed-page-2025-11-03.json";
// Our own fixtures (tests/testdata/json/README.md): they run everywhere.
const std::string kSnapshotFixture = kTestdata + "/json/handmade_arxiv_snapshot.jsonl";
const std::string kHfDayFixture = kTestdata + "/json/handmade_hf_daily_2024-10-25.json";
constexpr const char* kScifactCorpus = "data/scifact/beir/corpus.jsonl.gz";
constexpr const char* kScifactBeir = "data/scifact/beir";

ProcessResult paperboy(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return run_process(args);
}

// The quality bar of the search issue, on SciFact. Reference points: BM25 in the BEIR paper
// 0.665 nDCG@10; Xapian's BM25 on the same files 0.683-0.691.
constexpr double kMinNdcgAt10 = 0.70;
constexpr double kMinRecallAt100 = 0.92;

class SearchCliTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        demo_ = dir_->file("demo.db");
        ProcessResult r =
            paperboy({"ingest", "--db", demo_, "-q", kSnapshotFixture, kHfDayFixture, kSeedPage});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        if (auto corpus = testing::shared_path(kScifactCorpus)) {
            scifact_ = dir_->file("scifact.db");
            r = paperboy({"ingest", "--db", scifact_, "-q", "--format", "beir", *corpus});
            ASSERT_EQ(r.exit_code, 0) << r.err;
        }
    }
    static void TearDownTestSuite() { delete dir_; }

    static testing::TempDir* dir_;
    static std::string scifact_;
    static std::string demo_;
};

testing::TempDir* SearchCliTest::dir_ = nullptr;
std::string SearchCliTest::scifact_;
std::string SearchCliTest::demo_;

double json_number(const std::string& json, const std::string& key) {
    std::smatch m;
    std::regex re("\"" + key + "\":\\s*([0-9.eE+-]+)");
    if (!std::regex_search(json, m, re)) return -1;
    return std::stod(m[1].str());
}

TEST_F(SearchCliTest, SciFactQualityMeetsTheBar) {
    PAPERBOY_REQUIRE_SHARED(beir, kScifactBeir);
    ASSERT_FALSE(scifact_.empty());
    ProcessResult r = paperboy({"eval", "--db", scifact_, "--beir", beir, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json_number(r.out, "queries"), 300);
    EXPECT_GE(json_number(r.out, "ndcg@10"), kMinNdcgAt10) << r.out;
    EXPECT_GE(json_number(r.out, "recall@100"), kMinRecallAt100) << r.out;
}

// Search by meaning on SciFact with the real static model (docs/ranking.md, "Hybrid"): semantic
// alone reproduces the model, hybrid is above lexical in precision and recall.
TEST_F(SearchCliTest, SciFactHybridWithTheStaticModelBeatsLexical) {
    PAPERBOY_REQUIRE_SHARED(beir, kScifactBeir);
    PAPERBOY_REQUIRE_SHARED(corpus, kScifactCorpus);
    PAPERBOY_REQUIRE_SHARED(model, "models/potion-base-4M-int8");
    const std::string db = dir_->file("scifact-vectors.db");
    ProcessResult r = paperboy({"ingest", "--db", db, "-q", "--format", "beir", corpus});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = paperboy({"embed", "--db", db, "--model", model, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::pair<double, double>> quality;
    for (const char* mode : {"lexical", "semantic", "hybrid"}) {
        r = paperboy({"eval", "--db", db, "--beir", beir, "--mode", mode, "--json"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find(std::string("\"mode\":\"") + mode + "\""), std::string::npos) << r.out;
        quality[mode] = {json_number(r.out, "ndcg@10"), json_number(r.out, "recall@100")};
    }
    const auto [lexical_ndcg, lexical_recall] = quality["lexical"];
    const auto [semantic_ndcg, semantic_recall] = quality["semantic"];
    const auto [hybrid_ndcg, hybrid_recall] = quality["hybrid"];
    EXPECT_GE(lexical_ndcg, kMinNdcgAt10);
    EXPECT_GE(semantic_ndcg, 0.44);  // the model alone: 0.459 (potion-reference.json)
    EXPECT_LE(semantic_ndcg, 0.48);
    EXPECT_GE(hybrid_ndcg, lexical_ndcg + 0.005) << "lexical " << lexical_ndcg;
    EXPECT_GE(hybrid_recall, lexical_recall + 0.01) << "lexical " << lexical_recall;
    EXPECT_GE(hybrid_recall, 0.945);
    // The database remembers its model: eval with no flags ranks hybrid.
    r = paperboy({"eval", "--db", db, "--beir", beir, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"mode\":\"hybrid\""), std::string::npos) << r.out;
}

// The first ~90 bytes of a title, never cutting a UTF-8 sequence.
std::string title_prefix(const std::string& title) {
    size_t n = std::min<size_t>(title.size(), 90);
    while (n < title.size() && n > 0 && (static_cast<unsigned char>(title[n]) & 0xC0) == 0x80) --n;
    return title.substr(0, n);
}

// The SciFact queries (queries.jsonl) whose ids golden/scifact_query_ids.txt lists, as a
// "qid<TAB>text" file.
std::string golden_queries(const std::string& queries_jsonl, const std::string& out_path) {
    std::ifstream ids_in(kTestdata + "/golden/scifact_query_ids.txt");
    std::vector<std::string> ids;
    for (std::string id; ids_in >> id;) ids.push_back(id);
    std::map<std::string, std::string> text;
    std::ifstream in(queries_jsonl);
    std::regex re(R"re(^\{"_id": "([^"]+)", "text": "((?:[^"\\]|\\.)*)")re");
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, re)) text[m[1].str()] = m[2].str();
    }
    std::string tsv;
    for (const std::string& id : ids) {
        EXPECT_TRUE(text.count(id)) << "query " << id << " is not in " << queries_jsonl;
        tsv += id + "\t" + text[id] + "\n";
    }
    testing::write_file(out_path, tsv);
    return out_path;
}

// Top results of a few SciFact queries, with titles, against a golden file: a ranking change
// shows up as a readable diff. Regenerate with PAPERBOY_UPDATE_GOLDEN=1 after checking it.
TEST_F(SearchCliTest, RankingMatchesGolden) {
    PAPERBOY_REQUIRE_SHARED(queries, "data/scifact/beir/queries.jsonl");
    ASSERT_FALSE(scifact_.empty());
    std::string run = dir_->file("golden.run");
    ProcessResult r = paperboy({"search", "--db", scifact_, "--queries",
                                golden_queries(queries, dir_->file("golden_queries.tsv")), "--run",
                                run, "--limit", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto store = store::open_store(scifact_);
    ASSERT_TRUE(store.ok());
    std::ifstream in(run);
    std::string qid, q0, doc, rank, score, tag, last_qid;
    std::ostringstream got;
    while (in >> qid >> q0 >> doc >> rank >> score >> tag) {
        if (qid != last_qid) got << "query " << qid << "\n";
        last_qid = qid;
        auto paper = (*store)->get_paper(*PaperId::parse("local:" + doc));
        ASSERT_TRUE(paper.ok() && *paper);
        got << "  " << rank << ". " << doc << "  " << title_prefix((*paper)->title) << "\n";
    }
    const std::string golden_path = kTestdata + "/golden/scifact_top5.txt";
    if (std::getenv("PAPERBOY_UPDATE_GOLDEN") != nullptr) {
        testing::write_file(golden_path, got.str());
        GTEST_SKIP() << "golden file rewritten: " << golden_path;
    }
    EXPECT_EQ(got.str(), testing::read_file(golden_path));
}

TEST_F(SearchCliTest, BatchWritesATrecRunAndLatencyStats) {
    PAPERBOY_REQUIRE_SHARED(queries, "data/scifact/beir/queries.jsonl");
    ASSERT_FALSE(scifact_.empty());
    std::string run = dir_->file("all.run");
    ProcessResult r =
        paperboy({"search", "--db", scifact_, "--queries", queries, "--run", run, "--stats"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::regex line_re(R"(^\S+ Q0 \S+ \d+ [0-9.eE+-]+ paperboy$)");
    std::ifstream in(run);
    std::string line;
    size_t lines = 0;
    while (std::getline(in, line)) {
        ASSERT_TRUE(std::regex_match(line, line_re)) << line;
        ++lines;
    }
    EXPECT_GT(lines, 300u * 50);  // up to 100 per query
    EXPECT_EQ(json_number(r.err, "queries"), 300);
    for (const char* key : {"p50_ms", "p90_ms", "p99_ms", "mean_ms"}) {
        EXPECT_GE(json_number(r.err, key), 0) << key << " in " << r.err;
    }
}

TEST_F(SearchCliTest, JsonResultsCarryPapersSnippetsAndSuggestions) {
    ProcessResult r = paperboy({"search", "--db", demo_, "paging cache memory", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"id\": \"2410.61842\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("<mark>"), std::string::npos);

    ProcessResult typo = paperboy({"search", "--db", demo_, "contrastve los", "--json"});
    ASSERT_EQ(typo.exit_code, 0) << typo.err;
    EXPECT_NE(typo.out.find("\"suggestion\": \"contrastive\""), std::string::npos) << typo.out;
}

TEST_F(SearchCliTest, TheIndexSnapshotIsWrittenReusedAndRebuiltWhenDamaged) {
    const std::string db = dir_->file("snapshot.db");
    ProcessResult r = paperboy({"ingest", "--db", db, "-q", kSnapshotFixture});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string snapshot = db + ".index";
    const std::vector<std::string> search = {"search", "--db", db, "quantum", "--json"};

    ProcessResult first = paperboy(search);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(first.err, "");
    ASSERT_TRUE(std::filesystem::exists(snapshot));
    const auto written = std::filesystem::last_write_time(snapshot);

    ProcessResult second = paperboy(search);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(second.out, first.out);
    EXPECT_EQ(second.err, "");
    EXPECT_EQ(std::filesystem::last_write_time(snapshot), written) << "loaded, not rewritten";

    // Papers ingested after the snapshot are found: it is caught up with the change feed.
    r = paperboy({"ingest", "--db", db, "-q", kHfDayFixture});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ProcessResult caught_up = paperboy({"search", "--db", db, "paging cache memory", "--json"});
    ASSERT_EQ(caught_up.exit_code, 0) << caught_up.err;
    EXPECT_NE(caught_up.out.find("\"id\": \"2410.61842\""), std::string::npos);

    // The same answer as an index built from scratch (--index none: no snapshot read or written).
    std::vector<std::string> rebuilt = search;
    rebuilt.insert(rebuilt.end(), {"--index", "none"});
    ProcessResult fresh = paperboy(rebuilt);
    ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
    EXPECT_EQ(paperboy(search).out, fresh.out);

    // A damaged snapshot is reported, rebuilt and rewritten; the answer does not change.
    ASSERT_TRUE(testing::write_file(snapshot, "garbage"));
    ProcessResult damaged = paperboy(search);
    ASSERT_EQ(damaged.exit_code, 0) << damaged.err;
    EXPECT_NE(damaged.err.find("rebuilt the search index"), std::string::npos) << damaged.err;
    EXPECT_EQ(damaged.out, fresh.out);
    EXPECT_GT(std::filesystem::file_size(snapshot), 1000U);

    std::filesystem::remove(snapshot);
    EXPECT_EQ(paperboy(rebuilt).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(snapshot));
}

TEST_F(SearchCliTest, HostileQueriesNeverCrash) {
    std::vector<std::string> queries = {
        std::string(10 * 1024, 'a'),
        "\"unbalanced quote",
        "the of and a",
        std::string("\x01\x02 control \x7f chars"),
        std::string("invalid \xff\xfe utf-8"),
        "-",
        "\"\"",
        "title:title:author:",
        "after:2024-13-45 year:99999999999",
    };
    std::string many;
    for (int i = 0; i < 1000; ++i) many += "term" + std::to_string(i) + " ";
    queries.push_back(many);
    for (const std::string& q : queries) {
        SCOPED_TRACE(q.substr(0, 40));
        ProcessResult r = paperboy({"search", "--db", demo_, q, "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
    }
}

}  // namespace
}  // namespace paperboy
