#include "core/json_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/utf8.h"

namespace paperboy {
namespace {

// Whether any of the 8 bytes at `p` is a control character, '"', '\\' or not ASCII: the bytes
// that append_json_string() cannot copy as they are. Word at a time, with the "has a zero
// byte" and "has a byte less than n" tests of Bit Twiddling Hacks (exact about whether there
// is one).
inline bool needs_care(const char* p) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    const uint64_t control = (w - kOnes * 0x20) & ~w;
    const uint64_t has_quote = (quote - kOnes) & ~quote;
    const uint64_t has_backslash = (backslash - kOnes) & ~backslash;
    return ((control | has_quote | has_backslash | w) & kHigh) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
        // Most text is printable ASCII that needs no escape: copy such runs at once.
        size_t run = i;
        while (run + 8 <= s.size() && !needs_care(s.data() + run)) run += 8;
        while (run < s.size()) {
            const auto u = static_cast<unsigned char>(s[run]);
            if (u < 0x20 || u >= 0x80 || u == '"' || u == '\\') break;
            ++run;
        }
        if (run > i) {
            out.append(s.data() + i, run - i);
            i = run;
            if (i == s.size()) break;
        }
        char c = s[i];
        switch (c) {
            case '"':
                out += "\\\"";
                ++i;
                continue;
            case '\\':
                out += "\\\\";
                ++i;
                continue;
            case '\n':
                out += "\\n";
                ++i;
                continue;
            case '\r':
                out += "\\r";
                ++i;
                continue;
            case '\t':
                out += "\\t";
                ++i;
                continue;
            case '\b':
                out += "\\b";
                ++i;
                continue;
            case '\f':
                out += "\\f";
                ++i;
                continue;
            default:
                break;
        }
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
            ++i;
            continue;
        }
        size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    out += '"';
}

void JsonWriter::newline() {
    out_ += '\n';
    out_.append(stack_.size() * 2, ' ');
}

void JsonWriter::before_value() {
    if (stack_.empty()) return;
    Level& top = stack_.back();
    if (top.is_object) {
        assert(top.key_pending && "JsonWriter: a value in an object needs a key first");
        top.key_pending = false;
        return;
    }
    if (!top.empty) out_ += ',';
    top.empty = false;
    if (pretty_) newline();
}

JsonWriter& JsonWriter::key(std::string_view k) {
    assert(!stack_.empty() && stack_.back().is_object && !stack_.back().key_pending);
    Level& top = stack_.back();
    if (!top.empty) out_ += ',';
    top.empty = false;
    if (pretty_) newline();
    append_json_string(out_, k);
    out_ += pretty_ ? ": " : ":";
    top.key_pending = true;
    return *this;
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    out_ += '{';
    stack_.push_back(Level{true});
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    assert(!stack_.empty() && stack_.back().is_object && !stack_.back().key_pending);
    bool empty = stack_.back().empty;
    stack_.pop_back();
    if (pretty_ && !empty) newline();
    out_ += '}';
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    out_ += '[';
    stack_.push_back(Level{false});
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    assert(!stack_.empty() && !stack_.back().is_object);
    bool empty = stack_.back().empty;
    stack_.pop_back();
    if (pretty_ && !empty) newline();
    out_ += ']';
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    append_json_string(out_, s);
    return *this;
}

JsonWriter& JsonWriter::value(int64_t n) {
    before_value();
    out_ += std::to_string(n);
    return *this;
}

JsonWriter& JsonWriter::value(double d) {
    before_value();
    if (!std::isfinite(d)) {
        out_ += "null";
        return *this;
    }
    // The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, ec == std::errc() ? end : buf);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    out_ += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_ += "null";
    return *this;
}

}  // namespace paperboy
