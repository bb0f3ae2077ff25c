#include "web/http/listen_address.h"

#include <algorithm>
#include <charconv>

namespace paperboy::web::http {
namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A host name or IPv4 address: letters, digits, dots and hyphens.
bool is_plain_host(std::string_view host) {
    return std::ranges::all_of(host, [](char c) { return is_alnum(c) || c == '.' || c == '-'; });
}

// What may stand between the brackets: hex digits, colons, dots (an embedded IPv4 address) and
// a "%zone" suffix.
bool is_ipv6_host(std::string_view host) {
    return std::ranges::all_of(host, [](char c) {
        return is_alnum(c) || c == ':' || c == '.' || c == '%' || c == '-' || c == '_';
    });
}

}  // namespace

Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text) {
    auto invalid = [&](std::string_view why) {
        return Error(ErrorCode::kInvalidArgument,
                     "invalid listen address \"" + std::string(text) + "\": " + std::string(why));
    };
    std::string host = "0.0.0.0";
    std::string_view port_text = text;
    if (text.starts_with('[')) {
        size_t close = text.find(']');
        if (close == std::string_view::npos) return invalid("missing ']' after the IPv6 address");
        std::string_view inside = text.substr(1, close - 1);
        if (inside.empty() || !is_ipv6_host(inside)) return invalid("bad IPv6 address");
        if (text.substr(close + 1, 1) != ":") return invalid("expected :PORT after ']'");
        host = inside;
        port_text = text.substr(close + 2);
    } else if (size_t colon = text.rfind(':'); colon != std::string_view::npos) {
        std::string_view name = text.substr(0, colon);
        if (name.find(':') != std::string_view::npos) {
            return invalid("an IPv6 address needs brackets, as in [::1]:8080");
        }
        if (!is_plain_host(name)) return invalid("bad host name");
        if (!name.empty()) host = name;
        port_text = text.substr(colon + 1);
    }
    if (port_text.empty()) return invalid("missing port (expected HOST:PORT, [IPV6]:PORT or PORT)");
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && port > 65535)) {
        return invalid("port must be between 0 and 65535");
    }
    if (ec != std::errc() || end != port_text.data() + port_text.size()) {
        return invalid("port must be a number (expected HOST:PORT, [IPV6]:PORT or PORT)");
    }
    return std::pair{host, static_cast<uint16_t>(port)};
}

}  // namespace paperboy::web::http
