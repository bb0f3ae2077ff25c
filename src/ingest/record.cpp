#include "ingest/record.h"

namespace paperboy::ingest {

std::string RecordError::message() const {
    std::string out = source.empty() ? std::string("input") : source;
    if (line > 0) {
        out += " line " + std::to_string(line);
    } else if (record > 0) {
        out += " record " + std::to_string(record);
    }
    out += ": ";
    out += reason;
    return out;
}

}  // namespace paperboy::ingest
