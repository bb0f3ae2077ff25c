// embed_static_bench: abstracts per second of the static (Model2Vec) embedder on one core.
//
//   embed_static_bench [MODEL_DIR [CORPUS_JSONL_GZ]]
//
// Defaults: ../shared/models/potion-base-4M-int8 and SciFact's 5,183 abstracts in
// ../shared/data/scifact/beir/corpus.jsonl.gz (PAPERBOY_SHARED_DIR when set); the repository
// carries neither. Each text is paper_text(title, abstract), as Paperboy embeds papers. The whole
// corpus is embedded once to warm up, then repeatedly for about two seconds a round, three
// rounds; the best round is reported, with the mean number of tokens averaged per abstract (the
// Python reading, bench/embed_static_ref.py, prints the same figure: they should agree).
#include <simdjson.h>
#include <time.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "embed/static_model.h"

namespace {

std::string shared_dir() {
    if (const char* env = std::getenv("PAPERBOY_SHARED_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return PAPERBOY_SHARED_DEFAULT;
}

bool read_gzip(const std::string& path, std::string& out) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) return false;
    char buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    gzclose(f);
    return n == 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string model_dir = argc > 1 ? argv[1] : shared_dir() + "/models/potion-base-4M-int8";
    const std::string corpus_path =
        argc > 2 ? argv[2] : shared_dir() + "/data/scifact/beir/corpus.jsonl.gz";

    std::string jsonl;
    if (!read_gzip(corpus_path, jsonl)) {
        std::fprintf(stderr, "embed_static_bench: cannot read %s\n", corpus_path.c_str());
        return 1;
    }
    std::vector<std::string> texts;
    simdjson::dom::parser parser;
    simdjson::dom::document_stream docs;
    if (parser.parse_many(jsonl).get(docs) != simdjson::SUCCESS) {
        std::fprintf(stderr, "embed_static_bench: %s is not JSON lines\n", corpus_path.c_str());
        return 1;
    }
    for (auto doc : docs) {
        std::string_view title;
        std::string_view text;
        if (doc["title"].get_string().get(title) != simdjson::SUCCESS ||
            doc["text"].get_string().get(text) != simdjson::SUCCESS) {
            std::fprintf(stderr, "embed_static_bench: a record without title or text\n");
            return 1;
        }
        texts.push_back(paperboy::embed::paper_text(title, text));
    }

    auto model = paperboy::embed::StaticModel::open(model_dir);
    if (!model.ok()) {
        std::fprintf(stderr, "embed_static_bench: %s\n", model.error().message().c_str());
        return 1;
    }
    paperboy::embed::StaticModel& m = **model;

    size_t tokens = 0;
    size_t bytes = 0;
    for (const std::string& t : texts) {
        tokens += m.token_ids(t).size();
        bytes += t.size();
    }
    std::vector<float> out;
    double checksum = 0;
    {
        out = *m.embed(texts, paperboy::embed::Purpose::kDocument);  // warm-up
        for (size_t i = 0; i < out.size(); i += m.info().dimensions) checksum += out[i];
    }

    // Both the wall clock and this thread's CPU time: on a shared machine the CPU-time rate is
    // the one that says what one core does.
    auto cpu_seconds = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    using Clock = std::chrono::steady_clock;
    double best = 0;
    double best_cpu = 0;
    for (int round = 0; round < 3; ++round) {
        size_t done = 0;
        const auto start = Clock::now();
        const double cpu_start = cpu_seconds();
        double seconds = 0;
        while (seconds < 2.0) {
            out = *m.embed(texts, paperboy::embed::Purpose::kDocument);
            done += texts.size();
            seconds = std::chrono::duration<double>(Clock::now() - start).count();
        }
        best = std::max(best, static_cast<double>(done) / seconds);
        best_cpu = std::max(best_cpu, static_cast<double>(done) / (cpu_seconds() - cpu_start));
    }
    std::printf("C++ static embedder (%s): %zu abstracts, %.1f tokens and %.0f bytes each\n",
                m.info().name.c_str(), texts.size(),
                static_cast<double>(tokens) / static_cast<double>(texts.size()),
                static_cast<double>(bytes) / static_cast<double>(texts.size()));
    std::printf(
        "  %.0f abstracts/s on one thread by the wall clock, %.0f per CPU second (best of 3 "
        "rounds of ~2 s), %.1f MB/s; checksum %.6f\n",
        best, best_cpu,
        best_cpu * static_cast<double>(bytes) / static_cast<double>(texts.size()) / 1e6, checksum);
    return 0;
}
