// web/site_context.h — what route handlers share (private to src/web): the services, the view,
// the options, and the helpers every page uses. Each group of routes lives in its own file and
// registers itself with add_*_routes().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/account_mail.h"
#include "app/accounts.h"
#include "app/curation.h"
#include "app/instance.h"
#include "app/subscriptions.h"
#include "web/forms.h"
#include "web/site.h"

namespace paperboy::web {

// What a route handler throws when a service failed: Site::handle logs it and answers 503 with
// Retry-After when the database is out of reach for now (kUnavailable: a restart, a failover;
// the request fails fast rather than hang), 500 otherwise.
class Failure : public std::runtime_error {
  public:
    explicit Failure(Error error) : std::runtime_error(error.message()), error_(std::move(error)) {}
    const Error& error() const { return error_; }

  private:
    Error error_;
};

// Seconds a client is asked to wait (Retry-After) when the database is out of reach.
inline constexpr int kUnavailableRetryAfter = 5;

struct Site::Context {
    app::Instance instance;
    app::SearchService& search;
    app::Library library;
    app::Votes votes;
    View view;
    const SiteOptions& options;
    app::Accounts accounts;
    // Mail (SiteOptions::mailer, which may be null: these then answer kUnavailable).
    app::Subscriptions subscriptions;
    app::AccountMail account_mail;
    // Where the absolute links of feeds lead (never simply the request's Host).
    const LinkBase& links;

    std::chrono::sys_seconds now() const { return options.now(); }
    std::string today() const;

    // An HTML page, with its ETag and caching headers set by the caller's policy.
    http::Response html_page(int status, std::string_view name, const Data& data,
                             const PageInfo& info) const;
    // The site's error page.
    http::Response error_page(int status, std::string heading, std::string message) const;
    // Submissions and removals under the site's rules (SiteOptions: age, daily limit, fetcher).
    app::Curation curation() const;
};

// Cache-Control and a strong ETag from the body; a matching If-None-Match turns the response
// into a bodiless 304.
void apply_cache_policy(const http::Request& request, http::Response& response,
                        std::string_view cache_control);

// Who is looking at a page (pages_account.cpp): a user logged in by the session cookie (pages
// ignore Bearer tokens, which are the API's), and the CSRF token of their forms.
struct PageVisitor {
    std::optional<User> user;  // nullopt: anonymous
    std::string session_token;
    std::string csrf_token;

