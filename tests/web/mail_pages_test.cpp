// The pages and endpoint of mail through Site::handle(): subscribing to digests (the banner's
// form and POST /api/subscriptions), the confirmation and unsubscribe links, the settings page's
// subscriptions, verifying an address after sign-up and resetting a forgotten password.
//
// A recording Mailer stands in for the relay (it keeps every message, and can be told to fail),
// over a real SQLite file, with the site's clock pinned (Sunday 2024-10-27 10:00 UTC) and moved
// by the tests that need time to pass. Links are followed as a reader would: the first link of
// a message's plain-text part.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "app/mailer.h"
#include "app/search_service.h"
#include "core/timestamp.h"
#include "store/store.h"
#include "support/temp_dir.h"
#include "web/http/message.h"
#include "web/site.h"
#include "web/site_browser.h"

namespace paperboy::web {
namespace {

using site_browser::Browser;
using site_browser::csrf_field;
using site_browser::Fields;
using site_browser::form_body;
using site_browser::kOrigin;
using site_browser::kPassword;
using site_browser::location;

constexpr const char* kPublicUrl = "https://papers.example.org";
constexpr const char* kNewPassword = "a quite different passphrase";

// Keeps what it is given; fails every message while `failure` is set.
class RecordingMailer final : public app::Mailer {
  public:
    mail::RetriedOutcome send(const mail::Message& message) override {
        std::lock_guard lock(mu_);
        mail::RetriedOutcome result;
        result.attempts = 1;
        if (failure) {
            result.outcome.kind = *failure;
            result.outcome.code = *failure == mail::SendOutcome::Kind::kPermanent ? 550 : 451;
            result.outcome.detail = "refused by the test";
            return result;
        }
        messages.push_back(message);
        result.outcome.code = 250;
        return result;
    }

    std::vector<mail::Message> messages;
    std::optional<mail::SendOutcome::Kind> failure;

