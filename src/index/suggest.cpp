// "Did you mean": each typed word that is absent from the index, or much rarer than a word one
// or two edits away, is replaced by the nearest frequent word.
//
// The candidates are the surface words of titles and author names (vocabulary.h): a
// replacement is worth offering only if it names something papers are about or by, and
// leaving the abstracts' long tail out keeps indexing and the candidate scan cheap. Whether the
// typed word is itself in use is checked against the whole index (its stem in any field), so
// a correct word found only in abstracts is left alone.
#include "index/index.h"
#include "index/index_impl.h"
#include "index/vocabulary.h"

namespace paperboy::index {
namespace {

// A word in use is replaced only by a neighbour this many times more frequent.
constexpr uint64_t kRarerBy = 20;
// Shorter words have too many neighbours for a guess to be useful.
constexpr size_t kMinLength = 3;

// Documents whose any field has `term` (deleted versions included until merged).
uint64_t term_df(const Snapshot& snap, const std::string& term) {
    uint64_t df = 0;
    for (const SegmentWithDeletions& s : snap.segments) {
        if (auto id = s.segment->find_term(term)) df += s.segment->term_df[*id];
    }
    return df;
}

}  // namespace

std::vector<Suggestion> Index::suggest(const Query& query) const {
    const std::shared_ptr<const Snapshot> snap = impl_->load();
    const text::Analyzer& analyzer = impl_->analyzer;
    std::vector<Suggestion> out;
    for (const std::string& word : query.words) {
        if (word.size() < kMinLength) continue;
        const uint32_t surface_df = impl_->vocabulary.df(word);
        auto neighbour =
            impl_->vocabulary.nearest(word, surface_df == 0 ? 1 : surface_df * kRarerBy);
        if (!neighbour) continue;
        if (surface_df == 0) {
            // Not a title or author word. A different spelling of the same stem ("vaswany",
            // "vaswani") is a typo; otherwise compare the two words' use in the whole index.
            const std::string stem = analyzer.stem(word);
            const std::string neighbour_stem = analyzer.stem(neighbour->word);
            if (stem != neighbour_stem) {
                const uint64_t df = term_df(*snap, stem);
                if (df > 0 && term_df(*snap, neighbour_stem) < df * kRarerBy) continue;
            }
        }
        out.push_back({word, std::move(neighbour->word)});
    }
    return out;
}

}  // namespace paperboy::index
