// web/site_context.h — what route handlers share (private to src/web): the services, the view,
// the options, and the helpers every page uses. Each group of routes lives in its own file and
// registers itself with add_*_routes().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/accounts.h"
#include "app/curation.h"
#include "web/site.h"

namespace paperboy::web {

struct Site::Context {
    store::Store& store;
    app::SearchService& search;
    app::Library library;
    View view;
    const SiteOptions& options;
    app::Accounts accounts;

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
    std::optional<store::User> user;  // nullopt: anonymous
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

}  // namespace paperboy::web
