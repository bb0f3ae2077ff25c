// cli/run_lock.h — one digest sender per database at a time.
//
// `paperboy digest send` and the scheduler inside `paperboy serve` take an exclusive lock on a
// file beside the database before sending. Two senders of the same period at once would each
// take the other's fresh claims in the send log for ones left by a crash, and send them again;
// the lock makes the second one wait for its turn instead. The kernel drops the lock when its
// process dies, kill -9 included, so a crash never leaves it held.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::cli {

class RunLock {
  public:
    // The lock file of the database at `db` (a path, or "sqlite:PATH"): "<path>.digest-lock";
    // "" for an in-memory database, which no other process can open.
    static std::string path_for(std::string_view db);

    // Takes the lock at `path` without waiting: nullopt when another sender holds it; kIo
    // when the file cannot be created. An empty path takes nothing and succeeds.
    static Result<std::optional<RunLock>> try_acquire(const std::string& path);

    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();

  private:
    explicit RunLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace paperboy::cli
