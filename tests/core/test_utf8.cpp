#include <gtest/gtest.h>

#include "core/utf8.h"

namespace paperboy {
namespace {

TEST(Utf8, AcceptsValidAndRejectsInvalidSequences) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("Balázs, Größe, 数学, 𝔼"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("caf\xc3"));           // cut off
}

TEST(Utf8, FixReplacesOnlyTheBadBytes) {
    std::string s =
        "a\xff"
        "b\xc3\xa9"
        "c\xc3";
    fix_utf8(s);
    EXPECT_EQ(s,
              "a\xEF\xBF\xBD"
              "b\xc3\xa9"
              "c\xEF\xBF\xBD");
    std::string good = "Größe";
    fix_utf8(good);
    EXPECT_EQ(good, "Größe");
}

}  // namespace
}  // namespace paperboy
