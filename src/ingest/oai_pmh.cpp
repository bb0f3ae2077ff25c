// OAI-PMH responses of arXiv (export.arxiv.org/oai2): ListRecords and GetRecord, with metadata
// in the arXiv, arXivRaw or oai_dc format, chosen per record by the metadata element's local
// name. Each format has its own reader below; all three fill the same Paper.
//
// OAI-PMH errors are elements of the envelope: <error code="noRecordsMatch"> is an empty
// result, any other code means the request was wrong and ends the parse with kInvalidArgument.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/paper.h"
#include "core/paper_id.h"
#include "core/timestamp.h"
#include "ingest/authors.h"
#include "ingest/formats.h"
#include "ingest/xml_dc_subjects.h"
#include "ingest/xml_record_splitter.h"
#include "ingest/xml_util.h"

namespace paperboy::ingest {
namespace {

std::string timestamp_or_empty(std::string_view text) {
    return normalize_timestamp(xml::trim(text)).value_or("");
}

void add_unique(std::vector<std::string>& list, std::string_view item) {
    if (item.empty()) return;
    if (std::find(list.begin(), list.end(), item) == list.end()) list.emplace_back(item);
}

// "hep-ph astro-ph.CO hep-ex" -> {"hep-ph", "astro-ph.CO", "hep-ex"}: arXiv lists the primary
// category first.
std::vector<std::string> split_categories(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        size_t start = text.find_first_not_of(" \t\r\n", i);
        if (start == std::string_view::npos) break;
        size_t end = std::min(text.find_first_of(" \t\r\n", start), text.size());
        add_unique(out, text.substr(start, end - start));
        i = end;
    }
    return out;
}

// The fields the arXiv and arXivRaw formats share, under the same element names.
void read_common_fields(pugi::xml_node meta, Paper& paper) {
    paper.title = clean_display_text(xml::child_text(meta, "title"));
    paper.abstract_raw = xml::child_text(meta, "abstract");
    paper.abstract = clean_display_text(paper.abstract_raw);
    paper.categories = split_categories(xml::child_text(meta, "categories"));
    paper.comments = clean_display_text(xml::child_text(meta, "comments"));
    paper.report_no = clean_display_text(xml::child_text(meta, "report-no"));
    paper.journal_ref = clean_display_text(xml::child_text(meta, "journal-ref"));
    paper.doi = clean_display_text(xml::child_text(meta, "doi"));
    paper.license = std::string(xml::trim(xml::child_text(meta, "license")));
}

// metadataPrefix=arXiv: parsed authors with affiliations, created/updated days, no versions.
// Returns the metadata's id text.
std::string read_arxiv(pugi::xml_node meta, Paper& paper) {
    read_common_fields(meta, paper);
    xml::for_each_child(xml::child(meta, "authors"), "author", [&](pugi::xml_node node) {
        Author author =
            author_from_parts(xml::child_text(node, "keyname"), xml::child_text(node, "forenames"),
                              xml::child_text(node, "suffix"));
        if (author.name.empty()) return;
        xml::for_each_child(node, "affiliation", [&](pugi::xml_node aff) {
            std::string text = clean_display_text(xml::text(aff));
            if (!text.empty()) author.affiliations.push_back(std::move(text));
        });
        paper.authors.push_back(std::move(author));
    });
    paper.published = timestamp_or_empty(xml::child_text(meta, "created"));
    // Without <updated> the paper has a single version, so its latest date is its first.
    paper.updated = timestamp_or_empty(xml::child_text(meta, "updated"));
    if (paper.updated.empty()) paper.updated = paper.published;
    return std::string(xml::trim(xml::child_text(meta, "id")));
}

// metadataPrefix=arXivRaw: the free-text author list, the submitter and every version with
// its RFC 2822 date.
std::string read_arxiv_raw(pugi::xml_node meta, Paper& paper) {
    read_common_fields(meta, paper);
    paper.submitter = clean_display_text(xml::child_text(meta, "submitter"));
    paper.authors = parse_author_list(xml::child_text(meta, "authors"));
    // Versions are listed oldest first; their numbers come from the attribute ("v3"), and
    // from the position when the attribute is unreadable.
    int position = 0;
    int first = 0;
    int last = 0;
    xml::for_each_child(meta, "version", [&](pugi::xml_node node) {
        ++position;
        std::string_view label = xml::trim(xml::attribute(node, "version"));
        if (!label.empty() && (label.front() == 'v' || label.front() == 'V'))
            label.remove_prefix(1);
        int number = static_cast<int>(xml::parse_int(label).value_or(position));
        std::string date = timestamp_or_empty(xml::child_text(node, "date"));
        if (first == 0 || number < first) {
            first = number;
            if (!date.empty()) paper.published = date;
        }
        if (number >= last) {
            last = number;
            if (!date.empty()) paper.updated = date;
        }
    });
    paper.version = last;
    return std::string(xml::trim(xml::child_text(meta, "id")));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (a != prefix[i]) return false;
    }
    return true;
}

