#include "web/http/framing.h"

#include <cstddef>
#include <vector>

namespace paperboy::web::http {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// host [":" port] (RFC 9110 §7.2), loosely: the characters of a reg-name, an IPv4 address or an
// IP literal and a port; empty is allowed (a target without authority). What matters is that
// nothing that could end or extend a URL (space, '/', '?', '#', '@', '\', controls) gets in.
bool is_plausible_host(std::string_view host) {
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("-._~!$&'()*+,;=%:[]").find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::optional<HeadRefusal> check_request_head(int version, const HeaderList& headers) {
    size_t hosts = 0;
    size_t origins = 0;
    size_t content_lengths = 0;
    bool content_length_list = false;
    bool has_transfer_encoding = false;
    std::vector<std::string_view> codings;  // of every Transfer-Encoding line, in order
    for (const auto& [name, value] : headers) {
        if (equals_ignore_case(name, "Host")) {
            ++hosts;
            if (!is_plausible_host(value)) return HeadRefusal{400, "Bad Request: invalid Host"};
        } else if (equals_ignore_case(name, "Origin")) {
            ++origins;
        } else if (equals_ignore_case(name, "Content-Length")) {
            ++content_lengths;
            content_length_list = content_length_list || value.find(',') != std::string::npos;
        } else if (equals_ignore_case(name, "Transfer-Encoding")) {
            has_transfer_encoding = true;
            std::string_view rest = value;
            while (!rest.empty()) {
                size_t comma = rest.find(',');
                std::string_view coding = trim_ows(rest.substr(0, comma));
                rest =
                    comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
                if (!coding.empty()) codings.push_back(coding);
            }
        }
    }
    if (hosts > 1) return HeadRefusal{400, "Bad Request: more than one Host header"};
    if (hosts == 0 && version >= 11) return HeadRefusal{400, "Bad Request: no Host header"};
    // The first would win here and maybe the last in the application or a proxy: a cross-site
    // request could then pass a same-origin check.
    if (origins > 1) return HeadRefusal{400, "Bad Request: more than one Origin header"};
    if (content_lengths > 1 || content_length_list) {
        return HeadRefusal{400, "Bad Request: more than one Content-Length"};
    }
    if (!has_transfer_encoding) return std::nullopt;
    // A proxy may have framed the body by either; whichever this server chose, the rest could
    // be read as another request (RFC 9112 §6.3, points 3 and 4).
    if (content_lengths > 0) {
        return HeadRefusal{400, "Bad Request: both Transfer-Encoding and Content-Length"};
    }
    if (version < 11) return HeadRefusal{400, "Bad Request: Transfer-Encoding in HTTP/1.0"};
    if (codings.empty() || !equals_ignore_case(codings.back(), "chunked")) {
        return HeadRefusal{400, "Bad Request: chunked is not the final transfer coding"};
    }
    codings.pop_back();
    for (std::string_view coding : codings) {
        if (equals_ignore_case(coding, "chunked")) {
            return HeadRefusal{400, "Bad Request: chunked more than once"};
        }
    }
    // gzip, deflate, compress or an unknown coding under the chunks: not decoded here.
    if (!codings.empty()) return HeadRefusal{501, "Not Implemented: transfer coding"};
    return std::nullopt;
}

bool FoldScanner::feed(std::string_view bytes) {
    for (char c : bytes) {
        if (done_ || folded_) break;
        if (line_start_) {
            line_start_ = false;
            line_has_text_ = false;
            // Before the request line, whitespace is the parser's to refuse (as a bad method).
            if (is_ows(c) && seen_line_) folded_ = true;
        }
        if (c == '\n') {
            if (line_has_text_) {
                seen_line_ = true;
            } else if (seen_line_) {
                done_ = true;  // the empty line after the fields
            }
            line_start_ = true;
        } else if (c != '\r') {
            line_has_text_ = true;
        }
    }
    return folded_;
}

}  // namespace paperboy::web::http
