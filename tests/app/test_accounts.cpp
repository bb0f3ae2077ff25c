// app::Accounts and app/auth: the rules for handles, addresses and passwords, password hashes
// and the pool that makes them, tokens, sessions, log-in throttling, form tokens and API tokens,
// over a real (in-memory) store, with the clock pinned.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "app/accounts.h"
#include "app/accounts_throttle.h"
#include "app/auth/crypto.h"
#include "app/auth/password_pool.h"
#include "support/gate.h"

namespace paperboy::app {
namespace {

using namespace std::chrono_literals;

TEST(AuthCrypto, TokensAre256RandomBitsInBase64Url) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string token = auth::random_token();
        ASSERT_EQ(token.size(), 43u);
        for (char c : token) {
            EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
        }
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(AuthCrypto, DigestIsSha256InHex) {
    EXPECT_EQ(auth::token_digest("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(auth::token_digest(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AuthCrypto, PasswordHashesAreArgon2idSaltedAndVerify) {
    auto a = auth::hash_password("correct horse battery");
    auto b = auth::hash_password("correct horse battery");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(a->starts_with("$argon2id$")) << *a;
    EXPECT_NE(*a, *b);  // salted
    EXPECT_TRUE(auth::verify_password(*a, "correct horse battery"));
    EXPECT_FALSE(auth::verify_password(*a, "correct horse batterY"));
    EXPECT_FALSE(auth::verify_password(*a, ""));
    EXPECT_FALSE(auth::verify_password("not a hash", "correct horse battery"));
    EXPECT_FALSE(auth::verify_password(std::string(500, '$'), "x"));
}

TEST(AuthCrypto, ConstantTimeEquality) {
    EXPECT_TRUE(auth::equal_constant_time("abc", "abc"));
    EXPECT_TRUE(auth::equal_constant_time("", ""));
    EXPECT_FALSE(auth::equal_constant_time("abc", "abd"));
    EXPECT_FALSE(auth::equal_constant_time("abc", "abcd"));
}

// ---- the password pool ----

using paperboy::testing::Gate;

// Waits (at most a minute) until `pool` holds `n` callers.
bool holds(auth::PasswordPool& pool, size_t n) {
    for (int i = 0; i < 60000 && pool.pending() < n; ++i) std::this_thread::sleep_for(1ms);
    return pool.pending() == n;
}

TEST(PasswordPool, HashesAndChecksOnThreadsOfItsOwn) {
    std::mutex mu;
    std::set<std::thread::id> threads;
    auth::PasswordPoolOptions options;
    options.workers = 2;
    options.before_job = [&] {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
    };
    auth::PasswordPool pool(options);
    EXPECT_EQ(pool.max_pending(), 8u) << "4 per worker by default";
    auto hash = pool.hash("correct horse battery");
    ASSERT_TRUE(hash.ok()) << hash.error().message();
    EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
    auto right = pool.verify(*hash, "correct horse battery");
    auto wrong = pool.verify(*hash, "correct horse batterY");
    ASSERT_TRUE(right.ok() && wrong.ok());
    EXPECT_TRUE(*right);
    EXPECT_FALSE(*wrong);
    EXPECT_FALSE(threads.empty());
    EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
    EXPECT_EQ(pool.pending(), 0u);
}

TEST(PasswordPool, RefusesAtOnceWhenFullAndTakesCallersAgainAfter) {
    Gate gate;
    auth::PasswordPoolOptions options;
    options.workers = 1;
    options.max_pending = 2;
    options.before_job = [&] { gate.pass(); };
    auth::PasswordPool pool(options);
    const std::string hash = auth::hash_password("correct horse battery").value();

    // One caller runs (held at the gate), one waits in the queue: the pool is full.
    std::vector<std::future<Result<bool>>> admitted;
    for (int i = 0; i < 2; ++i) {
        admitted.push_back(std::async(std::launch::async,
                                      [&] { return pool.verify(hash, "correct horse battery"); }));
    }
    ASSERT_TRUE(gate.arrived(1));
    ASSERT_TRUE(holds(pool, 2));
    auto refused = pool.verify(hash, "correct horse battery");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
    auto refused_hash = pool.hash("another passphrase");
    ASSERT_FALSE(refused_hash.ok());
    EXPECT_EQ(refused_hash.error().code(), ErrorCode::kUnavailable);

    gate.open();
    for (auto& caller : admitted) {
        auto matches = caller.get();
        ASSERT_TRUE(matches.ok());
        EXPECT_TRUE(*matches);
    }
    EXPECT_EQ(pool.pending(), 0u);
    EXPECT_TRUE(pool.verify(hash, "correct horse battery").ok());
}

// ---- the log-in throttle ----

TEST(LoginThrottle, AttemptsCountFromTheirStartUnlessTakenBack) {
    LoginThrottle throttle;
    const auto t = std::chrono::system_clock::time_point() + 1000h;
    // Attempts the hasher refused never happened.
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(throttle.begin("ada", "10.0.0.1", t), 0) << i;
        throttle.withdrawn("ada", "10.0.0.1", t);
    }
    // Three at once, none finished: a fourth cannot slip through with them.
    for (int i = 0; i < 3; ++i) ASSERT_EQ(throttle.begin("ada", "10.0.0.1", t), 0) << i;
    EXPECT_EQ(throttle.begin("ada", "10.0.0.1", t), 1);
    // One of them had the right password: the pair starts afresh.
    throttle.succeeded("ada", "10.0.0.1", t);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(throttle.begin("ada", "10.0.0.1", t), 0) << i;
    EXPECT_EQ(throttle.begin("ada", "10.0.0.1", t), 1);
}

TEST(LoginThrottle, StaysBoundedUnderAFloodOfAddresses) {
    LoginThrottleOptions options;
    options.max_entries = 100;
    LoginThrottle throttle(options);
    const auto t = std::chrono::system_clock::time_point() + 1000h;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(throttle.begin("ada", "10.0.0.1", t), 0);
    ASSERT_EQ(throttle.begin("ada", "10.0.0.1", t + 100ms), 1);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(throttle.begin(
                      "ada", "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250),
                      t + 200ms),
                  0);
    }
    // The oldest entries went to make room: the first address is forgotten.
    EXPECT_EQ(throttle.begin("ada", "10.0.0.1", t + 300ms), 0);
}

TEST(AccountRules, Handles) {
    for (const char* ok :
         {"ada", "Ada_Lovelace", "a1", "x-y", "0xdeadbeef", "abcdefghijklmnopqrstuvwxyz012345"}) {
        EXPECT_EQ(check_handle(ok), "") << ok;
    }
    for (const char* bad : {"", "a", "_ada", "-ada", "ada lovelace", "ada@home", "ada<script>",
                            "\"><img src=x onerror=alert(1)>", "abcdefghijklmnopqrstuvwxyz0123456",
                            "ad\xC3\xA1", "ada\n", "admin'--"}) {
        EXPECT_NE(check_handle(bad), "") << bad;
    }
}

TEST(AccountRules, EmailAddresses) {
    for (const char* ok : {"ada@example.org", "a.b+c@mail.example.co.uk", " ada@example.org "}) {
        EXPECT_EQ(check_email(ok), "") << ok;
    }
    for (const char* bad : {"", "ada", "@example.org", "ada@", "ada@example", "ada@@example.org",
                            "a@b@example.org", "ada@example..org", "ada@example.org.",
                            "ada lovelace@example.org", "ada@exa\nmple.org"}) {
        EXPECT_NE(check_email(bad), "") << bad;
    }
    EXPECT_NE(check_email(std::string(250, 'a') + "@example.org"), "");
    EXPECT_EQ(normalize_email("  Ada.L@Example.ORG "), "Ada.L@example.org");
}

TEST(AccountRules, Passwords) {
    EXPECT_EQ(check_password("correct horse battery"), "");
    EXPECT_NE(check_password("short"), "");
    EXPECT_NE(check_password("123456789"), "");     // 9 characters
    EXPECT_NE(check_password("1234567890"), "");    // common
    EXPECT_NE(check_password("Password123"), "");   // common, ignoring case
    EXPECT_NE(check_password("aaaaaaaaaaaa"), "");  // one character repeated
    EXPECT_NE(check_password(std::string(1025, 'x') + "y"), "");
    EXPECT_NE(check_password("ada_lovelace", "Ada_Lovelace"), "");
    EXPECT_NE(check_password("ada@example.org", "ada", "ada@example.org"), "");
}

class AccountsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store("sqlite::memory:");
        ASSERT_TRUE(opened.ok());
        store_ = std::move(opened).value();
        AccountsOptions options;
        options.now = [this] { return now_; };
        accounts_ = std::make_unique<Accounts>(*store_, options);
    }

