// tests/support/listening_process.h — a helper server run as a real process for a test: started
// in the background, waited for until its log says which port it listens on, stopped with a
// signal (whose exit status the test can check), and killed if still running at the end.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy::testing {

class ListeningProcess {
  public:
    // Starts `argv` with its output in `log_path` and waits (up to 60 s) for a line of the log
    // to match `listening`, whose first group is the port.
    ListeningProcess(const std::vector<std::string>& argv, std::string log_path,
                     const std::regex& listening)
        : log_path_(std::move(log_path)) {
        pid_ = spawn_process(argv, log_path_);
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
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~ListeningProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ListeningProcess(const ListeningProcess&) = delete;
    ListeningProcess& operator=(const ListeningProcess&) = delete;

    // 0 when the process did not start listening.
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
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return -1;
    }

  private:
    std::string log_path_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

}  // namespace paperboy::testing
