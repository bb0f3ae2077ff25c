// The list pages: the daily list (/ and /papers/date/DAY), weeks, months, trending; the static
// files; the health check. (The subscription banner's target is in pages_subscriptions.cpp.)
#include <string>

#include "core/calendar.h"
#include "core/json_writer.h"
#include "web/assets.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kListCache = "public, max-age=60";
constexpr std::string_view kStaticCache = "public, max-age=31536000, immutable";

std::string count_label(size_t n) {
    return n == 1 ? std::string("1 paper") : std::to_string(n) + " papers";
}

Data papers_data(Site::Context& site, const PageVisitor& visitor,
                 const std::vector<app::ListedPaper>& papers) {
    std::vector<PaperId> ids;
    ids.reserve(papers.size());
    for (const app::ListedPaper& p : papers) ids.push_back(p.paper.id);
    const std::vector<bool> voted = votes_of(site, visitor, ids);
    Data list(Data::type::list);
    for (size_t i = 0; i < papers.size(); ++i) {
        Data card = card_data(papers[i], site.now());
        if (voted[i]) card.set("voted", Data(true));
        list.push_back(card);
    }
    return list;
}

// The shared shape of list pages (templates/daily.html).
struct ListPage {
    std::string heading;
    std::string pager_label;
    std::string previous_url, previous_label;
    std::string next_url, next_label;
    std::string empty_title, empty_text;
};

http::Response list_response(const http::Request& request, Site::Context& site,
                             const ListPage& page, const std::vector<app::ListedPaper>& papers,
                             PageInfo info) {
    const PageVisitor visitor = page_visitor(request, site);
    visitor.describe(request, info);
    Data data;
    data.set("heading", page.heading);
    data.set("count_label", count_label(papers.size()));
    data.set("pager_label", page.pager_label);
    if (!page.previous_url.empty()) {
        data.set("previous_url", page.previous_url);
        data.set("previous_label", page.previous_label);
    }
    if (!page.next_url.empty()) {
        data.set("next_url", page.next_url);
        data.set("next_label", page.next_label);
    }
    data.set("has_papers", Data(!papers.empty()));
    data.set("papers", papers_data(site, visitor, papers));
    data.set("empty_title", page.empty_title);
    data.set("empty_text", page.empty_text);
    http::Response response = site.html_page(200, "daily", data, info);
    apply_page_cache_policy(request, response, kListCache, visitor);
    return response;
}

http::Response daily_page(const http::Request& request, Site::Context& site,
                          const std::string& date, bool is_home) {
    auto list = site.library.daily(date);
    if (!list.ok()) throw Failure(list.error());
    ListPage page;
    page.heading = is_home ? "Daily Papers" : "Daily Papers · " + display_day(date);
    if (is_home) page.heading += " · " + display_day(date);
    page.pager_label = "Other days";
    if (list->previous) {
        page.previous_url = "/papers/date/" + *list->previous;
        page.previous_label = display_day(*list->previous);
    }
    if (list->next) {
        page.next_url = "/papers/date/" + *list->next;
        page.next_label = display_day(*list->next);
    }
    page.empty_title = "No papers on " + display_day(date) + ".";
    page.empty_text = "Nobody put a paper on this day's list. Try the previous or next day.";
    PageInfo info;
    info.title = "Daily Papers · " + display_day(date);
    info.nav = "daily";
    info.today = date;
    return list_response(request, site, page, list->papers, info);
}

http::Response range_page(const http::Request& request, Site::Context& site, const DayRange& days,
                          std::string heading, std::string nav, std::string previous_url,
                          std::string next_url) {
    auto papers = site.library.between(days);
    if (!papers.ok()) throw Failure(papers.error());
    ListPage page;
    page.heading = std::move(heading);
    page.pager_label = nav == "week" ? "Other weeks" : "Other months";
    page.previous_url = std::move(previous_url);
    page.previous_label = nav == "week" ? "Previous week" : "Previous month";
    page.next_url = std::move(next_url);
    page.next_label = nav == "week" ? "Next week" : "Next month";
    page.empty_title =
        "No papers between " + display_day(days.first) + " and " + display_day(days.last) + ".";
    page.empty_text = "Nothing was put on a daily list in this period.";
    PageInfo info;
    info.title = page.heading;
    info.nav = std::move(nav);
    info.today = days.first;
    return list_response(request, site, page, *papers, info);
}

}  // namespace

