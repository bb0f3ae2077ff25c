// web/site.h — the whole site: the one route table, the pages, the JSON API, the feeds.
//
// Site::handle() turns a Request into a Response and is what the HTTP server calls (from any
// of its threads: the Site holds no per-request state). It can be called directly, which is how
// the page and API tests exercise it without sockets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/library.h"
#include "app/mailer.h"
#include "app/search_service.h"
#include "ingest/harvest/http_fetcher.h"
#include "rank/trending.h"
#include "store/store.h"
#include "web/http/message.h"
#include "web/metrics.h"
#include "web/response_cache.h"
#include "web/router.h"
#include "web/view.h"

namespace paperboy::web {

struct SiteOptions {
    std::string site_name = "Daily Papers";
    // "https://papers.example.org": the base of feed links, and the origin forms and cookie
    // requests must come from; "" = relative links, the request's Host. Mail links use
    // mail.public_url when that is set (below).
    std::string public_url;
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
    // Password-reset mail goes out from a thread of its own, so that the answer takes as long
    // for an address with an account as for one without (a server sets it; tests do not).
    bool background_mail = false;
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

// Rendered pages are reused for this long at most (web/response_cache.h), within this much
// memory.
inline constexpr std::chrono::milliseconds kPageCacheAge{10000};
inline constexpr size_t kPageCacheBytes = size_t{64} << 20;

class Site {
  public:
    Site(store::Store& store, app::SearchService& search, SiteOptions options);

    // The response's `route` is the route's name (the label its metrics are counted under).
    http::Response handle(const http::Request& request);

    // The answer to a request the HTTP server refused before routing (HttpServer::Options::
    // refusal): JSON under /api/, the site's error page elsewhere.
    http::Response refusal(int status, std::string_view reason, const http::Request& partial);

    Metrics& metrics() { return metrics_; }
    const SiteOptions& options() const { return options_; }

    // Shared with the route files (pages.cpp, api.cpp, feeds.cpp).
    struct Context;

  private:
    std::shared_ptr<Context> context_;
    Router router_;
    SiteOptions options_;
    Metrics metrics_;
    ResponseCache cache_{kPageCacheBytes, kPageCacheAge};
};

}  // namespace paperboy::web
