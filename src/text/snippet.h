// text/snippet.h — the passage of an abstract shown on a result card.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/analyzer.h"

namespace paperboy::text {

struct SnippetOptions {
    size_t max_bytes = 300;            // of source text in the passage (before markup)
    std::string_view open = "<mark>";  // markup around each highlighted span
    std::string_view close = "</mark>";
};

// The best passage of `text` for a query whose analysed terms are `query_terms`: the window of
// whole chunks (runs between spaces, punctuation included) with the most distinct query terms
// (then the most occurrences, then the earliest), moved so that some context precedes the first
// match, with "…" where it was cut. Returned HTML-safe: the source text is escaped (&, <, >, ", ')
// and only the highlight markup is raw. Without matches, the start of the text. Thread-safe.
std::string make_snippet(const Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& query_terms,
                         const SnippetOptions& options = {});

// A token of a text as a snippet sees it: where it is, and which query term it is.
struct TermSpan {
    uint32_t begin;  // byte offsets in the text
    uint32_t end;
    int term;  // index among the distinct query terms (in order of first appearance), or -1
    bool is_compound_whole;
};

// The tokens of the chunks of `text` (runs between ASCII spaces) that may hold a query term,
// as Analyzer::analyze() finds them (same order, same offsets), each with the query term it is.
// Every token that is a query term is among them. Whether a chunk may hold one is decided from
// its bytes alone, so most of an abstract is never analysed: see text/chunk_scan.h.
// Thread-safe.
std::vector<TermSpan> find_query_terms(const Analyzer& analyzer, std::string_view text,
                                       const std::vector<std::string>& query_terms);

// False when the folded word `word` certainly does not stem to `stem`: a stem keeps its word's
// first two letters, but for a 'y' second letter turned 'i' ("lying" -> "lie"), and words of up
// to two letters are their own stems. Lets snippets skip the stemmer for most words.
bool may_stem_to(std::string_view word, std::string_view stem);

}  // namespace paperboy::text
