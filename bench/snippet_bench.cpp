// snippet_bench: the cost of a result page's snippets (text::make_snippet over ten abstracts),
// with the benchmark's title queries (bench/data/queries-1000.tsv).
//
// The abstracts are the "abstract" fields of a JSON-lines file:
//   SNIPPET_BENCH_ABSTRACTS=FILE  that file (e.g. paperboy-gen-snapshot's output);
//   by default                    the 200 real abstracts of the Kaggle snapshot sample in
//                                 ../shared (PAPERBOY_SHARED_DIR when set), which the
//                                 repository does not carry; without it, 200 synthetic ones
//                                 drawn from bench/data's model, with a line saying so.
//
// items_per_second counts snippets. Each query is paired with ten abstracts in turn, as a page
// of hits would be (they are not its hits: the cost is dominated by reading the abstract).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "snapshot/model.h"
#include "snapshot/record_writer.h"
#include "text/analyzer.h"
#include "text/snippet.h"

namespace {

using paperboy::text::Analyzer;

constexpr const char* kSharedSample =
    "data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl";
constexpr int kSyntheticRecords = 200;

struct Corpus {
    std::vector<std::string> abstracts;
    std::vector<std::vector<std::string>> queries;  // analysed terms
};

// The "abstract" of each JSON line of `in`, at most 10,000.
void read_abstracts(std::istream& in, std::vector<std::string>& out) {
    simdjson::dom::parser parser;
    std::string line;
    while (std::getline(in, line) && out.size() < 10000) {
        std::string_view abstract;
        if (parser.parse(line)["abstract"].get(abstract) == simdjson::SUCCESS) {
            out.emplace_back(abstract);
        }
    }
}

// Where the shared snapshot sample is when it is there.
std::filesystem::path shared_sample() {
    const char* dir = std::getenv("PAPERBOY_SHARED_DIR");
    std::filesystem::path path = dir != nullptr && *dir != '\0' ? dir : PAPERBOY_SHARED_DEFAULT;
    return path / kSharedSample;
}

// Records from the synthetic snapshot generator (paperboy-gen-snapshot's model and writer).
std::string synthetic_records() {
    auto model = paperboy::bench::load_model(PAPERBOY_BENCH_DATA_DIR);
    if (!model.ok()) throw std::runtime_error("snippet_bench: " + model.error().message());
    paperboy::bench::RecordWriter writer(*model, /*seed=*/1);
    std::string lines;
    for (int i = 0; i < kSyntheticRecords; ++i) writer.append(lines, 2024, 1 + i % 12, i + 1);
    return lines;
}

const Corpus& corpus(const Analyzer& analyzer) {
    static const Corpus loaded = [&] {
        Corpus c;
        if (const char* file = std::getenv("SNIPPET_BENCH_ABSTRACTS")) {
            std::ifstream in(file);
            if (!in) throw std::runtime_error(std::string("snippet_bench: cannot read ") + file);
            read_abstracts(in, c.abstracts);
        } else if (const std::filesystem::path sample = shared_sample();
                   std::filesystem::exists(sample)) {
            std::ifstream in(sample);
            if (!in) throw std::runtime_error("snippet_bench: cannot read " + sample.string());
            read_abstracts(in, c.abstracts);
        } else {
            std::fprintf(stderr, "snippet_bench: %s is absent; using %d synthetic abstracts\n",
                         sample.string().c_str(), kSyntheticRecords);
            std::istringstream in(synthetic_records());
            read_abstracts(in, c.abstracts);
        }
        std::ifstream queries(PAPERBOY_SNIPPET_QUERIES);
        std::string line;
        while (std::getline(queries, line)) {
            const size_t tab = line.find('\t');
            if (tab != std::string::npos) c.queries.push_back(analyzer.terms(line.substr(tab + 1)));
        }
        if (c.abstracts.empty() || c.queries.empty()) {
            throw std::runtime_error("snippet_bench: no abstracts or no queries");
        }
        return c;
    }();
    return loaded;
}

void BM_ResultPageSnippets(benchmark::State& state) {
    const Analyzer analyzer;
    const Corpus& c = corpus(analyzer);
    size_t query = 0;
    size_t next = 0;
    for (auto _ : state) {
        const std::vector<std::string>& terms = c.queries[query++ % c.queries.size()];
        for (int hit = 0; hit < 10; ++hit) {
            benchmark::DoNotOptimize(paperboy::text::make_snippet(
                analyzer, c.abstracts[next++ % c.abstracts.size()], terms));
        }
    }
    state.SetItemsProcessed(state.iterations() * 10);
}
BENCHMARK(BM_ResultPageSnippets);

}  // namespace

BENCHMARK_MAIN();