// "Miller, Steven J." -> keyname "Miller", forenames "Steven J."; a third part is a suffix.
// A name without a comma ("LHCb collaboration") is all keyname, as arXiv parses it.
Author dc_creator(std::string_view text) {
    std::string_view parts[3];
    size_t n = 0;
    while (n < 2) {
        size_t comma = text.find(',');
        if (comma == std::string_view::npos) break;
        parts[n++] = xml::trim(text.substr(0, comma));
        text.remove_prefix(comma + 1);
    }
    parts[n] = xml::trim(text);
    return author_from_parts(parts[0], parts[1], parts[2]);
}

// metadataPrefix=oai_dc: Dublin Core, where arXiv's fields are folded into a few repeated
// elements. Only what maps without guessing is kept.
std::string read_oai_dc(pugi::xml_node meta, Paper& paper) {
    paper.title = clean_display_text(xml::child_text(meta, "title"));
    xml::for_each_child(meta, "creator", [&](pugi::xml_node node) {
        Author author = dc_creator(clean_display_text(xml::text(node)));
        if (!author.name.empty()) paper.authors.push_back(std::move(author));
    });
    // Subjects name categories in words; MSC/ACM classes and unknown names are dropped.
    xml::for_each_child(meta, "subject", [&](pugi::xml_node node) {
        std::string subject = clean_display_text(xml::text(node));
        if (auto code = arxiv_category_from_dc_subject(subject))
            add_unique(paper.categories, *code);
    });
    // The first description is the abstract; arXiv's comments follow as "Comment: ...".
    bool first_description = true;
    xml::for_each_child(meta, "description", [&](pugi::xml_node node) {
        std::string text = xml::text(node);
        if (first_description) {
            first_description = false;
            paper.abstract_raw = std::move(text);
            paper.abstract = clean_display_text(paper.abstract_raw);
            return;
        }
        std::string_view trimmed = xml::trim(text);
        if (paper.comments.empty() && trimmed.starts_with("Comment:")) {
            paper.comments = clean_display_text(trimmed.substr(8));
        }
    });
    // The first date is the first version's day, the last the latest version's.
    xml::for_each_child(meta, "date", [&](pugi::xml_node node) {
        std::string date = timestamp_or_empty(xml::text(node));
        if (date.empty()) return;
        if (paper.published.empty()) paper.published = date;
        paper.updated = date;
    });
    // Identifiers: the abstract page (the id), "doi:..." and, as plain text, the journal
    // reference.
    std::string id;
    xml::for_each_child(meta, "identifier", [&](pugi::xml_node node) {
        std::string value = clean_display_text(xml::text(node));
        if (value.empty()) return;
        if (starts_with_ci(value, "http://arxiv.org/abs/") ||
            starts_with_ci(value, "https://arxiv.org/abs/")) {
            if (id.empty()) id = value;
        } else if (starts_with_ci(value, "doi:")) {
            if (paper.doi.empty()) paper.doi = std::string(xml::trim(value.substr(4)));
        } else if (!starts_with_ci(value, "http://") && !starts_with_ci(value, "https://")) {
            if (paper.journal_ref.empty()) paper.journal_ref = value;
        }
    });
    paper.license = std::string(xml::trim(xml::child_text(meta, "rights")));
    return id;
}