    std::chrono::system_clock::time_point now_ =
        std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + 10h;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Accounts> accounts_;
};

TEST_F(AccountsTest, SignUpRefusesBadInputWithTheReason) {
    auto r = accounts_->sign_up("a", "ada@example.org", "correct horse battery");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("handle"), std::string::npos);
    r = accounts_->sign_up("ada", "ada@example.org", "password123");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("common"), std::string::npos);
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    r = accounts_->sign_up("Ada", "other@example.org", "correct horse battery");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(AccountsTest, LogInOpensANewSessionEachTimeAndLogOutEndsIt) {
    auto user = accounts_->sign_up("ada", "Ada@Example.org", "correct horse battery");
    ASSERT_TRUE(user.ok()) << user.error().message();
    EXPECT_NE(user->password_hash.find("$argon2id$"), std::string::npos);
    EXPECT_EQ(user->email, "Ada@example.org");

    auto first = accounts_->log_in("ada", "correct horse battery", "127.0.0.1");
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->outcome, LogIn::Outcome::kOk);
    auto second = accounts_->log_in("ADA@example.ORG", "correct horse battery", "127.0.0.1");
    ASSERT_EQ(second->outcome, LogIn::Outcome::kOk);
    EXPECT_NE(first->session_token, second->session_token);

    auto who = accounts_->session_user(first->session_token);
    ASSERT_TRUE(who.ok() && who->has_value());
    EXPECT_EQ((*who)->handle, "ada");
    ASSERT_TRUE(accounts_->log_out(first->session_token).ok());
    EXPECT_FALSE(accounts_->session_user(first->session_token)->has_value());
    EXPECT_TRUE(accounts_->session_user(second->session_token)->has_value());

    ASSERT_TRUE(accounts_->log_out_everywhere(user->id).ok());
    EXPECT_FALSE(accounts_->session_user(second->session_token)->has_value());
    EXPECT_FALSE(accounts_->session_user("")->has_value());
    EXPECT_FALSE(accounts_->session_user(std::string(1000, 'x'))->has_value());
}

