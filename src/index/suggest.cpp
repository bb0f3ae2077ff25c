// "Did you mean": a typed word is replaced by a close, frequent word only when the typed word is
// absent or nearly absent from the whole index and the corrected query finds more papers.
//
// Three tests, in order of cost:
//  1. The typed word must be (nearly) unknown: its stem occurs in at most
//     max(kRareMinDocs, N / kRareDocsPer) documents in any field (N: live documents; one in
//     100,000 and at least 1). A word that papers use, however much rarer than a neighbour
//     ("named" beside "based", "spleen" beside "spline"), is what the user meant; typos of
//     common words do occur in abstracts, but in a handful of papers, not in a fraction of them.
//  2. A neighbour within edit distance 2 among the surface words of titles and author names
//     (vocabulary.h), the nearest and then the most frequent, at least kRarerBy times more
//     frequent there than the typed word: a replacement is worth offering only if it names
//     something papers are about or by, and leaving the abstracts' long tail out keeps indexing
//     and the candidate scan cheap.
//  3. The replacement must find more papers than the typed word: more documents that have it
//     and satisfy the query's filters and required and excluded clauses (each counted exactly,
//     by an exhaustive search). A correction that finds no more is no help ("splene" in a
//     search restricted to papers about mice). The word's contribution is what is compared,
//     not the whole ranked OR, whose other words may already find the same papers: "sparse
//     transfomer" finds the sparse-transformer paper through "sparse", and "transformer" is
//     still the better query. The searches run only for words that passed 1 and 2, which
//     typed queries rarely have.
#include <algorithm>
#include <optional>

#include "index/index.h"
#include "index/index_impl.h"
#include "index/vocabulary.h"

namespace paperboy::index {
namespace {

// A word in use as a title or author word is replaced only by a neighbour this many times more
// frequent there.
constexpr uint64_t kRarerBy = 20;
// Shorter words have too many neighbours for a guess to be useful.
constexpr size_t kMinLength = 3;
// "Nearly absent" (test 1): at most max(kRareMinDocs, N / kRareDocsPer) documents.
constexpr uint64_t kRareMinDocs = 1;
constexpr uint64_t kRareDocsPer = 100000;

// Documents whose any field has `term` (deleted versions included until merged).
uint64_t term_df(const Snapshot& snap, const std::string& term) {
    uint64_t df = 0;
    for (const SegmentWithDeletions& s : snap.segments) {
        if (auto id = s.segment->find_term(term)) df += s.segment->term_df[*id];
    }
    return df;
}

// The documents that have `term` and satisfy the rest of `query` that constrains (filters,
// required and excluded clauses), counted exactly.
uint64_t documents_with(const Index& index, const Query& query, const std::string& term) {
    Query q;
    q.must = query.must;
    q.must.push_back(
        Clause{.kind = Clause::Kind::kTerm, .terms = {term}, .positions = {0}, .field = {}});
    q.must_not = query.must_not;
    q.filters = query.filters;
    SearchOptions options;
    options.limit = 1;
    options.exhaustive = true;  // an exact `matched`
    return index.search(q, options).matched;
}

}  // namespace

std::vector<Suggestion> Index::suggest(const Query& query) const {
    const std::shared_ptr<const Snapshot> snap = impl_->load();
    const text::Analyzer& analyzer = impl_->analyzer;
    const uint64_t rare_limit = std::max(kRareMinDocs, snap->live_docs / kRareDocsPer);
    std::vector<Suggestion> out;
    for (const std::string& word : query.words) {
        if (word.size() < kMinLength) continue;
        const std::string stem = analyzer.stem(word);
        const uint64_t df = term_df(*snap, stem);
        if (df > rare_limit) continue;
        const uint32_t surface_df = impl_->vocabulary.df(word);
        auto neighbour =
            impl_->vocabulary.nearest(word, surface_df == 0 ? 1 : surface_df * kRarerBy);
        if (!neighbour) continue;
        const std::string neighbour_stem = analyzer.stem(neighbour->word);
        if (neighbour_stem == stem) continue;  // the same term: the query would not change
        if (documents_with(*this, query, neighbour_stem) <= documents_with(*this, query, stem)) {
            continue;
        }
        out.push_back({word, std::move(neighbour->word)});
    }
    return out;
}

}  // namespace paperboy::index
