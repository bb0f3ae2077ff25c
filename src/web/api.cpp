// The JSON API (docs/http-api.md): daily, weekly and monthly lists, trending, one paper, its
// similar papers, search — in the field names and nesting of Hugging Face's /api/daily_papers and
// /api/papers, so that clients written for huggingface.co work against a Paperboy instance.
//
// Each handler parses its parameters strictly (a malformed or repeated parameter is a 400 that
// names it), calls the Library or the SearchService, and writes JSON with app::write_paper_json,
// the serialiser `paperboy show --json` uses too.
#include "web/api.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/comments.h"
#include "app/paper_json.h"
#include "core/calendar.h"
#include "core/json_writer.h"
#include "core/timestamp.h"
#include "web/auth.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kListCache = "public, max-age=60";

constexpr int kDefaultListLimit = 50;
constexpr int kMaxListLimit = 100;
constexpr int kDefaultSearchLimit = 20;
constexpr int kMaxSearchLimit = 120;
constexpr int kDefaultSimilarLimit = 10;
constexpr int kMaxSimilarLimit = 50;
// Pages beyond this are refused rather than computed: no list is that long, and it keeps
// page * limit far from overflowing.
constexpr int64_t kMaxPage = 1'000'000;

// A parameter value as quoted in an error message: at most 40 bytes (the JSON writer makes
// whatever is left valid text).
std::string quote_value(std::string_view value) {
    constexpr size_t kMax = 40;
    if (value.size() <= kMax) return "'" + std::string(value) + "'";
    return "'" + std::string(value.substr(0, kMax)) + "...'";
}

Error bad_parameter(std::string message) {
    return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// The value of query parameter `name`, nullopt when absent; an error when it is given twice
// (which of the two was meant is anyone's guess).
Result<std::optional<std::string>> single_param(const http::Request& request,
                                                std::string_view name) {
    const std::string* found = nullptr;
    for (const auto& [key, value] : request.query) {
        if (key != name) continue;
        if (found != nullptr) {
            return bad_parameter("parameter '" + std::string(name) + "' is given more than once");
        }
        found = &value;
    }
    if (found == nullptr) return std::optional<std::string>();
    return std::optional<std::string>(*found);
}

// An integer parameter in [min, max], `fallback` when absent. Only plain decimal digits are
// accepted: no sign, no space, no exponent.
Result<int64_t> int_param(const http::Request& request, std::string_view name, int64_t min,
                          int64_t max, int64_t fallback) {
    auto text = single_param(request, name);
    if (!text.ok()) return text.error();
    if (!*text) return fallback;
    const std::string& s = **text;
    int64_t value = 0;
    const bool digits =
        !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!digits || ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
        return bad_parameter(std::string(name) + " must be an integer between " +
                             std::to_string(min) + " and " + std::to_string(max) + ", not " +
                             quote_value(s));
    }
    return value;
}

struct Paging {
    size_t offset = 0;
    size_t limit = 0;
};

Result<Paging> paging_params(const http::Request& request, int default_limit, int max_limit) {
    auto limit = int_param(request, "limit", 1, max_limit, default_limit);
    if (!limit.ok()) return limit.error();
    auto page = int_param(request, "p", 0, kMaxPage, 0);
    if (!page.ok()) return page.error();
    return Paging{static_cast<size_t>(*page * *limit), static_cast<size_t>(*limit)};
}

// The page `paging` of `items`.
template <typename T>
std::vector<T> page_of(std::vector<T> items, const Paging& paging) {
    if (paging.offset >= items.size()) return {};
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(paging.offset));
    if (items.size() > paging.limit) items.resize(paging.limit);
    return items;
}

// --- Writing ---------------------------------------------------------------------------------

// The fields of one list item, in the shape of an element of Hugging Face's /api/daily_papers:
// the paper (with this entry's upvotes), then what the entry knows. Without the braces, so
// that callers can add their own fields.
// `local_comments` counts the paper's visible comments here, added to the imported count.
void write_item_fields(JsonWriter& w, const Paper& paper, const DailyEntry& entry,
                       int local_comments) {
    w.key("paper");
    app::PaperJsonOptions options;
    options.upvotes = entry.upvotes;
    options.author_ids = true;
    options.daily_entries = false;
    app::write_paper_json(w, paper, {}, options);
    // When the paper was put on the list (Hugging Face's item "publishedAt").
    w.field("publishedAt", format_instant(app::submitted_time(entry)));
    w.field("title", paper.title);
    w.field("summary", paper.abstract);
    w.field("numComments", entry.num_comments + local_comments);
    if (!entry.submitted_by.empty()) {
        // Paperboy keeps the curator's user name only; it stands in for the display name too.
        w.key("submittedBy").begin_object();
        w.field("name", entry.submitted_by);
        w.field("fullname", entry.submitted_by);
        w.field("type", "user");
        w.end_object();
    }
    if (!paper.organization.empty()) {
        w.key("organization").begin_object().field("name", paper.organization).end_object();
    }
}

// The visible local comments of each of `ids`, in order.
Result<std::vector<int>> local_comment_counts(Site::Context& site,
                                              const std::vector<PaperId>& ids) {
    if (ids.empty()) return std::vector<int>();
    return site.library.comment_counts(ids);
}

