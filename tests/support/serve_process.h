// tests/support/serve_process.h — a real `paperboy serve` process on an ephemeral loopback port,
// for integration tests: started, waited for until it says where it listens, stopped with a
// signal (whose exit status the test can check).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy::testing {

class ServeProcess {
  public:
    // Starts `binary serve --db db --listen 127.0.0.1:0 extra...`, logging to log_path.
    ServeProcess(const std::string& binary, const std::string& db, const std::string& log_path,
                 std::vector<std::string> extra = {})
        : log_path_(log_path) {
        std::vector<std::string> argv = {binary, "serve", "--db", db, "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        pid_ = spawn_process(argv, log_path);
        const std::regex listening(R"(serving .* at http://127\.0\.0\.1:(\d+)/)");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            const std::string log = read_file(log_path_);
            if (std::regex_search(log, m, listening)) {
                port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
                return;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return;  // exited: port() stays 0, log() says why
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    ~ServeProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    // 0 when the server did not start.
    uint16_t port() const { return port_; }
    std::string log() const { return read_file(log_path_); }

    // Sends `signal` and waits up to `timeout` for the exit; the exit status, or -1 when it
    // was killed by a signal or did not exit in time (it is then killed).
    int stop(int signal = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(30)) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, signal);
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return -1;
    }

  private:
    std::string log_path_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

}  // namespace paperboy::testing