  private:
    std::mutex mu_;
};

// The first http(s) link of a message's plain-text part, or "".
std::string first_link(const mail::Message& message) {
    std::smatch m;
    if (!std::regex_search(message.text, m, std::regex(R"(https?://[^\s<>"]+)"))) return "";
    return m[0];
}

// The path of a link to this instance ("/unsubscribe/...").
std::string path_of(const std::string& link) {
    const std::string base = kPublicUrl;
    return link.starts_with(base) ? link.substr(base.size()) : link;
}

// The href of the first link whose address starts with `prefix`, or "".
std::string href_starting(const std::string& body, const std::string& prefix) {
    const size_t at = body.find("href=\"" + prefix);
    if (at == std::string::npos) return "";
    const size_t begin = at + 6;
    return body.substr(begin, body.find('"', begin) - begin);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class MailPagesTest : public site_browser::SiteBrowsing {
  protected:
    Site& site() override { return *site_; }

    void SetUp() override {
        auto opened = store::open_store(dir_.file("papers.db"));
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(opened).value();
        auto search = app::SearchService::open(*store_);
        ASSERT_TRUE(search.ok()) << search.error().message();
        search_ = std::move(search).value();
        make_site(&mailer_);
    }

    void make_site(app::Mailer* mailer) {
        SiteOptions options;
        options.now = [this] { return now_; };
        options.api_rate = 0;
        options.mailer = mailer;
        options.mail.public_url = kPublicUrl;
        options.mail.site_name = "Test Papers";
        options.mail.from = mail::Mailbox{"Test Papers", "papers@example.org"};
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options);
    }

    // A form posted from a page whose address holds a token: such pages send no Referer, and
    // browsers then send "Origin: null".
    http::Response post_from_token_page(const std::string& target, const Fields& fields = {}) {
        return send("POST", target,
                    {{"Origin", "null"}, {"Content-Type", "application/x-www-form-urlencoded"}},
                    form_body(fields));
    }

    // The banner's form, as an anonymous visitor sends it from `address`.
    http::Response subscribe_form(const std::string& email, const std::string& frequency = "daily",
                                  const std::string& topic = "",
                                  const std::string& address = "192.0.2.7") {
        Browser browser;
        browser.address = address;
        return post(browser, "/subscribe",
                    {{"email", email}, {"frequency", frequency}, {"topic", topic}});
    }

    http::Response subscribe_api(const std::string& json, http::HeaderList headers = {},
                                 const std::string& address = "192.0.2.7") {
        headers.emplace_back("Content-Type", "application/json");
        return send("POST", "/api/subscriptions", std::move(headers), json, address);
    }

    // Sends the sign-up form with `email` (handle@example.org when empty); its answer.
    http::Response sign_up_form(Browser& browser, const std::string& handle,
                                const std::string& email = "") {
        const http::Response form = get(browser, "/signup");
        EXPECT_EQ(form.status, 200);
        return post(browser, "/signup",
                    {{"csrf", csrf_field(form.body, "/signup")},
                     {"handle", handle},
                     {"email", email.empty() ? handle + "@example.org" : email},
                     {"password", kPassword},
                     {"password_again", kPassword},
                     {"next", "/papers/trending"}});
    }

    // Signs up through the form and logs in; the sign-up's answer.
    http::Response sign_up(Browser& browser, const std::string& handle) {
        http::Response answer = sign_up_form(browser, handle);
        EXPECT_EQ(log_in(browser, handle, kPassword).status, 303);
        return answer;
    }

    http::Response log_in(Browser& browser, const std::string& handle,
                          const std::string& password) {
        const http::Response form = get(browser, "/login");
        return post(browser, "/login",
                    {{"csrf", csrf_field(form.body, "/login")},
                     {"handle", handle},
                     {"password", password},
                     {"next", "/"}});
    }

    // The session's CSRF token, from the settings page.
    std::string session_csrf(Browser& browser) {
        const http::Response page = get(browser, "/settings");
        EXPECT_EQ(page.status, 200);
        return csrf_field(page.body, "/settings/tokens");
    }

    // The subscriptions of an address, from the store.
    std::vector<Subscription> stored(const std::string& email) {
        auto found = store_->subscriptions_of(email, 0);
        EXPECT_TRUE(found.ok());
        return found.ok() ? *found : std::vector<Subscription>{};
    }

    // The confirmation link of the last message, as a path.
    std::string last_link() {
        EXPECT_FALSE(mailer_.messages.empty());
        return mailer_.messages.empty() ? "" : path_of(first_link(mailer_.messages.back()));
    }

    // Asks for a password reset for `email` with `visitor`, through the forgot form as its
    // page sends it; the status of the answer.
    int ask_reset(Browser& visitor, const std::string& email) {
        const std::string csrf =
            csrf_field(get(visitor, "/account/forgot").body, "/account/forgot");
        return post(visitor, "/account/forgot", {{"csrf", csrf}, {"email", email}}).status;
    }

    // Subscribes `email` and follows the confirmation; the "You're subscribed" page.
    http::Response subscribe_and_confirm(const std::string& email,
                                         const std::string& frequency = "daily") {
        EXPECT_EQ(subscribe_form(email, frequency).status, 200);
        return send("POST", last_link());
    }

    std::chrono::sys_seconds now_ = *parse_instant("2024-10-27T10:00:00Z");  // a Sunday
    testing::TempDir dir_;
    RecordingMailer mailer_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

// ---- the banner and POST /subscribe ----

TEST_F(MailPagesTest, TheBannerAsksForAnAddressAFrequencyAndATopicWithLabels) {
    Browser browser;
    const http::Response home = get(browser, "/");
    ASSERT_EQ(home.status, 200);
    const std::string& body = home.body;
    EXPECT_TRUE(contains(body, R"(<form class="banner-form" method="post" action="/subscribe">)"));
    for (const char* id : {"banner-email", "banner-frequency", "banner-topic"}) {
        EXPECT_TRUE(contains(body, std::string("<label class=\"visually-hidden\" for=\"") + id))
            << id;
    }
    EXPECT_TRUE(contains(body, R"(<option value="daily" selected>Daily</option>)"));
    EXPECT_TRUE(contains(body, R"(<option value="weekly">Weekly</option>)"));
    // A cached anonymous page carries no one's token.
    EXPECT_EQ(csrf_field(body), "");
}

TEST_F(MailPagesTest, SubscribingSendsOneConfirmationAndAnswersTheSameWhateverTheState) {
    const http::Response first = subscribe_form("  Ada@Example.ORG ", "weekly", "llm agents");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_TRUE(contains(first.body, "Check your inbox"));
    EXPECT_TRUE(contains(first.body, "ada@example.org"));
    EXPECT_TRUE(contains(first.body, "the weekly digest of papers matching “llm agents”"));
    EXPECT_EQ(first.header("Cache-Control").value_or(""), "private, no-store");

    ASSERT_EQ(mailer_.messages.size(), 1u);
    const mail::Message& message = mailer_.messages[0];
    EXPECT_EQ(message.to.address, "ada@example.org");
    EXPECT_TRUE(message.subject.starts_with("Confirm")) << message.subject;
    const std::string link = first_link(message);
    EXPECT_TRUE(link.starts_with(std::string(kPublicUrl) + "/subscriptions/confirm/c.")) << link;

    // Asked again within the hour: nothing sent, the same page.
    const http::Response again = subscribe_form("ada@example.org", "weekly", "llm agents");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(mailer_.messages.size(), 1u);

    // Confirmed: nothing sent, the same page still.
    ASSERT_EQ(send("POST", path_of(link)).status, 200);
    const http::Response confirmed = subscribe_form("ada@example.org", "weekly", "llm agents");
    EXPECT_EQ(confirmed.status, 200);
    EXPECT_EQ(confirmed.body, first.body);
    EXPECT_EQ(mailer_.messages.size(), 1u);
}

TEST_F(MailPagesTest, TheApiAnswers202PendingForEveryOutcome) {
    const http::Response first =
        subscribe_api(R"({"email": "bob@example.org", "frequency": "daily"})");
    ASSERT_EQ(first.status, 202) << first.body;
    EXPECT_TRUE(contains(first.body, R"("status":"pending")")) << first.body;
    EXPECT_TRUE(contains(first.body, R"("message":)"));
    EXPECT_EQ(first.header("Cache-Control").value_or(""), "no-store");
    ASSERT_EQ(mailer_.messages.size(), 1u);
    EXPECT_TRUE(path_of(first_link(mailer_.messages[0])).starts_with("/subscriptions/confirm/"));

    const http::Response recent = subscribe_api(R"({"email": "bob@example.org"})");
    EXPECT_EQ(recent.status, 202);
    EXPECT_EQ(recent.body, first.body);
    EXPECT_EQ(mailer_.messages.size(), 1u);

    ASSERT_EQ(send("POST", last_link()).status, 200);
    const http::Response confirmed =
        subscribe_api(R"({"email": "bob@example.org", "frequency": "daily", "topic": null})");
    EXPECT_EQ(confirmed.status, 202);
    EXPECT_EQ(confirmed.body, first.body);
    EXPECT_EQ(mailer_.messages.size(), 1u);

    // A topic makes another subscription of the same address.
    EXPECT_EQ(subscribe_api(R"({"email": "bob@example.org", "topic": "diffusion"})").status, 202);
    EXPECT_EQ(mailer_.messages.size(), 2u);
    EXPECT_EQ(stored("bob@example.org").size(), 2u);
}

TEST_F(MailPagesTest, BadAddressesAndHostileInputAre400WithTheReason) {
    struct Case {
        std::string email, frequency, topic;
    };
    const Case cases[] = {
        {"not an address", "daily", ""},
        {"ada@example.org\r\nBcc: eve@example.org", "daily", ""},
        {std::string(10 * 1024, 'a') + "@example.org", "daily", ""},
        {"ada@example.org", "monthly", ""},
        {"ada@example.org", "daily", std::string(300, 'x')},
        {"ada@example.org", "daily",
         "llm\x01"
         "agents"},
        {"\"><script>alert(1)</script>@example.org", "daily", ""},
    };
    for (const Case& c : cases) {
        const http::Response r = subscribe_form(c.email, c.frequency, c.topic);
        EXPECT_EQ(r.status, 400) << c.email.substr(0, 60) << " / " << c.topic.substr(0, 20);
        EXPECT_TRUE(contains(r.body, "notice-error")) << r.body.substr(0, 200);
        EXPECT_FALSE(contains(r.body, "<script>alert(1)</script>"));
        // The form comes back to be corrected.
        EXPECT_TRUE(contains(r.body, R"(id="subscribe-email")"));
    }
    EXPECT_TRUE(contains(subscribe_form("ada@example.org", "monthly").body, "The frequency is"));
    EXPECT_TRUE(contains(subscribe_form("ada@example.org", "daily", std::string(300, 'x')).body,
                         "200 bytes"));
    EXPECT_TRUE(mailer_.messages.empty());
}

TEST_F(MailPagesTest, TheApiRefusesBadJsonWrongTypesAndBadFieldsWith400) {
    const std::string hostile_email = R"({"email": "ada@example.org\r\nBcc: eve@example.org"})";
    const std::string long_email = R"({"email": ")" + std::string(10 * 1024, 'a') + R"(@x.org"})";
    struct Case {
        std::string body, words;
    };
    const Case cases[] = {
        {"{not json", "JSON object"},
        {"[1, 2]", "JSON object"},
        {"", "JSON object"},
        {R"({"frequency": "daily"})", "email must be a string"},
        {R"({"email": 5})", "email must be a string"},
        {R"({"email": "ada@example.org", "frequency": 7})", "frequency must be a string"},
        {R"({"email": "ada@example.org", "topic": ["a"]})", "topic must be a string"},
        {R"({"email": "ada@example.org", "frequency": "hourly"})", "daily"},
        {hostile_email, "address"},
        {long_email, "address"},
    };
    for (const Case& c : cases) {
        const http::Response r = subscribe_api(c.body);
        EXPECT_EQ(r.status, 400) << c.body.substr(0, 60);
        EXPECT_TRUE(contains(r.body, R"("code":"bad_parameter")")) << r.body;
        EXPECT_TRUE(contains(r.body, c.words)) << c.body.substr(0, 60) << ": " << r.body;
    }
    const http::Response huge = subscribe_api(R"({"email": ")" + std::string(20000, 'a') + "\"}");
    EXPECT_EQ(huge.status, 413);
    EXPECT_TRUE(mailer_.messages.empty());

    // Line breaks in a topic never reach a mail or a header: they are white space, collapsed.
    ASSERT_EQ(subscribe_api(R"({"email": "ada@example.org", "topic": "llm\r\nBcc: x"})").status,
              202);
    const auto subscriptions = stored("ada@example.org");
    ASSERT_EQ(subscriptions.size(), 1u);
    EXPECT_EQ(subscriptions[0].topic, "llm Bcc: x");
}

TEST_F(MailPagesTest, ManyRequestsFromOneAddressAre429WithRetryAfter) {
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(subscribe_form("reader" + std::to_string(i) + "@example.org").status, 200) << i;
    }
    const http::Response form = subscribe_form("reader10@example.org");
    EXPECT_EQ(form.status, 429);
    EXPECT_TRUE(contains(form.body, "Too many subscription requests"));
    const int retry = std::stoi(std::string(form.header("Retry-After").value_or("0")));
    EXPECT_GT(retry, 0);
    EXPECT_LE(retry, 3600);
    const http::Response api = subscribe_api(R"({"email": "reader11@example.org"})");
    EXPECT_EQ(api.status, 429);
    EXPECT_TRUE(contains(api.body, R"("code":"rate_limited")"));
    EXPECT_TRUE(api.header("Retry-After").has_value());
    EXPECT_EQ(mailer_.messages.size(), 10u);
    // Another client is not held up.
    EXPECT_EQ(subscribe_form("reader12@example.org", "daily", "", "198.51.100.1").status, 200);
}

TEST_F(MailPagesTest, WithoutAMailerSubscribingIs503) {
    make_site(nullptr);
    const http::Response form = subscribe_form("ada@example.org");
    EXPECT_EQ(form.status, 503);
    EXPECT_TRUE(contains(form.body, "cannot send mail"));
    const http::Response page = send("GET", "/subscribe");
    EXPECT_EQ(page.status, 503);
    const http::Response api = subscribe_api(R"({"email": "ada@example.org"})");
    EXPECT_EQ(api.status, 503);
    EXPECT_TRUE(contains(api.body, R"("code":"mail_unavailable")"));
    EXPECT_TRUE(stored("ada@example.org").empty() ||
                stored("ada@example.org")[0].confirm_sent_at.empty());
}

TEST_F(MailPagesTest, AConfirmationTheRelayRefusesIs503AndTheNextRequestSendsIt) {
    mailer_.failure = mail::SendOutcome::Kind::kTransient;
    const http::Response refused = subscribe_form("ada@example.org");
    EXPECT_EQ(refused.status, 503);
    EXPECT_TRUE(refused.header("Retry-After").has_value());
    mailer_.failure.reset();
    EXPECT_EQ(subscribe_form("ada@example.org").status, 200);
    EXPECT_EQ(mailer_.messages.size(), 1u);
}

TEST_F(MailPagesTest, ACookieRequestToTheApiMustComeFromThisSite) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    const size_t sent = mailer_.messages.size();
    const http::Response cross =
        subscribe_api(R"({"email": "ada@example.org"})",
                      {{"Cookie", ada.cookie_header()}, {"Origin", "https://evil.example"}});
    EXPECT_EQ(cross.status, 403);
    EXPECT_TRUE(contains(cross.body, "cross_site"));
    EXPECT_EQ(mailer_.messages.size(), sent);
    const http::Response same = subscribe_api(
        R"({"email": "ada@example.org"})", {{"Cookie", ada.cookie_header()}, {"Origin", kOrigin}});
    EXPECT_EQ(same.status, 202);
    const auto subscriptions = stored("ada@example.org");
    ASSERT_EQ(subscriptions.size(), 1u);
    EXPECT_NE(subscriptions[0].user_id, 0) << "linked to the account that asked";
}

TEST_F(MailPagesTest, TheBannerFormIsRefusedFromAnotherSite) {
    http::HeaderList headers = {{"Origin", "https://evil.example"},
                                {"Content-Type", "application/x-www-form-urlencoded"}};
    EXPECT_EQ(send("POST", "/subscribe", headers, "email=ada%40example.org").status, 403);
    headers = {{"Referer", "https://evil.example/page"},
               {"Content-Type", "application/x-www-form-urlencoded"}};
    EXPECT_EQ(send("POST", "/subscribe", headers, "email=ada%40example.org").status, 403);
    EXPECT_TRUE(mailer_.messages.empty());
}

// ---- the confirmation link ----

TEST_F(MailPagesTest, OpeningTheConfirmationLinkDoesNotConfirmThePostDoesOnce) {
    ASSERT_EQ(subscribe_form("ada@example.org", "daily", "diffusion").status, 200);
    const std::string link = last_link();

    const http::Response page = send("GET", link);
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_TRUE(contains(page.body, "ada@example.org"));
    EXPECT_TRUE(contains(page.body, "the daily digest of papers matching “diffusion”"));
    EXPECT_TRUE(contains(page.body, R"(method="post" action=")" + link + "\""));
    EXPECT_EQ(page.header("Cache-Control").value_or(""), "no-store");
    EXPECT_EQ(page.header("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(send("GET", link).status, 200) << "a scanner's second look changes nothing";
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kPending);

    const http::Response done = send("POST", link);
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_TRUE(contains(done.body, "You're subscribed"));
    // Sunday's list is not sent (weekends are skipped), so Monday's comes on Tuesday.
    EXPECT_TRUE(contains(done.body, "Tuesday, Oct 29, 2024, at about 07:00 UTC")) << done.body;
    EXPECT_TRUE(contains(done.body, "href=\"/unsubscribe/u."));
    EXPECT_EQ(done.header("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(done.header("Cache-Control").value_or(""), "no-store");
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kConfirmed);

    const http::Response used = send("POST", link);
    EXPECT_EQ(used.status, 404);
    EXPECT_EQ(send("GET", link).status, 404);  // a used link's page says so at once
    EXPECT_TRUE(contains(used.body, "This link is not valid"));
    EXPECT_EQ(used.header("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(send("GET", link).status, 404);
}

TEST_F(MailPagesTest, AWeeklySubscriptionSaysItsDay) {
    const http::Response done = subscribe_and_confirm("ada@example.org", "weekly");
    ASSERT_EQ(done.status, 200);
    EXPECT_TRUE(contains(done.body, "every Monday"));
    EXPECT_TRUE(contains(done.body, "Monday, Oct 28, 2024, at about 07:00 UTC")) << done.body;
}

TEST_F(MailPagesTest, AnExpiredOrTamperedConfirmationLinkIs404) {
    ASSERT_EQ(subscribe_form("ada@example.org").status, 200);
    const std::string link = last_link();
    std::string tampered = link;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(send("GET", tampered).status, 404);
    EXPECT_EQ(send("POST", tampered).status, 404);
    EXPECT_EQ(send("GET", "/subscriptions/confirm/c.1.x.y").status, 404);
    EXPECT_EQ(send("GET", "/subscriptions/confirm/%3Cscript%3E").status, 404);

    now_ += std::chrono::days(8);
    const http::Response expired = send("GET", link);
    EXPECT_EQ(expired.status, 404);
    EXPECT_TRUE(contains(expired.body, "expired"));
    EXPECT_EQ(send("POST", link).status, 404);
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kPending);
}

// ---- unsubscribing ----

TEST_F(MailPagesTest, TheUnsubscribePageAsksAndItsPostOrAOneClickPostUnsubscribes) {
    const http::Response confirmed = subscribe_and_confirm("ada@example.org");
    const std::string link = href_starting(confirmed.body, "/unsubscribe/");
    ASSERT_FALSE(link.empty()) << confirmed.body;

    const http::Response page = send("GET", link);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "Stop sending the daily digest to"));
    EXPECT_TRUE(contains(page.body, "ada@example.org"));
    EXPECT_TRUE(contains(page.body, R"(method="post" action=")" + link + "\""));
    EXPECT_EQ(page.header("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kConfirmed);

    // RFC 8058: a mail program's POST, no cookie, no Origin, no CSRF token.
    const http::Response one_click =
        send("POST", link, {{"Content-Type", "application/x-www-form-urlencoded"}},
             "List-Unsubscribe=One-Click");
    ASSERT_EQ(one_click.status, 200) << one_click.body;
    EXPECT_TRUE(contains(one_click.body, "You are unsubscribed"));
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kUnsubscribed);

    // Again, as multipart/form-data: idempotent.
    const std::string multipart =
        "--b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
        "One-Click\r\n--b0undary--\r\n";
    const http::Response again =
        send("POST", link, {{"Content-Type", "multipart/form-data; boundary=b0undary"}}, multipart);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kUnsubscribed);
    const http::Response after = send("GET", link);
    EXPECT_EQ(after.status, 200);
    EXPECT_TRUE(contains(after.body, "is not subscribed to the daily digest"));

