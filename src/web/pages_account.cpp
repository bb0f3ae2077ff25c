// The account pages: sign-up, log-in and -out, the settings page (API tokens, "log out
// everywhere"), and the upvote form's target (POST /papers/{id}/upvote); and the helpers with
// which every page shows its visitor (PageVisitor, site_context.h).
//
// A browser sends the session cookie whichever site made the request, so every form that
// changes something carries a CSRF token, and a POST whose Origin header names another site is
// refused. A logged-in visitor's token is derived from their session (nothing to store, and a
// new one with every log-in); the log-in and sign-up forms, shown before there is a session,
// carry a token the site signed for the value of a random pre-session cookie (pb_csrf) and that
// expires: a token the client made up is refused, even when it also set the cookie.
// Forms are application/x-www-form-urlencoded; a successful POST answers 303 to a page, so
// that reloading never posts again — except creating an API token, whose answer shows the
// token once (and is stored nowhere, "no-store"). The helpers other pages' forms share (the
// checks, the error pages, the settings page) are declared in site_context.h.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "app/auth/crypto.h"
#include "app/comments.h"
#include "core/calendar.h"
#include "core/url.h"
#include "web/auth.h"
#include "web/forms.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kCsrfCookie = "pb_csrf";
// The session cookie lives as long as the session (app::AccountsOptions' default).
constexpr int kSessionCookieSeconds = 30 * 24 * 60 * 60;
constexpr size_t kMaxFormBytes = 16 * 1024;
constexpr size_t kMaxTokenName = 64;
// Anything that carries a token or a visitor's details.
constexpr std::string_view kPrivate = "private, no-store";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// ---- cookies and CSRF ----

// Whether the visitor's browser reached the site over HTTPS: the site's public URL says so, or
// the reverse proxy in front of it does.
bool over_https(const http::Request& request, const SiteOptions& options) {
    if (options.public_url.starts_with("https://")) return true;
    const auto proto = request.header("X-Forwarded-Proto");
    if (!proto) return false;
    // A chain of proxies lists one protocol each; the first is the browser's.
    return http::equals_ignore_case(trim(proto->substr(0, proto->find(','))), "https");
}

// A Set-Cookie header (several may go in one response, so it is added, not set).
void add_cookie(const http::Request& request, const Site::Context& site, http::Response& response,
                std::string_view name, std::string_view value, std::optional<int> max_age) {
    std::string cookie = std::string(name) + "=" + std::string(value);
    cookie += "; Path=/; HttpOnly; SameSite=Lax";
    if (max_age) cookie += "; Max-Age=" + std::to_string(*max_age);
    if (over_https(request, site.options)) cookie += "; Secure";
    response.headers.emplace_back("Set-Cookie", std::move(cookie));
}

void set_session_cookie(const http::Request& request, const Site::Context& site,
                        http::Response& response, std::string_view token) {
    add_cookie(request, site, response, kSessionCookie, token, kSessionCookieSeconds);
}

void clear_session_cookie(const http::Request& request, const Site::Context& site,
                          http::Response& response) {
    add_cookie(request, site, response, kSessionCookie, "", 0);
}

// The CSRF token of a session's forms: derived, so it needs no storage, and useless without
// the session cookie it belongs to (which only the browser holds).
std::string session_csrf_token(std::string_view session_token) {
    return app::auth::token_digest("csrf:" + std::string(session_token)).substr(0, 32);
}

// Whether `value` has the shape of app::auth::random_token(): 43 base64url characters.
bool looks_like_token(std::string_view value) {
    return value.size() == 43 && std::all_of(value.begin(), value.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
           });
}

// The pre-session of the log-in and sign-up forms: the visitor's pb_csrf cookie, or a new one
// that the response must then set.
struct PreSession {
    std::string value;
    bool fresh = false;
};

PreSession pre_session(const http::Request& request) {
    if (const auto cookie = cookie_value(request, kCsrfCookie);
        cookie && looks_like_token(*cookie)) {
        return {std::string(*cookie), false};
    }
    return {app::auth::random_token(), true};
}

