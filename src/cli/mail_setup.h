// cli/mail_setup.h — the mail flags that `serve`, `digest send` and `mail test` share (the relay,
// the From address, retries) and how they become an app::Mailer and an app::MailIdentity
// (docs/mail.md, "Configuration"). Every flag also comes from a PAPERBOY_* environment variable.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/mailer.h"
#include "core/result.h"

namespace paperboy::cli {

struct MailFlags {
    std::string smtp_url;        // "" = no relay: mail is not set up
    std::string mail_from;       // the From address (also where mailto: unsubscribes go)
    std::string mail_from_name;  // its display name; "" = the site's name
    int smtp_attempts = 4;       // per message, the first included
    int retry_delay_ms = 1000;   // before the second attempt; then x4 each time
    std::string smtp_ca_file;    // "" = the system's certificates
    int smtp_timeout_s = 60;     // for one whole message
    bool smtp_verbose = false;   // libcurl's protocol trace on stderr
};

// Adds --smtp-url, --mail-from, --mail-from-name, --smtp-retries, --smtp-retry-delay-ms,
// --smtp-timeout and --smtp-verbose to `cmd`.
void add_mail_options(CLI::App* cmd, MailFlags& flags);

// Checks the flags needed to send: a valid SMTP URL (mail::check_smtp_url) and From address.
// kInvalidArgument naming the flag and its environment variable otherwise.
Status check_mail_flags(const MailFlags& flags);

// Checks the public URL that links in mail start with: http:// or https:// and a host.
Status check_public_url(const std::string& public_url);

// Who mail comes from. `public_url` and the From address are used as given; check them first.
app::MailIdentity mail_identity(const MailFlags& flags, const std::string& public_url,
                                const std::string& site_name);

// An SMTP mailer for the flags (check them first). `sleep` waits between retries; empty = a
// plain sleep. Each call makes its own connection to the relay.
std::unique_ptr<app::Mailer> make_mailer(const MailFlags& flags,
                                         std::function<void(std::chrono::milliseconds)> sleep = {});

}  // namespace paperboy::cli
