#include "embed/safetensors.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace paperboy::embed {

// The file's bytes: a read-only mapping, or a string (from_bytes).
struct SafeTensors::Storage {
    const uint8_t* data = nullptr;
    size_t size = 0;
    void* mapping = nullptr;
    std::string owned;

    Storage() = default;
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    ~Storage() {
        if (mapping != nullptr) munmap(mapping, size);
    }
};

namespace {

struct DTypeName {
    std::string_view name;
    DType dtype;
    size_t size;
};

constexpr DTypeName kDTypes[] = {
    {"BOOL", DType::kBool, 1}, {"U8", DType::kU8, 1},     {"I8", DType::kI8, 1},
    {"I16", DType::kI16, 2},   {"I32", DType::kI32, 4},   {"I64", DType::kI64, 8},
    {"F16", DType::kF16, 2},   {"BF16", DType::kBF16, 2}, {"F32", DType::kF32, 4},
    {"F64", DType::kF64, 8},
};

Error parse_error(const std::string& source, std::string_view what) {
    return Error(ErrorCode::kParse, source + ": " + std::string(what));
}

template <typename T>
T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));  // the format is little-endian, as every supported host
    return v;
}

}  // namespace

std::string_view dtype_name(DType dtype) {
    for (const auto& d : kDTypes) {
        if (d.dtype == dtype) return d.name;
    }
    return "?";
}

size_t dtype_size(DType dtype) {
    for (const auto& d : kDTypes) {
        if (d.dtype == dtype) return d.size;
    }
    return 0;
}

