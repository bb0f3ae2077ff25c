// web/http/listen_address.h — the address a server is told to listen on.
//
// A pure function over the standard library, for command-line flags and configuration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace paperboy::web::http {

// Splits a listen address into host and port:
//   "127.0.0.1:8080", "localhost:8080", "[::1]:8080" (host "::1"),
//   ":8080" and "8080" (host "0.0.0.0": every IPv4 interface).
// Port 0 asks the system for a free port. Anything else (a missing or non-numeric port, a port
// above 65535, an IPv6 address without brackets, characters no host name has) is a
// kInvalidArgument error naming the input.
Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text);

}  // namespace paperboy::web::http
