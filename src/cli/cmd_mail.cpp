// paperboy mail test: one message through the configured relay, to check the mail settings
// before subscribers depend on them.
#include <chrono>
#include <cstdio>
#include <string>

#include "app/mailer.h"
#include "cli/common.h"
#include "cli/mail_setup.h"
#include "core/timestamp.h"
#include "mail/address.h"
#include "mail/smtp.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string to;
    MailFlags mail;
    std::string public_url;
    std::string site_name = "Daily Papers";
};

int run_mail_test(const Options& opts) {
    auto to = mail::normalize_address(opts.to);
    if (!to.ok()) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "--to \"" + opts.to + "\": " + to.error().message()));
    }
    Status checked = check_mail_flags(opts.mail);
    if (checked.ok() && !opts.public_url.empty()) checked = check_public_url(opts.public_url);
    if (!checked.ok()) return fail(checked.error());

    const app::MailIdentity identity = mail_identity(opts.mail, opts.public_url, opts.site_name);
    const std::string relay = mail::redact_smtp_url(opts.mail.smtp_url);
    mail::Message message;
    message.from = identity.from;
    message.to = mail::Mailbox{"", *to};
    message.subject = "[" + identity.site_name + "] Test message";
    message.message_id = app::new_message_id(identity, "test");
    message.text = "This is a test message from " + identity.site_name + " (Paperboy), sent at " +
                   now_timestamp() + " through " + relay + ".\n\n" +
                   "If you can read it, the mail settings work: digests, subscription "
                   "confirmations and account mail will be delivered the same way.\n";
    if (!identity.public_url.empty()) message.text += "\n" + identity.public_url + "\n";

    auto mailer = make_mailer(opts.mail);
    const auto started = std::chrono::steady_clock::now();
    const mail::RetriedOutcome sent = mailer->send(message);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!sent.outcome.accepted()) {
        const bool transient = sent.outcome.kind == mail::SendOutcome::Kind::kTransient;
        return fail(
            Error(ErrorCode::kUnavailable,
                  std::string(transient ? "the relay " + relay + " failed (temporarily, after " +
                                              std::to_string(sent.attempts) + " attempts): "
                                        : "the relay " + relay + " refused the message: ") +
                      sent.outcome.detail));
    }
    std::printf("sent a test message to %s through %s in %.2f s (Message-ID %s)\n", to->c_str(),
                relay.c_str(), seconds, message.message_id.c_str());
    return kExitOk;
}

}  // namespace

void add_mail_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* mail_cmd = app.add_subcommand("mail", "Check the mail settings");
    mail_cmd->require_subcommand(1);
    CLI::App* test =
        mail_cmd->add_subcommand("test", "Send one test message through the configured relay");
    test->add_option("--to", opts->to, "Where to send it")->required();
    add_mail_options(test, opts->mail);
    test->add_option("--public-url", opts->public_url, "The site's public base URL (optional)")
        ->envname("PAPERBOY_PUBLIC_URL");
    test->add_option("--site-name", opts->site_name, "The site's name in the mail")
        ->envname("PAPERBOY_SITE_NAME")
        ->capture_default_str();
    test->footer(
        "Exit status: 0 when the relay accepted the message, 1 when it refused it or could not\n"
        "be reached (the message says what it answered), 2 for bad flags.\n\n"
        "Example:\n"
        "  PAPERBOY_SMTP_URL=smtp+starttls://user:secret@mail.example.org:587 \\\n"
        "    paperboy mail test --mail-from papers@example.org --to you@example.org");
    test->callback([opts, &action] { action = [opts] { return run_mail_test(*opts); }; });
}

}  // namespace paperboy::cli
