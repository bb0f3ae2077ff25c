#include "index/segment.h"

#include <algorithm>
#include <functional>

namespace paperboy::index {

namespace {

size_t term_hash(std::string_view term) { return std::hash<std::string_view>{}(term); }

}  // namespace

std::optional<uint32_t> Segment::find_term(std::string_view t) const {
    if (!term_slots.empty()) {
        const size_t mask = term_slots.size() - 1;
        for (size_t slot = term_hash(t) & mask;; slot = (slot + 1) & mask) {
            const uint32_t entry = term_slots[slot];
            if (entry == 0) return std::nullopt;
            if (term(entry - 1) == t) return entry - 1;
        }
    }
    uint32_t lo = 0;
    uint32_t hi = num_terms();
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        const int c = term(mid).compare(t);
        if (c == 0) return mid;
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return std::nullopt;
}

void Segment::index_terms() {
    // At most half full: probes stay short, and an absent term soon meets an empty slot.
    size_t size = 16;
    while (size < 2 * size_t{num_terms()}) size *= 2;
    term_slots.assign(size, 0);
    const size_t mask = size - 1;
    for (uint32_t id = 0; id < num_terms(); ++id) {
        size_t slot = term_hash(term(id)) & mask;
        while (term_slots[slot] != 0) slot = (slot + 1) & mask;
        term_slots[slot] = id + 1;
    }
}

std::pair<uint32_t, uint32_t> Segment::prefix_range(std::string_view prefix) const {
    uint32_t lo = 0;
    uint32_t hi = num_terms();
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (term(mid) < prefix) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    uint32_t end = lo;
    while (end < num_terms() && term(end).starts_with(prefix)) ++end;
    return {lo, end};
}

size_t Segment::memory_bytes() const {
    size_t bytes = sizeof(Segment) + postings.memory_bytes();
    bytes += ids.capacity() * sizeof(PaperId);
    for (const PaperId& id : ids) {
        // Ids longer than the small-string buffer live on the heap.
        if (id.str().size() >= sizeof(std::string)) bytes += id.str().capacity() + 1;
    }
    bytes += keys.capacity() * sizeof(uint32_t) + lens.capacity() * sizeof(uint16_t) +
             days.capacity() * sizeof(int32_t);
    bytes += has_code.getSizeInBytes() + on_daily_list.getSizeInBytes();
    for (const auto& [name, bitmap] : categories) bytes += name.size() + bitmap.getSizeInBytes();
    for (const auto& [name, bitmap] : organizations) bytes += name.size() + bitmap.getSizeInBytes();
    bytes += term_chars.capacity() + term_offsets.capacity() * sizeof(uint32_t) +
             term_df.capacity() * sizeof(uint32_t) +
             term_first_block.capacity() * sizeof(uint32_t) +
             term_slots.capacity() * sizeof(uint32_t);
    return bytes;
}

std::array<double, kNumFields> Segment::mean_lengths(
    const std::array<uint64_t, kNumFields>& sum_len, uint32_t num_docs) {
    std::array<double, kNumFields> mean{};
    for (int f = 0; f < kNumFields; ++f) {
        mean[f] = num_docs > 0 && sum_len[f] > 0
                      ? static_cast<double>(sum_len[f]) / static_cast<double>(num_docs)
                      : 1.0;
    }
    return mean;
}

void DeletedDocs::add(uint32_t doc, const uint16_t* doc_lens) {
    if (contains(doc)) return;
    if (doc / 64 >= bits.size()) bits.resize(doc / 64 + 1, 0);
    bits[doc / 64] |= uint64_t{1} << (doc % 64);
    ++count;
    for (int f = 0; f < kNumFields; ++f) sum_len[f] += doc_lens[f];
}

}  // namespace paperboy::index
