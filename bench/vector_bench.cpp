// vector_bench: the vector index (index/vector_index.h) on synthetic embeddings.
//
// Vectors are unit vectors drawn from a mixture of clusters, each cluster a random centre plus
// a low-rank Gaussian spread (a few directions of variation) plus a little isotropic noise, so
// that nearest neighbours are meaningful and the data has a low local dimension, as real
// sentence embeddings do (uniform noise would make every neighbour equally far and recall
// meaningless). Queries are fresh draws from the same mixture.
//
// It reports: the build time (one upsert of all vectors, --threads inserting in parallel),
// memory_bytes() per vector and the process's resident memory; the exact scan's latency (which
// is also the ground truth); for each --ef, the graph search's recall@k against the exact scan
// and its single-threaded latency (p50, p99, mean); filtered searches (a predicate and explicit
// candidate lists) at --filter-ef; and, with --save DIR, the snapshot's size and save/load times.
//
//   vector_bench [--n 100000] [--dims 384] [--queries 1000] [--k 10] [--ef 16,32,64,128,256]
//                [--threads 2] [--M 16] [--ef-construction 200] [--clusters 0] [--seed 1]
//                [--filter-ef 64] [--save DIR]
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/vector_index.h"

namespace paperboy::bench {
namespace {

using Clock = std::chrono::steady_clock;
using index::VectorFilter;
using index::VectorIndex;
using index::VectorIndexOptions;
using index::VectorSearchOptions;
using index::VectorSearchResult;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

long rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

// The mixture: centre + spread over `rank` random directions + isotropic noise, normalised.
class Mixture {
  public:
    Mixture(size_t dims, size_t clusters, uint32_t seed, size_t rank = 12)
        : dims_(dims), clusters_(clusters), rank_(rank), rng_(seed) {
        std::normal_distribution<float> normal;
        centres_.resize(clusters * dims);
        for (float& x : centres_) x = normal(rng_);
        bases_.resize(clusters * rank * dims);
        for (float& x : bases_) x = normal(rng_) / std::sqrt(static_cast<float>(rank));
    }

    void draw(float* out) {
        std::normal_distribution<float> normal;
        const size_t c = std::uniform_int_distribution<size_t>(0, clusters_ - 1)(rng_);
        const float* centre = &centres_[c * dims_];
        for (size_t d = 0; d < dims_; ++d) out[d] = centre[d] + 0.3f * normal(rng_);
        for (size_t r = 0; r < rank_; ++r) {
            const float z = 0.8f * normal(rng_);
            const float* basis = &bases_[(c * rank_ + r) * dims_];
            for (size_t d = 0; d < dims_; ++d) out[d] += z * basis[d];
        }
        double norm = 0;
        for (size_t d = 0; d < dims_; ++d) norm += static_cast<double>(out[d]) * out[d];
        const float scale = static_cast<float>(1 / std::sqrt(norm));
        for (size_t d = 0; d < dims_; ++d) out[d] *= scale;
    }

