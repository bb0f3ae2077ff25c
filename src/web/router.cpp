#include "web/router.h"

namespace paperboy::web {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    size_t at = path.starts_with('/') ? 1 : 0;
    while (at <= path.size()) {
        const size_t slash = path.find('/', at);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        out.push_back(path.substr(at, end - at));
        if (slash == std::string_view::npos) break;
        at = slash + 1;
    }
    return out;
}

bool is_param(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(std::string method, std::string pattern, std::string name, RouteHandler handler,
                 Caching caching, Throttle throttle) {
    Route route{std::move(method), {}, std::move(name), std::move(handler), caching, throttle};
    for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
    routes_.push_back(std::move(route));
}

bool Router::match_segments(const Route& route, const std::vector<std::string_view>& path,
                            PathParams& params) {
    params.clear();
    for (size_t i = 0; i < route.segments.size(); ++i) {
        const std::string& segment = route.segments[i];
        if (is_param(segment) && segment.ends_with("...}")) {
            if (i >= path.size() || path[i].empty()) return false;
            std::string rest(path[i]);
            for (size_t j = i + 1; j < path.size(); ++j) (rest += '/') += path[j];
            params[segment.substr(1, segment.size() - 5)] = std::move(rest);
            return true;
        }
        if (i >= path.size()) return false;
        if (is_param(segment)) {
            if (path[i].empty()) return false;
            params[segment.substr(1, segment.size() - 2)] = std::string(path[i]);
        } else if (segment != path[i]) {
            return false;
        }
    }
    return route.segments.size() == path.size();
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    const std::vector<std::string_view> segments = split_path(path);
    Match out;
    PathParams params;
    for (const Route& route : routes_) {
        if (!match_segments(route, segments, params)) continue;
        if (route.method == method) {
            out.handler = &route.handler;
            out.params = std::move(params);
            out.name = route.name;
            out.allow.clear();
            out.caching = route.caching;
            out.throttle = route.throttle;
            return out;
        }
        if (out.allow.find(route.method) == std::string::npos) {
            if (!out.allow.empty()) out.allow += ", ";
            out.allow += route.method;
        }
    }
    out.name = out.allow.empty() ? "not_found" : "method_not_allowed";
    return out;
}

}  // namespace paperboy::web
