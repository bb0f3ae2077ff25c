// Integration: SmtpClient against a real SMTP server (tests/support/smtp_server.py, on
// aiosmtpd), and what it received read back by Python's email package
// (tests/support/parse_mail.py) — an independent parser of MIME and RFC 2047.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mail/compose.h"
#include "mail/smtp.h"
#include "mail/smtp_server_process.h"
#include "support/subprocess.h"

namespace paperboy::mail {
namespace {

using testing::SmtpServerProcess;

const std::string kSubject =
    "今日のトレンド論文：大規模言語モデルの推論能力に関する新しいベンチマーク "
    "🚀🧪👨‍👩‍👧‍👦🇯🇵 "
    "と、マルチモーダル学習の最前線 — Trending papers of Friday, 25 October 2024 ✨";

struct LogEntry {
    std::string file;
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    std::string peer;
    bool tls = false;
};

std::string str(simdjson::dom::element e) {
    std::string_view s;
    return e.get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

std::vector<std::string> strings(simdjson::dom::element e) {
    std::vector<std::string> out;
    simdjson::dom::array a;
    if (e.get(a) != simdjson::SUCCESS) return out;
    for (simdjson::dom::element item : a) out.push_back(str(item));
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
        if (end > start) lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::vector<LogEntry> read_log(const SmtpServerProcess& server) {
    std::vector<LogEntry> entries;
    simdjson::dom::parser parser;
    for (const std::string& line :
         lines_of(paperboy::testing::read_file(server.mail_file("log.jsonl")))) {
        simdjson::dom::element e;
        if (parser.parse(line).get(e) != simdjson::SUCCESS) {
            ADD_FAILURE() << "bad log line: " << line;
            continue;
        }
        bool tls = false;
        if (e["tls"].get(tls) != simdjson::SUCCESS) tls = false;
        entries.push_back(
            {str(e["file"]), str(e["mail_from"]), strings(e["rcpt_tos"]), str(e["peer"]), tls});
    }
    return entries;
}

// One message as Python's email package reads it (see parse_mail.py).
struct ParsedMail {
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::string> types;      // the content types, depth first
    std::vector<std::string> charsets;   // of the leaf parts, in order
    std::vector<std::string> encodings;  // likewise
    std::optional<std::string> text;
    std::optional<std::string> html;
    std::vector<std::string> links;       // of the text body
    std::vector<std::string> html_links;  // href values of the HTML body
    std::string from_name, from_address, to_name, to_address;
    int64_t max_header_line = 0;
    int64_t max_line = 0;
    std::vector<std::string> long_lines;  // over 78 bytes
    std::vector<std::string> defects;

    // The value of the only header called `name` ("<absent>" or "<repeated>" otherwise).
    std::string header(std::string_view name) const {
        std::string value = "<absent>";
        for (const auto& [n, v] : headers) {
            if (n != name) continue;
            if (value != "<absent>") return "<repeated>";
            value = v;
        }
        return value;
    }
};

void collect_leaves(simdjson::dom::element node, ParsedMail& mail) {
    simdjson::dom::array parts;
    if (node["parts"].get(parts) == simdjson::SUCCESS) {
        for (simdjson::dom::element part : parts) collect_leaves(part, mail);
        return;
    }
    mail.charsets.push_back(str(node["charset"]));
    mail.encodings.push_back(str(node["encoding"]));
}

std::vector<ParsedMail> parse_mail(const std::vector<std::string>& files) {
    std::vector<std::string> argv = {PAPERBOY_SMTP_PYTHON, PAPERBOY_PARSE_MAIL};
    argv.insert(argv.end(), files.begin(), files.end());
    const auto result = paperboy::testing::run_process(argv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<ParsedMail> mails;
    simdjson::dom::parser parser;
    for (const std::string& line : lines_of(result.out)) {
        simdjson::dom::element e;
        if (parser.parse(line).get(e) != simdjson::SUCCESS) {
            ADD_FAILURE() << "parse_mail.py printed: " << line;
            continue;
        }
        ParsedMail mail;
        simdjson::dom::array headers;
        if (e["headers"].get(headers) == simdjson::SUCCESS) {
            for (simdjson::dom::element h : headers) {
                mail.headers.emplace_back(str(h.at(0)), str(h.at(1)));
            }
        }
        mail.types = strings(e["types"]);
        collect_leaves(e["structure"], mail);
        if (!e["text"].is_null()) mail.text = str(e["text"]);
        if (!e["html"].is_null()) mail.html = str(e["html"]);
        mail.links = strings(e["links"]);
        mail.html_links = strings(e["html_links"]);
        mail.from_name = str(e["from"].at(0)["name"]);
        mail.from_address = str(e["from"].at(0)["address"]);
        mail.to_name = str(e["to"].at(0)["name"]);
        mail.to_address = str(e["to"].at(0)["address"]);
        EXPECT_EQ(e["max_header_line"].get(mail.max_header_line), simdjson::SUCCESS);
        EXPECT_EQ(e["max_line"].get(mail.max_line), simdjson::SUCCESS);
        mail.long_lines = strings(e["long_lines"]);
        mail.defects = strings(e["defects"]);
        mails.push_back(std::move(mail));
    }
    EXPECT_EQ(mails.size(), files.size()) << result.out << result.err;
    return mails;
}

// Every line of the message, header or body, is within RFC 5322's recommended 78 bytes, but
// for the top-level Content-Type, which libcurl writes with its 40-character boundary on one
// line (86 bytes for multipart/alternative; RFC 5322's limit is 998).
void expect_short_lines(const ParsedMail& mail) {
    for (const std::string& line : mail.long_lines) {
        EXPECT_TRUE(line.starts_with("Content-Type: multipart/")) << line;
        EXPECT_LE(line.size(), 90u) << line;
    }
    EXPECT_LE(mail.max_line, 90);
}

DigestContent sample_digest() {
    DigestContent d;
    d.site_name = "Paperboy";
    d.heading = "Trending papers of Friday, 25 October 2024";
    d.period_url = "https://papers.example.org/papers/date/2024-10-25";
    d.unsubscribe_url = "https://papers.example.org/unsubscribe?s=7&t=abc";
    d.manage_url = "https://papers.example.org/settings";
    d.papers = {{.title = "<script>alert(1)</script> & \"q\" — Attention Is All You Need",
                 .url = "https://papers.example.org/papers/1706.03762",
                 .authors = "Ashish Vaswani, Noam Shazeer and 6 more",
                 .upvotes = 42,
                 .summary = "The dominant sequence transduction models are based on complex "
                            "recurrent or convolutional neural networks. Ünïcödé and 日本語 too.",
                 .code_url = "https://github.com/tensorflow/tensor2tensor"}};
    return d;
}

Message digest_message(const std::string& to = "ada@example.org") {
    const Bodies bodies = compose_digest(sample_digest());
    Message m;
    m.from = {"Paperboy Ünïcödé Digest", "digest@papers.example.org"};
    m.to = {"Émilie du Châtelet", to};
    m.subject = kSubject;
    m.message_id = "<digest.2024-10-25.7@papers.example.org>";
    m.date = 1729843200;
    m.headers = {{"List-Id", "Paperboy trending digest <trending.papers.example.org>"},
                 {"List-Unsubscribe", "<https://papers.example.org/unsubscribe?s=7&t=abc>"},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    m.text = bodies.text;
    m.html = bodies.html;
    return m;
}

Message plain_message(const std::string& to, const std::string& text = "Hello\n") {
    Message m;
    m.from = {"Paperboy", "noreply@papers.example.org"};
    m.to = {"", to};
    m.subject = "Plain";
    m.text = text;
    return m;
}

std::string describe(const SendOutcome& o) {
    return "kind " + std::to_string(static_cast<int>(o.kind)) + ", code " + std::to_string(o.code) +
           ": " + o.detail;
}

TEST(SmtpDelivery, SendsAMultipartMessageThatAnotherParserReadsBackExactly) {
    SmtpServerProcess server;
    ASSERT_NE(server.port(), 0) << server.log();
    const Message message = digest_message();
    {
        SmtpClient client({.url = server.url()});
        const SendOutcome outcome = client.send(message);
        ASSERT_TRUE(outcome.accepted()) << describe(outcome);
        EXPECT_EQ(outcome.code, 250);
    }
    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].mail_from, "digest@papers.example.org");
    EXPECT_EQ(log[0].rcpt_tos, std::vector<std::string>{"ada@example.org"});

    const auto mails = parse_mail({server.mail_file(log[0].file)});
    ASSERT_EQ(mails.size(), 1u);
    const ParsedMail& mail = mails[0];
    EXPECT_TRUE(mail.defects.empty()) << mail.defects.front();
    EXPECT_EQ(mail.types,
              (std::vector<std::string>{"multipart/alternative", "text/plain", "text/html"}));
    EXPECT_EQ(mail.charsets, (std::vector<std::string>{"utf-8", "utf-8"}));
    EXPECT_EQ(mail.encodings, (std::vector<std::string>{"quoted-printable", "quoted-printable"}));

    EXPECT_EQ(mail.header("Subject"), kSubject);
    EXPECT_EQ(mail.from_name, "Paperboy Ünïcödé Digest");
    EXPECT_EQ(mail.from_address, "digest@papers.example.org");
    EXPECT_EQ(mail.to_name, "Émilie du Châtelet");
    EXPECT_EQ(mail.to_address, "ada@example.org");
    EXPECT_EQ(mail.header("Date"), "Fri, 25 Oct 2024 08:00:00 +0000");
    EXPECT_EQ(mail.header("Message-ID"), "<digest.2024-10-25.7@papers.example.org>");
    EXPECT_EQ(mail.header("MIME-Version"), "1.0");
    EXPECT_EQ(mail.header("List-Id"), "Paperboy trending digest <trending.papers.example.org>");
    EXPECT_EQ(mail.header("List-Unsubscribe"),
              "<https://papers.example.org/unsubscribe?s=7&t=abc>");
    EXPECT_EQ(mail.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");

    ASSERT_TRUE(mail.text.has_value());
    ASSERT_TRUE(mail.html.has_value());
    EXPECT_EQ(*mail.text, message.text);
    EXPECT_EQ(*mail.html, message.html);
    EXPECT_EQ(mail.links,
              (std::vector<std::string>{"https://papers.example.org/papers/1706.03762",
                                        "https://github.com/tensorflow/tensor2tensor",
                                        "https://papers.example.org/papers/date/2024-10-25",
                                        "https://papers.example.org/unsubscribe?s=7&t=abc",
                                        "https://papers.example.org/settings"}));
    EXPECT_EQ(mail.html_links.front(), "https://papers.example.org/papers/1706.03762");
    EXPECT_NE(mail.html->find("&lt;script&gt;"), std::string::npos);
    expect_short_lines(mail);
}

TEST(SmtpDelivery, PlainTextAloneKeepsEveryLineAsWritten) {
    SmtpServerProcess server;
    ASSERT_NE(server.port(), 0) << server.log();
    // Lines SMTP must dot-stuff, a line of "From ", trailing spaces and a long line.
    const std::string text = "Hello,\n.\n..two dots\n.leading dot\nFrom here on\ntrailing  \n" +
                             std::string(200, 'x') + "\nend\n";
    SmtpClient client({.url = server.url()});
    const SendOutcome outcome = client.send(plain_message("bob@example.org", text));
    ASSERT_TRUE(outcome.accepted()) << describe(outcome);

    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 1u);
    const auto mails = parse_mail({server.mail_file(log[0].file)});
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].types, (std::vector<std::string>{"multipart/mixed", "text/plain"}));
    EXPECT_FALSE(mails[0].html.has_value());
    ASSERT_TRUE(mails[0].text.has_value());
    EXPECT_EQ(*mails[0].text, text);
    EXPECT_EQ(mails[0].to_address, "bob@example.org");
    expect_short_lines(mails[0]);
}

TEST(SmtpDelivery, HeaderValuesCannotInjectHeaders) {
    SmtpServerProcess server;
    ASSERT_NE(server.port(), 0) << server.log();
    Message m = plain_message("carol@example.org");
    m.subject = "Hi\r\nBcc: victim@example.org";
    m.from.name = "Eve\r\nBcc: victim@example.org";
    m.headers = {{"X-Evil", "x\r\nBcc: victim@example.org"}, {"X-Fine", "fine"}};
    SmtpClient client({.url = server.url()});
    const SendOutcome outcome = client.send(m);
    ASSERT_TRUE(outcome.accepted()) << describe(outcome);

    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].rcpt_tos, std::vector<std::string>{"carol@example.org"});
    const auto mails = parse_mail({server.mail_file(log[0].file)});
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].header("Bcc"), "<absent>");
    EXPECT_EQ(mails[0].header("X-Evil"), "<absent>");
    EXPECT_EQ(mails[0].header("X-Fine"), "fine");
    EXPECT_EQ(mails[0].header("Subject"), "Hi  Bcc: victim@example.org");
    EXPECT_EQ(mails[0].from_name, "Eve  Bcc: victim@example.org");
}

