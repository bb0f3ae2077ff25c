#include "index/filters.h"

#include <algorithm>
#include <string>
#include <vector>

namespace paperboy::index {
namespace {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

// The union of the bitmaps of `names` in `bitmaps` (an empty bitmap when none exists).
Roaring any_of(const std::map<std::string, Roaring, std::less<>>& bitmaps,
               const std::vector<std::string>& names, bool lower) {
    Roaring result;
    for (const std::string& name : names) {
        auto it = bitmaps.find(lower ? ascii_lower(name) : name);
        if (it != bitmaps.end()) result |= it->second;
    }
    return result;
}

}  // namespace

DocFilter make_doc_filter(const Segment& segment, const DeletedDocs* deleted,
                          const Filters& filters) {
    DocFilter filter;
    filter.deleted = deleted;
    filter.days = &segment.days;
    if (filters.from_day || filters.to_day) {
        filter.has_date_range = true;
        filter.from_day = filters.from_day.value_or(INT32_MIN + 1);
        filter.to_day = filters.to_day.value_or(INT32_MAX);
    }
    if (!filters.categories.empty()) {
        filter.restrict_to(any_of(segment.categories, filters.categories, true));
    }
    if (!filters.organizations.empty()) {
        filter.restrict_to(any_of(segment.organizations, filters.organizations, false));
    }
    if (filters.has_code) filter.restrict_to(segment.has_code);
    if (filters.on_daily_list) filter.restrict_to(segment.on_daily_list);
    return filter;
}

}  // namespace paperboy::index
