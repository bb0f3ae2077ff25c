#include "ingest/json_array_splitter.h"

#include <algorithm>
#include <cstring>

namespace paperboy::ingest {
namespace {

constexpr size_t kInitialBuffer = size_t{1} << 20;
// Bracket types are checked this deep; deeper nesting is only counted (simdjson then rejects
// the element on its own depth limit, which costs one record, not the file).
constexpr size_t kMaxCheckedDepth = 1024;

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// How a surprising byte is shown in a message.
std::string describe(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
    static const char kHex[] = "0123456789abcdef";
    return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

JsonArraySplitter::JsonArraySplitter(ByteSource& source, std::string array_key, size_t max_element)
    : source_(source), array_key_(std::move(array_key)), max_element_(max_element) {
    capacity_ = kInitialBuffer;
    if (auto total = source.total_size(); total && *total < capacity_ / 2) {
        capacity_ = std::max<size_t>(static_cast<size_t>(*total) * 2, 4096);
    }
    buf_ = std::make_unique_for_overwrite<char[]>(capacity_ + kPadding);
    std::memset(buf_.get() + capacity_, 0, kPadding);
}

Error JsonArraySplitter::error_at(uint64_t line, const std::string& what) {
    error_line_ = line;
    error_reason_ = what;
    return Error(ErrorCode::kParse, "line " + std::to_string(line) + ": " + what);
}

Result<bool> JsonArraySplitter::more() {
    if (pos_ < end_) return true;
    if (eof_) return false;
    if (keep_ > 0) {
        std::memmove(buf_.get(), buf_.get() + keep_, end_ - keep_);
        pos_ -= keep_;
        end_ -= keep_;
        value_begin_ = value_begin_ >= keep_ ? value_begin_ - keep_ : 0;
        keep_ = 0;
    }
    if (end_ == capacity_) {
        // The kept value fills the buffer: grow it (scan_value bounds the value's size).
        size_t grown = capacity_ * 2;
        auto fresh = std::make_unique_for_overwrite<char[]>(grown + kPadding);
        std::memset(fresh.get() + grown, 0, kPadding);
        std::memcpy(fresh.get(), buf_.get(), end_);
        buf_ = std::move(fresh);
        capacity_ = grown;
    }
    auto got = source_.read(buf_.get() + end_, capacity_ - end_);
    if (!got.ok()) {
        error_line_ = line_;
        error_reason_ = got.error().message();
        source_failed_ = true;
        return got.error();
    }
    if (*got == 0) {
        eof_ = true;
        return false;
    }
    end_ += *got;
    return true;
}

Result<bool> JsonArraySplitter::skip_space() {
    for (;;) {
        auto have = more();
        if (!have.ok() || !*have) return have;
        char c = buf_[pos_];
        if (!is_json_space(c)) return true;
        if (c == '\n') ++line_;
        ++pos_;
    }
}

Status JsonArraySplitter::read_key(std::string& out) {
    uint64_t line = line_;
    out.clear();
    ++pos_;  // the opening quote
    bool escaped = false;
    for (;;) {
        auto have = more();
        if (!have.ok()) return have.error();
        if (!*have) return error_at(line, "input ends inside a key (truncated?)");
        char c = buf_[pos_++];
        if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == '"') {
            return Status::ok_status();
        } else if (c == '\n') {
            return error_at(line, "line break inside a key");
        }
        if (out.size() < 256) out += c;
    }
}

Status JsonArraySplitter::scan_value(size_t max_size) {
    uint64_t start_line = line_;
    value_begin_ = pos_;
    value_dropped_ = false;
    keep_ = pos_;
    std::vector<char> closers;  // expected closing brackets, up to kMaxCheckedDepth
    uint64_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (;;) {
        if (pos_ == end_) {
            if (!value_dropped_ && end_ - value_begin_ > max_size) {
                // Too large to hand out: keep scanning for its end, but stop holding it.
                value_dropped_ = true;
            }
            if (value_dropped_) keep_ = pos_;
            auto have = more();
            if (!have.ok()) return have.error();
            if (!*have) {
                return error_at(start_line, in_string || depth > 0
                                                ? "input ends inside the value (truncated?)"
                                                : "input ends after the value (truncated?)");
            }
        }
        // The hot loop works on raw pointers over what is buffered.
        const char* p = buf_.get() + pos_;
        const char* stop = buf_.get() + end_;
        for (; p < stop; ++p) {
            char c = *p;
            if (in_string) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    in_string = false;
                } else if (c == '\n') {
                    ++line_;
                }
                continue;
            }
            switch (c) {
                case '"':
                    in_string = true;
                    break;
                case '\n':
                    ++line_;
                    break;
                case '{':
                case '[':
                    if (closers.size() < kMaxCheckedDepth) closers.push_back(c == '{' ? '}' : ']');
                    ++depth;
                    break;
                case '}':
                case ']':
                case ',':
                    if (depth == 0) {
                        pos_ = static_cast<size_t>(p - buf_.get());
                        value_end_ = pos_;
                        if (!value_dropped_) {
                            while (value_end_ > value_begin_ &&
                                   is_json_space(buf_[value_end_ - 1])) {
                                --value_end_;
                            }
                        }
                        return Status::ok_status();
                    }
                    if (c == ',') break;
                    if (depth <= closers.size()) {
                        if (closers.back() != c) {
                            pos_ = static_cast<size_t>(p - buf_.get());
                            return error_at(line_, std::string("mismatched '") + c +
                                                       "' in the value that starts on line " +
                                                       std::to_string(start_line));
                        }
                        closers.pop_back();
                    }
                    --depth;
                    break;
                default:
                    break;
            }
        }
        pos_ = end_;
    }
}

