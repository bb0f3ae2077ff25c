#include "core/json_writer.h"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace paperboy {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    size_t n;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
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
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    out_ += buf;
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
