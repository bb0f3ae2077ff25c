// tests/mail/smtp_server_process.h — a real SMTP server (tests/support/smtp_server.py) on an
// ephemeral loopback port, writing what it receives to a temporary directory; stopped and
// cleaned up when the object goes out of scope.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy::mail::testing {

class SmtpServerProcess {
  public:
    // Starts the server with `extra` arguments ("--fail-first", "2", ...). port() is 0 when it
    // did not start; log() says why.
    explicit SmtpServerProcess(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv = {
            PAPERBOY_SMTP_PYTHON, PAPERBOY_SMTP_SERVER, "--dir", mail_dir(), "--port", "0"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        pid_ = paperboy::testing::spawn_process(argv, log_path());
        const std::regex listening(R"(listening on (\d+))");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            const std::string log = this->log();
            if (std::regex_search(log, m, listening)) {
                port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
                return;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~SmtpServerProcess() { stop(); }
    SmtpServerProcess(const SmtpServerProcess&) = delete;
    SmtpServerProcess& operator=(const SmtpServerProcess&) = delete;

    uint16_t port() const { return port_; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    std::string log() const { return paperboy::testing::read_file(log_path()); }
    // Where the messages (NNNNNN.eml) and log.jsonl are written.
    std::string mail_dir() const { return dir_.file("mail"); }
    std::string mail_file(std::string_view name) const {
        return mail_dir() + "/" + std::string(name);
    }

    // SIGTERM, then the exit status (-1 when killed by a signal or not exited in 30 s).
    int stop() {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) != pid_) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
                return -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    std::string log_path() const { return dir_.file("server.log"); }

    paperboy::testing::TempDir dir_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

}  // namespace paperboy::mail::testing
