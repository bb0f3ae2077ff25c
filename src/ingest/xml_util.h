// ingest/xml_util.h — pugixml helpers shared by the Atom and OAI-PMH parsers.
//
// Everything is looked up by local name (the part after any "prefix:"), since pugixml does not
// resolve namespaces and feeds differ in the prefixes they use. Internal to ingest/: only the
// XML parsers include this header. Pure functions; no state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ingest/record.h"
#include "ingest/xml_record_splitter.h"

namespace paperboy::ingest::xml {

// The first child element of `parent` whose local name is `local`; a null node when none.
pugi::xml_node child(pugi::xml_node parent, std::string_view local);

// Calls fn(node) for each child element of `parent` whose local name is `local`, in order.
template <typename Fn>
void for_each_child(pugi::xml_node parent, std::string_view local, Fn&& fn) {
    for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
        if (n.type() == pugi::node_element && xml_local_name(n.name()) == local) fn(n);
    }
}

// The value of the attribute of `node` whose local name is `local`; empty when absent.
std::string_view attribute(pugi::xml_node node, std::string_view local);

// The character data directly inside `node` (text and CDATA children, concatenated), exactly
// as the source had it. Empty for a null node.
std::string text(pugi::xml_node node);

// text() of child(parent, local).
std::string child_text(pugi::xml_node parent, std::string_view local);

// `s` without leading and trailing white space.
std::string_view trim(std::string_view s);

// A decimal integer with optional surrounding white space; nullopt for anything else.
std::optional<int64_t> parse_int(std::string_view s);

// The offset of the first byte of `s` that is not valid UTF-8 or is a control character XML
// forbids (anything below 0x20 but tab, line feed and carriage return); npos when none.
size_t find_invalid_char(std::string_view s);

// `s` cut to `max` bytes with non-printable bytes replaced by '?', for quoting untrusted text
// in messages.
std::string printable(std::string_view s, size_t max = 60);

// Parses the text of one record into `doc` and returns the record element. The error's message
// is the reason to report, naming the line: "invalid UTF-8 or control character at line 12",
// "malformed XML at line 14: Start-end tags mismatch".
Result<pugi::xml_node> parse_record(pugi::xml_document& doc, const XmlRecordText& record);

// Parses a splitter's envelope into `doc`. A partial envelope (truncated input) still gives the
// elements before the break; the root element is returned when there is one, else a null node.
pugi::xml_node parse_envelope(pugi::xml_document& doc, const XmlRecordSplitter& splitter);

// A RecordError for `record` with `reason`.
RecordError record_error(const ByteSource& input, const XmlRecordText& record, std::string reason);

// The record loop every XML format shares. Each record the splitter cuts is parsed on its own
// and handed to `read`; a splitter or XML error, or an error Status from `read`, becomes a
// RecordError with the record's line, and the loop goes on. After the last record it reports
// input that ends inside the root element (`container` names it in the message: "feed",
// "response") and an envelope over its size limit. Returns kParse when the input holds no XML
// element at all, and the error of a source that cannot be read.
using ReadRecord = std::function<Status(pugi::xml_node record, const XmlRecordText& text)>;
Status for_each_record(XmlRecordSplitter& splitter, ByteSource& input, RecordSink& sink,
                       std::string_view container, const ReadRecord& read);

}  // namespace paperboy::ingest::xml
