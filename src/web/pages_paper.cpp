// The search page (/search) and the paper page (/papers/{id...}).
//
// Both take text from the outside (the query string, the path, the stored paper), and all of it
// reaches the page through escaped template values ({{...}}); the only raw values are a search
// hit's snippet, which text::make_snippet() escapes itself, and a comment's body_html, which
// comes from app::render_markdown() (cmark in safe mode: no raw HTML, no unsafe links). Links
// from a paper's record pass safe_url().
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/comments.h"
#include "core/calendar.h"
#include "core/url.h"
#include "core/utf8.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

constexpr std::string_view kSearchCache = "public, max-age=30";
constexpr std::string_view kPaperCache = "public, max-age=60";
constexpr size_t kPerPage = 10;
// Deep pages cost a top-k of offset + limit; nobody reads result 1,000.
constexpr size_t kMaxPage = 100;
// Longer queries are cut: room for a pasted abstract (330 words is ~2,500 bytes) within the
// server's 16 KiB request head once URL-encoded (the parser's own limit is 16 KiB).
constexpr size_t kMaxQueryBytes = 4096;
constexpr size_t kSimilarPapers = 5;
// Where templates/search.html shows the search time. It is filled in after the ETag is
// computed: the time differs on every request, the results do not, and a revalidation of
// unchanged results should be a 304. User text cannot produce it: its '<' is escaped.
constexpr std::string_view kElapsedMarker = "<!--elapsed-->";

// Categories offered by the search form's category box (any other code can be typed).
constexpr const char* kCommonCategories[] = {
    "cs.AI",   "cs.CL",    "cs.CV",  "cs.LG",  "cs.IR",    "cs.RO",    "cs.NE",
    "cs.SE",   "cs.CR",    "cs.HC",  "cs.SD",  "eess.AS",  "eess.IV",  "stat.ML",
    "math.OC", "quant-ph", "hep-th", "hep-ph", "astro-ph", "cond-mat", "q-bio.NC",
};

struct Example {
    const char* query;
    const char* what;
};
constexpr Example kExamples[] = {
    {"large language models", "papers with any of the words, best matches first"},
    {"\"state space model\"", "the exact phrase"},
    {"diffusion -survey", "without the word \"survey\""},
    {"title:transformer author:vaswani", "a word in the title, a name among the authors"},
    {"cat:cs.CL after:2024-01-01", "in a category, published on or after a day"},
    {"retrieval year:2024 has:code", "published in 2024, with a code link"},
    {"agents on:daily", "papers that were on a daily list"},
    {"transfo*", "words starting with \"transfo\""},
};

// ---- text helpers ----

bool is_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Valid UTF-8 without control characters (tabs and line breaks become spaces), trimmed, at most
// `max_bytes` long (cut at a character boundary; `cut` says whether it was).
std::string clean_text(std::string_view raw, size_t max_bytes, bool& cut) {
    std::string text(raw);
    fix_utf8(text);
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u == '\t' || u == '\n' || u == '\r') {
            out += ' ';
        } else if (u < 0x20 || u == 0x7f) {
            continue;
        } else if (u == 0xC2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            ++i;  // a C1 control character, U+0080..U+009F
        } else {
            out += text[i];
        }
    }
    const size_t first = out.find_first_not_of(' ');
    if (first == std::string::npos) return "";
    out = out.substr(first, out.find_last_not_of(' ') - first + 1);
    cut = out.size() > max_bytes;
    if (cut) {
        size_t end = max_bytes;
        while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
        out.resize(end);
        while (!out.empty() && out.back() == ' ') out.pop_back();
    }
    return out;
}

std::string clean_text(std::string_view raw, size_t max_bytes) {
    bool cut = false;
    return clean_text(raw, max_bytes, cut);
}

// "1,234,567".
std::string with_commas(uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string format_millis(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, ms < 10 ? "%.2f ms" : "%.0f ms", ms);
    return buf;
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool is_word_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || u >= 0x80;
}

