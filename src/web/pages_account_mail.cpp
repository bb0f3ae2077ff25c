// The mail of accounts on the web (app/account_mail.h has the rules): the verification link's
// page (sign-up sends the mail, pages_account.cpp), the settings page's button that sends the
// mail again, and a forgotten password — the form that asks for a reset link and the link's page
// that sets the new password.
//
// As with the links of digests (pages_subscriptions.cpp), the token in a link is the
// authorization: a GET shows a button or a form and changes nothing (mail scanners follow
// links), the POST to the same address acts, and the answers are stored nowhere and send no
// Referer. The form that asks for a reset link is an anonymous form like log-in's (the pb_csrf
// double submit), and answers the same whether or not an account has the address.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/url.h"
#include "mail/address.h"
#include "web/forms.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kForgotTitle = "Forgotten password";

http::Response bad_link(Site::Context& site, const PageVisitor& visitor, const Error& error,
                        std::string message) {
    if (error.code() != ErrorCode::kNotFound) throw Failure(error);
    http::Response response =
        visitor_error(site, visitor, 404, "This link does not work", std::move(message));
    mark_token_page(response);
    return response;
}

http::Response token_page(Site::Context& site, const PageVisitor& visitor, int status,
                          std::string_view name, const Data& data, std::string title) {
    http::Response response =
        private_page(site, status, name, data, page_info(visitor, std::move(title)));
    mark_token_page(response);
    return response;
}

// ---- verifying the address ----

constexpr std::string_view kBadVerifyLink =
    "This verification link is not valid: it may have been used already, have expired (it works "
    "for 48 hours), or be incomplete. Ask for a new one on the settings page.";
constexpr std::string_view kBadResetLink =
    "This link to reset a password is not valid: it may have been used already, have expired "
    "(it works for 1 hour), or be incomplete. Ask for a new one with \"Forgot your password?\" "
    "on the log-in page.";

// GET and POST /account/verify/{token}.
http::Response verify_page(const http::Request& request, Site::Context& site,
                           const std::string& token) {
    const PageVisitor visitor = page_visitor(request, site);
    Data data;
    data.set("token", token);
    if (request.method != "POST") {
        if (Status usable = site.account_mail.check_link(token, MailTokenPurpose::kVerifyEmail);
            !usable.ok()) {
            return bad_link(site, visitor, usable.error(), std::string(kBadVerifyLink));
        }
        data.set("asking", Data(true));
        return token_page(site, visitor, 200, "verify_email", data, "Verify your email address");
    }
    // The token is the authorization: no CSRF token, no log-in.
    auto user = site.account_mail.verify(token);
    if (!user.ok()) {
        return bad_link(site, visitor, user.error(), std::string(kBadVerifyLink));
    }
    data.set("verified", Data(true));
    data.set("email", user->email);
    data.set("handle", user->handle);
    return token_page(site, visitor, 200, "verify_email", data, "Your address is verified");
}

// POST /settings/verify-email: the settings page's button.
http::Response post_verify_email(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_settings_post(request, site, visitor, form)) return *refused;
    if (!visitor.user->email_verified_at.empty()) return see_other("/settings");
    const Status sent = site.account_mail.send_verification(*visitor.user);
    if (sent.ok()) return see_other("/settings?notice=verification-sent");
    const ErrorCode code = sent.error().code();
    if (code != ErrorCode::kLimitExceeded && code != ErrorCode::kUnavailable) {
        throw Failure(sent.error());
    }
    SettingsMessages messages;
    messages.problem = sentence(sent.error().message());
    http::Response response =
        settings_page(site, visitor, code == ErrorCode::kLimitExceeded ? 429 : 503, messages);
    response.set_header("Retry-After", code == ErrorCode::kLimitExceeded ? "3600" : "300");
    return response;
}

// ---- a forgotten password ----

// The form that asks for a reset link (templates/forgot_password.html), or its answer.
http::Response forgot_page(const http::Request& request, Site::Context& site,
                           const PageVisitor& visitor, int status, std::string email,
                           std::string problem, bool sent) {
    Data data;
    data.set("email", std::move(email));
    data.set("can_send", Data(site.account_mail.can_send()));
    if (!problem.empty()) data.set("problem", std::move(problem));
    if (sent) data.set("sent", Data(true));
    return anonymous_form_page(request, site, status, "forgot_password", std::move(data),
                               page_info(visitor, std::string(kForgotTitle)));
}

