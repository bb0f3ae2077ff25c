// The vector index: tiny hand-checkable examples, the three search paths (graph, exact over all,
// exact over a candidate list) agreeing with a brute-force reference, and snapshot files that
// round-trip and are refused when damaged or mismatched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/binary_io.h"
#include "index/vector_index.h"
#include "support/temp_dir.h"

namespace paperboy::index {
namespace {

using paperboy::testing::read_file;
using paperboy::testing::TempDir;

PaperId pid(std::string_view text) { return PaperId::parse(text).value(); }

std::string id_of(int n) {
    char id[16];
    std::snprintf(id, sizeof id, "2401.%05d", n);
    return id;
}

std::vector<std::string> hit_ids(const VectorSearchResult& result) {
    std::vector<std::string> out;
    for (const VectorHit& hit : result.hits) out.push_back(hit.id.str());
    return out;
}

// A graph-only index (exact_below 0, no exact candidate lists) unless told otherwise.
VectorIndexOptions graph_options() {
    VectorIndexOptions options;
    options.exact_below = 0;
    options.exact_candidates = 0;
    options.exact_fraction = 0;
    options.ef_construction = 100;  // quicker builds; recall on the small test sets is ample
    return options;
}

// Four 2-d papers at known angles from the x axis: a 0°, b 36.87° (cos 0.8), c 90°, d 180°.
void add_compass(VectorIndex& index) {
    const std::vector<PaperId> ids = {pid("2401.00001"), pid("2401.00002"), pid("2401.00003"),
                                      pid("2401.00004")};
    const std::vector<float> vectors = {1, 0, 0.8f, 0.6f, 0, 1, -1, 0};
    ASSERT_TRUE(index.upsert(ids, vectors).ok());
}

class BothPaths : public ::testing::TestWithParam<bool> {
  protected:
    // The parameter: whether searches go through the graph (else exact scans).
    VectorIndexOptions options() const {
        return GetParam() ? graph_options() : VectorIndexOptions{};
    }
};

TEST_P(BothPaths, FindsNearestByCosineBestFirst) {
    VectorIndex index(2, "test-model", options());
    add_compass(index);
    const std::vector<float> query = {2, 0};  // normalised by the index
    auto result = index.search(query, 3);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->exact, !GetParam());
    EXPECT_EQ(hit_ids(*result),
              (std::vector<std::string>{"2401.00001", "2401.00002", "2401.00003"}));
    EXPECT_NEAR(result->hits[0].score, 1.0f, 1e-6);
    EXPECT_NEAR(result->hits[1].score, 0.8f, 1e-6);
    EXPECT_NEAR(result->hits[2].score, 0.0f, 1e-6);

