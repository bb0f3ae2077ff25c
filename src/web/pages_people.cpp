// The pages about people and where papers come from: the submission form (GET and POST
// /submit), an author's papers (/authors/{name}), an organization's (/orgs/{name}) and a
// member's page (/u/{handle}).
//
// Author and organization names come from ingested records, that is from anyone who can get a
// paper onto arXiv or Hugging Face: they reach the pages only through escaped template values,
// and the search query only as one quoted term without quotes of its own, so a name cannot add
// filters. The submission form is checked as the account forms are (Origin, size, type, the
// session's CSRF token; see pages_account.cpp): the few helpers this file needs are repeated
// below, thinly, with the page's own address for its forms to return to.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "app/auth/crypto.h"
#include "core/calendar.h"
#include "core/url.h"
#include "core/utf8.h"
#include "web/auth.h"
#include "web/forms.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr size_t kMaxFormBytes = 16 * 1024;
// Longer than any arXiv id or abs URL; longer input is refused without asking the store.
constexpr size_t kMaxIdInput = 200;
// Names longer than this are no one's; the search box's own limit is higher.
constexpr size_t kMaxNameBytes = 200;
// An author's or organization's page shows this many papers (no pagination yet).
constexpr size_t kListedPapers = 50;
constexpr std::string_view kListCache = "public, max-age=60";

// ---- text ----

// Valid UTF-8 without control characters, white space runs collapsed, trimmed, at most
// `max_bytes` (cut at a character boundary).
std::string clean_name(std::string_view raw, size_t max_bytes) {
    std::string text(raw);
    fix_utf8(text);
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool space = u < 0x20 || u == 0x7f || c == ' ';
        if (space) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > max_bytes) {
        size_t end = max_bytes;
        while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
        out.resize(end);
        while (!out.empty() && out.back() == ' ') out.pop_back();
    }
    return out;
}

// `name` as one quoted search term: its own double quotes become spaces, so that it can
// neither end the phrase early nor add filters ("x\" cat:cs.CL \"").
std::string quoted_term(std::string_view prefix, std::string name) {
    std::replace(name.begin(), name.end(), '"', ' ');
    return std::string(prefix) + "\"" + name + "\"";
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

// ---- forms ----

PageInfo page_info(const http::Request& request, const PageVisitor& visitor, std::string title) {
    PageInfo info;
    visitor.describe(request, info);
    info.title = std::move(title);
    return info;
}

// The site's error page with the visitor in the header; never cached.
http::Response visitor_error(const http::Request& request, Site::Context& site,
                             const PageVisitor& visitor, int status, std::string heading,
                             std::string message) {
    Data data;
    data.set("status", std::to_string(status));
    data.set("heading", heading);
    data.set("message", std::move(message));
    http::Response response =
        site.html_page(status, "error", data, page_info(request, visitor, std::move(heading)));
    response.set_header("Cache-Control", "private, no-store");
    return response;
}

// ---- submitting ----

constexpr std::string_view kSubmitPath = "/submit";

http::Response submit_page(const http::Request& request, Site::Context& site,
                           const PageVisitor& visitor, int status, const std::string& value = {},
                           const std::string& problem = {}) {
    Data data;
    data.set("max_age_days", std::to_string(site.options.submit_max_age_days));
    data.set("daily_limit", std::to_string(site.options.submit_daily_limit));
    data.set("value", value);
    if (!problem.empty()) data.set("problem", problem);
    http::Response response =
        site.html_page(status, "submit", data, page_info(request, visitor, "Submit a paper"));
    response.set_header("Cache-Control", "private, no-store");
    return response;
}

// The HTTP status of a refused submission, as the API answers it (docs/http-api.md).
int submit_status(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return 400;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kAlreadyExists:
            return 409;
        case ErrorCode::kLimitExceeded:
            return 429;
        case ErrorCode::kUnavailable:
            return 502;
        default:
            return 0;  // not the member's to fix
    }
}

// POST /submit: the checks every form of the site has, then app::Curation::submit(); the
// paper's page on success, the form again with the reason otherwise.
http::Response post_submit(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    if (request.header("Origin") && !from_this_site(request, site.options.public_url)) {
        return visitor_error(request, site, visitor, 403, "This form cannot be accepted",
                             "It was sent from another site. Forms of this site are accepted "
                             "only from its own pages.");
    }
    if (request.body.size() > kMaxFormBytes) {
        return visitor_error(request, site, visitor, 413, "Too much to send",
                             "The form is larger than any form of this site holds.");
    }
    const auto form = parse_form(request.body);
    if (!form) {
        return visitor_error(request, site, visitor, 400, "Not a form",
                             "The form's values could not be read (one holds a NUL byte).");
    }
    if (!visitor.logged_in()) return see_other("/login?next=" + url_encode(kSubmitPath));
    if (visitor.csrf_token.empty() ||
        !app::auth::equal_constant_time(visitor.csrf_token, field(*form, "csrf"))) {
        return visitor_error(request, site, visitor, 403, "This form cannot be accepted",
                             "It was not sent from a page of this site, or the page is out of "
                             "date. Go back, reload the page and try again.");
    }
    // Shown back in the form: cleaned and short (the template escapes it).
    const std::string raw = field(*form, "arxiv_id");
    const std::string value = clean_name(raw, kMaxIdInput);
    if (value.empty()) {
        return submit_page(request, site, visitor, 400, value,
                           "Enter an arXiv id such as 2410.13848, or the paper's arxiv.org "
                           "address.");
    }
    if (raw.size() > kMaxIdInput) {
        return submit_page(request, site, visitor, 400, value,
                           "That is longer than any arXiv id or address.");
    }
    auto submitted = site.curation().submit(*visitor.user, value);
    if (!submitted.ok()) {
        const int status = submit_status(submitted.error().code());
        if (status == 0) throw Failure(submitted.error());
        return submit_page(request, site, visitor, status, value,
                           sentence(submitted.error().message()));
    }
    return see_other("/papers/" + submitted->paper.id.str());
}

