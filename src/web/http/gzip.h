// web/http/gzip.h — gzip content coding for responses.
//
// The server compresses a response when the client accepts gzip, the content type is text-like
// and the body is large enough to gain from it. zlib stays behind this header. Pure functions;
// safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "web/http/message.h"

namespace paperboy::web::http {

// Bodies below this size are sent as they are: gzip's ~20 bytes of framing and the CPU cost
// outweigh what it saves.
inline constexpr size_t kMinGzipBytes = 512;

// `data` in the gzip format (RFC 1952) at zlib `level` (0..9, or -1 for zlib's default).
// Throws std::bad_alloc when zlib cannot allocate its state.
std::string gzip_compress(std::string_view data, int level = 6);

// Whether an Accept-Encoding value allows gzip: "gzip" (or "x-gzip") or "*" listed with a
// q-value above zero; "gzip;q=0" refuses it even when "*" would allow it. An empty value
// (or no header) allows nothing but the identity coding.
bool accepts_gzip(std::string_view accept_encoding);

// Whether a Content-Type names a text-like type that compresses well: text/*, JSON, XML, RSS,
// Atom, JavaScript and SVG.
bool is_compressible(std::string_view content_type);

// Applies the rules above to a handler's response: for a compressible type without a
// Content-Encoding, adds "Vary: Accept-Encoding" and, when the request accepts gzip and the body
// has at least kMinGzipBytes, replaces the body by its gzip form with "Content-Encoding: gzip".
void negotiate_gzip(const Request& request, Response& response);

}  // namespace paperboy::web::http