    // Pointing at c: c, then b (cos 0.6), then a and d (cos 0) in id order.
    auto up = index.search(std::vector<float>{0, 1}, 4);
    ASSERT_TRUE(up.ok());
    EXPECT_EQ(hit_ids(*up),
              (std::vector<std::string>{"2401.00003", "2401.00002", "2401.00001", "2401.00004"}));
}

TEST_P(BothPaths, EqualScoresComeInIdOrder) {
    VectorIndex index(3, "m", options());
    const std::vector<PaperId> ids = {pid("2401.00009"), pid("2401.00003"), pid("2401.00005"),
                                      pid("2401.00001")};
    const std::vector<float> vectors = {0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0};
    ASSERT_TRUE(index.upsert(ids, vectors).ok());
    auto result = index.search(std::vector<float>{0, 0, 1}, 2);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(hit_ids(*result), (std::vector<std::string>{"2401.00003", "2401.00005"}));
}

TEST_P(BothPaths, ReplacingAVectorChangesTheResults) {
    VectorIndex index(2, "m", options());
    add_compass(index);
    const std::vector<PaperId> a = {pid("2401.00001")};
    ASSERT_TRUE(index.upsert(a, std::vector<float>{-1, 0.001f}).ok());
    EXPECT_EQ(index.size(), 4u);
    auto result = index.search(std::vector<float>{1, 0}, 1);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(hit_ids(*result), (std::vector<std::string>{"2401.00002"}));
    auto back = index.search(std::vector<float>{-1, 0}, 2);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(hit_ids(*back), (std::vector<std::string>{"2401.00004", "2401.00001"}));
}

TEST_P(BothPaths, RemovedPapersAreNotReturnedAndTheirSlotsAreReused) {
    VectorIndexOptions tight = options();
    tight.initial_capacity = 4;  // a fifth slot would double the graph's arrays
    VectorIndex index(2, "m", tight);
    add_compass(index);
    const uint64_t bytes = index.memory_bytes();
    const std::vector<PaperId> gone = {pid("2401.00001"), pid("2401.09999")};  // one unknown
    index.remove(gone);
    EXPECT_EQ(index.size(), 3u);
    EXPECT_FALSE(index.contains(pid("2401.00001")));
    EXPECT_FALSE(index.vector(pid("2401.00001")).has_value());
    auto result = index.search(std::vector<float>{1, 0}, 4);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(hit_ids(*result),
              (std::vector<std::string>{"2401.00002", "2401.00003", "2401.00004"}));

    // A new paper takes the free slot: no growth (but for the free list's few bytes).
    const std::vector<PaperId> fresh = {pid("2401.00005")};
    ASSERT_TRUE(index.upsert(fresh, std::vector<float>{1, 0.1f}).ok());
    EXPECT_LT(index.memory_bytes(), bytes + 64);
    auto again = index.search(std::vector<float>{1, 0}, 1);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(hit_ids(*again), (std::vector<std::string>{"2401.00005"}));

    // Removing everything leaves an empty, working index.
    const std::vector<PaperId> all = {pid("2401.00002"), pid("2401.00003"), pid("2401.00004"),
                                      pid("2401.00005")};
    index.remove(all);
    EXPECT_EQ(index.size(), 0u);
    auto none = index.search(std::vector<float>{1, 0}, 3);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->hits.empty());
}

TEST_P(BothPaths, FiltersRestrictTheHits) {
    VectorIndex index(2, "m", options());
    add_compass(index);
    const VectorFilter listed = VectorFilter::only(
        {pid("2401.00003"), pid("2401.00004"), pid("2401.00004"), pid("2401.77777")});
    auto result = index.search(std::vector<float>{1, 0}, 10, &listed);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(hit_ids(*result), (std::vector<std::string>{"2401.00003", "2401.00004"}));

    const VectorFilter odd =
        VectorFilter::where([](const PaperId& id) { return (id.str().back() - '0') % 2 == 1; });
    auto odd_hits = index.search(std::vector<float>{1, 0}, 10, &odd);
    ASSERT_TRUE(odd_hits.ok());
    EXPECT_EQ(odd_hits->exact, !GetParam());
    EXPECT_EQ(hit_ids(*odd_hits), (std::vector<std::string>{"2401.00001", "2401.00003"}));

    const VectorFilter nothing = VectorFilter::only({});
    auto empty = index.search(std::vector<float>{1, 0}, 10, &nothing);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->hits.empty());
}

INSTANTIATE_TEST_SUITE_P(VectorIndex, BothPaths, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                             return param.param ? "Graph" : "Exact";
                         });

TEST(VectorIndex, NormalisesVectorsAndKeepsACopy) {
    VectorIndex index(2, "m");
    const std::vector<PaperId> ids = {pid("2401.00001")};
    ASSERT_TRUE(index.upsert(ids, std::vector<float>{3, 4}).ok());
    auto v = index.vector(pid("2401.00001"));
    ASSERT_TRUE(v.has_value());
    EXPECT_NEAR((*v)[0], 0.6f, 1e-6);
    EXPECT_NEAR((*v)[1], 0.8f, 1e-6);
    EXPECT_TRUE(index.contains(pid("2401.00001")));
    EXPECT_EQ(index.dimensions(), 2);
    EXPECT_EQ(index.model(), "m");
}

