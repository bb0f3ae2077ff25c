// core/client_address.h — which client an address counts as, for per-client limits.
//
// One host on IPv6 usually holds a whole /64, so limits that count clients (connections per
// client in the HTTP server, log-in and sign-up throttles in app/) count an IPv6 address by its
// /64 and an IPv4-mapped one as its IPv4 address.
#pragma once

#include <string>
#include <string_view>

namespace paperboy {

// An IPv4 address as is ("192.0.2.7", also when IPv4-mapped: "::ffff:192.0.2.7"), an IPv6
// address as its /64 ("2001:db8:1:2::/64"), any other text as it is.
std::string client_group(std::string_view address);

}  // namespace paperboy
