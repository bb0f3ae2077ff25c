// web/address_list.h — a list of IP addresses and CIDR ranges ("127.0.0.0/8,::1") and whether a
// client's address is on it: who may read /metrics (SiteOptions::metrics_allow).
//
// IPv4 addresses are held as IPv4-mapped IPv6 ones (::ffff:a.b.c.d), so "127.0.0.1" and the
// "::ffff:127.0.0.1" a dual-stack socket reports are the same client. Immutable once made, so
// thread-safe. Depends on core/result.h and POSIX inet_pton().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace paperboy::web {

class AddressList {
  public:
    // The empty list: no address is on it.
    AddressList() = default;

    // Entries separated by commas, blanks around them ignored: an address ("10.0.0.5", "::1")
    // or a range in CIDR notation ("10.0.0.0/8", "fd00::/8"; host bits are ignored). "none" (or
    // nothing at all) is the empty list. A malformed entry is a kInvalidArgument error that
    // quotes it.
    static Result<AddressList> parse(std::string_view text);

    // 127.0.0.0/8 and ::1: the machine itself.
    static AddressList loopback();

    // Whether `address` (as Request::remote_address spells it, an IPv6 zone such as "%eth0"
    // allowed) is on the list; false for anything that is not an IP address.
    bool contains(std::string_view address) const;

    bool empty() const { return ranges_.empty(); }

  private:
    struct Range {
        std::array<uint8_t, 16> bytes;
        int prefix_bits;  // 0..128
    };
    std::vector<Range> ranges_;
};

}  // namespace paperboy::web
