// bench/snapshot/record_writer.h — one synthetic arXiv record as a line of the Kaggle
// arxiv-metadata-oai-snapshot file: the 14 fields in the source's order, compact JSON, ASCII
// only (\uXXXX escapes), hard line breaks in titles, authors, comments and abstracts.
//
// Depends on snapshot/{model,names,text}.h. Not thread-safe: the rare-term process keeps state.
#pragma once

#include <cstdint>
#include <string>

#include "snapshot/model.h"
#include "snapshot/names.h"
#include "snapshot/rng.h"
#include "snapshot/text.h"

namespace paperboy::bench {

// Counters for the generator's summary line.
struct TextStats {
    int64_t abstract_words = 0;
    int64_t title_words = 0;
    int64_t authors = 0;
    int64_t with_code_url = 0;
};

class RecordWriter {
  public:
    // `model` must outlive the writer.
    RecordWriter(const Model& model, uint64_t seed);

    // Appends the record with new-style id YYMM.NNNNN (year 2007-2099, number < 100000)
    // followed by '\n'. Its first version is dated within that month.
    void append(std::string& out, int year, int month, int number);

    const TextStats& stats() const { return stats_; }
    uint32_t distinct_rare_terms() const { return rare_.distinct(); }

  private:
    struct Categories {
        std::string text;        // "cs.LG stat.ML"
        bool computing = false;  // primary in cs, eess or stat: more code links
    };

    void append_word(LineWrapper& line, std::string_view suffix, bool capitalize);
    void append_title(std::string& out);
    void append_abstract(std::string& out, bool computing);
    void append_code_sentence(LineWrapper& line);
    std::string code_url();
    void append_authors(std::string& out, std::string& parsed, std::string& submitter);
    Categories categories();
    void append_comments(std::string& out, int year, bool computing);
    void append_journal_ref(std::string& out, int year);
    void append_doi(std::string& out, int year);
    void append_report_no(std::string& out, int year);
    void append_versions(std::string& out, int64_t first_created, std::string& update_date);

    const Model& model_;
    Rng rng_;
    Vocabulary vocabulary_;
    RareTerms rare_;
    NameSampler names_;
    IntSampler title_words_;
    IntSampler abstract_words_;
    IntSampler sentence_words_;
    IntSampler categories_per_paper_;
    IntSampler versions_per_paper_;
    IntSampler authors_per_paper_;
    AliasTable category_table_;
    StringSampler licenses_;
    StringSampler journals_;
    TextStats stats_;
    std::string scratch_;
    uint32_t previous_word_ = 0;
};

}  // namespace paperboy::bench
