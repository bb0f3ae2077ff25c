#include "cli/mail_setup.h"

#include <thread>

#include "mail/address.h"
#include "mail/smtp.h"

namespace paperboy::cli {

void add_mail_options(CLI::App* cmd, MailFlags& flags) {
    cmd->add_option("--smtp-url", flags.smtp_url,
                    "The relay: smtp://host:port (STARTTLS when offered), smtp+starttls:// "
                    "(required), smtps:// (TLS); user:password@ before the host to log in")
        ->envname("PAPERBOY_SMTP_URL");
    cmd->add_option("--mail-from", flags.mail_from,
                    "The From address of every mail; mailto: unsubscribes are sent to it")
        ->envname("PAPERBOY_MAIL_FROM");
    cmd->add_option("--mail-from-name", flags.mail_from_name,
                    "The From display name (default: the site's name)")
        ->envname("PAPERBOY_MAIL_FROM_NAME");
    cmd->add_option("--smtp-retries", flags.smtp_attempts,
                    "Attempts per message when the relay fails transiently (4xx, refused "
                    "connection, timeout), the first included")
        ->envname("PAPERBOY_SMTP_RETRIES")
        ->check(CLI::Range(1, 10))
        ->capture_default_str();
    cmd->add_option("--smtp-retry-delay-ms", flags.retry_delay_ms,
                    "Wait before the second attempt; each later wait is 4 times longer")
        ->envname("PAPERBOY_SMTP_RETRY_DELAY_MS")
        ->check(CLI::Range(0, 600000))
        ->capture_default_str();
    cmd->add_option("--smtp-timeout", flags.smtp_timeout_s, "Seconds allowed for one message")
        ->envname("PAPERBOY_SMTP_TIMEOUT")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd->add_option("--smtp-ca-file", flags.smtp_ca_file,
                    "Certificates (PEM) to trust for the relay's TLS instead of the system's "
                    "(a relay with a private or self-signed certificate)")
        ->envname("PAPERBOY_SMTP_CA_FILE")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--smtp-verbose", flags.smtp_verbose,
                  "Print the SMTP conversation on stderr (passwords included: for debugging)")
        ->envname("PAPERBOY_SMTP_VERBOSE");
}

Status check_mail_flags(const MailFlags& flags) {
    if (flags.smtp_url.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "no SMTP relay: pass --smtp-url or set PAPERBOY_SMTP_URL (e.g. "
                     "smtp://127.0.0.1:25)");
    }
    Status url = mail::check_smtp_url(flags.smtp_url);
    if (!url.ok()) {
        return Error(
            ErrorCode::kInvalidArgument,
            "--smtp-url " + mail::redact_smtp_url(flags.smtp_url) + ": " + url.error().message());
    }
    if (flags.mail_from.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "no From address: pass --mail-from or set PAPERBOY_MAIL_FROM (e.g. "
                     "papers@example.org; mailto: unsubscribes arrive there)");
    }
    auto from = mail::normalize_address(flags.mail_from);
    if (!from.ok()) {
        return Error(ErrorCode::kInvalidArgument,
                     "--mail-from \"" + flags.mail_from + "\": " + from.error().message());
    }
    return Status::ok_status();
}

Status check_public_url(const std::string& public_url) {
    const bool http = public_url.starts_with("http://") || public_url.starts_with("https://");
    const size_t host = public_url.find("://") + 3;
    if (!http || host >= public_url.size() || public_url[host] == '/') {
        return Error(ErrorCode::kInvalidArgument,
                     public_url.empty()
                         ? std::string("mail needs the site's public URL for its links: pass "
                                       "--public-url or set PAPERBOY_PUBLIC_URL (e.g. "
                                       "https://papers.example.org)")
                         : "--public-url \"" + public_url +
                               "\": expected http://HOST or https://HOST[:PORT][/PATH]");
    }
    return Status::ok_status();
}

app::MailIdentity mail_identity(const MailFlags& flags, const std::string& public_url,
                                const std::string& site_name) {
    app::MailIdentity identity;
    identity.public_url = public_url;
    while (!identity.public_url.empty() && identity.public_url.back() == '/') {
        identity.public_url.pop_back();
    }
    identity.site_name = site_name;
    auto from = mail::normalize_address(flags.mail_from);
    identity.from.address = from.ok() ? *from : flags.mail_from;
    identity.from.name = flags.mail_from_name.empty() ? site_name : flags.mail_from_name;
    return identity;
}

std::unique_ptr<app::Mailer> make_mailer(const MailFlags& flags,
                                         std::function<void(std::chrono::milliseconds)> sleep) {
    mail::SmtpOptions options;
    options.url = flags.smtp_url;
    options.timeout = std::chrono::seconds(flags.smtp_timeout_s);
    options.connect_timeout = std::min<std::chrono::milliseconds>(
        options.connect_timeout, std::chrono::seconds(flags.smtp_timeout_s));
    options.verbose = flags.smtp_verbose;
    options.ca_file = flags.smtp_ca_file;
    mail::RetryPolicy retry;
    retry.attempts = flags.smtp_attempts;
    retry.first_delay = std::chrono::milliseconds(flags.retry_delay_ms);
    retry.sleep = sleep ? std::move(sleep)
                        : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    return app::make_smtp_mailer(std::move(options), std::move(retry));
}

}  // namespace paperboy::cli