// ---- log in and sign up ----

// The values of the log-in and sign-up forms (templates/login.html, signup.html).
struct EntryForm {
    std::string handle;
    std::string email;
    std::string next = "/";
    std::string problem;
    std::string notice;
};

// What a log-in page's ?notice= names (the page another form led to): fixed words, never text
// from the address.
std::string login_notice(std::string_view key) {
    if (key == "password-changed") {
        return "Your password was changed and every session of the account ended. Log in with "
               "the new password.";
    }
    return "";
}

http::Response entry_page(const http::Request& request, Site::Context& site,
                          const PageVisitor& visitor, std::string_view name, int status,
                          const EntryForm& values) {
    Data data;
    data.set("handle", values.handle);
    data.set("email", values.email);
    data.set("next", values.next);
    data.set("login_url", login_url(values.next));
    data.set("signup_url", values.next == "/" ? std::string("/signup")
                                              : "/signup?next=" + url_encode(values.next));
    if (!values.problem.empty()) data.set("problem", values.problem);
    if (!values.notice.empty()) data.set("notice", values.notice);
    data.set("can_reset", Data(site.account_mail.can_send()));
    return anonymous_form_page(request, site, status, name, std::move(data),
                               page_info(visitor, name == "login" ? "Log in" : "Sign up"));
}

// A new session's answer: its cookie, and the way on. A session the browser had before is
// ended, so that logging in as someone else leaves nothing open behind.
http::Response logged_in(const http::Request& request, Site::Context& site,
                         const PageVisitor& previous, const std::string& session_token,
                         const std::string& next) {
    if (previous.logged_in()) {
        const Status ended = site.accounts.log_out(previous.session_token);
        if (!ended.ok()) throw Failure(ended.error());
    }
    http::Response response = see_other(next);
    set_session_cookie(request, site, response, session_token);
    return response;
}

