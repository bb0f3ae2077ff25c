#include "app/accounts.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "app/auth/crypto.h"
#include "core/client_address.h"
#include "core/timestamp.h"

namespace paperboy::app {
namespace {

constexpr size_t kMinPassword = 10;
constexpr size_t kMaxPassword = 1024;
constexpr size_t kMaxEmail = 254;

// Common passwords of ten or more characters (shorter ones fail the length rule anyway),
// compared ignoring case: the long end of the lists that credential-stuffing tools try first.
constexpr std::string_view kCommonPasswords[] = {
    "1234567890",    "0987654321",    "12345678910",  "123456789a",   "a123456789",
    "1234567890a",   "qwertyuiop",    "qwerty1234",   "qwerty12345",  "qwerty123456",
    "1q2w3e4r5t",    "1q2w3e4r5t6y",  "1qaz2wsx3edc", "zaq12wsxcde3", "zxcvbnm123",
    "asdfghjkl1",    "asdfghjkl;",    "password12",   "password123",  "password1234",
    "password12345", "password!",     "passw0rd123",  "p@ssw0rd123",  "p@ssword123",
    "iloveyou12",    "iloveyou123",   "princess123",  "sunshine123",  "football123",
    "baseball123",   "superman123",   "michael123",   "welcome123",   "welcome1234",
    "changeme123",   "letmein123",    "trustno1234",  "starwars123",  "dragon1234",
    "monkey12345",   "abc1234567",    "abcdefghij",   "abcdefghijk",  "abcd123456",
    "1111111111",    "0000000000",    "2222222222",   "1212121212",   "1122334455",
    "9876543210",    "11223344556",   "123123123123", "123qweasdzxc", "q1w2e3r4t5",
    "qazwsxedcrfv",  "administrator", "admin12345",   "adminadmin",   "rootroot12",
    "paperboy123",   "paperboy1234",  "computer123",  "internet123",  "whatever123",
    "blink182blink", "samsung123",    "liverpool123", "chelsea123",   "arsenal123",
    "jesus12345",    "qwertyqwerty",
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_handle_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0)
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0)
        s.remove_suffix(1);
    return s;
}

// The instance secret that signs form tokens (store::Store::instance_secret).
constexpr std::string_view kFormSecretName = "form-tokens";

// What a form token signs: its purpose, the pre-session it belongs to and when it expires.
std::string form_message(std::string_view pre_session, int64_t expires) {
    return "anonymous-form\n" + std::string(pre_session) + "\n" + std::to_string(expires);
}

int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string check_handle(std::string_view handle) {
    if (handle.size() < 2 || handle.size() > 32) return "a handle has 2 to 32 characters";
    if (!std::all_of(handle.begin(), handle.end(), is_handle_char)) {
        return "a handle has only letters, digits, '_' and '-'";
    }
    if (std::isalnum(static_cast<unsigned char>(handle.front())) == 0) {
        return "a handle starts with a letter or a digit";
    }
    return {};
}

std::string check_email(std::string_view email) {
    email = trim(email);
    if (email.empty()) return "an email address is needed";
    if (email.size() > kMaxEmail) return "an email address has at most 254 characters";
    for (char c : email) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return "an email address has no spaces or control characters";
    }
    const size_t at = email.find('@');
    if (at == std::string_view::npos || at == 0 ||
        email.find('@', at + 1) != std::string_view::npos) {
        return "an email address looks like name@example.org";
    }
    const std::string_view domain = email.substr(at + 1);
    const size_t dot = domain.find('.');
    if (dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        return "an email address looks like name@example.org";
    }
    return {};
}

std::string normalize_email(std::string_view email) {
    email = trim(email);
    const size_t at = email.rfind('@');
    if (at == std::string_view::npos) return std::string(email);
    return std::string(email.substr(0, at + 1)) + lower(email.substr(at + 1));
}