TEST(VectorIndex, SimilaritiesOfListedPapers) {
    VectorIndex index(2, "m");
    const std::vector<PaperId> ids = {pid("2401.00001"), pid("2401.00002")};
    ASSERT_TRUE(index.upsert(ids, std::vector<float>{3, 4, 1, 0}).ok());
    // Query (0, 2) normalised to (0, 1): cosines 0.8 and 0; an unknown paper has none.
    const std::vector<PaperId> asked = {pid("2401.00002"), pid("2401.00009"), pid("2401.00001")};
    auto cosines = index.similarities(asked, std::vector<float>{0, 2});
    ASSERT_EQ(cosines.size(), 3u);
    ASSERT_TRUE(cosines[0].has_value());
    EXPECT_NEAR(*cosines[0], 0.0f, 1e-6);
    EXPECT_FALSE(cosines[1].has_value());
    ASSERT_TRUE(cosines[2].has_value());
    EXPECT_NEAR(*cosines[2], 0.8f, 1e-6);
    // A query of another dimension or of zero length: no cosines at all.
    for (const auto& c : index.similarities(asked, std::vector<float>{1, 0, 0})) {
        EXPECT_FALSE(c.has_value());
    }
    for (const auto& c : index.similarities(asked, std::vector<float>{0, 0})) {
        EXPECT_FALSE(c.has_value());
    }
}

TEST(VectorIndex, TheLastRowOfARepeatedIdWins) {
    VectorIndex index(2, "m");
    const std::vector<PaperId> ids = {pid("2401.00001"), pid("2401.00001")};
    ASSERT_TRUE(index.upsert(ids, std::vector<float>{1, 0, 0, 1}).ok());
    EXPECT_EQ(index.size(), 1u);
    EXPECT_NEAR((*index.vector(pid("2401.00001")))[1], 1.0f, 1e-6);
}

TEST(VectorIndex, RefusesBadInputWithReasons) {
    VectorIndex index(3, "m");
    const std::vector<PaperId> ids = {pid("2401.00001"), pid("2401.00002")};
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();

    Status wrong_size = index.upsert(ids, std::vector<float>{1, 0, 0});
    ASSERT_FALSE(wrong_size.ok());
    EXPECT_EQ(wrong_size.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(wrong_size.error().message().find("need 6 floats"), std::string::npos);

    Status has_nan = index.upsert(ids, std::vector<float>{1, 0, 0, 0, nan, 1});
    ASSERT_FALSE(has_nan.ok());
    EXPECT_NE(has_nan.error().message().find("2401.00002"), std::string::npos);
    EXPECT_NE(has_nan.error().message().find("NaN at position 1"), std::string::npos);
    EXPECT_EQ(index.size(), 0u) << "a refused batch changes nothing";

    Status zero = index.upsert(ids, std::vector<float>{0, 0, 0, 1, 1, 1});
    ASSERT_FALSE(zero.ok());
    EXPECT_NE(zero.error().message().find("zero length"), std::string::npos);
    Status infinite = index.upsert(ids, std::vector<float>{inf, 0, 0, 1, 1, 1});
    ASSERT_FALSE(infinite.ok());
    EXPECT_NE(infinite.error().message().find("infinity"), std::string::npos);

    ASSERT_TRUE(index.upsert(ids, std::vector<float>{1, 0, 0, 0, 1, 0}).ok());
    auto short_query = index.search(std::vector<float>{1, 0}, 1);
    ASSERT_FALSE(short_query.ok());
    EXPECT_EQ(short_query.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(short_query.error().message().find("2 dimensions, the index 3"), std::string::npos);
    auto nan_query = index.search(std::vector<float>{nan, 0, 1}, 1);
    ASSERT_FALSE(nan_query.ok());
    EXPECT_NE(nan_query.error().message().find("NaN"), std::string::npos);
    EXPECT_FALSE(index.search(std::vector<float>{0, 0, 0}, 1).ok());
    EXPECT_FALSE(index.search(std::vector<float>{1, 0, 0}, kMaxVectorK + 1).ok());

    auto none = index.search(std::vector<float>{1, 0, 0}, 0);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->hits.empty());
}

TEST(VectorIndex, SearchingAnEmptyIndexFindsNothing) {
    VectorIndex exact(4, "m");
    VectorIndex graph(4, "m", graph_options());
    for (const VectorIndex* index : {&exact, &graph}) {
        auto result = index->search(std::vector<float>{1, 2, 3, 4}, 10);
        ASSERT_TRUE(result.ok());
        EXPECT_TRUE(result->hits.empty());
        EXPECT_EQ(index->size(), 0u);
    }
}

// Unit vectors in clusters (a mixture of Gaussians around random centres), so that nearest
// neighbours mean something.
std::vector<float> clustered(size_t n, size_t dims, uint32_t seed, size_t clusters = 30) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> centres(clusters * dims);
    for (float& x : centres) x = normal(rng);
    std::vector<float> out(n * dims);
    std::uniform_int_distribution<size_t> pick(0, clusters - 1);
    for (size_t i = 0; i < n; ++i) {
        const size_t c = pick(rng);
        double norm = 0;
        for (size_t d = 0; d < dims; ++d) {
            out[i * dims + d] = centres[c * dims + d] + 0.35f * normal(rng);
            norm += out[i * dims + d] * out[i * dims + d];
        }
        for (size_t d = 0; d < dims; ++d) out[i * dims + d] /= static_cast<float>(std::sqrt(norm));
    }
    return out;
}

