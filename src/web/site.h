// web/site.h — the whole site: the one route table, the pages, the JSON API, the feeds.
//
// Site::handle() turns a Request into a Response and is what the HTTP server calls (from any
// of its threads: the Site holds no per-request state). It can be called directly, which is how
// the page and API tests exercise it without sockets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/auth/password_pool.h"
#include "app/instance.h"
#include "app/library.h"
#include "app/mailer.h"
#include "app/search_service.h"
#include "ingest/harvest/http_fetcher.h"
#include "rank/trending.h"
#include "web/address_list.h"
#include "web/api.h"
#include "web/http/message.h"
#include "web/metrics.h"
#include "web/response_cache.h"
#include "web/router.h"
#include "web/view.h"

namespace paperboy::web {

struct SiteOptions {
    std::string site_name = "Daily Papers";
    // "https://papers.example.org": the base of feed links, and the origin forms and cookie
    // requests must come from; "" = feed links to an allowed host (below) or the server's own
    // address (Site::set_listen_url), never simply the request's Host. Mail links use
    // mail.public_url when that is set (below). An https:// URL also turns on HSTS.
    std::string public_url;
    // The other names the site is reached by, as parse_allowed_hosts() makes them:
    // "papers.example.net", "papers.example.net:8443" (the port as the Host header has it) or
    // "https://papers.example.net". A request whose Host header is one of them gets feed links
    // to that host; any other Host gets the default (LinkBase).
    std::vector<std::string> allowed_hosts;
    rank::TrendingParams trending;
    // The clock; tests pin it.
    std::function<std::chrono::sys_seconds()> now = [] {
        return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    };
    // The JSON API's rate limit per client address (web/api.h): `api_rate` requests a second
    // on average, in bursts of up to `api_burst`; api_rate <= 0 turns it off. Its clock is
    // monotonic, and tests pin it too.
    double api_rate = 20;
    double api_burst = 40;
    std::function<std::chrono::steady_clock::time_point()> api_clock = [] {
        return std::chrono::steady_clock::now();
    };
    // Searches (/search, /feeds/search.rss and .atom), the costliest pages, per client address:
    // `search_rate` a second in bursts of `search_burst`, on api_clock; search_rate <= 0 turns
    // the limit off. Every request counts, even one answered from the response cache.
    double search_rate = 5;
    double search_burst = 20;
    // Who may read /metrics: a client whose address is on metrics_allow (by default the machine
    // itself), or any client sending "Authorization: Bearer <metrics_token>" when that is set.
    AddressList metrics_allow = AddressList::loopback();
    std::string metrics_token;
    // Whether Request::remote_address is the client's as a trusted reverse proxy reports it
    // (serve --trust-proxy puts it there). Without that, a request that carries a forwarding
    // header (Forwarded, X-Forwarded-For, X-Real-IP) came through a proxy, whose own address
    // (often loopback) says nothing of the client: metrics_allow does not admit it.
    bool trust_proxy = false;
    // Submissions to today's list (app/curation.h): how old a paper may be, how many a member
    // may submit a day, and where papers the store does not have come from (null: nowhere,
    // only stored papers can be submitted).
    int submit_max_age_days = 14;
    int submit_daily_limit = 10;
    ingest::HttpFetcher* arxiv_fetcher = nullptr;
    std::string arxiv_api_url;  // empty: the public arXiv API

