// Readers search the vector index while a writer adds, replaces and removes vectors and the
// graph grows (resizes) under them: every answer must be well-formed and consistent with what
// the writer published. Part of index_concurrency_test, which `make test` also runs under
// ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/vector_index.h"

// ThreadSanitizer reads this when the binary is built with it; two known findings inside
// hnswlib 0.6.2 are silenced, nothing of ours:
// - deadlock: an insertion holds its new node's lock while it takes hnswlib's `global` lock,
//   and later insertions holding `global` lock other nodes. An inversion in TSan's lock-order
//   graph but no deadlock: others lock a node only once it is linked, and that happens after
//   `global` was taken (and level by level from the top).
// - race on getRandomLevel: parallel insertions (build_threads > 1) draw node levels from one
//   unsynchronised random engine. A real data race, on the engine's state only; the worst it
//   does is repeat or skew a few random levels. Single-threaded writers (the default) never
//   run it concurrently.
extern "C" const char* __tsan_default_suppressions() {
    return "deadlock:hnswlib::HierarchicalNSW\n"
           "race:hnswlib::HierarchicalNSW<float>::getRandomLevel\n";
}

namespace paperboy::index {
namespace {

constexpr size_t kDims = 16;

std::string id_of(int n) {
    char id[16];
    std::snprintf(id, sizeof id, "2403.%05d", n);
    return id;
}

// Paper n's vector at a generation: random, deterministic.
std::vector<float> vector_of(int n, int generation) {
    std::mt19937 rng(static_cast<uint32_t>(n * 7919 + generation));
    std::normal_distribution<float> normal;
    std::vector<float> v(kDims);
    for (float& x : v) x = normal(rng);
    return v;
}

TEST(VectorIndexConcurrency, ReadersSeeConsistentStateWhileAWriterUpdates) {
    VectorIndexOptions options;
    options.exact_below = 0;  // the graph, which hnswlib does not let readers share with writes
    options.exact_candidates = 50;
    options.exact_fraction = 0;
    options.initial_capacity = 64;  // resizes happen while readers search
    options.M = 8;
    options.ef_construction = 40;
    options.build_threads = 2;  // batches of 50 new papers are inserted by two threads
    VectorIndex index(kDims, "m", options);

    // Papers below kStable are added first and never touched again; the writer then adds
    // papers above, replaces their vectors and removes some of them for good.
    constexpr int kStable = 200;
    constexpr int kTotal = 1200;
    {
        std::vector<PaperId> ids;
        std::vector<float> vectors;
        for (int n = 0; n < kStable; ++n) {
            ids.push_back(PaperId::parse(id_of(n)).value());
            const std::vector<float> v = vector_of(n, 0);
            vectors.insert(vectors.end(), v.begin(), v.end());
        }
        ASSERT_TRUE(index.upsert(ids, vectors).ok());
    }

    std::mutex removed_mutex;
    std::set<std::string> removed;  // once remove() returned, never a hit again
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> searches{0};
    std::atomic<int> failures{0};

    const auto reader = [&](int seed) {
        std::mt19937 rng(static_cast<uint32_t>(seed));
        int round = 0;
        while (!stop.load()) {
            std::set<std::string> removed_before;
            {
                std::lock_guard lock(removed_mutex);
                removed_before = removed;
            }
            const int n = static_cast<int>(rng() % kStable);
            const std::vector<float> own = vector_of(n, 0);
            // A stable paper, filtered to itself (an exact scan of one candidate), is found
            // with its own vector at cosine 1.
            const VectorFilter itself = VectorFilter::only({PaperId::parse(id_of(n)).value()});
            auto exact = index.search(own, 1, &itself);
            if (!exact.ok() || exact->hits.size() != 1 || exact->hits[0].id.str() != id_of(n) ||
                std::abs(exact->hits[0].score - 1.0f) > 1e-5f) {
                ++failures;
            }
            // A graph search: sorted, distinct, no paper removed before it began.
            const VectorFilter odd = VectorFilter::where(
                [](const PaperId& id) { return (id.str().back() - '0') % 2 == 1; });
            auto graph = index.search(vector_of(n, 1), 10, round % 2 == 0 ? nullptr : &odd);
            if (!graph.ok() || graph->hits.empty()) {
                ++failures;
            } else {
                std::set<std::string> seen;
                for (size_t i = 0; i < graph->hits.size(); ++i) {
                    const VectorHit& hit = graph->hits[i];
                    if (!seen.insert(hit.id.str()).second || removed_before.count(hit.id.str()) ||
                        hit.score > 1.0001f || hit.score < -1.0001f ||
                        (i > 0 && hit.score > graph->hits[i - 1].score)) {
                        ++failures;
                    }
                    if (round % 2 == 1 && (hit.id.str().back() - '0') % 2 != 1) ++failures;
                }
            }
            if (!index.contains(PaperId::parse(id_of(n)).value()) ||
                !index.vector(PaperId::parse(id_of(n)).value()).has_value()) {
                ++failures;
            }
            (void)index.memory_bytes();
            ++round;
            ++searches;
        }
    };

    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) readers.emplace_back(reader, r + 1);

    // The writer: batches of new papers, replacements of earlier ones, removals.
    for (int start = kStable; start < kTotal; start += 50) {
        std::vector<PaperId> ids;
        std::vector<float> vectors;
        for (int n = start; n < start + 50; ++n) {
            ids.push_back(PaperId::parse(id_of(n)).value());
            const std::vector<float> v = vector_of(n, 0);
            vectors.insert(vectors.end(), v.begin(), v.end());
        }
        for (int n = start - 25; n < start && n >= kStable; ++n) {  // replace the last 25
            if (removed.count(id_of(n)) > 0) continue;  // only this thread writes `removed`
            ids.push_back(PaperId::parse(id_of(n)).value());
            const std::vector<float> v = vector_of(n, 2);
            vectors.insert(vectors.end(), v.begin(), v.end());
        }
        ASSERT_TRUE(index.upsert(ids, vectors).ok());
        std::vector<PaperId> gone;
        for (int n = start; n < start + 50; n += 7) gone.push_back(ids[n - start]);
        {
            std::lock_guard lock(removed_mutex);
            index.remove(gone);
            for (const PaperId& id : gone) removed.insert(id.str());
        }
    }
    // Let the readers run a little on the final state too.
    while (searches.load() < 200) std::this_thread::yield();
    stop = true;
    for (std::thread& t : readers) t.join();

    EXPECT_EQ(failures.load(), 0);
    EXPECT_GT(searches.load(), 0u);
    EXPECT_EQ(index.size(), static_cast<size_t>(kTotal) - removed.size());
}

}  // namespace
}  // namespace paperboy::index
