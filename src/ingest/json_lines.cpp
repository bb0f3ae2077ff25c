// The JSON-lines loop shared by the arXiv snapshot and BEIR parsers.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "ingest/json_fields.h"
#include "ingest/line_reader.h"

namespace paperboy::ingest::json {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

static_assert(LineReader::kPadding >= simdjson::SIMDJSON_PADDING);

bool is_blank(std::string_view s) {
    for (char c : s) {
        if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
}

}  // namespace

Status parse_object_lines(ByteSource& input, RecordSink& sink, const ReadPaper& read_paper) {
    LineReader reader(input);
    simdjson::dom::parser parser;
    uint64_t record_number = 0;
    std::string reason;
    for (;;) {
        auto next = reader.next();
        if (!next.ok()) return next.error();
        if (!next->has_value()) break;
        const LineReader::Line& line = **next;
        if (!line.too_long && is_blank(line.text)) continue;
        ++record_number;
        if (line.too_long) {
            report(sink, input.name(), line.number, record_number,
                   "line longer than " + std::to_string(LineReader::kDefaultMaxLine >> 20) +
                       " MiB, skipped");
            continue;
        }
        element doc;
        // The line sits in the reader's buffer with padding after it: parse it in place.
        auto error = parser.parse(line.text.data(), line.text.size(), false).get(doc);
        if (error != SUCCESS) {
            report(sink, input.name(), line.number, record_number, invalid_json(error));
            continue;
        }
        object obj;
        if (doc.get_object().get(obj) != SUCCESS) {
            report(sink, input.name(), line.number, record_number,
                   std::string("expected a JSON object, found ") + type_name(doc.type()));
            continue;
        }
        Record record;
        reason.clear();
        if (!read_paper(obj, record.paper, reason)) {
            report(sink, input.name(), line.number, record_number, std::move(reason));
            continue;
        }
        sink.on_record(std::move(record));
    }
    return Status::ok_status();
}

}  // namespace paperboy::ingest::json
