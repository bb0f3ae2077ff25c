// paperboy-gen-snapshot: writes N synthetic records shaped like Kaggle's
// arxiv-metadata-oai-snapshot.json (JSON lines, 14 fields), for benchmarks at full-arXiv scale.
//
// Text is sampled from a model learned from real abstracts (bench/data/, written by
// bench/learn_vocab.py); ids are unique new-style ids YYMM.NNNNN spread over 2015-2025 in
// proportion to arXiv's monthly volume, in ascending order as in the real file. The output
// depends only on --records, --seed and the model files.
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "snapshot/model.h"
#include "snapshot/record_writer.h"

#ifndef PAPERBOY_BENCH_DATA_DIR
#define PAPERBOY_BENCH_DATA_DIR "bench/data"
#endif

namespace paperboy::bench {
namespace {

constexpr int kFirstYear = 2015;
// Approximate new submissions per month on arXiv, by year from 2015 (arXiv's statistics).
constexpr std::array kMonthlyVolume = {8800,  9400,  10300, 11700, 12900, 14800,
                                       15100, 15500, 17300, 20000, 23500};
constexpr int kMaxNumber = 99999;  // YYMM.NNNNN
constexpr size_t kFlushBytes = 8 << 20;

struct Options {
    int64_t records = 1000;
    uint64_t seed = 1;
    std::string out = "-";
    bool gzip = false;
    std::string model_dir = PAPERBOY_BENCH_DATA_DIR;
};

// Output: a plain file (or stdout) written with large fwrite calls, or a gzip stream at level 1
// (fast; the generator should not be the bottleneck).
class Sink {
  public:
    explicit Sink(std::string path) : path_(std::move(path)) {}
    ~Sink() { (void)close(); }
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;

    Status open(bool gzip) {
        bool to_stdout = path_ == "-";
        if (gzip) {
            gz_ = to_stdout ? gzdopen(fileno(stdout), "wb1") : gzopen(path_.c_str(), "wb1");
            if (gz_ == nullptr) return Error(ErrorCode::kIo, path_ + ": cannot open");
            gzbuffer(gz_, 1 << 20);
        } else {
            file_ = to_stdout ? stdout : std::fopen(path_.c_str(), "wb");
            if (file_ == nullptr) return Error(ErrorCode::kIo, path_ + ": cannot open");
        }
        return Status::ok_status();
    }

    Status write(const std::string& data) {
        bool ok = gz_ != nullptr ? gzwrite(gz_, data.data(), static_cast<unsigned>(data.size())) ==
                                       static_cast<int>(data.size())
                                 : std::fwrite(data.data(), 1, data.size(), file_) == data.size();
        if (!ok) return Error(ErrorCode::kIo, path_ + ": write failed (disk full?)");
        return Status::ok_status();
    }

    Status close() {
        bool ok = true;
        if (gz_ != nullptr) ok = gzclose(gz_) == Z_OK;
        if (file_ != nullptr) ok = (file_ == stdout ? std::fflush(file_) : std::fclose(file_)) == 0;
        gz_ = nullptr;
        file_ = nullptr;
        if (!ok) return Error(ErrorCode::kIo, path_ + ": close failed");
        return Status::ok_status();
    }