// `text` with every whole-word occurrence of `word` (compared ASCII-case-insensitively)
// replaced by `replacement`.
std::string replace_word(const std::string& text, std::string_view word,
                         std::string_view replacement) {
    if (word.empty()) return text;
    const std::string lowered = lower_ascii(text);
    const std::string needle = lower_ascii(word);
    std::string out;
    size_t from = 0;
    for (size_t at = lowered.find(needle); at != std::string::npos;
         at = lowered.find(needle, at + 1)) {
        const size_t end = at + needle.size();
        if (at < from || (at > 0 && is_word_byte(text[at - 1])) ||
            (end < text.size() && is_word_byte(text[end]))) {
            continue;
        }
        out.append(text, from, at - from);
        out += replacement;
        from = end;
    }
    out.append(text, from, std::string::npos);
    return out;
}

// "Oct 22, 2024" of a stored timestamp; "" when it has no valid day.
std::string timestamp_day(const std::string& timestamp) {
    if (timestamp.size() < 10 || !is_valid_day(std::string_view(timestamp).substr(0, 10))) {
        return "";
    }
    return display_day(timestamp.substr(0, 10));
}

// ---- the search page ----

struct SearchParams {
    std::string q;  // cleaned and capped
    bool q_cut = false;
    std::optional<app::SearchMode> mode;  // nullopt: the search service's default
    std::string cat;
    std::string after;
    std::string before;
    bool has_code = false;
    size_t page = 1;
    std::vector<std::string> problems;  // why a parameter cannot be used, for the page

    bool has_filters() const {
        return !cat.empty() || !after.empty() || !before.empty() || has_code;
    }
};

bool is_category_code(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-';
    });
}

std::string param(const http::Request& request, std::string_view name) {
    const std::string* value = request.query_param(name);
    return value ? *value : std::string();
}

// The ways to rank a search, as the search form offers them (templates/search.html).
struct ModeChoice {
    app::SearchMode mode;
    const char* label;
    const char* hint;
};
constexpr ModeChoice kModeChoices[] = {
    {app::SearchMode::kLexical, "Words", "the words you typed, in any form"},
    {app::SearchMode::kSemantic, "Meaning", "papers about the same idea, even in other words"},
    {app::SearchMode::kHybrid, "Both", "word matches first, then papers alike in meaning"},
};

// Whether the search service can rank by meaning: it has paper vectors.
bool has_vectors(const app::SearchService& search) {
    return search.vectors() != nullptr && search.vectors()->size() > 0;
}

SearchParams read_search_params(const http::Request& request) {
    SearchParams s;
    s.q = clean_text(param(request, "q"), kMaxQueryBytes, s.q_cut);
    // The filters echo into the form: they are cleaned too, and kept short.
    s.cat = clean_text(param(request, "cat"), 64);
    if (!s.cat.empty() && !is_category_code(s.cat)) {
        s.problems.push_back("'" + s.cat + "' is not an arXiv category like cs.CL or hep-th.");
    }
    s.after = clean_text(param(request, "after"), 64);
    s.before = clean_text(param(request, "before"), 64);
    const auto check_day = [&s](std::string_view label, const std::string& value) {
        if (!value.empty() && !is_valid_day(value)) {
            s.problems.push_back(std::string(label) + ": '" + value +
                                 "' is not a date like 2024-01-31.");
        }
    };
    check_day("After", s.after);
    check_day("Before", s.before);
    if (is_valid_day(s.after) && is_valid_day(s.before) && s.after > s.before) {
        s.problems.push_back("The 'after' date (" + s.after +
                             ") is later than the 'before' date (" + s.before +
                             "): no paper can match.");
    }
    if (const std::string mode = clean_text(param(request, "mode"), 64); !mode.empty()) {
        s.mode = app::parse_search_mode(mode);
        if (!s.mode) {
            s.problems.push_back("'" + mode +
                                 "' is not a way to search: mode is lexical (words), semantic "
                                 "(meaning) or hybrid (both).");
        }
    }
    const std::string code = param(request, "has_code");
    s.has_code = !code.empty() && code != "0" && code != "false" && code != "off";
    const std::string page = clean_text(param(request, "p"), 64);
    if (!page.empty()) {
        const bool ok = is_digits(page) && page.size() <= 3 && std::stoul(page) >= 1 &&
                        std::stoul(page) <= kMaxPage;
        if (ok) {
            s.page = std::stoul(page);
        } else {
            s.problems.push_back("'" + page + "' is not a page number from 1 to " +
                                 std::to_string(kMaxPage) + ".");
        }
    }
    return s;
}

