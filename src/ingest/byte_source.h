// ingest/byte_source.h — the bytes a parser reads.
//
// A ByteSource yields the (decompressed) bytes of a file, a pipe, standard input, a string or an
// HTTP body, and says how far through the underlying input it is, for progress reports. Input
// compressed with gzip is recognised by its first bytes and decompressed transparently (zlib),
// within limits that refuse gzip bombs. A PeekableSource looks at the first bytes (for format
// detection) without consuming them, so that an input that cannot be read twice — a pipe,
// process substitution, standard input — is still parsed from its start.
// Not thread-safe: one reader at a time.
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

    // Size of the underlying (possibly compressed) input, when known (not for pipes).
    virtual std::optional<uint64_t> total_size() const = 0;

    // Bytes of the underlying input consumed so far (compressed bytes for a gzip file).
    virtual uint64_t position() const = 0;
};

// How far gzip input may expand. Deflate can expand about 1032-fold: a 4 MB file of compressed
// line breaks inflates to 4 GB and costs minutes of CPU for no record. Paper metadata
// compresses 3- to 10-fold and near-duplicate synthetic records about 150-fold, so past the
// first `ratio_free_bytes` of output, input that has expanded more than `max_ratio`-fold is
// refused: the cost of a file stays proportional to its size.
struct GzipLimits {
    uint64_t max_ratio = 200;                        // 0: no limit
    uint64_t ratio_free_bytes = uint64_t{64} << 20;  // output allowed whatever the ratio
};

// The name standard input has in messages; open_file_source("-") reads it.
inline constexpr std::string_view kStdinName = "<stdin>";

// Opens a file, plain or gzip-compressed (recognised by its magic bytes, not its name). Any
// file that can be read front to back works: regular files, named pipes, /dev/stdin,
// /dev/fd/N; "-" is standard input (named kStdinName). kNotFound or kIo naming the path on
// failure. Reads fail with kParse, naming the file and the position, on damaged or truncated
// gzip data or data that expands past `limits`.
Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path,
                                                     const GzipLimits& limits = {});

// A source over bytes held in memory (HTTP bodies, tests).
std::unique_ptr<ByteSource> memory_source(std::string data, std::string name);

// Wraps a source so that its first bytes can be looked at before it is read: peek() reads
// them into a buffer that read() then hands out first. Name, size and position are the
// wrapped source's (position() counts the peeked bytes as consumed).
class PeekableSource final : public ByteSource {
  public:
    explicit PeekableSource(std::unique_ptr<ByteSource> inner);

    // The first up to `n` bytes of the input: fewer only when it ends sooner, or when a read
    // fails after some bytes (a truncated gzip file still has a usable head), in which case
    // read() returns that error after handing out the bytes. An error when the first read
    // fails. Must be called before read().
    Result<std::string_view> peek(size_t n);

    Result<size_t> read(char* buf, size_t n) override;
    const std::string& name() const override { return inner_->name(); }
    std::optional<uint64_t> total_size() const override { return inner_->total_size(); }
    uint64_t position() const override { return inner_->position(); }

    // Bytes handed out by read() so far (decompressed).
    uint64_t bytes_read() const { return bytes_read_; }

  private:
    std::unique_ptr<ByteSource> inner_;
    std::string head_;
    size_t head_pos_ = 0;
    std::optional<Error> deferred_;  // a read error met by peek(), for read() after head_
    uint64_t bytes_read_ = 0;
};

}  // namespace paperboy::ingest