std::string wait_label(int64_t seconds) {
    if (seconds < 60) return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
    const int64_t minutes = (seconds + 59) / 60;
    return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

http::Response post_login(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
    if (!form_token_matches(request, site, form)) return forged(site, visitor);
    EntryForm values;
    values.handle = echo(field(form, "handle"), 254);
    values.next = safe_next(field(form, "next"));
    auto result = site.accounts.log_in(field(form, "handle"), field(form, "password"),
                                       request.remote_address);
    if (!result.ok()) throw Failure(result.error());
    switch (result->outcome) {
        case app::LogIn::Outcome::kOk:
            return logged_in(request, site, visitor, result->session_token, values.next);
        case app::LogIn::Outcome::kWrongCredentials:
            // The same words whether or not the account exists.
            values.problem = "Wrong handle or password.";
            return entry_page(request, site, visitor, "login", 401, values);
        case app::LogIn::Outcome::kThrottled: {
            values.problem = "Too many failed attempts to log in from your address. Try again in " +
                             wait_label(result->retry_after_seconds) + ".";
            http::Response response = entry_page(request, site, visitor, "login", 429, values);
            response.set_header("Retry-After", std::to_string(result->retry_after_seconds));
            return response;
        }
        case app::LogIn::Outcome::kBusy: {
            values.problem = "Too many log-ins are being checked right now. Try again in a moment.";
            http::Response response = entry_page(request, site, visitor, "login", 503, values);
            response.set_header("Retry-After", std::to_string(result->retry_after_seconds));
            return response;
        }
    }
    throw std::logic_error("unknown log-in outcome");
}

// The answer to a sign-up when the instance sends mail: the same page whether the address was
// free (a new account, and a mail to verify the address) or already had an account (no new
// account, and a mail telling its owner), so that the form does not tell which addresses have
// accounts. A session the browser had is ended either way, as the form says.
http::Response sign_up_sent(const http::Request& request, Site::Context& site,
                            const PageVisitor& visitor, const EntryForm& values) {
    Data data;
    data.set("sent", Data(true));
    data.set("email", values.email);
    data.set("login_url", login_url(values.next));
    http::Response response =
        private_page(site, 200, "signup", data, page_info({}, "Check your mail"));
    if (visitor.logged_in()) {
        const Status ended = site.accounts.log_out(visitor.session_token);
        if (!ended.ok()) throw Failure(ended.error());
        clear_session_cookie(request, site, response);
    }
    return response;
}

http::Response post_signup(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
    if (!form_token_matches(request, site, form)) return forged(site, visitor);
    EntryForm values;
    values.handle = echo(field(form, "handle"), 64);
    values.email = echo(field(form, "email"), 254);
    values.next = safe_next(field(form, "next"));
    const std::string& handle = field(form, "handle");
    const std::string& email = field(form, "email");
    const std::string& password = field(form, "password");
    if (password != field(form, "password_again")) {
        values.problem = "The two passwords differ.";
        return entry_page(request, site, visitor, "signup", 400, values);
    }
    auto done = site.accounts.sign_up_quietly(handle, email, password, Role::kMember,
                                              request.remote_address);
    if (!done.ok()) {
        const ErrorCode code = done.error().code();
        const int status = code == ErrorCode::kInvalidArgument ? 400
                           : code == ErrorCode::kAlreadyExists ? 409  // the handle: public
                           : code == ErrorCode::kLimitExceeded ? 429
                           : code == ErrorCode::kUnavailable   ? 503  // the password hasher
                                                               : 500;
        if (status == 500) throw Failure(done.error());
        values.problem = sentence(done.error().message());
        http::Response response = entry_page(request, site, visitor, "signup", status, values);
        if (status == 503) {
            response.set_header("Retry-After", std::to_string(app::kPasswordsBusyRetrySeconds));
        }
        return response;
    }
    if (site.account_mail.can_send()) {
        // Failures are only logged: the answer must not differ (a new account asks for the
        // mail again on the settings page; the owner of a taken address needs none).
        if (const Status sent = site.account_mail.send_sign_up_mail(*done); !sent.ok()) {
            std::fprintf(stderr, "paperboy: mail after a sign-up not sent: %s\n",
                         sent.error().message().c_str());
        }
        return sign_up_sent(request, site, visitor, values);
    }
    // Without mail there is no one to tell and no address to verify: a taken address is said,
    // and a new account is logged in at once.
    if (done->outcome == app::SignUp::Outcome::kEmailTaken) {
        values.problem = "The email address " + app::normalize_email(email) + " is already taken.";
        return entry_page(request, site, visitor, "signup", 409, values);
    }
    auto session = site.accounts.open_session(done->user);
    if (!session.ok()) throw Failure(session.error());
    return logged_in(request, site, visitor, *session, values.next);
}

// ---- settings ----

// What the settings page's ?notice= names (where its forms lead back to): fixed words, never
// text from the address.
std::string settings_notice(std::string_view key, const User& user) {
    if (key == "verification-sent") {
        return "We sent a link to verify " + user.email +
               ". It works for 48 hours; nothing arrived? Look in the spam folder.";
    }
    if (key == "unsubscribed") return "Unsubscribed: no more digests of that kind are sent.";
    if (key == "resumed") return "Resumed: the digest comes again from its next run on.";
    return "";
}

// ---- the upvote form ----

// POST /papers/{id}/comments: a comment (or, with `parent`, a reply) from the paper page's form;
// back to the page at the new comment.
http::Response post_comment(const http::Request& request, Site::Context& site,
                            std::string_view id_text) {
    const PageVisitor visitor = page_visitor(request, site);
    auto id = PaperId::parse(id_text);
    if (!id.ok()) {
        return visitor_error(site, visitor, 404, "Paper not found",
                             "There is no paper with this id here.");
    }
    const std::string page = "/papers/" + id->str();
    if (!visitor.logged_in()) return see_other(login_url(page));
    Fields form;
    if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
    if (!session_token_matches(visitor, form)) return forged(site, visitor);
    std::optional<int64_t> parent;
    if (const std::string& text = field(form, "parent"); !text.empty()) {
        int64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
            return visitor_error(site, visitor, 400, "This reply cannot be posted",
                                 "It names no comment to reply to.");
        }
        parent = value;
    }
    app::Comments comments = site.instance.comments();
    auto added = comments.add(*visitor.user, *id, field(form, "body"), parent);
    if (!added.ok()) {
        const ErrorCode code = added.error().code();
        const int status = code == ErrorCode::kNotFound          ? 404
                           : code == ErrorCode::kLimitExceeded   ? 429
                           : code == ErrorCode::kInvalidArgument ? 400
                                                                 : 500;
        if (status == 500) throw Failure(added.error());
        return visitor_error(site, visitor, status, "This comment cannot be posted",
                             sentence(added.error().message()));
    }
    return see_other(page + "#comment-" + std::to_string(added->id));
}

