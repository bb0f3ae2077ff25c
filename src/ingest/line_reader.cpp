#include "ingest/line_reader.h"

#include <algorithm>
#include <cstring>

namespace paperboy::ingest {

LineReader::LineReader(ByteSource& source, size_t max_line, size_t buffer_size)
    : source_(source), max_line_(max_line) {
    // A small input (an HTTP body, a test) gets a buffer near its size rather than megabytes;
    // the buffer still grows for a line that does not fit.
    if (auto total = source.total_size(); total && *total < buffer_size / 2) {
        buffer_size = std::max<size_t>(static_cast<size_t>(*total) * 2, 4096);
    }
    reserve(std::max<size_t>(buffer_size, 16));
}

void LineReader::reserve(size_t capacity) {
    // Only the padding is zeroed, so that bytes past the data are always initialised memory;
    // the rest is overwritten by reads.
    auto fresh = std::make_unique_for_overwrite<char[]>(capacity + kPadding);
    std::memset(fresh.get() + capacity, 0, kPadding);
    if (end_ > begin_) std::memcpy(fresh.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
    buf_ = std::move(fresh);
    capacity_ = capacity;
}

Result<bool> LineReader::fill() {
    if (begin_ > 0 && (end_ == capacity_ || begin_ >= capacity_ / 2)) {
        // Move the partial line to the front; it is short compared with the buffer except
        // for long lines, which are rare enough for the copy not to matter.
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        scanned_ -= begin_;
        begin_ = 0;
    }
    // The skip in next() starts before the buffer would need more than max_line_ + 2 bytes.
    if (end_ == capacity_) reserve(std::min(capacity_ * 2, std::max(max_line_ + 2, capacity_ + 1)));
    auto got = source_.read(buf_.get() + end_, capacity_ - end_);
    if (!got.ok()) {
        failed_ = true;
        return got.error();
    }
    if (*got == 0) {
        eof_ = true;
        return false;
    }
    end_ += *got;
    return true;
}

Result<std::optional<LineReader::Line>> LineReader::next() {
    if (failed_) return Error(ErrorCode::kIo, "cannot read " + source_.name() + ": earlier error");
    for (;;) {
        char* base = buf_.get();
        if (scanned_ < end_) {
            const void* nl = std::memchr(base + scanned_, '\n', end_ - scanned_);
            if (nl != nullptr) {
                size_t at = static_cast<size_t>(static_cast<const char*>(nl) - base);
                size_t len = at - begin_;
                if (len > 0 && base[at - 1] == '\r') --len;
                Line line{++line_number_, std::string_view(base + begin_, len), false};
                if (len > max_line_) line = Line{line_number_, {}, true};
                begin_ = scanned_ = at + 1;
                return std::optional<Line>(line);
            }
            scanned_ = end_;
        }
        if (eof_) {
            if (begin_ == end_) return std::optional<Line>();
            size_t len = end_ - begin_;
            if (base[end_ - 1] == '\r') --len;
            Line line{++line_number_, std::string_view(base + begin_, len), false};
            if (len > max_line_) line = Line{line_number_, {}, true};
            begin_ = scanned_ = end_;
            return std::optional<Line>(line);
        }
        if (end_ - begin_ > max_line_ + 1) {
            // Too long (one byte of slack for a "\r"): drop what is buffered and everything up
            // to the next line break, never holding more than one buffer of it.
            begin_ = scanned_ = end_;
            uint64_t number = ++line_number_;
            for (;;) {
                if (begin_ == end_) {
                    begin_ = scanned_ = end_ = 0;
                    auto more = fill();
                    if (!more.ok()) return more.error();
                    if (!*more) return std::optional<Line>(Line{number, {}, true});
                }
                const void* nl = std::memchr(buf_.get() + begin_, '\n', end_ - begin_);
                if (nl != nullptr) {
                    begin_ = scanned_ =
                        static_cast<size_t>(static_cast<const char*>(nl) - buf_.get()) + 1;
                    return std::optional<Line>(Line{number, {}, true});
                }
                begin_ = scanned_ = end_;
            }
        }
        auto more = fill();
        if (!more.ok()) return more.error();
    }
}

}  // namespace paperboy::ingest
