#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail/smtp.h"

namespace paperboy::mail {
namespace {

TEST(CheckSmtpUrl, AcceptsTheThreeSchemesWithOptionalPortAndCredentials) {
    for (const char* url : {
             "smtp://localhost",
             "smtp://mail.example.org:25",
             "smtp://127.0.0.1:2525",
             "smtps://smtp.example.org:465",
             "smtp+starttls://smtp.example.org:587",
             "smtp+starttls://user:secret@smtp.example.org:587",
             "smtps://user%40example.org:p%40ss%3Aw0rd@smtp.example.org",
             "smtp://user@relay.example.org",
             "smtp://[::1]:2525",
             "smtp://[2001:db8::1]",
             "SMTP://relay.example.org",
             "smtp://relay.example.org/paperboy.example.org",
             "smtp://relay.example.org:65535",
             "smtp://relay.example.org:1",
         }) {
        const Status s = check_smtp_url(url);
        EXPECT_TRUE(s.ok()) << url << ": " << (s.ok() ? "" : s.error().message());
    }
}

struct Invalid {
    const char* url;
    const char* message_part;
};

TEST(CheckSmtpUrl, RefusesOthersSayingWhy) {
    const Invalid cases[] = {
        {"", "empty"},
        {"relay.example.org", "must start with smtp://, smtps:// or smtp+starttls://"},
        {"http://relay.example.org", "must start with smtp://"},
        {"smtp:relay.example.org", "must start with smtp://"},
        {"submission://relay.example.org", "must start with smtp://"},
        {"smtp://", "no host"},
        {"smtp://:25", "no host"},
        {"smtp://user:pw@", "no host"},
        {"smtp://relay.example.org:", "no port after it"},
        {"smtp://relay.example.org:0", "\"0\" is not a number from 1 to 65535"},
        {"smtp://relay.example.org:65536", "not a number from 1 to 65535"},
        {"smtp://relay.example.org:99999999999", "not a number from 1 to 65535"},
        {"smtp://relay.example.org:2x5", "not a number from 1 to 65535"},
        {"smtp://relay.example.org:-1", "not a number from 1 to 65535"},
        {"smtp://@relay.example.org", "no user name"},
        {"smtp://:pw@relay.example.org", "no user name"},
        {"smtp://us%zzer:pw@relay.example.org", "user name"},
        {"smtp://user:pw%4@relay.example.org", "password"},
        {"smtp://relay example.org", "white space"},
        {"smtp://relay.example.org\r\nQUIT", "control character"},
        {"smtp://rélay.example.org", "non-ASCII"},
        {"smtp://relay!.example.org", "'!'"},
        {"smtp://[::1", "no ']'"},
        {"smtp://[::1]x", "after its IPv6 host"},
        {"smtp://[]:25", "no host"},
    };
    for (const Invalid& c : cases) {
        const Status s = check_smtp_url(c.url);
        ASSERT_FALSE(s.ok()) << "accepted: " << c.url;
        EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
        EXPECT_NE(s.error().message().find(c.message_part), std::string::npos)
            << c.url << " -> " << s.error().message();
    }
}

TEST(CheckSmtpUrl, NeverEchoesThePassword) {
    const Status s = check_smtp_url("smtp://user:hunter2@relay.example.org:0");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message().find("hunter2"), std::string::npos);
}

TEST(RedactSmtpUrl, HidesThePasswordOnly) {
    EXPECT_EQ(redact_smtp_url("smtp+starttls://user:secret@smtp.example.org:587"),
              "smtp+starttls://user:***@smtp.example.org:587");
    EXPECT_EQ(redact_smtp_url("smtps://a%40b.org:p%40ss@smtp.example.org/x?y"),
              "smtps://a%40b.org:***@smtp.example.org/x?y");
    EXPECT_EQ(redact_smtp_url("smtp://user@relay.example.org"), "smtp://user@relay.example.org");
    EXPECT_EQ(redact_smtp_url("smtp://relay.example.org:25"), "smtp://relay.example.org:25");
    EXPECT_EQ(redact_smtp_url("smtp://relay.example.org/a@b:c"), "smtp://relay.example.org/a@b:c");
    EXPECT_EQ(redact_smtp_url("not a url"), "not a url");
    // A password holding '@' (unencoded) is hidden whole.
    EXPECT_EQ(redact_smtp_url("smtp://user:p@ss@relay.example.org"),
              "smtp://user:***@relay.example.org");
}

Message sample_message() {
    Message m;
    m.from = {"Paperboy", "digest@papers.example.org"};
    m.to = {"Ada", "ada@example.org"};
    m.subject = "Hello";
    m.text = "Hello";
    return m;
}

TEST(SmtpClient, ABadUrlFailsEverySendPermanentlyWithoutThePassword) {
    SmtpClient client({.url = "http://user:hunter2@relay.example.org"});
    const SendOutcome outcome = client.send(sample_message());
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent);
    EXPECT_EQ(outcome.code, 0);
    EXPECT_NE(outcome.detail.find("smtp://"), std::string::npos) << outcome.detail;
    EXPECT_EQ(outcome.detail.find("hunter2"), std::string::npos) << outcome.detail;
}

TEST(SmtpClient, RefusesBadAddressesBeforeConnecting) {
    // Nothing listens on a port of 203.0.113.0/24 (TEST-NET-3); the addresses are refused
    // before any connection is tried, so this returns at once.
    SmtpClient client({.url = "smtp://203.0.113.1:25"});
    Message m = sample_message();
    m.to.address = "victim@example.org>\r\nRCPT TO:<other@example.org";
    SendOutcome outcome = client.send(m);
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent);
    EXPECT_NE(outcome.detail.find("recipient address"), std::string::npos) << outcome.detail;

    m = sample_message();
    m.from.address = "not an address";
    outcome = client.send(m);
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent);
    EXPECT_NE(outcome.detail.find("sender address"), std::string::npos) << outcome.detail;
}

TEST(SendWithRetry, DoesNotRetryPermanentFailures) {
    SmtpClient client({.url = "ftp://relay.example.org"});
    std::vector<std::chrono::milliseconds> sleeps;
    const RetriedOutcome r = send_with_retry(
        client, sample_message(), {.attempts = 4, .sleep = [&](auto d) { sleeps.push_back(d); }});
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.outcome.kind, SendOutcome::Kind::kPermanent);
    EXPECT_TRUE(sleeps.empty());
}

}  // namespace
}  // namespace paperboy::mail
