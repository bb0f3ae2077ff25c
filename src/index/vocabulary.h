// index/vocabulary.h — the surface words of the index (folded, unstemmed) with document
// frequencies, and the nearest-word search behind "did you mean".
//
// Candidates are bucketed by length; a query word is compared with the words of lengths within
// 2 of its own, first by a 64-bit letter-set signature (an edit changes at most two bits of it,
// so a Damerau-Levenshtein distance <= 2 means at most 4 differing bits), then by the bounded
// distance itself. Hapax words (df 1) join the candidates only while the vocabulary is small:
// a word seen once is more often a typo or a rare name than a useful replacement, and leaving
// the millions of them out keeps the scan within a few milliseconds at a million papers.
// Frequencies count every version ever indexed (removals do not decrement them).
//
// Thread-safe: add() takes an exclusive lock for the batch's words; lookups share it.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment.h"
#include "index/string_table.h"

namespace paperboy::index {

class BinaryWriter;
class BinaryReader;

// Restricted Damerau-Levenshtein (optimal string alignment) distance of `a` and `b` over bytes,
// or max_distance + 1 when it exceeds max_distance.
int bounded_edit_distance(std::string_view a, std::string_view b, int max_distance);

class Vocabulary {
  public:
    // Adds a batch's word counts.
    void add(const WordCounts& counts);

    // The document frequency of `word` (0 when absent).
    uint32_t df(std::string_view word) const;

    struct Neighbour {
        std::string word;
        uint32_t df = 0;
        int distance = 0;
    };
    // The best word within distance 2 of `word` (other than itself) whose df is at least
    // `min_df`: the smallest distance, then the highest df.
    std::optional<Neighbour> nearest(std::string_view word, uint32_t min_df) const;

    size_t memory_bytes() const;

    // Snapshot files (index_file.cpp): every word with its df and whether it is a candidate,
    // so that a loaded vocabulary suggests exactly what the saved one did.
    void save(BinaryWriter& out) const;
    bool load(BinaryReader& in);
    void clear();

  private:
    void add_candidate(uint32_t id);

    mutable std::shared_mutex mutex_;
    StringTable words_;
    std::vector<uint32_t> df_;
    std::vector<bool> is_candidate_;
    // The candidates of one length. A query word in common use asks for a neighbour many times
    // more frequent still; those are few, so they are also kept apart (`frequent_*`, the words
    // with df >= kFrequentDf) and such a search scans only them.
    struct Bucket {
        std::vector<uint64_t> signatures;
        std::vector<uint32_t> ids;
        std::vector<uint64_t> frequent_signatures;
        std::vector<uint32_t> frequent_ids;
        uint32_t max_df = 0;  // of its words: a bucket below the asked minimum is skipped
    };
    static constexpr uint32_t kFrequentDf = 64;
    void note_df(uint32_t id, uint32_t old_df);
    std::vector<Bucket> by_length_;
};

}  // namespace paperboy::index
