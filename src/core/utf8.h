// core/utf8.h — UTF-8 validity, shared by everything that must emit valid text.
//
// The rules are the Unicode standard's: no overlong forms, no surrogates, nothing above
// U+10FFFF. Pure functions over the standard library.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace paperboy {

// Length (1-4) of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
// Precondition: i < s.size().
size_t utf8_sequence_length(std::string_view s, size_t i);

bool is_valid_utf8(std::string_view s);

// Replaces every invalid byte of `s` with U+FFFD, in place.
void fix_utf8(std::string& s);

}  // namespace paperboy
