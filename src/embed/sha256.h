// embed/sha256.h — SHA-256 (FIPS 180-4), to check model files against the digests the
// Hugging Face hub lists for them (Git LFS object ids are the SHA-256 of the content).
//
// Not for secrets: tokens and MACs are hashed with libsodium in app/auth/, the only place
// that may link it. A Sha256 object is used by one thread at a time; values may be copied.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace paperboy::embed {

class Sha256 {
  public:
    Sha256();

    // Appends bytes to the message.
    void update(const void* data, size_t len);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

    // The digest of everything appended so far; the object must not be updated afterwards.
    std::array<uint8_t, 32> finish();

    // finish() as 64 lower-case hex digits.
    std::string finish_hex();

  private:
    void compress(const uint8_t* block);

    std::array<uint32_t, 8> state_;
    std::array<uint8_t, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t total_bytes_ = 0;
};

// The SHA-256 of `bytes` in lower-case hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace paperboy::embed
