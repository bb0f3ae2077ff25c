// The Xapian peer: a glass database on disk, BM25 with Xapian's default parameters, the English
// Snowball stemmer and stopword list, positions on.
//
// Configured as a careful user would for a fair race, not to lose it:
//   * One unprefixed text field: the title with a wdf increment of 2 (weighted twice, as in the
//     other engines), then the abstract and the authors, with a position gap between fields so
//     that no phrase spans two of them.
//   * STEM_ALL at index and query time, so that each word is indexed once, stemmed (STEM_SOME,
//     Omega's choice, indexes every word twice, stemmed and unstemmed; phrases then go to the
//     unstemmed terms). Paperboy also stems every word, phrases included.
//   * Stopwords are not indexed (STOP_ALL): Paperboy drops them too.
//   * Filters are boolean terms (XC<category>, XHcode) and a value slot with the day, combined
//     with OP_FILTER, which does not change the scores.
//   * DB_NO_SYNC (no fsync: Paperboy's index is in memory and never synced either) and a flush
//     threshold of kFlushDocs documents rather than the default 10,000: on 100,000 papers of
//     the synthetic corpus the build took 41 CPU seconds with 1,000, 68 with 10,000 and 134 with
//     100,000 (glass's in-memory change buffer grows costly faster than its B-trees do).
//   * After the build, the database is compacted (optimize(), timed apart) and searches use a
//     read-only Database on the compact copy, warm in the page cache.
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "search/engine.h"

// Xapian's headers are included as system headers (see CMakeLists.txt): they do not build
// cleanly with -Wold-style-cast and -Wshadow.
#include <xapian.h>

namespace paperboy::bench {
namespace {

constexpr Xapian::valueno kDaySlot = 0;
constexpr int kFlushDocs = 1000;

uint64_t directory_bytes(const std::filesystem::path& dir) {
    uint64_t total = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) total += entry.file_size();
    }
    return total;
}

class XapianEngine final : public Engine {
  public:
    explicit XapianEngine(const std::string& workdir)
        : dir_(std::filesystem::path(workdir) / "xapian-glass"),
          compact_dir_(std::filesystem::path(workdir) / "xapian-glass-compact") {
        for (const auto& word : english_stopwords()) stopper_.add(word);
    }

    ~XapianEngine() override {
        enquire_.reset();
        reader_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        std::filesystem::remove_all(compact_dir_, ec);
    }

    std::string name() const override { return "xapian"; }

    std::string describe() const override {
        return "Xapian " + std::string(Xapian::version_string()) +
               ", glass on disk (DB_NO_SYNC, flush every " + flush_docs() +
               " docs); TermGenerator Stem(english) STEM_ALL, Snowball stopwords STOP_ALL, "
               "positions on; title wdf x2 + abstract + authors; BM25Weight defaults (k1=1, "
               "k2=0, k3=1, b=0.5, min_normlen=0.5); QueryParser STEM_ALL, default op OR; "
               "filters: boolean terms and a value slot under OP_FILTER";
    }

    void build(const std::vector<BenchDoc>& docs) override {
        try {
            // Read by the glass backend when the database is opened; the caller's setting wins.
            setenv("XAPIAN_FLUSH_THRESHOLD", std::to_string(kFlushDocs).c_str(), 0);
            Xapian::WritableDatabase db(dir_.string(), Xapian::DB_CREATE_OR_OVERWRITE |
                                                           Xapian::DB_BACKEND_GLASS |
                                                           Xapian::DB_NO_SYNC);
            Xapian::TermGenerator generator;
            generator.set_stemmer(Xapian::Stem("english"));
            generator.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
            generator.set_stopper(&stopper_);
            generator.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
            for (const BenchDoc& d : docs) {
                Xapian::Document doc;
                generator.set_document(doc);
                generator.index_text(d.paper.title, 2);
                generator.increase_termpos();
                generator.index_text(d.paper.abstract);
                generator.increase_termpos();
                generator.index_text(d.authors);
                for (const auto& category : d.paper.categories) {
                    doc.add_boolean_term("XC" + lower(category));
                }
                if (d.has_code) doc.add_boolean_term("XHcode");
                doc.add_value(kDaySlot, Xapian::sortable_serialise(d.day));
                db.add_document(doc);  // docid = ordinal + 1
            }
            db.commit();
            db.close();
        } catch (const Xapian::Error& e) {
            throw std::runtime_error("xapian build: " + e.get_description());
        }
    }

