// app::Accounts and app/auth: the rules for handles, addresses and passwords, password hashes,
// tokens, sessions, log-in throttling and API tokens, over a real (in-memory) store.
#include <gtest/gtest.h>

#include <set>

#include "app/accounts.h"
#include "app/auth/crypto.h"

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

TEST_F(AccountsTest, WrongPasswordsAreThrottledPerAccountAndPerAddress) {
    ASSERT_TRUE(accounts_->sign_up("ada", "ada@example.org", "correct horse battery").ok());
    EXPECT_EQ(accounts_->log_in("nobody", "whatever it is", "10.0.0.1")->outcome,
              LogIn::Outcome::kWrongCredentials);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(accounts_->log_in("ada", "wrong password", "10.0.0.2")->outcome,
                  LogIn::Outcome::kWrongCredentials);
    }
    // Even the right password waits now; another account from the same address does not.
    auto throttled = accounts_->log_in("ada", "correct horse battery", "10.0.0.3");
    ASSERT_EQ(throttled->outcome, LogIn::Outcome::kThrottled);
    EXPECT_GT(throttled->retry_after_seconds, 0);
    EXPECT_LE(throttled->retry_after_seconds, 15 * 60);
    now_ += 15min;
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.3")->outcome,
              LogIn::Outcome::kOk);

    // Per address: 20 failures over many accounts.
    for (int i = 0; i < 20; ++i) {
        (void)accounts_->log_in("user" + std::to_string(i), "wrong password", "10.0.0.9");
    }
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.9")->outcome,
              LogIn::Outcome::kThrottled);
    EXPECT_EQ(accounts_->log_in("ada", "correct horse battery", "10.0.0.10")->outcome,
              LogIn::Outcome::kOk);
}

TEST_F(AccountsTest, SignUpsAreThrottledPerAddress) {
    for (int i = 0; i < 5; ++i) {
        const std::string handle = "user" + std::to_string(i);
        auto r = accounts_->sign_up(handle, handle + "@example.org",
                                    i == 0 ? "short" : "correct horse battery",
                                    store::Role::kMember, "10.0.0.1");
        EXPECT_EQ(r.ok(), i != 0) << i;  // a refused attempt counts too
    }
    auto sixth = accounts_->sign_up("user9", "user9@example.org", "correct horse battery",
                                    store::Role::kMember, "10.0.0.1");
    ASSERT_FALSE(sixth.ok());
    EXPECT_EQ(sixth.error().code(), ErrorCode::kLimitExceeded);
    EXPECT_TRUE(accounts_
                    ->sign_up("user9", "user9@example.org", "correct horse battery",
                              store::Role::kMember, "10.0.0.2")
                    .ok());
    now_ += 1h;
    EXPECT_TRUE(accounts_
                    ->sign_up("user10", "user10@example.org", "correct horse battery",
                              store::Role::kMember, "10.0.0.1")
                    .ok());
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
