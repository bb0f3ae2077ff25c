// web/auth.h — who is asking, and whether a state-changing request may be trusted.
//
// A request names its user with `Authorization: Bearer <API token>` (scripts) or with the
// session cookie (browsers). A Bearer token carries no ambient authority, so a request with one
// needs no further check; a cookie is sent by the browser whatever page made the request, so
// state-changing requests that rely on it must prove they come from this site: forms with the
// CSRF token of the session, JSON requests with an Origin header naming the site.
// Depends on app/accounts.h and web/http/message.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "app/accounts.h"
#include "core/result.h"
#include "core/user.h"
#include "web/http/message.h"

namespace paperboy::web {

inline constexpr std::string_view kSessionCookie = "pb_session";

// The value of cookie `name` in the request's Cookie headers, or nullopt.
std::optional<std::string_view> cookie_value(const http::Request& request, std::string_view name);

// The token of an "Authorization: Bearer <token>" header (scheme compared ignoring case).
std::optional<std::string_view> bearer_token(const http::Request& request);

struct Visitor {
    std::optional<User> user;   // nullopt: anonymous
    bool by_bearer = false;     // authenticated by an API token
    std::string session_token;  // the cookie's token when authenticated by it
};

// Identifies the request's user: a Bearer token first (an invalid one is anonymous, not a
// fallback to the cookie), else the session cookie.
Result<Visitor> identify(const http::Request& request, app::Accounts& accounts);

// Whether the request's Origin header (or, without one, its Referer) is this site: the origin
// of `public_url` when set, else "http://" or "https://" plus the request's Host. A request
// with neither header is not.
bool from_this_site(const http::Request& request, std::string_view public_url);

}  // namespace paperboy::web