http::Response post_forgot(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
    if (!form_token_matches(request, site, form)) return forged(site, visitor);
    const std::string& email = field(form, "email");
    const std::string shown = echo(email, mail::kMaxAddressBytes);
    if (!site.account_mail.can_send()) {
        return visitor_error(site, visitor, 503, "Password resets are not available",
                             "This instance cannot send mail. Ask its administrator to set a new "
                             "password for your account.");
    }
    const Status asked = site.account_mail.request_password_reset(email, request.remote_address);
    if (!asked.ok()) {
        const Error& e = asked.error();
        switch (e.code()) {
            case ErrorCode::kInvalidArgument:
                return forgot_page(request, site, visitor, 400, shown, sentence(e.message()),
                                   false);
            case ErrorCode::kLimitExceeded: {
                http::Response response =
                    forgot_page(request, site, visitor, 429, shown, sentence(e.message()), false);
                response.set_header("Retry-After", "3600");
                return response;
            }
            case ErrorCode::kUnavailable:
                // Only an address with an account gets this far: saying so would tell that it
                // has one. The page's words already cover a mail that does not arrive.
                std::fprintf(stderr, "paperboy: password reset mail not sent: %s\n",
                             e.message().c_str());
                break;
            default:
                throw Failure(e);
        }
    }
    return forgot_page(request, site, visitor, 200, shown, {}, true);
}

// The form of a reset link's page (templates/reset_password.html).
http::Response reset_form(Site::Context& site, const PageVisitor& visitor, int status,
                          const std::string& token, std::string problem) {
    Data data;
    data.set("token", token);
    if (!problem.empty()) data.set("problem", std::move(problem));
    return token_page(site, visitor, status, "reset_password", data, "Choose a new password");
}

// POST /account/reset/{token}: the new password, twice.
http::Response post_reset(const http::Request& request, Site::Context& site,
                          const std::string& token) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    // The token is the authorization: a page that cannot know it cannot forge this form. (Its
    // page sends no Referer, so the browser's Origin header says "null": not checked.)
    if (auto refused = refuse_post(request, site, visitor, form, /*check_origin=*/false)) {
        mark_token_page(*refused);
        return *refused;
    }
    const std::string& password = field(form, "password");
    if (password != field(form, "password_again")) {
        return reset_form(site, visitor, 400, token, "The two passwords differ.");
    }
    auto user = site.account_mail.reset_password(token, password);
    if (!user.ok()) {
        if (user.error().code() == ErrorCode::kInvalidArgument) {
            return reset_form(site, visitor, 400, token, sentence(user.error().message()));
        }
        if (user.error().code() == ErrorCode::kUnavailable) {  // the password hasher is full
            http::Response response =
                reset_form(site, visitor, 503, token,
                           "Too many passwords are being checked right now. Try again in a "
                           "moment; the link still works.");
            response.set_header("Retry-After", std::to_string(app::kPasswordsBusyRetrySeconds));
            return response;
        }
        return bad_link(site, visitor, user.error(), std::string(kBadResetLink));
    }
    // Every session of the account has ended, the browser's own if it had one.
    http::Response response = see_other("/login?notice=password-changed");
    response.set_header("Referrer-Policy", "no-referrer");
    return response;
}

}  // namespace

void add_account_mail_routes(Router& router, Site::Context& site) {
    for (const char* method : {"GET", "POST"}) {
        router.add(method, "/account/verify/{token}", "account_verify",
                   [&site](const http::Request& request, const PathParams& params) {
                       return verify_page(request, site, params.at("token"));
                   });
    }
    router.add("POST", "/settings/verify-email", "settings_verify_email",
               [&site](const http::Request& request, const PathParams&) {
                   return post_verify_email(request, site);
               });
    router.add("GET", "/account/forgot", "account_forgot",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   return forgot_page(request, site, visitor, 200, {}, {}, false);
               });
    router.add("POST", "/account/forgot", "account_forgot",
               [&site](const http::Request& request, const PathParams&) {
                   return post_forgot(request, site);
               });
    router.add("GET", "/account/reset/{token}", "account_reset",
               [&site](const http::Request& request, const PathParams& params) {
                   const PageVisitor visitor = page_visitor(request, site);
                   const std::string& token = params.at("token");
                   if (Status usable =
                           site.account_mail.check_link(token, MailTokenPurpose::kResetPassword);
                       !usable.ok()) {
                       return bad_link(site, visitor, usable.error(), std::string(kBadResetLink));
                   }
                   return reset_form(site, visitor, 200, token, {});
               });
    router.add("POST", "/account/reset/{token}", "account_reset",
               [&site](const http::Request& request, const PathParams& params) {
                   return post_reset(request, site, params.at("token"));
               });
}

}  // namespace paperboy::web
