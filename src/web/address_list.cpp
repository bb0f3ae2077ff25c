#include "web/address_list.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace paperboy::web {
namespace {

using Bytes = std::array<uint8_t, 16>;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped into IPv6), and whether it was IPv4.
struct Parsed {
    Bytes bytes{};
    bool v4 = false;
};

std::optional<Parsed> parse_address(std::string_view text) {
    std::string s(text);
    // A link-local IPv6 address may name its interface ("fe80::1%eth0"); the zone is no part
    // of who the client is.
    if (const size_t zone = s.find('%'); zone != std::string::npos) s.resize(zone);
    Parsed out;
    in_addr v4{};
    if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out.bytes[10] = out.bytes[11] = 0xff;
        std::memcpy(&out.bytes[12], &v4, 4);
        out.v4 = true;
        return out;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(out.bytes.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

bool prefix_matches(const Bytes& a, const Bytes& b, int bits) {
    const size_t whole = static_cast<size_t>(bits / 8);
    if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
    const int rest = bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

Result<AddressList> AddressList::parse(std::string_view text) {
    AddressList list;
    if (trim(text) == "none") return list;
    while (!text.empty()) {
        const size_t comma = text.find(',');
        const std::string_view entry = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (entry.empty()) continue;
        const size_t slash = entry.find('/');
        const auto address = parse_address(entry.substr(0, slash));
        int bits = address && address->v4 ? 32 : 128;
        bool ok = address.has_value();
        if (ok && slash != std::string_view::npos) {
            const std::string_view digits = entry.substr(slash + 1);
            const int max = bits;
            auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
            ok = ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
                 bits >= 0 && bits <= max;
        }
        if (!ok) {
            return Error(ErrorCode::kInvalidArgument,
                         "\"" + std::string(entry) +
                             "\" is not an IP address or a CIDR range such as 10.0.0.0/8");
        }
        list.ranges_.push_back(Range{address->bytes, address->v4 ? bits + 96 : bits});
    }
    return list;
}

AddressList AddressList::loopback() {
    AddressList list;
    list.ranges_.push_back(Range{parse_address("127.0.0.0")->bytes, 96 + 8});
    list.ranges_.push_back(Range{parse_address("::1")->bytes, 128});
    return list;
}

bool AddressList::contains(std::string_view address) const {
    const auto parsed = parse_address(address);
    if (!parsed) return false;
    for (const Range& range : ranges_) {
        if (prefix_matches(parsed->bytes, range.bytes, range.prefix_bits)) return true;
    }
    return false;
}

}  // namespace paperboy::web
