// text/stopwords.h — the English stopword list of the analyzer.
//
// Lucene's English list (33 words: articles, conjunctions, the commonest prepositions and
// auxiliaries) plus 21 function words that dominate arXiv abstracts ("we", "our", "which",
// "has", "been", ...). Deliberately small: words such as "few", "over", "out", "all", "more" or
// "not" carry meaning in scientific compounds ("few-shot", "over-smoothing",
// "out-of-distribution") and stay searchable. Pure functions over constant data; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace paperboy::text {

// Whether `folded_word` (already case- and accent-folded, unstemmed) is on the list.
bool is_english_stopword(std::string_view folded_word);

// The whole list, for documentation and tests.
std::span<const std::string_view> english_stopwords();

}  // namespace paperboy::text
