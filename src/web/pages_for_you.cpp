// "For you" (app/recommendations.h): the member's page of recent papers like the ones they
// upvoted (GET /for-you), each card under the upvoted paper it is like, and its JSON twin
// (GET /api/recommendations).
//
// Both are a member's own: the page asks a visitor without a session to log in (like
// /settings), the API answers 401 without a session cookie or an API token. Neither is ever
// cached by anyone (private, no-store), and neither changes anything, so a GET needs no CSRF
// token or Origin check (a cross-site script cannot read the answer: there is no CORS).
// When there is nothing to go on (no upvotes, no vectors), both say why and show trending.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include "app/paper_json.h"
#include "core/json_writer.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kPagePath = "/for-you";
constexpr size_t kPageLimit = 30;
constexpr int kDefaultDays = 14;
constexpr int64_t kDefaultApiLimit = 30;

app::Recommendations recommendations(Site::Context& site) {
    app::RecommendationsOptions options;
    options.trending.params = site.options.trending;
    options.now = site.options.now;
    return site.instance.recommendations(&site.search, std::move(options));
}

// "in the last 14 days".
std::string window_words(int days) {
    return days == 1 ? std::string("in the last day")
                     : "in the last " + std::to_string(days) + " days";
}

// ---- the page ----

http::Response for_you_page(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    if (!visitor.logged_in()) return see_other(login_url(kPagePath));
    app::RecommendationRequest asked;
    asked.limit = kPageLimit;
    asked.window_days = kDefaultDays;
    auto list = recommendations(site).for_member(visitor.user->id, asked);
    if (!list.ok()) throw Failure(list.error());

    std::vector<PaperId> ids;
    for (const app::Recommendation& r : list->papers) ids.push_back(r.paper.id);
    const std::vector<bool> voted = votes_of(site, visitor, ids);
    Data cards(Data::type::list);
    for (size_t i = 0; i < list->papers.size(); ++i) {
        const app::Recommendation& r = list->papers[i];
        Data card = card_data(r.paper, r.upvotes);
        if (voted[i]) card.set("voted", Data(true));
        if (r.reason) {
            card.set("reason_title", r.reason->title);
            card.set("reason_url", "/papers/" + r.reason->id.str());
        }
        cards.push_back(card);
    }
    const bool mine = list->fallback == app::RecommendationFallback::kNone;
    Data data;
    data.set("papers", cards);
    data.set("has_papers", Data(!list->papers.empty()));
    if (!list->message.empty()) data.set("message", list->message);
    data.set("subtitle", mine ? "Papers published " + window_words(asked.window_days) +
                                    " that are like the ones you upvoted"
                              : std::string("What is trending until you have upvotes to go on"));
    data.set("empty_text", mine ? "No paper published " + window_words(asked.window_days) +
                                      " is near the ones you upvoted."
                                : std::string("Nothing is trending right now."));
    PageInfo info = page_info(visitor, "For you");
    info.nav = "for_you";
    visitor.describe(request, info);
    http::Response response = private_page(site, 200, "for_you", data, info);
    response.set_header("Vary", "Cookie");
    return response;
}

// ---- the API ----

// An integer query parameter in [min, max], `fallback` when absent; nullopt with `problem`
// set for anything else (a repeated parameter, a sign, a space, out of range).
std::optional<int64_t> int_param(const http::Request& request, std::string_view name, int64_t min,
                                 int64_t max, int64_t fallback, std::string& problem) {
    const std::string* found = nullptr;
    for (const auto& [key, value] : request.query) {
        if (key != name) continue;
        if (found != nullptr) {
            problem = "parameter '" + std::string(name) + "' is given more than once";
            return std::nullopt;
        }
        found = &value;
    }
    if (found == nullptr) return fallback;
    const std::string& s = *found;
    int64_t value = 0;
    const bool digits = !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
    });
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!digits || ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
        problem = std::string(name) + " must be an integer between " + std::to_string(min) +
                  " and " + std::to_string(max);
        return std::nullopt;
    }
    return value;
}

