// mail/message.h — one mail to one recipient, and its MIME form.
//
// Headers that may carry non-ASCII text (display names, the subject) are encoded as RFC 2047
// encoded-words here; bodies are UTF-8 in quoted-printable. The MIME structure (a single
// text/plain part, or multipart/alternative with text/plain first and text/html second) is
// built with libcurl's mime API (curl_mime_*), not by hand. Depends on core/.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paperboy::mail {

struct Mailbox {
    std::string name;     // display name, any UTF-8; "" = the address alone
    std::string address;  // a normalized addr-spec (mail/address.h)
};

struct Message {
    Mailbox from;
    Mailbox to;
    std::string subject;     // UTF-8
    std::string message_id;  // "<unique@host>"
    std::time_t date = 0;    // 0 = the time of sending
    // More headers, in order ("List-Id", "List-Unsubscribe", ...). Values must be ASCII
    // without CR or LF (they are dropped otherwise); callers encode what needs encoding.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string text;  // the text/plain body, UTF-8; required
    std::string html;  // the text/html alternative, UTF-8; "" = plain text only
};

// "Name <address>" with the name quoted or RFC 2047-encoded as needed; the address alone when
// the name is empty.
std::string format_mailbox(const Mailbox& mailbox);

// `text` as is when it is printable ASCII, else as RFC 2047 "B" encoded-words of UTF-8
// ("=?UTF-8?B?...?="), each at most 75 characters, separated by CRLF SP (folding), never
// splitting a UTF-8 sequence. Invalid UTF-8 is replaced by U+FFFD first; CR and LF become spaces.
std::string encode_header_text(std::string_view text);

// The RFC 5322 date of `t` in UTC: "Fri, 25 Oct 2024 08:00:00 +0000".
std::string rfc5322_date(std::time_t t);

}  // namespace paperboy::mail
