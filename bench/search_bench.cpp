// search_bench: Paperboy's index against Xapian and SQLite FTS5, side by side in one run.
//
// Every engine indexes the same papers (a snapshot in arXiv JSON lines, usually written by
// paperboy-gen-snapshot) and answers the same query sets (bench/data/queries-*.tsv, written by
// bench/make_queries.py from real titles): top-k, ranked OR, one thread, warm (each set runs
// once untimed, then timed). For each engine it reports the build time (wall and CPU), the
// index size, and per query set p50/p90/p99/mean latency and QPS; then the ratios the issue
// sets targets for, the zero-hit counts and the top-k overlap between engines (a fairness
// check: engines that do the same work should broadly agree). See bench/README.md.
//
//   search_bench --snapshot FILE [--records N] [--peers xapian,fts5] [--no-paperboy]
//                [--json OUT] [--workdir DIR] [--rounds R]
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/json_writer.h"
#include "core/timestamp.h"
#include "ingest/byte_source.h"
#include "ingest/formats.h"
#include "ingest/record.h"
#include "search/engine.h"

#ifndef PAPERBOY_BENCH_DATA_DIR
#define PAPERBOY_BENCH_DATA_DIR "bench/data"
#endif

namespace paperboy::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string snapshot;
    int64_t records = 0;  // 0: all
    std::string peers = "xapian,fts5";
    bool no_paperboy = false;
    std::string queries_dir = PAPERBOY_BENCH_DATA_DIR;
    std::string workdir;
    std::string json;
    std::string answers;  // TSV of every engine's answers, for fairness checks
    size_t k = 10;
    size_t batch = 10000;
    int rounds = 1;
    std::string command;  // how the run was started, for the JSON
    std::string git;      // the commit, for the JSON
};

struct QuerySet {
    std::string name;  // "ranked", "phrase", "filtered"
    std::string file;
    std::vector<BenchQuery> queries;
};

struct SetResult {
    std::vector<double> latencies_ms;            // per query and round
    std::vector<std::vector<uint32_t>> answers;  // per query, from the last round
    double seconds = 0;                          // the timed rounds, summed
    size_t zero_hits = 0;
    double percentile(double p) const {
        std::vector<double> sorted = latencies_ms;
        std::sort(sorted.begin(), sorted.end());
        size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
        return sorted[std::max<size_t>(rank, 1) - 1];
    }
    double mean() const {
        double sum = 0;
        for (double v : latencies_ms) sum += v;
        return sum / static_cast<double>(latencies_ms.size());
    }
    double qps() const { return static_cast<double>(latencies_ms.size()) / seconds; }
};

struct EngineResult {
    std::string name;
    std::string config;
    double build_seconds = 0;
    double build_cpu_seconds = 0;
    double optimize_seconds = 0;
    std::optional<double> restart_seconds;  // see Engine::persist()
    BuildInfo info;
    int64_t rss_delta_bytes = 0;  // resident memory after the build minus before
    std::vector<SetResult> sets;  // parallel to the query sets
};

// ---- queries ----

BenchQuery parse_bench_query(std::string qid, std::string text) {
    BenchQuery q;
    q.qid = std::move(qid);
    q.text = std::move(text);
    std::istringstream in(q.text);
    std::string token;
    while (in >> token) {
        if (token.rfind("cat:", 0) == 0) {
            q.category = token.substr(4);
            for (char& c : q.category) c = static_cast<char>(std::tolower(c));
        } else if (token.rfind("after:", 0) == 0) {
            int y = 0;
            unsigned m = 0, d = 0;
            if (std::sscanf(token.c_str() + 6, "%d-%u-%u", &y, &m, &d) != 3) {
                throw std::runtime_error("query " + q.qid + ": bad date in " + token);
            }
            q.from_day = static_cast<int32_t>(days_from_civil(y, m, d));
        } else if (token == "has:code") {
            q.has_code = true;
        } else {
            if (token.front() == '"') {
                q.phrase = true;
                token.erase(0, 1);
            }
            if (!token.empty() && token.back() == '"') token.pop_back();
            if (!token.empty()) q.words.push_back(token);
        }
    }
    if (q.words.empty()) throw std::runtime_error("query " + q.qid + ": no words");
    return q;
}