// Reads one <record>. Returns the reason when it is not usable.
Result<Record> read_record(pugi::xml_node node) {
    pugi::xml_node header = xml::child(node, "header");
    if (!header) return Error(ErrorCode::kParse, "record has no <header>");
    Record record;
    std::string identifier(xml::trim(xml::child_text(header, "identifier")));
    record.datestamp = normalize_date(xml::trim(xml::child_text(header, "datestamp"))).value_or("");

    if (xml::attribute(header, "status") == "deleted") {
        if (identifier.empty()) return Error(ErrorCode::kParse, "field \"identifier\" missing");
        Result<ParsedPaperId> parsed = parse_paper_id(identifier);
        if (!parsed.ok()) return parsed.error();
        record.kind = Record::Kind::kDeletion;
        record.paper.id = parsed->id;
        return record;
    }

    pugi::xml_node metadata = xml::child(node, "metadata");
    pugi::xml_node meta =
        metadata.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; });
    if (!meta) return Error(ErrorCode::kParse, "record has no <metadata>");
    std::string_view format = xml_local_name(meta.name());
    Paper& paper = record.paper;
    std::string id_text;
    if (format == "arXiv") {
        id_text = read_arxiv(meta, paper);
    } else if (format == "arXivRaw") {
        id_text = read_arxiv_raw(meta, paper);
    } else if (format == "dc") {
        id_text = read_oai_dc(meta, paper);
    } else {
        return Error(ErrorCode::kParse,
                     "unsupported metadata format <" + xml::printable(meta.name()) + ">");
    }
    // The header's identifier ("oai:arXiv.org:0704.0001") names the paper too.
    if (id_text.empty()) id_text = identifier;
    if (id_text.empty()) return Error(ErrorCode::kParse, "field \"id\" missing");
    Result<ParsedPaperId> parsed = parse_paper_id(id_text);
    if (!parsed.ok()) return parsed.error();
    paper.id = parsed->id;
    if (paper.version == 0) paper.version = parsed->version;
    if (paper.title.empty()) return Error(ErrorCode::kParse, "field \"title\" missing");
    fill_links(paper);
    return record;
}

}  // namespace

Status parse_oai_pmh(ByteSource& input, RecordSink& sink) {
    XmlRecordSplitter splitter(input,
                               XmlRecordSpec{"record", {"ListRecords", "GetRecord"}, "OAI-PMH"});
    Status status =
        xml::for_each_record(splitter, input, sink, "response",
                             [&](pugi::xml_node node, const XmlRecordText& /*text*/) -> Status {
                                 Result<Record> record = read_record(node);
                                 if (!record.ok()) return record.error();
                                 sink.on_record(std::move(record).value());
                                 return Status::ok_status();
                             });
    if (!status.ok()) return status;

    pugi::xml_document doc;
    pugi::xml_node root = xml::parse_envelope(doc, splitter);
    for (pugi::xml_node error = xml::child(root, "error"); error;
         error = error.next_sibling(error.name())) {
        std::string_view code = xml::attribute(error, "code");
        if (code == "noRecordsMatch") continue;
        return Error(ErrorCode::kInvalidArgument,
                     input.name() + ": OAI-PMH error " + xml::printable(code) + ": " +
                         xml::printable(clean_display_text(xml::text(error)), 300));
    }

    FeedInfo info;
    info.response_date = timestamp_or_empty(xml::child_text(root, "responseDate"));
    pugi::xml_node list = xml::child(root, "ListRecords");
    pugi::xml_node token = xml::child(list, "resumptionToken");
    info.resumption_token = std::string(xml::trim(xml::text(token)));
    info.complete_list_size =
        xml::parse_int(xml::attribute(token, "completeListSize")).value_or(-1);
    sink.on_feed_info(info);
    return Status::ok_status();
}

}  // namespace paperboy::ingest
