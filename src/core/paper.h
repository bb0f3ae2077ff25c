// core/paper.h — the domain model: papers, their authors, and daily-list entries.
//
// Plain value types filled by ingest/ parsers, persisted by store/, read by everything above.
// Depends on core/paper_id.h and the standard library only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/paper_id.h"

namespace paperboy {

struct Author {
    std::string name;                       // display name, "Zesen Cheng"
    std::string keyname;                    // family name when the source parses it, "Cheng"
    std::string forenames;                  // "Zesen"
    std::string suffix;                     // "Jr", "III"
    std::vector<std::string> affiliations;  // when the source has them

    friend bool operator==(const Author&, const Author&) = default;
};

struct Paper {
    PaperId id = PaperId::local_from_title("");
    int version = 0;  // latest known version; 0 when the source does not say

    std::string title;         // display form (white space and line breaks cleaned)
    std::string abstract_raw;  // exactly as the source had it
    std::string abstract;      // display form of abstract_raw

    std::vector<Author> authors;  // in the paper's order
    int author_count = 0;         // when the source gives only a count (authors then empty)

    std::vector<std::string> categories;  // arXiv categories, primary first

    std::string published;  // first version's submission, "YYYY-MM-DDTHH:MM:SSZ"
    std::string updated;    // latest version or metadata update, same form

    std::string submitter;  // arXiv submitter, when known
    std::string comments;
    std::string journal_ref;
    std::string doi;
    std::string report_no;
    std::string license;  // a URL, as arXiv gives it

    std::string github_url;    // found in the abstract or comments, or given by the source
    std::string project_url;   // a project page, likewise
    std::string organization;  // Hugging Face organisation, when the source has one

    std::string primary_category() const { return categories.empty() ? "" : categories.front(); }
    int num_authors() const {
        return authors.empty() ? author_count : static_cast<int>(authors.size());
    }

    friend bool operator==(const Paper&, const Paper&) = default;
};

// A paper on the daily list of a date, as curated on Hugging Face or locally.
struct DailyEntry {
    std::string date;  // the list's day, "YYYY-MM-DD"
    PaperId paper_id = PaperId::local_from_title("");
    std::string submitted_by;  // user name of the curator who put it on the list
    std::string submitted_at;  // "YYYY-MM-DDTHH:MM:SSZ", when known
    int upvotes = 0;           // as imported with the entry
    int num_comments = 0;

    friend bool operator==(const DailyEntry&, const DailyEntry&) = default;
};

// The display form of title or abstract text: leading and trailing white space removed, and
// every run of white space (the hard line breaks of arXiv's 80-column source included)
// collapsed to one space, except that a blank line (a paragraph break) is kept as "\n\n".
std::string clean_display_text(std::string_view raw);

// Links a paper's abstract or comments mention. Each is empty when none is found.
struct FoundLinks {
    std::string github_url;   // "https://github.com/<owner>/<repo>"
    std::string project_url;  // the first other http(s) URL, e.g. a "project page"
};

// Scans free text for URLs in the forms authors write them: bare ("Code is available at
// https://github.com/a/b."), Markdown ("[https://github.com/a/b](https://github.com/a/b)"),
// angle-bracketed, or with "\url{...}". Trailing punctuation is not part of a URL. GitHub URLs
// are reduced to the repository ("https://github.com/a/b/tree/main" -> ".../a/b").
FoundLinks find_links(std::string_view text);

// Fills paper.github_url and paper.project_url from its abstract and comments when they are
// empty.
void fill_links(Paper& paper);

}  // namespace paperboy
