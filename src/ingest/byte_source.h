// ingest/byte_source.h — the bytes a parser reads.
//
// A ByteSource yields the (decompressed) bytes of a file, a string or an HTTP body, and says how
// far through the underlying input it is, for progress reports. Files compressed with gzip are
// decompressed transparently (zlib). Not thread-safe: one reader at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::ingest {

class ByteSource {
  public:
    virtual ~ByteSource() = default;

    // Reads up to `n` bytes into `buf`. Returns the count read; 0 only at the end.
    virtual Result<size_t> read(char* buf, size_t n) = 0;

    // The name used in messages: the path or URL.
    virtual const std::string& name() const = 0;

    // Size of the underlying (possibly compressed) input, when known.
    virtual std::optional<uint64_t> total_size() const = 0;

    // Bytes of the underlying input consumed so far (compressed bytes for a gzip file).
    virtual uint64_t position() const = 0;
};

// Opens a file, plain or gzip-compressed. kNotFound or kIo naming the path on failure.
Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path);

// A source over bytes held in memory (HTTP bodies, tests).
std::unique_ptr<ByteSource> memory_source(std::string data, std::string name);

// Reads the first up to `n` decompressed bytes of a file (for format detection).
Result<std::string> read_file_head(const std::string& path, size_t n);

}  // namespace paperboy::ingest
