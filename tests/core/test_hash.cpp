// stable_hash64 must give the same value on every build and machine: stored content hashes and
// ETags that several nodes compare depend on it. The expected values come from an independent
// implementation of MurmurHash64A (a few lines of Python, integers mod 2^64).
#include <gtest/gtest.h>

#include <string>

#include "core/hash.h"

namespace paperboy {
namespace {

TEST(StableHash, MatchesMurmurHash64A) {
    EXPECT_EQ(stable_hash64(""), 0x0ULL);
    EXPECT_EQ(stable_hash64("a"), 0x071717d2d36b6b11ULL);
    EXPECT_EQ(stable_hash64("paperboy"), 0x89ce24eb0a236081ULL);  // one whole 8-byte block
    EXPECT_EQ(stable_hash64("Attention Is All You Need"), 0x790cc14238f17a49ULL);
    EXPECT_EQ(stable_hash64("hello world", 0x7061706572626f79ULL), 0xb41564a439c3f3f4ULL);
}

TEST(StableHash, EveryByteCounts) {
    std::string text(1000, 'x');
    const uint64_t h = stable_hash64(text);
    for (size_t i : {size_t{0}, size_t{7}, size_t{8}, size_t{500}, size_t{999}}) {
        std::string changed = text;
        changed[i] = 'y';
        EXPECT_NE(stable_hash64(changed), h) << i;
    }
    EXPECT_NE(stable_hash64(text.substr(0, 999)), h);
}

}  // namespace
}  // namespace paperboy