// The query the index is asked: the typed query with the form's filters in the query language.
std::string compose_query(const SearchParams& s) {
    std::string query = s.q;
    const auto add = [&](std::string_view term) {
        if (!query.empty()) query += ' ';
        query += term;
    };
    if (!s.cat.empty()) add("cat:" + s.cat);
    if (!s.after.empty()) add("after:" + s.after);
    if (!s.before.empty()) add("before:" + s.before);
    if (s.has_code) add("has:code");
    return query;
}

// /search?... for these parameters (empty ones left out), at `page`, with `q` for the query.
std::string search_url(const SearchParams& s, std::string_view q, size_t page) {
    std::string url = "/search";
    char sep = '?';
    const auto add = [&](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        url += sep;
        url += name;
        url += '=';
        url += url_encode(value);
        sep = '&';
    };
    add("q", q);
    add("cat", s.cat);
    add("after", s.after);
    add("before", s.before);
    if (s.has_code) add("has_code", "1");
    if (s.mode) add("mode", app::search_mode_name(*s.mode));
    if (page > 1) add("p", std::to_string(page));
    return url;
}

// Parameters that keep only the way of searching of `s` (examples, "without the filters").
SearchParams only_mode(const SearchParams& s) {
    SearchParams out;
    out.mode = s.mode;
    return out;
}

// The form's values and the category choices; every state of the page shows the form. The
// Words / Meaning / Both control only when the site has vectors to search by meaning with.
Data search_form_data(const SearchParams& s, const app::SearchService& search) {
    Data data;
    if (has_vectors(search)) {
        const app::SearchMode chosen = s.mode.value_or(search.default_mode());
        Data modes(Data::type::list);
        for (const ModeChoice& choice : kModeChoices) {
            Data m;
            m.set("value", std::string(app::search_mode_name(choice.mode)));
            m.set("label", choice.label);
            m.set("hint", choice.hint);
            m.set("checked", Data(choice.mode == chosen));
            modes.push_back(m);
        }
        data.set("has_modes", Data(true));
        data.set("modes", modes);
    }
    data.set("q", s.q);
    data.set("cat", s.cat);
    data.set("after", s.after);
    data.set("before", s.before);
    data.set("has_code", Data(s.has_code));
    Data categories(Data::type::list);
    for (const char* code : kCommonCategories) {
        Data c;
        c.set("code", code);
        categories.push_back(c);
    }
    data.set("categories", categories);
    return data;
}

Data text_list(const std::vector<std::string>& texts) {
    Data list(Data::type::list);
    for (const std::string& t : texts) {
        Data item;
        item.set("text", t);
        list.push_back(item);
    }
    return list;
}

