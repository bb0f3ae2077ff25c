// embed_bert_bench — how fast the BERT encoder (embed/bert_model.h) embeds abstracts, and how
// close it comes to what OpenBLAS's sgemm alone reaches on this machine.
//
//   /usr/bin/python3 bench/make_bert_model.py /tmp/bert-base      # BERT-base shape, random
//   OPENBLAS_CORETYPE=SKYLAKEX build/bench/embed_bert_bench /tmp/bert-base [--abstracts 64]
//
// It prints, in order:
//   1. sgemm alone: C = A·Bᵀ for the shapes the encoder runs (tokens × 768 × 768 for the Q/K/V
//      and output projections, tokens × 768 × 3072 and back for the feed-forward block), on 1
//      and 2 OpenBLAS threads, and as two single-threaded products at once (the sum), in
//      GFLOP/s (best of 3 each). The 2-thread peak is the better of the last two.
//      OPENBLAS_CORETYPE, read by OpenBLAS when it loads, chooses the kernels; the core it chose is
//      printed.
//   2. tokenization: tokens per abstract and abstracts/s.
//   3. the encoder on the tokenized abstracts (SciFact titles + abstracts, cut to the model's
//      max_seq_length, 256 for make_bert_model.py's) three ways: one thread; two workers each
//      running whole batches with single-threaded OpenBLAS (what BertModel::embed does); one
//      thread with OpenBLAS running each product on two threads. Abstracts/s and GFLOP/s
//      (the encoder's multiply-adds counted from the token counts), and that as a share of
//      the sgemm peak for the same number of threads; and GFLOP per CPU-second, which a busy
//      machine disturbs less than wall time.
//   4. BertModel::embed end to end (tokenization included) with threads = 1 and 2.
// Numbers are for bench/README-style reports; nothing here is asserted.
#include <cblas.h>
#include <simdjson.h>
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "embed/bert_model.h"

namespace {

using paperboy::embed::BertEncoder;
using paperboy::embed::BertModel;

// CPU seconds of the whole process (every thread): on a shared machine, wall time measures
// the neighbours too, while GFLOP per CPU-second still compares the ways of threading.
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The first `limit` papers of a BEIR corpus.jsonl.gz as "title. abstract".
std::vector<std::string> read_abstracts(const std::string& path, size_t limit) {
    std::vector<std::string> texts;
    gzFile in = gzopen(path.c_str(), "rb");
    if (in == nullptr) return texts;
    simdjson::dom::parser parser;
    std::string line;
    std::vector<char> buffer(1 << 16);
    while (texts.size() < limit && gzgets(in, buffer.data(), static_cast<int>(buffer.size()))) {
        line += buffer.data();
        if (line.empty() || line.back() != '\n') continue;
        simdjson::dom::element doc;
        std::string_view title, text;
        if (parser.parse(line).get(doc) == simdjson::SUCCESS &&
            doc["title"].get(title) == simdjson::SUCCESS &&
            doc["text"].get(text) == simdjson::SUCCESS) {
            texts.push_back(paperboy::embed::paper_text(title, text));
        }
        line.clear();
    }
    gzclose(in);
    return texts;
}

// Best GFLOP/s of C[m, n] = A[m, k] · B[n, k]ᵀ over `reps` runs.
double sgemm_gflops(int m, int n, int k, int reps, double* per_cpu_second = nullptr) {
    std::vector<float> a(static_cast<size_t>(m) * k, 0.01f), b(static_cast<size_t>(n) * k, 0.02f),
        c(static_cast<size_t>(m) * n);
    double best = 1e30, best_cpu = 1e30;
    for (int r = 0; r < reps; ++r) {
        const double t0 = now_seconds(), c0 = cpu_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, b.data(),
                    k, 0.0f, c.data(), n);
        best = std::min(best, now_seconds() - t0);
        best_cpu = std::min(best_cpu, cpu_seconds() - c0);
    }
    if (per_cpu_second != nullptr) *per_cpu_second = 2.0 * m * n * k / best_cpu / 1e9;
    return 2.0 * m * n * k / best / 1e9;
}

