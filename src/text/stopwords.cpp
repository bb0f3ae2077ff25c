#include "text/stopwords.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace paperboy::text {
namespace {

constexpr std::string_view kStopwords[] = {
    // Lucene EnglishAnalyzer.ENGLISH_STOP_WORDS_SET.
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they",
    "this", "to", "was", "will", "with",
    // Frequent in abstracts, never content words on their own.
    "we", "our", "from", "which", "has", "have", "had", "been", "were", "being", "does", "did",
    "than", "its", "who", "whose", "would", "should", "could", "also", "both"};

constexpr size_t kMaxStopwordBytes = 6;

// A tiny open-addressing set built at compile time: a lookup is one hash of a word of at most
// kMaxStopwordBytes bytes and one or two string compares, with no start-up cost. The analyzer
// asks for every token, so this must not be a std::unordered_set with its allocation and
// pointer chasing.
constexpr size_t kSlots = 256;  // a power of two, load factor ~0.2

constexpr uint32_t hash_word(std::string_view word) {
    uint32_t h = 2166136261u;  // FNV-1a
    for (char c : word) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return h;
}

constexpr std::array<std::string_view, kSlots> build_table() {
    std::array<std::string_view, kSlots> table{};
    for (std::string_view word : kStopwords) {
        size_t slot = hash_word(word) & (kSlots - 1);
        while (!table[slot].empty()) slot = (slot + 1) & (kSlots - 1);
        table[slot] = word;
    }
    return table;
}

constexpr std::array<std::string_view, kSlots> kTable = build_table();

constexpr bool longest_word_fits() {
    for (std::string_view word : kStopwords) {
        if (word.size() > kMaxStopwordBytes) return false;
    }
    return true;
}
static_assert(longest_word_fits(), "kMaxStopwordBytes must bound every stopword");

}  // namespace

bool is_english_stopword(std::string_view folded_word) {
    if (folded_word.empty() || folded_word.size() > kMaxStopwordBytes) return false;
    for (size_t slot = hash_word(folded_word) & (kSlots - 1);; slot = (slot + 1) & (kSlots - 1)) {
        if (kTable[slot].empty()) return false;
        if (kTable[slot] == folded_word) return true;
    }
}

std::span<const std::string_view> english_stopwords() { return kStopwords; }

}  // namespace paperboy::text
