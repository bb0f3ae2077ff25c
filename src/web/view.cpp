#include "web/view.h"

#include <stdexcept>

#include "core/calendar.h"
#include "core/url.h"
#include "web/assets.h"

namespace paperboy::web {
namespace {

using kainjow::mustache::lambda2;
using kainjow::mustache::mustache;
using kainjow::mustache::partial;
using kainjow::mustache::renderer;

constexpr size_t kShortAbstract = 300;

std::string template_text(std::string_view name) {
    const std::string path = "templates/" + std::string(name) + ".html";
    auto text = asset(path);
    if (!text) throw std::logic_error("no template " + path);
    return std::string(*text);
}

std::string authors_label(const Paper& p) {
    const int n = p.num_authors();
    if (n == 0) return "";
    if (n == 1 && !p.authors.empty()) return p.authors.front().name;
    return std::to_string(n) + (n == 1 ? " author" : " authors");
}

// Undoes kainjow's html_escape (& < > " '), whose output is all it is given: every '&' there
// starts one of its five entities.
std::string html_unescape(std::string_view s) {
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        bool replaced = false;
        for (const auto& [entity, c] : kEntities) {
            if (s.substr(i, entity.size()) == entity) {
                out += c;
                i += entity.size() - 1;
                replaced = true;
                break;
            }
        }
        if (!replaced) out += s[i];
    }
    return out;
}

}  // namespace

View::View(std::string site_name) : site_name_(std::move(site_name)) {}

std::string View::render(std::string_view name, const Data& data, const PageInfo* info) const {
    mustache tmpl(template_text(name));
    if (!tmpl.is_valid()) {
        throw std::logic_error("template " + std::string(name) + ": " + tmpl.error_message());
    }
    Data with_partials(data);
    with_partials.set("card", partial([] { return template_text("card"); }));
    // {{#url_encode}}{{name}}{{/url_encode}}: the section's text percent-encoded, for a name in
    // a link's path (/authors/...). Its values render escaped, as everywhere; the escaping is
    // undone before encoding, and the result holds only A-Z a-z 0-9 - . _ ~ and %.
    with_partials.set("url_encode", lambda2([](const std::string& text, const renderer& render) {
                          return url_encode(html_unescape(render(text, false)));
                      }));
    if (info != nullptr) {
        // For the forms anywhere in the page, the cards' upvote forms among them. (A section
        // of an empty string renders: whether someone is logged in is a boolean.)
        with_partials.set("logged_in", Data(!info->user_handle.empty()));
        with_partials.set("user_handle", info->user_handle);
        with_partials.set("csrf_token", info->csrf_token);
        with_partials.set("return_to", info->return_to);
    }
    std::string out = tmpl.render(with_partials);
    if (!tmpl.error_message().empty()) {
        throw std::logic_error("template " + std::string(name) + ": " + tmpl.error_message());
    }
    return out;
}

std::string View::page(std::string_view name, const Data& data, const PageInfo& info) const {
    Data layout;
    layout.set("body", render(name, data, &info));
    layout.set("title", info.title);
    layout.set("description", info.description.empty()
                                  ? "Daily research papers, curated by the community."
                                  : info.description);
    layout.set("site_name", site_name_);
    layout.set("query", info.query);
    layout.set("css_version", asset_version("static/style.css"));
    layout.set("js_version", asset_version("static/app.js"));
    const std::string today = info.today.empty() ? "2024-01-01" : info.today;
    layout.set("this_week", iso_week_of(today));
    layout.set("this_month", month_of(today));
    for (const char* tab : {"daily", "week", "month", "trending", "for_you"}) {
        layout.set(std::string("nav_") + tab, Data(info.nav == tab));
    }
    if (!info.user_handle.empty()) {
        layout.set("user_handle", info.user_handle);
        layout.set("csrf_token", info.csrf_token);
    } else {
        // Logging in from a page comes back to it.
        const std::string next = info.return_to.empty() || info.return_to == "/"
                                     ? std::string()
                                     : "?next=" + url_encode(info.return_to);
        layout.set("login_url", "/login" + next);
        layout.set("signup_url", "/signup" + next);
    }
    return render("layout", layout);
}

std::string safe_url(std::string_view url) {
    if (!url.starts_with("https://") && !url.starts_with("http://")) return "";
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return "";
    }
    return std::string(url);
}

std::string shorten(std::string_view text, size_t max_chars) {
    if (text.size() <= max_chars) return std::string(text);
    size_t cut = text.rfind(' ', max_chars);
    if (cut == std::string_view::npos || cut < max_chars / 2) cut = max_chars;
    // Never split a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    std::string out(text.substr(0, cut));
    while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == '.')) {
        out.pop_back();
    }
    return out + "…";
}

Data card_data(const Paper& p, int upvotes) {
    Data d;
    const std::string& id = p.id.str();
    d.set("id", id);
    d.set("anchor", id.find('/') == std::string::npos ? id : std::string());
    d.set("url", "/papers/" + id);
    d.set("title", p.title);
    d.set("upvotes", std::to_string(upvotes));
    d.set("voted", Data(false));
    d.set("abstract", p.abstract);
    if (p.abstract.size() > kShortAbstract + 40) {
        d.set("abstract_long", Data(true));
        d.set("abstract_short", shorten(p.abstract, kShortAbstract));
    }
    d.set("authors_label", authors_label(p));
    if (!p.organization.empty()) d.set("organization", p.organization);
    if (!p.primary_category().empty()) d.set("category", p.primary_category());
    if (p.published.size() >= 10) d.set("date_label", display_day(p.published.substr(0, 10)));
    if (p.id.is_arxiv()) {
        d.set("arxiv_url", p.id.abs_url());
        d.set("pdf_url", p.id.pdf_url());
    }
    if (auto code = safe_url(p.github_url); !code.empty()) d.set("code_url", code);
    if (auto project = safe_url(p.project_url); !project.empty()) d.set("project_url", project);
    return d;
}

Data card_data(const app::ListedPaper& listed, std::chrono::sys_seconds now) {
    Data d = card_data(listed.paper, listed.upvotes());
    const auto listed_at = app::submitted_time(listed.entry);
    if (listed_at <= now && now - listed_at < std::chrono::hours(24)) {
        d.set("is_new", Data(true));
    }
    if (!listed.entry.date.empty()) d.set("date_label", display_day(listed.entry.date));
    return d;
}

}  // namespace paperboy::web
