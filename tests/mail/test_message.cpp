#include <gtest/gtest.h>

#include <string>

#include "core/utf8.h"
#include "mail/curl_message.h"
#include "mail/mail_test_util.h"
#include "mail/message.h"

namespace paperboy::mail {
namespace {

using namespace std::string_literals;
using testing::crlf_lines;
using testing::decode_encoded_words;
using testing::encoded_words;

// A subject in Japanese with emoji (4-byte sequences, a ZWJ family, flags), long enough to
// need several encoded-words.
const std::string kLongSubject =
    "今日のトレンド論文：大規模言語モデルの推論能力に関する新しいベンチマーク "
    "🚀🧪👨‍👩‍👧‍👦🇯🇵 "
    "と、マルチモーダル学習の最前線 — Trending papers of Friday, 25 October 2024 ✨";

TEST(EncodeHeaderText, LeavesPrintableAsciiAsItIs) {
    EXPECT_EQ(encode_header_text("Trending papers of Friday"), "Trending papers of Friday");
    EXPECT_EQ(encode_header_text(""), "");
    EXPECT_EQ(encode_header_text("a & b <c> \"d\" (e) = f?"), "a & b <c> \"d\" (e) = f?");
}

TEST(EncodeHeaderText, EncodesNonAscii) {
    const std::string encoded = encode_header_text("Café");
    EXPECT_EQ(encoded, "=?UTF-8?B?Q2Fmw6k=?=");
    EXPECT_EQ(decode_encoded_words(encoded), "Café");
}

TEST(EncodeHeaderText, LongSubjectFoldsIntoShortWordsThatDecodeBackExactly) {
    const std::string encoded = encode_header_text(kLongSubject);
    const auto words = encoded_words(encoded);
    ASSERT_GT(words.size(), 3u);
    for (const std::string& word : words) {
        EXPECT_LE(word.size(), 75u) << word;
        // Each word decodes on its own to whole UTF-8 sequences: none is split.
        const std::string decoded = decode_encoded_words(word);
        EXPECT_TRUE(is_valid_utf8(decoded)) << word;
    }
    for (const std::string& line : crlf_lines(encoded)) EXPECT_LE(line.size(), 78u);
    EXPECT_EQ(decode_encoded_words(encoded), kLongSubject);
}

TEST(EncodeHeaderText, TurnsLineBreaksIntoSpaces) {
    EXPECT_EQ(encode_header_text("Hello\r\nBcc: victim@example.org"),
              "Hello  Bcc: victim@example.org");
    EXPECT_EQ(encode_header_text("a\nb\rc"), "a b c");
    const std::string encoded = encode_header_text("Grüße\r\nBcc: x@y.com");
    EXPECT_EQ(encoded.find("\r\nBcc"), std::string::npos);
    EXPECT_EQ(decode_encoded_words(encoded), "Grüße  Bcc: x@y.com");
}

TEST(EncodeHeaderText, ReplacesInvalidUtf8) {
    const std::string encoded = encode_header_text("bad \xff byte");
    EXPECT_EQ(decode_encoded_words(encoded), "bad \xEF\xBF\xBD byte");
}

TEST(EncodeHeaderText, EncodesWhatADecoderWouldMisreadOrCouldNotFold) {
    // Text that looks like an encoded-word is encoded, so that it reads back as typed.
    const std::string lookalike = "=?UTF-8?B?SGk=?=";
    const std::string encoded = encode_header_text(lookalike);
    EXPECT_NE(encoded, lookalike);
    EXPECT_EQ(decode_encoded_words(encoded), lookalike);
    // Control characters other than line breaks are kept, encoded.
    EXPECT_EQ(decode_encoded_words(encode_header_text("a\tb\x01")), "a\tb\x01");
    // A run too long to fold is encoded, whose words fold.
    const std::string run(200, 'x');
    const std::string long_run = encode_header_text(run);
    for (const std::string& line : crlf_lines(long_run)) EXPECT_LE(line.size(), 78u);
    EXPECT_EQ(decode_encoded_words(long_run), run);
}

TEST(FormatMailbox, WritesTheAddressAloneWithoutAName) {
    EXPECT_EQ(format_mailbox({"", "ada@example.org"}), "ada@example.org");
    EXPECT_EQ(format_mailbox({"   ", "ada@example.org"}), "ada@example.org");
}

TEST(FormatMailbox, QuotesOnlyWhenNeeded) {
    EXPECT_EQ(format_mailbox({"Ada Lovelace", "ada@example.org"}),
              "Ada Lovelace <ada@example.org>");
    EXPECT_EQ(format_mailbox({"Lovelace, Ada", "ada@example.org"}),
              "\"Lovelace, Ada\" <ada@example.org>");
    EXPECT_EQ(format_mailbox({"A. Lovelace", "ada@example.org"}),
              "\"A. Lovelace\" <ada@example.org>");
    EXPECT_EQ(format_mailbox({"Ada \"the\" \\Countess", "ada@example.org"}),
              "\"Ada \\\"the\\\" \\\\Countess\" <ada@example.org>");
}

TEST(FormatMailbox, EncodesNonAsciiNames) {
    const std::string formatted = format_mailbox({"Émilie du Châtelet", "emilie@example.org"});
    const size_t bracket = formatted.rfind(" <");
    ASSERT_NE(bracket, std::string::npos);
    EXPECT_EQ(formatted.substr(bracket), " <emilie@example.org>");
    EXPECT_EQ(decode_encoded_words(formatted.substr(0, bracket)), "Émilie du Châtelet");
}

TEST(FormatMailbox, NeverLetsANameOrAddressBreakTheLine) {
    const std::string formatted =
        format_mailbox({"Eve\r\nBcc: victim@example.org", "eve@example.org\r\nBcc: x@y.org"});
    EXPECT_EQ(formatted.find('\r'), std::string::npos);
    EXPECT_EQ(formatted.find('\n'), std::string::npos);
    // The name is quoted whole; the address loses what an address may not hold.
    EXPECT_EQ(formatted, "\"Eve  Bcc: victim@example.org\" <eve@example.orgBccx@y.org>");
    EXPECT_EQ(formatted.find(">"), formatted.size() - 1);  // the address cannot close early
}

TEST(Rfc5322Date, FormatsInUtc) {
    EXPECT_EQ(rfc5322_date(1729843200), "Fri, 25 Oct 2024 08:00:00 +0000");
    EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(rfc5322_date(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
    EXPECT_EQ(rfc5322_date(1735689599), "Tue, 31 Dec 2024 23:59:59 +0000");
}

Message sample_message() {
    Message m;
    m.from = {"Paperboy", "digest@papers.example.org"};
    m.to = {"Ada Lovelace", "ada@example.org"};
    m.subject = "Trending papers";
    m.message_id = "<abc.123@papers.example.org>";
    m.date = 1729843200;
    m.text = "Hello";
    return m;
}

std::vector<std::string> names_of(const std::vector<std::string>& lines) {
    std::vector<std::string> names;
    for (const std::string& line : lines) names.push_back(line.substr(0, line.find(':')));
    return names;
}

TEST(HeaderLines, WritesTheStandardHeadersThenTheExtraOnes) {
    Message m = sample_message();
    m.html = "<p>Hello</p>";
    m.headers = {{"List-Id", "Paperboy daily <daily.papers.example.org>"},
                 {"List-Unsubscribe", "<https://papers.example.org/u/x>"},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    const auto lines = detail::header_lines(m, 0);
    EXPECT_EQ(names_of(lines),
              (std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID",
                                        "MIME-Version", "Content-Type", "List-Id",
                                        "List-Unsubscribe", "List-Unsubscribe-Post"}));
    EXPECT_EQ(lines[0], "From: Paperboy <digest@papers.example.org>");
    EXPECT_EQ(lines[3], "Date: Fri, 25 Oct 2024 08:00:00 +0000");
    EXPECT_EQ(lines[4], "Message-ID: <abc.123@papers.example.org>");
    EXPECT_EQ(lines[5], "MIME-Version: 1.0");
    EXPECT_EQ(lines[6], "Content-Type: multipart/alternative");
    EXPECT_EQ(lines[9], "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
}

TEST(HeaderLines, PlainTextOnlyLeavesTheContentTypeToLibcurl) {
    const auto lines = detail::header_lines(sample_message(), 0);
    for (const std::string& line : lines) EXPECT_FALSE(line.starts_with("Content-Type")) << line;
}

TEST(HeaderLines, FillsInTheDateAndAMessageId) {
    Message m = sample_message();
    m.date = 0;
    m.message_id = "";
    const auto lines = detail::header_lines(m, 1729843200);
    EXPECT_EQ(lines[3], "Date: Fri, 25 Oct 2024 08:00:00 +0000");
    EXPECT_TRUE(lines[4].starts_with("Message-ID: <")) << lines[4];
    EXPECT_TRUE(lines[4].ends_with("@papers.example.org>")) << lines[4];
    // Two made-up ids differ.
    EXPECT_NE(detail::header_lines(m, 1729843200)[4], lines[4]);

    m.message_id = "<bad id\r\nBcc: x@y.org>";
    const auto replaced = detail::header_lines(m, 1729843200);
    EXPECT_EQ(replaced[4].find('\r'), std::string::npos);
    EXPECT_EQ(replaced[4].find("Bcc"), std::string::npos);
}

TEST(HeaderLines, DropsExtraHeadersThatCouldInjectOrReplace) {
    Message m = sample_message();
    m.headers = {{"X-Ok", "fine"},        {"X-Evil", "a\r\nBcc: victim@example.org"},
                 {"X-Evil-LF", "a\nb"},   {"X-Bad Name", "v"},
                 {"X-Bad:Name", "v"},     {"", "v"},
                 {"X-Utf8", "Grüße"},     {"Bcc", "victim@example.org"},
                 {"subject", "replaced"}, {"Content-Type", "text/html"},
                 {"X-Also-Ok", "yes"}};
    const auto lines = detail::header_lines(m, 0);
    const auto names = names_of(lines);
    EXPECT_EQ(std::vector<std::string>(names.begin() + 6, names.end()),
              (std::vector<std::string>{"X-Ok", "X-Also-Ok"}));
    for (const std::string& line : lines) {
        EXPECT_EQ(line.find("victim"), std::string::npos) << line;
        // Folds are CRLF followed by white space, never a new field.
        for (size_t at = line.find("\r\n"); at != std::string::npos;
             at = line.find("\r\n", at + 2)) {
            ASSERT_LT(at + 2, line.size());
            EXPECT_TRUE(line[at + 2] == ' ' || line[at + 2] == '\t') << line;
        }
    }
}

TEST(HeaderLines, FoldsLongLinesAt78Characters) {
    Message m = sample_message();
    m.subject = kLongSubject;
    m.from = {"Paperboy Ünïcödé Digest Sender With A Rather Long Display Name Indeed",
              "digest@papers.example.org"};
    m.to = {"An ASCII display name long enough that the address must go on a line of its own",
            "ada@example.org"};
    m.headers = {{"List-Unsubscribe",
                  "<https://papers.example.org/unsubscribe?token=0123456789>, "
                  "<mailto:unsubscribe@papers.example.org?subject=unsubscribe>"}};
    for (const std::string& line : detail::header_lines(m, 0)) {
        for (const std::string& physical : crlf_lines(line)) {
            EXPECT_LE(physical.size(), 78u) << physical;
            EXPECT_FALSE(physical.find_first_not_of(" \t") == std::string::npos) << line;
        }
    }
    const auto lines = detail::header_lines(m, 0);
    ASSERT_TRUE(lines[2].starts_with("Subject: =?UTF-8?B?"));
    EXPECT_EQ(decode_encoded_words(lines[2].substr(9)), kLongSubject);
}

TEST(HeaderLines, KeepsAnUnfoldableValueWhole) {
    Message m = sample_message();
    const std::string url = "<https://papers.example.org/u/" + std::string(100, 'x') + ">";
    m.headers = {{"List-Unsubscribe", url}};
    const auto lines = detail::header_lines(m, 0);
    EXPECT_EQ(lines.back(), "List-Unsubscribe: " + url);
}

}  // namespace
}  // namespace paperboy::mail