std::vector<PaperId> ids_0_to(size_t n) {
    std::vector<PaperId> ids;
    for (size_t i = 0; i < n; ++i) ids.push_back(pid(id_of(static_cast<int>(i))));
    return ids;
}

double recall(const VectorSearchResult& got, const VectorSearchResult& truth) {
    std::set<std::string> want;
    for (const VectorHit& hit : truth.hits) want.insert(hit.id.str());
    size_t found = 0;
    for (const VectorHit& hit : got.hits) found += want.count(hit.id.str());
    return want.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(want.size());
}

// The graph's answers against the exact scan's on clustered data: recall@10 >= 0.95, and
// scores of the same paper equal to the bit.
void expect_graph_agrees(const VectorIndex& index, size_t dims, const VectorFilter* filter,
                         bool filtered_graph_expected, size_t ef = 0) {
    const std::vector<float> queries = clustered(100, dims, 99);
    double total = 0;
    for (size_t q = 0; q < 100; ++q) {
        std::span<const float> query(&queries[q * dims], dims);
        auto graph = index.search(query, VectorSearchOptions{.k = 10, .filter = filter, .ef = ef});
        auto exact =
            index.search(query, VectorSearchOptions{.k = 10, .filter = filter, .exact = true});
        ASSERT_TRUE(graph.ok() && exact.ok());
        EXPECT_EQ(graph->exact, !filtered_graph_expected);
        ASSERT_TRUE(exact->exact);
        ASSERT_EQ(exact->hits.size(), 10u);
        total += recall(*graph, *exact);
        for (const VectorHit& hit : graph->hits) {
            for (const VectorHit& truth : exact->hits) {
                if (truth.id == hit.id) {
                    EXPECT_EQ(truth.score, hit.score);
                }
            }
        }
        for (size_t i = 1; i < graph->hits.size(); ++i) {
            EXPECT_GE(graph->hits[i - 1].score, graph->hits[i].score);
        }
    }
    EXPECT_GE(total / 100, 0.95);
}

TEST(VectorIndex, GraphSearchAgreesWithTheExactScan) {
    constexpr size_t kDims = 32;
    constexpr size_t kPapers = 4000;
    VectorIndexOptions options = graph_options();
    options.ef_construction = 200;  // the default: this test measures recall
    options.initial_capacity = 16;  // grows by doubling as it fills
    VectorIndex index(kDims, "m", options);
    const std::vector<PaperId> ids = ids_0_to(kPapers);
    ASSERT_TRUE(index.upsert(ids, clustered(kPapers, kDims, 1)).ok());
    EXPECT_EQ(index.size(), kPapers);
    {
        SCOPED_TRACE("unfiltered");
        expect_graph_agrees(index, kDims, nullptr, true);
    }

    // Filters on the graph: a predicate (a third of the papers), and a long candidate list.
    const VectorFilter thirds =
        VectorFilter::where([](const PaperId& id) { return id.str().back() % 3 == 0; });
    {
        SCOPED_TRACE("predicate");
        expect_graph_agrees(index, kDims, &thirds, true);
    }
    std::vector<PaperId> half;
    for (size_t i = 0; i < kPapers; i += 2) half.push_back(ids[i]);
    const VectorFilter halves = VectorFilter::only(half);
    {
        SCOPED_TRACE("candidate list");
        expect_graph_agrees(index, kDims, &halves, true);
    }
}

