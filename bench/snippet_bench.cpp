// snippet_bench: the cost of a result page's snippets (text::make_snippet over ten abstracts),
// with the benchmark's title queries (bench/data/queries-1000.tsv).
//
//   snippet_bench [--benchmark_...]            real abstracts
//   (tests/testdata/json/arxiv_sample200.jsonl) SNIPPET_BENCH_ABSTRACTS=FILE snippet_bench  the
//   "abstract" of each line of FILE (JSON lines,
//                                               e.g. paperboy-gen-snapshot's output)
//
// items_per_second counts snippets. Each query is paired with ten abstracts in turn, as a page
// of hits would be (they are not its hits: the cost is dominated by reading the abstract).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "text/analyzer.h"
#include "text/snippet.h"

namespace {

using paperboy::text::Analyzer;

struct Corpus {
    std::vector<std::string> abstracts;
    std::vector<std::vector<std::string>> queries;  // analysed terms
};

const Corpus& corpus(const Analyzer& analyzer) {
    static const Corpus loaded = [&] {
        Corpus c;
        const char* file = std::getenv("SNIPPET_BENCH_ABSTRACTS");
        std::ifstream in(file != nullptr ? file : PAPERBOY_SNIPPET_ABSTRACTS);
        if (!in) throw std::runtime_error("snippet_bench: cannot read the abstracts");
        simdjson::dom::parser parser;
        std::string line;
        while (std::getline(in, line) && c.abstracts.size() < 10000) {
            std::string_view abstract;
            if (parser.parse(line)["abstract"].get(abstract) == simdjson::SUCCESS) {
                c.abstracts.emplace_back(abstract);
            }
        }
        std::ifstream queries(PAPERBOY_SNIPPET_QUERIES);
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