std::string check_password(std::string_view password, std::string_view handle,
                           std::string_view email) {
    if (password.size() < kMinPassword) return "a password has at least 10 characters";
    if (password.size() > kMaxPassword) return "a password has at most 1024 characters";
    const std::string folded = lower(password);
    if (std::all_of(password.begin(), password.end(),
                    [&](char c) { return c == password.front(); })) {
        return "this password is one character repeated; choose another";
    }
    for (std::string_view common : kCommonPasswords) {
        if (folded == common) return "this password is among the most common ones; choose another";
    }
    if ((!handle.empty() && folded == lower(handle)) ||
        (!email.empty() && folded == lower(trim(email)))) {
        return "a password must not be the handle or the email address";
    }
    return {};
}

int64_t FailureThrottle::retry_after(const std::string& key, int limit, std::chrono::seconds window,
                                     std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mu_);
    auto it = failures_.find(key);
    if (it == failures_.end()) return 0;
    auto& times = it->second;
    while (!times.empty() && times.front() + window <= now) times.pop_front();
    if (times.empty()) {
        failures_.erase(it);
        return 0;
    }
    if (static_cast<int>(times.size()) < limit) return 0;
    // Free again when the oldest failure that keeps the count at the limit leaves the window.
    const auto oldest = times[times.size() - static_cast<size_t>(limit)];
    const auto wait = std::chrono::ceil<std::chrono::seconds>(oldest + window - now).count();
    return std::max<int64_t>(wait, 1);
}

void FailureThrottle::record_failure(const std::string& key,
                                     std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mu_);
    auto& times = failures_[key];
    times.push_back(now);
    if (times.size() > 1000) times.pop_front();  // bounded per key
}

int64_t FailureThrottle::take(const std::string& key, int limit, std::chrono::seconds window,
                              std::chrono::system_clock::time_point now) {
    const int64_t wait = retry_after(key, limit, window, now);
    if (wait == 0) record_failure(key, now);
    return wait;
}

int64_t window_left(std::chrono::system_clock::time_point now, std::chrono::seconds window) {
    const int64_t at =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const int64_t length = std::max<int64_t>(window.count(), 1);
    return std::max<int64_t>(length - at % length, 1);
}

Error rate_limited(std::string_view what, int64_t wait_seconds) {
    return Error(ErrorCode::kLimitExceeded, std::string(what) + "; try again in " +
                                                std::to_string((wait_seconds + 59) / 60) +
                                                " minutes");
}

void FailureThrottle::clear(const std::string& key) {
    std::lock_guard lock(mu_);
    failures_.erase(key);
}

Accounts::Accounts(store::Store& store, AccountsOptions options)
    : store_(store),
      options_(std::move(options)),
      passwords_(options_.passwords ? options_.passwords : std::make_shared<auth::PasswordPool>()),
      login_throttle_(options_.login_throttle) {}

std::string Accounts::now_text() const {
    return format_instant(std::chrono::floor<std::chrono::seconds>(options_.now()));
}

Result<User> Accounts::sign_up(std::string_view handle, std::string_view email,
                               std::string_view password, Role role, std::string_view address) {
    auto done = sign_up_quietly(handle, email, password, role, address);
    if (!done.ok()) return done.error();
    if (done->outcome == SignUp::Outcome::kEmailTaken) {
        return Error(ErrorCode::kAlreadyExists,
                     "the email address " + normalize_email(email) + " is already taken");
    }
    return std::move(done->user);
}

