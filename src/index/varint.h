// index/varint.h — LEB128 variable-length integers, the byte code of postings and positions.
//
// Seven bits per byte, low bits first, the high bit set on every byte but the last. Small
// numbers (doc id gaps, position gaps, term frequencies) take one byte. Header-only, no state.
#pragma once

#include <cstdint>
#include <vector>

namespace paperboy::index {

inline void put_varint(std::vector<uint8_t>& out, uint32_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<uint8_t>(value | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<uint8_t>(value));
}

// Decodes one varint at `p` and returns the byte after it. The caller guarantees a complete
// varint is there (postings are written by this module only).
inline const uint8_t* get_varint(const uint8_t* p, uint32_t& value) {
    uint32_t b = *p++;
    if (b < 0x80) {
        value = b;
        return p;
    }
    uint32_t result = b & 0x7F;
    int shift = 7;
    do {
        b = *p++;
        result |= (b & 0x7F) << shift;
        shift += 7;
    } while (b >= 0x80);
    value = result;
    return p;
}

// Skips `count` varints starting at `p`.
inline const uint8_t* skip_varints(const uint8_t* p, uint32_t count) {
    while (count > 0) {
        if (*p++ < 0x80) --count;
    }
    return p;
}

}  // namespace paperboy::index
