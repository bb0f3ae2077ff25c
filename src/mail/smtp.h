// mail/smtp.h — delivery to the configured relay over SMTP with libcurl, one connection reused
// for many messages. The only place (with mail/message.cpp) that includes libcurl's headers
// outside ingest/harvest/ (scripts/check-layering.py). Depends on core/ and mail/message.h.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "mail/message.h"

namespace paperboy::mail {

struct SmtpOptions {
    // smtp://host[:port] (STARTTLS when the server offers it; smtp+starttls:// requires it),
    // smtps://host[:port] (TLS from the start); user:password@ before the host authenticates.
    // Percent-encoded user and password are decoded.
    std::string url;
    // The envelope sender (MAIL FROM); "" = each message's From address.
    std::string envelope_from;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds timeout{60'000};  // for one whole message
    bool verbose = false;                       // libcurl's protocol trace on stderr
    // Certificates (PEM) to trust for the relay's TLS instead of the system's; "" = the system's.
    std::string ca_file;
};

// Checks an SMTP URL (scheme, host, port) without connecting: kInvalidArgument saying what is
// wrong.
Status check_smtp_url(std::string_view url);

// The URL with its password replaced by "***", for logs and messages.
std::string redact_smtp_url(std::string_view url);

// What the relay did with one message.
struct SendOutcome {
    enum class Kind {
        kAccepted,   // 2xx at the end of DATA
        kTransient,  // 4xx, connection refused or lost, timeout: worth retrying later
        kPermanent,  // 5xx: this message will not be accepted as it is
    };
    Kind kind = Kind::kAccepted;
    int code = 0;        // the SMTP reply code when there was one, else 0
    std::string detail;  // the relay's reply text or the connection error, for the send log
    // The relay refused this client, not this message (authentication failed, TLS could not be
    // set up or its certificate is not trusted): no message can go until the configuration is
    // fixed. Always kPermanent (retrying does not help), but not the recipient's fault.
    bool refused_client = false;

    bool accepted() const { return kind == Kind::kAccepted; }
};

// A connection to one relay. send() connects when needed and keeps the connection for the next
// message (libcurl's connection cache); a broken connection is reopened on the next send. Not
// thread-safe: one SmtpClient per thread.
class SmtpClient {
  public:
    explicit SmtpClient(SmtpOptions options);
    ~SmtpClient();
    SmtpClient(const SmtpClient&) = delete;
    SmtpClient& operator=(const SmtpClient&) = delete;

    SendOutcome send(const Message& message);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// How often and how patiently a transient failure is retried.
struct RetryPolicy {
    int attempts = 4;  // in all, the first included
    std::chrono::milliseconds first_delay{1'000};
    double factor = 4.0;  // 1 s, 4 s, 16 s
    // Sleeps between attempts; tests pass one that does not.
    std::function<void(std::chrono::milliseconds)> sleep;
};

// Sends with `client`, retrying transient failures as `policy` says; the last outcome and the
// number of attempts made.
struct RetriedOutcome {
    SendOutcome outcome;
    int attempts = 0;
};
RetriedOutcome send_with_retry(SmtpClient& client, const Message& message,
                               const RetryPolicy& policy);

}  // namespace paperboy::mail
