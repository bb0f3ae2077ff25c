#include "store/vectors.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace paperboy::store {

static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559,
              "vectors are stored as IEEE 754 binary32");

std::string encode_vector(std::span<const float> vector) {
    std::string out(vector.size() * 4, '\0');
    if constexpr (std::endian::native == std::endian::little) {
        if (!vector.empty()) std::memcpy(out.data(), vector.data(), out.size());
    } else {
        for (size_t i = 0; i < vector.size(); ++i) {
            const auto bits = std::bit_cast<uint32_t>(vector[i]);
            for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<char>(bits >> (8 * b));
        }
    }
    return out;
}

Result<std::vector<float>> decode_vector(std::string_view bytes, int dimensions) {
    if (dimensions < 0 || bytes.size() != static_cast<size_t>(dimensions) * 4) {
        return Error(ErrorCode::kCorruption, "a stored vector has " + std::to_string(bytes.size()) +
                                                 " bytes, not " + std::to_string(dimensions) +
                                                 " float32 values");
    }
    std::vector<float> out(static_cast<size_t>(dimensions));
    if constexpr (std::endian::native == std::endian::little) {
        if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    } else {
        for (size_t i = 0; i < out.size(); ++i) {
            uint32_t bits = 0;
            for (int b = 0; b < 4; ++b) {
                bits |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b]))
                        << (8 * b);
            }
            out[i] = std::bit_cast<float>(bits);
        }
    }
    return out;
}

Status check_vectors(const std::vector<PaperVector>& vectors, int dimensions) {
    std::unordered_set<std::string_view> seen;
    for (const PaperVector& v : vectors) {
        if (v.vector.size() != static_cast<size_t>(dimensions)) {
            return Error(ErrorCode::kInvalidArgument,
                         "the vector of paper " + v.id.str() + " has " +
                             std::to_string(v.vector.size()) + " dimensions; the model has " +
                             std::to_string(dimensions));
        }
        for (float x : v.vector) {
            if (!std::isfinite(x)) {
                return Error(ErrorCode::kInvalidArgument,
                             "the vector of paper " + v.id.str() + " holds a NaN or infinity");
            }
        }
        if (!seen.insert(v.id.str()).second) {
            return Error(ErrorCode::kInvalidArgument,
                         "paper " + v.id.str() + " is twice in one batch of vectors");
        }
    }
    return Status::ok_status();
}

}  // namespace paperboy::store
