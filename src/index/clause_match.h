// index/clause_match.h — the documents of a segment that a "must" or "must not" clause matches.
//
// A phrase matches where its terms occur at the given relative positions within one field (the
// positions stored in the postings); a single term matches where it occurs in one of the
// clause's fields; an expanded prefix matches where any of its terms does. Pure functions over
// an immutable segment.
#pragma once

#include <cstdint>
#include <roaring/roaring.hh>
#include <string>
#include <vector>

#include "index/segment.h"

namespace paperboy::index {

struct MatchClause {
    enum class Kind { kPhrase, kAnyTerm };
    Kind kind = Kind::kPhrase;
    std::vector<std::string> terms;
    std::vector<uint32_t> offsets;  // kPhrase: each term's position relative to the first
    unsigned field_mask = 0xF;
};

Roaring matching_docs(const Segment& segment, const MatchClause& clause);

}  // namespace paperboy::index
