#include "ingest/byte_source.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace paperboy::ingest {
namespace {

// zlib's internal buffer. The default (8 KiB) makes gzread issue many small read(2) calls; a
// large one keeps the system-call cost negligible next to inflate and parsing.
constexpr unsigned kGzBufferSize = 512 * 1024;

// gzread takes an unsigned count and returns an int; larger requests are split.
constexpr size_t kMaxGzRead = static_cast<size_t>(INT_MAX) / 2;

class GzFileSource final : public ByteSource {
  public:
    GzFileSource(gzFile file, std::string path, std::optional<uint64_t> size)
        : file_(file), path_(std::move(path)), size_(size) {}
    ~GzFileSource() override { gzclose(file_); }
    GzFileSource(const GzFileSource&) = delete;
    GzFileSource& operator=(const GzFileSource&) = delete;

    Result<size_t> read(char* buf, size_t n) override {
        if (failed_) return Error(ErrorCode::kIo, "cannot read " + path_ + ": earlier error");
        if (n == 0) return size_t{0};
        int got = gzread(file_, buf, static_cast<unsigned>(std::min(n, kMaxGzRead)));
        if (got < 0) {
            failed_ = true;
            int errnum = 0;
            const char* msg = gzerror(file_, &errnum);
            std::string reason = errnum == Z_ERRNO ? std::strerror(errno) : msg;
            // A damaged gzip stream is bad data, not a failing disk.
            ErrorCode code = errnum == Z_DATA_ERROR ? ErrorCode::kParse : ErrorCode::kIo;
            return Error(code, "cannot read " + path_ + ": " + reason);
        }
        if (got == 0) {
            // gzread returns 0 both at a clean end and when a gzip stream ends early; only
            // gzerror tells them apart (Z_BUF_ERROR: "unexpected end of file").
            int errnum = 0;
            const char* msg = gzerror(file_, &errnum);
            if (errnum != Z_OK) {
                failed_ = true;
                return Error(ErrorCode::kParse, "cannot read " + path_ + ": " + msg);
            }
        }
        return static_cast<size_t>(got);
    }

    const std::string& name() const override { return path_; }
    std::optional<uint64_t> total_size() const override { return size_; }

    uint64_t position() const override {
        // gzoffset counts compressed bytes consumed (for a plain file, bytes read), which is
        // what matches total_size() for a progress bar.
        z_off_t off = gzoffset(file_);
        return off < 0 ? 0 : static_cast<uint64_t>(off);
    }

  private:
    gzFile file_;
    std::string path_;
    std::optional<uint64_t> size_;
    bool failed_ = false;
};

class MemorySource final : public ByteSource {
  public:
    MemorySource(std::string data, std::string name)
        : data_(std::move(data)), name_(std::move(name)) {}

    Result<size_t> read(char* buf, size_t n) override {
        size_t count = std::min(n, data_.size() - pos_);
        std::memcpy(buf, data_.data() + pos_, count);
        pos_ += count;
        return count;
    }

    const std::string& name() const override { return name_; }
    std::optional<uint64_t> total_size() const override { return data_.size(); }
    uint64_t position() const override { return pos_; }

  private:
    std::string data_;
    std::string name_;
    size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        int err = errno;
        ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kIo;
        return Error(code, "cannot open " + path + ": " + std::strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        return Error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(EISDIR));
    }
    errno = 0;
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
        int err = errno != 0 ? errno : ENOMEM;
        ErrorCode code = err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
        return Error(code, "cannot open " + path + ": " + std::strerror(err));
    }
    gzbuffer(file, kGzBufferSize);
    std::optional<uint64_t> size;
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
    return std::unique_ptr<ByteSource>(std::make_unique<GzFileSource>(file, path, size));
}

std::unique_ptr<ByteSource> memory_source(std::string data, std::string name) {
    return std::make_unique<MemorySource>(std::move(data), std::move(name));
}

Result<std::string> read_file_head(const std::string& path, size_t n) {
    auto source = open_file_source(path);
    if (!source.ok()) return source.error();
    std::string head(n, '\0');
    size_t filled = 0;
    while (filled < n) {
        auto got = (*source)->read(head.data() + filled, n - filled);
        if (!got.ok()) {
            // A truncated gzip file still has a usable head for detection.
            if (filled > 0 && got.error().code() == ErrorCode::kParse) break;
            return got.error();
        }
        if (*got == 0) break;
        filled += *got;
    }
    head.resize(filled);
    return head;
}

}  // namespace paperboy::ingest