TEST(VectorIndex, FewCandidatesAreScannedExactly) {
    constexpr size_t kDims = 16;
    VectorIndexOptions options;
    options.exact_below = 0;
    options.exact_candidates = 100;
    options.exact_fraction = 0.04;
    options.ef_construction = 100;
    VectorIndex index(kDims, "m", options);
    const std::vector<PaperId> ids = ids_0_to(5000);
    const std::vector<float> vectors = clustered(5000, kDims, 2);
    ASSERT_TRUE(index.upsert(ids, vectors).ok());

    // 200 candidates: above 100 but within 4% of 5,000, so exact.
    std::vector<PaperId> few(ids.begin() + 1000, ids.begin() + 1200);
    const VectorFilter listed = VectorFilter::only(few);
    const std::vector<float> query = clustered(1, kDims, 7);
    auto result = index.search(query, 5, &listed);
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(result->exact);
    // The brute-force answer.
    std::vector<std::pair<float, std::string>> scored;
    for (size_t i = 1000; i < 1200; ++i) {
        float s = 0;
        for (size_t d = 0; d < kDims; ++d) s += query[d] * vectors[i * kDims + d];
        scored.emplace_back(-s, ids[i].str());
    }
    std::sort(scored.begin(), scored.end());
    ASSERT_EQ(result->hits.size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(result->hits[i].id.str(), scored[i].second);
        EXPECT_NEAR(result->hits[i].score, -scored[i].first, 1e-5);
    }
    // 300 candidates: above both, so the filtered graph.
    std::vector<PaperId> more(ids.begin(), ids.begin() + 300);
    const VectorFilter longer = VectorFilter::only(more);
    auto graph = index.search(query, 5, &longer);
    ASSERT_TRUE(graph.ok());
    EXPECT_FALSE(graph->exact);
    for (const VectorHit& hit : graph->hits) EXPECT_LT(hit.id.str(), id_of(300));

    // Predicates: one accepting 1 paper in 100 (about 50, estimated from a sample) is scanned
    // exactly; one accepting half is a filtered graph walk.
    const VectorFilter rare =
        VectorFilter::where([](const PaperId& id) { return id.str().ends_with("07"); });
    auto rare_hits = index.search(query, 5, &rare);
    ASSERT_TRUE(rare_hits.ok());
    EXPECT_TRUE(rare_hits->exact);
    ASSERT_EQ(rare_hits->hits.size(), 5u);
    for (const VectorHit& hit : rare_hits->hits) EXPECT_TRUE(hit.id.str().ends_with("07"));
    const VectorFilter half =
        VectorFilter::where([](const PaperId& id) { return (id.str().back() - '0') % 2 == 0; });
    auto half_hits = index.search(query, 5, &half);
    ASSERT_TRUE(half_hits.ok());
    EXPECT_FALSE(half_hits->exact);
}

TEST(VectorIndex, ParallelInsertionBuildsAGoodGraph) {
    constexpr size_t kDims = 32;
    VectorIndexOptions options = graph_options();
    options.build_threads = 2;
    options.ef_construction = 200;
    VectorIndex index(kDims, "m", options);
    const std::vector<PaperId> ids = ids_0_to(3000);
    const std::vector<float> vectors = clustered(3000, kDims, 3);
    ASSERT_TRUE(index.upsert(ids, vectors).ok());
    EXPECT_EQ(index.size(), 3000u);
    for (size_t i = 0; i < 3000; i += 97) {
        auto v = index.vector(ids[i]);
        ASSERT_TRUE(v.has_value());
        EXPECT_NEAR((*v)[5], vectors[i * kDims + 5], 1e-6);
    }
    // A wider search than the default: the parallel build is not deterministic, and this
    // test is about a sound graph, not about tuning.
    expect_graph_agrees(index, kDims, nullptr, true, 128);
}

// --- snapshot files ---

class VectorIndexFile : public ::testing::Test {
  protected:
    static constexpr size_t kDims = 8;

    void SetUp() override {
        const std::vector<PaperId> ids = ids_0_to(600);
        ASSERT_TRUE(index_.upsert(ids, clustered(600, kDims, 5)).ok());
        const std::vector<PaperId> gone = {ids[3], ids[10], ids[599]};
        index_.remove(gone);
        path_ = dir_.file("vectors.bin");
        ASSERT_TRUE(index_.save(path_, "store=abc seq=42").ok());
    }