  private:
    std::string path_;
    FILE* file_ = nullptr;
    gzFile gz_ = nullptr;
};

// Records per month: N apportioned by volume (largest remainder), so the counts sum to N.
Result<std::vector<int>> records_per_month(int64_t records) {
    std::vector<double> weights;
    for (int volume : kMonthlyVolume) weights.insert(weights.end(), 12, volume);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<int> counts(weights.size());
    std::vector<std::pair<double, size_t>> remainders;
    int64_t assigned = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        double exact = static_cast<double>(records) * weights[i] / total;
        counts[i] = static_cast<int>(std::floor(exact));
        assigned += counts[i];
        remainders.emplace_back(exact - counts[i], i);
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t k = 0; assigned < records; ++k, ++assigned) ++counts[remainders[k].second];
    for (int c : counts) {
        if (c > kMaxNumber) {
            return Error(ErrorCode::kInvalidArgument,
                         "--records " + std::to_string(records) +
                             " does not fit in YYMM.NNNNN ids over 2015-2025 (at most about " +
                             std::to_string(
                                 static_cast<int64_t>(kMaxNumber * total / kMonthlyVolume.back())) +
                             ")");
        }
    }
    return counts;
}

int run(const Options& opts) {
    auto fail = [](const Error& e) {
        std::fprintf(stderr, "paperboy-gen-snapshot: %s\n", e.message().c_str());
        return 1;
    };
    auto start = std::chrono::steady_clock::now();
    auto model = load_model(opts.model_dir);
    if (!model.ok()) return fail(model.error());
    auto counts = records_per_month(opts.records);
    if (!counts.ok()) return fail(counts.error());
    Sink sink(opts.out);
    Status opened = sink.open(opts.gzip);
    if (!opened.ok()) return fail(opened.error());

    RecordWriter writer(*model, opts.seed);
    Rng numbers(opts.seed ^ 0x6a09e667f3bcc909ULL);
    std::string buffer;
    buffer.reserve(kFlushBytes + (1 << 20));
    int64_t bytes = 0;
    for (size_t m = 0; m < counts->size(); ++m) {
        int year = kFirstYear + static_cast<int>(m / 12);
        int month = static_cast<int>(m % 12) + 1;
        // Pick `wanted` of the month's numbers 1..range in ascending order (selection sampling),
        // leaving gaps as a sample of the real month would.
        int wanted = (*counts)[m];
        int range = std::min(kMaxNumber, std::max(wanted, kMonthlyVolume[m / 12]));
        for (int number = 1; number <= range && wanted > 0; ++number) {
            if (numbers.below(static_cast<uint32_t>(range - number + 1)) >=
                static_cast<uint32_t>(wanted)) {
                continue;
            }
            --wanted;
            writer.append(buffer, year, month, number);
            if (buffer.size() >= kFlushBytes) {
                Status written = sink.write(buffer);
                if (!written.ok()) return fail(written.error());
                bytes += static_cast<int64_t>(buffer.size());
                buffer.clear();
            }
        }
    }
    Status written = sink.write(buffer);
    if (written.ok()) written = sink.close();
    if (!written.ok()) return fail(written.error());
    bytes += static_cast<int64_t>(buffer.size());

    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const TextStats& s = writer.stats();
    auto per_record = [&](int64_t n) {
        return opts.records > 0 ? static_cast<double>(n) / static_cast<double>(opts.records) : 0;
    };
    std::fprintf(stderr,
                 "paperboy-gen-snapshot: %lld records, %.1f MB in %.2f s (%.0f records/s); per "
                 "record %.1f title words, %.1f abstract words, %.2f authors; %.1f%% with a code "
                 "URL; %u distinct rare terms\n",
                 static_cast<long long>(opts.records), static_cast<double>(bytes) / 1e6, seconds,
                 static_cast<double>(opts.records) / seconds, per_record(s.title_words),
                 per_record(s.abstract_words), per_record(s.authors),
                 100 * per_record(s.with_code_url), writer.distinct_rare_terms());
    return 0;
}

}  // namespace
}  // namespace paperboy::bench

int main(int argc, char** argv) {
    paperboy::bench::Options opts;
    CLI::App app{"Writes synthetic arXiv records in the Kaggle arxiv-metadata-oai-snapshot shape",
                 "paperboy-gen-snapshot"};
    app.add_option("--records,-n", opts.records, "Number of records")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{0}, int64_t{20000000}));
    app.add_option("--seed", opts.seed, "Random seed; equal seeds give equal files")
        ->capture_default_str();
    app.add_option("--out,-o", opts.out, "Output file, or - for stdout")->capture_default_str();
    app.add_flag("--gzip", opts.gzip, "Compress the output with gzip (level 1)");
    app.add_option("--model-dir", opts.model_dir, "Directory with model.tsv and vocab.tsv.gz")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    return paperboy::bench::run(opts);
}