uint64_t TensorInfo::element_count() const {
    uint64_t n = 1;
    for (const int64_t d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

float half_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0x1F) {  // inf, nan
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {  // normal
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {  // zero
        bits = sign;
    } else {  // subnormal: normalise
        exponent = 113;
        while ((mantissa & 0x400) == 0) {
            mantissa <<= 1;
            --exponent;
        }
        bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float bfloat16_to_float(uint16_t h) {
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

Result<SafeTensors> SafeTensors::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(ErrorCode::kIo, path + ": " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error(ErrorCode::kIo, path + ": not a regular file");
    }
    auto storage = std::make_shared<Storage>();
    storage->size = static_cast<size_t>(st.st_size);
    if (storage->size > 0) {
        void* p = mmap(nullptr, storage->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            return Error(ErrorCode::kIo, path + ": mmap: " + std::strerror(err));
        }
        storage->mapping = p;
        storage->data = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
    return parse(std::move(storage), path);
}

Result<SafeTensors> SafeTensors::from_bytes(std::string bytes, std::string source) {
    auto storage = std::make_shared<Storage>();
    storage->owned = std::move(bytes);
    storage->data = reinterpret_cast<const uint8_t*>(storage->owned.data());
    storage->size = storage->owned.size();
    return parse(std::move(storage), std::move(source));
}

Result<SafeTensors> SafeTensors::parse(std::shared_ptr<const Storage> storage, std::string source) {
    const uint64_t file_size = storage->size;
    if (file_size < 8) return parse_error(source, "shorter than the 8-byte header length");
    const auto header_len = load<uint64_t>(storage->data);
    if (header_len > kMaxHeaderBytes) {
        return parse_error(source, "header length " + std::to_string(header_len) +
                                       " is over the limit of " + std::to_string(kMaxHeaderBytes));
    }
    if (header_len < 2 || header_len > file_size - 8) {
        return parse_error(source, "header length " + std::to_string(header_len) +
                                       " does not fit the file of " + std::to_string(file_size) +
                                       " bytes");
    }
    const std::string_view header(reinterpret_cast<const char*>(storage->data + 8),
                                  static_cast<size_t>(header_len));
    if (header.front() != '{') return parse_error(source, "header is not a JSON object");

    SafeTensors st;
    st.storage_ = storage;
    st.source_ = std::move(source);
    st.data_offset_ = 8 + header_len;
    const uint64_t data_size = file_size - st.data_offset_;

    simdjson::dom::parser parser;
    simdjson::dom::object root;
    const simdjson::padded_string padded(header);
    if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
        return parse_error(st.source_, std::string("header is not a JSON object: ") +
                                           simdjson::error_message(err));
    }
    for (auto [key_view, value] : root) {
        const std::string key(key_view);
        if (key == "__metadata__") {
            simdjson::dom::object meta;
            if (value.get_object().get(meta) != simdjson::SUCCESS) {
                return parse_error(st.source_, "__metadata__ is not an object");
            }
            for (auto [mk, mv] : meta) {
                std::string_view s;
                if (mv.get_string().get(s) != simdjson::SUCCESS) {
                    return parse_error(st.source_,
                                       "__metadata__[\"" + std::string(mk) + "\"] is not a string");
                }
                st.metadata_.emplace(std::string(mk), std::string(s));
            }
            continue;
        }
        const std::string where = "tensor \"" + key + "\"";
        TensorInfo t;
        t.name = key;
        std::string_view dtype;
        if (value["dtype"].get_string().get(dtype) != simdjson::SUCCESS) {
            return parse_error(st.source_, where + ": no \"dtype\" string");
        }
        const auto* known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                         [&](const DTypeName& d) { return d.name == dtype; });
        if (known == std::end(kDTypes)) {
            return Error(ErrorCode::kInvalidArgument, st.source_ + ": " + where + ": dtype \"" +
                                                          std::string(dtype) +
                                                          "\" is not supported");
        }
        t.dtype = known->dtype;
        simdjson::dom::array shape;
        if (value["shape"].get_array().get(shape) != simdjson::SUCCESS) {
            return parse_error(st.source_, where + ": no \"shape\" array");
        }
        // Element count with an overflow check: no dimension or product above the file size.
        uint64_t count = 1;
        for (simdjson::dom::element d : shape) {
            int64_t dim = -1;
            if (d.get_int64().get(dim) != simdjson::SUCCESS || dim < 0) {
                return parse_error(st.source_,
                                   where + ": shape has a negative or non-integer size");
            }
            t.shape.push_back(dim);
            if (dim != 0 && count > file_size / static_cast<uint64_t>(dim)) {
                return parse_error(st.source_, where + ": shape is larger than the file");
            }
            count *= static_cast<uint64_t>(dim);
        }
        simdjson::dom::array offsets;
        uint64_t begin = 0;
        uint64_t end = 0;
        if (value["data_offsets"].get_array().get(offsets) != simdjson::SUCCESS ||
            offsets.size() != 2 || offsets.at(0).get_uint64().get(begin) != simdjson::SUCCESS ||
            offsets.at(1).get_uint64().get(end) != simdjson::SUCCESS) {
            return parse_error(st.source_, where + ": \"data_offsets\" is not [begin, end]");
        }
        if (begin > end || end > data_size) {
            return parse_error(st.source_, where + ": data_offsets [" + std::to_string(begin) +
                                               ", " + std::to_string(end) +
                                               "] lie outside the data section of " +
                                               std::to_string(data_size) + " bytes");
        }
        if (count > file_size || count * known->size != end - begin) {
            return parse_error(st.source_,
                               where + ": shape x " + std::string(dtype) + " is " +
                                   std::to_string(count) + " x " + std::to_string(known->size) +
                                   " bytes but data_offsets span " + std::to_string(end - begin));
        }
        t.begin = begin;
        t.end = end;
        st.tensors_.push_back(std::move(t));
    }
    std::sort(st.tensors_.begin(), st.tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < st.tensors_.size(); ++i) {
        if (st.tensors_[i].begin < st.tensors_[i - 1].end) {
            return parse_error(st.source_, "tensors \"" + st.tensors_[i - 1].name + "\" and \"" +
                                               st.tensors_[i].name + "\" overlap");
        }
    }
    return st;
}

const TensorInfo* SafeTensors::find(std::string_view name) const {
    for (const TensorInfo& t : tensors_) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

std::vector<std::string> SafeTensors::names() const {
    std::vector<std::string> out;
    out.reserve(tensors_.size());
    for (const TensorInfo& t : tensors_) out.push_back(t.name);
    return out;
}

std::span<const uint8_t> SafeTensors::raw(const TensorInfo& tensor) const {
    return {storage_->data + data_offset_ + tensor.begin,
            static_cast<size_t>(tensor.end - tensor.begin)};
}

std::span<const uint8_t> SafeTensors::file_bytes() const {
    return {storage_->data, storage_->size};
}

Status SafeTensors::to_float(const TensorInfo& t, std::span<float> out) const {
    const uint64_t n = t.element_count();
    if (out.size() != n) {
        return Error(ErrorCode::kInternal, source_ + ": tensor \"" + t.name +
                                               "\": " + std::to_string(n) + " values, buffer of " +
                                               std::to_string(out.size()));
    }
    const uint8_t* p = raw(t).data();
    switch (t.dtype) {
        case DType::kBool:
            return Error(ErrorCode::kInvalidArgument,
                         source_ + ": tensor \"" + t.name + "\" is BOOL, not numbers");
        case DType::kU8:
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
            break;
        case DType::kI8:
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(static_cast<int8_t>(p[i]));
            break;
        case DType::kI16:
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<int16_t>(p + 2 * i));
            break;
        case DType::kI32:
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<int32_t>(p + 4 * i));
            break;
        case DType::kI64:
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<int64_t>(p + 8 * i));
            break;
        case DType::kF16:
            for (size_t i = 0; i < n; ++i) out[i] = half_to_float(load<uint16_t>(p + 2 * i));
            break;
        case DType::kBF16:
            for (size_t i = 0; i < n; ++i) out[i] = bfloat16_to_float(load<uint16_t>(p + 2 * i));
            break;
        case DType::kF32:
            if (n > 0) std::memcpy(out.data(), p, n * sizeof(float));
            break;
        case DType::kF64:
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<double>(p + 8 * i));
            break;
    }
    return Status::ok_status();
}

Result<std::vector<float>> SafeTensors::to_float(std::string_view name) const {
    const TensorInfo* t = find(name);
    if (t == nullptr) {
        return Error(ErrorCode::kNotFound, source_ + ": no tensor \"" + std::string(name) + "\"");
    }
    std::vector<float> out(static_cast<size_t>(t->element_count()));
    PAPERBOY_RETURN_IF_ERROR(to_float(*t, out));
    return out;
}

}  // namespace paperboy::embed
