// index/query.h — a parsed search query, and the parser of the query language.
//
// The language (what a user types in the search box or passes to `paperboy search`):
//   words          ranked OR of the analysed terms (the BM25 convention)
//   "a phrase"     the words adjacent and in order; a phrase must match
//   -word -"phr"   excluded: documents that match are dropped
//   title: author: abstract: cat: org:   field prefixes (title:transformer, author:vaswani,
//                  cat:cs.CL, org:meta; title:"attention is all")
//   after:2024-01-01 before:2024-12-31 year:2024   date filters on the publication date
//   has:code       only papers with a code link;   on:daily   only papers on a daily list
//   transfo*       prefix (search-as-you-type): any term starting so
// Broken input is parsed best-effort, never rejected for its syntax: an unbalanced quote closes
// at the end, an unknown prefix ("foo:bar") is two words, control characters and invalid UTF-8
// are dropped, only-stopword queries give an empty query.
//
// A query may be a pasted paragraph (an abstract, an argument: hundreds of words). A word typed
// several times is one clause whose `count` says how often (the query term frequency, which
// weights the term: bm25f.h), so repetition costs nothing and the clause limit counts distinct
// terms. Limits bound the work: at most kMaxQueryBytes of input, kMaxTermClauses distinct
// plain-word clauses (16 KiB of prose has far fewer) and kMaxClauses of every other kind
// (phrases, prefixes, exclusions) and per filter list; the rest is ignored and flagged. The
// index scores at most kMaxScoredTerms of the terms, those of highest weight (index.h).
// Depends on text/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/analyzer.h"

namespace paperboy::index {

enum class Field : uint8_t { kTitle = 0, kAbstract = 1, kAuthors = 2, kCategories = 3 };
constexpr int kNumFields = 4;

inline constexpr size_t kMaxQueryBytes = 16384;
inline constexpr size_t kMaxClauses = 64;
inline constexpr size_t kMaxTermClauses = 1024;
// The most terms one search scores: when a query has more (after prefix expansion), those of
// lowest weight (idf times the query term frequency factor, bm25f.h) are left out. They add the
// least to any score and have the longest posting lists; 256 is more than the distinct terms of
// a 300-word argument or abstract.
inline constexpr size_t kMaxScoredTerms = 256;

struct Clause {
    enum class Kind { kTerm, kPhrase, kPrefix };
    Kind kind = Kind::kTerm;
    // kTerm: one analysed term. kPhrase: the analysed terms in order, with their positions
    // relative to the first (stopwords leave gaps). kPrefix: the folded, unstemmed prefix.
    std::vector<std::string> terms;
    std::vector<uint32_t> positions;
    std::optional<Field> field;  // nullopt: every text field
    // How many times the clause occurs in the query (equal clauses are merged). For a scored
    // clause, its query term frequency.
    uint32_t count = 1;
};

struct Filters {
    std::optional<int32_t> from_day;         // days since 1970-01-01, inclusive
    std::optional<int32_t> to_day;           // inclusive
    std::vector<std::string> categories;     // any of these (lower-case, "cs.cl")
    std::vector<std::string> organizations;  // any of these (folded)
    bool has_code = false;
    bool on_daily_list = false;

    bool empty() const {
        return !from_day && !to_day && categories.empty() && organizations.empty() && !has_code &&
               !on_daily_list;
    }
};

struct Query {
    std::vector<Clause> should;    // scored, ranked OR
    std::vector<Clause> must;      // must match (phrases) and are scored too
    std::vector<Clause> must_not;  // excluded
    Filters filters;
    std::vector<std::string> words;  // the plain query words as typed (folded), for suggestions
    bool truncated = false;          // input or clauses beyond the limits were ignored

    bool empty() const { return should.empty() && must.empty() && filters.empty(); }
};

// Parses `text`; never fails (see above). Thread-safe.
Query parse_query(std::string_view text, const text::Analyzer& analyzer);

}  // namespace paperboy::index
