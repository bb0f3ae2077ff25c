#include "app/paper_json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace paperboy::app {
namespace {

// Writes `key: value` only when the value is non-empty, as the Hugging Face API omits fields
// a paper does not have.
void optional_field(JsonWriter& w, std::string_view key, const std::string& value) {
    if (!value.empty()) w.field(key, value);
}

uint64_t fnv1a(std::string_view text, uint64_t hash = 0xcbf29ce484222325ULL) {
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

// splitmix64's finaliser: every input bit moves every output bit, so ids of neighbouring
// authors ("...#1", "...#2") do not share a visible prefix.
uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace

std::string author_json_id(const PaperId& id, size_t position) {
    // The hash of "<id>#<position>", fed in pieces (ten papers of a page have ~50 authors).
    char digits[24];
    const auto [digits_end, ec] = std::to_chars(digits, digits + sizeof digits, position);
    uint64_t hash = fnv1a(id.str());
    hash = fnv1a("#", hash);
    hash = fnv1a(std::string_view(digits, static_cast<size_t>(digits_end - digits)), hash);
    const uint64_t high = mix(hash);
    // 32 more bits, for the 96 of an ObjectId.
    const uint64_t low = mix(hash ^ 0x9e3779b97f4a7c15ULL);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(24, '0');
    for (int i = 0; i < 16; ++i) out[static_cast<size_t>(i)] = kHex[high >> (60 - 4 * i) & 0xF];
    for (int i = 0; i < 8; ++i) out[static_cast<size_t>(16 + i)] = kHex[low >> (28 - 4 * i) & 0xF];
    return out;
}

void write_paper_json(JsonWriter& w, const Paper& paper, const std::vector<DailyEntry>& entries,
                      const PaperJsonOptions& options) {
    int upvotes = 0;
    for (const DailyEntry& e : entries) upvotes = std::max(upvotes, e.upvotes);
    if (options.upvotes) upvotes = *options.upvotes;

    w.begin_object();
    w.field("id", paper.id.str());
    w.field("title", paper.title);
    w.field("summary", paper.abstract);
    w.key("authors").begin_array();
    for (size_t i = 0; i < paper.authors.size(); ++i) {
        const Author& a = paper.authors[i];
        w.begin_object();
        if (options.author_ids) w.field("_id", author_json_id(paper.id, i));
        w.field("name", a.name);
        if (options.author_ids) w.field("hidden", false);
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
    if (options.num_comments) w.field("numComments", *options.num_comments);
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
    if (options.daily_entries) {
        w.key("dailyEntries").begin_array();
        for (const DailyEntry& e : entries) {
            w.begin_object().field("date", e.date).field("upvotes", e.upvotes);
            optional_field(w, "submittedBy", e.submitted_by);
            optional_field(w, "submittedAt", e.submitted_at);
            w.field("numComments", e.num_comments).end_object();
        }
        w.end_array();
    }
    w.end_object();
}

}  // namespace paperboy::app