TEST(SmtpDelivery, ReusesOneConnectionForManyMessages) {
    SmtpServerProcess server;
    ASSERT_NE(server.port(), 0) << server.log();
    {
        SmtpClient client({.url = server.url()});
        for (int i = 0; i < 20; ++i) {
            const SendOutcome outcome =
                client.send(digest_message("reader" + std::to_string(i) + "@example.org"));
            ASSERT_TRUE(outcome.accepted()) << i << ": " << describe(outcome);
        }
    }
    {
        SmtpClient other({.url = server.url()});
        ASSERT_TRUE(other.send(plain_message("other@example.org")).accepted());
    }
    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 21u);
    std::set<std::string> peers;
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(log[i].rcpt_tos,
                  std::vector<std::string>{"reader" + std::to_string(i) + "@example.org"});
        peers.insert(log[i].peer);
    }
    EXPECT_EQ(peers.size(), 1u) << "the 20 messages came over " << peers.size() << " connections";
    // Another client is another connection: the peer does tell connections apart.
    EXPECT_EQ(peers.count(log[20].peer), 0u);
    EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(SmtpDelivery, ATemporarilyRefusedRecipientIsTransientAndTheNextSendWorks) {
    SmtpServerProcess server;
    ASSERT_NE(server.port(), 0) << server.log();
    SmtpClient client({.url = server.url()});
    const SendOutcome refused = client.send(plain_message("tempfail-1@example.org"));
    EXPECT_EQ(refused.kind, SendOutcome::Kind::kTransient) << describe(refused);
    EXPECT_EQ(refused.code, 451);
    EXPECT_NE(refused.detail.find("451"), std::string::npos) << refused.detail;
    EXPECT_NE(refused.detail.find("temporarily unavailable"), std::string::npos) << refused.detail;

    const SendOutcome next = client.send(plain_message("dave@example.org"));
    EXPECT_TRUE(next.accepted()) << describe(next);
    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].rcpt_tos, std::vector<std::string>{"dave@example.org"});
}

