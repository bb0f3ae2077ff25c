// web/access_log.h — one JSON line per answered request:
//   {"ts":"2026-11-27T06:30:00.123Z","remote":"127.0.0.1","method":"GET","path":"/x",
//    "status":200,"bytes":123,"ms":0.420,"ua":"curl/8.0"}
// (one line in the output). Every string is JSON-escaped, so a hostile path or User-Agent cannot
// forge or break lines. The tokens of links in mail (/unsubscribe/{token}, ...) are not written.
// Thread-safe: each line is written with one stdio call, and stdio locks the stream for the call,
// so lines from concurrent requests never interleave. Depends on core/ (the JSON string escaping)
// and web/http/message.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

#include "web/http/message.h"

namespace paperboy::web {

// The line (without the newline) for one request answered at `now`; `elapsed` and `bytes_sent`
// are the HttpServer::Observer's.
std::string format_access_line(const http::Request& request, const http::Response& response,
                               std::chrono::nanoseconds elapsed, size_t bytes_sent,
                               std::chrono::system_clock::time_point now);

class AccessLog {
  public:
    // Writes to `out`, which must outlive the AccessLog; it is not closed.
    explicit AccessLog(std::FILE* out = stderr) : out_(out) {}

    // Writes the line for one request at the current time. Its signature is an Observer's.
    void write(const http::Request& request, const http::Response& response,
               std::chrono::nanoseconds elapsed, size_t bytes_sent) const;

  private:
    std::FILE* out_;
};

}  // namespace paperboy::web