Result<SignUp> Accounts::sign_up_quietly(std::string_view handle, std::string_view email,
                                         std::string_view password, Role role,
                                         std::string_view address) {
    if (!address.empty()) {
        // Every attempt counts (a bad password costs no hash, but a flood of them is still a
        // flood), on every node of the instance: the count is the store's.
        auto attempts = store_.count_hit("signup:" + client_group(address), options_.signup_window,
                                         options_.now());
        if (!attempts.ok()) return attempts.error();
        if (*attempts > options_.max_signups_per_address) {
            return rate_limited("too many sign-ups from your address",
                                window_left(options_.now(), options_.signup_window));
        }
    }
    if (std::string why = check_handle(handle); !why.empty()) {
        return Error(ErrorCode::kInvalidArgument, why);
    }
    if (std::string why = check_email(email); !why.empty()) {
        return Error(ErrorCode::kInvalidArgument, why);
    }
    if (std::string why = check_password(password, handle, email); !why.empty()) {
        return Error(ErrorCode::kInvalidArgument, why);
    }
    // Handles are public (every member's page shows one): a taken one may be said. (A handle
    // has no '@', so this finds no email address.)
    auto named = store_.find_user(handle);
    if (!named.ok()) return named.error();
    if (*named) {
        return Error(ErrorCode::kAlreadyExists,
                     "the handle " + std::string(handle) + " is already taken");
    }
    // Hashed before the address is looked up: a taken address costs the same work.
    auto hash = passwords_->hash(password);
    if (!hash.ok()) return hash.error();
    SignUp done;
    const std::string address_given = normalize_email(email);
    auto owner = store_.find_user(address_given);
    if (!owner.ok()) return owner.error();
    if (*owner) {
        done.outcome = SignUp::Outcome::kEmailTaken;
        done.user = std::move(**owner);
        return done;
    }
    User user;
    user.handle = std::string(handle);
    user.email = address_given;
    user.password_hash = std::move(hash).value();
    user.role = role;
    auto created = store_.create_user(user);
    if (!created.ok()) {
        // Another sign-up took the address meanwhile: the same outcome as above.
        if (created.error().code() == ErrorCode::kAlreadyExists) {
            auto raced = store_.find_user(address_given);
            if (raced.ok() && *raced) {
                done.outcome = SignUp::Outcome::kEmailTaken;
                done.user = std::move(**raced);
                return done;
            }
        }
        return created.error();
    }
    done.user = std::move(created).value();
    return done;
}

Result<LogIn> Accounts::log_in(std::string_view handle_or_email, std::string_view password,
                               std::string_view address) {
    // An unknown account is checked against this hash (of a random password nobody kept), so it
    // costs the same work as a known one and timing does not tell which accounts exist.
    static constexpr std::string_view kNoAccountHash =
        "$argon2id$v=19$m=65536,t=2,p=1$gxXq9Jifq14fR1G0jUtyhA$"
        "HZYuohv6gqK9Wx6t8vOzy8dn+7IBkEzK8YQdHrC6VTg";
    const auto now = options_.now();
    // The account as the visitor named it. (Not its id: were an account's handle and address
    // one key, the throttle would tell which address belongs to which handle.)
    const std::string account = lower(trim(handle_or_email));
    LogIn result;
    // First what every node has counted (the store's windows), then this node's own delays.
    const LoginThrottleOptions& limits = options_.login_throttle;
    const std::string group = client_group(address);
    const std::string pair_key = "login.pair:" + group + " " + account.substr(0, 320);
    const std::string address_key = "login.address:" + group;
    auto pair_failures = store_.count_hit(pair_key, limits.forget_after, now, 0);
    if (!pair_failures.ok()) return pair_failures.error();
    auto address_failures = store_.count_hit(address_key, limits.address_window, now, 0);
    if (!address_failures.ok()) return address_failures.error();
    if (*pair_failures >= options_.shared_pair_failures ||
        *address_failures >= limits.max_failures_per_address) {
        result.outcome = LogIn::Outcome::kThrottled;
        result.retry_after_seconds = *pair_failures >= options_.shared_pair_failures
                                         ? window_left(now, limits.forget_after)
                                         : window_left(now, limits.address_window);
        return result;
    }
    if (const int64_t wait = login_throttle_.begin(account, address, now)) {
        result.outcome = LogIn::Outcome::kThrottled;
        result.retry_after_seconds = wait;
        return result;
    }
    auto user = store_.find_user(trim(handle_or_email));
    if (!user.ok()) {
        login_throttle_.withdrawn(account, address, now);
        return user.error();
    }
    auto matches = passwords_->verify(*user ? (*user)->password_hash : kNoAccountHash, password);
    if (!matches.ok()) {
        login_throttle_.withdrawn(account, address, now);
        result.outcome = LogIn::Outcome::kBusy;
        result.retry_after_seconds = kPasswordsBusyRetrySeconds;
        return result;
    }
    if (!*user || !*matches) {
        // Counted on this node since begin(); for every node now.
        auto counted = store_.count_hit(pair_key, limits.forget_after, now);
        if (counted.ok()) counted = store_.count_hit(address_key, limits.address_window, now);
        if (!counted.ok()) return counted.error();
        result.outcome = LogIn::Outcome::kWrongCredentials;
        return result;
    }
    login_throttle_.succeeded(account, address, now);
    auto token = open_session(**user);
    if (!token.ok()) return token.error();
    result.outcome = LogIn::Outcome::kOk;
    result.user = std::move(*user);
    result.session_token = std::move(token).value();
    return result;
}

