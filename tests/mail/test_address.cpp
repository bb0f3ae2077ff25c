#include <gtest/gtest.h>

#include <string>

#include "mail/address.h"

namespace paperboy::mail {
namespace {

using namespace std::string_literals;

struct Valid {
    std::string input;
    std::string normalized;
};

TEST(NormalizeAddress, AcceptsPlainAddressesTrimmedAndLowerCased) {
    const Valid cases[] = {
        {"ada@example.org", "ada@example.org"},
        {"Ada.Lovelace@Example.ORG", "ada.lovelace@example.org"},
        {"  ada@example.org\t", "ada@example.org"},
        {"ada@example.org\r\n", "ada@example.org"},
        {"first.middle.last@example.org", "first.middle.last@example.org"},
        {"ada+papers@example.org", "ada+papers@example.org"},
        {"a@b.co", "a@b.co"},
        {"x@mail.sub.example.co.uk", "x@mail.sub.example.co.uk"},
        {"o'brien@example.ie", "o'brien@example.ie"},
        {"!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~@example.org"},
        {"user@xn--bcher-kva.example", "user@xn--bcher-kva.example"},
        {"user@my-host.example", "user@my-host.example"},
        {"user@123.example", "user@123.example"},
        {"user@example.c0m", "user@example.c0m"},
        {std::string(64, 'a') + "@example.org", std::string(64, 'a') + "@example.org"},
        {"a@" + std::string(63, 'b') + ".org", "a@" + std::string(63, 'b') + ".org"},
    };
    for (const Valid& c : cases) {
        auto r = normalize_address(c.input);
        ASSERT_TRUE(r.ok()) << c.input << ": " << r.error().message();
        EXPECT_EQ(*r, c.normalized) << c.input;
    }
}

TEST(NormalizeAddress, AcceptsTheLongestAddress) {
    // 64 + 1 + 189 = 254 bytes: labels of 63, 63, 57 and "org".
    const std::string domain =
        std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(57, 'c') + ".org";
    const std::string address = std::string(64, 'x') + "@" + domain;
    ASSERT_EQ(address.size(), kMaxAddressBytes);
    EXPECT_TRUE(normalize_address(address).ok());
    EXPECT_FALSE(normalize_address("x" + address).ok());
}

struct Invalid {
    std::string input;
    std::string message_part;  // what the message must say
};

TEST(NormalizeAddress, RefusesMalformedAddressesSayingWhy) {
    const Invalid cases[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"ada.example.org", "no '@'"},
        {"ada@", "domain after '@' is empty"},
        {"@example.org", "before '@' is empty"},
        {"a@b@example.org", "more than one '@'"},
        {".ada@example.org", "starts or ends with a dot"},
        {"ada.@example.org", "starts or ends with a dot"},
        {"a..da@example.org", "two dots in a row"},
        {"ada lovelace@example.org", "white space"},
        {"ada@exa mple.org", "white space"},
        {"ada(comment)@example.org", "'('"},
        {"ada,b@example.org", "','"},
        {"ada;b@example.org", "';'"},
        {"ada[b]@example.org", "'['"},
        {"a\\b@example.org", "'\\'"},
        {"\"ada lovelace\"@example.org", "white space"},
        {"\"ada\"@example.org", "quoted local parts"},
        {"Ada <ada@example.org>", "white space"},
        {"<ada@example.org>", "'<' or '>'"},
        {"ada@localhost", "at least two labels"},
        {"ada@example", "at least two labels"},
        {"ada@example..org", "empty label"},
        {"ada@.example.org", "empty label"},
        {"ada@example.org.", "empty label"},
        {"ada@-example.org", "starts or ends with '-'"},
        {"ada@example-.org", "starts or ends with '-'"},
        {"ada@exa_mple.org", "'_'"},
        {"ada@example.org:25", "':'"},
        {"ada@192.168.1.1", "IP addresses"},
        {"ada@[192.168.1.1]", "address literals"},
        {"ada@[IPv6:::1]", "address literals"},
        {"ada@example.123", "IP addresses"},
        {std::string(65, 'a') + "@example.org", "longer than 64 bytes"},
        {"a@" + std::string(64, 'b') + ".org", "longer than 63 bytes"},
        {"ada@example.org/x", "'/'"},
    };
    for (const Invalid& c : cases) {
        auto r = normalize_address(c.input);
        ASSERT_FALSE(r.ok()) << "accepted: " << c.input;
        EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
        EXPECT_NE(r.error().message().find(c.message_part), std::string::npos)
            << c.input << " -> " << r.error().message();
    }
}

TEST(NormalizeAddress, RefusesHeaderInjection) {
    for (const std::string& input :
         {"a@b.com\r\nBcc: x@y.com"s, "a@b.com\nBcc: x@y.com"s, "a@b.com\rBcc: x@y.com"s,
          "a@b.com\r\n"s + "\r\nbody"s, "a\r\n@b.com"s}) {
        auto r = normalize_address(input);
        ASSERT_FALSE(r.ok()) << input;
        // The message never repeats the input, so it cannot carry the injected line either.
        EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
        EXPECT_EQ(r.error().message().find("Bcc"), std::string::npos);
    }
}

TEST(NormalizeAddress, RefusesControlCharactersAndNulBytes) {
    for (const std::string& input :
         {"ada\0@example.org"s, "ada@example.org\0"s, "ada@exa\0mple.org"s, "ada\x7f@example.org"s,
          "ada\x01@example.org"s, "ada@example.org\x1b[31m"s}) {
        auto r = normalize_address(input);
        ASSERT_FALSE(r.ok()) << input.size();
        EXPECT_NE(r.error().message().find("control character"), std::string::npos)
            << r.error().message();
    }
}

TEST(NormalizeAddress, RefusesInternationalizedAddresses) {
    for (const std::string& input :
         {"ådå@example.org"s, "ada@exämple.org"s, "用户@例子.广告"s, "ada@example.org\u200b"s,
          "\xff\xfe@example.org"s, "ada@example.org\xc0"s}) {
        auto r = normalize_address(input);
        ASSERT_FALSE(r.ok()) << input;
        EXPECT_NE(r.error().message().find("non-ASCII"), std::string::npos) << r.error().message();
    }
}

TEST(NormalizeAddress, RefusesHugeInputQuickly) {
    const std::string huge = std::string(10 * 1024, 'a') + "@example.org";
    auto r = normalize_address(huge);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("longer than 254 bytes"), std::string::npos);

    const std::string many_ats(10 * 1024, '@');
    EXPECT_FALSE(normalize_address(many_ats).ok());
}

TEST(NormalizeAddress, IsIdempotent) {
    for (const char* input : {"Ada@Example.org", " x.y+z@a-b.example.co "}) {
        auto once = normalize_address(input);
        ASSERT_TRUE(once.ok());
        auto twice = normalize_address(*once);
        ASSERT_TRUE(twice.ok());
        EXPECT_EQ(*once, *twice);
    }
}

}  // namespace
}  // namespace paperboy::mail
