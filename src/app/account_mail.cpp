#include "app/account_mail.h"

#include "app/auth/crypto.h"
#include "core/timestamp.h"
#include "mail/address.h"
#include "mail/compose.h"

namespace paperboy::app {
namespace {

Error bad_link() {
    return Error(ErrorCode::kNotFound,
                 "this link is not valid: it may have been used already, have expired, or be "
                 "incomplete");
}

std::string hours_text(std::chrono::seconds s) {
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(s).count();
    if (hours >= 1) return std::to_string(hours) + (hours == 1 ? " hour" : " hours");
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(s).count();
    return std::to_string(minutes) + " minutes";
}

}  // namespace

AccountMail::AccountMail(store::Store& store, Mailer* mailer, AccountMailOptions options)
    : store_(store),
      mailer_(mailer),
      options_(std::move(options)),
      passwords_(options_.passwords ? options_.passwords : std::make_shared<auth::PasswordPool>()) {
}

AccountMail::~AccountMail() {
    {
        std::lock_guard lock(queue_mu_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void AccountMail::send_in_background(Outgoing mail) {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(mail));
    if (!worker_.joinable()) worker_ = std::thread([this] { drain(); });
    queue_cv_.notify_one();
}

void AccountMail::drain() {
    std::unique_lock lock(queue_mu_);
    for (;;) {
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued went out
        Outgoing mail = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        // Failures stay silent, as the answer already given was: the member asks again.
        (void)send(mail);
        lock.lock();
    }
}

std::string AccountMail::now_text() const {
    return format_instant(std::chrono::floor<std::chrono::seconds>(options_.now()));
}

Status AccountMail::send_link(const User& user, MailTokenPurpose purpose) {
    if (mailer_ == nullptr) {
        return Error(ErrorCode::kUnavailable,
                     "this instance cannot send mail (no SMTP relay is configured)");
    }
    const auto now = std::chrono::floor<std::chrono::seconds>(options_.now());
    auto recent = store_.mail_tokens_since(user.id, purpose, format_instant(now - options_.window));
    if (!recent.ok()) return recent.error();
    if (*recent >= options_.max_per_account) {
        return Error(ErrorCode::kLimitExceeded,
                     "several mails went to this address within the hour; please use the latest "
                     "one or try again later");
    }
    const bool verify = purpose == MailTokenPurpose::kVerifyEmail;
    const auto lifetime = verify ? options_.verify_lifetime : options_.reset_lifetime;
    const std::string token = auth::random_token();
    if (Status s = store_.add_mail_token(auth::token_digest(token), user.id, purpose,
                                         format_instant(now), format_instant(now + lifetime));
        !s.ok()) {
        return s;
    }
    mail::AccountMailContent content;
    content.site_name = options_.identity.site_name;
    content.handle = user.handle;
    content.url = options_.identity.link((verify ? "/account/verify/" : "/account/reset/") + token);
    content.valid_for = hours_text(lifetime);
    const mail::Bodies bodies =
        verify ? mail::compose_verification(content) : mail::compose_password_reset(content);
    return deliver(user,
                   verify ? "Verify your email address for " + options_.identity.site_name
                          : "Reset your " + options_.identity.site_name + " password",
                   verify ? "verify" : "reset", bodies);
}

Status AccountMail::deliver(const User& user, std::string subject, std::string_view kind,
                            const mail::Bodies& bodies) {
    mail::Message message;
    message.from = options_.identity.from;
    message.to = mail::Mailbox{"", user.email};
    message.subject = std::move(subject);
    message.message_id = new_message_id(options_.identity, kind);
    message.text = bodies.text;
    message.html = bodies.html;
    const mail::RetriedOutcome sent = mailer_->send(message);
    if (!sent.outcome.accepted()) {
        return Error(ErrorCode::kUnavailable,
                     "the mail could not be sent (" + sent.outcome.detail + "); try again later");
    }
    return {};
}

Status AccountMail::send_sign_up_attempt(const User& user) {
    if (mailer_ == nullptr) {
        return Error(ErrorCode::kUnavailable,
                     "this instance cannot send mail (no SMTP relay is configured)");
    }
    // The same limit as a link's, counted in memory (the note makes no token to count), and
    // as silent: whoever signs up cannot tell.
    if (attempt_notes_.take("attempt:" + std::to_string(user.id), options_.max_per_account,
                            options_.window, options_.now()) != 0) {
        return {};
    }
    mail::AccountMailContent content;
    content.site_name = options_.identity.site_name;
    content.handle = user.handle;
    content.url = options_.identity.link("/login");
    return deliver(
        user, "Someone tried to sign up on " + options_.identity.site_name + " with your address",
        "signup", mail::compose_sign_up_attempt(content));
}

Status AccountMail::send(const Outgoing& mail) {
    if (!mail.purpose) return send_sign_up_attempt(mail.user);
    return send_link(mail.user, *mail.purpose);
}

Status AccountMail::send_verification(const User& user) {
    return send_link(user, MailTokenPurpose::kVerifyEmail);
}

Status AccountMail::send_sign_up_mail(const SignUp& sign_up) {
    Outgoing mail{sign_up.user, std::nullopt};
    if (sign_up.outcome == SignUp::Outcome::kCreated) {
        mail.purpose = MailTokenPurpose::kVerifyEmail;
    }
    if (options_.background_sends && mailer_ != nullptr) {
        send_in_background(std::move(mail));
        return {};
    }
    return send(mail);
}

Result<User> AccountMail::verify(std::string_view token) {
    if (token.empty() || token.size() > 100) return bad_link();
    auto user_id = store_.use_mail_token(auth::token_digest(token), MailTokenPurpose::kVerifyEmail,
                                         now_text());
    if (!user_id.ok()) return user_id.error();
    if (!*user_id) return bad_link();
    if (Status s = store_.set_email_verified(**user_id, now_text()); !s.ok()) return s.error();
    auto user = store_.user_by_id(**user_id);
    if (!user.ok()) return user.error();
    if (!*user) return bad_link();
    return std::move(**user);
}

Status AccountMail::check_link(std::string_view token, MailTokenPurpose purpose) {
    if (token.empty() || token.size() > 100) return bad_link();
    auto user_id = store_.mail_token_user(auth::token_digest(token), purpose, now_text());
    if (!user_id.ok()) return user_id.error();
    if (!*user_id) return bad_link();
    return {};
}

Status AccountMail::request_password_reset(std::string_view email, std::string_view client) {
    if (!check_email(email).empty()) {
        return Error(ErrorCode::kInvalidArgument, "that is not an email address");
    }
    if (!client.empty()) {
        if (const int64_t wait =
                requests_.take("reset:" + std::string(client), options_.max_requests_per_address,
                               options_.window, options_.now())) {
            return rate_limited("too many requests from this address", wait);
        }
    }
    auto user = store_.find_user(normalize_email(email));
    if (!user.ok()) return user.error();
    if (!*user) return {};  // silent: no account, no mail, the same answer
    if (options_.background_sends && mailer_ != nullptr) {
        send_in_background(Outgoing{std::move(**user), MailTokenPurpose::kResetPassword});
        return {};
    }
    Status sent = send_link(**user, MailTokenPurpose::kResetPassword);
    // The per-account limit is not reported either: it would tell that the account exists.
    if (!sent.ok() && sent.error().code() == ErrorCode::kLimitExceeded) return {};
    return sent;
}

Result<User> AccountMail::reset_password(std::string_view token, std::string_view new_password) {
    if (token.empty() || token.size() > 100) return bad_link();
    // The password is checked before the token is used up, so a refused one can be retried.
    if (std::string why = check_password(new_password); !why.empty()) {
        return Error(ErrorCode::kInvalidArgument, why);
    }
    auto hash = passwords_->hash(new_password);
    if (!hash.ok()) return hash.error();  // kUnavailable when the pool is full: link unused
    auto user_id = store_.use_mail_token(auth::token_digest(token),
                                         MailTokenPurpose::kResetPassword, now_text());
    if (!user_id.ok()) return user_id.error();
    if (!*user_id) return bad_link();
    auto user = store_.user_by_id(**user_id);
    if (!user.ok()) return user.error();
    if (!*user) return bad_link();
    if (std::string why = check_password(new_password, (*user)->handle, (*user)->email);
        !why.empty()) {
        return Error(ErrorCode::kInvalidArgument, why);
    }
    if (Status s = store_.set_password(**user_id, *hash); !s.ok()) return s.error();
    return std::move(**user);
}

}  // namespace paperboy::app