TEST_F(AccountsTest, SessionsExpire) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    auto login = accounts_->log_in("ada", "correct horse battery", "127.0.0.1");
    ASSERT_EQ(login->outcome, LogIn::Outcome::kOk);
    now_ += 24h * 29;
    EXPECT_TRUE(accounts_->session_user(login->session_token)->has_value());
    now_ += 24h * 2;
    EXPECT_FALSE(accounts_->session_user(login->session_token)->has_value());
}

TEST_F(AccountsTest, StrangersCannotLockTheOwnerOut) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    // Sixty wrong passwords from ten addresses: each is slowed down after three.
    int throttled = 0;
    for (int address = 0; address < 10; ++address) {
        for (int i = 0; i < 6; ++i) {
            const auto outcome =
                accounts_->log_in("ada", "wrong password", "203.0.113." + std::to_string(address))
                    ->outcome;
            EXPECT_EQ(outcome,
                      i < 3 ? LogIn::Outcome::kWrongCredentials : LogIn::Outcome::kThrottled)
                << address << " " << i;
            throttled += outcome == LogIn::Outcome::kThrottled;
        }
    }
    EXPECT_EQ(throttled, 30);
    // The owner, from their own address, logs in at once, by handle or by address.
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "192.0.2.1")->outcome,
              LogIn::Outcome::kOk);
    EXPECT_EQ(accounts_->log_in("ada@example.org", "correct horse battery", "192.0.2.1")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, FailuresOfOneAccountFromOneAddressWaitTwiceAsLongEachTime) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->outcome,
                  LogIn::Outcome::kWrongCredentials);
    }
    for (const int64_t wait : {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900}) {
        // Even the right password waits; the refusal itself is not counted.
        auto refused = accounts_->log_in("ada", "correct horse battery", "10.0.0.2");
        ASSERT_EQ(refused->outcome, LogIn::Outcome::kThrottled) << wait;
        EXPECT_EQ(refused->retry_after_seconds, wait);
        now_ += std::chrono::seconds(wait - 1);
        EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->retry_after_seconds, 1);
        now_ += 1s;
        EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->outcome,
                  LogIn::Outcome::kWrongCredentials);
    }
    now_ += 900s;
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.2")->outcome,
              LogIn::Outcome::kOk);
    // A success starts the pair afresh.
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->outcome,
                  LogIn::Outcome::kWrongCredentials);
    }
    EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->retry_after_seconds, 1);
    // And a pair left alone for an hour is forgotten.
    now_ += 1h;
    EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->outcome,
              LogIn::Outcome::kWrongCredentials);
}

