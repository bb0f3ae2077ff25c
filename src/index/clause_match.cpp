#include "index/clause_match.h"

#include <algorithm>

namespace paperboy::index {
namespace {

bool in_fields(const uint32_t* tf, unsigned field_mask) {
    for (int f = 0; f < kNumFields; ++f) {
        if ((field_mask >> f & 1U) != 0 && tf[f] != 0) return true;
    }
    return false;
}

void add_term_docs(const Segment& segment, uint32_t term, unsigned field_mask,
                   std::vector<uint32_t>& out) {
    PostingCursor cursor = segment.cursor(term);
    for (; cursor.doc() != kNoMoreDocs; cursor.next()) {
        if (field_mask == 0xF || in_fields(cursor.tf(), field_mask)) out.push_back(cursor.doc());
    }
}

// True when the cursors' current document has the phrase in field `field`.
bool phrase_in_field(std::vector<PostingCursor>& cursors, const std::vector<uint32_t>& offsets,
                     int field, std::vector<std::vector<uint32_t>>& positions) {
    for (size_t i = 0; i < cursors.size(); ++i) {
        if (cursors[i].tf()[field] == 0) return false;
    }
    for (size_t i = 0; i < cursors.size(); ++i) {
        positions[i].clear();
        cursors[i].positions(field, positions[i]);
    }
    for (uint32_t start : positions[0]) {
        bool all = true;
        for (size_t i = 1; i < cursors.size() && all; ++i) {
            all = std::binary_search(positions[i].begin(), positions[i].end(),
                                     start + offsets[i] - offsets[0]);
        }
        if (all) return true;
    }
    return false;
}

}  // namespace

Roaring matching_docs(const Segment& segment, const MatchClause& clause) {
    std::vector<uint32_t> docs;
    if (clause.kind == MatchClause::Kind::kAnyTerm) {
        for (const std::string& term : clause.terms) {
            if (auto t = segment.find_term(term))
                add_term_docs(segment, *t, clause.field_mask, docs);
        }
        std::sort(docs.begin(), docs.end());
        docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
        return Roaring(docs.size(), docs.data());
    }
    if (clause.terms.empty()) return Roaring();
    std::vector<PostingCursor> cursors;
    for (const std::string& term : clause.terms) {
        auto t = segment.find_term(term);
        if (!t) return Roaring();
        cursors.push_back(segment.cursor(*t));
    }
    if (cursors.size() == 1) {
        add_term_docs(segment, *segment.find_term(clause.terms[0]), clause.field_mask, docs);
        return Roaring(docs.size(), docs.data());
    }
    std::vector<uint32_t> offsets = clause.offsets;
    if (offsets.size() != cursors.size()) {
        offsets.resize(cursors.size());
        for (size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<uint32_t>(i);
    }
    std::vector<std::vector<uint32_t>> positions(cursors.size());
    // Leapfrog intersection: seek every cursor to the largest current document.
    uint32_t target = 0;
    while (true) {
        bool aligned = true;
        for (PostingCursor& c : cursors) {
            c.seek(target);
            if (c.doc() == kNoMoreDocs) return Roaring(docs.size(), docs.data());
            if (c.doc() != target) {
                target = c.doc();
                aligned = false;
            }
        }
        if (!aligned) continue;
        for (int f = 0; f < kNumFields; ++f) {
            if ((clause.field_mask >> f & 1U) != 0 &&
                phrase_in_field(cursors, offsets, f, positions)) {
                docs.push_back(target);
                break;
            }
        }
        ++target;
    }
}

}  // namespace paperboy::index