void add_page_routes(Router& router, Site::Context& site) {
    router.add(
        "GET", "/", "home",
        [&site](const http::Request& request, const PathParams&) {
            auto latest = site.library.latest_date();
            if (!latest.ok()) throw Failure(latest.error());
            if (!*latest) {
                ListPage page;
                page.heading = "Daily Papers";
                page.pager_label = "Other days";
                page.empty_title = "No daily lists yet.";
                page.empty_text =
                    "Load papers with 'paperboy ingest' or 'paperboy harvest --source hf-daily'; "
                    "they appear here as soon as they are in the database.";
                PageInfo info;
                info.title = "Daily Papers";
                info.nav = "daily";
                return list_response(request, site, page, {}, info);
            }
            return daily_page(request, site, **latest, /*is_home=*/true);
        },
        Caching::kRendered);

    router.add(
        "GET", "/papers/date/{date}", "daily",
        [&site](const http::Request& request, const PathParams& params) {
            const std::string& date = params.at("date");
            if (!is_valid_day(date)) {
                return site.error_page(400, "Not a date",
                                       "'" + date + "' is not a date like 2024-10-25.");
            }
            return daily_page(request, site, date, /*is_home=*/false);
        },
        Caching::kRendered);

    router.add(
        "GET", "/papers/week/{week}", "weekly",
        [&site](const http::Request& request, const PathParams& params) {
            const std::string& week = params.at("week");
            auto days = iso_week_days(week);
            if (!days) {
                return site.error_page(400, "Not a week",
                                       "'" + week + "' is not an ISO week like 2024-W43.");
            }
            return range_page(request, site, *days,
                              "Weekly Papers · " + week + " (" + display_day(days->first) + " – " +
                                  display_day(days->last) + ")",
                              "week", "/papers/week/" + iso_week_of(add_days(days->first, -1)),
                              "/papers/week/" + iso_week_of(add_days(days->last, 1)));
        },
        Caching::kRendered);

    router.add(
        "GET", "/papers/month/{month}", "monthly",
        [&site](const http::Request& request, const PathParams& params) {
            const std::string& month = params.at("month");
            auto days = month_days(month);
            if (!days) {
                return site.error_page(400, "Not a month",
                                       "'" + month + "' is not a month like 2024-10.");
            }
            return range_page(request, site, *days,
                              "Monthly Papers · " + display_day(days->first).substr(0, 3) + " " +
                                  month.substr(0, 4),
                              "month", "/papers/month/" + month_of(add_days(days->first, -1)),
                              "/papers/month/" + month_of(add_days(days->last, 1)));
        },
        Caching::kRendered);

    router.add(
        "GET", "/papers/trending", "trending",
        [&site](const http::Request& request, const PathParams&) {
            app::TrendingOptions options;
            options.params = site.options.trending;
            auto papers = site.library.trending(site.now(), options);
            if (!papers.ok()) throw Failure(papers.error());
            ListPage page;
            page.heading = "Trending Papers";
            page.pager_label = "Lists";
            page.empty_title = "Nothing is trending yet.";
            page.empty_text =
                "Trending ranks the last week's daily lists by upvotes, "
                "newer papers first.";
            PageInfo info;
            info.title = "Trending Papers";
            info.nav = "trending";
            return list_response(request, site, page, *papers, info);
        },
        Caching::kRendered);

    router.add("GET", "/static/{file}", "static",
               [&site](const http::Request& request, const PathParams& params) {
                   const std::string& file = params.at("file");
                   auto content = asset("static/" + file);
                   if (!content) return site.error_page(404, "Not found", "No such file.");
                   http::Response response;
                   response.body = std::string(*content);
                   response.set_header("Content-Type",
                                       file.ends_with(".css")
                                           ? "text/css; charset=utf-8"
                                           : "application/javascript; charset=utf-8");
                   apply_cache_policy(request, response, kStaticCache);
                   return response;
               });

    router.add("GET", "/healthz", "healthz", [&site](const http::Request&, const PathParams&) {
        auto stats = site.library.stats();
        const bool ok = stats.ok();
        JsonWriter w;
        w.begin_object().field("status", ok ? "ok" : "unavailable");
        if (ok) {
            w.field("papers", stats->papers);
            w.field("indexedSequence", site.search.last_sequence());
            w.field("storeSequence", stats->last_sequence);
        }
        w.end_object();
        http::Response response = http::Response::json(ok ? 200 : 503, w.str());
        response.set_header("Cache-Control", "no-store");
        return response;
    });
}

}  // namespace paperboy::web