Result<std::string> Accounts::open_session(const User& user) {
    std::string token = auth::random_token();
    const auto expires =
        std::chrono::floor<std::chrono::seconds>(options_.now() + options_.session_lifetime);
    PAPERBOY_RETURN_IF_ERROR(
        store_.add_session(auth::token_digest(token), user.id, format_instant(expires)));
    return token;
}

Result<std::optional<User>> Accounts::session_user(std::string_view session_token) {
    if (session_token.empty() || session_token.size() > 128) return std::optional<User>();
    return store_.session_user(auth::token_digest(session_token), now_text());
}

Status Accounts::log_out(std::string_view session_token) {
    if (session_token.empty() || session_token.size() > 128) return Status::ok_status();
    return store_.remove_session(auth::token_digest(session_token));
}

Status Accounts::log_out_everywhere(int64_t user_id) { return store_.remove_sessions(user_id); }

Result<std::string> Accounts::create_api_token(int64_t user_id, std::string_view name) {
    std::string token = auth::random_token();
    auto id = store_.add_api_token(user_id, auth::token_digest(token), name);
    if (!id.ok()) return id.error();
    return token;
}

Result<std::optional<User>> Accounts::bearer_user(std::string_view api_token) {
    if (api_token.empty() || api_token.size() > 128) return std::optional<User>();
    return store_.api_token_user(auth::token_digest(api_token), now_text());
}

Result<std::vector<ApiTokenInfo>> Accounts::api_tokens(int64_t user_id) {
    return store_.api_tokens(user_id);
}

Result<bool> Accounts::revoke_api_token(int64_t user_id, int64_t token_id) {
    return store_.revoke_api_token(user_id, token_id);
}

Result<std::optional<User>> Accounts::find_user(std::string_view handle_or_email) {
    return store_.find_user(handle_or_email);
}

Status Accounts::set_role(int64_t user_id, Role role) { return store_.set_role(user_id, role); }

Result<std::string> Accounts::form_secret() {
    std::lock_guard lock(secret_mu_);
    if (form_secret_.empty()) {
        auto value = store_.instance_secret(kFormSecretName, auth::random_token());
        if (!value.ok()) return value.error();
        form_secret_ = std::move(*value);
    }
    return form_secret_;
}

Result<std::string> Accounts::form_token(std::string_view pre_session) {
    auto key = form_secret();
    if (!key.ok()) return key.error();
    const int64_t expires = unix_seconds(options_.now() + options_.form_token_lifetime);
    return std::to_string(expires) + "." + auth::sign(*key, form_message(pre_session, expires));
}

Result<bool> Accounts::form_token_valid(std::string_view pre_session, std::string_view token) {
    const size_t dot = token.find('.');
    if (pre_session.empty() || dot == std::string_view::npos || dot == 0 || dot > 20) {
        return false;
    }
    int64_t expires = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + dot, expires);
    if (ec != std::errc() || end != token.data() + dot) return false;
    if (expires <= unix_seconds(options_.now())) return false;
    auto key = form_secret();
    if (!key.ok()) return key.error();
    return auth::verify_signature(*key, form_message(pre_session, expires), token.substr(dot + 1));
}

}  // namespace paperboy::app
