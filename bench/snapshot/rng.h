// bench/snapshot/rng.h — the generator's random numbers: xoshiro256** seeded by splitmix64.
//
// Hand-rolled rather than <random> distributions, whose output differs between standard
// libraries: the same --seed must give the same snapshot everywhere. Not thread-safe; one Rng
// per thread.
#pragma once

#include <cstdint>

namespace paperboy::bench {

// One step of splitmix64: also a good 64-bit mixing function for hashing small integers.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

class Rng {
  public:
    explicit Rng(uint64_t seed) {
        for (auto& word : s_) word = splitmix64(seed);
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, n) for n < 2^32 (Lemire's multiply-shift; the bias is below 2^-32).
    uint32_t below(uint32_t n) {
        return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
    }

    // Uniform in [lo, hi].
    int between(int lo, int hi) {
        return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1)));
    }

    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    bool chance(double p) { return uniform() < p; }

  private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    uint64_t s_[4];
};

}  // namespace paperboy::bench
