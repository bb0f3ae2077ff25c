// text/analyzer.h — the one analyzer for documents and queries.
//
// Text becomes index terms in four steps: Unicode normalisation (NFKC) and case folding
// (utf8proc), tokenisation that keeps scientific tokens findable both whole and in parts,
// English stopword removal, and Snowball (Porter2) stemming (libstemmer). Documents and queries
// go through the same code, so whatever a document's text produces, a query for the same text
// produces too.
//
// Compound tokens: "GPT-4" yields the whole "gpt4" and the parts "gpt", "4"; "Llama2" yields
// "llama2", "llama", "2"; "state-of-the-art" yields "stateoftheart" and "state", "art" (the
// stopword parts are dropped). The whole shares the position of the first part; the parts take
// consecutive positions, so phrase queries over parts ("gpt 4") match. Positions skip removed
// stopwords (a phrase "proof of concept" still needs the words at distance 2).
//
// Pure functions over an immutable Analyzer; one Analyzer may be shared by any number of
// threads. Depends on core/ (for UTF-8 helpers), utf8proc and libstemmer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace paperboy::text {

struct Token {
    std::string term;   // the index term: normalised, folded, stemmed ("transform", "gpt4")
    uint32_t position;  // word position in the analysed text (0-based)
    uint32_t begin;     // byte offsets of the source text the term came from, for highlighting
    uint32_t end;
    bool is_compound_whole = false;  // "gpt4" of "GPT-4" (its parts follow with their own terms)
};

struct AnalyzerOptions {
    bool stem = true;              // false for author names
    bool remove_stopwords = true;  // false for author names
};

class Analyzer {
  public:
    explicit Analyzer(AnalyzerOptions options = {});
    ~Analyzer();
    Analyzer(const Analyzer&) = delete;
    Analyzer& operator=(const Analyzer&) = delete;

    // Appends the tokens of `text` to `out`. Positions start at `first_position`. Invalid UTF-8
    // is replaced, not rejected; text of any size is accepted (callers bound their inputs).
    // Thread-safe.
    void analyze(std::string_view text, std::vector<Token>& out, uint32_t first_position = 0) const;

    // As analyze(), but a word is stemmed only when `stem_if(folded word)` says so; the others
    // keep their folded form as their term. For snippets, which only need to know which words
    // are query terms: a stem keeps its word's first two letters (but for "lying" -> "lie" and
    // the like; words of up to two letters are their own stems), so other words can skip it.
    void analyze(std::string_view text, std::vector<Token>& out, uint32_t first_position,
                 const std::function<bool(std::string_view)>& stem_if) const;

    // The terms of `text` only (convenience for queries and tests).
    std::vector<std::string> terms(std::string_view text) const;

    // Normalises and folds `text` without tokenising or stemming: for prefix queries
    // ("transfo*" must match the stems of "transformer") and for exact keyword fields.
    std::string fold(std::string_view text) const;

    // The stem of one already folded word (for prefix and suggestion logic). As in analyze(),
    // only words of ASCII letters are stemmed, and none when options.stem is false.
    std::string stem(std::string_view folded_word) const;

    // Whether the folded, unstemmed word is on the English stopword list (text/stopwords.h),
    // whatever options.remove_stopwords says.
    bool is_stopword(std::string_view folded_word) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace paperboy::text