    std::string tampered = link;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(send("GET", tampered).status, 404);
    EXPECT_EQ(send("POST", tampered, {}, "List-Unsubscribe=One-Click").status, 404);
    EXPECT_EQ(send("POST", "/unsubscribe/u.999.abc").status, 404);
}

// ---- the settings page ----

TEST_F(MailPagesTest, SettingsListAMembersSubscriptionsAndChangeThemWithTheCsrfToken) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    const std::string csrf = session_csrf(ada);
    ASSERT_FALSE(csrf.empty());

    // The logged-in banner carries the session's token, and needs it.
    const http::Response home = get(ada, "/");
    EXPECT_EQ(csrf_field(home.body, "/subscribe"), csrf);
    const http::Response forged =
        post(ada, "/subscribe", {{"email", "ada@example.org"}, {"frequency", "daily"}});
    EXPECT_EQ(forged.status, 403);
    const http::Response asked = post(
        ada, "/subscribe", {{"csrf", csrf}, {"email", "ada@example.org"}, {"frequency", "weekly"}});
    ASSERT_EQ(asked.status, 200) << asked.body;

    const http::Response settings = get(ada, "/settings");
    ASSERT_EQ(settings.status, 200);
    EXPECT_TRUE(contains(settings.body, "Email digests"));
    EXPECT_TRUE(contains(settings.body, "The weekly digest"));
    EXPECT_TRUE(contains(settings.body, ">pending</span>"));
    EXPECT_TRUE(contains(settings.body, R"(name="email" value="ada@example.org")"))
        << "the subscribe form is filled in";
    const auto subscriptions = stored("ada@example.org");
    ASSERT_EQ(subscriptions.size(), 1u);
    const std::string action = "/settings/subscriptions/" + std::to_string(subscriptions[0].id);
    EXPECT_EQ(csrf_field(settings.body, action), csrf);

    EXPECT_EQ(post(ada, action, {{"action", "unsubscribe"}}).status, 403);
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kPending);
    const http::Response stopped = post(ada, action, {{"csrf", csrf}, {"action", "unsubscribe"}});
    ASSERT_EQ(stopped.status, 303);
    EXPECT_EQ(location(stopped), "/settings?notice=unsubscribed#digests");
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kUnsubscribed);
    const http::Response listed = get(ada, "/settings?notice=unsubscribed");
    EXPECT_TRUE(contains(listed.body, ">unsubscribed</span>"));
    EXPECT_TRUE(contains(listed.body, "Unsubscribed: no more digests"));
    EXPECT_TRUE(contains(listed.body, ">Resume</button>"));

    // Never confirmed, never verified: resuming needs a new confirmation, and says so.
    const http::Response refused = post(ada, action, {{"csrf", csrf}, {"action", "resume"}});
    EXPECT_EQ(refused.status, 400);
    EXPECT_TRUE(contains(refused.body, "Subscribe again to get a confirmation mail"));
    EXPECT_EQ(post(ada, action, {{"csrf", csrf}, {"action", "explode"}}).status, 400);
    EXPECT_EQ(
        post(ada, "/settings/subscriptions/99999", {{"csrf", csrf}, {"action", "resume"}}).status,
        404);
    EXPECT_EQ(post(ada, "/settings/subscriptions/x", {{"csrf", csrf}, {"action", "resume"}}).status,
              404);

    // Someone else's subscription is not theirs to change.
    ASSERT_EQ(subscribe_form("bob@example.org").status, 200);
    const std::string bobs =
        "/settings/subscriptions/" + std::to_string(stored("bob@example.org")[0].id);
    EXPECT_EQ(post(ada, bobs, {{"csrf", csrf}, {"action", "unsubscribe"}}).status, 404);
    EXPECT_EQ(stored("bob@example.org")[0].status, SubscriptionStatus::kPending);
}