// ---- lists of papers: an author's, an organization's, a member's ----

// The page of templates/people.html: a heading, a line under it, the papers as cards (or what
// to say when there are none).
struct PeoplePage {
    std::string heading;
    std::string subtitle;
    std::string empty_text;
    std::vector<Data> cards;
    std::vector<PaperId> ids;  // the cards' papers, for the visitor's votes
    std::string avatar_url;    // checked by safe_url(); "" = none
    // A second list under its own heading (a member's upvotes), when more_heading is set.
    std::string more_heading;
    std::vector<Data> more_cards;
    std::vector<PaperId> more_ids;
};

http::Response render_people(const http::Request& request, Site::Context& site,
                             const PageVisitor& visitor, PeoplePage page, std::string title) {
    const std::vector<bool> voted = votes_of(site, visitor, page.ids);
    Data cards(Data::type::list);
    for (size_t i = 0; i < page.cards.size(); ++i) {
        if (voted[i]) page.cards[i].set("voted", Data(true));
        cards.push_back(page.cards[i]);
    }
    Data data;
    if (!page.more_heading.empty()) {
        const std::vector<bool> more_voted = votes_of(site, visitor, page.more_ids);
        Data more(Data::type::list);
        for (size_t i = 0; i < page.more_cards.size(); ++i) {
            if (more_voted[i]) page.more_cards[i].set("voted", Data(true));
            more.push_back(page.more_cards[i]);
        }
        data.set("more_heading", page.more_heading);
        data.set("more_papers", more);
        data.set("has_more_papers", Data(!page.more_cards.empty()));
    }
    data.set("heading", page.heading);
    if (!page.avatar_url.empty()) data.set("avatar_url", page.avatar_url);
    data.set("subtitle", page.subtitle);
    data.set("papers", cards);
    data.set("has_papers", Data(!page.cards.empty()));
    data.set("empty_text", page.empty_text);
    http::Response response =
        site.html_page(200, "people", data, page_info(request, visitor, std::move(title)));
    apply_page_cache_policy(request, response, kListCache, visitor);
    return response;
}

std::string count_label(size_t n, bool more) {
    if (n == 0) return "no papers";
    return (more ? "the first " : "") + std::to_string(n) + (n == 1 ? " paper" : " papers");
}

// The papers `query` finds, as the search ranks them (best match first), into `page`.
void add_search_hits(Site::Context& site, const std::string& query, PeoplePage& page, bool& more) {
    index::SearchOptions options;
    options.limit = kListedPapers + 1;  // one more: whether there are more
    auto found = site.search.search(query, options);
    if (!found.ok()) throw Failure(found.error());
    more = found->hits.size() > kListedPapers;
    if (more) found->hits.resize(kListedPapers);
    for (const app::SearchHit& hit : found->hits) {
        auto upvotes = site.library.upvotes(hit.paper.id);
        if (!upvotes.ok()) throw Failure(upvotes.error());
        page.cards.push_back(card_data(hit.paper, *upvotes));
        page.ids.push_back(hit.paper.id);
    }
}

http::Response author_page(const http::Request& request, Site::Context& site,
                           const std::string& raw_name) {
    const PageVisitor visitor = page_visitor(request, site);
    const std::string name = clean_name(raw_name, kMaxNameBytes);
    if (name.empty()) {
        return visitor_error(request, site, visitor, 404, "Author not found",
                             "This address names no author.");
    }
    PeoplePage page;
    page.heading = name;
    bool more = false;
    add_search_hits(site, quoted_term("author:", name), page, more);
    page.subtitle = "Papers with an author named " + name + " · " +
                    count_label(page.cards.size(), more) + ", best matches first";
    page.empty_text = "There are no papers here by an author named " + name + ".";
    return render_people(request, site, visitor, std::move(page), name);
}