QuerySet load_query_set(const std::string& name, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    QuerySet set{name, path, {}};
    std::string line;
    while (std::getline(in, line)) {
        size_t tab = line.find('\t');
        if (line.empty() || tab == std::string::npos) continue;
        set.queries.push_back(parse_bench_query(line.substr(0, tab), line.substr(tab + 1)));
    }
    if (set.queries.empty()) throw std::runtime_error(path + ": no queries");
    return set;
}

// ---- documents ----

class DocSink final : public ingest::RecordSink {
  public:
    DocSink(std::vector<BenchDoc>& docs, size_t limit) : docs_(docs), limit_(limit) {}

    void on_record(ingest::Record&& record) override {
        if (record.kind != ingest::Record::Kind::kPaper || docs_.size() >= limit_) return;
        BenchDoc d;
        d.paper = std::move(record.paper);
        Paper& p = d.paper;
        // Keep what an engine indexes or filters on; drop the rest to save memory.
        p.abstract_raw = std::string();
        p.comments = p.journal_ref = p.doi = p.report_no = p.license = p.submitter = {};
        for (size_t i = 0; i < p.authors.size(); ++i) {
            if (i > 0) d.authors += ", ";
            d.authors += p.authors[i].name;
            p.authors[i].affiliations = {};
        }
        d.cats = " ";
        for (const auto& c : p.categories) {
            for (char ch : c) d.cats += static_cast<char>(std::tolower(ch));
            d.cats += ' ';
        }
        int y = 0;
        unsigned m = 0, day = 0;
        if (std::sscanf(p.published.c_str(), "%d-%u-%u", &y, &m, &day) == 3) {
            d.day = static_cast<int32_t>(days_from_civil(y, m, day));
        }
        d.has_code = !p.github_url.empty();
        docs_.push_back(std::move(d));
    }

    void on_error(ingest::RecordError&& error) override {
        ++errors_;
        if (errors_ <= 5) std::fprintf(stderr, "skipped: %s\n", error.message().c_str());
    }

  private:
    std::vector<BenchDoc>& docs_;
    size_t limit_;
    size_t errors_ = 0;
};

std::vector<BenchDoc> load_docs(const std::string& path, int64_t limit) {
    auto source = ingest::open_file_source(path);
    if (!source.ok()) throw std::runtime_error(source.error().message());
    std::vector<BenchDoc> docs;
    if (limit > 0) docs.reserve(static_cast<size_t>(limit));
    DocSink sink(docs, limit > 0 ? static_cast<size_t>(limit) : SIZE_MAX);
    Status status = ingest::parse_arxiv_jsonl(**source, sink);
    if (!status.ok()) throw std::runtime_error(status.error().message());
    return docs;
}

// ---- process measurements ----

int64_t rss_bytes() {
    std::ifstream in("/proc/self/statm");
    int64_t pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * 4096;
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto secs = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return secs(usage.ru_utime) + secs(usage.ru_stime);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string first_line_with(const char* path, const std::string& prefix) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            size_t colon = line.find(':');
            size_t start = line.find_first_not_of(" \t", colon + 1);
            return start == std::string::npos ? "" : line.substr(start);
        }
    }
    return "";
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    in >> one;
    return one;
}

// ---- running ----

SetResult run_set(Engine& engine, const QuerySet& set, const Options& options) {
    SetResult r;
    std::vector<uint32_t> out;
    for (const BenchQuery& q : set.queries) engine.search(q, options.k, out);  // warm-up
    r.answers.resize(set.queries.size());
    for (int round = 0; round < options.rounds; ++round) {
        for (size_t i = 0; i < set.queries.size(); ++i) {
            auto start = Clock::now();
            engine.search(set.queries[i], options.k, out);
            double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            r.latencies_ms.push_back(ms);
            r.seconds += ms / 1000;
            r.answers[i] = out;
        }
    }
    for (const auto& answer : r.answers) r.zero_hits += answer.empty() ? 1 : 0;
    return r;
}