Result<http::Response> json_list(const http::Request& request, Site::Context& site,
                                 const std::vector<app::ListedPaper>& items, bool with_trending) {
    std::vector<PaperId> ids;
    for (const app::ListedPaper& item : items) ids.push_back(item.paper.id);
    auto comments = local_comment_counts(site, ids);
    if (!comments.ok()) return comments.error();
    JsonWriter w;
    w.begin_array();
    for (size_t i = 0; i < items.size(); ++i) {
        const app::ListedPaper& item = items[i];
        w.begin_object();
        write_item_fields(w, item.paper, item.entry, (*comments)[i]);
        if (with_trending) w.field("trending", item.trending);
        w.end_object();
    }
    w.end_array();
    http::Response response = http::Response::json(200, w.take());
    apply_cache_policy(request, response, kListCache);
    return response;
}

// --- /api/daily_papers -------------------------------------------------------------------------

// The days a daily_papers request covers: date=, week= or month= (at most one), else the newest
// day with a list; nullopt when there are no lists at all.
Result<std::optional<DayRange>> requested_days(const http::Request& request, Site::Context& site) {
    auto date = single_param(request, "date");
    if (!date.ok()) return date.error();
    auto week = single_param(request, "week");
    if (!week.ok()) return week.error();
    auto month = single_param(request, "month");
    if (!month.ok()) return month.error();
    const int given = (*date ? 1 : 0) + (*week ? 1 : 0) + (*month ? 1 : 0);
    if (given > 1) return bad_parameter("give at most one of date, week and month");
    if (*date) {
        if (!is_valid_day(**date)) {
            return bad_parameter("date must be a day like 2024-10-25, not " + quote_value(**date));
        }
        return std::optional<DayRange>(DayRange{**date, **date});
    }
    if (*week) {
        auto days = iso_week_days(**week);
        if (!days) {
            return bad_parameter("week must be an ISO week like 2024-W43, not " +
                                 quote_value(**week));
        }
        return std::optional<DayRange>(*days);
    }
    if (*month) {
        auto days = month_days(**month);
        if (!days) {
            return bad_parameter("month must be a month like 2024-10, not " + quote_value(**month));
        }
        return std::optional<DayRange>(*days);
    }
    auto latest = site.library.latest_date();
    if (!latest.ok()) return latest.error();
    if (!*latest) return std::optional<DayRange>();
    return std::optional<DayRange>(DayRange{**latest, **latest});
}

enum class ListSort { kUpvotes, kPublishedAt, kTrending };

Result<ListSort> sort_param(const http::Request& request) {
    auto sort = single_param(request, "sort");
    if (!sort.ok()) return sort.error();
    if (!*sort || **sort == "upvotes") return ListSort::kUpvotes;
    if (**sort == "publishedAt") return ListSort::kPublishedAt;
    if (**sort == "trending") return ListSort::kTrending;
    return bad_parameter("sort must be upvotes, publishedAt or trending, not " +
                         quote_value(**sort));
}

// Orders a list by `sort`. Trending is measured at the end of the period (or now, if earlier),
// so an old week is ranked as it trended then, not by votes divided by years.
void sort_list(std::vector<app::ListedPaper>& papers, ListSort sort, const DayRange& days,
               Site::Context& site) {
    if (sort == ListSort::kPublishedAt) {
        std::stable_sort(papers.begin(), papers.end(),
                         [](const app::ListedPaper& a, const app::ListedPaper& b) {
                             const auto ta = app::submitted_time(a.entry);
                             const auto tb = app::submitted_time(b.entry);
                             if (ta != tb) return ta > tb;
                             return app::list_order(a.entry, b.entry);
                         });
    } else if (sort == ListSort::kTrending) {
        const auto end_of_days = parse_instant(add_days(days.last, 1));
        const auto reference = end_of_days ? std::min(*end_of_days, site.now()) : site.now();
        app::rank_by_trending(papers, reference, site.options.trending);
    }
    // kUpvotes: the Library's order already.
}

Result<http::Response> daily_papers(const http::Request& request, Site::Context& site) {
    auto paging = paging_params(request, kDefaultListLimit, kMaxListLimit);
    if (!paging.ok()) return paging.error();
    auto sort = sort_param(request);
    if (!sort.ok()) return sort.error();
    auto submitter = single_param(request, "submitter");
    if (!submitter.ok()) return submitter.error();
    if (*submitter && (*submitter)->empty()) return bad_parameter("submitter must not be empty");
    auto days = requested_days(request, site);
    if (!days.ok()) return days.error();

    std::vector<app::ListedPaper> papers;
    if (*days) {
        const DayRange& range = **days;
        if (range.first == range.last) {
            auto list = site.library.daily(range.first);
            if (!list.ok()) return list.error();
            papers = std::move(list->papers);
        } else {
            auto list = site.library.between(range);
            if (!list.ok()) return list.error();
            papers = std::move(*list);
        }
        if (*submitter) {
            std::erase_if(papers, [&](const app::ListedPaper& p) {
                return !http::equals_ignore_case(p.entry.submitted_by, **submitter);
            });
        }
        sort_list(papers, *sort, range, site);
    }
    const size_t total = papers.size();
    auto response =
        json_list(request, site, page_of(std::move(papers), *paging), *sort == ListSort::kTrending);
    if (response.ok()) response->set_header("X-Total-Count", std::to_string(total));
    return response;
}

// --- /api/trending -------------------------------------------------------------------------

Result<http::Response> trending(const http::Request& request, Site::Context& site) {
    auto limit = int_param(request, "limit", 1, kMaxListLimit, kDefaultListLimit);
    if (!limit.ok()) return limit.error();
    app::TrendingOptions options;
    options.params = site.options.trending;
    options.limit = static_cast<size_t>(*limit);
    auto papers = site.library.trending(site.now(), options);
    if (!papers.ok()) return papers.error();
    return json_list(request, site, *papers, /*with_trending=*/true);
}

