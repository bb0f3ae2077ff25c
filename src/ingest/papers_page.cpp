// A Daily Papers page export: {"about": ..., "page": {...}, "papers": [{title, abstract, ...}]}.
//
// The page shows no arXiv ids, so papers get local ids from their titles. It shows dates the way
// a person reads them ("Apr 1, 2020", or "Aug 23" in the page's own year), and the list's own
// day only as "Nov 3"; the export must therefore say the day ("date": "2025-11-03") or the year
// ("year": 2025), or the records could not be placed on a list.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/timestamp.h"
#include "ingest/formats.h"
#include "ingest/json_array_splitter.h"
#include "ingest/json_fields.h"

namespace paperboy::ingest {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};

// Parses "Apr 1, 2020", "Aug 23" (in `default_year`), "April 1 2020" to "YYYY-MM-DD".
std::optional<std::string> parse_shown_date(std::string_view text, int default_year) {
    size_t i = 0;
    auto skip = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '.')) ++i;
    };
    auto number = [&](int max_digits) -> int {
        int n = 0, digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < max_digits) {
            n = n * 10 + (text[i++] - '0');
            ++digits;
        }
        return digits == 0 ? -1 : n;
    };
    skip();
    size_t word = i;
    while (i < text.size() && ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z')) ++i;
    if (i - word < 3) return std::nullopt;
    int month = 0;
    for (int m = 0; m < 12; ++m) {
        std::string_view name = kMonths[m];
        bool match = true;
        for (size_t k = 0; k < 3; ++k) {
            if ((text[word + k] | 0x20) != name[k]) match = false;
        }
        if (match) month = m + 1;
    }
    if (month == 0) return std::nullopt;
    skip();
    int day = number(2);
    if (day < 1) return std::nullopt;
    skip();
    int year = default_year;
    if (i < text.size()) {
        year = number(4);
        if (year < 1000) return std::nullopt;
        skip();
        if (i != text.size()) return std::nullopt;
    }
    if (year <= 0) return std::nullopt;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    // normalize_date rejects impossible days ("Feb 30").
    return normalize_date(buf);
}

// The list's day and year from the "page" member; an error says what the export lacks.
struct PageDate {
    std::string date;  // "YYYY-MM-DD"
    int year = 0;
};

Result<PageDate> read_page(std::string_view page_json) {
    auto fail = [](const std::string& why) {
        return Error(ErrorCode::kParse, "the page's list date is unknown: " + why +
                                            "; add \"date\": \"YYYY-MM-DD\" or \"year\" to "
                                            "\"page\"");
    };
    simdjson::dom::parser parser;
    simdjson::padded_string padded(page_json);
    element doc;
    object page;
    if (parser.parse(padded).get(doc) != SUCCESS || doc.get_object().get(page) != SUCCESS) {
        return fail("\"page\" is not a JSON object");
    }
    PageDate out;
    std::string reason;
    std::string_view date, selected;
    if (!json::optional_string(page, "date", date, reason)) return fail(reason);
    if (!json::optional_string(page, "date_selected", selected, reason)) return fail(reason);
    element year_value;
    if (page.at_key("year").get(year_value) == SUCCESS) {
        int64_t y = 0;
        std::string_view text;
        if (year_value.get_int64().get(y) == SUCCESS) {
            out.year = static_cast<int>(y);
        } else if (year_value.get_string().get(text) == SUCCESS) {
            out.year = std::atoi(std::string(text).c_str());
        }
        if (out.year < 1000 || out.year > 9999) return fail("\"year\" is not a year");
    }
    if (!date.empty()) {
        auto day = normalize_date(date);
        if (!day)
            return fail("\"date\" is not a date: \"" + std::string(date.substr(0, 40)) + "\"");
        out.date = *day;
        if (out.year == 0) out.year = std::atoi(out.date.substr(0, 4).c_str());
        return out;
    }
    if (selected.empty()) return fail("the page has no \"date\" and no \"date_selected\"");
    if (out.year == 0) {
        return fail("\"date_selected\" is \"" + std::string(selected.substr(0, 40)) +
                    "\" without a year");
    }
    auto day = parse_shown_date(selected, out.year);
    if (!day) return fail("\"date_selected\" is not a date: \"" + std::string(selected) + "\"");
    out.date = *day;
    return out;
}

