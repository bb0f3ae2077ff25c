// app/accounts.h — sign-up, log-in, sessions, API tokens and the rules around them.
//
// Accounts is the one place that decides who someone is: the web layer hands it what a
// request carries (a session cookie's token, a Bearer token, a form's handle and password) and
// gets a store::User or a refusal back. Rules (docs/accounts.md):
//  - handles: 2-32 of [A-Za-z0-9_-], starting with a letter or digit; unique ignoring case;
//  - email addresses: one '@', a dot in the domain, no spaces or controls, at most 254 bytes;
//    kept as given but for the domain, which is lower-cased;
//  - passwords: 10 to 1024 bytes, not one of the common passwords (a built-in list), not the
//    handle or the email address;
//  - sessions: a random 256-bit token; only its digest is stored; 30 days by default;
//  - log-in throttling: after 5 failures in 15 minutes for one account, or 20 from one
//    address, further attempts are refused with the seconds to wait, even with the right
//    password (so guessing cannot continue at full speed); a success clears the account's count;
//  - sign-up throttling: at most 5 attempts an hour from one address.
// Thread-safe: the throttle has its own mutex, everything else is the store's.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace paperboy::app {

struct AccountsOptions {
    std::chrono::seconds session_lifetime{std::chrono::hours(24 * 30)};
    int max_failures_per_account = 5;
    int max_failures_per_address = 20;
    std::chrono::seconds failure_window{std::chrono::minutes(15)};
    // Sign-ups from one client address (each costs an argon2 hash of 64 MiB).
    int max_signups_per_address = 5;
    std::chrono::seconds signup_window{std::chrono::hours(1)};
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

struct LogIn {
    enum class Outcome { kOk, kWrongCredentials, kThrottled };
    Outcome outcome = Outcome::kWrongCredentials;
    std::optional<store::User> user;
    std::string session_token;        // kOk: the new session's token, for the cookie
    int64_t retry_after_seconds = 0;  // kThrottled
};

class Accounts {
  public:
    explicit Accounts(store::Store& store, AccountsOptions options = {});

    // A new account. kInvalidArgument with the reason for a bad handle, email or password;
    // kAlreadyExists when the handle or email is taken; kLimitExceeded when `address` (the
    // client's, when the request came over the network) has made max_signups_per_address
    // accounts within signup_window.
    Result<store::User> sign_up(std::string_view handle, std::string_view email,
                                std::string_view password, store::Role role = store::Role::kMember,
                                std::string_view address = {});

    // Checks the password and opens a new session (a fresh token every time: no fixation).
    // `address` is the client's, for throttling.
    Result<LogIn> log_in(std::string_view handle_or_email, std::string_view password,
                         std::string_view address);

    // The user of a live session, or nullopt (unknown, expired, logged out).
    Result<std::optional<store::User>> session_user(std::string_view session_token);
    Status log_out(std::string_view session_token);
    Status log_out_everywhere(int64_t user_id);

    // A new API token for the user (shown once); `name` labels it on the settings page.
    Result<std::string> create_api_token(int64_t user_id, std::string_view name);
    Result<std::optional<store::User>> bearer_user(std::string_view api_token);

    store::Store& store() { return store_; }

  private:
    std::string now_text() const;

    store::Store& store_;
    AccountsOptions options_;
    FailureThrottle throttle_;
};

}  // namespace paperboy::app
