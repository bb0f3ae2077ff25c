// web/forms.h — reading the site's HTML forms (application/x-www-form-urlencoded bodies) and
// answering them: the pieces every page that takes a POST shares (pages_account.cpp,
// pages_people.cpp). The CSRF and Origin checks live with the visitor (site_context.h).
// Depends on web/http/message.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/http/message.h"

namespace paperboy::web {

using Fields = std::vector<std::pair<std::string, std::string>>;

// The fields of an application/x-www-form-urlencoded body, in order; nullopt when a name or
// value decodes to a NUL byte.
std::optional<Fields> parse_form(std::string_view body);

// The first value of field `name`, "" when there is none.
const std::string& field(const Fields& fields, std::string_view name);

// `next` when it is a path on this site, else "/". It must start with exactly one '/' ("//x"
// and "/\x" are other hosts to a browser) and hold printable ASCII without backslashes (which
// browsers may read as '/'): no scheme, no host, nothing that could split a header.
std::string safe_next(std::string_view next);

// A 303 See Other to `location`, not cached: the answer to a form that worked.
http::Response see_other(std::string location);

// A form value shown back in the form: valid UTF-8 without control characters, at most
// `max_bytes` (cut at a character boundary). The template escapes it.
std::string echo(std::string_view value, size_t max_bytes);

// "A handle has 2 to 32 characters." from app::Accounts' "a handle has 2 to 32 characters".
std::string sentence(std::string text);

}  // namespace paperboy::web
