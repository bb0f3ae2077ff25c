// embed/safetensors.h — a reader of .safetensors files (Hugging Face's weight format).
//
// The layout: an 8-byte little-endian header length N, N bytes of a JSON object mapping each
// tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional
// "__metadata__" object of strings), then the data section; offsets are relative to it.
// open() maps the file read-only and checks everything before any tensor is used: the header
// length (at most kMaxHeaderBytes and inside the file), the JSON, every dtype and shape, that
// shape x dtype size equals the byte range, that ranges lie inside the file and do not overlap.
// Errors name the file and the tensor.
//
// A SafeTensors is immutable after open(): share it between threads freely. The mapping lives
// as long as the object (moves keep it).
// Depends on core/ and simdjson.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace paperboy::embed {

enum class DType { kBool, kU8, kI8, kI16, kI32, kI64, kF16, kBF16, kF32, kF64 };

// "F32", "I8", ... as the format spells them.
std::string_view dtype_name(DType dtype);
size_t dtype_size(DType dtype);  // bytes per element

struct TensorInfo {
    std::string name;
    DType dtype = DType::kF32;
    std::vector<int64_t> shape;  // empty for a scalar
    uint64_t begin = 0;          // byte range in the data section
    uint64_t end = 0;

    uint64_t element_count() const;  // product of shape (1 for a scalar)
};

class SafeTensors {
  public:
    static constexpr uint64_t kMaxHeaderBytes = 100u << 20;

    // Maps and validates `path`. Errors: kIo (cannot open or map), kParse (anything malformed),
    // kInvalidArgument (a dtype this reader does not know).
    static Result<SafeTensors> open(const std::string& path);

    // The same over bytes in memory (tests, embedded fixtures); `source` names it in errors.
    static Result<SafeTensors> from_bytes(std::string bytes, std::string source);

    const std::string& source() const { return source_; }
    const TensorInfo* find(std::string_view name) const;
    std::vector<std::string> names() const;                              // in data order
    const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in data order
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // The tensor's bytes as stored (little-endian).
    std::span<const uint8_t> raw(const TensorInfo& tensor) const;
    // The whole file, header included (for digests).
    std::span<const uint8_t> file_bytes() const;

    // The values converted to float, row-major. Errors: kNotFound (no such tensor),
    // kInvalidArgument (a bool tensor).
    Result<std::vector<float>> to_float(std::string_view name) const;
    // The same into `out`, which must hold element_count() floats.
    Status to_float(const TensorInfo& tensor, std::span<float> out) const;

    SafeTensors(SafeTensors&&) noexcept = default;
    SafeTensors& operator=(SafeTensors&&) noexcept = default;

  private:
    struct Storage;
    SafeTensors() = default;
    static Result<SafeTensors> parse(std::shared_ptr<const Storage> storage, std::string source);

    std::shared_ptr<const Storage> storage_;
    std::string source_;
    uint64_t data_offset_ = 0;  // where the data section starts in the file
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
};

// IEEE half and bfloat16 to float.
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

}  // namespace paperboy::embed