http::Response search_page(const http::Request& request, Site::Context& site) {
    const SearchParams s = read_search_params(request);
    const PageVisitor visitor = page_visitor(request, site);
    Data data = search_form_data(s, site.search);
    PageInfo info;
    visitor.describe(request, info);
    info.title = s.q.empty() ? "Search" : "Search: " + shorten(s.q, 80);
    info.description = "Search the papers of " + site.view.site_name() +
                       " by words, phrases, authors, categories and dates.";

    if (!s.problems.empty()) {
        data.set("problems", text_list(s.problems));
        http::Response response = site.html_page(400, "search", data, info);
        response.set_header("Cache-Control", "no-store");
        return response;
    }

    const std::string query = compose_query(s);
    if (query.empty()) {
        Data examples(Data::type::list);
        for (const Example& e : kExamples) {
            Data example;
            example.set("query", e.query);
            example.set("what", e.what);
            example.set("url", search_url(only_mode(s), e.query, 1));
            examples.push_back(example);
        }
        data.set("guidance", Data(true));
        data.set("examples", examples);
        http::Response response = site.html_page(200, "search", data, info);
        apply_page_cache_policy(request, response, kSearchCache, visitor);
        return response;
    }

    index::SearchOptions options;
    options.offset = (s.page - 1) * kPerPage;
    options.limit = kPerPage + 1;  // one more than shown: whether there is a next page
    const auto started = std::chrono::steady_clock::now();
    auto found = site.search.search(query, options, /*suggest=*/true, s.mode);
    const double millis =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    if (!found.ok()) throw Failure(found.error());
    app::SearchResponse& response = *found;

    const bool has_next = response.hits.size() > kPerPage;
    if (has_next) response.hits.resize(kPerPage);
    // With pruning `matched` is a lower bound; it is never shown below what the pages hold.
    const uint64_t matched = std::max<uint64_t>(
        response.matched, options.offset + response.hits.size() + (has_next ? 1 : 0));
    std::string count = with_commas(matched) + (matched == 1 ? " result" : " results");
    if (!response.matched_is_exact) count = "about " + count;
    if (s.page > 1) {
        count = "Page " + std::to_string(s.page) + " of " + count;
    } else {
        count[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(count[0])));
    }
    data.set("result_count", count);
    data.set("has_info", Data(!response.hits.empty()));
    const bool vectors = has_vectors(site.search);
    if (response.mode == app::SearchMode::kHybrid) {
        data.set("ranking", "ranked by words and meaning");
    } else if (response.mode == app::SearchMode::kSemantic) {
        data.set("ranking", "ranked by meaning");
    } else if (vectors) {
        data.set("ranking", "ranked by words");
    }

    std::vector<std::string> notes;
    if (s.q_cut) {
        notes.push_back("Your query was longer than " + with_commas(kMaxQueryBytes) +
                        " bytes; only its beginning was searched.");
    }
    if (response.query_truncated) {
        notes.push_back("Your query has more words, phrases or filters than are searched (" +
                        with_commas(index::kMaxTermClauses) + " distinct words, " +
                        std::to_string(index::kMaxClauses) +
                        " phrases and filters); the rest were left out.");
    }
    if (!notes.empty()) data.set("notes", text_list(notes));
    // Asked to search by meaning but searched by words (SearchService::search's fallbacks): a
    // quiet note why, unless it is plain (the default mode with a query of filters only).
    const app::SearchMode asked = s.mode.value_or(site.search.default_mode());
    if (asked != app::SearchMode::kLexical && response.mode == app::SearchMode::kLexical) {
        std::string why;
        if (!vectors) {
            why =
                "This site has no paper vectors yet, so it cannot search by meaning; these "
                "results are matched by words.";
        } else if (app::semantic_query_text(query).empty()) {
            if (s.mode) {
                why =
                    "Searching by meaning needs words to compare; these results match your "
                    "filters and are ranked by words.";
            }
        } else {
            why =
                "Searching by meaning is not available right now; these results are matched "
                "by words.";
        }
        if (!why.empty()) data.set("mode_note", why);
    }

    std::string corrected = s.q;
    for (const index::Suggestion& suggestion : response.suggestions) {
        corrected = replace_word(corrected, suggestion.word, suggestion.replacement);
    }
    if (!response.suggestions.empty() && corrected != s.q) {
        data.set("suggestion_query", corrected);
        data.set("suggestion_url", search_url(s, corrected, 1));
    }

    std::vector<PaperId> hit_ids;
    for (const app::SearchHit& hit : response.hits) hit_ids.push_back(hit.paper.id);
    const std::vector<bool> voted = votes_of(site, visitor, hit_ids);
    Data hits(Data::type::list);
    for (size_t i = 0; i < response.hits.size(); ++i) {
        const app::SearchHit& hit = response.hits[i];
        Data card = card_data(hit.paper, hit.upvotes);
        card.set("snippet", hit.snippet);
        if (voted[i]) card.set("voted", Data(true));
        hits.push_back(card);
    }
    data.set("has_hits", Data(!response.hits.empty()));
    data.set("hits", hits);
    if (response.hits.empty()) {
        data.set("no_hits", Data(true));
        data.set("echo", s.q.empty() ? query : s.q);
        if (s.page > 1) data.set("first_page_url", search_url(s, s.q, 1));
        if (s.has_filters() && !s.q.empty()) {
            data.set("unfiltered_url", search_url(only_mode(s), s.q, 1));
        }
    }
    if (s.page > 1 || has_next) {
        data.set("has_pager", Data(true));
        data.set("page_label", "Page " + std::to_string(s.page));
        if (s.page > 1) data.set("previous_url", search_url(s, s.q, s.page - 1));
        if (has_next) data.set("next_url", search_url(s, s.q, s.page + 1));
    }

    http::Response page = site.html_page(200, "search", data, info);
    apply_page_cache_policy(request, page, kSearchCache, visitor);
    if (const size_t at = page.body.find(kElapsedMarker); at != std::string::npos) {
        page.body.replace(at, kElapsedMarker.size(), format_millis(millis));
    }
    return page;
}

