#include "core/hash.h"

#include <bit>
#include <cstring>

namespace paperboy {

// MurmurHash64A (Austin Appleby, public domain): eight bytes per step, and fixed: stored hashes
// and ETags must not change when the compiler or the machine does.
uint64_t stable_hash64(const void* data, size_t len, uint64_t seed) {
    constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
    constexpr int r = 47;
    uint64_t h = seed ^ (len * m);
    const auto* bytes = static_cast<const unsigned char*>(data);
    const unsigned char* end = bytes + (len / 8) * 8;
    for (const unsigned char* p = bytes; p != end; p += 8) {
        uint64_t k;
        std::memcpy(&k, p, sizeof k);
        if constexpr (std::endian::native == std::endian::big) k = __builtin_bswap64(k);
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    const size_t tail = len & 7;
    if (tail != 0) {
        for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(end[i]) << (8 * i);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

}  // namespace paperboy