EngineResult run_engine(Engine& engine, const std::vector<BenchDoc>& docs,
                        const std::vector<QuerySet>& sets, const Options& options) {
    EngineResult result;
    result.name = engine.name();
    result.config = engine.describe();
    engine.prepare(docs);
    std::fprintf(stderr, "%s: building over %zu papers\n", result.name.c_str(), docs.size());
    int64_t rss_before = rss_bytes();
    double cpu_before = cpu_seconds();
    auto start = Clock::now();
    engine.build(docs);
    result.build_seconds = seconds_since(start);
    result.build_cpu_seconds = cpu_seconds() - cpu_before;
    result.rss_delta_bytes = rss_bytes() - rss_before;
    std::fprintf(stderr, "%s: built in %.2f s; optimizing\n", result.name.c_str(),
                 result.build_seconds);
    start = Clock::now();
    engine.optimize();
    result.optimize_seconds = seconds_since(start);
    result.info = engine.info();
    std::fprintf(stderr, "%s: optimized in %.2f s\n", result.name.c_str(), result.optimize_seconds);
    if (engine.persist()) {
        start = Clock::now();
        engine.restart();
        result.restart_seconds = seconds_since(start);
        std::fprintf(stderr, "%s: restarted from its snapshot in %.2f s; querying it\n",
                     result.name.c_str(), *result.restart_seconds);
    }
    for (const QuerySet& set : sets) result.sets.push_back(run_set(engine, set, options));
    return result;
}

// Mean over queries of |A and B| / max(|A|, |B|); queries where both are empty are left out.
double overlap(const SetResult& a, const SetResult& b) {
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < a.answers.size(); ++i) {
        const auto& x = a.answers[i];
        const auto& y = b.answers[i];
        if (x.empty() && y.empty()) continue;
        size_t common = 0;
        for (uint32_t id : x) common += std::count(y.begin(), y.end(), id) > 0 ? 1 : 0;
        sum += static_cast<double>(common) / static_cast<double>(std::max(x.size(), y.size()));
        ++n;
    }
    return n == 0 ? 0 : sum / static_cast<double>(n);
}

// ---- reporting ----

struct Ratios {
    std::string best_peer;  // by the ranked set's p50
    double p50 = 0;         // paperboy / best peer, per set
    double p99 = 0;
};

const EngineResult* find(const std::vector<EngineResult>& results, const std::string& name) {
    for (const auto& r : results) {
        if (r.name == name) return &r;
    }
    return nullptr;
}

// Paperboy's latency over the best peer's, for one set: the best peer is the one with the
// lowest p50 for p50 and the lowest p99 for p99.
std::pair<double, double> latency_ratios(const std::vector<EngineResult>& results, size_t set,
                                         std::string& best_p50, std::string& best_p99) {
    const EngineResult* paperboy = find(results, "paperboy");
    double p50 = 0, p99 = 0;
    for (const auto& r : results) {
        if (r.name == "paperboy") continue;
        double v50 = r.sets[set].percentile(0.50), v99 = r.sets[set].percentile(0.99);
        if (best_p50.empty() || v50 < p50) best_p50 = r.name, p50 = v50;
        if (best_p99.empty() || v99 < p99) best_p99 = r.name, p99 = v99;
    }
    if (paperboy == nullptr || best_p50.empty()) return {0, 0};
    return {paperboy->sets[set].percentile(0.50) / p50, paperboy->sets[set].percentile(0.99) / p99};
}

