// index/filters.h — which documents of a segment a search may return.
//
// A DocFilter combines, for one segment, the deletions, the date range (a check of the
// per-document day array), the bitmap filters and "must" clause matches (an include bitmap),
// and the "must not" matches (an exclude bitmap). Built per search and segment; read-only
// afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <roaring/roaring.hh>

#include "index/query.h"
#include "index/segment.h"

namespace paperboy::index {

struct DocFilter {
    const DeletedDocs* deleted = nullptr;
    const std::vector<int32_t>* days = nullptr;
    int32_t from_day = INT32_MIN;
    int32_t to_day = INT32_MAX;
    bool has_date_range = false;
    std::optional<Roaring> include;  // when set, only these documents
    std::optional<Roaring> exclude;

    bool accepts(uint32_t doc) const {
        if (deleted != nullptr && deleted->contains(doc)) return false;
        if (has_date_range) {
            const int32_t day = (*days)[doc];
            if (day < from_day || day > to_day) return false;
        }
        if (include && !include->contains(doc)) return false;
        if (exclude && exclude->contains(doc)) return false;
        return true;
    }

    // Narrows `include` to `docs`.
    void restrict_to(const Roaring& docs) {
        if (include) {
            *include &= docs;
        } else {
            include = docs;
        }
    }
};

// The filter of `filters` and `deleted` over `segment`, without clauses (the caller adds
// those with restrict_to and exclude).
DocFilter make_doc_filter(const Segment& segment, const DeletedDocs* deleted,
                          const Filters& filters);

}  // namespace paperboy::index
