#include "ingest/byte_source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace paperboy::ingest {
namespace {

// Compressed (or, for a plain file, raw) bytes read from the descriptor at a time. Large, so that
// the system-call cost stays negligible next to inflate and parsing.
constexpr size_t kInputBufferSize = 512 * 1024;

// read(2) and inflate take counts that may be smaller than size_t; larger requests are split.
constexpr size_t kMaxRead = size_t{1} << 30;

bool is_gzip_magic(const unsigned char* p, size_t n) {
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

// A file descriptor read front to back, decompressed when its content starts with gzip's magic
// bytes. zlib's gzFile is not used: it finds its position with lseek, which pipes do not have,
// and the expansion limit needs the exact count of compressed bytes consumed.
class FileSource final : public ByteSource {
  public:
    FileSource(int fd, std::string name, std::optional<uint64_t> size, const GzipLimits& limits)
        : fd_(fd),
          name_(std::move(name)),
          size_(size),
          limits_(limits),
          in_(std::make_unique_for_overwrite<unsigned char[]>(kInputBufferSize)) {}
    ~FileSource() override {
        if (mode_ == Mode::kGzip) inflateEnd(&zs_);
        ::close(fd_);
    }
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    Result<size_t> read(char* buf, size_t n) override {
        if (error_) return *error_;
        if (n == 0) return size_t{0};
        if (mode_ == Mode::kUnknown) {
            Status started = start();
            if (!started.ok()) return fail(started.error());
        }
        Result<size_t> got = mode_ == Mode::kGzip ? read_gzip(buf, std::min(n, kMaxRead))
                                                  : read_plain(buf, std::min(n, kMaxRead));
        if (!got.ok()) return fail(got.error());
        return got;
    }

    const std::string& name() const override { return name_; }
    std::optional<uint64_t> total_size() const override { return size_; }
    // Bytes read from the descriptor, less those still waiting in the input buffer.
    uint64_t position() const override { return raw_read_ - zs_.avail_in; }

  private:
    enum class Mode { kUnknown, kPlain, kGzip };

    Error fail(Error error) {
        error_ = error;
        return error;
    }

    // Reads up to `n` bytes from the descriptor; 0 at the end. Retries interrupted reads and
    // waits on a non-blocking descriptor (standard input may be one).
    Result<size_t> read_fd(void* buf, size_t n) {
        for (;;) {
            ssize_t got = ::read(fd_, buf, n);
            if (got >= 0) {
                raw_read_ += static_cast<uint64_t>(got);
                return static_cast<size_t>(got);
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                pollfd pfd{fd_, POLLIN, 0};
                (void)::poll(&pfd, 1, -1);
                continue;
            }
            return Error(ErrorCode::kIo, "cannot read " + name_ + ": " + std::strerror(errno));
        }
    }

    // Appends to the input buffer what one read brings, after moving the unread bytes to its
    // front. Sets eof_ at the end.
    Status fill() {
        if (zs_.avail_in > 0 && zs_.next_in != in_.get()) {
            std::memmove(in_.get(), zs_.next_in, zs_.avail_in);
        }
        zs_.next_in = in_.get();
        auto got = read_fd(in_.get() + zs_.avail_in, kInputBufferSize - zs_.avail_in);
        if (!got.ok()) return got.error();
        if (*got == 0) eof_ = true;
        zs_.avail_in += static_cast<uInt>(*got);
        return Status::ok_status();
    }

    // Reads the first two bytes (a pipe may deliver one at a time) to tell gzip from plain.
    Status start() {
        zs_.next_in = in_.get();
        while (zs_.avail_in < 2 && !eof_) PAPERBOY_RETURN_IF_ERROR(fill());
        if (!is_gzip_magic(in_.get(), zs_.avail_in)) {
            mode_ = Mode::kPlain;
            return Status::ok_status();
        }
        // 16 + MAX_WBITS: a gzip wrapper around a deflate stream of any window size.
        if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) {
            return Error(ErrorCode::kInternal, "cannot read " + name_ + ": zlib out of memory");
        }
        mode_ = Mode::kGzip;
        return Status::ok_status();
    }

    Result<size_t> read_plain(char* buf, size_t n) {
        if (zs_.avail_in > 0) {
            size_t count = std::min<size_t>(n, zs_.avail_in);
            std::memcpy(buf, zs_.next_in, count);
            zs_.next_in += count;
            zs_.avail_in -= static_cast<uInt>(count);
            return count;
        }
        if (eof_) return size_t{0};
        auto got = read_fd(buf, n);
        if (got.ok() && *got == 0) eof_ = true;
        return got;
    }

    std::string at_byte() const { return "at compressed byte " + std::to_string(position()); }

    Result<size_t> read_gzip(char* buf, size_t n) {
        if (finished_) return size_t{0};
        zs_.next_out = reinterpret_cast<Bytef*>(buf);
        zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, UINT_MAX));
        for (;;) {
            if (member_ended_) {
                // Several gzip members in a row (pigz, bgzip, cat a.gz b.gz) are one stream.
                // Bytes after the last member that are not another one are ignored, as gzip
                // and zlib's gzread ignore them (padding to a block size is common).
                while (zs_.avail_in < 2 && !eof_) PAPERBOY_RETURN_IF_ERROR(fill());
                if (!is_gzip_magic(zs_.next_in, zs_.avail_in)) {
                    finished_ = true;
                    return size_t{0};
                }
                inflateReset(&zs_);
                member_ended_ = false;
            }
            if (zs_.avail_in == 0) {
                if (!eof_) PAPERBOY_RETURN_IF_ERROR(fill());
                if (zs_.avail_in == 0) {
                    return Error(ErrorCode::kParse, "cannot read " + name_ +
                                                        ": unexpected end of file " + at_byte() +
                                                        " (truncated gzip data)");
                }
            }
            int rc = inflate(&zs_, Z_NO_FLUSH);
            size_t produced = static_cast<size_t>(reinterpret_cast<char*>(zs_.next_out) - buf);
            if (rc == Z_STREAM_END) {
                member_ended_ = true;
            } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
                // A damaged gzip stream is bad data, not a failing disk.
                return Error(ErrorCode::kParse,
                             "cannot read " + name_ + ": invalid gzip data " + at_byte() + " (" +
                                 (zs_.msg != nullptr ? zs_.msg : "corrupt") + ")");
            } else if (rc == Z_MEM_ERROR) {
                return Error(ErrorCode::kInternal, "cannot read " + name_ + ": zlib out of memory");
            }
            // Z_OK or Z_BUF_ERROR: output was made, or more input is needed.
            if (produced == 0) continue;
            inflated_ += produced;
            if (limits_.max_ratio > 0 && inflated_ > limits_.ratio_free_bytes &&
                inflated_ / std::max<uint64_t>(position(), 1) > limits_.max_ratio) {
                return Error(ErrorCode::kParse,
                             "cannot read " + name_ + ": gzip data expands more than " +
                                 std::to_string(limits_.max_ratio) + "-fold (" +
                                 std::to_string(inflated_) + " bytes out of the first " +
                                 std::to_string(position()) +
                                 " compressed bytes); refused as a likely gzip bomb");
            }
            return produced;
        }
    }

    int fd_;
    std::string name_;
    std::optional<uint64_t> size_;
    GzipLimits limits_;
    std::unique_ptr<unsigned char[]> in_;
    z_stream zs_{};          // next_in/avail_in: the input buffer's unread bytes, in both modes
    uint64_t raw_read_ = 0;  // bytes read from the descriptor
    uint64_t inflated_ = 0;  // bytes of output (gzip)
    Mode mode_ = Mode::kUnknown;
    bool eof_ = false;
    bool member_ended_ = false;
    bool finished_ = false;
    std::optional<Error> error_;
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