    Status load_fails(const std::string& path, ErrorCode code, std::string_view why) {
        VectorIndex fresh(kDims, "model-a", graph_options());
        auto loaded = fresh.load(path);
        EXPECT_FALSE(loaded.ok());
        if (loaded.ok()) return Status::ok_status();
        EXPECT_EQ(loaded.error().code(), code) << loaded.error().message();
        EXPECT_NE(loaded.error().message().find(why), std::string::npos)
            << loaded.error().message();
        // Left empty and usable.
        EXPECT_EQ(fresh.size(), 0u);
        const std::vector<PaperId> one = {pid("2401.00001")};
        EXPECT_TRUE(fresh.upsert(one, std::vector<float>(kDims, 1.0f)).ok());
        EXPECT_EQ(fresh.search(std::vector<float>(kDims, 1.0f), 1)->hits.size(), 1u);
        return loaded.error();
    }

    TempDir dir_;
    VectorIndex index_{kDims, "model-a", graph_options()};
    std::string path_;
};

TEST_F(VectorIndexFile, RoundTripsAndGivesTheSameAnswers) {
    VectorIndex loaded(kDims, "model-a", graph_options());
    auto label = loaded.load(path_);
    ASSERT_TRUE(label.ok()) << label.error().message();
    EXPECT_EQ(*label, "store=abc seq=42");
    EXPECT_EQ(loaded.size(), 597u);
    EXPECT_FALSE(loaded.contains(pid(id_of(10))));
    EXPECT_TRUE(loaded.contains(pid(id_of(11))));
    EXPECT_EQ(*loaded.vector(pid(id_of(11))), *index_.vector(pid(id_of(11))));
    const std::vector<float> queries = clustered(20, kDims, 77);
    for (size_t q = 0; q < 20; ++q) {
        std::span<const float> query(&queries[q * kDims], kDims);
        for (bool exact : {false, true}) {
            auto a = index_.search(query, VectorSearchOptions{.k = 10, .exact = exact});
            auto b = loaded.search(query, VectorSearchOptions{.k = 10, .exact = exact});
            ASSERT_TRUE(a.ok() && b.ok());
            EXPECT_EQ(hit_ids(*a), hit_ids(*b));
        }
    }
    // The loaded index keeps working: free slots are reused, new papers are added.
    const std::vector<PaperId> more = {pid("2402.00001"), pid("2402.00002"), pid("2402.00003"),
                                       pid("2402.00004")};
    ASSERT_TRUE(loaded.upsert(more, clustered(4, kDims, 8)).ok());
    EXPECT_EQ(loaded.size(), 601u);
    auto self = loaded.search(*loaded.vector(pid("2402.00004")), 1);
    ASSERT_TRUE(self.ok());
    EXPECT_EQ(hit_ids(*self), (std::vector<std::string>{"2402.00004"}));

    // A load into a non-empty index is refused.
    auto again = loaded.load(path_);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(VectorIndexFile, AnEmptyIndexRoundTrips) {
    VectorIndex empty(kDims, "model-a");
    ASSERT_TRUE(empty.save(dir_.file("empty.bin"), "").ok());
    VectorIndex loaded(kDims, "model-a");
    auto label = loaded.load(dir_.file("empty.bin"));
    ASSERT_TRUE(label.ok()) << label.error().message();
    EXPECT_EQ(loaded.size(), 0u);
}

TEST_F(VectorIndexFile, RefusesMismatchedFiles) {
    {
        VectorIndex other_dims(kDims * 2, "model-a");
        auto loaded = other_dims.load(path_);
        ASSERT_FALSE(loaded.ok());
        EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
        EXPECT_NE(loaded.error().message().find("8-dimensional vectors, this index 16"),
                  std::string::npos);
    }
    {
        VectorIndex other_model(kDims, "model-b");
        auto loaded = other_model.load(path_);
        ASSERT_FALSE(loaded.ok());
        EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
        EXPECT_NE(loaded.error().message().find("\"model-a\""), std::string::npos);
    }
    (void)load_fails(dir_.file("missing.bin"), ErrorCode::kNotFound, "no vector index snapshot");
    std::string bytes = read_file(path_);
    bytes[16] = 9;  // the format version
    (void)load_fails(dir_.write("version.bin", bytes), ErrorCode::kVersionMismatch,
                     "format version 9");
    (void)load_fails(dir_.write("magic.bin", "NOT-A-VECTOR-INDEX-SNAPSHOT-AT-ALL-0123456789"),
                     ErrorCode::kCorruption, "bad magic");
    (void)load_fails(dir_.write("tiny.bin", "PAP"), ErrorCode::kCorruption, "truncated");
}

TEST_F(VectorIndexFile, RefusesTruncatedAndCorruptedFiles) {
    const std::string bytes = read_file(path_);
    for (size_t keep : {size_t{20}, size_t{60}, bytes.size() / 3, bytes.size() / 2,
                        bytes.size() - 9, bytes.size() - 1}) {
        (void)load_fails(dir_.write("cut.bin", bytes.substr(0, keep)), ErrorCode::kCorruption,
                         "vector index snapshot");
    }
    // A flipped byte anywhere after the header, in the slot table, the graph or the checksum.
    for (size_t at : {size_t{100}, bytes.size() / 4, bytes.size() / 2, bytes.size() - 3}) {
        std::string damaged = bytes;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x5A);
        SCOPED_TRACE(at);
        (void)load_fails(dir_.write("flip.bin", damaged), ErrorCode::kCorruption,
                         "vector index snapshot");
    }
}

