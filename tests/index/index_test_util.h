// Helpers for the index tests: documents and queries built directly (not via the parser).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "index/index.h"
#include "index/query.h"
#include "text/analyzer.h"

namespace paperboy::index::testing {

inline PaperId pid(std::string_view text) { return PaperId::parse(text).value(); }

inline IndexDoc make_doc(std::string_view id, std::string title, std::string abstract,
                         std::vector<std::string> authors = {},
                         std::vector<std::string> categories = {}) {
    IndexDoc doc;
    doc.id = pid(id);
    doc.title = std::move(title);
    doc.abstract = std::move(abstract);
    doc.authors = std::move(authors);
    doc.categories = std::move(categories);
    return doc;
}

inline Clause term_clause(std::string term, std::optional<Field> field = std::nullopt) {
    Clause clause;
    clause.kind = Clause::Kind::kTerm;
    clause.terms = {std::move(term)};
    clause.field = field;
    return clause;
}

// A phrase clause from text, with the analyzer's positions (stopwords leave gaps).
inline Clause phrase_clause(const text::Analyzer& analyzer, std::string_view text,
                            std::optional<Field> field = std::nullopt) {
    Clause clause;
    clause.kind = Clause::Kind::kPhrase;
    clause.field = field;
    std::vector<text::Token> tokens;
    analyzer.analyze(text, tokens);
    for (const text::Token& token : tokens) {
        if (token.is_compound_whole) continue;
        clause.terms.push_back(token.term);
        clause.positions.push_back(token.position - tokens.front().position);
    }
    return clause;
}

inline Clause prefix_clause(std::string prefix, std::optional<Field> field = std::nullopt) {
    Clause clause;
    clause.kind = Clause::Kind::kPrefix;
    clause.terms = {std::move(prefix)};
    clause.field = field;
    return clause;
}

// Ranked OR of the analysed words of `text`.
inline Query or_query(const text::Analyzer& analyzer, std::string_view text,
                      std::optional<Field> field = std::nullopt) {
    Query query;
    for (const std::string& term : analyzer.terms(text)) {
        query.should.push_back(term_clause(term, field));
    }
    return query;
}

inline std::vector<std::string> hit_ids(const SearchResult& result) {
    std::vector<std::string> ids;
    for (const Hit& hit : result.hits) ids.push_back(hit.id.str());
    return ids;
}

}  // namespace paperboy::index::testing
