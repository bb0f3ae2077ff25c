// Store write throughput over arXiv-sized papers (~1.5 KB of abstract, five authors), into a
// SQLite file in a fresh temporary directory, batch sizes as ingestion uses them.
//   store_bench --benchmark_filter=Insert
// items_per_second is papers per second.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"

namespace paperboy::store {
namespace {

class BenchDir {
  public:
    BenchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "paperboy-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    ~BenchDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    std::string file(const char* name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

std::string words(uint64_t seed, size_t bytes) {
    static const char* const kWords[] = {
        "transformer", "attention", "we",       "propose",         "a",    "novel",
        "model",       "language",  "learning", "results",         "show", "that",
        "the",         "benchmark", "improves", "state-of-the-art"};
    std::string out;
    out.reserve(bytes + 20);
    while (out.size() < bytes) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        if (!out.empty()) out += ' ';
        out += kWords[(seed >> 33) % 16];
    }
    return out;
}

Paper arxiv_paper(int n) {
    Paper p;
    char id[32];
    std::snprintf(id, sizeof id, "%02d%02d.%05d", 20 + n / 1200000, 1 + (n / 99999) % 12,
                  n % 99999 + 1);
    p.id = *PaperId::parse(id);
    p.version = 1 + n % 3;
    p.title = words(static_cast<uint64_t>(n), 90);
    p.abstract_raw = words(static_cast<uint64_t>(n) + 7, 1200);
    p.abstract = p.abstract_raw;
    for (int a = 0; a < 5; ++a) {
        p.authors.push_back(Author{
            "Author Name" + std::to_string(a), "Name" + std::to_string(a), "Author", "", {}});
    }
    p.categories = {"cs.CL", "cs.LG"};
    p.published = "2024-01-01T00:00:00Z";
    p.updated = "2024-01-02T00:00:00Z";
    p.submitter = "Author Name0";
    p.comments = "12 pages, 4 figures";
    p.license = "http://creativecommons.org/licenses/by/4.0/";
    if (n % 5 == 0) p.github_url = "https://github.com/example/repo" + std::to_string(n);
    return p;
}

std::vector<WriteBatch> make_batches(int first, int count, int batch_size) {
    std::vector<WriteBatch> batches(static_cast<size_t>((count + batch_size - 1) / batch_size));
    for (int i = 0; i < count; ++i) {
        batches[static_cast<size_t>(i / batch_size)].put_paper(arxiv_paper(first + i));
    }
    return batches;
}

constexpr int kPapers = 200000;

// New papers into an empty database (range(1): 0 a file, 1 in memory), kPapers per iteration.
void BM_InsertNewPapers(benchmark::State& state) {
    const int batch_size = static_cast<int>(state.range(0));
    const bool in_memory = state.range(1) != 0;
    const auto batches = make_batches(0, kPapers, batch_size);
    for (auto _ : state) {
        state.PauseTiming();
        BenchDir dir;
        auto store = open_store(in_memory ? "sqlite::memory:" : dir.file("bench.db"));
        if (!store.ok()) state.SkipWithError(store.error().message().c_str());
        state.ResumeTiming();
        for (const WriteBatch& b : batches) {
            auto r = (*store)->write(b);
            if (!r.ok()) state.SkipWithError(r.error().message().c_str());
        }
        if (!in_memory) {
            std::error_code ec;
            const auto wal = std::filesystem::file_size(dir.file("bench.db-wal"), ec);
            state.counters["wal_MiB"] = ec ? 0.0 : static_cast<double>(wal) / (1 << 20);
        }
        store->reset();  // timed: closing runs the last checkpoint
    }
    state.SetItemsProcessed(state.iterations() * kPapers);
}
BENCHMARK(BM_InsertNewPapers)
    ->Args({1000, 0})
    ->Args({5000, 0})
    ->Args({5000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

// The same papers again (a re-harvest): every write is "unchanged".
void BM_RePutUnchangedPapers(benchmark::State& state) {
    const int batch_size = static_cast<int>(state.range(0));
    const auto batches = make_batches(0, kPapers, batch_size);
    BenchDir dir;
    auto store = open_store(dir.file("bench.db"));
    if (!store.ok()) state.SkipWithError(store.error().message().c_str());
    for (const WriteBatch& b : batches) (void)(*store)->write(b);
    for (auto _ : state) {
        for (const WriteBatch& b : batches) {
            auto r = (*store)->write(b);
            if (!r.ok() || r->papers_unchanged != static_cast<int64_t>(b.size())) {
                state.SkipWithError("expected unchanged");
            }
        }
    }
    state.SetItemsProcessed(state.iterations() * kPapers);
}
BENCHMARK(BM_RePutUnchangedPapers)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

// A newer version of every paper: decode, merge, update, feed entry.
void BM_UpdatePapers(benchmark::State& state) {
    const int batch_size = static_cast<int>(state.range(0));
    auto batches = make_batches(0, kPapers, batch_size);
    BenchDir dir;
    auto store = open_store(dir.file("bench.db"));
    if (!store.ok()) state.SkipWithError(store.error().message().c_str());
    for (const WriteBatch& b : batches) (void)(*store)->write(b);
    int version = 10;
    for (auto _ : state) {
        state.PauseTiming();
        std::vector<WriteBatch> newer(batches.size());
        for (size_t i = 0; i < batches.size(); ++i) {
            for (const auto& op : batches[i].ops()) {
                Paper p = std::get<WriteBatch::PutPaper>(op).paper;
                p.version = version;
                newer[i].put_paper(std::move(p));
            }
        }
        ++version;
        state.ResumeTiming();
        for (const WriteBatch& b : newer) {
            auto r = (*store)->write(b);
            if (!r.ok()) state.SkipWithError(r.error().message().c_str());
        }
    }
    state.SetItemsProcessed(state.iterations() * kPapers);
}
BENCHMARK(BM_UpdatePapers)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace
}  // namespace paperboy::store

BENCHMARK_MAIN();
