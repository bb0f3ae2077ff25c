// web/http/message.h — the request and response values handlers see.
//
// Plain C++ on purpose: routes and pages include this header, never Beast or Asio, so that the
// transport stays an implementation detail of http/server.cpp. HttpServer fills a Request from the
// wire (path and query already percent-decoded) and sends the Response the handler returns.
// Depends on the standard library only. Values; not synchronised.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paperboy::web::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method;  // as sent: "GET", "POST", ... (a HEAD request reaches handlers as "GET")
    std::string target;  // the raw request target: "/search?q=a%20b"
    std::string path;    // the target's path, percent-decoded: "/search"
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order; '+' is a space
    HeaderList headers;                                      // in the order received
    std::string body;
    std::string remote_address;  // the peer's IP address

    // The value of the first header called `name` (compared case-insensitively), or nullopt.
    std::optional<std::string_view> header(std::string_view name) const;
    // The value of the first query parameter called `name` (exact match), or nullptr.
    const std::string* query_param(std::string_view name) const;
};

// The server frames the message itself: it sets Date, Content-Length and Connection (dropping
// handlers' values, and any Transfer-Encoding), and Server unless the handler did.
struct Response {
    int status = 200;  // 200..599
    HeaderList headers;
    std::string body;
    // Not sent: the application's name for what answered (a route), for the observer's access
    // log and metrics, so they need not route the request a second time.
    std::string route;

    // Replaces every header called `name` (case-insensitively) by one `name: value`.
    void set_header(std::string_view name, std::string value);
    std::optional<std::string_view> header(std::string_view name) const;
    // The Content-Type header's value, or "" when there is none.
    std::string_view content_type() const;

    static Response text(int status, std::string body);  // text/plain; charset=utf-8
    static Response json(int status, std::string body);  // application/json
    static Response html(int status, std::string body);  // text/html; charset=utf-8
    // A redirect (301, 302, 303, 307 or 308) to `location`, with an empty body.
    static Response redirect(int status, std::string location);
};

// ASCII case-insensitive equality, the rule for header names and most header tokens.
bool equals_ignore_case(std::string_view a, std::string_view b);

// Decodes %XX escapes, and '+' as a space when `plus_is_space` (the query-string rule). An escape
// that is not two hex digits ("%zz", a trailing "%") stays literal, as browsers send it. Returns
// nullopt when the result would contain a NUL byte, which no path or parameter may hold.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// The client's address as a reverse proxy in front of the server reports it: the last entry of
// the X-Forwarded-For header (the one the nearest proxy added; earlier ones are the client's
// to forge), when it looks like an IP address; else request.remote_address. Only for servers
// reachable through a proxy alone (`serve --trust-proxy`).
std::string forwarded_client(const Request& request);

// Fills request.path and request.query from request.target, which must be in origin form
// ("/path?a=1&b"). Returns false for any other form or when a part decodes to a NUL byte.
bool decode_target(Request& request);

}  // namespace paperboy::web::http
