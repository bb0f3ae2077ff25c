// tests/ingest/pipe_feed.h — a pipe with data in it, read as a file would be (/dev/fd/N).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace paperboy::testing {

// A pipe into which a thread writes `data` and then closes it; path() is its read end as
// /dev/fd/N, which is what bash's process substitution hands a program. Declare it before the
// sources that read it, so that they are closed first.
class PipeFeed {
  public:
    explicit PipeFeed(std::string data) {
        signal(SIGPIPE, SIG_IGN);  // a reader that stops early must not kill the test
        int fds[2];
        EXPECT_EQ(pipe(fds), 0);
        read_fd_ = fds[0];
        writer_ = std::thread([fd = fds[1], data = std::move(data)] {
            size_t done = 0;
            while (done < data.size()) {
                ssize_t n = write(fd, data.data() + done, data.size() - done);
                if (n <= 0) break;
                done += static_cast<size_t>(n);
            }
            close(fd);
        });
    }
    // Closing the read end first ends a write blocked on a reader that stopped early.
    ~PipeFeed() {
        close(read_fd_);
        writer_.join();
    }
    PipeFeed(const PipeFeed&) = delete;
    PipeFeed& operator=(const PipeFeed&) = delete;

    int fd() const { return read_fd_; }
    std::string path() const { return "/dev/fd/" + std::to_string(read_fd_); }

  private:
    int read_fd_ = -1;
    std::thread writer_;
};

}  // namespace paperboy::testing
