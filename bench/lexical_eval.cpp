// lexical_eval: Paperboy's lexical ranking and Xapian's BM25 on variants of a BEIR collection,
// nDCG@10 and Recall@100 for each (bench/lexical_generalization.sh runs it and prints a table).
//
// The variants stand in for collections the ranking was not tuned on, built from one that
// exists (SciFact: 5,183 abstracts with titles, 300 test claims):
//   full              the collection as `paperboy eval` sees it
//   no-title          every title empty (tweets, forum posts)
//   no-title-ingest   every title missing from the JSON: `paperboy ingest` then uses the first
//                     ~100 characters of the text as the title (ingest/beir.cpp)
//   title-only        every abstract empty (Quora-like short documents)
//   half-abstracts    every other document without its abstract (mixed lengths)
//   half-titles       every other document without its title
//   long-query        the claim followed by the first three sentences of its first relevant
//                     document's abstract (a paragraph-long query; TREC narratives)
//   abstract-to-title the abstract of each judged document as the query, against the titles
//                     only: find a paper from its text (long queries, short documents)
//   sibling           ArguAna-like: the text of one relevant document of a claim as the query,
//                     the claim's other relevant documents as the answers; the query's own
//                     document is left out of the ranking (as BEIR does for ArguAna)
// Generated queries get the same clean-up for both engines: quotes and leading +/- become
// spaces and AND/OR/NOT are lower-cased, so that neither parses pasted prose as operators.
//
// Both engines index the same Paper values (read with ingest::parse_beir, as `paperboy ingest`
// does). Paperboy: app::to_index_doc, index::Index, index::parse_query, Index::search — the path
// of `paperboy eval`. Xapian: the configuration of bench/search/xapian_engine.cpp (title with
// wdf increment 2 then abstract, Snowball English stemmer STEM_ALL, Snowball stopwords,
// BM25Weight defaults, QueryParser with OR), in memory. Metrics: app::ndcg_at, app::recall_at.
//
//   lexical_eval --beir DIR --variant NAME --engine paperboy|xapian [--run FILE]
// prints one line: variant <TAB> engine <TAB> queries <TAB> nDCG@10 <TAB> Recall@100.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/evaluation.h"
#include "app/search_service.h"
#include "core/json_writer.h"
#include "index/index.h"
#include "index/query.h"
#include "ingest/beir_queries.h"
#include "ingest/byte_source.h"
#include "ingest/formats.h"
#include "search/engine.h"
#include "text/analyzer.h"

// Xapian's headers are system headers here (see CMakeLists.txt).
#include <xapian.h>

namespace paperboy::bench {
namespace {

struct Collection {
    std::vector<Paper> docs;
    std::vector<ingest::TestQuery> queries;
    ingest::Qrels qrels;
    // Per query: a document id to leave out of its ranking (the "sibling" variant).
    std::map<std::string, std::string> exclude;
};

class PaperSink final : public ingest::RecordSink {
  public:
    explicit PaperSink(std::vector<Paper>& out) : out_(out) {}
    void on_record(ingest::Record&& r) override {
        if (r.kind == ingest::Record::Kind::kPaper) out_.push_back(std::move(r.paper));
    }
    void on_error(ingest::RecordError&& e) override {
        std::fprintf(stderr, "lexical_eval: skipped: %s\n", e.message().c_str());
    }

