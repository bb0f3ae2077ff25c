#include "web/site.h"

#include <cstdio>
#include <exception>

#include "core/timestamp.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

// Every response carries these (docs/http-api.md, "Security headers"). Pages use no inline
// script or style, so the policy allows only the site's own files. A page may ask for a
// stricter Referrer-Policy (pages whose address holds a token send none: mark_token_page).
void add_security_headers(http::Response& response) {
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
                        "script-src 'self'; object-src 'none'; base-uri 'none'; "
                        "form-action 'self'; frame-ancestors 'none'");
    response.set_header("X-Content-Type-Options", "nosniff");
    if (!response.header("Referrer-Policy")) {
        response.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    }
    response.set_header("X-Frame-Options", "DENY");
}

// Who mail comes from and where its links lead: SiteOptions::mail, its links from public_url
// when it names no base of its own.
app::MailIdentity mail_identity(const SiteOptions& options) {
    app::MailIdentity identity = options.mail;
    if (identity.public_url.empty()) identity.public_url = options.public_url;
    return identity;
}

// The site's clock as the mail services read it.
std::function<std::chrono::system_clock::time_point()> service_clock(const SiteOptions& options) {
    return [now = options.now] { return std::chrono::system_clock::time_point(now()); };
}

app::SubscriptionsOptions subscriptions_options(const SiteOptions& options) {
    app::SubscriptionsOptions out;
    out.identity = mail_identity(options);
    out.now = service_clock(options);
    return out;
}

app::AccountMailOptions account_mail_options(const SiteOptions& options) {
    app::AccountMailOptions out;
    out.background_resets = options.background_mail;
    out.identity = mail_identity(options);
    out.now = service_clock(options);
    return out;
}

}  // namespace

std::string Site::Context::today() const { return format_instant(now()).substr(0, 10); }

http::Response Site::Context::html_page(int status, std::string_view name, const Data& data,
                                        const PageInfo& info) const {
    PageInfo with_today = info;
    if (with_today.today.empty()) {
        // The Weekly and Monthly tabs lead to the newest list's week and month (today's are
        // empty on an instance that is not fed every day).
        auto latest = library.latest_date();
        with_today.today = latest.ok() && *latest ? **latest : today();
    }
    return http::Response::html(status, view.page(name, data, with_today));
}

http::Response Site::Context::error_page(int status, std::string heading,
                                         std::string message) const {
    Data data;
    data.set("status", std::to_string(status));
    data.set("heading", heading);
    data.set("message", message);
    PageInfo info;
    info.title = std::move(heading);
    http::Response response = html_page(status, "error", data, info);
    response.set_header("Cache-Control", "no-store");
    return response;
}

app::Curation Site::Context::curation() const {
    app::CurationOptions curation_options;
    curation_options.max_age_days = options.submit_max_age_days;
    curation_options.daily_limit_per_user = options.submit_daily_limit;
    curation_options.fetcher = options.arxiv_fetcher;
    curation_options.arxiv_api_url = options.arxiv_api_url;
    curation_options.now = options.now;
    return app::Curation(store, std::move(curation_options));
}

void apply_cache_policy(const http::Request& request, http::Response& response,
                        std::string_view cache_control) {
    // The body's hash as 16 hex digits, quoted.
    static constexpr char kHex[] = "0123456789abcdef";
    const uint64_t hash = std::hash<std::string>{}(response.body);
    std::string etag(18, '"');
    for (int i = 0; i < 16; ++i)
        etag[static_cast<size_t>(1 + i)] = kHex[hash >> (60 - 4 * i) & 0xF];
    response.set_header("ETag", etag);
    response.set_header("Cache-Control", std::string(cache_control));
    const auto if_none_match = request.header("If-None-Match");
    if (!if_none_match || response.status != 200) return;
    // A list of tags, possibly weak (W/"..."), or "*".
    const std::string_view tags = *if_none_match;
    if (tags.find(etag) != std::string_view::npos || tags == "*") {
        response.status = 304;
        response.body.clear();
    }
}