void print_report(const std::vector<EngineResult>& results, const std::vector<QuerySet>& sets,
                  size_t num_docs, const Options& options) {
    std::printf(
        "search benchmark: %zu papers, top-%zu, ranked OR, one thread, warm, %d timed "
        "round(s)\n",
        num_docs, options.k, options.rounds);
    std::printf("%-9s %9s %9s %11s %10s %11s %11s\n", "engine", "build s", "CPU s", "optimize s",
                "restart s", "index MB", "RSS+ MB");
    for (const auto& r : results) {
        char restart[32] = "-";
        if (r.restart_seconds) std::snprintf(restart, sizeof restart, "%.2f", *r.restart_seconds);
        std::printf("%-9s %9.2f %9.2f %11.2f %10s %11.1f %11.1f\n", r.name.c_str(), r.build_seconds,
                    r.build_cpu_seconds, r.optimize_seconds, restart,
                    static_cast<double>(r.info.index_bytes) / 1e6,
                    static_cast<double>(r.rss_delta_bytes) / 1e6);
    }
    for (size_t s = 0; s < sets.size(); ++s) {
        std::printf("\n%s (%zu queries)  %8s %8s %8s %8s %9s %9s\n", sets[s].name.c_str(),
                    sets[s].queries.size(), "p50 ms", "p90 ms", "p99 ms", "mean ms", "QPS",
                    "zero-hit");
        for (const auto& r : results) {
            const SetResult& x = r.sets[s];
            std::printf("  %-20s %8.3f %8.3f %8.3f %8.3f %9.0f %9zu\n", r.name.c_str(),
                        x.percentile(0.50), x.percentile(0.90), x.percentile(0.99), x.mean(),
                        x.qps(), x.zero_hits);
        }
        std::printf("  top-%zu overlap:", options.k);
        for (size_t a = 0; a < results.size(); ++a) {
            for (size_t b = a + 1; b < results.size(); ++b) {
                std::printf(" %s~%s %.2f", results[a].name.c_str(), results[b].name.c_str(),
                            overlap(results[a].sets[s], results[b].sets[s]));
            }
        }
        std::printf("\n");
        std::string best50, best99;
        auto [r50, r99] = latency_ratios(results, s, best50, best99);
        if (r50 > 0) {
            std::printf(
                "  paperboy / best peer: p50 %.3f (%s), p99 %.3f (%s); target <= 0.333: "
                "%s\n",
                r50, best50.c_str(), r99, best99.c_str(),
                r50 <= 1.0 / 3 && r99 <= 1.0 / 3 ? "met" : "NOT met");
        }
    }
    const EngineResult* paperboy = find(results, "paperboy");
    const EngineResult* xapian = find(results, "xapian");
    if (paperboy != nullptr && xapian != nullptr) {
        double ratio = xapian->build_seconds / paperboy->build_seconds;
        std::printf("\nbuild: xapian / paperboy %.1fx wall (target >= 10x: %s), %.1fx CPU\n", ratio,
                    ratio >= 10 ? "met" : "NOT met",
                    xapian->build_cpu_seconds / paperboy->build_cpu_seconds);
    }
}