TEST_F(AccountsTest, OneAddressCannotTryManyAccounts) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    EXPECT_EQ(accounts_->log_in("nobody", "whatever it is", "10.0.0.1")->outcome,
              LogIn::Outcome::kWrongCredentials);
    // 20 failures over 20 accounts from one address.
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(
            accounts_->log_in("user" + std::to_string(i), "wrong password", "10.0.0.9")->outcome,
            LogIn::Outcome::kWrongCredentials);
    }
    auto throttled = accounts_->log_in("ada", "correct horse battery", "10.0.0.9");
    ASSERT_EQ(throttled->outcome, LogIn::Outcome::kThrottled);
    EXPECT_EQ(throttled->retry_after_seconds, 15 * 60);
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.10")->outcome,
              LogIn::Outcome::kOk);
    now_ += 15min;
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.9")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, AnIpv6ClientCountsByItsSlash64) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    for (int i = 0; i < 20; ++i) {
        const std::string address = "2001:db8:1:2::" + std::to_string(i + 1);
        EXPECT_EQ(accounts_->log_in("user" + std::to_string(i), "wrong password", address)->outcome,
                  LogIn::Outcome::kWrongCredentials);
    }
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "2001:db8:1:2:ffff::1")->outcome,
              LogIn::Outcome::kThrottled);
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "2001:db8:1:3::1")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, ALogInTheHasherRefusesIsBusyAndNotCounted) {
    Gate gate;
    auth::PasswordPoolOptions pool_options;
    pool_options.workers = 1;
    pool_options.max_pending = 1;
    pool_options.before_job = [&] { gate.pass(); };
    AccountsOptions options;
    options.now = [this] { return now_; };
    options.passwords = std::make_shared<auth::PasswordPool>(pool_options);
    Accounts accounts(*store_, options);
    auto held = std::async(std::launch::async, [&] {
        return accounts.log_in("someone", "wrong password", "10.0.0.1");
    });
    ASSERT_TRUE(gate.arrived(1));
    for (int i = 0; i < 10; ++i) {
        auto busy = accounts.log_in("ada", "correct horse battery", "10.0.0.2");
        ASSERT_EQ(busy->outcome, LogIn::Outcome::kBusy) << i;
        EXPECT_EQ(busy->retry_after_seconds, kPasswordsBusyRetrySeconds);
    }
    auto refused = accounts.sign_up("ada", "ada@example.org", "correct horse battery");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
    gate.open();
    EXPECT_EQ(held.get()->outcome, LogIn::Outcome::kWrongCredentials);
    ASSERT_TRUE(accounts.sign_up("ada", "ada@example.org", "correct horse battery").ok());
    // The ten refused attempts left no failures behind.
    EXPECT_EQ(accounts.log_in("ada", "correct horse battery", "10.0.0.2")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, SignUpQuietlyReportsATakenAddressAsAnOutcome) {
    auto ada = accounts_->sign_up("ada", "ada@example.org", "correct horse battery");
    ASSERT_TRUE(ada.ok());
    auto taken = accounts_->sign_up_quietly("eve", "Ada@Example.org", "another passphrase");
    ASSERT_TRUE(taken.ok()) << taken.error().message();
    EXPECT_EQ(taken->outcome, SignUp::Outcome::kEmailTaken);
    EXPECT_EQ(taken->user.id, ada->id);
    EXPECT_FALSE(store_->find_user("eve")->has_value());
    auto fresh = accounts_->sign_up_quietly("fay", "fay@example.org", "another passphrase");
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(fresh->outcome, SignUp::Outcome::kCreated);
    EXPECT_EQ(fresh->user.handle, "fay");
    // Handles are public: a taken one is an error either way.
    auto handle = accounts_->sign_up_quietly("ADA", "other@example.org", "another passphrase");
    ASSERT_FALSE(handle.ok());
    EXPECT_EQ(handle.error().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(handle.error().message(), "the handle ADA is already taken");
    // sign_up() (the command line's) still says which.
    auto loud = accounts_->sign_up("eve", "Ada@Example.org", "another passphrase");
    ASSERT_FALSE(loud.ok());
    EXPECT_EQ(loud.error().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(loud.error().message(), "the email address Ada@example.org is already taken");
}

TEST_F(AccountsTest, FormTokensAreSignedForTheirPreSessionAndExpire) {
    const std::string pre_session = auth::random_token();
    auto token = accounts_->form_token(pre_session);
    ASSERT_TRUE(token.ok()) << token.error().message();
    EXPECT_TRUE(*accounts_->form_token_valid(pre_session, *token));
    // Another process of the instance (the same store) accepts it too.
    AccountsOptions options;
    options.now = [this] { return now_; };
    Accounts other(*store_, options);
    EXPECT_TRUE(*other.form_token_valid(pre_session, *token));

    const std::string dot_mac = token->substr(token->find('.'));
    const std::string later = std::to_string(std::stoll(*token) + 3600) + dot_mac;
    for (const std::string& made_up :
         {pre_session, std::string(), auth::random_token(), "9999999999." + auth::random_token(),
          later, "." + token->substr(token->find('.') + 1), *token + "x", "x" + *token}) {
        EXPECT_FALSE(*accounts_->form_token_valid(pre_session, made_up)) << made_up;
    }
    EXPECT_FALSE(*accounts_->form_token_valid(auth::random_token(), *token))
        << "issued for another pre-session";
    EXPECT_FALSE(*accounts_->form_token_valid("", *token));

    now_ += 2h - 1s;
    EXPECT_TRUE(*accounts_->form_token_valid(pre_session, *token));
    now_ += 1s;
    EXPECT_FALSE(*accounts_->form_token_valid(pre_session, *token)) << "expired";
}

TEST_F(AccountsTest, SignUpsAreThrottledPerAddress) {
    for (int i = 0; i < 5; ++i) {
        const std::string handle = "user" + std::to_string(i);
        auto r = accounts_->sign_up(handle, handle + "@example.org",
                                    i == 0 ? "short" : "correct horse battery", Role::kMember,
                                    "10.0.0.1");
        EXPECT_EQ(r.ok(), i != 0) << i;  // a refused attempt counts too
    }
    auto sixth = accounts_->sign_up("user9", "user9@example.org", "correct horse battery",
                                    Role::kMember, "10.0.0.1");
    ASSERT_FALSE(sixth.ok());
    EXPECT_EQ(sixth.error().code(), ErrorCode::kLimitExceeded);
    EXPECT_TRUE(accounts_
                    ->sign_up("user9", "user9@example.org", "correct horse battery", Role::kMember,
                              "10.0.0.2")
                    .ok());
    now_ += 1h;
    EXPECT_TRUE(accounts_
                    ->sign_up("user10", "user10@example.org", "correct horse battery",
                              Role::kMember, "10.0.0.1")
                    .ok());
}

// Two nodes of one instance: two Accounts over one store, each with its own in-memory
// throttle. What one node counted, the other refuses.
TEST_F(AccountsTest, LogInFailuresFromOneAddressCountOnEveryNode) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    AccountsOptions options;
    options.now = [this] { return now_; };
    Accounts other_node(*store_, options);
    // 20 failures over 20 accounts from one address, half on each node: each node alone saw
    // 10, below its own limit of 20.
    for (int i = 0; i < 20; ++i) {
        Accounts& node = i % 2 == 0 ? *accounts_ : other_node;
        EXPECT_EQ(node.log_in("user" + std::to_string(i), "wrong password", "10.0.0.9")->outcome,
                  LogIn::Outcome::kWrongCredentials)
            << i;
    }
    for (Accounts* node : {accounts_.get(), &other_node}) {
        auto refused = node->log_in("ada", "correct horse battery", "10.0.0.9");
        EXPECT_EQ(refused->outcome, LogIn::Outcome::kThrottled);
        EXPECT_GT(refused->retry_after_seconds, 0);
        EXPECT_LE(refused->retry_after_seconds, 15 * 60);
    }
    // Other addresses are not slowed; and the address's window ends.
    EXPECT_EQ(other_node.log_in("ada", "correct horse battery", "10.0.0.10")->outcome,
              LogIn::Outcome::kOk);
    now_ += 15min;
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.9")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, FailuresOfOnePairAreCappedAcrossNodes) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    // Many nodes (here 10), each letting its three free failures through.
    std::vector<std::unique_ptr<Accounts>> nodes;
    AccountsOptions options;
    options.now = [this] { return now_; };
    for (int i = 0; i < 10; ++i) nodes.push_back(std::make_unique<Accounts>(*store_, options));
    int failures = 0;
    for (auto& node : nodes) {
        for (int i = 0; i < 3; ++i) {
            failures += node->log_in("ada", "wrong password", "10.0.0.7")->outcome ==
                        LogIn::Outcome::kWrongCredentials;
        }
    }
    // Without the store's count each node would have let 3 through: 30.
    EXPECT_EQ(failures, AccountsOptions{}.shared_pair_failures);
    EXPECT_EQ(nodes.back()->log_in("ada", "correct horse battery", "10.0.0.7")->outcome,
              LogIn::Outcome::kThrottled);
    // The owner elsewhere is not locked out.
    EXPECT_EQ(nodes.back()->log_in("ada", "correct horse battery", "192.0.2.1")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, SignUpsFromOneAddressCountOnEveryNode) {
    AccountsOptions options;
    options.now = [this] { return now_; };
    Accounts other_node(*store_, options);
    for (int i = 0; i < 5; ++i) {
        Accounts& node = i % 2 == 0 ? *accounts_ : other_node;
        const std::string handle = "user" + std::to_string(i);
        EXPECT_TRUE(node.sign_up(handle, handle + "@example.org", "correct horse battery",
                                 Role::kMember, "10.0.0.1")
                        .ok())
            << i;
    }
    for (Accounts* node : {accounts_.get(), &other_node}) {
        auto sixth = node->sign_up("user9", "user9@example.org", "correct horse battery",
                                   Role::kMember, "10.0.0.1");
        ASSERT_FALSE(sixth.ok());
        EXPECT_EQ(sixth.error().code(), ErrorCode::kLimitExceeded);
    }
}

TEST_F(AccountsTest, ApiTokensIdentifyTheirUserUntilRevoked) {
    auto user = accounts_->sign_up("ada", "ada@example.org", "correct horse battery");
    ASSERT_TRUE(user.ok());
    auto token = accounts_->create_api_token(user->id, "script");
    ASSERT_TRUE(token.ok());
    auto who = accounts_->bearer_user(*token);
    ASSERT_TRUE(who.ok() && who->has_value());
    EXPECT_EQ((*who)->id, user->id);
    EXPECT_FALSE(accounts_->bearer_user(*token + "x")->has_value());
    EXPECT_FALSE(accounts_->bearer_user("")->has_value());
    auto tokens = store_->api_tokens(user->id);
    ASSERT_EQ(tokens->size(), 1u);
    ASSERT_TRUE(*store_->revoke_api_token(user->id, (*tokens)[0].id));
    EXPECT_FALSE(accounts_->bearer_user(*token)->has_value());
}

}  // namespace
}  // namespace paperboy::app