// POST /papers/{id}/upvote: sets the visitor's vote to what the form asks (vote=1 adds it,
// vote=0 takes it back; the button shows the other of what the page showed), and returns to
// the page the form was on.
http::Response post_upvote(const http::Request& request, Site::Context& site,
                           std::string_view id_text) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
    const std::string& next_field = field(form, "next");
    const std::string next =
        safe_next(next_field.empty() ? "/papers/" + std::string(id_text) : next_field);
    // Nothing changes for an anonymous visitor: they log in first and come back.
    if (!visitor.logged_in()) return see_other(login_url(next));
    if (!session_token_matches(visitor, form)) return forged(site, visitor);
    auto id = PaperId::parse(id_text);
    if (!id.ok()) {
        return visitor_error(site, visitor, 404, "Paper not found",
                             "'" + echo(id_text, 200) + "' is not a paper id.");
    }
    // The form says what the member wants ("1": upvoted, "0": not), as the page showed it; a
    // form without it (a page from before) adds the vote. Never "the other way round": two
    // submissions racing would then undo each other.
    const bool up = field(form, "vote") != "0";
    auto outcome = site.votes.vote(*visitor.user, *id, up);
    if (!outcome.ok()) {
        if (outcome.error().code() != ErrorCode::kNotFound) {
            throw Failure(outcome.error());
        }
        return visitor_error(site, visitor, 404, "Paper not found",
                             "There is no paper " + id->str() + " here to vote for.");
    }
    // Back at the paper's card, not at the top of a long list.
    const bool has_anchor = id->str().find('/') == std::string::npos;
    if (has_anchor && next.find('#') == std::string::npos)
        return see_other(next + "#paper-" + id->str());
    return see_other(next);
}

}  // namespace

// ---- forms shared with the other pages (site_context.h) ----

std::string login_url(std::string_view next) {
    return next == "/" ? "/login" : "/login?next=" + url_encode(next);
}

// The anonymous forms' check: the form carries a token the site signed for the pre-session
// cookie. (Repeating the cookie is not enough: whoever can set a cookie for the site — a
// neighbouring subdomain, a network on plain http — could then choose both.)
bool form_token_matches(const http::Request& request, Site::Context& site, const Fields& form) {
    const auto cookie = cookie_value(request, kCsrfCookie);
    if (!cookie || !looks_like_token(*cookie)) return false;
    auto valid = site.accounts.form_token_valid(*cookie, field(form, "csrf"));
    if (!valid.ok()) throw Failure(valid.error());
    return *valid;
}

http::Response anonymous_form_page(const http::Request& request, Site::Context& site, int status,
                                   std::string_view name, Data data, const PageInfo& info) {
    const PreSession pre = pre_session(request);
    auto token = site.accounts.form_token(pre.value);
    if (!token.ok()) throw Failure(token.error());
    data.set("form_csrf", *token);
    http::Response response = private_page(site, status, name, data, info);
    if (pre.fresh) add_cookie(request, site, response, kCsrfCookie, pre.value, std::nullopt);
    return response;
}

