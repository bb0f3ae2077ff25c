// core/url.h — percent-encoding of URL query values, shared by the harvester (arXiv and OAI
// requests), the harvest job's saved cursors and the web app's links.
#pragma once

#include <string>
#include <string_view>

namespace paperboy {

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is safe as a query parameter value: "1403493|1001" -> "1403493%7C1001".
std::string url_encode(std::string_view text);

// Undoes url_encode() (and '+' as space, as form encoding writes it). Malformed escapes are
// kept as they are.
std::string url_decode(std::string_view text);

}  // namespace paperboy