    // Mail (subscription confirmations, account verification and password resets): the relay,
    // which must outlive the Site and be thread-safe (app::Mailer is), or null when this
    // instance cannot send mail (the pages that would send say so, with a 503). Links in mail
    // are made from mail.public_url, or public_url when that is empty; without either they are
    // bare paths, which only tests want.
    app::Mailer* mailer = nullptr;
    // Password-reset mail and the mail after a sign-up go out from a thread of their own, so
    // that the answer takes as long for an address with an account as for one without (a
    // server sets it; tests do not).
    bool background_mail = false;
    // Where passwords are hashed and checked (log-in, sign-up, reset): a pool of its own
    // threads, which refuses at once (503 with Retry-After) when max_pending requests already
    // wait for it. Those requests hold their server threads while they wait: a server runs
    // max_pending threads more than it serves other requests with (cli/cmd_serve.cpp).
    app::auth::PasswordPoolOptions password_hashing;
    app::MailIdentity mail;
    // When the digests go out (cli/digest_scheduler.h runs them; these are its defaults): the
    // page that confirms a subscription says when the first digest comes.
    struct DigestSchedule {
        std::chrono::minutes time_of_day{7 * 60};  // UTC
        std::chrono::weekday weekly_day = std::chrono::Monday;
        bool weekends = false;  // daily digests for Saturday's and Sunday's lists too
    };
    DigestSchedule digest_schedule;
};

// The entries of a --allowed-hosts list, comma-separated: host names or addresses with an
// optional port ("papers.example.net", "papers.example.net:8443", "[::1]:8080"), each with an
// optional "http://" or "https://" before it (for feed links over that scheme; else
// public_url's, else http). Lower-cased, a trailing "/" dropped. A malformed entry (a path,
// characters no host has) is a kInvalidArgument error that quotes it.
Result<std::vector<std::string>> parse_allowed_hosts(std::string_view list);

// Where the absolute links of feeds lead. Never the request's Host header as such: feeds are
// kept by proxies and feed readers (and by the site's own response cache), so a host an
// attacker sends must not reach their links. Thread-safe.
class LinkBase {
  public:
    // `allowed_hosts` as parse_allowed_hosts() makes them.
    LinkBase(std::string_view public_url, const std::vector<std::string>& allowed_hosts);

    // The server's own address ("http://127.0.0.1:8080"), known once it listens: the default
    // when there is neither a public URL nor an allowed host.
    void set_listen_url(std::string url);

    // "https://papers.example.org", without a trailing slash: the allowed host the request's
    // Host header names (ASCII case-insensitively), else the default: the public URL, else the
    // first allowed host, else the listen URL, else "http://localhost".
    std::string for_request(const http::Request& request) const;

  private:
    struct Host {
        std::string name;  // as the Host header has it: "papers.example.net:8443"
        std::string base;  // "https://papers.example.net:8443"
    };
    std::vector<Host> hosts_;
    std::string default_base_;  // "" = the listen URL
    mutable std::mutex mutex_;
    std::string listen_url_;
};

// Rendered pages are reused for this long at most (web/response_cache.h), within this much
// memory.
inline constexpr std::chrono::milliseconds kPageCacheAge{10000};
inline constexpr size_t kPageCacheBytes = size_t{64} << 20;

class Site {
  public:
    Site(app::Instance instance, app::SearchService& search, SiteOptions options);

    // The response's `route` is the route's name (the label its metrics are counted under).
    http::Response handle(const http::Request& request);

    // Whether handling `request` may wait for password hashing (SiteOptions::password_hashing):
    // a log-in, a sign-up or a password reset. The server runs those on threads of their own
    // (HttpServer::Options::may_block).
    static bool waits_for_password_hashing(const http::Request& request);

    // The answer to a request the HTTP server refused before routing (HttpServer::Options::
    // refusal): JSON under /api/, the site's error page elsewhere.
    http::Response refusal(int status, std::string_view reason, const http::Request& partial);

    Metrics& metrics() { return metrics_; }
    const SiteOptions& options() const { return options_; }
    // The server's own address, for feed links when no public URL or allowed host is set
    // (LinkBase::set_listen_url). Thread-safe.
    void set_listen_url(std::string url) { links_.set_listen_url(std::move(url)); }

    // Shared with the route files (pages.cpp, api.cpp, feeds.cpp).
    struct Context;

  private:
    std::shared_ptr<Context> context_;
    Router router_;
    SiteOptions options_;
    LinkBase links_;
    RateLimiter search_limiter_;
    Metrics metrics_;
    ResponseCache cache_{kPageCacheBytes, kPageCacheAge};
};

}  // namespace paperboy::web
