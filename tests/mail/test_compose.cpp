#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "mail/compose.h"

namespace paperboy::mail {
namespace {

// The http(s) links of a text body, in order, as a mail client would find them.
std::vector<std::string> links_of(const std::string& text) {
    static const std::regex kLink(R"(https?://[^\s<>"]+)");
    std::vector<std::string> links;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kLink);
         it != std::sregex_iterator(); ++it) {
        links.push_back(it->str());
    }
    return links;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// `text` with its line breaks as spaces: the words of a paragraph whatever the wrapping.
std::string unwrapped(std::string text) {
    for (char& c : text) {
        if (c == '\n') c = ' ';
    }
    return text;
}

// Every link stands alone on its line, and other lines are wrapped.
void expect_readable_text(const std::string& text) {
    for (const std::string& line : lines_of(text)) {
        const auto links = links_of(line);
        if (!links.empty()) {
            EXPECT_EQ(line, links.front()) << "a link shares its line";
            continue;
        }
        size_t columns = 0;
        for (char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        EXPECT_LE(columns, 72u) << line;
    }
}

DigestContent sample_digest() {
    DigestContent d;
    d.site_name = "Paperboy";
    d.heading = "Trending papers of Friday, 25 October 2024";
    d.topic = "llm";
    d.period_url = "https://papers.example.org/papers/date/2024-10-25";
    d.unsubscribe_url = "https://papers.example.org/unsubscribe?s=7&t=abc";
    d.manage_url = "https://papers.example.org/settings";
    d.papers = {
        {.title = "<script>alert(1)</script> & \"q\"",
         .url = "https://papers.example.org/papers/2410.17243",
         .authors = "Ada Lovelace, Charles Babbage and 5 more",
         .upvotes = 42,
         .summary = "We show that <b>bold</b> claims & careful experiments can coexist; the "
                    "summary is long enough to be wrapped over several lines of plain text.",
         .code_url = "https://github.com/example/repo"},
        {.title = "Café: a second paper",
         .url = "https://papers.example.org/papers/2410.13848",
         .authors = "Émilie du Châtelet",
         .upvotes = 1,
         .summary = "Short.",
         .code_url = ""},
    };
    return d;
}

TEST(ComposeDigest, EscapesEveryValueInTheHtml) {
    const Bodies b = compose_digest(sample_digest());
    EXPECT_FALSE(contains(b.html, "<script>"));
    EXPECT_FALSE(contains(b.html, "<b>bold"));
    EXPECT_TRUE(contains(b.html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"));
    EXPECT_TRUE(contains(b.html, "&lt;b&gt;bold&lt;/b&gt; claims &amp; careful"));
    // In attributes too: the query's '&' is escaped.
    EXPECT_TRUE(contains(b.html, "href=\"https://papers.example.org/unsubscribe?s=7&amp;t=abc\""));
}

TEST(ComposeDigest, HtmlLinksEachPaperAndItsCode) {
    const Bodies b = compose_digest(sample_digest());
    EXPECT_TRUE(contains(b.html, "<a href=\"https://papers.example.org/papers/2410.17243\""));
    EXPECT_TRUE(contains(b.html, "<a href=\"https://papers.example.org/papers/2410.13848\""));
    EXPECT_TRUE(contains(b.html, "<a href=\"https://github.com/example/repo\""));
    EXPECT_TRUE(contains(b.html, "▲ 42 upvotes"));
    EXPECT_TRUE(contains(b.html, "▲ 1 upvote<"));
    EXPECT_TRUE(contains(b.html, "Ada Lovelace, Charles Babbage and 5 more"));
    EXPECT_TRUE(contains(b.html, "Papers matching “llm”"));
    EXPECT_TRUE(contains(b.html, "<h1"));
    EXPECT_TRUE(contains(b.html,
                         "<a href=\"https://papers.example.org/settings\" "
                         "style=\"color:#71717a;\">Manage subscriptions</a>"));
    EXPECT_TRUE(contains(b.html, ">Unsubscribe</a>"));
    EXPECT_TRUE(contains(b.html, "You get this because you subscribed to"));
    EXPECT_FALSE(contains(b.html, "<style")) << "mail clients drop <style>; styles are inline";
    // One code link: the second paper has none.
    size_t code_links = 0;
    for (size_t at = b.html.find(">Code</a>"); at != std::string::npos;
         at = b.html.find(">Code</a>", at + 1)) {
        ++code_links;
    }
    EXPECT_EQ(code_links, 1u);
}

TEST(ComposeDigest, TextPutsEachLinkOnItsOwnLineInOrder) {
    const Bodies b = compose_digest(sample_digest());
    EXPECT_EQ(links_of(b.text),
              (std::vector<std::string>{"https://papers.example.org/papers/2410.17243",
                                        "https://github.com/example/repo",
                                        "https://papers.example.org/papers/2410.13848",
                                        "https://papers.example.org/papers/date/2024-10-25",
                                        "https://papers.example.org/unsubscribe?s=7&t=abc",
                                        "https://papers.example.org/settings"}));
    expect_readable_text(b.text);
    EXPECT_TRUE(contains(b.text,
                         "1. <script>alert(1)</script> & \"q\"\n"
                         "https://papers.example.org/papers/2410.17243\n"));
    EXPECT_TRUE(contains(b.text, "\nCode:\nhttps://github.com/example/repo\n"));
    EXPECT_TRUE(contains(b.text, "▲ 42 upvotes\n"));
    EXPECT_TRUE(contains(b.text, "▲ 1 upvote\n"));
    EXPECT_TRUE(
        contains(b.text, "Unsubscribe:\nhttps://papers.example.org/unsubscribe?s=7&t=abc\n"));
    EXPECT_TRUE(contains(b.text, "Manage subscriptions:\nhttps://papers.example.org/settings\n"));
    EXPECT_TRUE(contains(b.text, "2. Café: a second paper\n"));
}

TEST(ComposeDigest, LeavesOutLinksThatAreNotWebOrMailLinks) {
    DigestContent d = sample_digest();
    d.papers[0].code_url = "javascript:alert(1)";
    d.papers[1].url = "data:text/html,<script>alert(1)</script>";
    const Bodies b = compose_digest(d);
    for (const std::string* body : {&b.text, &b.html}) {
        EXPECT_FALSE(contains(*body, "javascript:")) << *body;
        EXPECT_FALSE(contains(*body, "data:text")) << *body;
    }
    // The title without a link is still there.
    EXPECT_TRUE(contains(b.html, "Café: a second paper"));
}

TEST(ComposeDigest, SaysSoWhenThereAreNoPapers) {
    DigestContent d = sample_digest();
    d.papers.clear();
    d.topic.clear();
    const Bodies b = compose_digest(d);
    EXPECT_TRUE(contains(b.text, "No papers this time."));
    EXPECT_TRUE(contains(b.html, "No papers this time."));
    EXPECT_FALSE(contains(b.html, "Papers matching"));
    EXPECT_TRUE(
        contains(b.text, "You get this because you subscribed to this digest on Paperboy."));
}

ConfirmationContent sample_confirmation() {
    return {.site_name = "Paperboy",
            .email = "ada@example.org",
            .what = "the weekly digest of papers matching “llm”",
            .confirm_url = "https://papers.example.org/subscriptions/confirm?token=abc&x=1"};
}

TEST(ComposeConfirmation, TextLeadsToTheConfirmLinkFirst) {
    const Bodies b = compose_confirmation(sample_confirmation());
    const auto links = links_of(b.text);
    ASSERT_FALSE(links.empty());
    EXPECT_EQ(links.front(), "https://papers.example.org/subscriptions/confirm?token=abc&x=1");
    EXPECT_TRUE(contains(b.text,
                         "Confirm your subscription:\n"
                         "https://papers.example.org/subscriptions/confirm?token=abc&x=1\n"));
    EXPECT_TRUE(contains(unwrapped(b.text),
                         "Someone, hopefully you, asked to receive the "
                         "weekly digest of papers matching “llm” at "
                         "ada@example.org on Paperboy."));
    EXPECT_TRUE(contains(unwrapped(b.text),
                         "If you did not ask for this, ignore this mail; "
                         "nothing more will be sent."));
    // The request comes before the link.
    EXPECT_LT(b.text.find("asked to receive"), b.text.find("Confirm your subscription:"));
    expect_readable_text(b.text);
}

TEST(ComposeConfirmation, HtmlEscapesAndLinksTheConfirmUrl) {
    ConfirmationContent c = sample_confirmation();
    c.what = "the digest of papers matching “<img src=x onerror=alert(1)>”";
    const Bodies b = compose_confirmation(c);
    EXPECT_FALSE(contains(b.html, "<img"));
    EXPECT_TRUE(contains(b.html, "&lt;img src=x onerror=alert(1)&gt;"));
    EXPECT_TRUE(contains(
        b.html, "href=\"https://papers.example.org/subscriptions/confirm?token=abc&amp;x=1\""));
    EXPECT_TRUE(contains(b.html, "ada@example.org"));
    EXPECT_TRUE(contains(b.html, "nothing more will be sent."));
}

TEST(ComposeConfirmation, ALinkInTheRequestedTopicCannotComeFirst) {
    ConfirmationContent c = sample_confirmation();
    c.what = "the digest of papers matching “https://evil.example/login”";
    const Bodies b = compose_confirmation(c);
    const auto links = links_of(b.text);
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links.front(), c.confirm_url);
    EXPECT_FALSE(contains(b.html, "https://evil.example"));
    EXPECT_TRUE(contains(b.text, "https[:]//evil.example/login"));
}

AccountMailContent sample_account() {
    return {.site_name = "Paperboy",
            .handle = "ada<b>",
            .url = "https://papers.example.org/account/verify?token=xyz",
            .valid_for = "24 hours"};
}

TEST(ComposeAccountMail, VerificationLinksFirstAndSaysHowLong) {
    const Bodies b = compose_verification(sample_account());
    const auto links = links_of(b.text);
    ASSERT_FALSE(links.empty());
    EXPECT_EQ(links.front(), "https://papers.example.org/account/verify?token=xyz");
    EXPECT_TRUE(contains(b.text, "24 hours"));
    EXPECT_TRUE(contains(b.text, "Hello ada<b>,"));
    EXPECT_TRUE(contains(b.html, "Hello ada&lt;b&gt;,"));
    EXPECT_TRUE(contains(b.html, "href=\"https://papers.example.org/account/verify?token=xyz\""));
    EXPECT_TRUE(contains(b.html, "24 hours"));
    expect_readable_text(b.text);
}

TEST(ComposeAccountMail, PasswordResetLinksFirstAndSaysHowLong) {
    AccountMailContent c = sample_account();
    c.url = "https://papers.example.org/account/reset?token=xyz";
    c.valid_for = "1 hour";
    const Bodies b = compose_password_reset(c);
    const auto links = links_of(b.text);
    ASSERT_FALSE(links.empty());
    EXPECT_EQ(links.front(), c.url);
    EXPECT_TRUE(contains(b.text, "1 hour"));
    EXPECT_TRUE(contains(unwrapped(b.text), "reset the password"));
    EXPECT_TRUE(contains(b.html, "href=\"https://papers.example.org/account/reset?token=xyz\""));
    EXPECT_TRUE(contains(unwrapped(b.text), "your password stays as it is"));
    expect_readable_text(b.text);
}

}  // namespace
}  // namespace paperboy::mail