TEST(SmtpDelivery, APermanentlyRefusedRecipientIsPermanent) {
    SmtpServerProcess server;
    ASSERT_NE(server.port(), 0) << server.log();
    SmtpClient client({.url = server.url()});
    const SendOutcome refused = client.send(plain_message("permfail@example.org"));
    EXPECT_EQ(refused.kind, SendOutcome::Kind::kPermanent) << describe(refused);
    EXPECT_EQ(refused.code, 550);
    EXPECT_NE(refused.detail.find("550"), std::string::npos) << refused.detail;
    EXPECT_TRUE(client.send(plain_message("erin@example.org")).accepted());
    EXPECT_EQ(read_log(server).size(), 1u);
}

// A loopback port that refuses connections: bound, so that nothing else takes it, but not
// listening.
class RefusingPort {
  public:
    RefusingPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
            port_ = ntohs(addr.sin_port);
        }
    }
    ~RefusingPort() {
        if (fd_ >= 0) ::close(fd_);
    }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

TEST(SmtpDelivery, ARefusedConnectionIsTransient) {
    RefusingPort refusing;
    ASSERT_NE(refusing.port(), 0);
    SmtpClient client({.url = "smtp://127.0.0.1:" + std::to_string(refusing.port())});
    const SendOutcome outcome = client.send(plain_message("frank@example.org"));
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kTransient) << describe(outcome);
    EXPECT_EQ(outcome.code, 0);
    EXPECT_FALSE(outcome.detail.empty());
}