// A logged-in visitor's forms' check: the form carries their session's token.
bool session_token_matches(const PageVisitor& visitor, const Fields& form) {
    return visitor.logged_in() && !visitor.csrf_token.empty() &&
           app::auth::equal_constant_time(visitor.csrf_token, field(form, "csrf"));
}

// ---- pages ----

PageInfo page_info(const PageVisitor& visitor, std::string title) {
    PageInfo info;
    info.title = std::move(title);
    if (visitor.logged_in()) {
        info.user_handle = visitor.user->handle;
        info.csrf_token = visitor.csrf_token;
    }
    return info;
}

http::Response private_page(Site::Context& site, int status, std::string_view name,
                            const Data& data, const PageInfo& info) {
    http::Response response = site.html_page(status, name, data, info);
    response.set_header("Cache-Control", std::string(kPrivate));
    return response;
}

// The site's error page, with the visitor in the header.
http::Response visitor_error(Site::Context& site, const PageVisitor& visitor, int status,
                             std::string heading, std::string message) {
    Data data;
    data.set("status", std::to_string(status));
    data.set("heading", heading);
    data.set("message", std::move(message));
    return private_page(site, status, "error", data, page_info(visitor, std::move(heading)));
}

http::Response forged(Site::Context& site, const PageVisitor& visitor) {
    return visitor_error(
        site, visitor, 403, "This form cannot be accepted",
        "It was not sent from a page of this site, or the page is out of date. Go back, "
        "reload the page and try again.");
}

// What every POST here checks before its form is read: that a present Origin header names
// this site (403), the size (413), the type (415) and the encoding (400). nullopt when the
// form, in `form`, may be read.
std::optional<http::Response> refuse_post(const http::Request& request, Site::Context& site,
                                          const PageVisitor& visitor, Fields& form,
                                          bool check_origin) {
    if (check_origin && request.header("Origin") &&
        !from_this_site(request, site.options.public_url)) {
        return visitor_error(
            site, visitor, 403, "This form cannot be accepted",
            "It was sent from another site. Forms of this site are accepted only from "
            "its own pages.");
    }
    if (request.body.size() > kMaxFormBytes) {
        return visitor_error(site, visitor, 413, "Too much to send",
                             "The form is larger than " + std::to_string(kMaxFormBytes / 1024) +
                                 " KB, more than any form of this site holds.");
    }
    if (const auto type = request.header("Content-Type");
        type && !http::equals_ignore_case(trim(type->substr(0, type->find(';'))),
                                          "application/x-www-form-urlencoded")) {
        return visitor_error(site, visitor, 415, "Not a form",
                             "This address takes the forms of the site's pages "
                             "(application/x-www-form-urlencoded).");
    }
    auto parsed = parse_form(request.body);
    if (!parsed) {
        return visitor_error(site, visitor, 400, "Not a form",
                             "The form's values could not be read (one holds a NUL byte).");
    }
    form = std::move(*parsed);
    return std::nullopt;
}

// ---- settings ----

// The settings page (templates/settings.html); a new token is shown once, right after it was
// made.
http::Response settings_page(Site::Context& site, const PageVisitor& visitor, int status,
                             const SettingsMessages& messages) {
    const User& user = *visitor.user;
    Data data;
    data.set("handle", user.handle);
    data.set("email", user.email);
    data.set("email_verified", Data(!user.email_verified_at.empty()));
    data.set("can_send_mail", Data(site.account_mail.can_send()));
    data.set("role", std::string(role_name(user.role)));
    if (user.created_at.size() >= 10) data.set("since", display_day(user.created_at.substr(0, 10)));
    auto tokens = site.accounts.api_tokens(user.id);
    if (!tokens.ok()) throw Failure(tokens.error());
    Data list(Data::type::list);
    for (const ApiTokenInfo& t : *tokens) {
        Data item;
        item.set("id", std::to_string(t.id));
        item.set("name", t.name);
        item.set("created", t.created_at.size() >= 10 ? display_day(t.created_at.substr(0, 10))
                                                      : t.created_at);
        item.set("last_used", t.last_used_at.size() >= 10
                                  ? display_day(t.last_used_at.substr(0, 10))
                                  : std::string("never"));
        list.push_back(item);
    }
    data.set("tokens", list);
    data.set("has_tokens", Data(!tokens->empty()));
    if (!messages.new_token.empty()) {
        data.set("new_token", messages.new_token);
        data.set("new_token_name", messages.new_token_name);
    }
    add_subscription_settings(site, user, data);
    if (!messages.problem.empty()) data.set("problem", messages.problem);
    if (!messages.notice.empty()) data.set("notice", messages.notice);
    return private_page(site, status, "settings", data, page_info(visitor, "Settings"));
}