Site::Site(store::Store& store, app::SearchService& search, SiteOptions options)
    : options_(std::move(options)) {
    context_ = std::shared_ptr<Context>(
        new Context{store, search, app::Library(store), View(options_.site_name), options_,
                    app::Accounts(store),
                    app::Subscriptions(store, options_.mailer, subscriptions_options(options_)),
                    app::AccountMail(store, options_.mailer, account_mail_options(options_))});
    add_page_routes(router_, *context_);
    add_paper_routes(router_, *context_);
    add_api_routes(router_, *context_);
    add_feed_routes(router_, *context_);
    add_account_routes(router_, *context_);
    add_people_routes(router_, *context_);
    add_subscription_routes(router_, *context_);
    add_account_mail_routes(router_, *context_);
    router_.add("GET", "/metrics", "metrics", [this](const http::Request&, const PathParams&) {
        http::Response response(http::Response::text(200, metrics_.render()));
        response.set_header("Content-Type", std::string(kPrometheusContentType));
        response.set_header("Cache-Control", "no-store");
        return response;
    });
}

http::Response Site::refusal(int status, std::string_view reason, const http::Request& partial) {
    static constexpr std::pair<int, std::string_view> kCodes[] = {{400, "bad_request"},
                                                                  {413, "payload_too_large"},
                                                                  {414, "uri_too_long"},
                                                                  {431, "headers_too_large"}};
    std::string_view code = "bad_request";
    for (const auto& [s, c] : kCodes) {
        if (s == status) code = c;
    }
    http::Response response =
        std::string_view(partial.target).starts_with("/api")
            ? api_error(status, code, reason)
            : context_->error_page(status, std::string(reason),
                                   "The server could not read this request: it is too large or "
                                   "malformed.");
    add_security_headers(response);
    response.route = "refused";
    return response;
}

http::Response Site::handle(const http::Request& request) {
    http::Response response;
    const Router::Match match = router_.match(request.method, request.path);
    try {
        // A signed-in visitor's pages are their own: never served from or kept in the cache.
        const bool personal = cookie_value(request, kSessionCookie).has_value();
        if (match.handler != nullptr && match.caching == Caching::kRendered && !personal) {
            // Rendered once per change of the data (the index's feed position follows the
            // store's) and per few seconds; the key is the whole target, query included.
            const int64_t version = context_->search.last_sequence();
            if (auto cached = cache_.find(request.target, version)) {
                response = *cached;
                const auto etag = response.header("ETag");
                const auto if_none_match = request.header("If-None-Match");
                if (etag && if_none_match && if_none_match->find(*etag) != std::string_view::npos) {
                    response.status = 304;
                    response.body.clear();
                }
            } else {
                response = (*match.handler)(request, match.params);
                cache_.store(request.target, version, response);
            }
        } else if (match.handler != nullptr) {
            response = (*match.handler)(request, match.params);
        } else if (is_api_path(request.path)) {
            response = api_no_route(request, match.allow);
        } else if (!match.allow.empty()) {
            response = context_->error_page(
                405, "Method not allowed",
                "This address does not accept " + request.method + " requests.");
            response.set_header("Allow", match.allow);
        } else {
            response = context_->error_page(
                404, "Page not found",
                "There is nothing at this address. The paper or list may have moved.");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "paperboy: %s %s failed: %s\n", request.method.c_str(),
                     request.target.c_str(), e.what());
        response = is_api_path(request.path)
                       ? api_error(500, "internal", "the server could not answer this request")
                       : context_->error_page(500, "Something went wrong",
                                              "The server could not answer this request. It has "
                                              "been logged; try again in a moment.");
    }
    add_security_headers(response);
    response.route = match.name;
    return response;
}

}  // namespace paperboy::web
