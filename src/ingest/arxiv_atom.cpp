// The arXiv API's Atom responses (export.arxiv.org/api/query), both the format served until
// about 2023 (opensearch elements declaring their namespace inline) and the current one.
//
// An API error comes back as a feed with a single entry whose id is
// "http://arxiv.org/api/errors#..." and whose summary says what was wrong. The request was
// bad, not one record, so the parse reports the entry to the sink (reason "arXiv API error:
// <summary>") and then ends with kInvalidArgument carrying the same message; no FeedInfo is
// sent, since the error feed's totalResults counts the error entry.
#include <algorithm>
#include <string>
#include <utility>

#include "core/paper.h"
#include "core/paper_id.h"
#include "core/timestamp.h"
#include "ingest/formats.h"
#include "ingest/xml_record_splitter.h"
#include "ingest/xml_util.h"

namespace paperboy::ingest {
namespace {

bool is_api_error_id(std::string_view id) {
    return id.find("arxiv.org/api/errors") != std::string_view::npos;
}

std::string timestamp_or_empty(std::string_view text) {
    return normalize_timestamp(xml::trim(text)).value_or("");
}

void add_category(std::vector<std::string>& categories, std::string_view term) {
    term = xml::trim(term);
    if (term.empty()) return;
    if (std::find(categories.begin(), categories.end(), term) == categories.end()) {
        categories.emplace_back(term);
    }
}

// Fills `paper` from an <entry>. Returns the reason when the entry is not a usable paper.
Status read_entry(pugi::xml_node entry, Paper& paper) {
    std::string id_text(xml::trim(xml::child_text(entry, "id")));
    if (id_text.empty()) return Error(ErrorCode::kParse, "field \"id\" missing");
    Result<ParsedPaperId> parsed = parse_paper_id(id_text);
    if (!parsed.ok()) return parsed.error();
    paper.id = parsed->id;
    paper.version = parsed->version;

    paper.title = clean_display_text(xml::child_text(entry, "title"));
    if (paper.title.empty()) return Error(ErrorCode::kParse, "field \"title\" missing");
    paper.abstract_raw = xml::child_text(entry, "summary");
    paper.abstract = clean_display_text(paper.abstract_raw);

    // The Atom feed gives whole names only; keyname and forenames stay empty rather than be
    // guessed ("Peter H. N. de With").
    xml::for_each_child(entry, "author", [&](pugi::xml_node node) {
        Author author;
        author.name = clean_display_text(xml::child_text(node, "name"));
        if (author.name.empty()) return;
        xml::for_each_child(node, "affiliation", [&](pugi::xml_node aff) {
            std::string text = clean_display_text(xml::text(aff));
            if (!text.empty()) author.affiliations.push_back(std::move(text));
        });
        paper.authors.push_back(std::move(author));
    });

    paper.published = timestamp_or_empty(xml::child_text(entry, "published"));
    paper.updated = timestamp_or_empty(xml::child_text(entry, "updated"));

    add_category(paper.categories, xml::attribute(xml::child(entry, "primary_category"), "term"));
    xml::for_each_child(entry, "category", [&](pugi::xml_node node) {
        add_category(paper.categories, xml::attribute(node, "term"));
    });

    paper.comments = clean_display_text(xml::child_text(entry, "comment"));
    paper.journal_ref = clean_display_text(xml::child_text(entry, "journal_ref"));
    paper.doi = clean_display_text(xml::child_text(entry, "doi"));
    fill_links(paper);
    return Status::ok_status();
}

}  // namespace

Status parse_arxiv_atom(ByteSource& input, RecordSink& sink) {
    XmlRecordSplitter splitter(input, XmlRecordSpec{"entry", {"feed"}, "feed"});
    std::string api_error;
    Status status = xml::for_each_record(
        splitter, input, sink, "feed",
        [&](pugi::xml_node entry, const XmlRecordText& text) -> Status {
            std::string id(xml::trim(xml::child_text(entry, "id")));
            if (is_api_error_id(id)) {
                std::string summary = clean_display_text(xml::child_text(entry, "summary"));
                if (summary.empty()) summary = xml::printable(id, 200);
                sink.on_error(xml::record_error(input, text, "arXiv API error: " + summary));
                if (api_error.empty()) api_error = std::move(summary);
                return Status::ok_status();
            }
            Record record;
            PAPERBOY_RETURN_IF_ERROR(read_entry(entry, record.paper));
            sink.on_record(std::move(record));
            return Status::ok_status();
        });
    if (!status.ok()) return status;
    if (!api_error.empty()) {
        return Error(ErrorCode::kInvalidArgument, input.name() + ": arXiv API error: " + api_error);
    }

    pugi::xml_document doc;
    pugi::xml_node feed = xml::parse_envelope(doc, splitter);
    FeedInfo info;
    info.total_results = xml::parse_int(xml::child_text(feed, "totalResults")).value_or(-1);
    info.start_index = xml::parse_int(xml::child_text(feed, "startIndex")).value_or(-1);
    sink.on_feed_info(info);
    return Status::ok_status();
}

}  // namespace paperboy::ingest
