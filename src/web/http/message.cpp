#include "web/http/message.h"

#include <algorithm>

namespace paperboy::web::http {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (equals_ignore_case(key, name)) return value;
    }
    return std::nullopt;
}

Response with_body(int status, std::string_view content_type, std::string body) {
    Response response;
    response.status = status;
    response.headers.emplace_back("Content-Type", content_type);
    response.body = std::move(body);
    return response;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
    return find_header(headers, name);
}

const std::string* Request::query_param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) return &value;
    }
    return nullptr;
}

void Response::set_header(std::string_view name, std::string value) {
    std::erase_if(headers,
                  [&](const auto& header) { return equals_ignore_case(header.first, name); });
    headers.emplace_back(name, std::move(value));
}

std::optional<std::string_view> Response::header(std::string_view name) const {
    return find_header(headers, name);
}

std::string_view Response::content_type() const { return header("Content-Type").value_or(""); }

Response Response::text(int status, std::string body) {
    return with_body(status, "text/plain; charset=utf-8", std::move(body));
}

Response Response::json(int status, std::string body) {
    return with_body(status, "application/json", std::move(body));
}

Response Response::html(int status, std::string body) {
    return with_body(status, "text/html; charset=utf-8", std::move(body));
}

Response Response::redirect(int status, std::string location) {
    Response response;
    response.status = status;
    response.headers.emplace_back("Location", std::move(location));
    return response;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b,
                              [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                c = static_cast<char>(high * 16 + low);
                i += 2;
            }
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') return std::nullopt;
        out += c;
    }
    return out;
}

bool decode_target(Request& request) {
    std::string_view target = request.target;
    if (target.empty() || target.front() != '/') return false;
    size_t question = target.find('?');
    auto path = percent_decode(target.substr(0, question), /*plus_is_space=*/false);
    if (!path) return false;
    request.path = std::move(*path);
    request.query.clear();
    if (question == std::string_view::npos) return true;

    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), /*plus_is_space=*/true);
        std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
        auto value = percent_decode(raw_value, /*plus_is_space=*/true);
        if (!key || !value) return false;
        request.query.emplace_back(std::move(*key), std::move(*value));
    }
    return true;
}

std::string forwarded_client(const Request& request) {
    const auto header = request.header("X-Forwarded-For");
    if (!header) return request.remote_address;
    std::string_view last = *header;
    if (const size_t comma = last.rfind(','); comma != std::string_view::npos) {
        last = last.substr(comma + 1);
    }
    while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
    while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
    const bool plausible =
        !last.empty() && last.size() <= 45 &&
        last.find_first_not_of("0123456789abcdefABCDEF.:") == std::string_view::npos;
    return plausible ? std::string(last) : request.remote_address;
}

}  // namespace paperboy::web::http
