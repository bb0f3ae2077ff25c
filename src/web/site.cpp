#include "web/site.h"

#include <cctype>
#include <cstdio>
#include <exception>
#include <optional>

#include "app/auth/crypto.h"
#include "core/hash.h"
#include "core/timestamp.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

// Every feature a page could ask the browser for (Chromium's names; a name it does not know is
// a console warning, so none of those), denied.
constexpr std::string_view kPermissionsPolicy =
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "geolocation=(), gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()";

// Every response carries these (docs/http-api.md, "Security headers"). Pages use no inline
// script or style, so the policy allows only the site's own files; they use no device or
// powerful feature either, so the Permissions-Policy denies them all, to the pages and to
// anything they might embed. A page may ask for a stricter Referrer-Policy (pages whose address
// holds a token send none: mark_token_page). HSTS only when the site is served over https (a
// browser ignores it over plain http anyway, and a site reached by http alone must not ask);
// without includeSubDomains, which is the domain owner's decision, not this server's.
void add_security_headers(http::Response& response, bool https) {
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
                        "script-src 'self'; object-src 'none'; base-uri 'none'; "
                        "form-action 'self'; frame-ancestors 'none'");
    response.set_header("X-Content-Type-Options", "nosniff");
    if (!response.header("Referrer-Policy")) {
        response.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    }
    response.set_header("X-Frame-Options", "DENY");
    response.set_header("Permissions-Policy", std::string(kPermissionsPolicy));
    if (https) response.set_header("Strict-Transport-Security", "max-age=31536000");
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A host name or address and an optional port, as a Host header carries them.
bool is_host_and_port(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' ||
                        c == ']';
        if (!ok) return false;
    }
    return host.front() != ':' && host.front() != '.' && host.front() != '-';
}

// "http://" or "https://" when `url` starts with one, else "".
std::string_view scheme_of(std::string_view url) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (url.size() >= scheme.size() && lower(url.substr(0, scheme.size())) == scheme) {
            return url.substr(0, scheme.size());
        }
    }
    return {};
}

std::string without_trailing_slashes(std::string url) {
    while (url.ends_with('/')) url.pop_back();
    return url;
}

// A request that passed through a reverse proxy says so in one of these.
bool is_forwarded(const http::Request& request) {
    return request.header("Forwarded") || request.header("X-Forwarded-For") ||
           request.header("X-Real-IP");
}

// Whether this request may read /metrics (SiteOptions::metrics_allow, metrics_token).
bool may_read_metrics(const http::Request& request, const SiteOptions& options) {
    if (!options.metrics_token.empty()) {
        const auto token = bearer_token(request);
        if (token && app::auth::equal_constant_time(*token, options.metrics_token)) return true;
    }
    if (!options.trust_proxy && is_forwarded(request)) return false;
    return options.metrics_allow.contains(request.remote_address);
}

// What a client over its search budget gets: the site's error page for /search, plain text
// for a feed (as feed readers show errors best); not stored, with Retry-After.
// The answer to a handler's Failure: 503 with Retry-After while the database is out of reach
// (the client tries again; a load balancer may send it elsewhere), 500 for anything else.
http::Response failure_response(const Site::Context& site, const http::Request& request,
                                const Error& error) {
    const bool api = is_api_path(request.path);
    if (error.code() != ErrorCode::kUnavailable) {
        return api ? api_error(500, "internal", "the server could not answer this request")
                   : site.error_page(500, "Something went wrong",
                                     "The server could not answer this request. It has been "
                                     "logged; try again in a moment.");
    }
    http::Response response =
        api ? api_error(503, "unavailable", "the service is unavailable for a moment")
            : site.error_page(503, "Back in a moment",
                              "The site cannot reach its database just now. Try again in a "
                              "few seconds.");
    response.set_header("Retry-After", std::to_string(kUnavailableRetryAfter));
    response.set_header("Cache-Control", "no-store");
    return response;
}