bool read_entry(element value, const PageDate& page, Record& record, std::string& reason) {
    object entry;
    if (value.get_object().get(entry) != SUCCESS) {
        reason = std::string("expected a JSON object, found ") + json::type_name(value.type());
        return false;
    }
    std::string_view title, abstract, organization, shown;
    if (!json::optional_string(entry, "title", title, reason) ||
        !json::optional_string(entry, "abstract", abstract, reason) ||
        !json::optional_string(entry, "organization", organization, reason) ||
        !json::optional_string(entry, "date_shown", shown, reason)) {
        return false;
    }
    Paper& p = record.paper;
    p.title = clean_display_text(title);
    if (p.title.empty()) {
        reason = json::missing("title");
        return false;
    }
    p.id = PaperId::local_from_title(p.title);
    p.abstract_raw = std::string(abstract);
    p.abstract = clean_display_text(abstract);
    p.organization = clean_display_text(organization);
    if (!json::optional_count(entry, "num_authors", p.author_count, reason)) return false;
    if (!shown.empty()) {
        auto day = parse_shown_date(shown, page.year);
        if (!day) {
            reason = "invalid date \"" + std::string(shown.substr(0, 40)) + "\" in date_shown";
            return false;
        }
        p.published = *day + "T00:00:00Z";
    }
    fill_links(p);

    DailyEntry daily;
    daily.date = page.date;
    daily.paper_id = p.id;
    if (!json::optional_count(entry, "upvotes", daily.upvotes, reason)) return false;
    record.daily = std::move(daily);
    return true;
}

// An element kept until the page's date is known (when "papers" precedes "page").
struct Pending {
    std::string text;
    uint64_t line;
    uint64_t ordinal;
};

}  // namespace

Status parse_papers_page(ByteSource& input, RecordSink& sink) {
    JsonArraySplitter splitter(input, "papers");
    simdjson::dom::parser parser;
    std::optional<PageDate> page;
    std::vector<Pending> pending;
    std::string reason;

    // Finds the "page" member among those read so far; an error when it is there but unusable.
    auto resolve_page = [&]() -> Status {
        if (page) return Status::ok_status();
        for (const auto& [key, value] : splitter.members()) {
            if (key != "page") continue;
            auto read = read_page(value);
            if (!read.ok()) return read.error().with_context(input.name());
            page = *read;
        }
        return Status::ok_status();
    };
    auto handle = [&](std::string_view text, uint64_t line, uint64_t ordinal) {
        element doc;
        auto error = parser.parse(text.data(), text.size(), false).get(doc);
        if (error != SUCCESS) {
            json::report(sink, input.name(), line, ordinal, json::invalid_json(error));
            return;
        }
        Record record;
        reason.clear();
        if (!read_entry(doc, *page, record, reason)) {
            json::report(sink, input.name(), line, ordinal, std::move(reason));
            return;
        }
        sink.on_record(std::move(record));
    };

    for (;;) {
        auto next = splitter.next();
        if (!next.ok()) {
            if (splitter.source_failed()) return next.error();
            if (!splitter.found_array()) return next.error().with_context(input.name());
            json::report(sink, input.name(), splitter.error_line(), splitter.next_ordinal(),
                         splitter.error_reason());
            break;
        }
        if (!next->has_value()) break;
        const JsonArraySplitter::Element& e = **next;
        if (e.too_large) {
            json::report(sink, input.name(), e.line, e.ordinal, "element too large, skipped");
            continue;
        }
        PAPERBOY_RETURN_IF_ERROR(resolve_page());
        if (!page) {
            // The page's date may come after the papers; a page export is small enough to
            // hold until it does.
            pending.push_back({std::string(e.text), e.line, e.ordinal});
            continue;
        }
        handle(e.text, e.line, e.ordinal);
    }
    if (!splitter.found_array()) {
        return Error(ErrorCode::kParse, input.name() + ": no \"papers\" array in the page export");
    }
    PAPERBOY_RETURN_IF_ERROR(resolve_page());
    if (!page) {
        if (pending.empty()) return Status::ok_status();
        return Error(ErrorCode::kParse,
                     input.name() +
                         ": the page's list date is unknown: no \"page\" member; add "
                         "\"page\": {\"date\": \"YYYY-MM-DD\"}");
    }
    for (Pending& p : pending) {
        simdjson::padded_string padded(p.text);
        handle(std::string_view(padded.data(), padded.size()), p.line, p.ordinal);
    }
    return Status::ok_status();
}

}  // namespace paperboy::ingest
