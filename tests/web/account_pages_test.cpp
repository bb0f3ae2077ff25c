// The account pages and the upvote form through Site::handle(), as a browser would use them:
// a cookie jar, forms posted with the tokens their pages carry, and the attacks a browser can
// be made to send — forms from another site, a missing or stolen CSRF token, redirects to
// elsewhere, markup in a handle or a title. Over a real SQLite file with the hand-written
// Hugging Face daily list of 2024-10-25 (8 papers) and one paper whose title holds a <script> tag.
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "app/ingest_pipeline.h"
#include "app/search_service.h"
#include "core/timestamp.h"
#include "core/url.h"
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
using site_browser::set_cookie;
using site_browser::set_cookies;

const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
constexpr const char* kDay = "/papers/date/2024-10-25";
constexpr const char* kPaper = "2410.61842";  // 57 upvotes, first on kDay

// The <article> of the card (or paper) whose upvote form posts to `id`, or "".
std::string card_of(const std::string& body, const std::string& id) {
    const size_t at = body.find("action=\"/papers/" + id + "/upvote\"");
    if (at == std::string::npos) return "";
    const size_t begin = body.rfind("<article", at);
    const size_t end = body.find("</article>", at);
    if (begin == std::string::npos || end == std::string::npos) return "";
    return body.substr(begin, end - begin);
}

// The count a card shows, or -1.
int card_count(const std::string& card) {
    std::smatch m;
    if (!std::regex_search(card, m, std::regex(R"re(<span class="vote-count">(\d+)</span>)re"))) {
        return -1;
    }
    return std::stoi(m[1]);
}

class AccountPagesTest : public site_browser::SiteBrowsing {
  protected:
    Site& site() override { return *site_; }

    void SetUp() override {
        auto opened = store::open_store(dir_.file("papers.db"));
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(opened).value();
        auto ingested =
            app::ingest_files(*store_, {kTestdata + "/json/handmade_hf_daily_2024-10-25.json"}, {});
        ASSERT_TRUE(ingested.ok()) << ingested.error().message();
        ASSERT_TRUE(ingested->failed_files.empty()) << ingested->failed_files.front().message();

        Paper hostile;
        hostile.id = *PaperId::parse("2410.99999");
        hostile.version = 1;
        hostile.title = "<script>alert(1)</script> Attention is all you escape";
        hostile.abstract_raw = hostile.abstract = "A title that tries to run script.";
        hostile.published = "2024-10-26T10:00:00Z";
        store::WriteBatch b;
        b.put_paper(hostile);
        b.put_daily_entry(
            DailyEntry{"2024-10-26", hostile.id, "curator", "2024-10-26T08:00:00Z", 3, 0});
        ASSERT_TRUE(store_->write(b).ok());

        auto search = app::SearchService::open(*store_);
        ASSERT_TRUE(search.ok()) << search.error().message();
        search_ = std::move(search).value();
        make_site({});
    }