TEST_F(MailPagesTest, AVerifiedMemberResumesAConfirmedSubscription) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    ASSERT_EQ(send("POST", last_link()).status, 200) << "the verification link";
    subscribe_and_confirm("ada@example.org");
    const std::string csrf = session_csrf(ada);
    const std::string action =
        "/settings/subscriptions/" + std::to_string(stored("ada@example.org")[0].id);
    ASSERT_EQ(post(ada, action, {{"csrf", csrf}, {"action", "unsubscribe"}}).status, 303);
    const http::Response resumed = post(ada, action, {{"csrf", csrf}, {"action", "resume"}});
    ASSERT_EQ(resumed.status, 303) << resumed.body;
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kConfirmed);
}

// ---- verifying the address ----

TEST_F(MailPagesTest, SignUpSendsAVerificationMailWhoseLinkVerifiesOnce) {
    Browser ada;
    const http::Response r = sign_up_form(ada, "ada");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(contains(r.body, "Check your mail"));
    EXPECT_TRUE(contains(r.body, "We sent a mail to <strong class=\"echo\">ada@example.org"));
    EXPECT_TRUE(contains(r.body, R"(href="/login?next=%2Fpapers%2Ftrending")"));
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "private, no-store");
    EXPECT_TRUE(ada.cookies.find("pb_session") == ada.cookies.end()) << "not logged in yet";
    ASSERT_EQ(mailer_.messages.size(), 1u);
    EXPECT_EQ(mailer_.messages[0].to.address, "ada@example.org");
    const std::string link = last_link();
    EXPECT_TRUE(link.starts_with("/account/verify/")) << link;

    ASSERT_EQ(log_in(ada, "ada", kPassword).status, 303) << "the account works at once";
    const http::Response page = send("GET", link);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "Verify my address"));
    EXPECT_EQ(page.header("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(page.header("Cache-Control").value_or(""), "no-store");
    EXPECT_TRUE(contains(get(ada, "/settings").body, "not verified"));

    const http::Response verified = send("POST", link);
    ASSERT_EQ(verified.status, 200) << verified.body;
    EXPECT_TRUE(contains(verified.body, "Your address is verified"));
    EXPECT_TRUE(contains(verified.body, "ada@example.org"));
    const http::Response settings = get(ada, "/settings");
    EXPECT_TRUE(contains(settings.body, ">verified</span>"));
    EXPECT_FALSE(contains(settings.body, "/settings/verify-email"));

    const http::Response used = send("POST", link);
    EXPECT_EQ(used.status, 404);
    EXPECT_EQ(used.header("Referrer-Policy").value_or(""), "no-referrer");
}

// The answer without what differs by design: the address typed in, echoed back.
std::string without_address(const http::Response& r, const std::string& address) {
    std::string body = r.body;
    for (size_t at = body.find(address); at != std::string::npos; at = body.find(address, at)) {
        body.replace(at, address.size(), "ADDRESS");
    }
    return body;
}

TEST_F(MailPagesTest, ASignUpWithATakenAddressAnswersAsANewOneAndTellsTheOwner) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    mailer_.messages.clear();

    // Someone else tries ada's address, and a third person a free one: the same answer.
    Browser eve;
    const http::Response taken = sign_up_form(eve, "eve", "Ada@Example.org");
    Browser fay;
    const http::Response fresh = sign_up_form(fay, "fay");
    EXPECT_EQ(taken.status, 200) << taken.body;
    EXPECT_EQ(fresh.status, 200) << fresh.body;
    EXPECT_EQ(without_address(taken, "Ada@Example.org"), without_address(fresh, "fay@example.org"));
    EXPECT_FALSE(contains(taken.body, "taken"));
    auto header_names = [](const http::Response& r) {
        std::vector<std::string> names;
        for (const auto& [name, value] : r.headers) names.push_back(name);
        return names;
    };
    EXPECT_EQ(header_names(taken), header_names(fresh));
    EXPECT_EQ(site_browser::set_cookies(taken), site_browser::set_cookies(fresh));

    // No account for eve; ada is told, and fay gets her verification link.
    EXPECT_FALSE(store_->find_user("eve")->has_value());
    EXPECT_EQ(log_in(eve, "eve", kPassword).status, 401);
    ASSERT_EQ(mailer_.messages.size(), 2u);
    const mail::Message& note = mailer_.messages[0];
    EXPECT_EQ(note.to.address, "ada@example.org");
    EXPECT_EQ(note.subject, "Someone tried to sign up on Test Papers with your address");
    EXPECT_TRUE(contains(note.text, "Hello ada,")) << note.text;
    EXPECT_TRUE(contains(note.text, "no new account")) << note.text;
    EXPECT_EQ(first_link(note), std::string(kPublicUrl) + "/login");
    EXPECT_TRUE(contains(note.html, "Someone tried to sign up"));
    EXPECT_EQ(mailer_.messages[1].to.address, "fay@example.org");
    EXPECT_TRUE(first_link(mailer_.messages[1]).find("/account/verify/") != std::string::npos);

    // The owner is told a few times an hour at most; the answer stays the same.
    for (int i = 0; i < 4; ++i) {
        Browser again;
        again.address = "198.51.100." + std::to_string(i);
        EXPECT_EQ(sign_up_form(again, "eve" + std::to_string(i), "ada@example.org").status, 200);
    }
    EXPECT_EQ(mailer_.messages.size(), 2u + 2u);  // 3 notes in the hour

    // A taken handle may be said: handles are public.
    Browser other;
    const http::Response handle = sign_up_form(other, "ADA", "someone@example.org");
    EXPECT_EQ(handle.status, 409);
    EXPECT_TRUE(contains(handle.body, "The handle ADA is already taken."));
}

