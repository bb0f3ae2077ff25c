// libFuzzer target for index::parse_query: any bytes must parse without a crash, a sanitizer
// report or a stall, and the result must keep the Query invariants the index relies on.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "index/query.h"
#include "text/analyzer.h"

namespace {

using paperboy::index::Clause;
using paperboy::index::Query;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "query_parser_fuzz: invariant violated: %s\n", what);
        std::abort();
    }
}

void check_clauses(const std::vector<Clause>& list) {
    for (const Clause& c : list) {
        check(!c.terms.empty(), "clause without terms");
        for (const std::string& term : c.terms) {
            check(!term.empty(), "empty term");
            check(paperboy::is_valid_utf8(term), "terms are valid UTF-8");
        }
        if (c.kind == Clause::Kind::kPhrase) {
            check(c.terms.size() >= 2 && c.terms.size() <= 16, "phrase of 2..16 terms");
            check(c.positions.size() == c.terms.size(), "one position per phrase term");
            check(c.positions[0] == 0, "phrase positions relative to the first");
            for (size_t i = 1; i < c.positions.size(); ++i) {
                check(c.positions[i - 1] < c.positions[i], "phrase positions ascending");
            }
        } else {
            check(c.terms.size() == 1, "term and prefix clauses hold one term");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const paperboy::text::Analyzer analyzer;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const Query q = paperboy::index::parse_query(text, analyzer);
    // Plain words: at most kMaxTermClauses distinct ones; phrases, prefixes and exclusions: at
    // most kMaxClauses.
    check(q.should.size() + q.must.size() + q.must_not.size() <=
              paperboy::index::kMaxTermClauses + paperboy::index::kMaxClauses,
          "at most kMaxTermClauses + kMaxClauses clauses");
    check(q.must.size() + q.must_not.size() <= paperboy::index::kMaxClauses,
          "at most kMaxClauses phrases and exclusions");
    check(q.truncated || size <= paperboy::index::kMaxQueryBytes, "long input flagged");
    check_clauses(q.should);
    check_clauses(q.must);
    check_clauses(q.must_not);
    check(q.words.size() <= paperboy::index::kMaxClauses, "words bounded");
    for (const auto& w : q.words) check(!w.empty() && paperboy::is_valid_utf8(w), "words valid");
    for (const auto& c : q.filters.categories) check(!c.empty(), "empty category");
    for (const auto& o : q.filters.organizations) check(!o.empty(), "empty organization");
    return 0;
}