TEST(SmtpDelivery, RetriesTransientFailuresWithGrowingDelays) {
    // The first message is answered 451 at the end of DATA, the second 421 with the connection
    // closed; the third is accepted, on a new connection.
    SmtpServerProcess server({"--fail-first", "2"});
    ASSERT_NE(server.port(), 0) << server.log();
    SmtpClient client({.url = server.url()});
    std::vector<std::chrono::milliseconds> sleeps;
    const RetriedOutcome result =
        send_with_retry(client, digest_message(),
                        {.attempts = 4,
                         .first_delay = std::chrono::milliseconds(1000),
                         .factor = 4.0,
                         .sleep = [&](std::chrono::milliseconds d) { sleeps.push_back(d); }});
    EXPECT_TRUE(result.outcome.accepted()) << describe(result.outcome);
    EXPECT_EQ(result.attempts, 3);
    EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(1000),
                                                              std::chrono::milliseconds(4000)}));
    EXPECT_EQ(read_log(server).size(), 1u);
}

TEST(SmtpDelivery, GivesUpAfterTheLastAttempt) {
    SmtpServerProcess server({"--fail-first", "5"});
    ASSERT_NE(server.port(), 0) << server.log();
    SmtpClient client({.url = server.url()});
    int sleeps = 0;
    const RetriedOutcome result =
        send_with_retry(client, plain_message("grace@example.org"),
                        {.attempts = 3, .sleep = [&](std::chrono::milliseconds) { ++sleeps; }});
    EXPECT_EQ(result.outcome.kind, SendOutcome::Kind::kTransient) << describe(result.outcome);
    EXPECT_EQ(result.outcome.code, 451);  // the third failure: 451 again
    EXPECT_EQ(result.attempts, 3);
    EXPECT_EQ(sleeps, 2);
    EXPECT_TRUE(read_log(server).empty());
}

