#include "app/mailer.h"

#include <mutex>

#include "app/auth/crypto.h"

namespace paperboy::app {
namespace {

class SmtpMailer final : public Mailer {
  public:
    SmtpMailer(mail::SmtpOptions options, mail::RetryPolicy retry)
        : client_(std::move(options)), retry_(std::move(retry)) {}

    mail::RetriedOutcome send(const mail::Message& message) override {
        std::lock_guard lock(mu_);
        return mail::send_with_retry(client_, message, retry_);
    }

  private:
    std::mutex mu_;
    mail::SmtpClient client_;
    mail::RetryPolicy retry_;
};

}  // namespace

std::unique_ptr<Mailer> make_smtp_mailer(mail::SmtpOptions options, mail::RetryPolicy retry) {
    return std::make_unique<SmtpMailer>(std::move(options), std::move(retry));
}

std::string MailIdentity::host() const {
    std::string_view rest = public_url;
    if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
        rest.remove_prefix(scheme + 3);
    }
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (!rest.empty() && rest.front() != '[') rest = rest.substr(0, rest.find(':'));
    return rest.empty() ? std::string("localhost") : std::string(rest);
}

std::string MailIdentity::link(std::string_view path) const {
    std::string out = public_url;
    while (!out.empty() && out.back() == '/') out.pop_back();
    if (path.empty() || path.front() != '/') out += '/';
    out += path;
    return out;
}

std::string new_message_id(const MailIdentity& identity, std::string_view kind) {
    // random_token() is base64url: letters, digits, '-' and '_', all valid in a Message-ID.
    return "<" + std::string(kind) + "." + auth::random_token().substr(0, 22) + "@" +
           identity.host() + ">";
}

}  // namespace paperboy::app