  private:
    std::vector<Paper>& out_;
};

template <typename T>
T checked(Result<T> r, const char* what) {
    if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error().message());
    return std::move(*r);
}

std::vector<Paper> parse_corpus(ingest::ByteSource& source) {
    std::vector<Paper> docs;
    PaperSink sink(docs);
    Status s = ingest::parse_beir(source, sink);
    if (!s.ok()) throw std::runtime_error("corpus: " + s.error().message());
    return docs;
}

// The collection's own document id (BEIR's "_id").
std::string doc_id(const Paper& p) {
    const std::string& id = p.id.str();
    return p.id.kind() == PaperId::Kind::kLocal ? id.substr(6) : id;
}

// Pasted prose must not read as query syntax in either engine.
std::string clean_query(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    bool word_start = true;
    for (char c : text) {
        if (c == '"' || (word_start && (c == '-' || c == '+'))) c = ' ';
        word_start = c == ' ' || c == '(' || c == '\n' || c == '\t';
        out += c;
    }
    // Xapian's boolean operators are upper-case words.
    for (const char* op : {" AND ", " OR ", " NOT ", " XOR ", " NEAR "}) {
        const std::string needle(op);
        for (size_t at = out.find(needle); at != std::string::npos; at = out.find(needle, at)) {
            for (size_t i = at; i < at + needle.size(); ++i) {
                if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<char>(out[i] - 'A' + 'a');
            }
        }
    }
    return out;
}

// The first `n` sentences of `text` (cut after ". ").
std::string first_sentences(const std::string& text, int n) {
    size_t at = 0;
    for (int i = 0; i < n; ++i) {
        at = text.find(". ", at);
        if (at == std::string::npos) return text;
        at += 2;
    }
    return text.substr(0, at);
}

Collection load(const std::string& beir, const std::string& variant) {
    namespace fs = std::filesystem;
    Collection c;
    auto source =
        checked(ingest::open_file_source((fs::path(beir) / "corpus.jsonl.gz").string()), "corpus");
    c.docs = parse_corpus(*source);
    c.queries =
        checked(ingest::read_queries((fs::path(beir) / "queries.jsonl").string()), "queries");
    c.qrels =
        checked(ingest::read_qrels((fs::path(beir) / "qrels" / "test.tsv").string()), "qrels");
    std::unordered_map<std::string, const Paper*> by_id;

    if (variant == "full") return c;
    if (variant == "no-title") {
        for (Paper& p : c.docs) p.title.clear();
    } else if (variant == "no-title-ingest") {
        std::string jsonl;
        for (const Paper& p : c.docs) {
            JsonWriter w;
            w.begin_object().field("_id", doc_id(p)).field("text", p.abstract_raw).end_object();
            jsonl += w.str() + "\n";
        }
        auto memory = ingest::memory_source(std::move(jsonl), "no-title corpus");
        c.docs = parse_corpus(*memory);
    } else if (variant == "title-only") {
        for (Paper& p : c.docs) p.abstract.clear();
    } else if (variant == "half-abstracts") {
        for (size_t i = 0; i < c.docs.size(); i += 2) c.docs[i].abstract.clear();
    } else if (variant == "half-titles") {
        for (size_t i = 0; i < c.docs.size(); i += 2) c.docs[i].title.clear();
    } else if (variant == "long-query" || variant == "abstract-to-title" || variant == "sibling") {
        for (const Paper& p : c.docs) by_id[doc_id(p)] = &p;
        std::vector<ingest::TestQuery> queries;
        ingest::Qrels qrels;
        for (const ingest::TestQuery& q : c.queries) {
            auto judged = c.qrels.find(q.id);
            if (judged == c.qrels.end()) continue;
            std::vector<const Paper*> relevant;
            for (const auto& [id, rel] : judged->second) {
                auto it = by_id.find(id);
                if (rel > 0 && it != by_id.end()) relevant.push_back(it->second);
            }
            if (relevant.empty()) continue;
            if (variant == "long-query") {
                queries.push_back(
                    {q.id, clean_query(q.text + " " + first_sentences(relevant[0]->abstract, 3))});
                qrels[q.id] = judged->second;
            } else if (variant == "abstract-to-title") {
                for (const Paper* d : relevant) {
                    const std::string qid = "d" + doc_id(*d);
                    if (qrels.count(qid) != 0) continue;
                    queries.push_back({qid, clean_query(d->abstract)});
                    qrels[qid] = {{doc_id(*d), 1}};
                }
            } else if (relevant.size() >= 2) {
                for (const Paper* d : relevant) {
                    const std::string qid = q.id + "/" + doc_id(*d);
                    queries.push_back({qid, clean_query(d->title + ". " + d->abstract)});
                    for (const Paper* other : relevant) {
                        if (other != d) qrels[qid][doc_id(*other)] = 1;
                    }
                    c.exclude[qid] = doc_id(*d);
                }
            }
        }
        c.queries = std::move(queries);
        c.qrels = std::move(qrels);
        if (variant == "abstract-to-title") {
            for (Paper& p : c.docs) p.abstract.clear();
        }
    } else {
        throw std::runtime_error("unknown variant \"" + variant + "\"");
    }
    return c;
}

class Ranker {
  public:
    virtual ~Ranker() = default;
    virtual std::vector<std::string> rank(const std::string& query, size_t k) = 0;
};

class PaperboyRanker final : public Ranker {
  public:
    explicit PaperboyRanker(const std::vector<Paper>& docs) {
        std::vector<index::IndexDoc> batch;
        batch.reserve(docs.size());
        for (const Paper& p : docs) batch.push_back(app::to_index_doc(p, false));
        index_.upsert(batch);
    }
    std::vector<std::string> rank(const std::string& query, size_t k) override {
        index::SearchOptions options;
        options.limit = k;
        std::vector<std::string> out;
        for (const index::Hit& hit :
             index_.search(index::parse_query(query, analyzer_), options).hits) {
            const std::string& id = hit.id.str();
            out.push_back(hit.id.kind() == PaperId::Kind::kLocal ? id.substr(6) : id);
        }
        return out;
    }

