#include "mail/address.h"

#include <string>

namespace paperboy::mail {
namespace {

constexpr size_t kMaxLocalPartBytes = 64;
constexpr size_t kMaxLabelBytes = 63;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 5322 atext: what a dot-atom is made of, besides the dots.
bool is_atext(char c) {
    static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
    return is_alpha(c) || is_digit(c) || kSpecials.find(c) != std::string_view::npos;
}

Error invalid(std::string message) {
    return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// How a character the address may not hold reads in a message: quoted when printable, else
// by name, so that a message never carries control characters.
std::string describe(char c) {
    if (c > ' ' && c < 0x7f) return std::string("'") + c + "'";
    if (c == ' ' || c == '\t') return "white space";
    return "a control character";
}

Status check_local_part(std::string_view local) {
    if (local.empty()) return invalid("the part before '@' is empty");
    if (local.size() > kMaxLocalPartBytes) {
        return invalid("the part before '@' is longer than 64 bytes");
    }
    if (local.front() == '"') return invalid("quoted local parts (\"...\"@) are not accepted");
    if (local.front() == '.' || local.back() == '.') {
        return invalid("the part before '@' starts or ends with a dot");
    }
    if (local.find("..") != std::string_view::npos) {
        return invalid("the part before '@' has two dots in a row");
    }
    for (char c : local) {
        if (c != '.' && !is_atext(c)) {
            return invalid("the part before '@' contains " + describe(c) +
                           ", which is not allowed");
        }
    }
    return Status::ok_status();
}

Status check_domain(std::string_view domain) {
    if (domain.empty()) return invalid("the domain after '@' is empty");
    if (domain.front() == '[') return invalid("address literals like [192.0.2.1] are not accepted");
    if (domain.find('.') == std::string_view::npos) {
        return invalid("the domain needs at least two labels, like example.org");
    }
    std::string_view last_label;
    size_t start = 0;
    while (start <= domain.size()) {
        size_t end = domain.find('.', start);
        if (end == std::string_view::npos) end = domain.size();
        std::string_view label = domain.substr(start, end - start);
        if (label.empty())
            return invalid("the domain has an empty label (a dot at an end or two dots)");
        if (label.size() > kMaxLabelBytes) {
            return invalid("a label of the domain is longer than 63 bytes");
        }
        for (char c : label) {
            if (!is_alpha(c) && !is_digit(c) && c != '-') {
                return invalid("the domain contains " + describe(c) + ", which is not allowed");
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            return invalid("a label of the domain starts or ends with '-'");
        }
        last_label = label;
        start = end + 1;
    }
    bool all_digits = true;
    for (char c : last_label) all_digits = all_digits && is_digit(c);
    if (all_digits) {
        return invalid("the domain ends in a number (IP addresses are not accepted)");
    }
    return Status::ok_status();
}

}  // namespace

Result<std::string> normalize_address(std::string_view input) {
    while (!input.empty() && is_space(input.front())) input.remove_prefix(1);
    while (!input.empty() && is_space(input.back())) input.remove_suffix(1);
    if (input.empty()) return invalid("the address is empty");
    if (input.size() > kMaxAddressBytes) return invalid("the address is longer than 254 bytes");
    // Whole-address problems first, so that the message names the real one ("contains white
    // space" rather than "the part before '@' contains white space").
    for (char c : input) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80) {
            return invalid(
                "the address contains non-ASCII characters (internationalized "
                "addresses are not accepted)");
        }
        if (byte < 0x20 || byte == 0x7f) return invalid("the address contains a control character");
        if (c == ' ' || c == '\t') return invalid("the address contains white space");
        if (c == '<' || c == '>') {
            return invalid(
                "the address contains '<' or '>'; give the address alone, without a name");
        }
    }
    const size_t at = input.rfind('@');
    if (at == std::string_view::npos) return invalid("the address has no '@'");
    const std::string_view local = input.substr(0, at);
    const std::string_view domain = input.substr(at + 1);
    if (local.find('@') != std::string_view::npos && local.front() != '"') {
        return invalid("the address has more than one '@'");
    }
    PAPERBOY_RETURN_IF_ERROR(check_local_part(local));
    PAPERBOY_RETURN_IF_ERROR(check_domain(domain));

    std::string out(input);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace paperboy::mail