void write_json(const std::string& path, const std::vector<EngineResult>& results,
                const std::vector<QuerySet>& sets, size_t num_docs, const Options& options,
                const std::string& load_before) {
    JsonWriter w(/*pretty=*/true);
    w.begin_object();
    w.field("benchmark", "search");
    w.field("date", now_timestamp());
    w.field("command", options.command);
    w.field("git_commit", options.git);
    w.field("snapshot", options.snapshot);
    w.field("papers", static_cast<int64_t>(num_docs));
    w.field("k", static_cast<int64_t>(options.k));
    w.field("timed_rounds", options.rounds);
    w.field("paperboy_batch", static_cast<int64_t>(options.batch));
    w.key("machine").begin_object();
    w.field("nproc", static_cast<int64_t>(std::thread::hardware_concurrency()));
    w.field("cpu", first_line_with("/proc/cpuinfo", "model name"));
    w.field("memory", first_line_with("/proc/meminfo", "MemTotal"));
    utsname u{};
    uname(&u);
    w.field("kernel", std::string(u.sysname) + " " + u.release);
    w.field("load_average_before", load_before);
    w.field("load_average_after", load_average());
    w.end_object();
    w.key("query_sets").begin_array();
    for (const auto& set : sets) {
        w.begin_object().field("name", set.name).field("file", set.file);
        w.field("queries", static_cast<int64_t>(set.queries.size())).end_object();
    }
    w.end_array();
    w.key("engines").begin_array();
    for (const auto& r : results) {
        w.begin_object();
        w.field("name", r.name).field("config", r.config);
        w.field("build_seconds", r.build_seconds).field("build_cpu_seconds", r.build_cpu_seconds);
        w.field("optimize_seconds", r.optimize_seconds);
        if (r.restart_seconds) w.field("restart_seconds", *r.restart_seconds);
        w.field("index_bytes", static_cast<int64_t>(r.info.index_bytes));
        w.field("index_bytes_measured_as", r.info.index_bytes_what);
        w.field("rss_delta_bytes", r.rss_delta_bytes);
        w.key("sets").begin_object();
        for (size_t s = 0; s < sets.size(); ++s) {
            const SetResult& x = r.sets[s];
            w.key(sets[s].name).begin_object();
            w.field("p50_ms", x.percentile(0.50)).field("p90_ms", x.percentile(0.90));
            w.field("p99_ms", x.percentile(0.99)).field("mean_ms", x.mean());
            w.field("max_ms", x.percentile(1.0)).field("qps", x.qps());
            w.field("zero_hit_queries", static_cast<int64_t>(x.zero_hits));
            w.key("zero_hit_qids").begin_array();
            for (size_t i = 0; i < x.answers.size(); ++i) {
                if (x.answers[i].empty()) w.value(sets[s].queries[i].qid);
            }
            w.end_array();
            w.end_object();
        }
        w.end_object().end_object();
    }
    w.end_array();
    w.key("comparison").begin_object();
    for (size_t s = 0; s < sets.size(); ++s) {
        w.key(sets[s].name).begin_object();
        std::string best50, best99;
        auto [r50, r99] = latency_ratios(results, s, best50, best99);
        if (r50 > 0) {
            w.field("paperboy_over_best_peer_p50", r50).field("best_peer_p50", best50);
            w.field("paperboy_over_best_peer_p99", r99).field("best_peer_p99", best99);
        }
        w.key("top_k_overlap").begin_object();
        for (size_t a = 0; a < results.size(); ++a) {
            for (size_t b = a + 1; b < results.size(); ++b) {
                w.field(results[a].name + "~" + results[b].name,
                        overlap(results[a].sets[s], results[b].sets[s]));
            }
        }
        w.end_object().end_object();
    }
    const EngineResult* paperboy = find(results, "paperboy");
    const EngineResult* xapian = find(results, "xapian");
    if (paperboy != nullptr && xapian != nullptr) {
        w.field("xapian_build_over_paperboy_build",
                xapian->build_seconds / paperboy->build_seconds);
        w.field("xapian_build_cpu_over_paperboy_build_cpu",
                xapian->build_cpu_seconds / paperboy->build_cpu_seconds);
    }
    w.end_object();
    w.end_object();
    std::ofstream out(path);
    out << w.str() << '\n';
    if (!out) throw std::runtime_error(path + ": cannot write");
}

// One line per hit: set, qid, engine, rank (1-based), arXiv id; for comparing the engines'
// answers query by query.
void write_answers(const std::string& path, const std::vector<EngineResult>& results,
                   const std::vector<QuerySet>& sets, const std::vector<BenchDoc>& docs) {
    std::ofstream out(path);
    for (size_t s = 0; s < sets.size(); ++s) {
        for (size_t i = 0; i < sets[s].queries.size(); ++i) {
            for (const auto& r : results) {
                const auto& answer = r.sets[s].answers[i];
                for (size_t rank = 0; rank < answer.size(); ++rank) {
                    out << sets[s].name << '\t' << sets[s].queries[i].qid << '\t' << r.name << '\t'
                        << rank + 1 << '\t' << docs[answer[rank]].paper.id.str() << '\n';
                }
            }
        }
    }
    if (!out) throw std::runtime_error(path + ": cannot write");
}

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::istringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty() && item != "none") out.push_back(item);
    }
    return out;
}