// ---- the paper page ----

// "CC BY 4.0" for a Creative Commons license URL, "arXiv license" for arXiv's own; else the
// URL itself.
std::string license_label(const std::string& url) {
    const std::string lower = lower_ascii(url);
    if (lower.find("arxiv.org/licenses/nonexclusive-distrib") != std::string::npos) {
        return "arXiv non-exclusive license";
    }
    if (lower.find("creativecommons.org/publicdomain/zero") != std::string::npos) return "CC0 1.0";
    const std::string marker = "creativecommons.org/licenses/";
    if (size_t at = lower.find(marker); at != std::string::npos) {
        std::string rest = lower.substr(at + marker.size());  // "by-nc-sa/4.0/"
        const size_t slash = rest.find('/');
        if (slash != std::string::npos && slash > 0) {
            std::string kind = rest.substr(0, slash);
            std::string version = rest.substr(slash + 1);
            if (!version.empty() && version.back() == '/') version.pop_back();
            for (char& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            return "CC " + kind + (version.empty() ? "" : " " + version);
        }
    }
    return url;
}

// The abstract's paragraphs (the display form keeps paragraph breaks as blank lines).
Data paragraphs(const std::string& text) {
    Data list(Data::type::list);
    size_t from = 0;
    while (from <= text.size()) {
        size_t end = text.find("\n\n", from);
        if (end == std::string::npos) end = text.size();
        if (end > from) {
            Data p;
            p.set("text", text.substr(from, end - from));
            list.push_back(p);
        }
        from = end + 2;
    }
    return list;
}

Data authors_data(const Paper& paper) {
    Data list(Data::type::list);
    for (size_t i = 0; i < paper.authors.size(); ++i) {
        const Author& a = paper.authors[i];
        Data author;
        author.set("name", a.name);
        author.set("url", "/search?q=" + url_encode("author:\"" + a.name + "\""));
        std::string affiliations;
        for (const std::string& aff : a.affiliations) {
            if (!affiliations.empty()) affiliations += "; ";
            affiliations += aff;
        }
        if (!affiliations.empty()) author.set("affiliations", affiliations);
        author.set("more", Data(i + 1 < paper.authors.size()));
        list.push_back(author);
    }
    return list;
}

// One comment's template values (templates/paper.html, the comments section). Every key is set
// on every comment: a mustache lookup that misses walks up the context, and a hidden reply must
// not find its thread's body there.
Data comment_data(const app::CommentView& view) {
    const Comment& c = view.comment;
    Data d;
    d.set("comment_id", std::to_string(c.id));
    d.set("author", c.author_handle);
    d.set("created_at", c.created_at);
    d.set("created_day", timestamp_day(c.created_at));
    d.set("edited", Data(c.updated_at != c.created_at && !c.deleted));
    d.set("body_shown", Data(view.body_shown));
    d.set("body_html", view.body_html);  // from app::render_markdown(): inserted raw
    d.set("hidden", Data(c.hidden && !c.deleted));
    d.set("deleted", Data(c.deleted));
    return d;
}

// The paper's comment threads as the visitor sees them; `count` is set to the visible ones.
Data discussion_data(Site::Context& site, const PaperId& id, const PageVisitor& visitor,
                     size_t& count) {
    app::Comments comments = site.instance.comments();
    auto threads = comments.threads(id, visitor.user);
    if (!threads.ok()) throw Failure(threads.error());
    Data list(Data::type::list);
    count = 0;
    for (const app::CommentThread& thread : *threads) {
        Data t = comment_data(thread.comment);
        Data replies(Data::type::list);
        for (const app::CommentView& reply : thread.replies) replies.push_back(comment_data(reply));
        t.set("replies", replies);
        t.set("has_replies", Data(!thread.replies.empty()));
        list.push_back(t);
        // The heading counts what everyone sees, as numComments does.
        if (thread.comment.comment.visible()) ++count;
        for (const app::CommentView& reply : thread.replies) count += reply.comment.visible();
    }
    return list;
}

http::Response paper_page(const http::Request& request, Site::Context& site,
                          const std::string& raw_id) {
    std::string_view text = raw_id;
    while (text.size() > 1 && text.back() == '/') text.remove_suffix(1);
    auto parsed = parse_paper_id(text);
    if (!parsed.ok()) {
        return site.error_page(404, "Paper not found",
                               "'" + clean_text(raw_id, 200) +
                                   "' is not a paper id like 2410.17243 or hep-th/9901001.");
    }
    const std::string& canonical = parsed->id.str();
    if (raw_id != canonical) return http::Response::redirect(301, "/papers/" + canonical);

    auto loaded = site.library.paper(parsed->id);
    if (!loaded.ok()) throw Failure(loaded.error());
    if (!*loaded) {
        return site.error_page(404, "Paper not found",
                               "There is no paper " + canonical +
                                   " here. It may not have been loaded yet; try searching.");
    }
    const app::PaperPage& page = **loaded;
    const Paper& p = page.paper;
    const PageVisitor visitor = page_visitor(request, site);

    Data data;
    data.set("id", canonical);
    data.set("id_label", p.id.is_arxiv() ? "arXiv:" + canonical : canonical);
    if (p.version > 0) data.set("version", "v" + std::to_string(p.version));
    data.set("title", p.title);
    data.set("upvotes", std::to_string(page.upvotes));
    data.set("voted", Data(votes_of(site, visitor, {p.id}).front()));
    data.set("authors", authors_data(p));
    if (p.authors.empty() && p.author_count > 0) {
        data.set("author_count",
                 std::to_string(p.author_count) + (p.author_count == 1 ? " author" : " authors"));
    }
    data.set("abstract", paragraphs(p.abstract));
    data.set("has_abstract", Data(!p.abstract.empty()));

    Data categories(Data::type::list);
    for (const std::string& code : p.categories) {
        Data c;
        c.set("code", code);
        c.set("url", "/search?cat=" + url_encode(code));
        categories.push_back(c);
    }
    data.set("categories", categories);
    data.set("has_categories", Data(!p.categories.empty()));
    if (auto day = timestamp_day(p.published); !day.empty()) data.set("published", day);
    if (auto day = timestamp_day(p.updated); !day.empty() && p.updated != p.published) {
        data.set("updated", day);
    }

    Data lists(Data::type::list);
    for (const DailyEntry& e : page.entries) {
        Data d;
        d.set("url", "/papers/date/" + e.date);
        d.set("label", display_day(e.date));
        d.set("upvotes", std::to_string(e.upvotes));
        if (!e.submitted_by.empty()) d.set("submitted_by", e.submitted_by);
        lists.push_back(d);
    }
    data.set("lists", lists);
    data.set("has_lists", Data(!page.entries.empty()));

    if (p.id.is_arxiv()) {
        data.set("arxiv_url", p.id.abs_url());
        data.set("pdf_url", p.id.pdf_url());
    }
    if (auto code = safe_url(p.github_url); !code.empty()) data.set("code_url", code);
    if (auto project = safe_url(p.project_url); !project.empty()) {
        data.set("project_url", project);
    }
    if (!p.doi.empty()) {
        data.set("doi", p.doi);
        if (auto url = safe_url("https://doi.org/" + p.doi); !url.empty()) data.set("doi_url", url);
    }
    if (!p.journal_ref.empty()) data.set("journal_ref", p.journal_ref);
    if (!p.comments.empty()) data.set("comments", p.comments);
    if (!p.report_no.empty()) data.set("report_no", p.report_no);
    if (!p.organization.empty()) data.set("organization", p.organization);
    if (!p.license.empty()) {
        data.set("license_label", license_label(p.license));
        if (auto url = safe_url(p.license); !url.empty()) data.set("license_url", url);
    }

    // SearchService::similar() goes by the paper's vector exactly when it has one.
    const app::VectorSearch* vectors = site.search.vectors();
    const bool similar_by_meaning = vectors != nullptr && vectors->vector_of(p.id).has_value();
    auto similar = site.search.similar(p, kSimilarPapers);
    if (!similar.ok()) throw Failure(similar.error());
    std::vector<PaperId> similar_ids;
    for (const app::SearchHit& hit : *similar) similar_ids.push_back(hit.paper.id);
    const std::vector<bool> voted = votes_of(site, visitor, similar_ids);
    Data cards(Data::type::list);
    for (size_t i = 0; i < similar->size(); ++i) {
        const app::SearchHit& hit = (*similar)[i];
        Data card = card_data(hit.paper, hit.upvotes);
        if (voted[i]) card.set("voted", Data(true));
        cards.push_back(card);
    }
    // The cards sit beside the paper's values, not inside them: a mustache lookup that misses
    // in a card goes up the context, and must not find the page's own links there.
    Data page_data;
    page_data.set("paper", data);
    page_data.set("similar", cards);
    page_data.set("has_similar", Data(!similar->empty()));
    page_data.set("similar_by_meaning", Data(similar_by_meaning && !similar->empty()));
    size_t comment_count = 0;
    Data threads = discussion_data(site, p.id, visitor, comment_count);
    page_data.set("has_comments", Data(!threads.is_empty_list()));
    page_data.set("threads", threads);
    if (comment_count > 0) page_data.set("comment_count", std::to_string(comment_count));
    page_data.set("paper_id", canonical);

    PageInfo info;
    visitor.describe(request, info);
    info.title = p.title.empty() ? canonical : p.title;
    std::string description = p.abstract;
    std::replace(description.begin(), description.end(), '\n', ' ');
    info.description = description.empty() ? p.title : shorten(description, 160);
    http::Response response = site.html_page(200, "paper", page_data, info);
    apply_page_cache_policy(request, response, kPaperCache, visitor);
    return response;
}

}  // namespace

void add_paper_routes(Router& router, Site::Context& site) {
    router.add(
        "GET", "/search", "search",
        [&site](const http::Request& request, const PathParams&) {
            return search_page(request, site);
        },
        Caching::kRendered, Throttle::kSearch);
    // After the list routes (/papers/date/..., /papers/trending): the first match wins.
    router.add(
        "GET", "/papers/{id...}", "paper",
        [&site](const http::Request& request, const PathParams& params) {
            return paper_page(request, site, params.at("id"));
        },
        Caching::kRendered);
}

}  // namespace paperboy::web
