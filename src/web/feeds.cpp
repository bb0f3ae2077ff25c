// The feeds: RSS 2.0 and Atom 1.0 of the daily list, trending, and any search.
//
// One Feed value per request, filled from the Library or the SearchService, then written as RSS
// or Atom. Links are absolute (feed readers resolve nothing), their base from the configuration
// (LinkBase: the public URL, an allowed host the request names, or the server's own address),
// never from the request's Host as such, since proxies and readers keep feeds. Every text goes
// through xml_escape(), so a record can never break the document; RSS descriptions are HTML (as RSS
// readers take them), so the abstract is HTML-escaped first, while Atom summaries say type="text"
// and carry it as it is.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/html.h"
#include "core/timestamp.h"
#include "core/url.h"
#include "text/snippet.h"
#include "web/site_context.h"
#include "web/xml_escape.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kFeedCache = "public, max-age=300";
constexpr std::string_view kRssType = "application/rss+xml; charset=utf-8";
constexpr std::string_view kAtomType = "application/atom+xml; charset=utf-8";
constexpr size_t kSearchItems = 20;
// Collaborations sign papers by the thousand; a feed item names the first ones.
constexpr size_t kMaxAuthors = 25;

enum class Format { kRss, kAtom };

struct FeedItem {
    Paper paper;
    std::chrono::sys_seconds date;  // pubDate / updated
};

struct Feed {
    std::string title;
    std::string description;
    std::string page_path;  // the HTML page the feed mirrors, "/papers/trending"
    std::vector<FeedItem> items;
};

// RFC 822 as RSS wants it (with a four-digit year): "Mon, 03 Nov 2025 08:00:00 +0000".
std::string rfc822(std::chrono::sys_seconds instant) { return format_rfc1123(instant, "+0000"); }

// A listed paper's date: when it was put on the list, else when it was published, else the
// list's day.
FeedItem listed_item(app::ListedPaper listed) {
    std::optional<std::chrono::sys_seconds> date = parse_instant(listed.entry.submitted_at);
    if (!date) date = parse_instant(listed.paper.published);
    if (!date) date = app::submitted_time(listed.entry);
    return FeedItem{std::move(listed.paper), *date};
}

// A search hit's date: published, else updated, else `fallback`.
FeedItem search_item(Paper paper, std::chrono::sys_seconds fallback) {
    std::optional<std::chrono::sys_seconds> date = parse_instant(paper.published);
    if (!date) date = parse_instant(paper.updated);
    return FeedItem{std::move(paper), date.value_or(fallback)};
}

std::vector<FeedItem> listed_items(std::vector<app::ListedPaper> papers) {
    std::vector<FeedItem> items;
    for (app::ListedPaper& p : papers) items.push_back(listed_item(std::move(p)));
    return items;
}

// The feed's own date: its newest item's, so that an unchanged list keeps its ETag; `now` for
// an empty feed.
std::chrono::sys_seconds feed_updated(const Feed& feed, std::chrono::sys_seconds now) {
    if (feed.items.empty()) return now;
    std::chrono::sys_seconds newest = feed.items.front().date;
    for (const FeedItem& item : feed.items) newest = std::max(newest, item.date);
    return newest;
}

std::vector<std::string> author_names(const Paper& paper) {
    std::vector<std::string> names;
    for (const Author& a : paper.authors) {
        if (names.size() == kMaxAuthors) {
            names.push_back("et al.");
            break;
        }
        if (!a.name.empty()) names.push_back(a.name);
    }
    return names;
}

// The abstract as HTML: one <p> per paragraph (clean_display_text keeps them apart with a blank
// line), its text escaped.
std::string abstract_html(const std::string& abstract) {
    std::string html;
    size_t start = 0;
    while (start <= abstract.size()) {
        size_t end = abstract.find("\n\n", start);
        if (end == std::string::npos) end = abstract.size();
        if (end > start) {
            html += "<p>" + html_escape(abstract.substr(start, end - start)) + "</p>";
        }
        start = end + 2;
    }
    return html;
}

// What both formats need besides the feed.
struct Links {
    std::string base;  // "https://papers.example.org"
    std::string self;  // this feed's absolute URL
};

std::string paper_url(const Links& links, const Paper& paper) {
    return links.base + "/papers/" + paper.id.str();
}

