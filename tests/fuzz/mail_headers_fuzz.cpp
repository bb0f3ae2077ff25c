// libFuzzer target for what turns user input into mail headers: mail::normalize_address,
// mail::encode_header_text and mail::format_mailbox. Any bytes must come back without a crash or
// a sanitizer report, and what they produce must be safe in a header: printable ASCII, line
// breaks only as CRLF followed by a space (folding) — never a way to start a header of one's own.
// The first byte picks the function: 'a' address, 'h' header text, anything else a display name.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/address.h"
#include "mail/message.h"

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "mail_headers_fuzz: invariant violated: %s\n", what);
        std::abort();
    }
}

// Printable ASCII, with CR only in CRLF SP.
void check_header_safe(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\r') {
            check(i + 2 < s.size() && s[i + 1] == '\n' && s[i + 2] == ' ',
                  "CR only as CRLF SP (folding)");
            i += 2;
            continue;
        }
        check(c >= 0x20 && c <= 0x7e, "header text is printable ASCII");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0]) {
        case 'a': {
            auto address = paperboy::mail::normalize_address(input);
            if (address.ok()) {
                const std::string& a = *address;
                check(!a.empty() && a.size() <= paperboy::mail::kMaxAddressBytes,
                      "an address has 1..254 bytes");
                check(a.find('@') != std::string::npos && a.find('@') == a.rfind('@'), "one '@'");
                for (char c : a) {
                    const auto u = static_cast<unsigned char>(c);
                    check(u > 0x20 && u < 0x7f, "an address is visible ASCII");
                    check(!(c >= 'A' && c <= 'Z'), "an address is lower case");
                }
                check_header_safe(paperboy::mail::format_mailbox({"", a}));
            }
            break;
        }
        case 'h':
            check_header_safe(paperboy::mail::encode_header_text(input));
            break;
        default:
            check_header_safe(
                paperboy::mail::format_mailbox({std::string(input), "ada@example.org"}));
            break;
    }
    return 0;
}
