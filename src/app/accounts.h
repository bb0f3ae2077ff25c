// app/accounts.h — sign-up, log-in, sessions, API tokens and the rules around them.
//
// Accounts is the one place that decides who someone is: the web layer hands it what a
// request carries (a session cookie's token, a Bearer token, a form's handle and password) and
// gets a User or a refusal back. Rules (docs/accounts.md):
//  - handles: 2-32 of [A-Za-z0-9_-], starting with a letter or digit; unique ignoring case;
//  - email addresses: one '@', a dot in the domain, no spaces or controls, at most 254 bytes;
//    kept as given but for the domain, which is lower-cased;
//  - passwords: 10 to 1024 bytes, not one of the common passwords (a built-in list), not the
//    handle or the email address; hashed and checked on a PasswordPool (auth/password_pool.h),
//    which refuses at once when it is full (kUnavailable, LogIn::Outcome::kBusy);
//  - sessions: a random 256-bit token; only its digest is stored; 30 days by default;
//  - log-in throttling (accounts_throttle.h): per account and client address together, with
//    waits that double after a few failures, and per address over all accounts; an attempt that
//    must wait is refused with the seconds to wait, even with the right password;
//  - sign-up throttling: at most 5 attempts an hour from one address;
//  - the forms shown before there is a session carry a token signed with an instance secret
//    (form_token()).
// Thread-safe: the throttles and the pool have their own locks, everything else is the store's.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/accounts_throttle.h"
#include "app/auth/password_pool.h"
#include "core/result.h"
#include "store/store.h"

namespace paperboy::app {

struct AccountsOptions {
    std::chrono::seconds session_lifetime{std::chrono::hours(24 * 30)};
    LoginThrottleOptions login_throttle;
    // Across every node of the instance (counted in the store, store/coordination.h): an
    // (account, address) pair may fail this many times per login_throttle.forget_after window,
    // and an address login_throttle.max_failures_per_address times per address_window. Within
    // one node the LoginThrottle's growing delays apply first.
    int shared_pair_failures = 20;
    // Sign-ups from one client address (each costs an argon2 hash of 64 MiB).
    int max_signups_per_address = 5;
    std::chrono::seconds signup_window{std::chrono::hours(1)};
    // Where passwords are hashed and checked; null: a pool of the Accounts' own (default
    // options). A site shares one with app::AccountMail.
    std::shared_ptr<auth::PasswordPool> passwords;
    // How long a form token (form_token()) is accepted.
    std::chrono::seconds form_token_lifetime{std::chrono::hours(2)};
    // The clock, for tests.
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
};

// Why a value is refused: empty when it is acceptable.
std::string check_handle(std::string_view handle);
std::string check_email(std::string_view email);
std::string check_password(std::string_view password, std::string_view handle = {},
                           std::string_view email = {});
// The email address as stored: trimmed, domain lower-cased.
std::string normalize_email(std::string_view email);

// Sliding-window failure counts per key, in memory (per process).
class FailureThrottle {
  public:
    // Seconds until `key` may try again, or 0 when it may now.
    int64_t retry_after(const std::string& key, int limit, std::chrono::seconds window,
                        std::chrono::system_clock::time_point now);
    void record_failure(const std::string& key, std::chrono::system_clock::time_point now);
    // Counts an attempt of `key` when it is within `limit` per `window`: 0 then; otherwise the
    // seconds until it may try again, and nothing is counted. (Attempts, not failures: for
    // limits on requests.)
    int64_t take(const std::string& key, int limit, std::chrono::seconds window,
                 std::chrono::system_clock::time_point now);
    void clear(const std::string& key);