std::string render_rss(const Feed& feed, const Links& links, std::chrono::sys_seconds updated) {
    std::string x;
    x += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    x += "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
         "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n";
    x += "<title>" + xml_escape(feed.title) + "</title>\n";
    x += "<link>" + xml_escape(links.base + feed.page_path) + "</link>\n";
    x += "<description>" + xml_escape(feed.description) + "</description>\n";
    x += "<atom:link href=\"" + xml_escape(links.self) +
         "\" rel=\"self\" type=\"application/rss+xml\"/>\n";
    x += "<lastBuildDate>" + rfc822(updated) + "</lastBuildDate>\n";
    x += "<generator>Paperboy</generator>\n";
    for (const FeedItem& item : feed.items) {
        const Paper& p = item.paper;
        const std::string url = xml_escape(paper_url(links, p));
        x += "<item>\n";
        x += "<title>" + xml_escape(p.title) + "</title>\n";
        x += "<link>" + url + "</link>\n";
        x += "<guid isPermaLink=\"true\">" + url + "</guid>\n";
        x += "<pubDate>" + rfc822(item.date) + "</pubDate>\n";
        std::string creators;
        for (const std::string& name : author_names(p)) {
            creators += (creators.empty() ? "" : ", ") + name;
        }
        if (!creators.empty()) x += "<dc:creator>" + xml_escape(creators) + "</dc:creator>\n";
        for (const std::string& category : p.categories) {
            x += "<category>" + xml_escape(category) + "</category>\n";
        }
        x += "<description>" + xml_escape(abstract_html(p.abstract)) + "</description>\n";
        x += "</item>\n";
    }
    x += "</channel>\n</rss>\n";
    return x;
}

std::string render_atom(const Feed& feed, const Links& links, std::chrono::sys_seconds updated,
                        const std::string& site_name) {
    std::string x;
    x += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    x += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    x += "<title type=\"text\">" + xml_escape(feed.title) + "</title>\n";
    x += "<subtitle type=\"text\">" + xml_escape(feed.description) + "</subtitle>\n";
    x += "<id>" + xml_escape(links.self) + "</id>\n";
    x += "<link rel=\"self\" type=\"application/atom+xml\" href=\"" + xml_escape(links.self) +
         "\"/>\n";
    x += "<link rel=\"alternate\" type=\"text/html\" href=\"" +
         xml_escape(links.base + feed.page_path) + "\"/>\n";
    x += "<updated>" + format_instant(updated) + "</updated>\n";
    // The feed's author stands in for entries that name none (Atom requires one or the other).
    x += "<author><name>" + xml_escape(site_name) + "</name></author>\n";
    x += "<generator>Paperboy</generator>\n";
    for (const FeedItem& item : feed.items) {
        const Paper& p = item.paper;
        const std::string url = xml_escape(paper_url(links, p));
        const std::string date = format_instant(item.date);
        x += "<entry>\n";
        x += "<title type=\"text\">" + xml_escape(p.title) + "</title>\n";
        x += "<link rel=\"alternate\" type=\"text/html\" href=\"" + url + "\"/>\n";
        x += "<id>" + url + "</id>\n";
        x += "<published>" + date + "</published>\n";
        x += "<updated>" + date + "</updated>\n";
        for (const std::string& name : author_names(p)) {
            x += "<author><name>" + xml_escape(name) + "</name></author>\n";
        }
        for (const std::string& category : p.categories) {
            x += "<category term=\"" + xml_escape(category) + "\"/>\n";
        }
        x += "<summary type=\"text\">" + xml_escape(p.abstract) + "</summary>\n";
        x += "</entry>\n";
    }
    x += "</feed>\n";
    return x;
}

http::Response feed_response(const http::Request& request, const Site::Context& site,
                             const Feed& feed, Format format) {
    const std::string base = site.links.for_request(request);
    const Links links{base, base + request.target};
    const auto updated = feed_updated(feed, site.now());
    http::Response response;
    if (format == Format::kRss) {
        response.body = render_rss(feed, links, updated);
        response.set_header("Content-Type", std::string(kRssType));
    } else {
        response.body = render_atom(feed, links, updated, site.options.site_name);
        response.set_header("Content-Type", std::string(kAtomType));
    }
    apply_cache_policy(request, response, kFeedCache);
    return response;
}

// Feed readers show a plain-text error best; it is not cached.
http::Response bad_request(std::string message) {
    http::Response response = http::Response::text(400, std::move(message) + "\n");
    response.set_header("Cache-Control", "no-store");
    return response;
}