Error open_error(const std::string& path, int err) {
    ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kIo;
    return Error(code, "cannot open " + path + ": " + std::strerror(err));
}

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path,
                                                     const GzipLimits& limits) {
    std::string name = path;
    int fd = -1;
    if (path == "-") {
        // A duplicate, so that closing the source leaves standard input itself alone.
        name = kStdinName;
        fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return open_error(name, errno);
    } else {
        // Opening a named pipe blocks until a writer opens it, as reading it would anyway.
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return open_error(path, errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return open_error(name, err);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return open_error(name, EISDIR);
    }
    std::optional<uint64_t> size;
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
    return std::unique_ptr<ByteSource>(
        std::make_unique<FileSource>(fd, std::move(name), size, limits));
}

std::unique_ptr<ByteSource> memory_source(std::string data, std::string name) {
    return std::make_unique<MemorySource>(std::move(data), std::move(name));
}

PeekableSource::PeekableSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}

Result<std::string_view> PeekableSource::peek(size_t n) {
    while (head_.size() < n && !deferred_) {
        size_t filled = head_.size();
        head_.resize(n);
        auto got = inner_->read(head_.data() + filled, n - filled);
        head_.resize(filled + (got.ok() ? *got : 0));
        if (!got.ok()) {
            if (head_.empty()) return got.error();
            deferred_ = got.error();
        } else if (*got == 0) {
            break;
        }
    }
    return std::string_view(head_).substr(0, std::min(n, head_.size()));
}

Result<size_t> PeekableSource::read(char* buf, size_t n) {
    if (head_pos_ < head_.size()) {
        size_t count = std::min(n, head_.size() - head_pos_);
        std::memcpy(buf, head_.data() + head_pos_, count);
        head_pos_ += count;
        if (head_pos_ == head_.size()) std::string().swap(head_);
        if (head_.empty()) head_pos_ = 0;
        bytes_read_ += count;
        return count;
    }
    if (deferred_) return *deferred_;
    auto got = inner_->read(buf, n);
    if (got.ok()) bytes_read_ += *got;
    return got;
}

}  // namespace paperboy::ingest
