// app/account_mail.h — the mail of accounts: verifying the address after sign-up, telling an
// address's owner that someone tried to sign up with it, and resetting a forgotten password
// (docs/accounts.md, "Mail").
//
// Links are single-use and expire (verification 48 hours, reset 1 hour): a random token whose
// SHA-256 digest the store keeps (store::Store::use_mail_token makes it work once). A reset sets
// the new password (hashed on the PasswordPool the site's Accounts use) and ends every session
// of the account. Limits: 3 mails of a kind per account an hour, and 10 reset requests from one
// client address an hour (in memory). Neither a reset request nor a sign-up tells whether an
// account has the address: they answer the same either way — and, with `background_sends`, in
// the same time: the mail then goes out from a thread of its own instead of while the request
// waits for the relay.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "app/accounts.h"
#include "app/mailer.h"
#include "core/result.h"
#include "mail/compose.h"
#include "store/store.h"

namespace paperboy::app {

struct AccountMailOptions {
    MailIdentity identity;
    std::chrono::seconds verify_lifetime{std::chrono::hours(48)};
    std::chrono::seconds reset_lifetime{std::chrono::hours(1)};
    int max_per_account = 3;
    int max_requests_per_address = 10;
    std::chrono::seconds window{std::chrono::hours(1)};
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
    // Send the mail whose sending must not show in the answer's timing (resets, the mail after
    // a sign-up) from a background thread (a server); tests keep it inline.
    bool background_sends = false;
    // Where new passwords are hashed (shared with the site's app::Accounts); null: a pool of
    // its own.
    std::shared_ptr<auth::PasswordPool> passwords;
};

class AccountMail {
  public:
    // `mailer` may be null: sending fails with kUnavailable.
    AccountMail(store::Store& store, Mailer* mailer, AccountMailOptions options);
    // Sends what is still queued (background_resets), then returns.
    ~AccountMail();
    AccountMail(const AccountMail&) = delete;
    AccountMail& operator=(const AccountMail&) = delete;

    bool can_send() const { return mailer_ != nullptr; }

    // Sends `user` a link to verify the address. kLimitExceeded past the per-account limit;
    // kUnavailable when the mail could not be sent.
    Status send_verification(const User& user);
    // After a sign-up through the form (Accounts::sign_up_quietly): the verification mail to a
    // new account, or to the owner of an address that was taken a mail saying that someone
    // tried to sign up with it (and how to log in or reset the password). The second is silent
    // past the per-account limit, like a reset. With background_sends the mail is queued and
    // the answer is success; otherwise kUnavailable when it could not be sent.
    Status send_sign_up_mail(const SignUp& sign_up);

    // Marks the address of the token's user verified; the user, or kNotFound for a bad, used
    // or expired link.
    Result<User> verify(std::string_view token);

    // Whether a link would work now, without using it up (the page the link opens shows its
    // form only then). kNotFound for a bad, used or expired link.
    Status check_link(std::string_view token, MailTokenPurpose purpose);

    // Mails a reset link to the account of `email` if there is one; the same success when there
    // is none (nothing tells an asker which addresses have accounts). kLimitExceeded when
    // `client` asked too often; kInvalidArgument for something that is not an address.
    Status request_password_reset(std::string_view email, std::string_view client);
    // Sets `new_password` on the token's account and ends its sessions. kNotFound for a bad,
    // used or expired link; kInvalidArgument for a password the rules refuse (a short or common
    // one before the link is used, so the form can be filled in again; one equal to the handle
    // or the address only after, since the link names the account: a new link is needed then);
    // kUnavailable, the link still unused, when the password hasher is full.
    Result<User> reset_password(std::string_view token, std::string_view new_password);

  private:
    // A mail to send: a link of `purpose`, or (nullopt) the note about a sign-up attempt.
    struct Outgoing {
        User user;
        std::optional<MailTokenPurpose> purpose;
    };
    Status send_link(const User& user, MailTokenPurpose purpose);
    Status send_sign_up_attempt(const User& user);
    // Sends one composed mail to the user's address; kUnavailable when the relay refused it.
    Status deliver(const User& user, std::string subject, std::string_view kind,
                   const mail::Bodies& bodies);
    Status send(const Outgoing& mail);
    std::string now_text() const;
    void send_in_background(Outgoing mail);
    void drain();

    store::Store& store_;
    Mailer* mailer_;
    AccountMailOptions options_;
    std::shared_ptr<auth::PasswordPool> passwords_;
    FailureThrottle requests_;
    FailureThrottle attempt_notes_;  // sign-up attempt mails per account

    std::mutex queue_mu_;
    std::condition_variable queue_cv_;
    std::deque<Outgoing> queue_;  // mails to send (background_sends)
    bool stopping_ = false;
    std::thread worker_;  // started with the first queued mail
};

}  // namespace paperboy::app
