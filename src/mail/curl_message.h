// mail/curl_message.h — internal to mail/: a Message in the form libcurl's SMTP upload takes.
// The message's header lines go to CURLOPT_HTTPHEADER (for SMTP, libcurl writes them as the
// header of the top-level MIME part, which is the message) and its body, a MIME tree, to
// CURLOPT_MIMEPOST. Built by message.cpp, sent by smtp.cpp.
#pragma once

#include <curl/curl.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "mail/message.h"

namespace paperboy::mail::detail {

struct SlistFree {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MimeFree {
    void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;
using MimePtr = std::unique_ptr<curl_mime, MimeFree>;

// Appends `line` to `list`; false when libcurl could not allocate.
bool append(SlistPtr& list, const std::string& line);

// The message's header lines, each folded to at most 78 characters where it has white space
// to fold at: From, To, Subject, Date (`now` when message.date is 0), Message-ID (made up when
// message.message_id is not a "<...@...>" of printable ASCII), MIME-Version, the
// Content-Type of the top-level part when there is an HTML alternative, then the extra headers
// that are well formed (others are dropped, as are extra headers that would replace one of
// these).
std::vector<std::string> header_lines(const Message& message, std::time_t now);

struct CurlMessage {
    SlistPtr headers;  // for CURLOPT_HTTPHEADER
    MimePtr mime;      // for CURLOPT_MIMEPOST
};

// `message` built for a transfer of `curl`; both pointers are null when libcurl could not
// allocate. The bodies are sent as UTF-8 (invalid sequences replaced), in quoted-printable,
// with CRLF line ends.
CurlMessage build_curl_message(CURL* curl, const Message& message, std::time_t now);

}  // namespace paperboy::mail::detail