    void make_site(std::string public_url) {
        SiteOptions options;
        options.now = [] { return *parse_instant("2024-10-27T10:00:00Z"); };
        options.public_url = std::move(public_url);
        options.api_rate = 0;
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options);
    }

    // Signs up through the form; the browser is then logged in.
    http::Response sign_up(Browser& browser, const std::string& handle,
                           const std::string& next = "/") {
        const http::Response form = get(browser, "/signup?next=" + url_encode(next));
        EXPECT_EQ(form.status, 200);
        return post(browser, "/signup",
                    {{"csrf", csrf_field(form.body, "/signup")},
                     {"handle", handle},
                     {"email", handle + "@example.org"},
                     {"password", kPassword},
                     {"password_again", kPassword},
                     {"next", next}});
    }

    http::Response log_in(Browser& browser, const std::string& handle, const std::string& password,
                          const std::string& next = "/", http::HeaderList headers = {}) {
        const http::Response form = get(browser, "/login");
        EXPECT_EQ(form.status, 200);
        return post(browser, "/login",
                    {{"csrf", csrf_field(form.body, "/login")},
                     {"handle", handle},
                     {"password", password},
                     {"next", next}},
                    std::move(headers));
    }

    // The CSRF token of a logged-in browser's forms, from the header's log-out form.
    std::string session_csrf(Browser& browser) {
        const http::Response page = get(browser, "/settings");
        EXPECT_EQ(page.status, 200);
        return csrf_field(page.body);
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

// ---- sign up, log in, log out ----

TEST_F(AccountPagesTest, SignUpSetsAnHttpOnlyLaxSessionCookieAndLogsIn) {
    Browser browser;
    const http::Response form = get(browser, "/signup");
    ASSERT_EQ(form.status, 200);
    EXPECT_EQ(form.header("Cache-Control").value_or(""), "private, no-store");
    const std::string csrf_cookie = set_cookie(form, "pb_csrf");
    EXPECT_NE(csrf_cookie.find("; HttpOnly"), std::string::npos) << csrf_cookie;
    EXPECT_NE(csrf_cookie.find("; SameSite=Lax"), std::string::npos) << csrf_cookie;
    // The form's token is signed by the site for that cookie, not the cookie repeated.
    EXPECT_TRUE(std::regex_match(browser.cookies["pb_csrf"], std::regex("[A-Za-z0-9_-]{43}")));
    EXPECT_TRUE(std::regex_match(csrf_field(form.body), std::regex("[0-9]+\\.[A-Za-z0-9_-]{43}")))
        << csrf_field(form.body);

    const http::Response r = sign_up(browser, "ada", "/papers/trending");
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(location(r), "/papers/trending");
    const std::string cookie = set_cookie(r, "pb_session");
    EXPECT_TRUE(std::regex_match(cookie, std::regex("pb_session=[A-Za-z0-9_-]{43}; Path=/; "
                                                    "HttpOnly; SameSite=Lax; Max-Age=2592000")))
        << cookie;

    const http::Response home = get(browser, "/");
    ASSERT_EQ(home.status, 200);
    EXPECT_NE(home.body.find("@ada"), std::string::npos);
    EXPECT_NE(home.body.find(R"(<form method="post" action="/logout">)"), std::string::npos);
    EXPECT_EQ(home.body.find(">Log in</a>"), std::string::npos);
    // A logged-in visitor's pages are theirs alone.
    EXPECT_EQ(home.header("Cache-Control").value_or(""), "private, no-store");
    EXPECT_EQ(home.header("Vary").value_or(""), "Cookie");
}

TEST_F(AccountPagesTest, AnonymousVisitorsSeeLogInAndSignUpAndPublicPages) {
    Browser browser;
    const http::Response day = get(browser, kDay);
    ASSERT_EQ(day.status, 200);
    EXPECT_NE(day.body.find(R"(href="/login?next=%2Fpapers%2Fdate%2F2024-10-25">Log in</a>)"),
              std::string::npos);
    EXPECT_NE(day.body.find(R"(href="/signup?next=%2Fpapers%2Fdate%2F2024-10-25">Sign up</a>)"),
              std::string::npos);
    EXPECT_EQ(day.body.find("action=\"/logout\""), std::string::npos);
    EXPECT_EQ(day.body.find("name=\"csrf\""), std::string::npos);
    EXPECT_EQ(day.header("Cache-Control").value_or(""), "public, max-age=60");
    EXPECT_EQ(day.header("Vary").value_or(""), "Cookie");
    EXPECT_TRUE(set_cookies(day).empty());
}

TEST_F(AccountPagesTest, SignUpRefusesBadValuesAndShowsThemBackEscaped) {
    Browser browser;
    const std::string hostile = "\"><img src=x onerror=alert(1)>";
    const http::Response r = sign_up(browser, hostile);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("A handle has only letters, digits"), std::string::npos);
    EXPECT_EQ(r.body.find("<img src=x"), std::string::npos);
    EXPECT_NE(r.body.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    EXPECT_EQ(set_cookie(r, "pb_session"), "");
    EXPECT_EQ(r.body.find(kPassword), std::string::npos) << "the password is never shown";

    const http::Response form = get(browser, "/signup");
    const http::Response differ = post(browser, "/signup",
                                       {{"csrf", csrf_field(form.body)},
                                        {"handle", "bob"},
                                        {"email", "bob@example.org"},
                                        {"password", kPassword},
                                        {"password_again", "something else entirely"}});
    EXPECT_EQ(differ.status, 400);
    EXPECT_NE(differ.body.find("The two passwords differ."), std::string::npos);
    EXPECT_NE(differ.body.find(R"(value="bob@example.org")"), std::string::npos);

    Browser first;
    ASSERT_EQ(sign_up(first, "carol").status, 303);
    Browser second;
    const http::Response taken = sign_up(second, "Carol");
    EXPECT_EQ(taken.status, 409);
    EXPECT_NE(taken.body.find("already taken"), std::string::npos);
    EXPECT_TRUE(second.cookies.find("pb_session") == second.cookies.end());
}

TEST_F(AccountPagesTest, AWrongPasswordIs401WithTheSameWordsForAnUnknownAccount) {
    Browser signer;
    ASSERT_EQ(sign_up(signer, "ada").status, 303);

    Browser browser;
    const http::Response wrong = log_in(browser, "ada", "not the password at all");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(wrong.body.find("Wrong handle or password."), std::string::npos);
    EXPECT_NE(wrong.body.find(R"(value="ada")"), std::string::npos) << "the handle is kept";
    EXPECT_EQ(wrong.body.find("not the password at all"), std::string::npos);
    EXPECT_EQ(set_cookie(wrong, "pb_session"), "");

    const http::Response unknown = log_in(browser, "nobody", "not the password at all");
    EXPECT_EQ(unknown.status, 401);
    EXPECT_NE(unknown.body.find("Wrong handle or password."), std::string::npos);

    // A hostile handle typed into the log-in form comes back escaped.
    const http::Response hostile = log_in(browser, "\"><script>alert(1)</script>", "x");
    EXPECT_EQ(hostile.status, 401);
    EXPECT_EQ(hostile.body.find("<script>alert"), std::string::npos);
}

TEST_F(AccountPagesTest, LoggingInGivesANewSessionAndEndsTheOneBefore) {
    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const std::string before = browser.cookies["pb_session"];
    ASSERT_FALSE(before.empty());

    const http::Response r = log_in(browser, "ada", kPassword, "/papers/trending");
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/papers/trending");
    const std::string after = browser.cookies["pb_session"];
    EXPECT_NE(after, before) << "a log-in never keeps the session it was given (fixation)";

    Browser old;
    old.cookies["pb_session"] = before;
    EXPECT_EQ(get(old, "/settings").status, 303) << "the session before is over";
    EXPECT_EQ(get(browser, "/settings").status, 200);

    // A session id planted in the browser beforehand is not adopted either.
    Browser planted;
    planted.cookies["pb_session"] = "attacker-chosen-session-value-000000000000";
    ASSERT_EQ(log_in(planted, "ada@example.org", kPassword).status, 303);
    EXPECT_NE(planted.cookies["pb_session"], "attacker-chosen-session-value-000000000000");
}

TEST_F(AccountPagesTest, TheCookieIsSecureBehindHttps) {
    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    EXPECT_EQ(set_cookie(log_in(browser, "ada", kPassword), "pb_session").find("Secure"),
              std::string::npos);
    const http::Response proxied =
        log_in(browser, "ada", kPassword, "/", {{"X-Forwarded-Proto", "https"}});
    ASSERT_EQ(proxied.status, 303);
    EXPECT_TRUE(set_cookie(proxied, "pb_session").ends_with("; Secure"))
        << set_cookie(proxied, "pb_session");

    make_site("https://papers.example.org");
    Browser secure;
    const http::Response form = get(secure, "/login");
    EXPECT_TRUE(set_cookie(form, "pb_csrf").ends_with("; Secure"));
}

TEST_F(AccountPagesTest, LogOutClearsTheCookieAndEndsTheSession) {
    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const std::string token = browser.cookies["pb_session"];
    const std::string csrf = session_csrf(browser);
    ASSERT_FALSE(csrf.empty());

    const http::Response r = post(browser, "/logout", {{"csrf", csrf}});
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/");
    const std::string cleared = set_cookie(r, "pb_session");
    EXPECT_TRUE(cleared.starts_with("pb_session=;")) << cleared;
    EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;
    EXPECT_TRUE(browser.cookies.find("pb_session") == browser.cookies.end());

    // The old token opens nothing: not the pages, not the API.
    Browser replay;
    replay.cookies["pb_session"] = token;
    EXPECT_EQ(get(replay, "/settings").status, 303);
    EXPECT_EQ(get(replay, "/").body.find("@ada"), std::string::npos);
    const http::Response api = send("POST", std::string("/api/papers/") + kPaper + "/upvote",
                                    {{"Cookie", "pb_session=" + token}, {"Origin", kOrigin}});
    EXPECT_EQ(api.status, 401);
}

TEST_F(AccountPagesTest, RepeatedFailuresAreThrottledWithRetryAfter) {
    Browser signer;
    ASSERT_EQ(sign_up(signer, "ada").status, 303);
    Browser browser;
    browser.address = "203.0.113.9";
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(log_in(browser, "ada", "wrong password " + std::to_string(i)).status, 401);
    }
    const http::Response r = log_in(browser, "ada", kPassword);
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("Retry-After").value_or(""), "1");
    EXPECT_NE(r.body.find("Too many failed attempts"), std::string::npos);
    EXPECT_NE(r.body.find("Try again in 1 second."), std::string::npos);
    EXPECT_EQ(set_cookie(r, "pb_session"), "");
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(log_in(browser, "ada", "wrong password again").status, 429);
    }

    // The owner, from their own address, is not held up by what a stranger does.
    EXPECT_EQ(log_in(signer, "ada", kPassword).status, 303);
}