TEST(SmtpDelivery, AuthenticatesAndRefusesWrongCredentialsPermanently) {
    SmtpServerProcess server({"--auth", "paperboy:s3cret@pw"});
    ASSERT_NE(server.port(), 0) << server.log();
    const std::string host = "127.0.0.1:" + std::to_string(server.port());
    {
        SmtpClient client({.url = "smtp://paperboy:wrong@" + host});
        const SendOutcome outcome = client.send(plain_message("heidi@example.org"));
        EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent) << describe(outcome);
        EXPECT_EQ(outcome.code, 535);
        EXPECT_TRUE(outcome.refused_client);  // the configuration's fault, not the recipient's
    }
    {
        // The password's '@' percent-encoded, as the URL requires.
        SmtpClient client({.url = "smtp://paperboy:s3cret%40pw@" + host});
        const SendOutcome outcome = client.send(plain_message("ivan@example.org"));
        EXPECT_TRUE(outcome.accepted()) << describe(outcome);
    }
    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].rcpt_tos, std::vector<std::string>{"ivan@example.org"});
}

// The test certificate (tests/testdata/tls): self-signed for 127.0.0.1, trusted by ca_file.
const std::string kCert = std::string(PAPERBOY_TESTDATA_DIR) + "/tls/smtp-cert.pem";
const std::string kKey = std::string(PAPERBOY_TESTDATA_DIR) + "/tls/smtp-key.pem";

TEST(SmtpDelivery, UpgradesWithStartTlsAndAuthenticatesOverIt) {
    SmtpServerProcess server({"--tls-cert", kCert, "--tls-key", kKey, "--auth", "pb:secret"});
    ASSERT_NE(server.port(), 0) << server.log();
    const std::string host = "pb:secret@127.0.0.1:" + std::to_string(server.port());
    for (const std::string scheme : {"smtp://", "smtp+starttls://"}) {
        SmtpClient client({.url = scheme + host, .ca_file = kCert});
        const SendOutcome outcome = client.send(plain_message("judy@example.org"));
        EXPECT_TRUE(outcome.accepted()) << scheme << ": " << describe(outcome);
    }
    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 2u);
    EXPECT_TRUE(log[0].tls);
    EXPECT_TRUE(log[1].tls);
}

TEST(SmtpDelivery, SpeaksTlsFromTheFirstByteForSmtps) {
    SmtpServerProcess server({"--tls-cert", kCert, "--tls-key", kKey, "--implicit-tls"});
    ASSERT_NE(server.port(), 0) << server.log();
    SmtpClient client(
        {.url = "smtps://127.0.0.1:" + std::to_string(server.port()), .ca_file = kCert});
    for (int i = 0; i < 3; ++i) {
        const SendOutcome outcome = client.send(plain_message("ken@example.org"));
        EXPECT_TRUE(outcome.accepted()) << describe(outcome);
    }
    const auto log = read_log(server);
    ASSERT_EQ(log.size(), 3u);
    EXPECT_TRUE(log[0].tls);
    EXPECT_EQ(log[0].peer, log[2].peer);  // one TLS connection for all three
}

TEST(SmtpDelivery, AnUntrustedCertificateRefusesTheClientAndSendsNothing) {
    SmtpServerProcess server({"--tls-cert", kCert, "--tls-key", kKey});
    ASSERT_NE(server.port(), 0) << server.log();
    // The system's certificates do not include the test's self-signed one.
    SmtpClient client({.url = "smtp+starttls://127.0.0.1:" + std::to_string(server.port())});
    const SendOutcome outcome = client.send(plain_message("leo@example.org"));
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent) << describe(outcome);
    EXPECT_TRUE(outcome.refused_client) << describe(outcome);
    EXPECT_TRUE(read_log(server).empty());
}

}  // namespace
}  // namespace paperboy::mail
