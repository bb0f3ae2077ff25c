// client_group(): the client an address counts as, for the server's per-client connection cap
// and the log-in and sign-up throttles.
#include <gtest/gtest.h>

#include "core/client_address.h"

namespace paperboy {
namespace {

TEST(ClientGroup, CountsIpv6ClientsByTheirSlash64) {
    EXPECT_EQ(client_group("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(client_group("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(client_group("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("2001:db8:1:2::9"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("2001:DB8:1:2::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("::1"), "::/64");
    EXPECT_EQ(client_group(""), "");
    EXPECT_EQ(client_group("not an address"), "not an address");
    EXPECT_EQ(client_group("not:an address"), "not:an address");
}

}  // namespace
}  // namespace paperboy
