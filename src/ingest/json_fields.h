// ingest/json_fields.h — shared pieces of the JSON parsers (internal to ingest/).
//
// Typed access to the fields of a simdjson DOM object with the error reasons every JSON
// format reports the same way ("field \"id\" missing", "field \"title\" is a number, expected
// a string"). Header-only; included by the JSON parsers' .cpp files only.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ingest/byte_source.h"
#include "ingest/record.h"

namespace paperboy::ingest::json {

inline const char* type_name(simdjson::dom::element_type type) {
    using T = simdjson::dom::element_type;
    switch (type) {
        case T::ARRAY:
            return "an array";
        case T::OBJECT:
            return "an object";
        case T::INT64:
        case T::UINT64:
        case T::DOUBLE:
            return "a number";
        case T::STRING:
            return "a string";
        case T::BOOL:
            return "a boolean";
        case T::NULL_VALUE:
            return "null";
    }
    return "a value";
}

inline std::string invalid_json(simdjson::error_code code) {
    return std::string("invalid JSON: ") + simdjson::error_message(code);
}

inline std::string wrong_type(std::string_view field, simdjson::dom::element value,
                              std::string_view expected) {
    return "field \"" + std::string(field) + "\" is " + type_name(value.type()) + ", expected " +
           std::string(expected);
}

inline std::string missing(std::string_view field) {
    return "field \"" + std::string(field) + "\" missing";
}

// A string field that may be absent or null (then `out` is empty). False, with `reason` set,
// when it holds another type.
inline bool optional_string(simdjson::dom::element value, std::string_view field,
                            std::string_view& out, std::string& reason) {
    if (value.is_null()) {
        out = {};
        return true;
    }
    if (value.get_string().get(out) != simdjson::SUCCESS) {
        reason = wrong_type(field, value, "a string");
        return false;
    }
    return true;
}

inline bool optional_string(simdjson::dom::object object, std::string_view field,
                            std::string_view& out, std::string& reason) {
    simdjson::dom::element value;
    if (object.at_key(field).get(value) != simdjson::SUCCESS) {
        out = {};
        return true;
    }
    return optional_string(value, field, out, reason);
}

// An integer count that may be absent or null (then 0). Doubles are truncated; negative or
// huge values are clamped, since a count shown on a page is never worth losing a record over.
inline bool optional_count(simdjson::dom::object object, std::string_view field, int& out,
                           std::string& reason) {
    out = 0;
    simdjson::dom::element value;
    if (object.at_key(field).get(value) != simdjson::SUCCESS || value.is_null()) return true;
    double d = 0;
    int64_t i = 0;
    uint64_t u = 0;
    if (value.get_int64().get(i) == simdjson::SUCCESS) {
        d = static_cast<double>(i);
    } else if (value.get_uint64().get(u) == simdjson::SUCCESS) {
        d = static_cast<double>(u);
    } else if (value.get_double().get(d) != simdjson::SUCCESS) {
        reason = wrong_type(field, value, "a number");
        return false;
    }
    if (d < 0) d = 0;
    if (d > 1e9) d = 1e9;
    out = static_cast<int>(d);
    return true;
}

// Reports one bad record to `sink`.
inline void report(RecordSink& sink, const std::string& source, uint64_t line, uint64_t record,
                   std::string reason) {
    RecordError error;
    error.source = source;
    error.line = line;
    error.record = record;
    error.reason = std::move(reason);
    sink.on_error(std::move(error));
}

// Reads one JSON object per line (JSON lines: the arXiv snapshot, BEIR corpora) and calls
// `read_paper` on each; a true return hands the record to `sink`, a false one reports `reason`
// with the line's number. Blank lines are skipped; an invalid or oversized line, or one that is
// not an object, is one RecordError. Returns an error only when `input` cannot be read.
using ReadPaper =
    std::function<bool(simdjson::dom::object object, Paper& paper, std::string& reason)>;
Status parse_object_lines(ByteSource& input, RecordSink& sink, const ReadPaper& read_paper);

}  // namespace paperboy::ingest::json
