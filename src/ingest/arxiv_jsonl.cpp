// The Kaggle arXiv metadata snapshot: one JSON object per line.
//
// Speed matters here (the snapshot has 2.5 million lines), so every line is parsed in place in
// the LineReader's buffer by one simdjson DOM parser that is reused for the whole file: no copy
// of the line, no allocation once the parser has grown to the largest line. The DOM parser (not
// On Demand) validates each line completely, so trailing garbage or a truncated object is
// reported rather than half-read, and it still runs far faster than the rest of the pipeline.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/timestamp.h"
#include "ingest/authors.h"
#include "ingest/formats.h"
#include "ingest/json_fields.h"

namespace paperboy::ingest {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// "v12" -> 12; 0 when malformed.
int version_number(std::string_view v) {
    if (v.size() < 2 || (v[0] != 'v' && v[0] != 'V') || v.size() > 6) return 0;
    int n = 0;
    for (char c : v.substr(1)) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + (c - '0');
    }
    return n;
}

// Affiliations that only point into a numbered legend ("1 and 2", "1,3"): arXiv's
// authors_parsed keeps them unresolved.
bool is_reference(std::string_view s) {
    bool digit = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (s.substr(i, 3) == "and") {
            i += 2;
        } else if (c != ',' && c != ' ' && c != ';') {
            return false;
        }
    }
    return digit;
}

std::string collapse_space(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending = false;
    for (char c : s) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            pending = !out.empty();
        } else {
            if (pending) out += ' ';
            pending = false;
            out += c;
        }
    }
    return out;
}

struct Versions {
    int latest = 0;
    int first_number = 0;
    std::string first_created;   // normalised
    std::string latest_created;  // normalised
};

bool read_versions(element value, Versions& out, std::string& reason) {
    array versions;
    if (value.get_array().get(versions) != SUCCESS) {
        reason = json::wrong_type("versions", value, "an array");
        return false;
    }
    for (element v : versions) {
        object entry;
        if (v.get_object().get(entry) != SUCCESS) {
            reason = json::wrong_type("versions[]", v, "an object");
            return false;
        }
        std::string_view name, created;
        if (!json::optional_string(entry, "version", name, reason) ||
            !json::optional_string(entry, "created", created, reason)) {
            return false;
        }
        int number = version_number(name);
        if (number == 0) {
            reason = "invalid version \"" + std::string(name.substr(0, 20)) + "\"";
            return false;
        }
        std::optional<std::string> when = normalize_timestamp(created);
        if (!created.empty() && !when) {
            reason = "invalid date \"" + std::string(created.substr(0, 60)) + "\" in versions";
            return false;
        }
        if (out.first_number == 0 || number < out.first_number) {
            out.first_number = number;
            out.first_created = when.value_or("");
        }
        if (number >= out.latest) {
            out.latest = number;
            out.latest_created = when.value_or("");
        }
    }
    return true;
}

bool read_authors_parsed(element value, std::vector<Author>& authors, bool& unresolved,
                         std::string& reason) {
    array list;
    if (value.get_array().get(list) != SUCCESS) {
        reason = json::wrong_type("authors_parsed", value, "an array");
        return false;
    }
    for (element entry : list) {
        array parts;
        if (entry.get_array().get(parts) != SUCCESS) {
            reason = json::wrong_type("authors_parsed[]", entry, "an array");
            return false;
        }
        std::string_view fields[3];
        Author extra;
        size_t i = 0;
        for (element part : parts) {
            std::string_view text;
            if (!json::optional_string(part, "authors_parsed[][]", text, reason)) return false;
            if (i < 3) {
                fields[i] = text;
            } else if (is_reference(text)) {
                unresolved = true;
            } else if (!text.empty()) {
                // Kaggle appends affiliations after [keyname, forenames, suffix].
                extra.affiliations.push_back(collapse_space(tex_to_unicode(text)));
            }
            ++i;
        }
        Author author = author_from_parts(fields[0], fields[1], fields[2]);
        if (author.name.empty()) continue;
        author.affiliations = std::move(extra.affiliations);
        authors.push_back(std::move(author));
    }
    return true;
}

