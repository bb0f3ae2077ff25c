// text/chunk_scan.h — the byte scan under snippets: where a text's chunks (runs between ASCII
// spaces) are, and which bytes make a chunk worth giving to the analyzer. Internal to text/;
// a header so that tests can hold the SSE2 scan to the portable one.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace paperboy::text::detail {

// The first two letters or digits of a query term, lowercase. With `y_for_i` a second letter
// 'i' is also looked for as 'y': "happy" stems to "happi", "lying" to "lie".
struct TermPair {
    char first;
    char second;
    bool y_for_i;
};

// One bit per byte of the scanned text: bit b of word w is byte 64 * w + b.
struct ChunkMasks {
    std::vector<uint64_t> space;      // ASCII whitespace: the chunk boundaries
    std::vector<uint64_t> candidate;  // a byte that makes its chunk worth analysing
};

// Fills `out` for `text`. A byte is a candidate when it is not ASCII, or when the byte before it
// is a letter or digit that begins a part of a token (after anything but a letter or digit, or
// where letters turn to digits or back) and is some pair's first, and the byte itself is that
// pair's second or neither a letter, a digit nor a space (a token's next letter may come after
// punctuation: "e.g." is "eg"). Bytes are compared as byte | 0x20, which folds ASCII letters
// (and maps a few control bytes onto digits: more candidates than needed, never fewer). So a
// chunk without candidates has no token part that begins with a pair, and cannot hold a term
// that begins with one. Uses SSE2 where the target has it, else scan_chunk_masks_portable().
void scan_chunk_masks(std::string_view text, const std::vector<TermPair>& pairs, ChunkMasks& out);

// The same masks, byte by byte: the definition the SSE2 scan is tested against.
void scan_chunk_masks_portable(std::string_view text, const std::vector<TermPair>& pairs,
                               ChunkMasks& out);

}  // namespace paperboy::text::detail
