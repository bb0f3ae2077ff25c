// The Hugging Face /api/daily_papers response: a JSON array of daily-list items.
//
// Two schemas are in use. The late-2024 one puts the list time in the item's "publishedAt" and
// the curator in "submittedBy"; the newer one adds "submittedOnDailyAt"/"submittedOnDailyBy"
// and the paper's "githubRepo", "projectPage" and "organization" (on the paper, and on some
// clients' copies on the item). Both are read; the newer field wins where both exist.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/timestamp.h"
#include "ingest/authors.h"
#include "ingest/formats.h"
#include "ingest/json_array_splitter.h"
#include "ingest/json_fields.h"

namespace paperboy::ingest {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

static_assert(JsonArraySplitter::kPadding >= simdjson::SIMDJSON_PADDING);

// A user or organisation, which the API gives as an object ({"name": ...}) and some exports
// flatten to a string. Empty when absent.
bool name_of(object parent, std::string_view key, std::string& out, std::string& reason) {
    element value;
    if (parent.at_key(key).get(value) != SUCCESS || value.is_null()) return true;
    std::string_view text;
    if (value.get_string().get(text) == SUCCESS) {
        out = std::string(text);
        return true;
    }
    object obj;
    if (value.get_object().get(obj) != SUCCESS) {
        reason = json::wrong_type(key, value, "an object");
        return false;
    }
    if (!json::optional_string(obj, "name", text, reason)) return false;
    out = std::string(text);
    return true;
}

// The first non-empty string among `key` on each of `objects`.
bool first_string(std::initializer_list<object> objects, std::string_view key,
                  std::string_view& out, std::string& reason) {
    out = {};
    for (object o : objects) {
        if (!json::optional_string(o, key, out, reason)) return false;
        if (!out.empty()) return true;
    }
    return true;
}

bool read_item(element item_value, Record& record, std::string& reason) {
    object item;
    if (item_value.get_object().get(item) != SUCCESS) {
        reason = std::string("expected a JSON object, found ") + json::type_name(item_value.type());
        return false;
    }
    element paper_value;
    if (item.at_key("paper").get(paper_value) != SUCCESS) {
        reason = json::missing("paper");
        return false;
    }
    object paper;
    if (paper_value.get_object().get(paper) != SUCCESS) {
        reason = json::wrong_type("paper", paper_value, "an object");
        return false;
    }

    std::string_view id_text;
    if (!json::optional_string(paper, "id", id_text, reason)) return false;
    if (id_text.empty()) {
        reason = json::missing("paper.id");
        return false;
    }
    auto id = parse_paper_id(id_text);
    if (!id.ok()) {
        reason = id.error().message();
        return false;
    }

    Paper& p = record.paper;
    p.id = id->id;
    p.version = id->version;

    std::string_view title;
    if (!first_string({paper, item}, "title", title, reason)) return false;
    p.title = clean_display_text(tex_to_unicode(title));
    if (p.title.empty()) {
        reason = json::missing("paper.title");
        return false;
    }
    std::string_view summary;
    if (!first_string({paper, item}, "summary", summary, reason)) return false;
    p.abstract_raw = std::string(summary);
    p.abstract = clean_display_text(tex_to_unicode(summary));

    element authors_value;
    if (paper.at_key("authors").get(authors_value) == SUCCESS && !authors_value.is_null()) {
        array authors;
        if (authors_value.get_array().get(authors) != SUCCESS) {
            reason = json::wrong_type("paper.authors", authors_value, "an array");
            return false;
        }
        for (element a : authors) {
            object author;
            std::string_view name;
            if (a.get_object().get(author) != SUCCESS) {
                reason = json::wrong_type("paper.authors[]", a, "an object");
                return false;
            }
            if (!json::optional_string(author, "name", name, reason)) return false;
            Author out;
            out.name = clean_display_text(name);
            if (!out.name.empty()) p.authors.push_back(std::move(out));
        }
    }

    std::string_view published;
    if (!json::optional_string(paper, "publishedAt", published, reason)) return false;
    if (!published.empty()) {
        auto when = normalize_timestamp(published);
        if (!when) {
            reason = "invalid date \"" + std::string(published.substr(0, 60)) +
                     "\" in paper.publishedAt";
            return false;
        }
        p.published = *when;
    }

    std::string_view link;
    if (!first_string({paper, item}, "githubRepo", link, reason)) return false;
    p.github_url = std::string(link);
    if (!first_string({paper, item}, "projectPage", link, reason)) return false;
    p.project_url = std::string(link);
    if (!name_of(item, "organization", p.organization, reason)) return false;
    if (p.organization.empty() && !name_of(paper, "organization", p.organization, reason)) {
        return false;
    }
    fill_links(p);

    // The daily list: its day is when the paper was put on it (submittedOnDailyAt in the newer
    // schema, the item's publishedAt in the older one), not the arXiv submission.
    DailyEntry daily;
    daily.paper_id = p.id;
    std::string_view listed;
    if (!first_string({item, paper}, "submittedOnDailyAt", listed, reason)) return false;
    std::string_view listed_field = "submittedOnDailyAt";
    if (listed.empty()) {
        if (!json::optional_string(item, "publishedAt", listed, reason)) return false;
        listed_field = "publishedAt";
    }
    if (listed.empty()) {
        reason =
            "field \"submittedOnDailyAt\" or \"publishedAt\" missing: the list's date is unknown";
        return false;
    }
    auto listed_at = normalize_timestamp(listed);
    if (!listed_at) {
        reason = "invalid date \"" + std::string(listed.substr(0, 60)) + "\" in " +
                 std::string(listed_field);
        return false;
    }
    daily.submitted_at = *listed_at;
    daily.date = listed_at->substr(0, 10);

    if (!name_of(item, "submittedBy", daily.submitted_by, reason)) return false;
    if (daily.submitted_by.empty()) {
        if (!name_of(item, "submittedOnDailyBy", daily.submitted_by, reason)) return false;
        if (daily.submitted_by.empty() &&
            !name_of(paper, "submittedOnDailyBy", daily.submitted_by, reason)) {
            return false;
        }
    }
    if (!json::optional_count(paper, "upvotes", daily.upvotes, reason)) return false;
    if (!json::optional_count(item, "numComments", daily.num_comments, reason)) return false;
    record.daily = std::move(daily);
    return true;
}

}  // namespace

