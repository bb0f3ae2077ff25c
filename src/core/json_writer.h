// core/json_writer.h — a small streaming JSON writer.
//
// Writes compact (or indented) JSON into a std::string with correct escaping of every string
// (control characters, quotes, backslashes; invalid UTF-8 replaced by U+FFFD so the output is
// always valid JSON). Commas are placed automatically. Misuse (a value where a key is due) is a
// programmer error and asserted. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace paperboy {

class JsonWriter {
  public:
    explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(int64_t n);
    JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(double d);
    JsonWriter& value(bool b);
    JsonWriter& null();

    // Writes `k` and the value in one call.
    template <typename T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }
    // Room for `bytes` of output up front, for a document whose size is known roughly: a
    // 40 KB page of results otherwise grows by doubling, copying itself a few times.
    void reserve(size_t bytes) { out_.reserve(bytes); }

  private:
    void before_value();
    void newline();

    struct Level {
        bool is_object;
        bool empty = true;
        bool key_pending = false;
    };
    std::string out_;
    std::vector<Level> stack_;
    bool pretty_;
};

// Appends `s` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace paperboy
