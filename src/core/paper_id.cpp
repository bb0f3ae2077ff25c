#include "core/paper_id.h"

#include <cctype>

namespace paperboy {
namespace {

constexpr size_t kMaxLocalName = 128;
constexpr size_t kMaxSlug = 80;
constexpr size_t kMaxIdText = 512;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (to_lower(s[i]) != to_lower(prefix[i])) return false;
    }
    return true;
}

bool ends_with_icase(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           starts_with_icase(s.substr(s.size() - suffix.size()), suffix);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Strips a URL or scheme prefix that wraps an arXiv id; returns the remainder.
std::string_view strip_wrappers(std::string_view s) {
    for (std::string_view scheme : {"https://", "http://"}) {
        if (starts_with_icase(s, scheme)) {
            s.remove_prefix(scheme.size());
            break;
        }
    }
    for (std::string_view host : {"www.", "export."}) {
        if (starts_with_icase(s, host)) {
            s.remove_prefix(host.size());
            break;
        }
    }
    for (std::string_view path : {"arxiv.org/abs/", "arxiv.org/pdf/", "arxiv.org/html/",
                                  "huggingface.co/papers/", "oai:arxiv.org:", "arxiv:"}) {
        if (starts_with_icase(s, path)) {
            s.remove_prefix(path.size());
            break;
        }
    }
    // URL decorations after the id.
    if (size_t q = s.find_first_of("?#"); q != std::string_view::npos) s = s.substr(0, q);
    while (!s.empty() && s.back() == '/') s.remove_suffix(1);
    if (ends_with_icase(s, ".pdf")) s.remove_suffix(4);
    return s;
}

// Splits a trailing "v<digits>" off `s`; returns the version or 0, or -1 when malformed.
int split_version(std::string_view& s) {
    size_t i = s.size();
    while (i > 0 && is_digit(s[i - 1])) --i;
    if (i == s.size() || i == 0 || (s[i - 1] != 'v' && s[i - 1] != 'V')) return 0;
    std::string_view digits = s.substr(i);
    if (digits.size() > 4 || digits[0] == '0') return -1;
    int v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    s = s.substr(0, i - 1);
    return v;
}

// "YYMM.NNNN" (April 2007 to December 2014) or "YYMM.NNNNN" (from January 2015).
bool is_new_style(std::string_view s) {
    if (s.size() != 9 && s.size() != 10) return false;
    if (s[4] != '.') return false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i != 4 && !is_digit(s[i])) return false;
    }
    int yy = (s[0] - '0') * 10 + (s[1] - '0');
    int mm = (s[2] - '0') * 10 + (s[3] - '0');
    if (mm < 1 || mm > 12) return false;
    int yymm = yy * 100 + mm;
    if (yymm < 704) return false;
    size_t number_digits = s.size() - 5;
    return yymm < 1501 ? number_digits == 4 : number_digits == 5;
}

// "archive[.SUBJECT]/YYMMNNN" with YY from 91 to 07. Returns the canonical form
// "archive/YYMMNNN" or an empty string.
std::string old_style_canonical(std::string_view s) {
    size_t slash = s.find('/');
    if (slash == std::string_view::npos || slash == 0) return {};
    std::string_view archive = s.substr(0, slash);
    std::string_view number = s.substr(slash + 1);
    if (number.size() != 7) return {};
    for (char c : number) {
        if (!is_digit(c)) return {};
    }
    int yy = (number[0] - '0') * 10 + (number[1] - '0');
    int mm = (number[2] - '0') * 10 + (number[3] - '0');
    if (mm < 1 || mm > 12 || (yy > 7 && yy < 91)) return {};
    if (size_t dot = archive.find('.'); dot != std::string_view::npos) {
        std::string_view subject = archive.substr(dot + 1);
        archive = archive.substr(0, dot);
        if (subject.empty() || subject.size() > 8) return {};
        for (char c : subject) {
            if (!is_alpha(c) && c != '-') return {};
        }
    }
    if (archive.empty() || archive.size() > 16 || !is_alpha(archive.front())) return {};
    std::string canonical;
    for (char c : archive) {
        if (!is_alpha(c) && c != '-') return {};
        canonical += to_lower(c);
    }
    canonical += '/';
    canonical += number;
    return canonical;
}

bool valid_local_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxLocalName) return false;
    for (char c : name) {
        if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '_' && c != '-') return false;
    }
    return true;
}

Error invalid(std::string_view text, std::string_view why) {
    std::string shown(text.substr(0, 80));
    if (text.size() > 80) shown += "...";
    return Error(ErrorCode::kInvalidArgument,
                 "invalid paper id \"" + shown + "\": " + std::string(why));
}

}  // namespace

Result<ParsedPaperId> parse_paper_id(std::string_view text) {
    if (text.size() > kMaxIdText) return invalid(text, "too long");
    std::string_view s = trim(text);
    if (s.empty()) return invalid(text, "empty");
    if (starts_with_icase(s, "local:")) {
        std::string_view name = s.substr(6);
        if (!valid_local_name(name)) {
            return invalid(text, "a local id is local: and 1-128 of [A-Za-z0-9._-]");
        }
        return ParsedPaperId{PaperId(PaperId::Kind::kLocal, "local:" + std::string(name)), 0};
    }
    s = strip_wrappers(s);
    int version = split_version(s);
    if (version < 0) return invalid(text, "malformed version suffix");
    if (is_new_style(s)) {
        return ParsedPaperId{PaperId(PaperId::Kind::kArxivNew, std::string(s)), version};
    }
    if (std::string old = old_style_canonical(s); !old.empty()) {
        return ParsedPaperId{PaperId(PaperId::Kind::kArxivOld, std::move(old)), version};
    }
    return invalid(text,
                   "expected an arXiv id such as 2401.12345 or hep-th/9901001, or local:<name>");
}

Result<PaperId> PaperId::parse(std::string_view text) {
    auto parsed = parse_paper_id(text);
    if (!parsed.ok()) return parsed.error();
    return std::move(parsed->id);
}

Result<PaperId> PaperId::local(std::string_view name) {
    if (!valid_local_name(name)) {
        return invalid(name, "a local id is local: and 1-128 of [A-Za-z0-9._-]");
    }
    return PaperId(Kind::kLocal, "local:" + std::string(name));
}

PaperId PaperId::local_from_title(std::string_view title) {
    std::string slug;
    bool pending_dash = false;
    bool truncated = false;
    for (char c : title) {
        if (is_alpha(c) || is_digit(c)) {
            if (pending_dash && !slug.empty()) slug += '-';
            pending_dash = false;
            if (slug.size() >= kMaxSlug) {
                truncated = true;
                break;
            }
            slug += to_lower(c);
        } else if (static_cast<unsigned char>(c) < 0x80) {
            pending_dash = true;
        }
        // Bytes of multi-byte UTF-8 sequences are dropped: the slug stays ASCII.
    }
    // A long title is cut at a word boundary, so the slug still reads as words.
    if (truncated) {
        if (size_t dash = slug.rfind('-'); dash != std::string::npos && dash > 0) slug.resize(dash);
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    if (slug.empty()) slug = "untitled";
    return PaperId(Kind::kLocal, "local:" + slug);
}

std::string PaperId::abs_url() const {
    return is_arxiv() ? "https://arxiv.org/abs/" + text_ : std::string();
}

std::string PaperId::pdf_url() const {
    return is_arxiv() ? "https://arxiv.org/pdf/" + text_ : std::string();
}

}  // namespace paperboy
