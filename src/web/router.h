// web/router.h — the route table's machinery: method + path pattern -> handler.
//
// Patterns are paths whose segments are literals, "{name}" (one segment) or, last, "{name...}"
// (the rest of the path, slashes included: old-style arXiv ids such as hep-th/9901001). The
// first route whose pattern matches wins. A path that matches some route but not with the
// request's method is a 405 with an Allow header; one that matches none is the not-found
// handler's to answer. Every route has a name, used as the metrics label (never the raw path,
// which would make one time series per paper), and says whether its responses may be reused
// from the site's response cache (Caching::kRendered: pages and feeds that depend only on the
// target, the data and the link base) and whether each request counts against a client's
// search budget (Throttle::kSearch, checked before the cache: every request counts).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "web/http/message.h"

namespace paperboy::web {

using PathParams = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<http::Response(const http::Request&, const PathParams&)>;

enum class Caching { kNone, kRendered };
// kSearch: the route runs a search, the costliest work a page does, so each client address may
// ask for only so many a second (SiteOptions::search_rate).
enum class Throttle { kNone, kSearch };

class Router {
  public:
    // Adds a route; `method` is "GET" or "POST" etc. (a HEAD request is routed as GET).
    void add(std::string method, std::string pattern, std::string name, RouteHandler handler,
             Caching caching = Caching::kNone, Throttle throttle = Throttle::kNone);

    struct Match {
        const RouteHandler* handler = nullptr;  // null: no route for this method and path
        PathParams params;
        std::string name;   // the route's name; "not_found" or "method_not_allowed" otherwise
        std::string allow;  // for a 405: the methods the path accepts, "GET, POST"
        Caching caching = Caching::kNone;
        Throttle throttle = Throttle::kNone;
    };
    Match match(std::string_view method, std::string_view path) const;

  private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        std::string name;
        RouteHandler handler;
        Caching caching;
        Throttle throttle;
    };
    static bool match_segments(const Route& route, const std::vector<std::string_view>& path,
                               PathParams& params);

    std::vector<Route> routes_;
};

}  // namespace paperboy::web
