// web/site_context.h — what route handlers share (private to src/web): the services, the view,
// the options, and the helpers every page uses. Each group of routes lives in its own file and
// registers itself with add_*_routes().
#pragma once

#include <string>

#include "app/accounts.h"
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
};

// Cache-Control and a strong ETag from the body; a matching If-None-Match turns the response
// into a bodiless 304.
void apply_cache_policy(const http::Request& request, http::Response& response,
                        std::string_view cache_control);

void add_page_routes(Router& router, Site::Context& site);
// /search and /papers/{id} (pages_paper.cpp); after add_page_routes, whose /papers/... lists
// must match first.
void add_paper_routes(Router& router, Site::Context& site);
void add_api_routes(Router& router, Site::Context& site);
void add_feed_routes(Router& router, Site::Context& site);

}  // namespace paperboy::web
