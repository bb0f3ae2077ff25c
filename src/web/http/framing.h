// web/http/framing.h — checks of a request head that the HTTP parser lets through.
//
// Boost.Beast's parser accepts some heads that a proxy in front of the server may read
// differently: Transfer-Encoding other than chunked (the body is then framed by Content-Length,
// or taken as empty and read as the next request), obsolete line folding (unfolded silently),
// a missing or repeated Host. A request framed one way here and another way by a proxy lets one
// client's bytes be answered as a request of another (request smuggling, RFC 9112 §6.3,
// §11.2). HttpServer refuses such heads and closes the connection before reading on.
// Pure functions over plain values; depends on message.h only. Not synchronised.
#pragma once

#include <optional>
#include <string_view>

#include "web/http/message.h"

namespace paperboy::web::http {

// Why a request head is refused: the status to answer (400 or 501) and a short reason.
struct HeadRefusal {
    int status;
    std::string_view reason;
};

// What makes the head of a request of HTTP `version` (10 or 11) with these header fields
// untrustworthy, or nullopt. Refused: in HTTP/1.1, no Host; more than one Host, Origin or
// Content-Length line, or a Content-Length list ("5, 5"); a Host value that is not
// host[:port]; Transfer-Encoding with Content-Length, in HTTP/1.0, or without chunked as its
// last coding (400); any coding besides one final chunked (501: not implemented).
// Content-Length values the parser could not read never get here (it refuses them itself).
std::optional<HeadRefusal> check_request_head(int version, const HeaderList& headers);

// Finds obsolete line folding (RFC 9112 §5.2: a header line that begins with a space or tab,
// which the parser would join to the line before) in a request head that arrives in pieces.
// Feed it every byte received, in order, from the start of a request: it looks only until the
// empty line that ends the head, so body bytes never count. Each byte is looked at once.
class FoldScanner {
  public:
    // Scans the next bytes; true when the head seen so far has a folded line.
    bool feed(std::string_view bytes);
    bool folded() const { return folded_; }

  private:
    bool folded_ = false;
    bool done_ = false;           // the head's end was seen
    bool line_start_ = true;      // the next byte begins a line
    bool line_has_text_ = false;  // the current line has a byte other than CR
    bool seen_line_ = false;      // a non-empty line (the request line) was seen
};

}  // namespace paperboy::web::http