// The same on `copies` threads at once, each with its own matrices and single-threaded
// OpenBLAS (as BertModel's workers run): total GFLOP/s, best of `reps`.
double concurrent_sgemm_gflops(int m, int n, int k, int reps, int copies) {
    openblas_set_num_threads(1);
    std::vector<double> per(static_cast<size_t>(copies));
    {
        std::vector<std::jthread> pool;
        for (int c = 0; c < copies; ++c) {
            pool.emplace_back(
                [&, c] { per[static_cast<size_t>(c)] = sgemm_gflops(m, n, k, reps); });
        }
    }
    double total = 0;
    for (double g : per) total += g;
    return total;
}

// Floating-point operations (a multiply-add counts two) the encoder spends on one sequence.
double encoder_flops(const paperboy::embed::BertConfig& c, size_t n) {
    const double H = c.hidden_size, I = c.intermediate_size, N = static_cast<double>(n);
    const double per_layer = 2 * N * H * 3 * H     // Q, K, V
                             + 2 * N * H * H       // attention output
                             + 2 * 2 * N * H * I   // feed-forward in and out
                             + 2 * 2 * N * N * H;  // scores and context, all heads
    return c.num_layers * per_layer;
}

// Encodes `ids` in batches of `batch` on `workers` threads with OpenBLAS on `blas_threads`.
struct Timing {
    double wall = 0, cpu = 0;
};

Timing encode_all(const BertEncoder& encoder, const std::vector<std::vector<int32_t>>& ids,
                  size_t batch, int workers, int blas_threads) {
    openblas_set_num_threads(blas_threads);
    const size_t batches = (ids.size() + batch - 1) / batch;
    std::atomic<size_t> next{0};
    auto work = [&] {
        std::vector<float> out(batch * static_cast<size_t>(encoder.dimensions()));
        for (size_t b; (b = next.fetch_add(1)) < batches;) {
            const size_t begin = b * batch, end = std::min(ids.size(), begin + batch);
            const std::span<const std::vector<int32_t>> slice(ids.data() + begin, end - begin);
            if (!encoder.encode(slice, out.data()).ok()) std::abort();
        }
    };
    const double t0 = now_seconds(), c0 = cpu_seconds();
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < workers; ++t) pool.emplace_back(work);
    }
    return {now_seconds() - t0, cpu_seconds() - c0};
}