// ---- CSRF, origins, redirects ----

TEST_F(AccountPagesTest, EveryFormRefusesAMissingOrWrongCsrfToken) {
    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const std::string csrf = session_csrf(browser);
    ASSERT_EQ(post(browser, "/settings/tokens", {{"csrf", csrf}, {"name", "laptop"}}).status, 200);
    auto tokens = store_->api_tokens(1);
    ASSERT_TRUE(tokens.ok());
    ASSERT_EQ(tokens->size(), 1U);
    const std::string revoke = "/settings/tokens/" + std::to_string(tokens->front().id) + "/revoke";

    // Another visitor's token is as wrong as none.
    Browser other;
    ASSERT_EQ(sign_up(other, "bob").status, 303);
    const std::string others = session_csrf(other);
    ASSERT_NE(others, csrf);

    const std::vector<std::string> targets = {"/logout", "/settings/tokens", revoke,
                                              "/settings/logout-everywhere",
                                              std::string("/papers/") + kPaper + "/upvote"};
    for (const std::string& target : targets) {
        for (const Fields& fields :
             {Fields{{"name", "x"}, {"next", "/"}}, Fields{{"csrf", ""}, {"name", "x"}},
              Fields{{"csrf", "0123456789abcdef0123456789abcdef"}, {"name", "x"}},
              Fields{{"csrf", others}, {"name", "x"}}}) {
            const http::Response r = post(browser, target, fields);
            EXPECT_EQ(r.status, 403) << target << " " << form_body(fields);
            EXPECT_NE(r.body.find("This form cannot be accepted"), std::string::npos) << target;
        }
    }
    // Nothing happened: still logged in, the token still there, no vote.
    EXPECT_EQ(get(browser, "/settings").status, 200);
    EXPECT_EQ(store_->api_tokens(1)->size(), 1U);
    EXPECT_FALSE(store_->has_voted(1, {*PaperId::parse(kPaper)})->front());

    // The log-in and sign-up forms: the hidden field must be a token the site signed for the
    // pb_csrf cookie.
    for (const std::string target : {"/login", "/signup"}) {
        Browser fresh;
        const http::Response page = get(fresh, target);
        const std::string token = csrf_field(page.body);
        const Fields values = {{"handle", "ada"},
                               {"email", "dora@example.org"},
                               {"password", kPassword},
                               {"password_again", kPassword}};
        Fields without = values;
        EXPECT_EQ(post(fresh, target, without).status, 403) << target;
        Fields wrong = values;
        wrong.emplace_back("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        EXPECT_EQ(post(fresh, target, wrong).status, 403) << target;
        Browser no_cookie;  // the field alone, as another site could send it
        Fields field_only = values;
        field_only.emplace_back("csrf", token);
        EXPECT_EQ(post(no_cookie, target, field_only).status, 403) << target;
        EXPECT_TRUE(no_cookie.cookies.find("pb_session") == no_cookie.cookies.end());

        // A cookie and a field the client made up alike (a cookie another subdomain, or a
        // network on plain http, can plant): refused, whatever their shape.
        const std::string made_up = "mallory-made-this-up-0123456789abcdefghijkl";
        ASSERT_EQ(made_up.size(), 43u);
        Browser planted;
        planted.cookies["pb_csrf"] = made_up;
        for (const std::string& guess :
             {made_up, "9999999999." + made_up, token.substr(0, token.find('.') + 1) + made_up}) {
            Fields forged = values;
            forged.emplace_back("csrf", guess);
            EXPECT_EQ(post(planted, target, forged).status, 403) << target << " " << guess;
        }
        // The site's token for one cookie is no good with another.
        Browser other_cookie;
        ASSERT_EQ(get(other_cookie, target).status, 200);
        EXPECT_EQ(post(other_cookie, target, field_only).status, 403) << target;
        EXPECT_TRUE(planted.cookies.find("pb_session") == planted.cookies.end());
    }
    // The token the site issued works.
    Browser fresh;
    EXPECT_EQ(log_in(fresh, "ada", kPassword).status, 303);
}

TEST_F(AccountPagesTest, FormsFromAnotherSiteAreRefused) {
    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const std::string csrf = session_csrf(browser);
    for (const std::string& target :
         {std::string("/papers/") + kPaper + "/upvote", std::string("/settings/tokens"),
          std::string("/logout"), std::string("/settings/logout-everywhere")}) {
        for (const char* origin : {"https://evil.example", "null", "http://papers.test.evil"}) {
            const http::Response r =
                post(browser, target, {{"csrf", csrf}, {"name", "x"}, {"next", "/"}},
                     {{"Origin", origin}}, /*with_origin=*/false);
            EXPECT_EQ(r.status, 403) << target << " from " << origin;
        }
    }
    Browser fresh;
    const http::Response page = get(fresh, "/login");
    const http::Response r =
        post(fresh, "/login",
             {{"csrf", csrf_field(page.body)}, {"handle", "ada"}, {"password", kPassword}},
             {{"Origin", "https://evil.example"}}, /*with_origin=*/false);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(set_cookie(r, "pb_session"), "");
    EXPECT_FALSE(store_->has_voted(1, {*PaperId::parse(kPaper)})->front());

    // Without an Origin header (older browsers, some privacy settings) the token decides.
    const http::Response no_origin =
        post(browser, std::string("/papers/") + kPaper + "/upvote", {{"csrf", csrf}}, {},
             /*with_origin=*/false);
    EXPECT_EQ(no_origin.status, 303);
}

TEST_F(AccountPagesTest, NextNeverLeadsToAnotherSite) {
    Browser signer;
    ASSERT_EQ(sign_up(signer, "ada").status, 303);
    Browser browser;
    for (const char* next :
         {"//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)",
          "/\\/evil.example", "\\\\evil.example", " //evil.example", "/\r\nLocation: x", "/\tx",
          "http:/evil.example", "evil.example", ""}) {
        const http::Response r = log_in(browser, "ada", kPassword, next);
        ASSERT_EQ(r.status, 303) << next;
        EXPECT_EQ(location(r), "/") << next;
        // The form of GET /login?next=... carries home instead.
        const http::Response form = get(browser, "/login?next=" + url_encode(next));
        EXPECT_NE(form.body.find(R"(name="next" value="/")"), std::string::npos) << next;
    }
    // Paths of this site are followed, escapes and all (a browser does not decode them).
    for (const char* next : {"/search?q=a+b&cat=cs.CL", "/%0d%0aSet-Cookie:x=1", "/papers/a#b"}) {
        EXPECT_EQ(location(log_in(browser, "ada", kPassword, next)), next);
    }
}

TEST_F(AccountPagesTest, BodiesOver16KBAreRefused) {
    Browser browser;
    const http::Response page = get(browser, "/login");
    const http::Response r = post(browser, "/login",
                                  {{"csrf", csrf_field(page.body)},
                                   {"handle", std::string(17 * 1024, 'a')},
                                   {"password", "x"}});
    EXPECT_EQ(r.status, 413);
}

// ---- upvotes ----

TEST_F(AccountPagesTest, TheUpvoteFormSetsTheVoteItAsksForAndTheCardShowsIt) {
    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const http::Response before = get(browser, kDay);
    const std::string card = card_of(before.body, kPaper);
    ASSERT_FALSE(card.empty());
    EXPECT_EQ(card_count(card), 57);
    EXPECT_NE(card.find(R"(aria-pressed="false")"), std::string::npos);
    EXPECT_NE(card.find(R"(aria-label="Upvote Tidewater: Paging the Key-Value Cache)"),
              std::string::npos);
    EXPECT_NE(card.find(R"(name="next" value="/papers/date/2024-10-25")"), std::string::npos);
    const std::string csrf = csrf_field(card);
    ASSERT_FALSE(csrf.empty());

    // The form asks for what its button shows the other of: vote=1 here.
    EXPECT_NE(card.find(R"(name="vote" value="1")"), std::string::npos);
    const std::string action = std::string("/papers/") + kPaper + "/upvote";
    const http::Response vote =
        post(browser, action, {{"csrf", csrf}, {"next", kDay}, {"vote", "1"}});
    ASSERT_EQ(vote.status, 303) << vote.body;
    EXPECT_EQ(location(vote), std::string(kDay) + "#paper-" + kPaper);
    const std::string voted = card_of(get(browser, kDay).body, kPaper);
    EXPECT_EQ(card_count(voted), 58);
    EXPECT_NE(voted.find(R"(aria-pressed="true")"), std::string::npos);
    EXPECT_NE(voted.find(R"(name="vote" value="0")"), std::string::npos);
    // The same form sent twice (a double click, a second tab) does not take the vote back.
    ASSERT_EQ(post(browser, action, {{"csrf", csrf}, {"next", kDay}, {"vote", "1"}}).status, 303);
    EXPECT_EQ(card_count(card_of(get(browser, kDay).body, kPaper)), 58);
    // The paper page agrees.
    const std::string paper = card_of(get(browser, std::string("/papers/") + kPaper).body, kPaper);
    EXPECT_EQ(card_count(paper), 58);
    EXPECT_NE(paper.find(R"(aria-pressed="true")"), std::string::npos);

    ASSERT_EQ(post(browser, action, {{"csrf", csrf}, {"next", kDay}, {"vote", "0"}}).status, 303);
    const std::string unvoted = card_of(get(browser, kDay).body, kPaper);
    EXPECT_EQ(card_count(unvoted), 57);
    EXPECT_NE(unvoted.find(R"(aria-pressed="false")"), std::string::npos);

    // Voting for a paper the site does not have.
    EXPECT_EQ(post(browser, "/papers/2499.00001/upvote", {{"csrf", csrf}}).status, 404);
    EXPECT_EQ(post(browser, "/papers/not-an-id/upvote", {{"csrf", csrf}}).status, 404);
    // Other POSTs under /papers/ are still not allowed.
    const http::Response other = post(browser, std::string("/papers/") + kPaper, {});
    EXPECT_EQ(other.status, 405);
    EXPECT_EQ(other.header("Allow").value_or(""), "GET");
}

TEST_F(AccountPagesTest, AnAnonymousUpvoteLeadsToLogInAndBack) {
    Browser browser;
    const http::Response page = get(browser, kDay);
    const std::string card = card_of(page.body, kPaper);
    EXPECT_EQ(card.find("name=\"csrf\""), std::string::npos);
    const http::Response r =
        post(browser, std::string("/papers/") + kPaper + "/upvote", {{"next", kDay}});
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/login?next=%2Fpapers%2Fdate%2F2024-10-25");
    const http::Response form = get(browser, location(r));
    EXPECT_NE(form.body.find(R"(name="next" value="/papers/date/2024-10-25")"), std::string::npos);

    // An attacker's next is not followed there either.
    const http::Response evil =
        post(browser, std::string("/papers/") + kPaper + "/upvote", {{"next", "//evil.example"}});
    EXPECT_EQ(location(evil), "/login");
}

TEST_F(AccountPagesTest, TitlesAreEscapedInCardsAndUpvoteLabels) {
    Browser logged_in;
    ASSERT_EQ(sign_up(logged_in, "ada").status, 303);
    Browser anonymous;
    for (Browser* who : {&logged_in, &anonymous}) {
        for (const std::string target : {"/papers/date/2024-10-26", "/papers/2410.99999"}) {
            const http::Response r = get(*who, target);
            ASSERT_EQ(r.status, 200) << target;
            EXPECT_EQ(r.body.find("<script>alert"), std::string::npos) << target;
            EXPECT_NE(r.body.find("aria-label=\"Upvote &lt;script&gt;alert(1)&lt;/script&gt;"),
                      std::string::npos)
                << card_of(r.body, "2410.99999");
        }
    }
}

// ---- settings ----

TEST_F(AccountPagesTest, SettingsMakeShowAndRevokeApiTokens) {
    Browser anonymous;
    const http::Response away = get(anonymous, "/settings");
    EXPECT_EQ(away.status, 303);
    EXPECT_EQ(location(away), "/login?next=%2Fsettings");

    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const http::Response settings = get(browser, "/settings");
    ASSERT_EQ(settings.status, 200);
    EXPECT_NE(settings.body.find("ada@example.org"), std::string::npos);
    EXPECT_NE(settings.body.find("You have no API tokens."), std::string::npos);
    EXPECT_EQ(settings.header("Cache-Control").value_or(""), "private, no-store");
    const std::string csrf = csrf_field(settings.body);

    const http::Response made =
        post(browser, "/settings/tokens", {{"csrf", csrf}, {"name", "<b>laptop</b>"}});
    ASSERT_EQ(made.status, 200);
    EXPECT_EQ(made.header("Cache-Control").value_or(""), "private, no-store");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        made.body, m, std::regex(R"re(<code class="new-token">([A-Za-z0-9_-]{43})<)re")));
    const std::string token = m[1];
    EXPECT_EQ(made.body.find("<b>laptop</b>"), std::string::npos);
    EXPECT_NE(made.body.find("&lt;b&gt;laptop&lt;/b&gt;"), std::string::npos);

    // The token works for the API, and the page shows it used — and never shows it again.
    const http::Response api = send("POST", std::string("/api/papers/") + kPaper + "/upvote",
                                    {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(api.status, 200) << api.body;
    const http::Response again = get(browser, "/settings");
    EXPECT_EQ(again.body.find(token), std::string::npos);
    EXPECT_NE(again.body.find("&lt;b&gt;laptop&lt;/b&gt;</td>"), std::string::npos);
    EXPECT_EQ(again.body.find(">never<"), std::string::npos) << "it was used";

    EXPECT_EQ(post(browser, "/settings/tokens", {{"csrf", csrf}, {"name", "  "}}).status, 400);

    auto tokens = store_->api_tokens(1);
    ASSERT_TRUE(tokens.ok());
    ASSERT_EQ(tokens->size(), 1U);
    const std::string revoke = "/settings/tokens/" + std::to_string(tokens->front().id) + "/revoke";
    const http::Response revoked = post(browser, revoke, {{"csrf", csrf}});
    ASSERT_EQ(revoked.status, 303);
    EXPECT_EQ(location(revoked), "/settings");
    EXPECT_EQ(send("POST", std::string("/api/papers/") + kPaper + "/upvote",
                   {{"Authorization", "Bearer " + token}})
                  .status,
              401);
    EXPECT_EQ(post(browser, revoke, {{"csrf", csrf}}).status, 404);
    EXPECT_EQ(post(browser, "/settings/tokens/x/revoke", {{"csrf", csrf}}).status, 404);
}

TEST_F(AccountPagesTest, LogOutEverywhereEndsEverySession) {
    Browser laptop;
    ASSERT_EQ(sign_up(laptop, "ada").status, 303);
    Browser phone;
    ASSERT_EQ(log_in(phone, "ada", kPassword).status, 303);
    const http::Response r =
        post(laptop, "/settings/logout-everywhere", {{"csrf", session_csrf(laptop)}});
    ASSERT_EQ(r.status, 303);
    EXPECT_NE(set_cookie(r, "pb_session").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(get(phone, "/settings").status, 303);
    EXPECT_EQ(get(laptop, "/settings").status, 303);
}

TEST_F(AccountPagesTest, ThePaperPageTakesCommentsAndRepliesRenderedSafely) {
    const std::string page = std::string("/papers/") + kPaper;
    const std::string action = page + "/comments";
    // Anonymous: an invitation to log in, and a POST leads there.
    Browser anonymous;
    EXPECT_NE(get(anonymous, page).body.find("Log in to comment"), std::string::npos);
    http::Response r = post(anonymous, action, {{"body", "hello"}});
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/login?next=%2Fpapers%2F" + std::string(kPaper));

    Browser browser;
    ASSERT_EQ(sign_up(browser, "ada").status, 303);
    const http::Response before = get(browser, page);
    EXPECT_NE(before.body.find(R"(class="comment-form")"), std::string::npos);
    const std::string csrf = csrf_field(before.body, action);
    ASSERT_FALSE(csrf.empty());
    EXPECT_EQ(post(browser, action, {{"body", "no token"}}).status, 403);
    EXPECT_EQ(post(browser, action, {{"csrf", "wrong"}, {"body", "bad token"}}).status, 403);

    r = post(browser, action,
             {{"csrf", csrf},
              {"body",
               "**Nice** result. <script>alert(1)</script> [x](javascript:alert(1)) "
               "[code](https://example.org)"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_NE(location(r).find(page + "#comment-"), std::string::npos) << location(r);
    const std::string shown = get(browser, page).body;
    EXPECT_NE(shown.find("<strong>Nice</strong>"), std::string::npos);
    EXPECT_EQ(shown.find("<script>alert(1)"), std::string::npos);
    EXPECT_EQ(shown.find("javascript:alert"), std::string::npos);
    EXPECT_NE(shown.find(R"(<a rel="nofollow ugc" href="https://example.org">code</a>)"),
              std::string::npos);

    // A reply, and refusals that say why.
    const size_t at = shown.find("id=\"comment-");
    ASSERT_NE(at, std::string::npos);
    const std::string cid = shown.substr(at + 12, shown.find('"', at + 12) - at - 12);
    r = post(browser, action, {{"csrf", csrf}, {"parent", cid}, {"body", "A reply."}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_NE(get(browser, page).body.find("comment-reply"), std::string::npos);
    EXPECT_EQ(post(browser, action, {{"csrf", csrf}, {"parent", "x1"}, {"body", "?"}}).status, 400);
    EXPECT_EQ(post(browser, action, {{"csrf", csrf}, {"body", "   "}}).status, 400);
    EXPECT_EQ(post(browser, "/papers/2499.00001/comments", {{"csrf", csrf}, {"body", "hi"}}).status,
              404);
}

}  // namespace
}  // namespace paperboy::web