// The checks of a settings form: from this site, by a logged-in visitor, with their token.
// nullopt when the form, in `form`, may be acted on.
std::optional<http::Response> refuse_settings_post(const http::Request& request,
                                                   Site::Context& site, const PageVisitor& visitor,
                                                   Fields& form) {
    if (auto refused = refuse_post(request, site, visitor, form)) return refused;
    if (!visitor.logged_in()) return see_other(login_url("/settings"));
    if (!session_token_matches(visitor, form)) return forged(site, visitor);
    return std::nullopt;
}

// ---- the visitor of every page ----

PageVisitor page_visitor(const http::Request& request, Site::Context& site) {
    PageVisitor visitor;
    const auto token = cookie_value(request, kSessionCookie);
    if (!token || token->empty()) return visitor;
    auto user = site.accounts.session_user(*token);
    if (!user.ok()) throw Failure(user.error());
    if (!*user) return visitor;
    visitor.user = std::move(**user);
    visitor.session_token = std::string(*token);
    visitor.csrf_token = session_csrf_token(*token);
    return visitor;
}

void PageVisitor::describe(const http::Request& request, PageInfo& info) const {
    if (user) {
        info.user_handle = user->handle;
        info.csrf_token = csrf_token;
    }
    // Where the page's forms lead back to; a target too long or odd to be one is home.
    info.return_to = safe_next(request.target);
}

std::vector<bool> votes_of(Site::Context& site, const PageVisitor& visitor,
                           const std::vector<PaperId>& papers) {
    if (!visitor.logged_in() || papers.empty()) return std::vector<bool>(papers.size(), false);
    auto voted = site.votes.voted(&*visitor.user, papers);
    if (!voted.ok()) throw Failure(voted.error());
    return std::move(voted).value();
}

void apply_page_cache_policy(const http::Request& request, http::Response& response,
                             std::string_view cache_control, const PageVisitor& visitor) {
    response.set_header("Vary", "Cookie");
    if (visitor.logged_in()) {
        response.set_header("Cache-Control", std::string(kPrivate));
    } else {
        apply_cache_policy(request, response, cache_control);
    }
}

