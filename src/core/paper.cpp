#include "core/paper.h"

#include <algorithm>
#include <array>

namespace paperboy {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_url_char(char c) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        return false;
    switch (c) {
        // ']' ends a URL too: unencoded brackets are not valid in URLs, and Markdown links
        // ("[url](url)") put one right after it.
        case '"':
        case '<':
        case '>':
        case '\\':
        case '^':
        case '`':
        case '{':
        case '|':
        case '}':
        case '[':
        case ']':
            return false;
        default:
            return true;
    }
}

// Trims characters that end a sentence or close a wrapper rather than the URL itself.
std::string_view trim_url_tail(std::string_view url) {
    while (!url.empty()) {
        char c = url.back();
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
            c == '*') {
            url.remove_suffix(1);
        } else if (c == ')' || c == ']') {
            // Keep a closing bracket only when the URL itself opened one ("wiki/Foo_(bar)").
            char open = c == ')' ? '(' : '[';
            if (std::count(url.begin(), url.end(), open) >= std::count(url.begin(), url.end(), c)) {
                break;
            }
            url.remove_suffix(1);
        } else {
            break;
        }
    }
    return url;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// "https://github.com/owner/repo/..." -> "https://github.com/owner/repo", or empty when the
// URL does not name a repository.
std::string github_repository(std::string_view url) {
    std::string_view rest = url;
    for (std::string_view prefix : {"https://", "http://"}) {
        if (lower(rest.substr(0, prefix.size())) == prefix) {
            rest.remove_prefix(prefix.size());
            break;
        }
    }
    if (lower(rest.substr(0, 4)) == "www.") rest.remove_prefix(4);
    if (lower(rest.substr(0, 11)) != "github.com/") return {};
    rest.remove_prefix(11);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return {};
    std::string_view owner = rest.substr(0, slash);
    std::string_view repo = rest.substr(slash + 1);
    repo = repo.substr(0, repo.find_first_of("/?#"));
    if (repo.size() > 4 && lower(repo.substr(repo.size() - 4)) == ".git") repo.remove_suffix(4);
    if (repo.empty()) return {};
    return "https://github.com/" + std::string(owner) + "/" + std::string(repo);
}

}  // namespace

std::string clean_display_text(std::string_view raw) {
    // Writes through a raw pointer into a buffer sized up front (the output is never longer
    // than the input: a space or "\n\n" stands for at least as many white-space characters).
    // This runs twice per record on the ingest hot path, where appending char by char or word
    // by word was most of the parse time.
    std::string out(raw.size(), '\0');
    char* o = out.data();
    size_t len = 0;
    size_t newlines = 0;
    bool in_space = false;
    for (char c : raw) {
        if (static_cast<unsigned char>(c) <= 0x20 && is_space(c)) {
            in_space = true;
            if (c == '\n') ++newlines;
            continue;
        }
        if (in_space && len > 0) {
            if (newlines >= 2) {
                o[len++] = '\n';
                o[len++] = '\n';
            } else {
                o[len++] = ' ';
            }
        }
        in_space = false;
        newlines = 0;
        o[len++] = c;
    }
    out.resize(len);
    return out;
}

FoundLinks find_links(std::string_view text) {
    FoundLinks links;
    size_t pos = 0;
    while (pos < text.size() && (links.github_url.empty() || links.project_url.empty())) {
        size_t http = text.find("http", pos);
        if (http == std::string_view::npos) break;
        size_t end = http;
        while (end < text.size() && is_url_char(text[end])) ++end;
        std::string_view url = trim_url_tail(text.substr(http, end - http));
        pos = std::max(end, http + 4);
        std::string lowered = lower(url.substr(0, 8));
        if (lowered.rfind("https://", 0) != 0 && lowered.rfind("http://", 0) != 0) continue;
        if (url.size() <= 10) continue;
        if (std::string repo = github_repository(url); !repo.empty()) {
            if (links.github_url.empty()) links.github_url = std::move(repo);
            continue;
        }
        std::string host = lower(url.substr(url.find("//") + 2));
        host = host.substr(0, host.find('/'));
        // arXiv and DOI links point at papers, not at a project.
        static constexpr std::array<std::string_view, 4> kNotProjects = {
            "arxiv.org", "doi.org", "dx.doi.org", "github.com"};
        bool skip = std::any_of(kNotProjects.begin(), kNotProjects.end(), [&](std::string_view h) {
            return host == h || host == "www." + std::string(h);
        });
        if (!skip && links.project_url.empty()) links.project_url = std::string(url);
    }
    return links;
}

void fill_links(Paper& paper) {
    if (!paper.github_url.empty() && !paper.project_url.empty()) return;
    for (const std::string* text : {&paper.abstract_raw, &paper.comments}) {
        FoundLinks found = find_links(*text);
        if (paper.github_url.empty()) paper.github_url = std::move(found.github_url);
        if (paper.project_url.empty()) paper.project_url = std::move(found.project_url);
    }
}

}  // namespace paperboy
