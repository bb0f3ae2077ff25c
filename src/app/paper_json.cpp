#include "app/paper_json.h"

#include <algorithm>

namespace paperboy::app {
namespace {

// Writes `key: value` only when the value is non-empty, as the Hugging Face API omits fields
// a paper does not have.
void optional_field(JsonWriter& w, std::string_view key, const std::string& value) {
    if (!value.empty()) w.field(key, value);
}

}  // namespace

void write_paper_json(JsonWriter& w, const Paper& paper, const std::vector<DailyEntry>& entries) {
    int upvotes = 0;
    for (const DailyEntry& e : entries) upvotes = std::max(upvotes, e.upvotes);

    w.begin_object();
    w.field("id", paper.id.str());
    w.field("title", paper.title);
    w.field("summary", paper.abstract);
    w.key("authors").begin_array();
    for (const Author& a : paper.authors) {
        w.begin_object().field("name", a.name);
        if (!a.affiliations.empty()) {
            w.key("affiliations").begin_array();
            for (const std::string& aff : a.affiliations) w.value(aff);
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    w.field("numAuthors", paper.num_authors());
    optional_field(w, "publishedAt", paper.published);
    optional_field(w, "updatedAt", paper.updated);
    w.field("upvotes", upvotes);
    if (paper.version > 0) w.field("version", paper.version);
    w.key("categories").begin_array();
    for (const std::string& c : paper.categories) w.value(c);
    w.end_array();
    optional_field(w, "primaryCategory", paper.primary_category());
    optional_field(w, "comments", paper.comments);
    optional_field(w, "journalRef", paper.journal_ref);
    optional_field(w, "doi", paper.doi);
    optional_field(w, "reportNo", paper.report_no);
    optional_field(w, "license", paper.license);
    optional_field(w, "submitter", paper.submitter);
    optional_field(w, "arxivUrl", paper.id.abs_url());
    optional_field(w, "pdfUrl", paper.id.pdf_url());
    optional_field(w, "githubRepo", paper.github_url);
    optional_field(w, "projectPage", paper.project_url);
    if (!paper.organization.empty()) {
        w.key("organization").begin_object().field("name", paper.organization).end_object();
    }
    w.key("dailyEntries").begin_array();
    for (const DailyEntry& e : entries) {
        w.begin_object().field("date", e.date).field("upvotes", e.upvotes);
        optional_field(w, "submittedBy", e.submitted_by);
        optional_field(w, "submittedAt", e.submitted_at);
        w.field("numComments", e.num_comments).end_object();
    }
    w.end_array();
    w.end_object();
}

}  // namespace paperboy::app