  private:
    text::Analyzer analyzer_;
    index::Index index_{analyzer_};
};

class XapianRanker final : public Ranker {
  public:
    explicit XapianRanker(const std::vector<Paper>& docs)
        : db_(std::string(), Xapian::DB_BACKEND_INMEMORY) {
        for (const auto& word : english_stopwords()) stopper_.add(word);
        Xapian::TermGenerator generator;
        generator.set_stemmer(Xapian::Stem("english"));
        generator.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        generator.set_stopper(&stopper_);
        generator.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
        for (const Paper& p : docs) {
            Xapian::Document doc;
            generator.set_document(doc);
            generator.index_text(p.title, 2);
            generator.increase_termpos();
            generator.index_text(p.abstract);
            doc.set_data(doc_id(p));
            db_.add_document(doc);
        }
        db_.commit();
        enquire_ = std::make_unique<Xapian::Enquire>(db_);
        enquire_->set_weighting_scheme(Xapian::BM25Weight());
        parser_.set_stemmer(Xapian::Stem("english"));
        parser_.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
        parser_.set_stopper(&stopper_);
        parser_.set_default_op(Xapian::Query::OP_OR);
        parser_.set_database(db_);
    }
    std::vector<std::string> rank(const std::string& query, size_t k) override {
        Xapian::Query parsed;
        try {
            parsed = parser_.parse_query(query, Xapian::QueryParser::FLAG_DEFAULT);
        } catch (const Xapian::QueryParserError&) {
            parsed = parser_.parse_query(query, 0);  // prose its parser refuses: words only
        }
        enquire_->set_query(parsed);
        Xapian::MSet mset = enquire_->get_mset(0, static_cast<Xapian::doccount>(k));
        std::vector<std::string> out;
        for (auto it = mset.begin(); it != mset.end(); ++it)
            out.push_back(it.get_document().get_data());
        return out;
    }

  private:
    Xapian::SimpleStopper stopper_;
    Xapian::WritableDatabase db_;
    std::unique_ptr<Xapian::Enquire> enquire_;
    Xapian::QueryParser parser_;
};

int run(const std::string& beir, const std::string& variant, const std::string& engine,
        const std::string& run_path) {
    Collection c = load(beir, variant);
    std::unique_ptr<Ranker> ranker;
    if (engine == "paperboy") {
        ranker = std::make_unique<PaperboyRanker>(c.docs);
    } else if (engine == "xapian") {
        ranker = std::make_unique<XapianRanker>(c.docs);
    } else {
        throw std::runtime_error("unknown engine \"" + engine + "\" (paperboy, xapian)");
    }
    app::Runs runs;
    for (const ingest::TestQuery& q : c.queries) {
        if (c.qrels.count(q.id) == 0) continue;
        std::vector<std::string> ranked = ranker->rank(q.text, 101);
        auto excluded = c.exclude.find(q.id);
        if (excluded != c.exclude.end()) std::erase(ranked, excluded->second);
        if (ranked.size() > 100) ranked.resize(100);
        runs[q.id] = std::move(ranked);
    }
    if (!run_path.empty()) {
        std::FILE* out = std::fopen(run_path.c_str(), "w");
        if (out == nullptr) throw std::runtime_error("cannot write " + run_path);
        for (const auto& [qid, ranked] : runs) {
            for (size_t i = 0; i < ranked.size(); ++i) {
                std::fprintf(out, "%s Q0 %s %zu %zu %s\n", qid.c_str(), ranked[i].c_str(), i + 1,
                             ranked.size() - i, engine.c_str());
            }
        }
        std::fclose(out);
    }
    const app::EvalSummary s = app::summarize(runs, c.qrels);
    std::printf("%s\t%s\t%zu\t%.4f\t%.4f\n", variant.c_str(), engine.c_str(), s.queries,
                s.ndcg_at_10, s.recall_at_100);
    return 0;
}

}  // namespace
}  // namespace paperboy::bench

int main(int argc, char** argv) {
    CLI::App app{"Paperboy's lexical ranking and Xapian BM25 on variants of a BEIR collection"};
    std::string beir;
    std::string variant = "full";
    std::string engine = "paperboy";
    app.add_option("--beir", beir, "BEIR directory: corpus.jsonl.gz, queries.jsonl, qrels/")
        ->required()
        ->check(CLI::ExistingDirectory);
    app.add_option("--variant", variant,
                   "full, no-title, no-title-ingest, title-only, "
                   "half-abstracts, half-titles, long-query, "
                   "abstract-to-title, sibling");
    app.add_option("--engine", engine, "paperboy or xapian");
    std::string run_path;
    app.add_option("--run", run_path, "Also write the run as a TREC file (score: reverse rank)");
    CLI11_PARSE(app, argc, argv);
    try {
        return paperboy::bench::run(beir, variant, engine, run_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lexical_eval: %s\n", e.what());
        return 1;
    }
}
