#include "web/auth.h"

namespace paperboy::web {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "scheme://host[:port]" of a URL, or "" when it has none.
std::string_view origin_of(std::string_view url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string_view::npos || scheme == 0) return {};
    const size_t path = url.find('/', scheme + 3);
    return url.substr(0, path);
}

}  // namespace

std::optional<std::string_view> cookie_value(const http::Request& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (!http::equals_ignore_case(key, "Cookie")) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const size_t semi = rest.find(';');
            const std::string_view pair = trim(rest.substr(0, semi));
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            const size_t eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            if (trim(pair.substr(0, eq)) == name) return trim(pair.substr(eq + 1));
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> bearer_token(const http::Request& request) {
    const auto header = request.header("Authorization");
    if (!header) return std::nullopt;
    const std::string_view value = trim(*header);
    if (value.size() < 7 || !http::equals_ignore_case(value.substr(0, 7), "Bearer ")) {
        return std::nullopt;
    }
    return trim(value.substr(7));
}

Result<Visitor> identify(const http::Request& request, app::Accounts& accounts) {
    Visitor visitor;
    if (const auto token = bearer_token(request)) {
        auto user = accounts.bearer_user(*token);
        if (!user.ok()) return user.error();
        visitor.user = std::move(*user);
        visitor.by_bearer = visitor.user.has_value();
        return visitor;
    }
    if (const auto token = cookie_value(request, kSessionCookie)) {
        auto user = accounts.session_user(*token);
        if (!user.ok()) return user.error();
        visitor.user = std::move(*user);
        if (visitor.user) visitor.session_token = std::string(*token);
    }
    return visitor;
}

bool from_this_site(const http::Request& request, std::string_view public_url) {
    std::optional<std::string_view> claimed = request.header("Origin");
    std::string_view origin;
    if (claimed) {
        origin = trim(*claimed);
    } else if (const auto referer = request.header("Referer")) {
        origin = origin_of(trim(*referer));
    }
    if (origin.empty() || origin == "null") return false;
    if (!public_url.empty()) return origin == origin_of(public_url);
    const auto host = request.header("Host");
    if (!host || host->empty()) return false;
    return origin == "http://" + std::string(*host) || origin == "https://" + std::string(*host);
}

}  // namespace paperboy::web