// Parses one line's object into `paper`; false with `reason` for a bad record.
bool read_paper(object obj, Paper& paper, std::string& reason) {
    std::string_view id, title, authors_text, categories, abstract, update_date;
    bool have_id = false, have_title = false, have_authors_parsed = false;
    bool unresolved_affiliations = false;
    Versions versions;

    for (auto [key, value] : obj) {
        // Keys are matched by their first letter first: the switch is cheaper than comparing
        // every key against every name.
        std::string_view text;
        switch (key.empty() ? '\0' : key[0]) {
            case 'i':
                if (key == "id") {
                    if (value.get_string().get(id) != SUCCESS) {
                        reason = json::wrong_type("id", value, "a string");
                        return false;
                    }
                    have_id = true;
                }
                break;
            case 't':
                if (key == "title") {
                    if (!json::optional_string(value, "title", title, reason)) return false;
                    have_title = !value.is_null();
                }
                break;
            case 'a':
                if (key == "authors") {
                    if (!json::optional_string(value, "authors", authors_text, reason))
                        return false;
                } else if (key == "abstract") {
                    if (!json::optional_string(value, "abstract", abstract, reason)) return false;
                } else if (key == "authors_parsed") {
                    if (value.is_null()) break;
                    if (!read_authors_parsed(value, paper.authors, unresolved_affiliations,
                                             reason)) {
                        return false;
                    }
                    have_authors_parsed = true;
                }
                break;
            case 'c':
                if (key == "categories") {
                    if (!json::optional_string(value, "categories", categories, reason))
                        return false;
                } else if (key == "comments") {
                    if (!json::optional_string(value, "comments", text, reason)) return false;
                    paper.comments = clean_display_text(text);
                }
                break;
            case 's':
                if (key == "submitter") {
                    if (!json::optional_string(value, "submitter", text, reason)) return false;
                    paper.submitter = tex_to_unicode(text);
                }
                break;
            case 'j':
                if (key == "journal-ref") {
                    if (!json::optional_string(value, "journal-ref", text, reason)) return false;
                    paper.journal_ref = clean_display_text(text);
                }
                break;
            case 'd':
                if (key == "doi") {
                    if (!json::optional_string(value, "doi", text, reason)) return false;
                    paper.doi = clean_display_text(text);
                }
                break;
            case 'r':
                if (key == "report-no") {
                    if (!json::optional_string(value, "report-no", text, reason)) return false;
                    paper.report_no = clean_display_text(text);
                }
                break;
            case 'l':
                if (key == "license") {
                    if (!json::optional_string(value, "license", text, reason)) return false;
                    paper.license = std::string(text);
                }
                break;
            case 'v':
                if (key == "versions" && !value.is_null()) {
                    if (!read_versions(value, versions, reason)) return false;
                }
                break;
            case 'u':
                if (key == "update_date") {
                    if (!json::optional_string(value, "update_date", update_date, reason)) {
                        return false;
                    }
                }
                break;
            default:
                break;
        }
    }

    if (!have_id) {
        reason = json::missing("id");
        return false;
    }
    auto parsed = parse_paper_id(id);
    if (!parsed.ok()) {
        reason = parsed.error().message();
        return false;
    }
    if (!have_title) {
        reason = json::missing("title");
        return false;
    }
    paper.id = parsed->id;
    // Titles keep their TeX math ("$\alpha$") for the renderer; accents and other text-mode
    // commands become UTF-8 so that "Bal\'azs" reads and searches as "Balázs". The same goes
    // for the abstract's display form; abstract_raw keeps the source's text exactly.
    paper.title = clean_display_text(tex_to_unicode(title));
    if (paper.title.empty()) {
        reason = "field \"title\" is empty";
        return false;
    }
    paper.abstract_raw = std::string(abstract);
    paper.abstract = clean_display_text(tex_to_unicode(abstract));

    if (!have_authors_parsed) {
        paper.authors = parse_author_list(authors_text);
    } else if (unresolved_affiliations ||
               (authors_text.find("((") != std::string_view::npos && !paper.authors.empty() &&
                paper.authors.front().affiliations.empty())) {
        // authors_parsed leaves numbered affiliations ("A (1), B (2) ((1) MIT, (2) CERN)")
        // unresolved or drops them; the author string has the legend.
        std::vector<Author> from_text = parse_author_list(authors_text);
        if (from_text.size() == paper.authors.size()) {
            for (size_t i = 0; i < from_text.size(); ++i) {
                paper.authors[i].affiliations = std::move(from_text[i].affiliations);
            }
        }
    }

    for (size_t pos = 0; pos < categories.size();) {
        size_t end = categories.find(' ', pos);
        if (end == std::string_view::npos) end = categories.size();
        if (end > pos) paper.categories.emplace_back(categories.substr(pos, end - pos));
        pos = end + 1;
    }

    paper.version = versions.latest != 0 ? versions.latest : parsed->version;
    paper.published = versions.first_created;
    paper.updated = versions.latest_created;
    if (!update_date.empty()) {
        std::optional<std::string> day = normalize_timestamp(update_date);
        if (!day) {
            reason =
                "invalid date \"" + std::string(update_date.substr(0, 60)) + "\" in update_date";
            return false;
        }
        // A metadata update (a new DOI, a journal reference) can come after the last version.
        if (*day > paper.updated) paper.updated = std::move(*day);
    }
    if (paper.published.empty()) paper.published = paper.updated;

    fill_links(paper);
    return true;
}

}  // namespace

Status parse_arxiv_jsonl(ByteSource& input, RecordSink& sink) {
    return json::parse_object_lines(input, sink, read_paper);
}

}  // namespace paperboy::ingest
