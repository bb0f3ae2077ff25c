// core/hash.h — a 64-bit hash that never changes: MurmurHash64A over the bytes, read as
// little-endian on every platform. For what is stored or compared across processes (content
// hashes of papers, ETags that every node and every build of a version must agree on), where
// std::hash (which may differ between standard libraries, builds and runs) cannot serve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace paperboy {

uint64_t stable_hash64(const void* data, size_t len, uint64_t seed);

inline uint64_t stable_hash64(std::string_view bytes, uint64_t seed = 0) {
    return stable_hash64(bytes.data(), bytes.size(), seed);
}

}  // namespace paperboy
