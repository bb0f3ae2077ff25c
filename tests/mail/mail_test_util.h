// tests/mail/mail_test_util.h — reading back what mail/ writes: RFC 2047 encoded-words and
// header lines, independently of the code under test.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace paperboy::mail::testing {

inline std::string base64_decode(std::string_view in) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned bits = 0;
    int nbits = 0;
    for (char c : in) {
        const int v = value(c);
        if (v < 0) continue;  // '=' padding
        bits = (bits << 6) | static_cast<unsigned>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out += static_cast<char>((bits >> nbits) & 0xFF);
        }
    }
    return out;
}

// The physical lines of `s`, split at CRLF.
inline std::vector<std::string> crlf_lines(std::string_view s) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (true) {
        const size_t end = s.find("\r\n", start);
        lines.emplace_back(s.substr(start, end - start));
        if (end == std::string_view::npos) break;
        start = end + 2;
    }
    return lines;
}

// The "=?UTF-8?B?...?=" words of an encode_header_text() result (separated by CRLF SP).
inline std::vector<std::string> encoded_words(std::string_view s) {
    std::vector<std::string> words;
    for (std::string& line : crlf_lines(s)) {
        if (!line.empty() && line.front() == ' ') line.erase(0, 1);
        words.push_back(line);
    }
    return words;
}

// Decodes a run of encoded-words separated by folding white space (which RFC 2047 says to
// drop between adjacent words). Returns "<not an encoded-word: ...>" for anything else.
inline std::string decode_encoded_words(std::string_view s) {
    std::string out;
    for (const std::string& word : encoded_words(s)) {
        constexpr std::string_view kPrefix = "=?UTF-8?B?";
        if (word.size() < kPrefix.size() + 2 || word.compare(0, kPrefix.size(), kPrefix) != 0 ||
            word.compare(word.size() - 2, 2, "?=") != 0) {
            return "<not an encoded-word: " + word + ">";
        }
        out += base64_decode(
            std::string_view(word).substr(kPrefix.size(), word.size() - kPrefix.size() - 2));
    }
    return out;
}

}  // namespace paperboy::mail::testing
