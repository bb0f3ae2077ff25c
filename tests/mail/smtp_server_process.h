// tests/mail/smtp_server_process.h — a real SMTP server (tests/support/smtp_server.py) on an
// ephemeral loopback port, writing what it receives to a temporary directory; stopped and
// cleaned up when the object goes out of scope.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "support/listening_process.h"
#include "support/temp_dir.h"

namespace paperboy::mail::testing {

class SmtpServerProcess {
  public:
    // Starts the server with `extra` arguments ("--fail-first", "2", ...). port() is 0 when it
    // did not start; log() says why.
    explicit SmtpServerProcess(const std::vector<std::string>& extra = {})
        : process_(argv(dir_.file("mail"), extra), dir_.file("server.log"),
                   std::regex(R"(listening on (\d+))")) {}
    ~SmtpServerProcess() { stop(); }
    SmtpServerProcess(const SmtpServerProcess&) = delete;
    SmtpServerProcess& operator=(const SmtpServerProcess&) = delete;

    uint16_t port() const { return process_.port(); }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
    std::string log() const { return process_.log(); }
    // Where the messages (NNNNNN.eml) and log.jsonl are written.
    std::string mail_dir() const { return dir_.file("mail"); }
    std::string mail_file(std::string_view name) const {
        return mail_dir() + "/" + std::string(name);
    }

    // SIGTERM, then the exit status (-1 when killed by a signal or not exited in 30 s).
    int stop() { return process_.stop(); }

  private:
    static std::vector<std::string> argv(const std::string& mail_dir,
                                         const std::vector<std::string>& extra) {
        std::vector<std::string> out = {
            PAPERBOY_SMTP_PYTHON, PAPERBOY_SMTP_SERVER, "--dir", mail_dir, "--port", "0"};
        out.insert(out.end(), extra.begin(), extra.end());
        return out;
    }

    paperboy::testing::TempDir dir_;  // first: the process writes into it
    paperboy::testing::ListeningProcess process_;
};

}  // namespace paperboy::mail::testing
