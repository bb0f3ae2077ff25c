// A BEIR corpus (corpus.jsonl, often gzipped): {"_id", "title", "text", "metadata"} per line.
//
// BEIR corpora come from many collections; only some use arXiv ids. An _id that is a valid
// arXiv id becomes that paper (so a BEIR import merges with the arXiv metadata); any other
// (SciFact's "4983", TREC-COVID's "ug7v899j") becomes a local id "local:<_id>".
#include <simdjson.h>

#include <string>
#include <string_view>

#include "ingest/authors.h"
#include "ingest/formats.h"
#include "ingest/json_fields.h"

namespace paperboy::ingest {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kTitleFromTextLength = 100;

// Some corpora have documents without titles; the first words of the text stand in, cut at a
// word and never inside a UTF-8 sequence.
std::string title_from_text(const std::string& text) {
    if (text.size() <= kTitleFromTextLength) return text;
    size_t cut = text.rfind(' ', kTitleFromTextLength);
    if (cut == std::string::npos || cut < kTitleFromTextLength / 2) {
        cut = kTitleFromTextLength;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    }
    return text.substr(0, cut) + "…";
}

bool read_document(object doc, Paper& paper, std::string& reason) {
    element id_value;
    if (doc.at_key("_id").get(id_value) != SUCCESS || id_value.is_null()) {
        reason = json::missing("_id");
        return false;
    }
    std::string id_text;
    std::string_view id_view;
    int64_t id_number = 0;
    if (id_value.get_string().get(id_view) == SUCCESS) {
        id_text = std::string(id_view);
    } else if (id_value.get_int64().get(id_number) == SUCCESS) {
        id_text = std::to_string(id_number);  // a few corpora write numeric ids unquoted
    } else {
        reason = json::wrong_type("_id", id_value, "a string");
        return false;
    }
    if (auto arxiv = parse_paper_id(id_text); arxiv.ok()) {
        paper.id = arxiv->id;
        paper.version = arxiv->version;
    } else if (auto local = PaperId::local(id_text); local.ok()) {
        paper.id = *local;
    } else {
        reason = "invalid document id \"" + id_text.substr(0, 80) +
                 "\": neither an arXiv id nor 1-128 of [A-Za-z0-9._-]";
        return false;
    }

    std::string_view title, text;
    if (!json::optional_string(doc, "title", title, reason) ||
        !json::optional_string(doc, "text", text, reason)) {
        return false;
    }
    paper.abstract_raw = std::string(text);
    paper.abstract = clean_display_text(tex_to_unicode(text));
    paper.title = clean_display_text(tex_to_unicode(title));
    if (paper.title.empty()) paper.title = title_from_text(paper.abstract);
    if (paper.title.empty()) {
        reason = "document has neither \"title\" nor \"text\"";
        return false;
    }
    fill_links(paper);
    return true;
}

}  // namespace

Status parse_beir(ByteSource& input, RecordSink& sink) {
    return json::parse_object_lines(input, sink, read_document);
}

}  // namespace paperboy::ingest
