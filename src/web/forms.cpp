#include "web/forms.h"

#include "core/utf8.h"

namespace paperboy::web {
namespace {

// A redirect target longer than this is not one of the site's own pages.
constexpr size_t kMaxNextBytes = 2048;

}  // namespace

// The fields of an application/x-www-form-urlencoded body, in order; nullopt when a name or
// value decodes to a NUL byte.
std::optional<Fields> parse_form(std::string_view body) {
    Fields fields;
    while (!body.empty()) {
        const size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        auto name = http::percent_decode(pair.substr(0, eq), /*plus_is_space=*/true);
        auto value = http::percent_decode(
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!name || !value) return std::nullopt;
        fields.emplace_back(std::move(*name), std::move(*value));
    }
    return fields;
}

// The first value of field `name`, "" when there is none.
const std::string& field(const Fields& fields, std::string_view name) {
    static const std::string kNone;
    for (const auto& [key, value] : fields) {
        if (key == name) return value;
    }
    return kNone;
}

// `next` when it is a path on this site, else "/". It must start with exactly one '/' ("//x"
// and "/\x" are other hosts to a browser) and hold printable ASCII without backslashes (which
// browsers may read as '/'): no scheme, no host, nothing that could split a header.
std::string safe_next(std::string_view next) {
    if (next.empty() || next.size() > kMaxNextBytes || next[0] != '/') return "/";
    if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
    for (char c : next) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '\\') return "/";
    }
    return std::string(next);
}

http::Response see_other(std::string location) {
    http::Response response = http::Response::redirect(303, std::move(location));
    response.set_header("Cache-Control", "no-store");
    return response;
}

// A form value shown back in the form: valid UTF-8 without control characters, at most
// `max_bytes` (cut at a character boundary). The template escapes it.
std::string echo(std::string_view value, size_t max_bytes) {
    std::string out;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) out += c;
    }
    fix_utf8(out);
    if (out.size() > max_bytes) {
        size_t end = max_bytes;
        while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
        out.resize(end);
    }
    return out;
}

// "A handle has 2 to 32 characters." from app::Accounts' "a handle has 2 to 32 characters".
std::string sentence(std::string text) {
    if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') {
        text[0] = static_cast<char>(text[0] - 'a' + 'A');
    }
    if (!text.empty() && text.back() != '.') text += '.';
    return text;
}

}  // namespace paperboy::web