http::Response org_page(const http::Request& request, Site::Context& site,
                        const std::string& raw_name) {
    const PageVisitor visitor = page_visitor(request, site);
    const std::string name = clean_name(raw_name, kMaxNameBytes);
    if (name.empty()) {
        return visitor_error(request, site, visitor, 404, "Organization not found",
                             "This address names no organization.");
    }
    PeoplePage page;
    page.heading = name;
    // A registered organization (PUT /api/organizations/NAME) shows its full name and avatar.
    auto org = site.library.organization(name);
    if (!org.ok()) throw Failure(org.error());
    std::string about = "Papers of the organization";
    if (*org) {
        if (!(*org)->full_name.empty()) {
            page.heading = (*org)->full_name;
            about = (*org)->name + " · papers of the organization";
        }
        page.avatar_url = safe_url((*org)->avatar_url);
    }
    bool more = false;
    add_search_hits(site, quoted_term("org:", name), page, more);
    page.subtitle = about + " · " + count_label(page.cards.size(), more);
    page.empty_text = "There are no papers here from an organization named " + name + ".";
    return render_people(request, site, visitor, std::move(page), name);
}

// The daily entries `handle` submitted, newest day first (at most kListedPapers).
std::vector<DailyEntry> user_submissions(Site::Context& site, const std::string& handle) {
    auto entries = site.library.submitted_by(handle, kListedPapers);
    if (!entries.ok()) throw Failure(entries.error());
    return std::move(entries).value();
}

// The papers the user upvoted, latest vote first, as cards (at most kListedPapers).
void add_upvoted(Site::Context& site, const User& user, PeoplePage& page) {
    auto ids = site.votes.upvoted_by(user.id, kListedPapers);
    if (!ids.ok()) throw Failure(ids.error());
    auto papers = site.library.papers(*ids);
    if (!papers.ok()) throw Failure(papers.error());
    for (Paper& paper : *papers) {
        auto upvotes = site.library.upvotes(paper.id);
        if (!upvotes.ok()) throw Failure(upvotes.error());
        page.more_ids.push_back(paper.id);
        page.more_cards.push_back(card_data(paper, *upvotes));
    }
}

// Handles are letters, digits, '-' and '_' (app::Accounts); anything else, an email address
// above all (Store::find_user() also finds users by email), is no one's page.
bool could_be_handle(std::string_view text) {
    return !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

http::Response user_page(const http::Request& request, Site::Context& site,
                         const std::string& handle) {
    const PageVisitor visitor = page_visitor(request, site);
    std::optional<User> user;
    if (could_be_handle(handle)) {
        auto found = site.accounts.find_user(handle);
        if (!found.ok()) throw Failure(found.error());
        if (*found && iequals((*found)->handle, handle)) user = std::move(**found);
    }
    if (!user) {
        return visitor_error(request, site, visitor, 404, "No such member",
                             "There is no member with this handle here.");
    }
    if (user->handle != handle) return http::Response::redirect(301, "/u/" + user->handle);

    auto listed = site.library.with_papers(user_submissions(site, user->handle));
    if (!listed.ok()) throw Failure(listed.error());
    PeoplePage page;
    page.heading = "@" + user->handle;
    std::string subtitle(role_name(user->role));
    subtitle[0] = static_cast<char>(subtitle[0] - 'a' + 'A');
    if (user->created_at.size() >= 10 && is_valid_day(user->created_at.substr(0, 10))) {
        subtitle += " · joined " + display_day(user->created_at.substr(0, 10));
    }
    subtitle += " · " + std::to_string(listed->size()) +
                (listed->size() == 1 ? " submission" : " submissions");
    page.subtitle = std::move(subtitle);
    page.empty_text = "@" + user->handle + " has not submitted a paper yet.";
    for (const app::ListedPaper& l : *listed) {
        page.cards.push_back(card_data(l, site.now()));
        page.ids.push_back(l.paper.id);
    }
    page.more_heading = "Upvoted by @" + user->handle;
    add_upvoted(site, *user, page);
    return render_people(request, site, visitor, std::move(page), "@" + user->handle);
}

}  // namespace

void add_people_routes(Router& router, Site::Context& site) {
    router.add("GET", std::string(kSubmitPath), "submit",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   if (!visitor.logged_in()) {
                       return see_other("/login?next=" + url_encode(kSubmitPath));
                   }
                   return submit_page(request, site, visitor, 200);
               });
    router.add("POST", std::string(kSubmitPath), "submit",
               [&site](const http::Request& request, const PathParams&) {
                   return post_submit(request, site);
               });
    // Names may hold a slash ("AI/ML Lab"), which arrives decoded: the rest of the path.
    router.add(
        "GET", "/authors/{name...}", "author",
        [&site](const http::Request& request, const PathParams& params) {
            return author_page(request, site, params.at("name"));
        },
        Caching::kRendered);
    router.add(
        "GET", "/orgs/{name...}", "org",
        [&site](const http::Request& request, const PathParams& params) {
            return org_page(request, site, params.at("name"));
        },
        Caching::kRendered);
    router.add("GET", "/u/{handle}", "user",
               [&site](const http::Request& request, const PathParams& params) {
                   return user_page(request, site, params.at("handle"));
               });
}

}  // namespace paperboy::web
