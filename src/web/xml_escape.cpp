#include "web/xml_escape.h"

#include "core/utf8.h"

namespace paperboy::web {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&apos;";
                    break;
                case '\t':
                case '\n':
                case '\r':
                    out += static_cast<char>(c);
                    break;
                default:
                    // The other C0 controls are not XML 1.0 characters, not even as &#x1;.
                    if (c >= 0x20) out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        const size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no valid sequence
            ++i;
            continue;
        }
        // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters either; surrogates and
        // anything above U+10FFFF are not valid UTF-8, so utf8_sequence_length() refused them.
        const std::string_view sequence = text.substr(i, length);
        if (sequence != "\xEF\xBF\xBE" && sequence != "\xEF\xBF\xBF") out += sequence;
        i += length;
    }
    return out;
}

}  // namespace paperboy::web
