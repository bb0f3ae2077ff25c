// ingest/line_reader.h — lines out of a ByteSource, for the JSON-lines formats.
//
// Reads a ByteSource through one large buffer and hands out each line as a string_view into it
// (no copy), numbered from 1, without its "\n" or "\r\n". A final line without a line break is
// still a line. A line longer than the maximum is reported as too long and skipped without
// being held in memory, so a corrupt file cannot exhaust it. Every line handed out is followed
// in memory by at least kPadding readable bytes, so simdjson can parse it in place.
// Depends on ingest/byte_source.h. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "ingest/byte_source.h"

namespace paperboy::ingest {

class LineReader {
  public:
    static constexpr size_t kDefaultMaxLine = size_t{64} << 20;    // 64 MiB
    static constexpr size_t kDefaultBufferSize = size_t{4} << 20;  // 4 MiB, grows for long lines
    static constexpr size_t kPadding = 64;                         // >= SIMDJSON_PADDING

    struct Line {
        uint64_t number = 0;    // 1-based
        std::string_view text;  // valid until the next call to next(); empty when too_long
        bool too_long = false;  // longer than the maximum; its text was skipped
    };

    // Reads from `source`, which must outlive the reader. `max_line` bounds the length of a
    // line (without its line break); `buffer_size` is the initial buffer (tests use tiny ones),
    // taken smaller for a source whose total_size() says it is small.
    explicit LineReader(ByteSource& source, size_t max_line = kDefaultMaxLine,
                        size_t buffer_size = kDefaultBufferSize);

    // The next line; nullopt after the last. Errors are the source's read errors, after which
    // the reader is finished.
    Result<std::optional<Line>> next();

    const std::string& source_name() const { return source_.name(); }

  private:
    // Reads more input after the buffered bytes, compacting or growing the buffer first.
    // Returns false at the end of the input.
    Result<bool> fill();
    void reserve(size_t capacity);

    ByteSource& source_;
    size_t max_line_;
    std::unique_ptr<char[]> buf_;
    size_t capacity_ = 0;  // usable bytes; kPadding more are allocated
    size_t begin_ = 0;     // start of the unconsumed bytes
    size_t end_ = 0;       // end of the buffered bytes
    size_t scanned_ = 0;   // [begin_, scanned_) is known to hold no '\n'
    bool eof_ = false;
    bool failed_ = false;
    uint64_t line_number_ = 0;
};

}  // namespace paperboy::ingest