  private:
    size_t dims_;
    size_t clusters_;
    size_t rank_;
    std::mt19937 rng_;
    std::vector<float> centres_;
    std::vector<float> bases_;
};

std::string id_of(size_t n) { return "local:p" + std::to_string(n); }

// Wall-clock latency, and the searching thread's CPU time (which leaves out the time the
// thread was not running: on a loaded machine wall-clock p99 measures the scheduler).
struct Latency {
    double p50 = 0, p99 = 0, mean = 0;
    double cpu_p50 = 0, cpu_p99 = 0;
};

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

Latency summarise(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    Latency l;
    if (ms.empty()) return l;
    l.p50 = ms[ms.size() / 2];
    l.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
    for (double x : ms) l.mean += x;
    l.mean /= static_cast<double>(ms.size());
    return l;
}

double recall(const VectorSearchResult& got, const VectorSearchResult& truth) {
    std::set<std::string> want;
    for (const auto& hit : truth.hits) want.insert(hit.id.str());
    size_t found = 0;
    for (const auto& hit : got.hits) found += want.count(hit.id.str());
    return want.empty() ? 1 : static_cast<double>(found) / static_cast<double>(want.size());
}

// Runs every query with `options`; returns latencies and the mean recall against `truth`
// (when given).
std::pair<Latency, double> run(const VectorIndex& index, const std::vector<float>& queries,
                               size_t dims, const VectorSearchOptions& options,
                               std::vector<VectorSearchResult>* results,
                               const std::vector<VectorSearchResult>* truth) {
    const size_t n = queries.size() / dims;
    std::vector<double> ms;
    std::vector<double> cpu_ms;
    double total_recall = 0;
    for (size_t q = 0; q < n; ++q) {
        std::span<const float> query(&queries[q * dims], dims);
        const auto start = Clock::now();
        const double cpu_start = thread_cpu_ms();
        auto result = index.search(query, options);
        ms.push_back(seconds_since(start) * 1000);
        cpu_ms.push_back(thread_cpu_ms() - cpu_start);
        if (!result.ok()) {
            std::fprintf(stderr, "search failed: %s\n", result.error().message().c_str());
            std::exit(1);
        }
        if (truth != nullptr) total_recall += recall(*result, (*truth)[q]);
        if (results != nullptr) results->push_back(std::move(result).value());
    }
    Latency latency = summarise(ms);
    const Latency cpu = summarise(cpu_ms);
    latency.cpu_p50 = cpu.p50;
    latency.cpu_p99 = cpu.p99;
    return {latency, truth != nullptr ? total_recall / static_cast<double>(n) : 1.0};
}

int main_impl(int argc, char** argv) {
    size_t n = 100000;
    size_t dims = 384;
    size_t queries_n = 1000;
    size_t k = 10;
    std::vector<size_t> efs = {16, 32, 64, 128, 256};
    int threads = 2;
    size_t m = 16;
    size_t ef_construction = 200;
    size_t clusters = 0;
    uint32_t seed = 1;
    size_t filter_ef = 64;
    std::string save_dir;
    CLI::App app("vector_bench: HNSW vs exact scan on clustered synthetic embeddings");
    app.add_option("--n", n, "vectors");
    app.add_option("--dims", dims, "dimensions");
    app.add_option("--queries", queries_n, "queries");
    app.add_option("--k", k, "neighbours per query");
    app.add_option("--ef", efs, "graph candidate-list sizes to measure")->delimiter(',');
    app.add_option("--threads", threads, "insertion threads for the build");
    app.add_option("--M", m, "HNSW links per node");
    app.add_option("--ef-construction", ef_construction, "HNSW build candidate list");
    app.add_option("--clusters", clusters, "mixture components (0: n/100, at least 10)");
    app.add_option("--seed", seed, "random seed");
    app.add_option("--filter-ef", filter_ef, "ef for the filtered searches");
    app.add_option("--save", save_dir, "also time a snapshot save and load in DIR");
    std::string keep;
    app.add_option("--keep", keep,
                   "load the index from FILE when it exists (same --n --dims --seed), else "
                   "build it and save it there");
    CLI11_PARSE(app, argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    if (clusters == 0) clusters = std::max<size_t>(10, n / 100);

    std::printf(
        "vector_bench: n=%zu dims=%zu queries=%zu k=%zu M=%zu ef_construction=%zu "
        "threads=%d clusters=%zu seed=%u hw_threads=%u\n",
        n, dims, queries_n, k, m, ef_construction, threads, clusters, seed,
        std::thread::hardware_concurrency());
    Mixture mixture(dims, clusters, seed);
    auto start = Clock::now();
    std::vector<float> data(n * dims);
    for (size_t i = 0; i < n; ++i) mixture.draw(&data[i * dims]);
    std::vector<float> queries(queries_n * dims);
    for (size_t q = 0; q < queries_n; ++q) mixture.draw(&queries[q * dims]);
    std::vector<PaperId> ids;
    ids.reserve(n);
    for (size_t i = 0; i < n; ++i) ids.push_back(PaperId::local(id_of(i).substr(6)).value());
    std::printf("data: generated in %.1f s\n", seconds_since(start));

    VectorIndexOptions options;
    options.M = m;
    options.ef_construction = ef_construction;
    options.build_threads = threads;
    options.initial_capacity = n;
    options.exact_below = 0;
    const long rss_before = rss_kb();
    VectorIndex index(static_cast<int>(dims), "bench", options);
    start = Clock::now();
    if (!keep.empty() && std::filesystem::exists(keep)) {
        auto label = index.load(keep);
        if (!label.ok() || index.size() != n) {
            std::fprintf(stderr, "cannot reuse %s\n", keep.c_str());
            return 1;
        }
        std::printf("build: loaded from %s in %.1f s\n", keep.c_str(), seconds_since(start));
    } else {
        if (Status s = index.upsert(ids, data); !s.ok()) {
            std::fprintf(stderr, "upsert failed: %s\n", s.error().message().c_str());
            return 1;
        }
        const double build_s = seconds_since(start);
        std::printf("build: %.1f s (%.0f vectors/s, %d threads)\n", build_s,
                    static_cast<double>(n) / build_s, threads);
        if (!keep.empty() && !index.save(keep, "bench").ok()) return 1;
    }
    const long rss_after = rss_kb();
    std::printf(
        "memory: memory_bytes %.1f MB = %.0f bytes/vector (vector itself %zu); RSS "
        "growth %.1f MB = %.0f bytes/vector\n",
        static_cast<double>(index.memory_bytes()) / 1e6,
        static_cast<double>(index.memory_bytes()) / static_cast<double>(n), dims * sizeof(float),
        static_cast<double>(rss_after - rss_before) / 1e3,
        static_cast<double>(rss_after - rss_before) * 1024 / static_cast<double>(n));
    data.clear();
    data.shrink_to_fit();

    std::vector<VectorSearchResult> truth;
    auto [exact_latency, unused] =
        run(index, queries, dims, VectorSearchOptions{.k = k, .exact = true}, &truth, nullptr);
    (void)unused;
    std::printf("exact scan: p50 %.3f ms  p99 %.3f ms  mean %.3f ms  (cpu p50 %.3f p99 %.3f)\n",
                exact_latency.p50, exact_latency.p99, exact_latency.mean, exact_latency.cpu_p50,
                exact_latency.cpu_p99);
    for (size_t ef : efs) {
        auto [latency, r] =
            run(index, queries, dims, VectorSearchOptions{.k = k, .ef = ef}, nullptr, &truth);
        std::printf(
            "graph ef=%-4zu recall@%zu %.4f  p50 %.3f ms  p99 %.3f ms  mean %.3f ms  "
            "(cpu p50 %.3f p99 %.3f)\n",
            ef, k, r, latency.p50, latency.p99, latency.mean, latency.cpu_p50, latency.cpu_p99);
    }

    // Filtered: a predicate (the graph walk) and explicit candidate lists (exact when short).
    const size_t filter_queries = std::min<size_t>(queries_n, 200);
    const std::vector<float> fq(queries.begin(),
                                queries.begin() + static_cast<ptrdiff_t>(filter_queries * dims));
    for (size_t every : {10, 100}) {
        const VectorFilter where = VectorFilter::where(
            [every](const PaperId& id) { return std::hash<std::string>{}(id.str()) % every == 0; });
        std::vector<PaperId> listed;
        for (const PaperId& id : ids) {
            if (std::hash<std::string>{}(id.str()) % every == 0) listed.push_back(id);
        }
        const VectorFilter only = VectorFilter::only(listed);
        std::vector<VectorSearchResult> filtered_truth;
        auto [exact_l, u1] =
            run(index, fq, dims, VectorSearchOptions{.k = k, .filter = &where, .exact = true},
                &filtered_truth, nullptr);
        (void)u1;
        std::vector<VectorSearchResult> where_results;
        auto [where_l, where_r] =
            run(index, fq, dims, VectorSearchOptions{.k = k, .filter = &where, .ef = filter_ef},
                &where_results, &filtered_truth);
        const bool where_exact = where_results.front().exact;
        std::vector<VectorSearchResult> only_results;
        auto [only_l, only_r] =
            run(index, fq, dims, VectorSearchOptions{.k = k, .filter = &only, .ef = filter_ef},
                &only_results, &filtered_truth);
        std::printf(
            "filter 1/%zu (%zu papers): exact-with-predicate cpu p50 %.3f p99 %.3f ms; "
            "where() %s recall %.4f cpu p50 %.3f p99 %.3f ms; only() %s recall %.4f "
            "cpu p50 %.3f p99 %.3f ms\n",
            every, listed.size(), exact_l.cpu_p50, exact_l.cpu_p99, where_exact ? "exact" : "graph",
            where_r, where_l.cpu_p50, where_l.cpu_p99,
            only_results.front().exact ? "exact" : "graph", only_r, only_l.cpu_p50, only_l.cpu_p99);
    }

    if (!save_dir.empty()) {
        const std::string path = save_dir + "/vector_bench.snapshot";
        start = Clock::now();
        if (Status s = index.save(path, "bench"); !s.ok()) {
            std::fprintf(stderr, "save failed: %s\n", s.error().message().c_str());
            return 1;
        }
        const double save_s = seconds_since(start);
        VectorIndex loaded(static_cast<int>(dims), "bench", options);
        start = Clock::now();
        auto label = loaded.load(path);
        const double load_s = seconds_since(start);
        if (!label.ok()) {
            std::fprintf(stderr, "load failed: %s\n", label.error().message().c_str());
            return 1;
        }
        std::printf("snapshot: %.1f MB, save %.2f s, load %.2f s (%zu vectors)\n",
                    static_cast<double>(std::filesystem::file_size(path)) / 1e6, save_s, load_s,
                    loaded.size());
        std::filesystem::remove(path);
    }
    return 0;
}

}  // namespace
}  // namespace paperboy::bench

int main(int argc, char** argv) { return paperboy::bench::main_impl(argc, argv); }
