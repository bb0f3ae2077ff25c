// index/binary_io.h — the little binary format of index snapshot files (index_file.cpp).
//
// Values are written in the machine's byte order (the header records it), vectors of trivially
// copyable values as a 64-bit count and the raw bytes. Both sides keep a running checksum of
// everything written or read, so the reader can tell a torn or corrupted file from a good one;
// the reader also refuses any count larger than what is left of the file, so a corrupted
// length cannot make it allocate without bound.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "index/string_table.h"

namespace paperboy::index {

class Checksum {
  public:
    void add(const void* data, size_t size) {
        const uint64_t h = hash_bytes(std::string_view(static_cast<const char*>(data), size));
        value_ = (value_ ^ h) * 0x100000001B3ULL + size;
    }
    uint64_t value() const { return value_; }

  private:
    uint64_t value_ = 0xCBF29CE484222325ULL;
};

class BinaryWriter {
  public:
    explicit BinaryWriter(std::FILE* file) : file_(file) {}

    void bytes(const void* data, size_t size) {
        if (size == 0) return;
        checksum_.add(data, size);
        if (ok_ && std::fwrite(data, 1, size, file_) != size) ok_ = false;
    }
    template <typename T>
    void pod(const T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        bytes(&value, sizeof(T));
    }
    template <typename T>
    void vec(const std::vector<T>& values) {
        static_assert(std::is_trivially_copyable_v<T>);
        pod(uint64_t{values.size()});
        bytes(values.data(), values.size() * sizeof(T));
    }
    void str(std::string_view s) {
        pod(uint64_t{s.size()});
        bytes(s.data(), s.size());
    }
    // The checksum so far, written unchecksummed at the end of the file.
    void finish() {
        const uint64_t sum = checksum_.value();
        if (ok_ && std::fwrite(&sum, 1, sizeof sum, file_) != sizeof sum) ok_ = false;
    }
    bool ok() const { return ok_; }

  private:
    std::FILE* file_;
    Checksum checksum_;
    bool ok_ = true;
};

class BinaryReader {
  public:
    BinaryReader(std::FILE* file, uint64_t size) : file_(file), remaining_(size) {}

    bool bytes(void* data, size_t size) {
        if (size == 0) return ok_;
        if (!ok_ || size > remaining_ || std::fread(data, 1, size, file_) != size) {
            return ok_ = false;
        }
        remaining_ -= size;
        checksum_.add(data, size);
        return true;
    }
    template <typename T>
    bool pod(T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        return bytes(&value, sizeof(T));
    }
    template <typename T>
    bool vec(std::vector<T>& values) {
        static_assert(std::is_trivially_copyable_v<T>);
        uint64_t n = 0;
        if (!pod(n) || n > remaining_ / sizeof(T)) return ok_ = false;
        values.resize(n);
        return bytes(values.data(), n * sizeof(T));
    }
    bool str(std::string& s) {
        uint64_t n = 0;
        if (!pod(n) || n > remaining_) return ok_ = false;
        s.resize(n);
        return bytes(s.data(), n);
    }
    // Reads the stored checksum, which follows the `size` bytes given to the constructor, and
    // compares; true when everything was read and the file was whole and unchanged.
    bool finish() {
        const uint64_t expected = checksum_.value();
        uint64_t stored = 0;
        if (!ok_ || remaining_ != 0 || std::fread(&stored, 1, sizeof stored, file_) != 8) {
            return false;
        }
        return stored == expected;
    }
    bool ok() const { return ok_; }
    uint64_t remaining() const { return remaining_; }
    void fail() { ok_ = false; }

  private:
    std::FILE* file_;
    uint64_t remaining_;
    Checksum checksum_;
    bool ok_ = true;
};

}  // namespace paperboy::index
