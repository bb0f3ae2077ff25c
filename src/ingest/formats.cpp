#include "ingest/formats.h"

#include <array>

namespace paperboy::ingest {
namespace {

struct FormatName {
    Format format;
    std::string_view name;
};

constexpr std::array<FormatName, 6> kFormats = {{
    {Format::kArxivJsonl, "arxiv-jsonl"},
    {Format::kArxivAtom, "arxiv-atom"},
    {Format::kOaiPmh, "oai-pmh"},
    {Format::kHfDaily, "hf-daily"},
    {Format::kBeir, "beir"},
    {Format::kPapersPage, "papers-page"},
}};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view skip_bom_and_space(std::string_view s) {
    if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return s;
}

// The keys of the first JSON object in `s` (which starts with '{'), as far as `s` holds it.
// A string-aware scan, not a parse: only depth-1 keys are collected, raw.
std::vector<std::string_view> first_object_keys(std::string_view s) {
    std::vector<std::string_view> keys;
    int depth = 0;
    bool expect_key = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
            if (j >= s.size()) break;
            if (depth == 1 && expect_key) keys.push_back(s.substr(i + 1, j - i - 1));
            expect_key = false;
            i = j;
        } else if (c == '{' || c == '[') {
            ++depth;
            expect_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) break;
        } else if (c == ',' && depth == 1) {
            expect_key = true;
        }
    }
    return keys;
}

bool contains(const std::vector<std::string_view>& keys, std::string_view key) {
    for (std::string_view k : keys) {
        if (k == key) return true;
    }
    return false;
}

std::string known_formats() {
    std::string out;
    for (const FormatName& f : kFormats) {
        if (!out.empty()) out += ", ";
        out += f.name;
    }
    return out;
}

}  // namespace

std::string_view format_name(Format format) {
    for (const FormatName& f : kFormats) {
        if (f.format == format) return f.name;
    }
    return "unknown";
}

std::optional<Format> parse_format_name(std::string_view name) {
    for (const FormatName& f : kFormats) {
        if (f.name == name) return f.format;
    }
    return std::nullopt;
}

std::vector<std::string_view> all_format_names() {
    std::vector<std::string_view> names;
    for (const FormatName& f : kFormats) names.push_back(f.name);
    return names;
}

Result<Format> detect_format(std::string_view head) {
    std::string_view s = skip_bom_and_space(head);
    if (!s.empty() && s.front() == '<') {
        // An XML prolog, comments or a stylesheet may come first; look for the root element.
        if (s.find("<OAI-PMH") != std::string_view::npos) return Format::kOaiPmh;
        size_t feed = s.find("<feed");
        if (feed != std::string_view::npos &&
            s.find("http://www.w3.org/2005/Atom", feed) != std::string_view::npos) {
            return Format::kArxivAtom;
        }
    } else if (!s.empty() && s.front() == '[') {
        return Format::kHfDaily;
    } else if (!s.empty() && s.front() == '{') {
        std::vector<std::string_view> keys = first_object_keys(s);
        if (contains(keys, "_id")) return Format::kBeir;
        if (contains(keys, "papers") && (contains(keys, "page") || contains(keys, "about"))) {
            return Format::kPapersPage;
        }
        if (contains(keys, "id") &&
            (contains(keys, "versions") || contains(keys, "authors_parsed") ||
             contains(keys, "update_date"))) {
            return Format::kArxivJsonl;
        }
    }
    std::string what = "cannot detect the format (give it explicitly)";
    if (head.empty()) {
        what = "cannot detect the format of an empty input";
    } else if (s.empty()) {
        what = "cannot detect the format: the first " + std::to_string(head.size()) +
               " bytes are white space";
    }
    return Error(ErrorCode::kParse, what + "; known formats: " + known_formats());
}

Status parse(Format format, ByteSource& input, RecordSink& sink) {
    switch (format) {
        case Format::kArxivJsonl:
            return parse_arxiv_jsonl(input, sink);
        case Format::kArxivAtom:
            return parse_arxiv_atom(input, sink);
        case Format::kOaiPmh:
            return parse_oai_pmh(input, sink);
        case Format::kHfDaily:
            return parse_hf_daily(input, sink);
        case Format::kBeir:
            return parse_beir(input, sink);
        case Format::kPapersPage:
            return parse_papers_page(input, sink);
    }
    return Error(ErrorCode::kInternal, "unknown format");
}

}  // namespace paperboy::ingest
