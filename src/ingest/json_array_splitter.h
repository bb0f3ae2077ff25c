// ingest/json_array_splitter.h — the elements of a large JSON array, one at a time.
//
// Streams the elements of a top-level JSON array ("[{...}, {...}]"), or of the array under one
// key of a top-level object ({"page": {...}, "papers": [...]}), out of a ByteSource. It is a
// string-aware bracket scanner, not a parser: it finds where each element begins and ends so
// that each can be parsed alone (by simdjson), the file never has to fit in memory, and one
// malformed element costs one record. Depends on ingest/byte_source.h. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "ingest/byte_source.h"

namespace paperboy::ingest {

class JsonArraySplitter {
  public:
    static constexpr size_t kDefaultMaxElement = size_t{64} << 20;  // 64 MiB
    static constexpr size_t kMaxMemberSize = size_t{1} << 20;       // other members kept
    static constexpr size_t kPadding = 64;                          // >= SIMDJSON_PADDING

    struct Element {
        std::string_view text;   // the element's JSON text; valid until the next call to next()
        uint64_t line = 0;       // 1-based line of its first character
        uint64_t ordinal = 0;    // 1-based position in the array
        bool too_large = false;  // over the maximum size: skipped, text empty
    };

    // Reads from `source`, which must outlive the splitter. With an empty `array_key` the input
    // must be an array; otherwise an object whose member `array_key` is the array.
    explicit JsonArraySplitter(ByteSource& source, std::string array_key = {},
                               size_t max_element = kDefaultMaxElement);

    // The next element (followed in memory by at least kPadding readable bytes), or nullopt
    // after the last. A kParse error, whose message starts with "line N: ", when the input is
    // not the expected array (empty, another JSON value, binary) or breaks off: truncated,
    // a mismatched bracket. The elements handed out before an error were complete. After an
    // error or the end, next() keeps returning the same.
    Result<std::optional<Element>> next();

    // The other members of the top-level object, as (key, raw JSON value) in file order; values
    // over kMaxMemberSize are left out. Members after the array are known only once next() has
    // returned nullopt.
    const std::vector<std::pair<std::string, std::string>>& members() const { return members_; }

    // Whether the array has been found (object mode: whether the key was present).
    bool found_array() const { return found_array_; }

    // After next() has failed: the line and the reason (the error message without "line N: ")
    // and the ordinal the element being read would have had.
    uint64_t error_line() const { return error_line_; }
    const std::string& error_reason() const { return error_reason_; }
    uint64_t next_ordinal() const { return ordinal_ + 1; }
    // Whether the failure was the ByteSource's (unreadable, corrupt gzip), not the JSON's.
    bool source_failed() const { return source_failed_; }

    const std::string& source_name() const { return source_.name(); }

  private:
    enum class State { kStart, kBeforeKey, kAfterMember, kBeforeElement, kAfterElement, kDone };

    // Ensures at least one unread byte at pos_, keeping the bytes from keep_ on; false at the
    // end of the input.
    Result<bool> more();
    // Skips white space; false at the end of the input.
    Result<bool> skip_space();
    // Reads the string starting at pos_ (a '"') into `out`, raw (escapes are not decoded).
    Status read_key(std::string& out);
    // Scans the JSON value starting at pos_ up to the delimiter (',', ']' or '}' at depth 0)
    // that follows it, leaving pos_ there; the value is [value_begin_, value_end_), or dropped
    // (value_dropped_) when it grows over `max_size`.
    Status scan_value(size_t max_size);
    Error error_at(uint64_t line, const std::string& what);
    // Ends an array: back to the object's members, or done.
    void end_array();

    ByteSource& source_;
    std::string array_key_;
    size_t max_element_;

    std::unique_ptr<char[]> buf_;
    size_t capacity_ = 0;
    size_t pos_ = 0;  // next unread byte
    size_t end_ = 0;  // end of buffered bytes
    bool eof_ = false;
    uint64_t line_ = 1;  // line of the byte at pos_

    State state_ = State::kStart;
    bool object_mode_ = false;
    bool found_array_ = false;
    uint64_t ordinal_ = 0;
    std::optional<Error> error_;
    uint64_t error_line_ = 0;
    bool source_failed_ = false;
    std::string error_reason_;

    size_t keep_ = 0;         // bytes from here on survive a refill
    size_t value_begin_ = 0;  // set by scan_value
    size_t value_end_ = 0;
    bool value_dropped_ = false;
    std::vector<std::pair<std::string, std::string>> members_;
};

}  // namespace paperboy::ingest
