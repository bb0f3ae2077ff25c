#include <gtest/gtest.h>

#include <cmath>

#include "app/evaluation.h"
#include "app/ingest_pipeline.h"
#include "app/search_service.h"
#include "store/store.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace paperboy::app {
namespace {

// A test collection written here in BEIR's layout (tests/testdata/beir/README.md).
const std::string kHandmade = std::string(PAPERBOY_TESTDATA_DIR) + "/beir/handmade";

TEST(Evaluation, NdcgMatchesAHandComputedExample) {
    // Relevant: a (1), b (1). Ranked: x, a, y, b.
    std::map<std::string, int> judged = {{"a", 1}, {"b", 1}};
    std::vector<std::string> ranked = {"x", "a", "y", "b"};
    double dcg = 1 / std::log2(3.0) + 1 / std::log2(5.0);
    double ideal = 1 / std::log2(2.0) + 1 / std::log2(3.0);
    EXPECT_NEAR(ndcg_at(ranked, judged, 10), dcg / ideal, 1e-12);
    EXPECT_NEAR(ndcg_at({"a", "b"}, judged, 10), 1.0, 1e-12);
    EXPECT_NEAR(ndcg_at({"x", "y"}, judged, 10), 0.0, 1e-12);
    // Only the first k count.
    EXPECT_NEAR(ndcg_at(ranked, judged, 1), 0.0, 1e-12);
}

TEST(Evaluation, RecallCountsRelevantDocumentsWithinK) {
    std::map<std::string, int> judged = {{"a", 1}, {"b", 2}, {"c", 0}};
    EXPECT_DOUBLE_EQ(recall_at({"a", "c", "x"}, judged, 100), 0.5);
    EXPECT_DOUBLE_EQ(recall_at({"x", "a", "b"}, judged, 2), 0.5);
    EXPECT_DOUBLE_EQ(recall_at({"b", "a"}, judged, 100), 1.0);
}

TEST(Evaluation, SummaryAveragesOverJudgedQueriesIncludingUnanswered) {
    ingest::Qrels qrels = {{"q1", {{"a", 1}}}, {"q2", {{"b", 1}}}};
    std::map<std::string, std::vector<std::string>> runs = {{"q1", {"a"}}, {"q3", {"z"}}};
    EvalSummary s = summarize(runs, qrels);
    EXPECT_EQ(s.queries, 2u);
    EXPECT_DOUBLE_EQ(s.ndcg_at_10, 0.5);
    EXPECT_DOUBLE_EQ(s.recall_at_100, 0.5);
}

TEST(TestCollection, ReadsBeirAndTrecForms) {
    testing::TempDir dir;
    auto jsonl = ingest::read_queries(dir.write("q.jsonl",
                                                "{\"_id\": \"1\", \"text\": \"a b\"}\n\n"
                                                "{\"_id\": \"3\", \"text\": \"c\"}\n"));
    ASSERT_TRUE(jsonl.ok()) << jsonl.error().message();
    ASSERT_EQ(jsonl->size(), 2u);
    EXPECT_EQ((*jsonl)[1].id, "3");
    EXPECT_EQ((*jsonl)[0].text, "a b");

    auto tsv = ingest::read_queries(dir.write("q.tsv", "7\tgraph neural networks\r\n"));
    ASSERT_TRUE(tsv.ok());
    EXPECT_EQ((*tsv)[0].id, "7");
    EXPECT_EQ((*tsv)[0].text, "graph neural networks");

    auto beir = ingest::read_qrels(dir.write("t.tsv", "query-id\tcorpus-id\tscore\n1\t42\t1\n"));
    ASSERT_TRUE(beir.ok());
    EXPECT_EQ(beir->at("1").at("42"), 1);
    auto trec = ingest::read_qrels(dir.write("t.trec", "1 0 42 2\n"));
    ASSERT_TRUE(trec.ok());
    EXPECT_EQ(trec->at("1").at("42"), 2);
}

TEST(TestCollection, MalformedLinesNameFileAndLine) {
    testing::TempDir dir;
    auto q = ingest::read_queries(
        dir.write("bad.jsonl", "{\"_id\": \"1\", \"text\": \"ok\"}\n{\"_id\": 5}\n"));
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.error().message().find("bad.jsonl line 2"), std::string::npos)
        << q.error().message();
    auto r = ingest::read_qrels(dir.write("bad.tsv", "1\t2\tmaybe\n"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("line 1"), std::string::npos);
    EXPECT_EQ(ingest::read_queries(dir.file("missing")).error().code(), ErrorCode::kNotFound);
}

TEST(TestCollection, ReadsTheSciFactTestSplit) {
    PAPERBOY_REQUIRE_SHARED(queries_path, "data/scifact/beir/queries.jsonl");
    PAPERBOY_REQUIRE_SHARED(qrels_path, "data/scifact/beir/qrels/test.tsv");
    auto queries = ingest::read_queries(queries_path);
    ASSERT_TRUE(queries.ok()) << queries.error().message();
    EXPECT_EQ(queries->size(), 300u);
    auto qrels = ingest::read_qrels(qrels_path);
    ASSERT_TRUE(qrels.ok()) << qrels.error().message();
    EXPECT_EQ(qrels->size(), 300u);
    EXPECT_EQ(qrels->at("1").at("31715818"), 1);
}

TEST(TestCollection, ReadsTheHandmadeTestSplit) {
    auto queries = ingest::read_queries(kHandmade + "/queries.jsonl");
    ASSERT_TRUE(queries.ok()) << queries.error().message();
    EXPECT_EQ(queries->size(), 9u);
    auto qrels = ingest::read_qrels(kHandmade + "/qrels/test.tsv");
    ASSERT_TRUE(qrels.ok()) << qrels.error().message();
    EXPECT_EQ(qrels->size(), 8u);  // query 9 is not judged
    EXPECT_EQ(qrels->at("3").size(), 2u);
    EXPECT_EQ(qrels->at("7").at("PB-7"), 1);
    EXPECT_EQ(qrels->at("8").at("112"), 2);
}

// As `paperboy eval` runs it: the corpus ingested, each judged query searched, the ranking's
// local ids ("local:101") compared with the judgments' ("101").
TEST(Evaluation, FindsTheJudgedDocumentsOfTheHandmadeCollection) {
    auto store = store::open_store("sqlite::memory:");
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto report = ingest_files(**store, {kHandmade + "/corpus.jsonl"}, {});
    ASSERT_TRUE(report.ok()) << report.error().message();
    ASSERT_TRUE(report->failed_files.empty()) << report->failed_files.front().message();
    ASSERT_EQ(report->failed, 0);
    auto service = SearchService::open(**store);
    ASSERT_TRUE(service.ok()) << service.error().message();
    auto queries = ingest::read_queries(kHandmade + "/queries.jsonl");
    auto qrels = ingest::read_qrels(kHandmade + "/qrels/test.tsv");
    ASSERT_TRUE(queries.ok() && qrels.ok());

    Runs runs = run_queries(**service, *queries, *qrels);
    for (const ingest::TestQuery& q : *queries) {
        if (qrels->count(q.id) == 0) continue;
        const std::vector<std::string>& ranked = runs[q.id];
        ASSERT_FALSE(ranked.empty()) << q.text;
        EXPECT_EQ(qrels->at(q.id).count(ranked.front()), 1u)
            << q.text << ": first " << ranked.front();
    }
    EvalSummary s = summarize(runs, *qrels);
    EXPECT_EQ(s.queries, 8u);
    EXPECT_GT(s.ndcg_at_10, 0.9);
    EXPECT_DOUBLE_EQ(s.recall_at_100, 1.0);
}

}  // namespace
}  // namespace paperboy::app
