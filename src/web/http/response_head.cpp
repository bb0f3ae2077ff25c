#include "web/http/response_head.h"

#include "core/timestamp.h"

namespace paperboy::web::http {
namespace {

// RFC 9110 token characters: what a header name may be made of.
bool is_token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_server_framed(std::string_view name) {
    return equals_ignore_case(name, "Date") || equals_ignore_case(name, "Content-Length") ||
           equals_ignore_case(name, "Connection") || equals_ignore_case(name, "Transfer-Encoding");
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

}  // namespace

std::string_view response_defect(const Response& response) {
    if (response.status < 200 || response.status > 599) return "status outside 200..599";
    for (const auto& [name, value] : response.headers) {
        if (name.empty()) return "empty header name";
        for (char c : name) {
            if (!is_token_char(c)) return "header name with a character outside a token";
        }
        if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            return "header value with CR, LF or NUL";
        }
    }
    return "";
}

bool status_has_body(int status) { return status != 204 && status != 304; }

std::string response_head(const Response& response, std::string_view reason, int version,
                          bool keep_alive, std::string_view date) {
    std::string head = version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(response.status);
    head += ' ';
    head += reason;
    head += "\r\n";
    bool has_server = false;
    for (const auto& [name, value] : response.headers) {
        if (is_server_framed(name)) continue;
        has_server = has_server || equals_ignore_case(name, "Server");
        append_header(head, name, value);
    }
    if (!has_server) append_header(head, "Server", "paperboy");
    append_header(head, "Date", date);
    if (status_has_body(response.status)) {
        append_header(head, "Content-Length", std::to_string(response.body.size()));
    }
    // Each version's default needs no header; only a departure from it is announced.
    if (version == 10 && keep_alive) append_header(head, "Connection", "keep-alive");
    if (version != 10 && !keep_alive) append_header(head, "Connection", "close");
    head += "\r\n";
    return head;
}

std::string http_date(std::chrono::system_clock::time_point when) {
    return format_rfc1123(std::chrono::floor<std::chrono::seconds>(when), "GMT");
}

}  // namespace paperboy::web::http
