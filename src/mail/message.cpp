#include "mail/message.h"

#include <time.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "core/utf8.h"
#include "mail/curl_message.h"

namespace paperboy::mail {
namespace {

// RFC 5322 recommends lines of at most 78 characters; header lines are folded to that.
constexpr size_t kMaxLine = 78;
// Bytes of UTF-8 per encoded-word: 42 bytes are 56 base64 characters, so a word is 68
// characters long and fits on the first line after "Subject: " (RFC 2047 allows 75).
constexpr size_t kEncodedWordBytes = 42;
// A run of printable ASCII longer than this cannot be folded under kMaxLine; text holding one
// is sent as encoded-words, which can.
constexpr size_t kMaxUnfoldableRun = 70;

bool is_printable_ascii(char c) { return c >= 0x20 && c < 0x7f; }  // false for bytes >= 0x80

// Printable ASCII but the space: what a field name or a Message-ID is made of.
bool is_visible_ascii(char c) { return c > 0x20 && c < 0x7f; }

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                           static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i < in.size()) {
        uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
        if (i + 1 < in.size()) {
            n |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
        }
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// Valid UTF-8 with CR and LF turned into spaces: what a header may show of `text`.
std::string header_safe(std::string_view text) {
    std::string s(text);
    fix_utf8(s);
    for (char& c : s) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    return s;
}

// True when `s` can go into a header as it is: printable ASCII, foldable, and not mistakable
// for an encoded-word.
bool fits_header_as_is(std::string_view s) {
    size_t run = 0;
    for (char c : s) {
        if (!is_printable_ascii(c)) return false;
        run = c == ' ' ? 0 : run + 1;
        if (run > kMaxUnfoldableRun) return false;
    }
    return s.find("=?") == std::string_view::npos;
}

// `s` (valid UTF-8) as "B" encoded-words separated by CRLF SP, each of at most
// kEncodedWordBytes bytes of whole UTF-8 sequences.
std::string encoded_words(std::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        size_t end = i;
        while (end < s.size()) {
            const size_t n = utf8_sequence_length(s, end);
            if (end + n - i > kEncodedWordBytes) break;
            end += n;
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(s.substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

// RFC 5322 atext, the characters a display name may hold without quotes (besides spaces).
bool is_atext(char c) {
    static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSpecials.find(c) != std::string_view::npos;
}

// The address as a header may show it: a normalized address is unchanged; anything that could
// end the angle brackets or the line is dropped.
std::string header_address(std::string_view address) {
    std::string out;
    for (char c : address) {
        if (is_atext(c) || c == '.' || c == '@') out += c;
    }
    return out;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// A place to fold `line` at: white space after text, at or after `from`, with text after it.
bool can_fold_at(std::string_view line, size_t i, size_t from) {
    return i >= from && i < line.size() && is_wsp(line[i]) && !is_wsp(line[i - 1]) &&
           line.find_first_not_of(" \t", i) != std::string_view::npos;
}

// One physical line folded (CRLF inserted before white space) into lines of at most kMaxLine
// characters where it has white space to fold at; a longer run stays on a long line. No fold
// goes before `min_fold` (after the field name) or leaves a line of white space alone.
std::string fold_line(std::string_view line, size_t min_fold) {
    std::string out;
    while (line.size() > kMaxLine) {
        size_t at = std::string_view::npos;
        for (size_t i = kMaxLine; i >= min_fold && at == std::string_view::npos; --i) {
            if (can_fold_at(line, i, min_fold)) at = i;
        }
        for (size_t i = kMaxLine + 1; i < line.size() && at == std::string_view::npos; ++i) {
            if (can_fold_at(line, i, min_fold)) at = i;
        }
        if (at == std::string_view::npos) break;
        out.append(line.substr(0, at)).append("\r\n");
        line.remove_prefix(at);  // the continuation line starts with the white space
        min_fold = 1;
    }
    out.append(line);
    return out;
}

// A header field "Name: value" folded line by line (the value may hold folds already).
std::string fold(std::string_view field) {
    const size_t colon = field.find(':');
    size_t min_fold = colon == std::string_view::npos ? 1 : colon + 2;
    std::string out;
    size_t start = 0;
    while (true) {
        const size_t end = field.find("\r\n", start);
        out += fold_line(field.substr(start, end - start), min_fold);
        if (end == std::string_view::npos) break;
        out += "\r\n";
        start = end + 2;
        min_fold = 1;
    }
    return out;
}

// Header field names: printable ASCII but for the colon, no spaces (RFC 5322 ftext).
bool is_field_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        if (!is_visible_ascii(c) || c == ':') return false;
    }
    return true;
}

bool is_field_value(std::string_view value) {
    for (char c : value) {
        if (!is_printable_ascii(c) && c != '\t') return false;
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// Headers this file writes itself; extra headers of these names are dropped.
bool is_reserved_header(std::string_view name) {
    static constexpr std::array<std::string_view, 10> kReserved = {
        "From", "To",         "Cc",           "Bcc",          "Subject",
        "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
    for (std::string_view r : kReserved) {
        if (iequals(name, r)) return true;
    }
    return false;
}

bool is_message_id(std::string_view id) {
    if (id.size() < 5 || id.front() != '<' || id.back() != '>') return false;
    if (id.find('@') == std::string_view::npos) return false;
    for (char c : id) {
        if (!is_visible_ascii(c)) return false;
    }
    return true;
}

// "<random.time@domain-of-the-sender>", unique enough for a Message-ID.
std::string make_message_id(const Message& message, std::time_t now) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id = "<";
    uint64_t r = random();
    for (int i = 0; i < 16; ++i, r >>= 4) id += kHex[r & 15];
    id += "." + std::to_string(now) + "@";
    const std::string from = header_address(message.from.address);
    const size_t at = from.rfind('@');
    const std::string domain = at == std::string::npos ? "" : from.substr(at + 1);
    id += domain.empty() ? "paperboy.invalid" : domain;
    return id + ">";
}

// `body` as valid UTF-8 with CRLF line ends, which quoted-printable keeps as line breaks (a
// bare LF would be encoded as =0A).
std::string crlf_body(std::string_view body) {
    std::string text(body);
    fix_utf8(text);
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

std::string encode_header_text(std::string_view text) {
    const std::string s = header_safe(text);
    if (fits_header_as_is(s)) return s;
    return encoded_words(s);
}

std::string format_mailbox(const Mailbox& mailbox) {
    const std::string address = header_address(mailbox.address);
    std::string name = header_safe(mailbox.name);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.empty()) return address;
    std::string phrase;
    if (!fits_header_as_is(name)) {
        phrase = encoded_words(name);
    } else {
        bool atoms_only = true;
        for (char c : name) atoms_only = atoms_only && (c == ' ' || is_atext(c));
        if (atoms_only) {
            phrase = name;
        } else {
            phrase = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\') phrase += '\\';
                phrase += c;
            }
            phrase += "\"";
        }
    }
    return phrase + " <" + address + ">";
}

std::string rfc5322_date(std::time_t t) {
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 40> buf{};
    std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  kDays.at(static_cast<size_t>(tm.tm_wday)), tm.tm_mday,
                  kMonths.at(static_cast<size_t>(tm.tm_mon)), tm.tm_year + 1900, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    return buf.data();
}

namespace detail {

bool append(SlistPtr& list, const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return false;
    (void)list.release();  // `grown` is the same list, longer
    list.reset(grown);
    return true;
}

std::vector<std::string> header_lines(const Message& message, std::time_t now) {
    std::vector<std::string> lines;
    lines.push_back("From: " + format_mailbox(message.from));
    lines.push_back("To: " + format_mailbox(message.to));
    lines.push_back("Subject: " + encode_header_text(message.subject));
    lines.push_back("Date: " + rfc5322_date(message.date != 0 ? message.date : now));
    lines.push_back("Message-ID: " + (is_message_id(message.message_id)
                                          ? message.message_id
                                          : make_message_id(message, now)));
    lines.push_back("MIME-Version: 1.0");
    // For SMTP, libcurl takes the Content-Type of the top-level part (the message) from these
    // headers and adds the boundary; without one it writes multipart/mixed.
    if (!message.html.empty()) lines.push_back("Content-Type: multipart/alternative");
    for (const auto& [name, value] : message.headers) {
        if (!is_field_name(name) || !is_field_value(value) || is_reserved_header(name)) continue;
        lines.push_back(name + ": " + value);
    }
    for (std::string& line : lines) line = fold(line);
    return lines;
}

CurlMessage build_curl_message(CURL* curl, const Message& message, std::time_t now) {
    CurlMessage out;
    for (const std::string& line : header_lines(message, now)) {
        if (!append(out.headers, line)) return {};
    }
    out.mime.reset(curl_mime_init(curl));
    if (!out.mime) return {};
    auto add_text_part = [&](std::string_view body, const char* type) {
        curl_mimepart* part = curl_mime_addpart(out.mime.get());
        if (part == nullptr) return false;
        const std::string data = crlf_body(body);
        return curl_mime_data(part, data.data(), data.size()) == CURLE_OK &&
               curl_mime_type(part, type) == CURLE_OK &&
               curl_mime_encoder(part, "quoted-printable") == CURLE_OK;
    };
    // The top-level part is the message: multipart/alternative (from the Content-Type header)
    // with the plain text first, as RFC 2046 orders alternatives from plainest to richest; or,
    // without HTML, libcurl's multipart/mixed holding the plain text alone.
    if (!add_text_part(message.text, "text/plain; charset=utf-8")) return {};
    if (!message.html.empty() && !add_text_part(message.html, "text/html; charset=utf-8")) {
        return {};
    }
    return out;
}

}  // namespace detail

}  // namespace paperboy::mail