    bool logged_in() const { return user.has_value(); }
    // Sets info's user_handle, csrf_token and return_to (the request's target, or "/" when
    // that is too long to send along).
    void describe(const http::Request& request, PageInfo& info) const;
};
PageVisitor page_visitor(const http::Request& request, Site::Context& site);

// Whether the visitor voted for each of `papers`, in order; all false when anonymous.
std::vector<bool> votes_of(Site::Context& site, const PageVisitor& visitor,
                           const std::vector<PaperId>& papers);

// The caching of a page that shows its visitor: apply_cache_policy(`cache_control`) for an
// anonymous one, "private, no-store" for a logged-in one (their page is theirs alone), and
// Vary: Cookie either way, so that a browser never shows a page it kept from before a log-in
// or log-out.
void apply_page_cache_policy(const http::Request& request, http::Response& response,
                             std::string_view cache_control, const PageVisitor& visitor);

// ---- the forms of the account pages (pages_account.cpp) ----

// The layout's values for a page shown to `visitor`, titled `title`.
PageInfo page_info(const PageVisitor& visitor, std::string title);
// A page that shows the visitor or carries a token: "private, no-store".
http::Response private_page(Site::Context& site, int status, std::string_view name,
                            const Data& data, const PageInfo& info);
// The site's error page, with the visitor in the header; not stored.
http::Response visitor_error(Site::Context& site, const PageVisitor& visitor, int status,
                             std::string heading, std::string message);
// 403: a form without its CSRF token (or with a wrong one).
http::Response forged(Site::Context& site, const PageVisitor& visitor);
// What every POST of a form checks before the form is read: that a present Origin header
// names this site (403), the size (413), the type (415) and the encoding (400). nullopt when
// the form, in `form`, may be read. `check_origin` is false only for the forms of pages whose
// address holds a token (mark_token_page): they send no Referer, so browsers send "Origin:
// null" with them, and the token is their authorization.
std::optional<http::Response> refuse_post(const http::Request& request, Site::Context& site,
                                          const PageVisitor& visitor, Fields& form,
                                          bool check_origin = true);
// A logged-in visitor's forms' check: the form carries their session's token.
bool session_token_matches(const PageVisitor& visitor, const Fields& form);
// A page with a form that a visitor without a session may send (log in, sign up, a forgotten
// password): `data` gets "form_csrf", a token the site signed for the visitor's pre-session
// cookie (pb_csrf, a random value; app::Accounts::form_token), and the response sets that
// cookie when the browser had none.
http::Response anonymous_form_page(const http::Request& request, Site::Context& site, int status,
                                   std::string_view name, Data data, const PageInfo& info);
// Whether such a form carries a token the site issued for the request's pb_csrf cookie, and
// not expired.
bool form_token_matches(const http::Request& request, Site::Context& site, const Fields& form);
// "/login", or "/login?next=..." to come back to `next`.
std::string login_url(std::string_view next);

// What the settings page shows besides the account: a token just made (shown once), a
// problem with the form just sent, a notice of what was done.
struct SettingsMessages {
    std::string new_token;
    std::string new_token_name;
    std::string problem;
    std::string notice;
};
http::Response settings_page(Site::Context& site, const PageVisitor& visitor, int status,
                             const SettingsMessages& messages = {});
// The checks of a settings form: from this site, by a logged-in visitor, with their token.
// nullopt when the form, in `form`, may be acted on.
std::optional<http::Response> refuse_settings_post(const http::Request& request,
                                                   Site::Context& site, const PageVisitor& visitor,
                                                   Fields& form);

// ---- mail (pages_subscriptions.cpp, pages_account_mail.cpp) ----

// The answer to a page whose address holds a secret token (a confirmation, unsubscribe,
// verification or reset link): not stored anywhere, and never sent on as a Referer.
void mark_token_page(http::Response& response);
// The settings page's "Email digests" values: the member's subscriptions and the subscribe
// form's, added to `data`.
void add_subscription_settings(Site::Context& site, const User& user, Data& data);
// POST /api/subscriptions (registered with the API's routes, api.cpp).
Result<http::Response> subscribe_api(const http::Request& request, Site::Context& site);

void add_page_routes(Router& router, Site::Context& site);
// /search and /papers/{id} (pages_paper.cpp); after add_page_routes, whose /papers/... lists
// must match first.
void add_paper_routes(Router& router, Site::Context& site);
void add_api_routes(Router& router, Site::Context& site);
void add_feed_routes(Router& router, Site::Context& site);
// Sign-up, log-in and -out, the settings page and the upvote form's target
// (pages_account.cpp).
void add_account_routes(Router& router, Site::Context& site);
// The submission form (/submit), the author, organization and member pages (/authors/{name},
// /orgs/{name}, /u/{handle}) (pages_people.cpp).
void add_people_routes(Router& router, Site::Context& site);
// Subscribing to digests (the banner's form), confirming and unsubscribing, and the settings
// page's subscription buttons (pages_subscriptions.cpp).
void add_subscription_routes(Router& router, Site::Context& site);
// The mail of accounts: verifying the address (and the settings page's button that asks for
// the mail), a forgotten password (pages_account_mail.cpp).
void add_account_mail_routes(Router& router, Site::Context& site);
// "For you": a member's recommendations, the page (/for-you) and the API
// (/api/recommendations) (pages_for_you.cpp).
void add_for_you_routes(Router& router, Site::Context& site);

}  // namespace paperboy::web
