// mail/address.h — email addresses as subscribers type them: checked and normalized.
// Depends on core/.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::mail {

// Longest address accepted (RFC 5321's path limit minus the angle brackets).
inline constexpr size_t kMaxAddressBytes = 254;

// `input` trimmed of surrounding white space and lower-cased, when it is a plain ASCII
// addr-spec: a dot-atom local part (letters, digits, !#$%&'*+-/=?^_`{|}~ and single inner dots,
// at most 64 bytes) and a domain of at least two dot-separated labels (letters, digits, inner
// hyphens, at most 63 bytes each; the last not all digits) or an IPv4 literal is refused.
// kInvalidArgument naming what is wrong otherwise ("the address has no '@'", ...). Quoted local
// parts, comments, display names and internationalized addresses are refused.
Result<std::string> normalize_address(std::string_view input);

}  // namespace paperboy::mail
