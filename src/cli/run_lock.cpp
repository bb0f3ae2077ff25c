#include "cli/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace paperboy::cli {

std::string RunLock::path_for(std::string_view db) {
    if (db.starts_with("sqlite:")) db.remove_prefix(7);
    if (db.empty() || db == ":memory:") return {};
    return std::string(db) + ".digest-lock";
}

Result<std::optional<RunLock>> RunLock::try_acquire(const std::string& path) {
    if (path.empty()) return std::optional<RunLock>(RunLock(-1));
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return Error(ErrorCode::kIo,
                     "cannot open the digest lock " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == EWOULDBLOCK) return std::optional<RunLock>();
        return Error(ErrorCode::kIo,
                     "cannot lock the digest lock " + path + ": " + std::strerror(error));
    }
    return std::optional<RunLock>(RunLock(fd));
}

RunLock::RunLock(RunLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace paperboy::cli
