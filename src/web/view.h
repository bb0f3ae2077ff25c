// web/view.h — HTML pages from the embedded templates (kainjow mustache).
//
// Templates escape every {{value}} by default. The only raw {{{...}}} values are the page body
// (rendered from templates itself), search snippets (text::make_snippet escapes the abstract
// and adds only <mark>) and a comment's body_html, which only app::render_markdown() makes
// (cmark in safe mode: no raw HTML, no unsafe links); link targets from papers pass
// safe_url(), so a "javascript:" link in a record can never reach an href.
#pragma once

#include <chrono>
#include <kainjow/mustache.hpp>
#include <string>
#include <string_view>

#include "app/library.h"
#include "core/paper.h"

namespace paperboy::web {

using Data = kainjow::mustache::data;

// What the layout needs besides the body.
struct PageInfo {
    std::string title;
    std::string description;
    std::string nav;    // "daily", "week", "month", "trending", "for_you" or "" (the current tab)
    std::string query;  // the search box's value
    std::string today;  // "YYYY-MM-DD": where the Weekly and Monthly tabs point
    // The visitor (web/site_context.h, PageVisitor): the logged-in user's handle, "" for an
    // anonymous visitor, and the CSRF token their forms carry. Both reach the page's own
    // template too, as {{user_handle}} and {{csrf_token}}, with {{#logged_in}}.
    std::string user_handle;
    std::string csrf_token;
    // The page's own target ("/search?q=x"), where its forms (upvotes, log in) lead back to;
    // {{return_to}} in the page's template. "" on pages no form returns to.
    std::string return_to;
};

class View {
  public:
    explicit View(std::string site_name);

    // templates/NAME.html rendered with `data` (the card partial available), inside the layout.
    std::string page(std::string_view name, const Data& data, const PageInfo& info) const;

    const std::string& site_name() const { return site_name_; }

  private:
    // `data` with the card partial and, when `info` is given, the visitor's values added.
    std::string render(std::string_view name, const Data& data,
                       const PageInfo* info = nullptr) const;

    std::string site_name_;
};

// `url` when it is an absolute http(s) URL without white space or control characters, else "".
std::string safe_url(std::string_view url);

// The first sentences of `text` up to about `max_chars`, cut at a word, with "…" when cut.
std::string shorten(std::string_view text, size_t max_chars);

// A paper card's values (see templates/card.html). `now` decides the "new" badge (listed in the
// last 24 hours). The card says the visitor has not voted for it: set "voted" to say otherwise.
Data card_data(const app::ListedPaper& listed, std::chrono::sys_seconds now);
Data card_data(const Paper& paper, int upvotes);

}  // namespace paperboy::web