// --- /api/papers/{id...} ---------------------------------------------------------------------

Result<http::Response> comments_endpoint(const http::Request& request, Site::Context& site,
                                         std::string_view rest);
bool is_comments_path(std::string_view rest);

Result<http::Response> paper(const http::Request& request, Site::Context& site,
                             const std::string& id_text) {
    if (is_comments_path(id_text)) return comments_endpoint(request, site, id_text);
    if (std::string_view(id_text).ends_with("/upvote")) {
        http::Response response =
            api_error(405, "method_not_allowed", "upvote with POST, take it back with DELETE");
        response.set_header("Allow", "POST, DELETE");
        return response;
    }
    auto id = PaperId::parse(id_text);
    if (!id.ok()) return bad_parameter(quote_value(id_text) + " is not a paper id");
    auto page = site.library.paper(*id);
    if (!page.ok()) return page.error();
    if (!*page) return Error(ErrorCode::kNotFound, "no paper " + id->str());
    app::PaperJsonOptions options;
    options.upvotes = (*page)->upvotes;
    options.author_ids = true;
    int comments = 0;
    for (const DailyEntry& e : (*page)->entries) comments = std::max(comments, e.num_comments);
    auto local = site.library.comment_counts({*id});
    if (!local.ok()) return local.error();
    options.num_comments = comments + local->front();
    JsonWriter w;
    app::write_paper_json(w, (*page)->paper, (*page)->entries, options);
    http::Response response = http::Response::json(200, w.take());
    apply_cache_policy(request, response, kListCache);
    return response;
}

// --- /api/papers/search and /api/papers/{id}/similar -----------------------------------------

// mode=lexical|semantic|hybrid; nullopt (the search service's default) when absent.
Result<std::optional<app::SearchMode>> mode_param(const http::Request& request) {
    auto text = single_param(request, "mode");
    if (!text.ok()) return text.error();
    if (!*text) return std::optional<app::SearchMode>();
    const std::optional<app::SearchMode> mode = app::parse_search_mode(**text);
    if (!mode) {
        return bad_parameter("mode must be lexical, semantic or hybrid, not " +
                             quote_value(**text));
    }
    return mode;
}

// The fields of a search or similar hit, without the braces: a list item at the paper's best
// day when it is on a list, else the paper with its title, summary and comment count.
void write_hit_fields(JsonWriter& w, const app::SearchHit& hit) {
    const std::vector<DailyEntry>& entries = hit.entries;
    if (!entries.empty()) {
        // Like a list item, at the paper's best day (its upvotes, as everywhere).
        write_item_fields(w, hit.paper,
                          *std::min_element(entries.begin(), entries.end(), app::list_order),
                          hit.comment_count);
        return;
    }
    app::PaperJsonOptions paper_options;
    paper_options.author_ids = true;
    paper_options.daily_entries = false;
    w.key("paper");
    app::write_paper_json(w, hit.paper, {}, paper_options);
    w.field("title", hit.paper.title);
    w.field("summary", hit.paper.abstract);
    w.field("numComments", hit.comment_count);
}

// Bytes to reserve for `hits`: a hit is its paper twice (as HF's API does) and a snippet, an
// abstract's length about three times, and the authors.
size_t json_estimate(const std::vector<app::SearchHit>& hits) {
    size_t estimate = 256;
    for (const app::SearchHit& hit : hits) {
        estimate += 3 * hit.paper.abstract.size() + 64 * hit.paper.authors.size() + 1024;
    }
    return estimate;
}

Result<http::Response> search(const http::Request& request, Site::Context& site) {
    auto q = single_param(request, "q");
    if (!q.ok()) return q.error();
    if (!*q || (*q)->find_first_not_of(" \t\r\n") == std::string::npos) {
        return bad_parameter("q must be a search query, such as q=diffusion");
    }
    auto paging = paging_params(request, kDefaultSearchLimit, kMaxSearchLimit);
    if (!paging.ok()) return paging.error();
    auto mode = mode_param(request);
    if (!mode.ok()) return mode.error();
    index::SearchOptions options;
    options.limit = paging->limit;
    options.offset = paging->offset;
    auto found = site.search.search(**q, options, /*suggest=*/false, *mode);
    if (!found.ok()) {
        if (found.error().code() == ErrorCode::kInvalidArgument) {
            return bad_parameter("q: " + found.error().message());
        }
        return found.error();
    }

    JsonWriter w;
    w.reserve(json_estimate(found->hits));
    w.begin_array();
    for (const app::SearchHit& hit : found->hits) {
        w.begin_object();
        write_hit_fields(w, hit);
        w.field("highlightedSummary", hit.snippet);
        w.field("score", static_cast<double>(hit.score));
        w.end_object();
    }
    w.end_array();
    http::Response response = http::Response::json(200, w.take());
    // The body stays the bare array Hugging Face's clients read; how it was ranked (after the
    // service's fallbacks: no vectors, a query without words, the model unreachable) goes here.
    response.set_header("X-Search-Mode", std::string(app::search_mode_name(found->mode)));
    apply_cache_policy(request, response, kListCache);
    return response;
}