    // xapian-compact, as Xapian's documentation recommends for a database that is built once
    // and then only read: full blocks, one pass per table. Queries then use the compact copy.
    void optimize() override {
        try {
            Xapian::Database(dir_.string())
                .compact(compact_dir_.string(), Xapian::DBCOMPACT_NO_RENUMBER |
                                                    Xapian::DBCOMPACT_MULTIPASS |
                                                    Xapian::Compactor::FULLER);
            std::filesystem::remove_all(dir_);
            reader_ = std::make_unique<Xapian::Database>(compact_dir_.string());
            enquire_ = std::make_unique<Xapian::Enquire>(*reader_);
            enquire_->set_weighting_scheme(Xapian::BM25Weight());
            parser_.set_stemmer(Xapian::Stem("english"));
            parser_.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
            parser_.set_stopper(&stopper_);
            parser_.set_default_op(Xapian::Query::OP_OR);
            parser_.set_database(*reader_);
        } catch (const Xapian::Error& e) {
            throw std::runtime_error("xapian compact: " + e.get_description());
        }
    }

    BuildInfo info() const override {
        return BuildInfo{directory_bytes(compact_dir_), "compacted glass directory on disk"};
    }

    void search(const BenchQuery& q, size_t k, std::vector<uint32_t>& out) override {
        out.clear();
        try {
            text_.clear();
            if (q.phrase) text_ += '"';
            for (size_t i = 0; i < q.words.size(); ++i) {
                if (i > 0) text_ += ' ';
                text_ += q.words[i];
            }
            if (q.phrase) text_ += '"';
            Xapian::Query query = parser_.parse_query(text_, Xapian::QueryParser::FLAG_DEFAULT);
            std::vector<Xapian::Query> filters;
            if (!q.category.empty()) filters.emplace_back("XC" + q.category);
            if (q.has_code) filters.emplace_back("XHcode");
            if (q.from_day) {
                filters.emplace_back(Xapian::Query::OP_VALUE_GE, kDaySlot,
                                     Xapian::sortable_serialise(*q.from_day));
            }
            if (!filters.empty()) {
                query = Xapian::Query(
                    Xapian::Query::OP_FILTER, query,
                    Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
            }
            enquire_->set_query(query);
            Xapian::MSet mset = enquire_->get_mset(0, static_cast<Xapian::doccount>(k));
            for (auto it = mset.begin(); it != mset.end(); ++it) out.push_back(*it - 1);
        } catch (const Xapian::Error& e) {
            throw std::runtime_error("xapian search \"" + q.text + "\": " + e.get_description());
        }
    }

  private:
    static std::string flush_docs() {
        const char* env = getenv("XAPIAN_FLUSH_THRESHOLD");
        return env != nullptr ? env : std::to_string(kFlushDocs);
    }

    static std::string lower(std::string s) {
        for (char& c : s) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        return s;
    }

    std::filesystem::path dir_;
    std::filesystem::path compact_dir_;
    Xapian::SimpleStopper stopper_;
    std::unique_ptr<Xapian::Database> reader_;
    std::unique_ptr<Xapian::Enquire> enquire_;
    Xapian::QueryParser parser_;
    std::string text_;
};

}  // namespace

std::unique_ptr<Engine> make_xapian_engine(const std::string& workdir) {
    return std::make_unique<XapianEngine>(workdir);
}

}  // namespace paperboy::bench
