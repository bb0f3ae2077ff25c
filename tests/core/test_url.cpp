#include <gtest/gtest.h>

#include "core/url.h"

namespace paperboy {
namespace {

TEST(Url, EncodingKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(url_encode("6960524|1001"), "6960524%7C1001");
    EXPECT_EQ(url_encode("cat:cs.CL AND ti:\"x\""), "cat%3Acs.CL%20AND%20ti%3A%22x%22");
    EXPECT_EQ(url_encode("a-b_c.d~e"), "a-b_c.d~e");
    EXPECT_EQ(url_decode(url_encode("från|x y&z=1")), "från|x y&z=1");
    EXPECT_EQ(url_decode("a+b%2"), "a b%2");
}

}  // namespace
}  // namespace paperboy
