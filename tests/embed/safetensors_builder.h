// tests/embed/safetensors_builder.h — writes small .safetensors files for the embed/ tests.
//
// Tensors are laid out one after another in the order added; header() and bytes() give the
// JSON header and the whole file, so that tests can also break either on purpose.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace paperboy::embed::testing {

class SafeTensorsBuilder {
  public:
    // Adds a tensor with `data` as its stored bytes (little-endian).
    SafeTensorsBuilder& add(const std::string& name, const std::string& dtype,
                            const std::vector<int64_t>& shape, const std::string& data) {
        std::string entry = "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[";
        for (size_t i = 0; i < shape.size(); ++i) {
            if (i > 0) entry += ",";
            entry += std::to_string(shape[i]);
        }
        entry += "],\"data_offsets\":[" + std::to_string(data_.size()) + "," +
                 std::to_string(data_.size() + data.size()) + "]}";
        entries_.push_back(entry);
        data_ += data;
        return *this;
    }

    SafeTensorsBuilder& add_f32(const std::string& name, const std::vector<int64_t>& shape,
                                const std::vector<float>& values) {
        return add(name, "F32", shape, bytes_of(values));
    }

    SafeTensorsBuilder& metadata(const std::string& json_object) {
        entries_.insert(entries_.begin(), "\"__metadata__\":" + json_object);
        return *this;
    }

    std::string header() const {
        std::string h = "{";
        for (size_t i = 0; i < entries_.size(); ++i) {
            if (i > 0) h += ",";
            h += entries_[i];
        }
        return h + "}";
    }

    std::string bytes() const { return file(header(), data_); }

    // A file of `header` and `data` with a correct length prefix.
    static std::string file(const std::string& header, const std::string& data) {
        return length_prefix(header.size()) + header + data;
    }

    static std::string length_prefix(uint64_t n) {
        std::string out(8, '\0');
        for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
        return out;
    }

    template <typename T>
    static std::string bytes_of(const std::vector<T>& values) {
        std::string out(values.size() * sizeof(T), '\0');
        if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
        return out;
    }

  private:
    std::vector<std::string> entries_;
    std::string data_;
};

}  // namespace paperboy::embed::testing
