#include "web/http/gzip.h"

#include <zlib.h>

#include <array>
#include <cassert>
#include <charconv>
#include <climits>
#include <new>
#include <optional>

namespace paperboy::web::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool starts_with_ignore_case(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && equals_ignore_case(s.substr(0, prefix.size()), prefix);
}

// The q-value of one Accept-Encoding element's parameters ("q=0.5"), 1 when absent. A malformed
// q-value counts as 0: a coding the client may not want is never forced on it.
double quality(std::string_view params) {
    while (!params.empty()) {
        size_t semi = params.find(';');
        std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? "" : params.substr(semi + 1);
        if (param.size() < 2 || !starts_with_ignore_case(param, "q=")) continue;
        std::string_view number = param.substr(2);
        double q = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), q);
        if (ec != std::errc() || end != number.data() + number.size()) return 0;
        return q;
    }
    return 1;
}

// Whether a comma-separated header value lists `token` (case-insensitively).
bool lists_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        size_t comma = list.find(',');
        if (equals_ignore_case(trim(list.substr(0, comma)), token)) return true;
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
    }
    return false;
}

// Ends the deflate stream on every path out of gzip_compress.
struct DeflateGuard {
    z_stream* stream;
    ~DeflateGuard() { deflateEnd(stream); }
};

}  // namespace

std::string gzip_compress(std::string_view data, int level) {
    // Responses are built in memory and bounded far below zlib's 4 GiB single-call limit.
    assert(data.size() < UINT_MAX);
    z_stream stream{};
    // 16 + MAX_WBITS: a gzip header and trailer instead of the zlib ones.
    int rc = deflateInit2(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    assert(rc == Z_OK);
    DeflateGuard guard{&stream};

    std::string out(deflateBound(&stream, data.size()), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    // deflateBound leaves room for the whole stream, so one call finishes it.
    rc = deflate(&stream, Z_FINISH);
    assert(rc == Z_STREAM_END);
    out.resize(stream.total_out);
    return out;
}

bool accepts_gzip(std::string_view accept_encoding) {
    std::optional<double> gzip;
    std::optional<double> any;
    while (!accept_encoding.empty()) {
        size_t comma = accept_encoding.find(',');
        std::string_view element = accept_encoding.substr(0, comma);
        accept_encoding = comma == std::string_view::npos ? "" : accept_encoding.substr(comma + 1);
        size_t semi = element.find(';');
        std::string_view coding = trim(element.substr(0, semi));
        double q = semi == std::string_view::npos ? 1 : quality(element.substr(semi + 1));
        if (equals_ignore_case(coding, "gzip") || equals_ignore_case(coding, "x-gzip")) {
            gzip = q;
        } else if (coding == "*") {
            any = q;
        }
    }
    if (gzip) return *gzip > 0;
    return any && *any > 0;
}

bool is_compressible(std::string_view content_type) {
    std::string_view type = trim(content_type.substr(0, content_type.find(';')));
    static constexpr std::array<std::string_view, 6> kTypes = {
        "application/json",     "application/xml",        "application/rss+xml",
        "application/atom+xml", "application/javascript", "image/svg+xml"};
    if (starts_with_ignore_case(type, "text/")) return true;
    for (std::string_view known : kTypes) {
        if (equals_ignore_case(type, known)) return true;
    }
    return false;
}

void negotiate_gzip(const Request& request, Response& response) {
    if (!is_compressible(response.content_type()) || response.header("Content-Encoding")) return;
    // Caches must key this response on Accept-Encoding whether or not this copy is compressed.
    std::string vary(response.header("Vary").value_or(""));
    if (vary.empty()) {
        response.set_header("Vary", "Accept-Encoding");
    } else if (!lists_token(vary, "Accept-Encoding") && !lists_token(vary, "*")) {
        response.set_header("Vary", vary + ", Accept-Encoding");
    }
    if (response.body.size() < kMinGzipBytes ||
        !accepts_gzip(request.header("Accept-Encoding").value_or(""))) {
        return;
    }
    response.body = gzip_compress(response.body);
    response.set_header("Content-Encoding", "gzip");
}

}  // namespace paperboy::web::http