// GET /api/papers/{id}/similar: the papers most like `id_text`'s, best first. By their vectors'
// nearness when the paper has a vector (X-Search-Mode: semantic), else by its most distinctive
// words (lexical).
Result<http::Response> similar(const http::Request& request, Site::Context& site,
                               std::string_view id_text) {
    auto limit = int_param(request, "limit", 1, kMaxSimilarLimit, kDefaultSimilarLimit);
    if (!limit.ok()) return limit.error();
    auto id = PaperId::parse(id_text);
    if (!id.ok()) return bad_parameter(quote_value(id_text) + " is not a paper id");
    auto page = site.library.paper(*id);
    if (!page.ok()) return page.error();
    if (!*page) return Error(ErrorCode::kNotFound, "no paper " + id->str());
    const Paper& paper = (*page)->paper;
    // similar() takes the vector side exactly when the paper has a vector there.
    const app::VectorSearch* vectors = site.search.vectors();
    const bool by_meaning = vectors != nullptr && vectors->vector_of(paper.id).has_value();
    auto hits = site.search.similar(paper, static_cast<size_t>(*limit));
    if (!hits.ok()) return hits.error();

    JsonWriter w;
    w.reserve(json_estimate(*hits));
    w.begin_array();
    for (const app::SearchHit& hit : *hits) {
        w.begin_object();
        write_hit_fields(w, hit);
        w.field("score", static_cast<double>(hit.score));
        w.end_object();
    }
    w.end_array();
    http::Response response = http::Response::json(200, w.take());
    response.set_header("X-Search-Mode", by_meaning ? "semantic" : "lexical");
    apply_cache_policy(request, response, kListCache);
    return response;
}

// --- /api/papers/{id}/upvote -------------------------------------------------------------------

// POST adds the caller's vote, DELETE removes it; both are idempotent and answer the paper's
// upvotes afterwards: {"upvotes": N, "upvoted": true|false}.
// The user making a state-changing API request, or the response that refuses it: 401 without
// credentials, 403 for a session cookie sent from another site.
using Authorized = std::variant<User, http::Response>;

Result<Authorized> authorize(const http::Request& request, Site::Context& site,
                             std::string_view doing) {
    auto visitor = identify(request, site.accounts);
    if (!visitor.ok()) return visitor.error();
    if (!visitor->user) {
        http::Response response =
            api_error(401, "unauthorized",
                      "log in, or send an API token as 'Authorization: Bearer <token>', to " +
                          std::string(doing));
        response.set_header("WWW-Authenticate", "Bearer realm=\"paperboy\"");
        return Authorized(std::move(response));
    }
    if (!visitor->by_bearer && !from_this_site(request, site.options.public_url)) {
        return Authorized(
            api_error(403, "cross_site",
                      "a request authenticated by the session cookie must come from this site "
                      "(its Origin header does not name it)"));
    }
    return Authorized(std::move(*visitor->user));
}