void JsonArraySplitter::end_array() { state_ = object_mode_ ? State::kAfterMember : State::kDone; }

Result<std::optional<JsonArraySplitter::Element>> JsonArraySplitter::next() {
    if (error_) return *error_;
    auto fail = [this](Error e) -> Result<std::optional<Element>> {
        error_ = e;
        return e;
    };
    keep_ = pos_;
    for (;;) {
        if (state_ == State::kDone) return std::optional<Element>();

        auto have = skip_space();
        if (!have.ok()) return fail(have.error());
        if (state_ == State::kStart && *have && end_ - pos_ >= 3 &&
            std::memcmp(buf_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) {
            pos_ += 3;  // a UTF-8 byte order mark
            continue;
        }
        if (!*have) {
            if (state_ == State::kStart) {
                return fail(error_at(line_, array_key_.empty()
                                                ? "empty input: expected a JSON array"
                                                : "empty input: expected a JSON object"));
            }
            return fail(error_at(line_, "input ends before the closing bracket (truncated?)"));
        }
        char c = buf_[pos_];
        keep_ = pos_;

        switch (state_) {
            case State::kStart:
                if (array_key_.empty()) {
                    if (c != '[') {
                        return fail(
                            error_at(line_, "expected a JSON array ('['), found " + describe(c)));
                    }
                    found_array_ = true;
                    state_ = State::kBeforeElement;
                } else {
                    if (c != '{') {
                        return fail(
                            error_at(line_, "expected a JSON object ('{'), found " + describe(c)));
                    }
                    object_mode_ = true;
                    state_ = State::kBeforeKey;
                }
                ++pos_;
                break;

            case State::kBeforeKey: {
                if (c == '}') {
                    ++pos_;
                    state_ = State::kDone;
                    break;
                }
                if (c != '"') return fail(error_at(line_, "expected a key, found " + describe(c)));
                std::string key;
                if (Status s = read_key(key); !s.ok()) return fail(s.error());
                auto colon = skip_space();
                if (!colon.ok()) return fail(colon.error());
                if (!*colon || buf_[pos_] != ':') {
                    return fail(error_at(line_, "expected ':' after key \"" + key + "\""));
                }
                ++pos_;
                auto value = skip_space();
                if (!value.ok()) return fail(value.error());
                if (!*value) return fail(error_at(line_, "input ends after a key (truncated?)"));
                if (key == array_key_ && !found_array_ && buf_[pos_] == '[') {
                    ++pos_;
                    found_array_ = true;
                    state_ = State::kBeforeElement;
                    break;
                }
                if (Status s = scan_value(kMaxMemberSize); !s.ok()) return fail(s.error());
                if (!value_dropped_) {
                    members_.emplace_back(std::move(key), std::string(buf_.get() + value_begin_,
                                                                      value_end_ - value_begin_));
                }
                state_ = State::kAfterMember;
                break;
            }

            case State::kAfterMember:
                if (c == ',') {
                    state_ = State::kBeforeKey;
                } else if (c == '}') {
                    state_ = State::kDone;
                } else {
                    return fail(error_at(
                        line_,
                        "expected ',' or '}' in the top-level object, found " + describe(c)));
                }
                ++pos_;
                break;

            case State::kBeforeElement: {
                if (c == ']') {
                    // "[]" (and, leniently, a trailing comma "[1,]").
                    ++pos_;
                    end_array();
                    break;
                }
                uint64_t line = line_;
                if (Status s = scan_value(max_element_); !s.ok()) return fail(s.error());
                state_ = State::kAfterElement;
                Element element;
                element.line = line;
                element.ordinal = ++ordinal_;
                element.too_large = value_dropped_;
                if (!value_dropped_) {
                    element.text =
                        std::string_view(buf_.get() + value_begin_, value_end_ - value_begin_);
                }
                return std::optional<Element>(element);
            }

            case State::kAfterElement:
                if (c == ',') {
                    state_ = State::kBeforeElement;
                } else if (c == ']') {
                    end_array();
                } else {
                    return fail(error_at(line_, "expected ',' or ']' after element " +
                                                    std::to_string(ordinal_) + ", found " +
                                                    describe(c)));
                }
                ++pos_;
                break;

            case State::kDone:
                break;
        }
    }
}

}  // namespace paperboy::ingest