void add_account_routes(Router& router, Site::Context& site) {
    router.add("GET", "/login", "login", [&site](const http::Request& request, const PathParams&) {
        const PageVisitor visitor = page_visitor(request, site);
        const std::string* next = request.query_param("next");
        EntryForm values;
        values.next = safe_next(next ? *next : "/");
        if (const std::string* notice = request.query_param("notice")) {
            values.notice = login_notice(*notice);
        }
        return entry_page(request, site, visitor, "login", 200, values);
    });
    router.add("POST", "/login", "login", [&site](const http::Request& request, const PathParams&) {
        return post_login(request, site);
    });

    router.add("GET", "/signup", "signup",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   const std::string* next = request.query_param("next");
                   EntryForm values;
                   values.next = safe_next(next ? *next : "/");
                   return entry_page(request, site, visitor, "signup", 200, values);
               });
    router.add("POST", "/signup", "signup",
               [&site](const http::Request& request, const PathParams&) {
                   return post_signup(request, site);
               });

    router.add("POST", "/logout", "logout",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   Fields form;
                   if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
                   if (visitor.logged_in()) {
                       if (!session_token_matches(visitor, form)) return forged(site, visitor);
                       const Status ended = site.accounts.log_out(visitor.session_token);
                       if (!ended.ok()) throw Failure(ended.error());
                   }
                   // Without a live session there is nothing to end but the stale cookie.
                   http::Response response = see_other("/");
                   clear_session_cookie(request, site, response);
                   return response;
               });

    router.add("GET", "/settings", "settings",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   if (!visitor.logged_in()) return see_other(login_url("/settings"));
                   SettingsMessages messages;
                   if (const std::string* notice = request.query_param("notice")) {
                       messages.notice = settings_notice(*notice, *visitor.user);
                   }
                   return settings_page(site, visitor, 200, messages);
               });

    router.add("POST", "/settings/tokens", "settings_tokens",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   Fields form;
                   if (auto refused = refuse_settings_post(request, site, visitor, form)) {
                       return *refused;
                   }
                   const std::string name = std::string(trim(echo(field(form, "name"), 1024)));
                   if (name.empty() || name.size() > kMaxTokenName) {
                       SettingsMessages messages;
                       messages.problem = "A token's name has 1 to " +
                                          std::to_string(kMaxTokenName) + " characters.";
                       return settings_page(site, visitor, 400, messages);
                   }
                   auto token = site.accounts.create_api_token(visitor.user->id, name);
                   if (!token.ok()) throw Failure(token.error());
                   SettingsMessages messages;
                   messages.new_token = *token;
                   messages.new_token_name = name;
                   return settings_page(site, visitor, 200, messages);
               });

    router.add(
        "POST", "/settings/tokens/{id}/revoke", "settings_revoke",
        [&site](const http::Request& request, const PathParams& params) {
            const PageVisitor visitor = page_visitor(request, site);
            Fields form;
            if (auto refused = refuse_settings_post(request, site, visitor, form)) {
                return *refused;
            }
            const std::string& text = params.at("id");
            int64_t id = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
            bool revoked = false;
            if (ec == std::errc() && end == text.data() + text.size()) {
                auto done = site.accounts.revoke_api_token(visitor.user->id, id);
                if (!done.ok()) throw Failure(done.error());
                revoked = *done;
            }
            if (!revoked) {
                return visitor_error(site, visitor, 404, "No such token",
                                     "You have no API token with this number; it may have been "
                                     "revoked already.");
            }
            return see_other("/settings");
        });

    router.add("POST", "/settings/logout-everywhere", "settings_logout_everywhere",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   Fields form;
                   if (auto refused = refuse_settings_post(request, site, visitor, form)) {
                       return *refused;
                   }
                   const Status ended = site.accounts.log_out_everywhere(visitor.user->id);
                   if (!ended.ok()) throw Failure(ended.error());
                   http::Response response = see_other("/");
                   clear_session_cookie(request, site, response);
                   return response;
               });

    // Registered after add_paper_routes' GET /papers/{id...}: ids may hold a slash
    // (hep-th/9901001), so the action is the path's last segment.
    router.add("POST", "/papers/{rest...}", "upvote_form",
               [&site](const http::Request& request, const PathParams& params) {
                   std::string_view rest = params.at("rest");
                   constexpr std::string_view kComments = "/comments";
                   if (rest.ends_with(kComments) && rest.size() > kComments.size()) {
                       rest.remove_suffix(kComments.size());
                       return post_comment(request, site, rest);
                   }
                   constexpr std::string_view kAction = "/upvote";
                   if (!rest.ends_with(kAction) || rest.size() == kAction.size()) {
                       http::Response response =
                           site.error_page(405, "Method not allowed",
                                           "This address does not accept POST requests.");
                       response.set_header("Allow", "GET");
                       return response;
                   }
                   rest.remove_suffix(kAction.size());
                   return post_upvote(request, site, rest);
               });
}

}  // namespace paperboy::web