Result<http::Response> upvote(const http::Request& request, Site::Context& site,
                              std::string_view id_text, bool up) {
    auto caller = authorize(request, site, "vote");
    if (!caller.ok()) return caller.error();
    if (auto* refusal = std::get_if<http::Response>(&*caller)) return std::move(*refusal);
    const User& user = std::get<User>(*caller);
    auto id = PaperId::parse(id_text);
    if (!id.ok()) return bad_parameter(quote_value(id_text) + " is not a paper id");
    auto outcome = site.votes.vote(user, *id, up);
    if (!outcome.ok()) return outcome.error();
    auto upvotes = site.library.upvotes(*id);
    if (!upvotes.ok()) return upvotes.error();
    JsonWriter w;
    w.begin_object().field("upvotes", *upvotes).field("upvoted", up).end_object();
    http::Response response = http::Response::json(200, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

// --- /api/papers/{id}/comments ------------------------------------------------------------------
//
// GET    /api/papers/{id}/comments                 the comments, oldest first (replies after
//                                                  their comment), as the caller may see them
// POST   /api/papers/{id}/comments                 {"body": "...", "parentId": N?} -> 201
// PUT    /api/papers/{id}/comments/{cid}           {"body": "..."}: the author edits -> 200
// DELETE /api/papers/{id}/comments/{cid}           the author deletes -> 204
// POST   /api/papers/{id}/comments/{cid}/hide      a curator hides -> 200
// DELETE /api/papers/{id}/comments/{cid}/hide      a curator shows it again -> 200

constexpr std::string_view kCommentsSegment = "/comments";
// A JSON body larger than this is refused before it is parsed (a comment holds 10,000 bytes,
// which JSON escaping may make up to six times longer).
constexpr size_t kMaxCommentRequestBytes = 64 * 1024;

// The parts of a comments path: "{paper}/comments[/{cid}[/{action}]]".
struct CommentPath {
    std::string_view paper;
    std::optional<int64_t> comment;
    std::string_view action;  // "" or "hide"
};

std::optional<CommentPath> parse_comment_path(std::string_view rest) {
    // The paper id is everything before "/comments" (an old-style id holds a slash itself).
    const size_t at = rest.find(kCommentsSegment);
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    const size_t after = at + kCommentsSegment.size();
    if (after != rest.size() && rest[after] != '/') return std::nullopt;
    CommentPath path;
    path.paper = rest.substr(0, at);
    std::string_view tail = rest.substr(after);
    if (tail.empty()) return path;
    tail.remove_prefix(1);
    const size_t slash = tail.find('/');
    const std::string_view number = tail.substr(0, slash);
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() || id <= 0) {
        return std::nullopt;
    }
    path.comment = id;
    if (slash != std::string_view::npos) {
        path.action = tail.substr(slash + 1);
        if (path.action != "hide") return std::nullopt;
    }
    return path;
}

bool is_comments_path(std::string_view rest) { return parse_comment_path(rest).has_value(); }

app::Comments comments_service(Site::Context& site) {
    app::CommentsOptions options;
    options.now = site.options.now;
    return site.instance.comments(std::move(options));
}

void write_comment(JsonWriter& w, const app::CommentView& view) {
    const Comment& c = view.comment;
    w.begin_object();
    w.field("id", c.id);
    w.field("paperId", c.paper_id.str());
    w.key("author").begin_object().field("name", c.author_handle).end_object();
    w.key("parentId");
    if (c.parent_id == 0) {
        w.null();
    } else {
        w.value(c.parent_id);
    }
    w.field("body", view.body_shown ? c.body : std::string());
    w.field("bodyHtml", view.body_html);
    w.field("createdAt", c.created_at);
    w.field("updatedAt", c.updated_at);
    w.field("hidden", c.hidden);
    w.field("deleted", c.deleted);
    w.end_object();
}

// The comment as its author (or the curator who just acted) sees it.
app::CommentView own_view(const Comment& c) {
    app::CommentView view;
    view.comment = c;
    view.body_shown = !c.deleted;
    if (view.body_shown) view.body_html = app::render_markdown(c.body);
    return view;
}

http::Response comment_response(int status, const Comment& c) {
    JsonWriter w;
    write_comment(w, own_view(c));
    http::Response response = http::Response::json(status, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

// The JSON body of a POST or PUT: its "body" and, when `with_parent`, its optional "parentId".
struct CommentRequest {
    std::string body;
    std::optional<int64_t> parent_id;
};

std::variant<CommentRequest, http::Response> read_comment_request(const http::Request& request,
                                                                  bool with_parent) {
    if (request.body.size() > kMaxCommentRequestBytes) {
        return api_error(413, "too_large",
                         "a comment has at most 10000 bytes; this request has " +
                             std::to_string(request.body.size()));
    }
    simdjson::dom::parser parser;
    simdjson::dom::element json;
    std::string_view body;
    if (parser.parse(request.body).get(json) != simdjson::SUCCESS ||
        json["body"].get_string().get(body) != simdjson::SUCCESS) {
        return api_error(400, "bad_parameter",
                         with_parent ? "the body must be a JSON object such as {\"body\": "
                                       "\"Nice **result**\", \"parentId\": 12} (parentId "
                                       "optional)"
                                     : "the body must be a JSON object such as {\"body\": "
                                       "\"Nice **result**\"}");
    }
    CommentRequest out;
    out.body = std::string(body);
    if (with_parent) {
        simdjson::dom::element parent;
        if (json["parentId"].get(parent) == simdjson::SUCCESS && !parent.is_null()) {
            int64_t id = 0;
            if (parent.get_int64().get(id) != simdjson::SUCCESS || id <= 0) {
                return api_error(400, "bad_parameter",
                                 "parentId must be the number of a comment on this paper");
            }
            out.parent_id = id;
        }
    }
    return out;
}

// An error of app::Comments as the API answers it.
Result<http::Response> comment_error(const Error& e) {
    switch (e.code()) {
        case ErrorCode::kLimitExceeded: {
            http::Response response = api_error(429, "rate_limited", e.message());
            response.set_header("Retry-After", "60");
            return response;
        }
        case ErrorCode::kInvalidArgument:
            if (e.message().starts_with("a comment has at most")) {
                return api_error(413, "too_large", e.message());
            }
            return api_error(400, "bad_parameter", e.message());
        case ErrorCode::kNotFound:
            return api_error(404, "not_found", e.message());
        default:
            return e;  // a store failure: api_route logs it and answers 500
    }
}

Result<http::Response> list_comments(const http::Request& request, Site::Context& site,
                                     const PaperId& id) {
    auto paper = site.library.papers({id});
    if (!paper.ok()) return paper.error();
    if (paper->empty()) return Error(ErrorCode::kNotFound, "no paper " + id.str());
    // Anyone may read; a logged-in caller also sees what only they (or curators) may see.
    auto visitor = identify(request, site.accounts);
    if (!visitor.ok()) return visitor.error();
    auto threads = comments_service(site).threads(id, visitor->user);
    if (!threads.ok()) return threads.error();
    JsonWriter w;
    w.begin_array();
    for (const app::CommentThread& thread : *threads) {
        write_comment(w, thread.comment);
        for (const app::CommentView& reply : thread.replies) write_comment(w, reply);
    }
    w.end_array();
    http::Response response = http::Response::json(200, w.take());
    response.set_header("Vary", "Cookie, Authorization");
    apply_cache_policy(request, response, "no-cache");
    return response;
}

Result<http::Response> comments_endpoint(const http::Request& request, Site::Context& site,
                                         std::string_view rest) {
    const std::optional<CommentPath> path = parse_comment_path(rest);
    if (!path) return Error(ErrorCode::kNotFound, "no API endpoint at this path");
    auto id = PaperId::parse(path->paper);
    if (!id.ok()) return bad_parameter(quote_value(path->paper) + " is not a paper id");
    const std::string& method = request.method;
    const bool get = method == "GET" || method == "HEAD";
    if (!path->comment) {
        if (get) return list_comments(request, site, *id);
        if (method != "POST") {
            http::Response response =
                api_error(405, "method_not_allowed", "read comments with GET, write one with POST");
            response.set_header("Allow", "GET, POST");
            return response;
        }
    } else if (get || (path->action.empty() && method == "POST") ||
               (!path->action.empty() && method == "PUT")) {
        http::Response response =
            api_error(405, "method_not_allowed", "this endpoint does not accept " + method);
        response.set_header("Allow", path->action.empty() ? "PUT, DELETE" : "POST, DELETE");
        return response;
    }

    auto caller = authorize(request, site, "comment");
    if (!caller.ok()) return caller.error();
    if (auto* refusal = std::get_if<http::Response>(&*caller)) return std::move(*refusal);
    const User& user = std::get<User>(*caller);
    app::Comments comments = comments_service(site);

    if (!path->comment) {
        auto given = read_comment_request(request, /*with_parent=*/true);
        if (auto* refusal = std::get_if<http::Response>(&given)) return std::move(*refusal);
        const CommentRequest& wanted = std::get<CommentRequest>(given);
        auto added = comments.add(user, *id, wanted.body, wanted.parent_id);
        if (!added.ok()) return comment_error(added.error());
        http::Response response = comment_response(201, *added);
        response.set_header("Location",
                            "/api/papers/" + id->str() + "/comments/" + std::to_string(added->id));
        return response;
    }

    auto current = comments.find(*path->comment);
    if (!current.ok()) return current.error();
    if (!*current || (*current)->paper_id != *id || (*current)->deleted) {
        return Error(ErrorCode::kNotFound,
                     "no comment " + std::to_string(*path->comment) + " on " + id->str());
    }
    const Comment& comment = **current;
    if (!path->action.empty()) {  // hide
        if (!app::may(user, comment, app::CommentAction::kHide)) {
            return api_error(403, "forbidden", "only curators and admins hide comments");
        }
        auto changed = comments.set_hidden(user, comment, method == "POST");
        if (!changed.ok()) return comment_error(changed.error());
        return comment_response(200, *changed);
    }
    if (method == "DELETE") {
        if (!app::may(user, comment, app::CommentAction::kDelete)) {
            return api_error(403, "forbidden", "only its author may delete a comment");
        }
        auto deleted = comments.remove(user, comment);
        if (!deleted.ok()) return comment_error(deleted.error());
        http::Response response = http::Response::json(204, "");
        response.set_header("Cache-Control", "no-store");
        return response;
    }
    // PUT: an edit.
    if (!app::may(user, comment, app::CommentAction::kEdit)) {
        return api_error(403, "forbidden", "only its author may edit a comment");
    }
    auto given = read_comment_request(request, /*with_parent=*/false);
    if (auto* refusal = std::get_if<http::Response>(&given)) return std::move(*refusal);
    auto edited = comments.edit(user, comment, std::get<CommentRequest>(given).body);
    if (!edited.ok()) return comment_error(edited.error());
    return comment_response(200, *edited);
}

// --- /api/papers/submit, DELETE /api/daily_papers/{date}/{id} ---------------------------------

// POST {"arxivId": "2410.13848"}: puts the paper on today's list; 201 with the list item.
Result<http::Response> submit(const http::Request& request, Site::Context& site) {
    auto caller = authorize(request, site, "submit papers");
    if (!caller.ok()) return caller.error();
    if (auto* refusal = std::get_if<http::Response>(&*caller)) return std::move(*refusal);
    const User& user = std::get<User>(*caller);

    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::string_view arxiv_id;
    if (request.body.size() > 4096 || parser.parse(request.body).get(body) != simdjson::SUCCESS ||
        body["arxivId"].get_string().get(arxiv_id) != simdjson::SUCCESS) {
        return bad_parameter(
            "the body must be a JSON object with the paper's arXiv id: {\"arxivId\": "
            "\"2410.13848\"}");
    }
    auto submitted = site.curation().submit(user, arxiv_id);
    if (!submitted.ok()) {
        const Error& e = submitted.error();
        switch (e.code()) {
            case ErrorCode::kAlreadyExists:
                return api_error(409, "already_submitted", e.message());
            case ErrorCode::kLimitExceeded:
                return api_error(429, "daily_limit", e.message());
            case ErrorCode::kUnavailable:
                return api_error(502, "arxiv_unavailable", e.message());
            default:
                return e;
        }
    }
    JsonWriter w;
    w.begin_object();
    auto comments = site.library.comment_counts({submitted->paper.id});
    if (!comments.ok()) return comments.error();
    write_item_fields(w, submitted->paper, submitted->entry, comments->front());
    w.end_object();
    http::Response response = http::Response::json(201, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

// DELETE /api/daily_papers/{date}/{id}: a curator takes a paper off a day's list; 204.
Result<http::Response> remove_entry(const http::Request& request, Site::Context& site,
                                    std::string_view rest) {
    auto caller = authorize(request, site, "curate");
    if (!caller.ok()) return caller.error();
    if (auto* refusal = std::get_if<http::Response>(&*caller)) return std::move(*refusal);
    const User& user = std::get<User>(*caller);
    const size_t slash = rest.find('/');
    const std::string_view date = rest.substr(0, slash);
    if (slash == std::string_view::npos || !is_valid_day(date)) {
        return bad_parameter("the path is /api/daily_papers/YYYY-MM-DD/PAPER_ID");
    }
    auto id = PaperId::parse(rest.substr(slash + 1));
    if (!id.ok()) return bad_parameter(quote_value(rest.substr(slash + 1)) + " is not a paper id");
    if (user.role == Role::kMember) {
        return api_error(403, "forbidden", "only curators and admins remove papers from a list");
    }
    PAPERBOY_RETURN_IF_ERROR(site.curation().remove(user, date, *id));
    http::Response response = http::Response::json(204, "");
    response.set_header("Cache-Control", "no-store");
    return response;
}

// --- Organizations -----------------------------------------------------------------------------

Result<http::Response> organization_json(const Organization& org, int status) {
    JsonWriter w;
    w.begin_object()
        .field("name", org.name)
        .field("fullname", org.full_name.empty() ? org.name : org.full_name)
        .field("avatarUrl", org.avatar_url)
        .end_object();
    http::Response response = http::Response::json(status, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

// GET /api/organizations/{name}: the organization; PUT (admins) with {"fullName": "...",
// "avatarUrl": "https://..."} creates or replaces it.
Result<http::Response> organization_endpoint(const http::Request& request, Site::Context& site,
                                             const std::string& name) {
    if (name.empty() || name.size() > 100) {
        return bad_parameter("an organization name has 1 to 100 characters");
    }
    if (request.method == "GET") {
        auto org = site.library.organization(name);
        if (!org.ok()) return org.error();
        if (!*org) return Error(ErrorCode::kNotFound, "no organization " + quote_value(name));
        return organization_json(**org, 200);
    }
    auto caller = authorize(request, site, "change organizations");
    if (!caller.ok()) return caller.error();
    if (auto* refusal = std::get_if<http::Response>(&*caller)) return std::move(*refusal);
    if (std::get<User>(*caller).role != Role::kAdmin) {
        return api_error(403, "forbidden", "only admins change organizations");
    }
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::string_view full_name;
    std::string_view avatar;
    if (request.body.size() > 4096 || parser.parse(request.body).get(body) != simdjson::SUCCESS ||
        !body.is_object()) {
        return bad_parameter(
            "the body must be a JSON object: {\"fullName\": \"...\", \"avatarUrl\": "
            "\"https://...\"}");
    }
    // Both optional: an absent or non-string field is left empty.
    if (body["fullName"].get_string().get(full_name) != simdjson::SUCCESS) full_name = {};
    if (body["avatarUrl"].get_string().get(avatar) != simdjson::SUCCESS) avatar = {};
    if (!avatar.empty() && safe_url(avatar).empty()) {
        return bad_parameter("avatarUrl must be an http(s) URL");
    }
    Organization org{name, std::string(full_name.substr(0, 200)), std::string(avatar)};
    PAPERBOY_RETURN_IF_ERROR(site.curation().put_organization(std::get<User>(*caller), org));
    return organization_json(org, 200);
}

// PUT /api/papers/{id}/organization {"organization": "name"} (admins): the paper's organization,
// which must exist ("" removes it).
Result<http::Response> assign_organization(const http::Request& request, Site::Context& site,
                                           std::string_view id_text) {
    auto caller = authorize(request, site, "assign organizations");
    if (!caller.ok()) return caller.error();
    if (auto* refusal = std::get_if<http::Response>(&*caller)) return std::move(*refusal);
    if (std::get<User>(*caller).role != Role::kAdmin) {
        return api_error(403, "forbidden", "only admins assign papers to organizations");
    }
    auto id = PaperId::parse(id_text);
    if (!id.ok()) return bad_parameter(quote_value(id_text) + " is not a paper id");
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::string_view name;
    if (request.body.size() > 4096 || parser.parse(request.body).get(body) != simdjson::SUCCESS ||
        body["organization"].get_string().get(name) != simdjson::SUCCESS) {
        return bad_parameter("the body must be {\"organization\": \"name\"}");
    }
    auto assigned = site.curation().assign_organization(std::get<User>(*caller), *id, name);
    if (!assigned.ok()) return assigned.error();
    const std::string& stored_name = *assigned;
    JsonWriter w;
    w.begin_object().field("paper", id->str()).field("organization", stored_name).end_object();
    http::Response response = http::Response::json(200, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

// POST, PUT or DELETE /api/papers/{id}/{action}: the paper's actions ("upvote" and the
// comments), and POST /api/papers/submit.
Result<http::Response> paper_action(const http::Request& request, Site::Context& site,
                                    std::string_view rest) {
    if (rest == "submit" && request.method == "POST") return submit(request, site);
    if (is_comments_path(rest)) return comments_endpoint(request, site, rest);
    const size_t slash = rest.rfind('/');
    const std::string_view action =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (action == "upvote" && request.method != "PUT") {
        return upvote(request, site, rest.substr(0, slash), request.method == "POST");
    }
    if (action == "organization" && request.method == "PUT") {
        return assign_organization(request, site, rest.substr(0, slash));
    }
    // A paper (or the search) itself: only GET.
    http::Response response =
        api_error(405, "method_not_allowed", "this endpoint does not accept " + request.method);
    response.set_header("Allow", "GET");
    return response;
}

// --- Routing -----------------------------------------------------------------------------------

using ApiHandler = std::function<Result<http::Response>(const http::Request&, const PathParams&)>;

// A route handler: rate limit, then `handler`, with its errors in the API's shape.
RouteHandler api_route(std::shared_ptr<RateLimiter> limiter, ApiHandler handler) {
    return [limiter = std::move(limiter), handler = std::move(handler)](
               const http::Request& request, const PathParams& params) {
        if (auto retry_after = limiter->acquire(request.remote_address)) {
            http::Response response = api_error(429, "rate_limited",
                                                "too many requests from this address; retry in " +
                                                    std::to_string(*retry_after) +
                                                    (*retry_after == 1 ? " second" : " seconds"));
            response.set_header("Retry-After", std::to_string(*retry_after));
            return response;
        }
        Result<http::Response> result = handler(request, params);
        if (result.ok()) return std::move(*result);
        const Error& error = result.error();
        switch (error.code()) {
            case ErrorCode::kInvalidArgument:
                return api_error(400, "bad_parameter", error.message());
            case ErrorCode::kNotFound:
                return api_error(404, "not_found", error.message());
            case ErrorCode::kAlreadyExists:
                return api_error(409, "conflict", error.message());
            case ErrorCode::kLimitExceeded:
                return api_error(429, "limit_exceeded", error.message());
            default:
                // A store failure, or the database out of reach: Site::handle logs it (the
                // details are for the log, not for the client) and answers 500, or 503 with
                // Retry-After, as it does for pages.
                throw Failure(error);
        }
    };
}

}  // namespace

bool is_api_path(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

http::Response api_error(int status, std::string_view code, std::string_view message) {
    JsonWriter w;
    w.begin_object().key("error").begin_object();
    w.field("code", code).field("message", message);
    w.end_object().end_object();
    http::Response response = http::Response::json(status, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

http::Response api_no_route(const http::Request& request, const std::string& allow) {
    if (allow.empty()) return api_error(404, "not_found", "no API endpoint at this path");
    http::Response response =
        api_error(405, "method_not_allowed", "this endpoint does not accept " + request.method);
    response.set_header("Allow", allow);
    return response;
}

RateLimiter::RateLimiter(double rate, double burst, Clock clock, size_t max_keys)
    : rate_(rate), burst_(std::max(burst, 1.0)), clock_(std::move(clock)), max_keys_(max_keys) {}

void RateLimiter::forget_full_buckets(std::chrono::steady_clock::time_point now) {
    std::erase_if(buckets_, [&](const auto& entry) {
        const double idle = std::chrono::duration<double>(now - entry.second.updated).count();
        return entry.second.tokens + idle * rate_ >= burst_;
    });
    // Every client is mid-burst: start over rather than grow without bound.
    if (buckets_.size() >= max_keys_) buckets_.clear();
}

std::optional<int> RateLimiter::acquire(const std::string& key) {
    if (rate_ <= 0) return std::nullopt;
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) forget_full_buckets(now);
        it = buckets_.emplace(key, Bucket{burst_, now}).first;
    }
    Bucket& bucket = it->second;
    const double elapsed =
        std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.updated = now;
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return std::nullopt;
    }
    return std::max(1, static_cast<int>(std::ceil((1.0 - bucket.tokens) / rate_)));
}

void add_api_routes(Router& router, Site::Context& site) {
    auto limiter = std::make_shared<RateLimiter>(site.options.api_rate, site.options.api_burst,
                                                 site.options.api_clock);
    router.add("GET", "/api/daily_papers", "api_daily_papers",
               api_route(limiter, [&site](const http::Request& request, const PathParams&) {
                   return daily_papers(request, site);
               }));
    router.add("GET", "/api/trending", "api_trending",
               api_route(limiter, [&site](const http::Request& request, const PathParams&) {
                   return trending(request, site);
               }));
    // Before /api/papers/{id...}, which would take "search" for an id.
    router.add("GET", "/api/papers/search", "api_search",
               api_route(limiter, [&site](const http::Request& request, const PathParams&) {
                   return search(request, site);
               }));
    // Before /api/papers/{id...} too, which would take "ID/similar" for an id. Old-style ids
    // hold a slash: hep-th/9901001/similar.
    for (const char* pattern :
         {"/api/papers/{id}/similar", "/api/papers/{archive}/{number}/similar"}) {
        router.add(
            "GET", pattern, "api_similar",
            api_route(limiter, [&site](const http::Request& request, const PathParams& params) {
                const auto archive = params.find("archive");
                return similar(request, site,
                               archive == params.end()
                                   ? params.at("id")
                                   : archive->second + "/" + params.at("number"));
            }));
    }
    router.add("GET", "/api/papers/{id...}", "api_paper",
               api_route(limiter, [&site](const http::Request& request, const PathParams& params) {
                   return paper(request, site, params.at("id"));
               }));
    for (const char* method : {"GET", "PUT"}) {
        router.add(
            method, "/api/organizations/{name}", "api_organization",
            api_route(limiter, [&site](const http::Request& request, const PathParams& params) {
                return organization_endpoint(request, site, params.at("name"));
            }));
    }
    router.add("DELETE", "/api/daily_papers/{rest...}", "api_daily_remove",
               api_route(limiter, [&site](const http::Request& request, const PathParams& params) {
                   return remove_entry(request, site, params.at("rest"));
               }));
    // Subscribing to digests (pages_subscriptions.cpp): open to anonymous callers, whose
    // addresses app::Subscriptions limits besides this limiter.
    router.add("POST", "/api/subscriptions", "api_subscriptions",
               api_route(limiter, [&site](const http::Request& request, const PathParams&) {
                   return subscribe_api(request, site);
               }));
    for (const char* method : {"POST", "PUT", "DELETE"}) {
        router.add(
            method, "/api/papers/{rest...}", "api_paper_action",
            api_route(limiter, [&site](const http::Request& request, const PathParams& params) {
                return paper_action(request, site, params.at("rest"));
            }));
    }
}

}  // namespace paperboy::web