int run(const Options& options) {
    std::string load_before = load_average();
    std::vector<QuerySet> sets = {
        load_query_set("ranked", options.queries_dir + "/queries-1000.tsv"),
        load_query_set("phrase", options.queries_dir + "/queries-phrase.tsv"),
        load_query_set("filtered", options.queries_dir + "/queries-filtered.tsv"),
    };
    auto start = Clock::now();
    std::vector<BenchDoc> docs = load_docs(options.snapshot, options.records);
    std::fprintf(stderr, "read %zu papers in %.1f s\n", docs.size(), seconds_since(start));
    if (docs.empty()) throw std::runtime_error(options.snapshot + ": no papers");

    std::string workdir = options.workdir;
    bool own_workdir = workdir.empty();
    if (own_workdir) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "paperboy-search-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        workdir = pattern;
    }

    std::vector<std::string> names;
    if (!options.no_paperboy) names.emplace_back("paperboy");
    for (const auto& peer : split_list(options.peers)) names.push_back(peer);
    std::vector<EngineResult> results;
    for (const auto& name : names) {
        std::unique_ptr<Engine> engine;
        if (name == "paperboy") {
            engine = make_paperboy_engine(options.batch, workdir);
        } else if (name == "xapian") {
            engine = make_xapian_engine(workdir);
        } else if (name == "fts5") {
            engine = make_fts5_engine(workdir);
        } else {
            throw std::runtime_error("unknown engine \"" + name + "\" (xapian, fts5)");
        }
        results.push_back(run_engine(*engine, docs, sets, options));
    }
    if (own_workdir) std::filesystem::remove_all(workdir);

    print_report(results, sets, docs.size(), options);
    if (!options.answers.empty()) write_answers(options.answers, results, sets, docs);
    if (!options.json.empty()) {
        write_json(options.json, results, sets, docs.size(), options, load_before);
        std::fprintf(stderr, "wrote %s\n", options.json.c_str());
    }
    return 0;
}

}  // namespace
}  // namespace paperboy::bench

int main(int argc, char** argv) {
    paperboy::bench::Options options;
    CLI::App app{"Search benchmark: Paperboy's index against Xapian and SQLite FTS5"};
    app.add_option("--snapshot", options.snapshot, "arXiv JSON lines (plain or gzip)")->required();
    app.add_option("--records", options.records, "use the first N papers (default: all)");
    app.add_option("--peers", options.peers, "peers to run, comma-separated, or none")
        ->capture_default_str();
    app.add_flag("--no-paperboy", options.no_paperboy, "skip Paperboy's own index");
    app.add_option("--queries", options.queries_dir, "directory of queries-*.tsv")
        ->capture_default_str();
    app.add_option("--workdir", options.workdir, "directory for the peers' on-disk indexes");
    app.add_option("--json", options.json, "write the results as JSON to this file");
    app.add_option("--answers", options.answers,
                   "write every answer (set, qid, engine, rank, arXiv id) as TSV to this file");
    app.add_option("-k", options.k, "hits per query")->capture_default_str();
    app.add_option("--batch", options.batch, "Paperboy upsert batch size")->capture_default_str();
    app.add_option("--rounds", options.rounds, "timed rounds per query set")->capture_default_str();
    app.add_option("--command", options.command, "the command line to record in the JSON");
    app.add_option("--git", options.git, "the git commit to record in the JSON");
    CLI11_PARSE(app, argc, argv);
    try {
        return paperboy::bench::run(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "search_bench: %s\n", e.what());
        return 1;
    }
}