TEST_F(MailPagesTest, ASignUpWhoseMailFailsAnswersTheSameAndTheSettingsPageSendsItAgain) {
    mailer_.failure = mail::SendOutcome::Kind::kPermanent;
    Browser ada;
    const http::Response r = sign_up_form(ada, "ada");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(contains(r.body, "Check your mail"));
    EXPECT_TRUE(store_->find_user("ada")->has_value());

    // The settings page's button sends it again, with the session's token.
    mailer_.failure.reset();
    ASSERT_EQ(log_in(ada, "ada", kPassword).status, 303);
    const std::string csrf = session_csrf(ada);
    EXPECT_EQ(post(ada, "/settings/verify-email", {}).status, 403);
    EXPECT_TRUE(mailer_.messages.empty());
    const http::Response sent = post(ada, "/settings/verify-email", {{"csrf", csrf}});
    ASSERT_EQ(sent.status, 303);
    EXPECT_EQ(location(sent), "/settings?notice=verification-sent");
    EXPECT_EQ(mailer_.messages.size(), 1u);
    EXPECT_TRUE(
        contains(get(ada, location(sent)).body, "We sent a link to verify ada@example.org"));
}

TEST_F(MailPagesTest, WithoutAMailerSignUpLogsInAtOnceAndATakenAddressIsSaid) {
    make_site(nullptr);
    Browser ada;
    const http::Response r = sign_up_form(ada, "ada");
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/papers/trending");
    const http::Response settings = get(ada, "/settings");
    EXPECT_TRUE(contains(settings.body, "cannot send mail"));
    EXPECT_FALSE(contains(settings.body, "/settings/verify-email"));
    EXPECT_FALSE(contains(get(ada, "/login").body, "/account/forgot"));
    // No one to tell, and an account is logged in at once: the address is said to be taken.
    Browser eve;
    const http::Response taken = sign_up_form(eve, "eve", "ada@example.org");
    EXPECT_EQ(taken.status, 409);
    EXPECT_TRUE(contains(taken.body, "The email address ada@example.org is already taken."));
}