// A file with a valid checksum whose graph does not hold together (written here with the
// snapshot format's own writer): refused by the structural checks, never read past an array.
TEST_F(VectorIndexFile, RefusesAGraphThatDoesNotHoldTogether) {
    const auto write = [&](const std::string& name, uint64_t count, uint32_t link,
                           uint32_t list_count) {
        const std::string path = dir_.file(name);
        std::FILE* f = std::fopen(path.c_str(), "wb");
        BinaryWriter out(f);
        out.bytes("PAPERBOY-VECTOR\n", 16);
        out.pod(uint32_t{1});
        out.pod(uint32_t{0x01020304});
        out.pod(uint32_t{kDims});
        out.str("model-a");
        out.str("label");
        out.pod(uint64_t{2});   // M
        out.pod(uint64_t{10});  // ef_construction
        out.pod(uint64_t{count});
        out.pod(int32_t{0});   // max level
        out.pod(uint32_t{0});  // entry point
        std::string id_text;
        std::vector<uint32_t> lengths;
        for (uint64_t i = 0; i < std::min<uint64_t>(count, 2); ++i) {
            id_text += id_of(static_cast<int>(i));
            lengths.push_back(10);
        }
        out.str(id_text);
        out.vec(lengths);
        out.vec(std::vector<int32_t>(lengths.size(), 0));
        // Level 0 of each node: list size, 4 links (2*M), the vector, the label.
        const uint64_t element = 4 + 4 * 4 + kDims * 4 + 8;
        out.pod(element);
        // One write: the checksum is over the writes as the reader makes them.
        std::string block;
        for (uint64_t i = 0; i < lengths.size(); ++i) {
            const uint32_t head = list_count;
            const uint32_t links[4] = {i == 0 ? link : 0, 0, 0, 0};
            const float vector[kDims] = {1};
            const uint64_t label = i;
            block.append(reinterpret_cast<const char*>(&head), sizeof head);
            block.append(reinterpret_cast<const char*>(links), sizeof links);
            block.append(reinterpret_cast<const char*>(vector), sizeof vector);
            block.append(reinterpret_cast<const char*>(&label), sizeof label);
        }
        out.bytes(block.data(), block.size());
        out.finish();
        std::fclose(f);
        return path;
    };
    // Sanity: the writer above makes a loadable file.
    {
        VectorIndex fresh(kDims, "model-a");
        auto ok = fresh.load(write("good.bin", 2, 1, 1));
        ASSERT_TRUE(ok.ok()) << ok.error().message();
        EXPECT_EQ(fresh.size(), 2u);
    }
    (void)load_fails(write("far.bin", 2, 7, 1), ErrorCode::kCorruption, "link to a missing node");
    (void)load_fails(write("self.bin", 2, 0, 1), ErrorCode::kCorruption, "link to a missing node");
    (void)load_fails(write("long.bin", 2, 1, 9), ErrorCode::kCorruption, "broken link list");
    (void)load_fails(write("huge.bin", uint64_t{1} << 40, 1, 1), ErrorCode::kCorruption,
                     "more than the file can hold");
}

}  // namespace
}  // namespace paperboy::index
