// app/mailer.h — how app/ hands mail to the relay, and who the mail comes from.
//
// Services (subscriptions, digests, account mail) compose mail::Message values and give them to
// a Mailer: in production SMTP through mail::SmtpClient with retries, in unit tests a recorder.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mail/message.h"
#include "mail/smtp.h"

namespace paperboy::app {

class Mailer {
  public:
    virtual ~Mailer() = default;
    // Sends one message, retrying transient failures as the mailer was configured to.
    // Thread-safe.
    virtual mail::RetriedOutcome send(const mail::Message& message) = 0;
};

// SMTP to one relay: one connection, kept open between messages, used by one message at a time.
std::unique_ptr<Mailer> make_smtp_mailer(mail::SmtpOptions options, mail::RetryPolicy retry = {});

// Who an instance's mail comes from and where its links point.
struct MailIdentity {
    std::string public_url;  // the base of every link, e.g. "https://papers.example.org"
    std::string site_name = "Paperboy";
    mail::Mailbox from;  // From: of every mail; its address also takes mailto unsubscribes

    // The host of public_url ("papers.example.org"), for Message-IDs and List-Ids;
    // "localhost" when it has none.
    std::string host() const;
    // public_url + path ("/unsubscribe/..."), without a doubled slash.
    std::string link(std::string_view path) const;
};

// A new globally unique Message-ID: "<kind.random@host>".
std::string new_message_id(const MailIdentity& identity, std::string_view kind);

}  // namespace paperboy::app