// ---- a forgotten password ----

TEST_F(MailPagesTest, AskingForAResetAnswersTheSameForAnUnknownAddressAndSendsNothing) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    mailer_.messages.clear();

    Browser visitor;
    const http::Response login = get(visitor, "/login");
    EXPECT_TRUE(contains(login.body, R"(<a href="/account/forgot">Forgot your password?</a>)"));
    const http::Response form = get(visitor, "/account/forgot");
    ASSERT_EQ(form.status, 200);
    const std::string csrf = csrf_field(form.body, "/account/forgot");
    ASSERT_FALSE(csrf.empty());

    const http::Response unknown =
        post(visitor, "/account/forgot", {{"csrf", csrf}, {"email", "nobody@example.org"}});
    EXPECT_EQ(unknown.status, 200);
    const std::string words =
        "If an account uses that address, we sent it a link to reset the password (valid 1 hour)";
    EXPECT_TRUE(contains(unknown.body, words));
    EXPECT_TRUE(mailer_.messages.empty());

    const http::Response known =
        post(visitor, "/account/forgot", {{"csrf", csrf}, {"email", "ada@example.org"}});
    EXPECT_EQ(known.status, 200);
    EXPECT_TRUE(contains(known.body, words));
    ASSERT_EQ(mailer_.messages.size(), 1u);
    EXPECT_TRUE(last_link().starts_with("/account/reset/"));

    EXPECT_EQ(post(visitor, "/account/forgot", {{"email", "ada@example.org"}}).status, 403);
    EXPECT_EQ(post(visitor, "/account/forgot", {{"csrf", csrf}, {"email", "no address"}}).status,
              400);
}