http::Response daily_feed(const http::Request& request, Site::Context& site, Format format) {
    const std::string& name = site.options.site_name;
    Feed feed;
    std::string date;
    if (const std::string* param = request.query_param("date")) {
        if (!is_valid_day(*param)) {
            return bad_request("'" + *param + "' is not a date like 2024-10-25.");
        }
        date = *param;
        feed.title = name + " · Daily list of " + display_day(date);
        feed.page_path = "/papers/date/" + date;
    } else {
        // Follows the newest list, so its title names no day.
        auto latest = site.library.latest_date();
        if (!latest.ok()) throw Failure(latest.error());
        if (*latest) date = **latest;
        feed.title = name + " · Daily list";
        feed.page_path = "/";
    }
    if (date.empty()) {
        feed.description = "The newest daily list of papers, ranked by upvotes. There is none yet.";
    } else {
        auto list = site.library.daily(date);
        if (!list.ok()) throw Failure(list.error());
        feed.items = listed_items(std::move(list->papers));
        feed.description =
            "The papers on the daily list of " + display_day(date) + ", ranked by upvotes.";
    }
    return feed_response(request, site, feed, format);
}

http::Response trending_feed(const http::Request& request, Site::Context& site, Format format) {
    app::TrendingOptions options;
    options.params = site.options.trending;
    auto papers = site.library.trending(site.now(), options);
    if (!papers.ok()) throw Failure(papers.error());
    Feed feed;
    feed.items = listed_items(std::move(*papers));
    feed.title = site.options.site_name + " · Trending";
    feed.description =
        "The last week's daily lists ranked by upvotes, newer papers first: what is trending.";
    feed.page_path = "/papers/trending";
    return feed_response(request, site, feed, format);
}

http::Response search_feed(const http::Request& request, Site::Context& site, Format format) {
    const std::string* query = request.query_param("q");
    if (query == nullptr || query->find_first_not_of(" \t") == std::string::npos) {
        return bad_request("A search feed needs a query: /feeds/search.atom?q=WORDS.");
    }
    // mode=lexical|semantic|hybrid as on /search; absent: the service's default.
    std::optional<app::SearchMode> mode;
    if (const std::string* name = request.query_param("mode")) {
        mode = app::parse_search_mode(*name);
        if (!mode) {
            return bad_request("mode is lexical, semantic or hybrid, not '" + name->substr(0, 40) +
                               "'.");
        }
    }
    index::SearchOptions options;
    options.limit = kSearchItems;
    auto result = site.search.search(*query, options, /*suggest=*/false, mode);
    if (!result.ok()) throw Failure(result.error());
    Feed feed;
    for (app::SearchHit& hit : result->hits) {
        feed.items.push_back(search_item(std::move(hit.paper), site.now()));
    }
    feed.title = site.options.site_name + " · Search: " + *query;
    feed.description =
        "The best " + std::to_string(kSearchItems) + " papers for the search \"" + *query + "\".";
    feed.page_path = "/search?q=" + url_encode(*query);
    if (mode) feed.page_path += "&mode=" + std::string(app::search_mode_name(*mode));
    return feed_response(request, site, feed, format);
}

}  // namespace

void add_feed_routes(Router& router, Site::Context& site) {
    using Handler = http::Response (*)(const http::Request&, Site::Context&, Format);
    struct Route {
        const char* path;
        const char* name;
        Handler handler;
        Format format;
        Throttle throttle;
    };
    static constexpr Route kRoutes[] = {
        {"/feeds/daily.xml", "feed_daily_rss", daily_feed, Format::kRss, Throttle::kNone},
        {"/feeds/daily.atom", "feed_daily_atom", daily_feed, Format::kAtom, Throttle::kNone},
        {"/feeds/trending.xml", "feed_trending_rss", trending_feed, Format::kRss, Throttle::kNone},
        {"/feeds/trending.atom", "feed_trending_atom", trending_feed, Format::kAtom,
         Throttle::kNone},
        {"/feeds/search.rss", "feed_search_rss", search_feed, Format::kRss, Throttle::kSearch},
        {"/feeds/search.atom", "feed_search_atom", search_feed, Format::kAtom, Throttle::kSearch},
    };
    for (const Route& route : kRoutes) {
        router.add(
            "GET", route.path, route.name,
            [&site, route](const http::Request& request, const PathParams&) {
                return route.handler(request, site, route.format);
            },
            Caching::kRendered, route.throttle);
    }
}

}  // namespace paperboy::web