double load_average() {
    std::ifstream in("/proc/loadavg");
    double value = -1;
    in >> value;
    return value;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"BERT encoder throughput against sgemm alone"};
    std::string model_dir;
    std::string corpus =
        std::string(PAPERBOY_SHARED_DEFAULT) + "/data/scifact/beir/corpus.jsonl.gz";
    size_t abstracts = 64;
    size_t batch = 16;
    int gemm_rows = 8192;
    app.add_option("model", model_dir, "a BERT folder (bench/make_bert_model.py)")->required();
    app.add_option("--corpus", corpus, "a BEIR corpus.jsonl.gz");
    app.add_option("--abstracts", abstracts, "how many abstracts to embed");
    app.add_option("--batch", batch, "texts per encoder batch");
    app.add_option("--gemm-rows", gemm_rows, "rows (tokens) of the sgemm-alone products");
    CLI11_PARSE(app, argc, argv);

    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    std::printf("OpenBLAS core: %s (OPENBLAS_CORETYPE=%s), %u hardware threads, load %.2f\n",
                openblas_get_corename(), coretype ? coretype : "(unset)",
                std::thread::hardware_concurrency(), load_average());

    // 1. sgemm alone.
    struct Shape {
        const char* what;
        int m, n, k;
    };
    const Shape shapes[] = {{"projection  M x 768 x 768 ", gemm_rows, 768, 768},
                            {"ffn in      M x 3072 x 768", gemm_rows, 3072, 768},
                            {"ffn out     M x 768 x 3072", gemm_rows, 768, 3072},
                            {"ffn in 512  512 x 3072 x 768", 512, 3072, 768}};
    double peak[3] = {0, 0, 0};
    double peak_per_cpu_second = 0;  // one thread
    std::printf("\nsgemm C = A * B^T, M = %d, GFLOP/s (best of 3)\n", gemm_rows);
    for (const Shape& s : shapes) {
        std::printf("  %-30s", s.what);
        for (int threads : {1, 2}) {
            openblas_set_num_threads(threads);
            double per_cpu = 0;
            const double g = sgemm_gflops(s.m, s.n, s.k, 3, &per_cpu);
            peak[threads] = std::max(peak[threads], g);
            if (threads == 1) peak_per_cpu_second = std::max(peak_per_cpu_second, per_cpu);
            std::printf("  %d thread%s %7.1f", threads, threads > 1 ? "s" : " ", g);
        }
        const double both = concurrent_sgemm_gflops(s.m, s.n, s.k, 3, 2);
        peak[2] = std::max(peak[2], both);
        std::printf("  2 x 1 thread %7.1f\n", both);
    }
    std::printf("  one thread, per CPU-second (best shape): %.1f\n", peak_per_cpu_second);

    // 2. Tokenization.
    auto model = BertModel::open(model_dir);
    if (!model.ok()) {
        std::fprintf(stderr, "%s\n", model.error().message().c_str());
        return 1;
    }
    const std::vector<std::string> texts = read_abstracts(corpus, abstracts);
    if (texts.empty()) {
        std::fprintf(stderr, "%s: no abstracts read\n", corpus.c_str());
        return 1;
    }
    const BertEncoder& encoder = (*model)->encoder();
    double t0 = now_seconds();
    std::vector<std::vector<int32_t>> ids;
    for (const std::string& t : texts) ids.push_back((*model)->tokenize(t));
    const double tokenize_seconds = now_seconds() - t0;
    size_t tokens = 0, capped = 0;
    double flops = 0;
    for (const auto& v : ids) {
        tokens += v.size();
        capped += v.size() == static_cast<size_t>((*model)->info().max_tokens);
        flops += encoder_flops(encoder.config(), v.size());
    }
    std::printf("\n%zu abstracts, %.1f tokens each (cap %d reached by %zu), %.2f GFLOP each\n",
                texts.size(), static_cast<double>(tokens) / texts.size(),
                (*model)->info().max_tokens, capped, flops / texts.size() / 1e9);
    std::printf("tokenization: %.0f abstracts/s on one thread\n", texts.size() / tokenize_seconds);

    // 3. The encoder, three ways.
    struct Mode {
        const char* what;
        int workers, blas_threads;
    };
    const Mode modes[] = {{"1 thread                     ", 1, 1},
                          {"2 workers x 1 OpenBLAS thread", 2, 1},
                          {"1 worker x 2 OpenBLAS threads", 1, 2}};
    std::printf("\nencoder on token ids, batch %zu\n", batch);
    for (const Mode& m : modes) {
        const Timing t = encode_all(encoder, ids, batch, m.workers, m.blas_threads);
        const double gflops = flops / t.wall / 1e9;
        const int threads = m.workers * m.blas_threads;
        std::printf(
            "  %s  %6.2f abstracts/s  %6.1f GFLOP/s  = %4.1f%% of sgemm peak %.1f"
            "  (%5.1f GFLOP per CPU-second = %4.1f%%)\n",
            m.what, texts.size() / t.wall, gflops, 100 * gflops / peak[threads], peak[threads],
            flops / t.cpu / 1e9, 100 * flops / t.cpu / 1e9 / peak_per_cpu_second);
    }

    // 4. End to end.
    std::printf("\nBertModel::embed (tokenization included), batch %zu\n", batch);
    for (int threads : {1, 2}) {
        paperboy::embed::EmbedderOptions options;
        options.threads = threads;
        options.batch_size = static_cast<int>(batch);
        auto m = BertModel::open(model_dir, options);
        if (!m.ok()) return 1;
        openblas_set_num_threads(1);
        t0 = now_seconds();
        auto vectors = (*m)->embed(texts, paperboy::embed::Purpose::kDocument);
        const double s = now_seconds() - t0;
        if (!vectors.ok()) {
            std::fprintf(stderr, "%s\n", vectors.error().message().c_str());
            return 1;
        }
        std::printf("  threads = %d  %6.2f abstracts/s\n", threads, texts.size() / s);
    }
    std::printf("\nload %.2f\n", load_average());
    return 0;
}