TEST_F(MailPagesTest, ResetRequestsFromOneAddressAreLimited) {
    Browser visitor;
    const std::string csrf = csrf_field(get(visitor, "/account/forgot").body, "/account/forgot");
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(post(visitor, "/account/forgot",
                       {{"csrf", csrf}, {"email", "n" + std::to_string(i) + "@example.org"}})
                      .status,
                  200);
    }
    const http::Response limited =
        post(visitor, "/account/forgot", {{"csrf", csrf}, {"email", "n10@example.org"}});
    EXPECT_EQ(limited.status, 429);
    EXPECT_TRUE(limited.header("Retry-After").has_value());
}

TEST_F(MailPagesTest, AResetLinkSetsANewPasswordOnceAndEndsEverySession) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    Browser visitor;
    ASSERT_EQ(ask_reset(visitor, "ada@example.org"), 200);
    const std::string link = last_link();
    ASSERT_TRUE(link.starts_with("/account/reset/")) << link;

    const http::Response form = get(visitor, link);
    ASSERT_EQ(form.status, 200);
    EXPECT_TRUE(contains(form.body, R"(method="post" action=")" + link + "\""));
    EXPECT_EQ(form.header("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(form.header("Cache-Control").value_or(""), "no-store");

    const http::Response differ =
        post(visitor, link, {{"password", kNewPassword}, {"password_again", "something else"}});
    EXPECT_EQ(differ.status, 400);
    EXPECT_TRUE(contains(differ.body, "The two passwords differ."));
    const http::Response weak =
        post(visitor, link, {{"password", "short"}, {"password_again", "short"}});
    EXPECT_EQ(weak.status, 400);
    EXPECT_TRUE(contains(weak.body, "notice-error"));
    EXPECT_EQ(weak.header("Referrer-Policy").value_or(""), "no-referrer");

    const http::Response done =
        post(visitor, link, {{"password", kNewPassword}, {"password_again", kNewPassword}});
    ASSERT_EQ(done.status, 303) << done.body;
    EXPECT_EQ(location(done), "/login?notice=password-changed");
    EXPECT_TRUE(contains(get(visitor, location(done)).body, "Your password was changed"));

    // The session from before is over; the old password no longer works, the new one does.
    const http::Response settings = get(ada, "/settings");
    EXPECT_EQ(settings.status, 303);
    Browser other;
    EXPECT_EQ(log_in(other, "ada", kPassword).status, 401);
    EXPECT_EQ(log_in(other, "ada", kNewPassword).status, 303);

    // The link works once.
    const http::Response reused =
        post(visitor, link, {{"password", kNewPassword}, {"password_again", kNewPassword}});
    EXPECT_EQ(reused.status, 404);
    EXPECT_TRUE(contains(reused.body, "not valid"));
    const http::Response reopened = get(visitor, link);  // no form for a used link
    EXPECT_EQ(reopened.status, 404);
    EXPECT_FALSE(contains(reopened.body, "password_again"));
}

TEST_F(MailPagesTest, AnExpiredResetLinkIs404) {
    Browser ada;
    ASSERT_EQ(sign_up(ada, "ada").status, 200);
    Browser visitor;
    ASSERT_EQ(ask_reset(visitor, "ada@example.org"), 200);
    const std::string link = last_link();
    now_ += std::chrono::minutes(61);
    EXPECT_EQ(get(visitor, link).status, 404);
    EXPECT_EQ(
        post(visitor, link, {{"password", kNewPassword}, {"password_again", kNewPassword}}).status,
        404);
    EXPECT_EQ(log_in(visitor, "ada", kPassword).status, 303);
}

// ---- every new page ----

TEST_F(MailPagesTest, TheFormsOfTokenPagesWorkWithTheNullOriginBrowsersSendFromThem) {
    ASSERT_EQ(subscribe_form("ada@example.org").status, 200);
    const http::Response confirmed = post_from_token_page(last_link());
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    const std::string unsubscribe = href_starting(confirmed.body, "/unsubscribe/");
    EXPECT_EQ(post_from_token_page(unsubscribe).status, 200);
    EXPECT_EQ(stored("ada@example.org")[0].status, SubscriptionStatus::kUnsubscribed);

    Browser bob;
    ASSERT_EQ(sign_up(bob, "bob").status, 200);
    EXPECT_EQ(post_from_token_page(last_link()).status, 200) << "the verification link";
    Browser visitor;
    ASSERT_EQ(ask_reset(visitor, "bob@example.org"), 200);
    const http::Response reset = post_from_token_page(
        last_link(), {{"password", kNewPassword}, {"password_again", kNewPassword}});
    EXPECT_EQ(reset.status, 303) << reset.body;
    EXPECT_EQ(reset.header("Referrer-Policy").value_or(""), "no-referrer");
}

TEST_F(MailPagesTest, TheNewPagesCarryTheSecurityHeaders) {
    ASSERT_EQ(subscribe_form("ada@example.org").status, 200);
    const std::string confirm = last_link();
    const std::string targets[] = {"/subscribe", confirm, "/account/forgot", "/account/reset/abc",
                                   "/account/verify/abc"};
    for (const std::string& target : targets) {
        const http::Response r = send("GET", target);
        // Made-up account links are refused at once (their error page is checked too).
        EXPECT_EQ(r.status, target.ends_with("/abc") ? 404 : 200) << target;
        EXPECT_TRUE(
            r.header("Content-Security-Policy").value_or("").starts_with("default-src 'self'"))
            << target;
        EXPECT_EQ(r.header("X-Frame-Options").value_or(""), "DENY") << target;
        EXPECT_EQ(r.header("X-Content-Type-Options").value_or(""), "nosniff") << target;
        const bool token = target != "/subscribe" && target != "/account/forgot";
        EXPECT_EQ(r.header("Referrer-Policy").value_or(""),
                  token ? "no-referrer" : "strict-origin-when-cross-origin")
            << target;
    }
}

}  // namespace
}  // namespace paperboy::web