std::string_view fallback_name(app::RecommendationFallback why) {
    switch (why) {
        case app::RecommendationFallback::kNone:
            return "";
        case app::RecommendationFallback::kNoUpvotes:
            return "no_upvotes";
        case app::RecommendationFallback::kNoVectors:
            return "no_vectors";
        case app::RecommendationFallback::kNotEmbedded:
            return "upvotes_not_embedded";
    }
    return "";
}

http::Response private_json(int status, std::string body) {
    http::Response response = http::Response::json(status, std::move(body));
    response.set_header("Cache-Control", "private, no-store");
    response.set_header("Vary", "Authorization, Cookie");
    return response;
}

// GET /api/recommendations?limit=N&days=D:
//   {"source": "upvotes" | "trending", "fallback": "no_upvotes" | ... (trending only),
//    "message": "..." (trending only), "days": D, "papers": [
//      {"paper": {...Hugging Face paper...}, "score": 0.78,
//       "reason": {"id": "2403.00001", "title": "...", "similarity": 0.99} | null}, ...]}
http::Response recommendations_api(const http::Request& request, Site::Context& site) {
    auto visitor = identify(request, site.accounts);
    if (!visitor.ok()) throw Failure(visitor.error());
    if (!visitor->user) {
        http::Response response =
            api_error(401, "unauthorized",
                      "log in, or send an API token as 'Authorization: Bearer <token>', to get "
                      "your recommendations");
        response.set_header("WWW-Authenticate", "Bearer realm=\"paperboy\"");
        return response;
    }
    std::string problem;
    const auto limit =
        int_param(request, "limit", 1, static_cast<int64_t>(app::kMaxRecommendations),
                  kDefaultApiLimit, problem);
    const auto days =
        limit ? int_param(request, "days", 1, app::kMaxRecommendationDays, kDefaultDays, problem)
              : std::nullopt;
    if (!limit || !days) return api_error(400, "bad_parameter", problem);

    app::RecommendationRequest asked;
    asked.limit = static_cast<size_t>(*limit);
    asked.window_days = static_cast<int>(*days);
    auto list = recommendations(site).for_member(visitor->user->id, asked);
    if (!list.ok()) throw Failure(list.error());

    const bool mine = list->fallback == app::RecommendationFallback::kNone;
    JsonWriter w;
    w.begin_object();
    w.field("source", mine ? "upvotes" : "trending");
    if (!mine) {
        w.field("fallback", fallback_name(list->fallback));
        w.field("message", list->message);
    }
    w.field("days", static_cast<int64_t>(asked.window_days));
    w.key("papers").begin_array();
    for (const app::Recommendation& r : list->papers) {
        w.begin_object();
        w.key("paper");
        app::PaperJsonOptions options;
        options.upvotes = r.upvotes;
        options.author_ids = true;
        app::write_paper_json(w, r.paper, r.entries, options);
        w.field("score", r.score);
        w.key("reason");
        if (r.reason) {
            w.begin_object()
                .field("id", r.reason->id.str())
                .field("title", r.reason->title)
                .field("similarity", static_cast<double>(r.reason->cosine))
                .end_object();
        } else {
            w.null();
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return private_json(200, w.take());
}

}  // namespace

void add_for_you_routes(Router& router, Site::Context& site) {
    router.add("GET", std::string(kPagePath), "for_you",
               [&site](const http::Request& request, const PathParams&) {
                   return for_you_page(request, site);
               });
    // The API's limits, in a bucket of its own (api.cpp's limiter is private to its routes).
    auto limiter = std::make_shared<RateLimiter>(site.options.api_rate, site.options.api_burst,
                                                 site.options.api_clock);
    router.add("GET", "/api/recommendations", "api_recommendations",
               [&site, limiter](const http::Request& request, const PathParams&) {
                   if (auto retry_after = limiter->acquire(request.remote_address)) {
                       http::Response response =
                           api_error(429, "rate_limited",
                                     "too many requests from this address; retry in " +
                                         std::to_string(*retry_after) +
                                         (*retry_after == 1 ? " second" : " seconds"));
                       response.set_header("Retry-After", std::to_string(*retry_after));
                       return response;
                   }
                   return recommendations_api(request, site);
               });
}

}  // namespace paperboy::web
