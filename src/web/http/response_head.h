// web/http/response_head.h — a handler's Response in wire form.
//
// Kept apart from the socket code so that what goes on the wire is unit-tested without a server:
// the status line and header block with the headers the server owns (Date, Server,
// Content-Length, Connection), and the check that refuses a response which would corrupt the
// stream. Pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "web/http/message.h"

namespace paperboy::web::http {

// "" when `response` can be sent, else what is wrong with it: a status outside 200..599, an empty
// or non-token header name, or a header value holding CR, LF or NUL (which would let a value end
// the header block and forge a response).
std::string_view response_defect(const Response& response);

// Whether a response with this status carries a body (and a Content-Length): all but 204 and 304.
bool status_has_body(int status);

// The status line and headers, ending with the empty line. `version` is 10 or 11 (HTTP/1.0 or
// 1.1); `keep_alive` says whether the connection stays open after this response; `date` is the
// Date header's value. Handler-set Date, Content-Length, Connection and Transfer-Encoding headers
// are dropped: the server frames the message itself.
std::string response_head(const Response& response, std::string_view reason, int version,
                          bool keep_alive, std::string_view date);

// The IMF-fixdate form of `when`: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::chrono::system_clock::time_point when);

}  // namespace paperboy::web::http