  private:
    std::mutex mu_;
    std::map<std::string, std::deque<std::chrono::system_clock::time_point>> failures_;
};

// kLimitExceeded for `what` ("too many sign-ups from your address"), saying how long to wait.
Error rate_limited(std::string_view what, int64_t wait_seconds);
// Seconds from `now` to the end of its fixed window of length `window` (the store's shared
// counters start windows at multiples of `window` since the Unix epoch), at least 1.
int64_t window_left(std::chrono::system_clock::time_point now, std::chrono::seconds window);

struct LogIn {
    // kBusy: the password hasher is full; nothing was checked or counted.
    enum class Outcome { kOk, kWrongCredentials, kThrottled, kBusy };
    Outcome outcome = Outcome::kWrongCredentials;
    std::optional<User> user;
    std::string session_token;        // kOk: the new session's token, for the cookie
    int64_t retry_after_seconds = 0;  // kThrottled, kBusy
};

// What sign_up_quietly() did.
struct SignUp {
    // kCreated: `user` is the new account. kEmailTaken: no account was made; `user` is the
    // account that has the address, whose owner may be told.
    enum class Outcome { kCreated, kEmailTaken };
    Outcome outcome = Outcome::kCreated;
    User user;
};

// Seconds a client is asked to wait (Retry-After) when the password hasher is full.
inline constexpr int64_t kPasswordsBusyRetrySeconds = 1;

class Accounts {
  public:
    explicit Accounts(store::Store& store, AccountsOptions options = {});

    // A new account. kInvalidArgument with the reason for a bad handle, email or password;
    // kAlreadyExists when the handle or email is taken; kLimitExceeded when `address` (the
    // client's, when the request came over the network) has made max_signups_per_address
    // attempts within signup_window; kUnavailable when the password hasher is full.
    Result<User> sign_up(std::string_view handle, std::string_view email, std::string_view password,
                         Role role = Role::kMember, std::string_view address = {});
    // As sign_up(), but an email address another account has is no error: the outcome says so
    // (after the same work as a new account, the password's hash included), so that the
    // sign-up form can answer as it does for a new account and tell the address's owner instead.
    // A taken handle is still kAlreadyExists (handles are public).
    Result<SignUp> sign_up_quietly(std::string_view handle, std::string_view email,
                                   std::string_view password, Role role = Role::kMember,
                                   std::string_view address = {});

    // Checks the password and opens a new session (a fresh token every time: no fixation).
    // `address` is the client's, for throttling.
    Result<LogIn> log_in(std::string_view handle_or_email, std::string_view password,
                         std::string_view address);
    // Opens a new session for `user` without a password (right after sign-up); its token.
    Result<std::string> open_session(const User& user);

    // The user of a live session, or nullopt (unknown, expired, logged out).
    Result<std::optional<User>> session_user(std::string_view session_token);
    Status log_out(std::string_view session_token);
    Status log_out_everywhere(int64_t user_id);

    // A new API token for the user (shown once); `name` labels it on the settings page.
    Result<std::string> create_api_token(int64_t user_id, std::string_view name);
    Result<std::optional<User>> bearer_user(std::string_view api_token);
    // The user's API tokens (never their secrets), and revoking one of them (false when the
    // user has no such token).
    Result<std::vector<ApiTokenInfo>> api_tokens(int64_t user_id);
    Result<bool> revoke_api_token(int64_t user_id, int64_t token_id);

    // The member whose handle or email is `handle_or_email` (case-insensitively), or nullopt.
    Result<std::optional<User>> find_user(std::string_view handle_or_email);
    // Gives a member another role (the `user role` command; an instance's operator).
    Status set_role(int64_t user_id, Role role);

    // The CSRF token of the forms a visitor without a session sends (log in, sign up, a
    // forgotten password), bound to `pre_session` (the random value of the visitor's pre-session
    // cookie): "<expiry>.<HMAC-SHA-256 under an instance secret of the pre-session and the
    // expiry>", valid for form_token_lifetime. A token the client made up, or one issued for
    // another pre-session, is refused by form_token_valid(); so is an expired one.
    Result<std::string> form_token(std::string_view pre_session);
    Result<bool> form_token_valid(std::string_view pre_session, std::string_view token);

  private:
    std::string now_text() const;
    Result<std::string> form_secret();

    store::Store& store_;
    AccountsOptions options_;
    std::shared_ptr<auth::PasswordPool> passwords_;
    LoginThrottle login_throttle_;
    std::mutex secret_mu_;
    std::string form_secret_;  // loaded from the store on first use
};

}  // namespace paperboy::app