http::Response too_many_searches(const Site::Context& site, const http::Request& request,
                                 int retry_after) {
    const std::string wait =
        std::to_string(retry_after) + (retry_after == 1 ? " second" : " seconds");
    http::Response response =
        request.path.starts_with("/feeds/")
            ? http::Response::text(429,
                                   "Too many searches from this address; retry in " + wait + ".\n")
            : site.error_page(429, "Too many searches",
                              "This address has sent more searches than the site answers at "
                              "once. Try again in " +
                                  wait + ".");
    response.set_header("Cache-Control", "no-store");
    response.set_header("Retry-After", std::to_string(retry_after));
    return response;
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

app::AccountsOptions accounts_options(const SiteOptions& options,
                                      std::shared_ptr<app::auth::PasswordPool> passwords) {
    app::AccountsOptions out;
    out.passwords = std::move(passwords);
    out.now = service_clock(options);
    return out;
}

app::AccountMailOptions account_mail_options(const SiteOptions& options,
                                             std::shared_ptr<app::auth::PasswordPool> passwords) {
    app::AccountMailOptions out;
    out.background_sends = options.background_mail;
    out.identity = mail_identity(options);
    out.now = service_clock(options);
    out.passwords = std::move(passwords);
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
    return instance.curation(std::move(curation_options));
}

void apply_cache_policy(const http::Request& request, http::Response& response,
                        std::string_view cache_control) {
    // The body's hash as 16 hex digits, quoted: the same on every node and every build of a
    // version (a stable hash, not std::hash), so a client's If-None-Match works behind a load
    // balancer.
    static constexpr char kHex[] = "0123456789abcdef";
    const uint64_t hash = stable_hash64(response.body);
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

Result<std::vector<std::string>> parse_allowed_hosts(std::string_view list) {
    std::vector<std::string> hosts;
    while (!list.empty()) {
        const size_t comma = list.find(',');
        std::string_view entry = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) {
            entry.remove_prefix(1);
        }
        while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) {
            entry.remove_suffix(1);
        }
        if (entry.empty()) continue;
        const std::string_view scheme = scheme_of(entry);
        std::string_view host = entry.substr(scheme.size());
        if (host.ends_with('/')) host.remove_suffix(1);
        if (!is_host_and_port(host)) {
            return Error(ErrorCode::kInvalidArgument,
                         "\"" + std::string(entry) +
                             "\" is not a host name with an optional port and scheme, such as "
                             "papers.example.org or https://papers.example.org:8443");
        }
        hosts.push_back(lower(scheme) + lower(host));
    }
    return hosts;
}

LinkBase::LinkBase(std::string_view public_url, const std::vector<std::string>& allowed_hosts) {
    // Bare hosts are reached over the public URL's scheme (a site behind an https proxy), else
    // over the plain http the server speaks.
    const std::string_view scheme_of_public = scheme_of(public_url);
    const std::string default_scheme =
        scheme_of_public.empty() ? std::string("http://") : lower(scheme_of_public);
    for (const std::string& entry : allowed_hosts) {
        const std::string_view scheme = scheme_of(entry);
        const std::string name = lower(std::string_view(entry).substr(scheme.size()));
        hosts_.push_back(Host{name, (scheme.empty() ? default_scheme : lower(scheme)) + name});
    }
    default_base_ = without_trailing_slashes(std::string(public_url));
    if (default_base_.empty() && !hosts_.empty()) default_base_ = hosts_.front().base;
}

void LinkBase::set_listen_url(std::string url) {
    std::lock_guard lock(mutex_);
    listen_url_ = without_trailing_slashes(std::move(url));
}

std::string LinkBase::for_request(const http::Request& request) const {
    if (const auto host = request.header("Host")) {
        for (const Host& allowed : hosts_) {
            if (http::equals_ignore_case(*host, allowed.name)) return allowed.base;
        }
    }
    if (!default_base_.empty()) return default_base_;
    std::lock_guard lock(mutex_);
    return listen_url_.empty() ? std::string("http://localhost") : listen_url_;
}