Status parse_hf_daily(ByteSource& input, RecordSink& sink) {
    JsonArraySplitter splitter(input);
    simdjson::dom::parser parser;
    std::string reason;
    for (;;) {
        auto next = splitter.next();
        if (!next.ok()) {
            // Nothing came out: the input is not a daily-papers response at all.
            if (splitter.source_failed()) return next.error();
            if (!splitter.found_array()) return next.error().with_context(input.name());
            // The array broke off; what came before it was good and has been handed over.
            json::report(sink, input.name(), splitter.error_line(), splitter.next_ordinal(),
                         splitter.error_reason());
            return Status::ok_status();
        }
        if (!next->has_value()) break;
        const JsonArraySplitter::Element& e = **next;
        if (e.too_large) {
            json::report(sink, input.name(), e.line, e.ordinal, "element too large, skipped");
            continue;
        }
        element doc;
        auto error = parser.parse(e.text.data(), e.text.size(), false).get(doc);
        if (error != SUCCESS) {
            json::report(sink, input.name(), e.line, e.ordinal, json::invalid_json(error));
            continue;
        }
        Record record;
        reason.clear();
        if (!read_item(doc, record, reason)) {
            json::report(sink, input.name(), e.line, e.ordinal, std::move(reason));
            continue;
        }
        sink.on_record(std::move(record));
    }
    return Status::ok_status();
}

}  // namespace paperboy::ingest