Site::Site(app::Instance instance, app::SearchService& search, SiteOptions options)
    : options_(std::move(options)),
      links_(options_.public_url, options_.allowed_hosts),
      search_limiter_(options_.search_rate, options_.search_burst, options_.api_clock) {
    // One pool hashes the passwords of log-ins, sign-ups and resets.
    auto passwords = std::make_shared<app::auth::PasswordPool>(options_.password_hashing);
    context_ = std::shared_ptr<Context>(new Context{
        instance, search, instance.library(), instance.votes(), View(options_.site_name), options_,
        instance.accounts(accounts_options(options_, passwords)),
        instance.subscriptions(options_.mailer, subscriptions_options(options_)),
        instance.account_mail(options_.mailer, account_mail_options(options_, passwords)), links_});
    add_page_routes(router_, *context_);
    add_paper_routes(router_, *context_);
    add_api_routes(router_, *context_);
    add_feed_routes(router_, *context_);
    add_account_routes(router_, *context_);
    add_people_routes(router_, *context_);
    add_subscription_routes(router_, *context_);
    add_account_mail_routes(router_, *context_);
    add_for_you_routes(router_, *context_);
    router_.add("GET", "/metrics", "metrics",
                [this](const http::Request& request, const PathParams&) {
                    http::Response response;
                    if (may_read_metrics(request, options_)) {
                        response = http::Response::text(200, metrics_.render());
                        response.set_header("Content-Type", std::string(kPrometheusContentType));
                    } else if (!options_.metrics_token.empty()) {
                        response = http::Response::text(401, "The metrics need a token.\n");
                        response.set_header("WWW-Authenticate", "Bearer realm=\"metrics\"");
                    } else {
                        response = http::Response::text(
                            403, "The metrics are served to allowed addresses only.\n");
                    }
                    response.set_header("Cache-Control", "no-store");
                    return response;
                });
}

bool Site::waits_for_password_hashing(const http::Request& request) {
    if (request.method != "POST") return false;
    const std::string_view path = request.path;
    return path == "/login" || path == "/signup" || path.starts_with("/account/reset/");
}

http::Response Site::refusal(int status, std::string_view reason, const http::Request& partial) {
    static constexpr std::pair<int, std::string_view> kCodes[] = {{400, "bad_request"},
                                                                  {413, "payload_too_large"},
                                                                  {414, "uri_too_long"},
                                                                  {431, "headers_too_large"},
                                                                  {501, "not_implemented"}};
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
    add_security_headers(response, options_.public_url.starts_with("https://"));
    response.route = "refused";
    return response;
}

http::Response Site::handle(const http::Request& request) {
    http::Response response;
    const Router::Match match = router_.match(request.method, request.path);
    try {
        // A signed-in visitor's pages are their own: never served from or kept in the cache.
        const bool personal = cookie_value(request, kSessionCookie).has_value();
        std::optional<int> retry_after;
        if (match.handler != nullptr && match.throttle == Throttle::kSearch) {
            retry_after = search_limiter_.acquire(request.remote_address);
        }
        if (retry_after) {
            response = too_many_searches(*context_, request, *retry_after);
        } else if (match.handler != nullptr && match.caching == Caching::kRendered && !personal) {
            // Rendered once per change of the data (the index's feed position follows the
            // store's) and per few seconds. The key is all a response depends on: the whole
            // target, query included, and the base of its absolute links (one of the configured
            // few, never a Host header as such).
            const int64_t version = context_->search.last_sequence();
            const std::string key = links_.for_request(request) + request.target;
            if (auto cached = cache_.find(key, version)) {
                response = *cached;
                const auto etag = response.header("ETag");
                const auto if_none_match = request.header("If-None-Match");
                if (etag && if_none_match && if_none_match->find(*etag) != std::string_view::npos) {
                    response.status = 304;
                    response.body.clear();
                }
            } else {
                response = (*match.handler)(request, match.params);
                cache_.store(key, version, response);
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
    } catch (const Failure& e) {
        std::fprintf(stderr, "paperboy: %s %s failed: %s\n", request.method.c_str(),
                     request.target.c_str(), e.what());
        response = failure_response(*context_, request, e.error());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "paperboy: %s %s failed: %s\n", request.method.c_str(),
                     request.target.c_str(), e.what());
        response = is_api_path(request.path)
                       ? api_error(500, "internal", "the server could not answer this request")
                       : context_->error_page(500, "Something went wrong",
                                              "The server could not answer this request. It has "
                                              "been logged; try again in a moment.");
    }
    add_security_headers(response, options_.public_url.starts_with("https://"));
    response.route = match.name;
    return response;
}

}  // namespace paperboy::web
