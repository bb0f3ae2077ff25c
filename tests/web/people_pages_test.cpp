// The submission form and the author, organization and member pages through Site::handle(), as
// a browser uses them (a cookie jar, forms posted with the tokens their pages carry), with the
// attacks a browser can be made to send: a form without its CSRF token, ids that are SQL or
// markup, author and organization names that are markup. Over a real SQLite file with the
// hand-written Hugging Face daily list of 2024-10-25 and a few papers of our own; "today" is
// 2024-10-27.
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
using site_browser::form_body;
using site_browser::kPassword;
using site_browser::location;

const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
constexpr const char* kToday = "2024-10-27";
constexpr const char* kScript = "<script>alert(1)</script>";
constexpr const char* kImg = "\"><img src=x onerror=alert(1)>";

// The ids of the cards of a page, in order.
std::vector<std::string> card_ids(const std::string& body) {
    std::vector<std::string> ids;
    const std::regex re(
        R"re(<form class="vote-form" method="post" action="/papers/([^"]+)/upvote")re");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator();
         ++it) {
        ids.push_back((*it)[1]);
    }
    return ids;
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

Paper make_paper(const std::string& id, const std::string& title,
                 const std::vector<std::string>& authors, const std::string& organization,
                 const std::string& published) {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title;
    p.abstract_raw = p.abstract = "An abstract about " + title + ".";
    for (const std::string& name : authors) {
        Author a;
        a.name = name;
        p.authors.push_back(a);
    }
    p.organization = organization;
    p.published = published;
    return p;
}

class PeoplePagesTest : public site_browser::SiteBrowsing {
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

        store::WriteBatch b;
        b.put_paper(make_paper("2410.90001", "Difference engines revisited",
                               {"Ada Lovelace", "Grace Hopper"}, "Analytical Engines",
                               "2024-10-24T10:00:00Z"));
        b.put_paper(make_paper("2410.90002", "Notes on the analytical engine", {"Ada Lovelace"}, "",
                               "2024-10-23T10:00:00Z"));
        b.put_paper(make_paper("2410.90003", "Computable numbers", {"Alan Turing"}, "Bletchley",
                               "2024-10-22T10:00:00Z"));
        b.put_paper(make_paper("2410.90004", "Hostile names", {kScript, kImg}, kScript,
                               "2024-10-24T10:00:00Z"));
        b.put_paper(
            make_paper("2301.00001", "An old paper", {"Old Author"}, "", "2023-01-02T10:00:00Z"));
        ASSERT_TRUE(store_->write(b).ok());

        auto search = app::SearchService::open(*store_);
        ASSERT_TRUE(search.ok()) << search.error().message();
        search_ = std::move(search).value();
        SiteOptions options;
        options.now = [] { return *parse_instant("2024-10-27T10:00:00Z"); };
        options.api_rate = 0;
        options.submit_daily_limit = 3;
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options);
    }

    // Signs `handle` up through the form; the browser is then logged in.
    void sign_up(Browser& browser, const std::string& handle) {
        const http::Response form = get(browser, "/signup");
        ASSERT_EQ(form.status, 200);
        const http::Response r = post(browser, "/signup",
                                      {{"csrf", csrf_field(form.body)},
                                       {"handle", handle},
                                       {"email", handle + "@example.org"},
                                       {"password", kPassword},
                                       {"password_again", kPassword}});
        ASSERT_EQ(r.status, 303) << r.body;
    }

    // Posts the submission form as its page would.
    http::Response submit(Browser& browser, const std::string& id) {
        const http::Response form = get(browser, "/submit");
        EXPECT_EQ(form.status, 200);
        return post(browser, "/submit", {{"csrf", csrf_field(form.body)}, {"arxiv_id", id}});
    }

    std::vector<std::string> todays_list() {
        auto entries = store_->daily_entries(kToday);
        EXPECT_TRUE(entries.ok());
        std::vector<std::string> ids;
        for (const DailyEntry& e : *entries) ids.push_back(e.paper_id.str());
        return ids;
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

// ---- submitting ----

TEST_F(PeoplePagesTest, AnonymousVisitorsAreSentToLogInFirst) {
    Browser browser;
    http::Response r = get(browser, "/submit");
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/login?next=%2Fsubmit");
    r = post(browser, "/submit", {{"arxiv_id", "2410.61842"}});
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(location(r), "/login?next=%2Fsubmit");
    EXPECT_TRUE(todays_list().empty());
}

TEST_F(PeoplePagesTest, TheFormExplainsTheRulesAndTheHeaderLinksToIt) {
    Browser browser;
    sign_up(browser, "ada");
    const http::Response form = get(browser, "/submit");
    ASSERT_EQ(form.status, 200);
    EXPECT_EQ(form.header("Cache-Control").value_or(""), "private, no-store");
    EXPECT_NE(form.body.find("at most 14 days ago"), std::string::npos);
    EXPECT_NE(form.body.find("3 papers a day"), std::string::npos);
    EXPECT_NE(form.body.find(R"(<form class="account-form" method="post" action="/submit">)"),
              std::string::npos);
    EXPECT_NE(form.body.find(R"(href="/submit">Submit</a>)"), std::string::npos);
    EXPECT_NE(form.body.find(R"(href="/u/ada">@ada</a>)"), std::string::npos);
    // Not for anonymous visitors.
    Browser anonymous;
    EXPECT_EQ(get(anonymous, "/").body.find(R"(href="/submit")"), std::string::npos);
}

TEST_F(PeoplePagesTest, AMissingOrWrongCsrfTokenIs403AndChangesNothing) {
    Browser browser;
    sign_up(browser, "ada");
    http::Response r = post(browser, "/submit", {{"arxiv_id", "2410.61842"}});
    EXPECT_EQ(r.status, 403);
    r = post(browser, "/submit", {{"csrf", std::string(32, 'a')}, {"arxiv_id", "2410.61842"}});
    EXPECT_EQ(r.status, 403);
    // From another site, even with the right token.
    const std::string csrf = csrf_field(get(browser, "/submit").body);
    http::Response foreign = send("POST", "/submit",
                                  {{"Cookie", browser.cookie_header()},
                                   {"Origin", "https://evil.example"},
                                   {"Content-Type", "application/x-www-form-urlencoded"}},
                                  form_body({{"csrf", csrf}, {"arxiv_id", "2410.61842"}}));
    EXPECT_EQ(foreign.status, 403);
    EXPECT_TRUE(todays_list().empty());
}

TEST_F(PeoplePagesTest, AGoodIdGoesOnTodaysListAndLeadsToThePaper) {
    Browser browser;
    sign_up(browser, "ada");
    const http::Response r = submit(browser, "2410.61842");
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(location(r), "/papers/2410.61842");
    EXPECT_EQ(todays_list(), std::vector<std::string>{"2410.61842"});
    auto entries = store_->daily_entries(kToday);
    ASSERT_TRUE(entries.ok());
    EXPECT_EQ(entries->front().submitted_by, "ada");
}

TEST_F(PeoplePagesTest, UrlAndPrefixedFormsAreAccepted) {
    Browser browser;
    sign_up(browser, "ada");
    for (const char* text : {"https://arxiv.org/abs/2410.90001v2", "arXiv:2410.90002",
                             "  http://arxiv.org/pdf/2410.90003.pdf  "}) {
        const http::Response r = submit(browser, text);
        EXPECT_EQ(r.status, 303) << text << "\n" << r.body;
    }
    EXPECT_EQ(todays_list().size(), 3u);
}

TEST_F(PeoplePagesTest, RefusalsShowTheFormAgainWithTheReasonAndStatus) {
    Browser browser;
    sign_up(browser, "ada");
    ASSERT_EQ(submit(browser, "2410.61842").status, 303);

    http::Response r = submit(browser, "2410.61842");
    EXPECT_EQ(r.status, 409);
    EXPECT_NE(r.body.find("already on today&apos;s list"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"(value="2410.61842")"), std::string::npos);

    r = submit(browser, "2301.00001");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("role=\"alert\""), std::string::npos);

    // Not in the store, and no arXiv client configured: arXiv "has no such paper".
    r = submit(browser, "2410.55555");
    EXPECT_EQ(r.status, 404) << r.body;

    ASSERT_EQ(submit(browser, "2410.90001").status, 303);
    ASSERT_EQ(submit(browser, "2410.90002").status, 303);
    r = submit(browser, "2410.90003");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(todays_list().size(), 3u);
}

TEST_F(PeoplePagesTest, BadIdsAndInjectionsAre400WithTheInputEscaped) {
    Browser browser;
    sign_up(browser, "ada");
    for (const std::string& text :
         {std::string("not an id"), std::string("2410.61842' OR '1'='1"),
          std::string("1; DROP TABLE papers; --"), std::string(kScript), std::string(kImg),
          std::string("javascript:alert(1)"), std::string(500, '9'), std::string("   ")}) {
        const http::Response r = submit(browser, text);
        EXPECT_EQ(r.status, 400) << text;
        EXPECT_EQ(r.body.find("<script>alert"), std::string::npos) << text;
        EXPECT_EQ(r.body.find("<img"), std::string::npos) << text;
    }
    EXPECT_TRUE(todays_list().empty());
    // The store still answers and still holds the papers.
    EXPECT_EQ(get(browser, "/papers/2410.61842").status, 200);
}

// ---- authors and organizations ----

TEST_F(PeoplePagesTest, AnAuthorsPageListsTheirPapers) {
    Browser browser;
    const http::Response r = get(browser, "/authors/" + url_encode("Ada Lovelace"));
    ASSERT_EQ(r.status, 200);
    const auto ids = card_ids(r.body);
    EXPECT_TRUE(contains(ids, "2410.90001"));
    EXPECT_TRUE(contains(ids, "2410.90002"));
    EXPECT_FALSE(contains(ids, "2410.90003"));
    EXPECT_NE(r.body.find("<h1>Ada Lovelace</h1>"), std::string::npos);

    const http::Response none = get(browser, "/authors/Nobody%20Atall");
    ASSERT_EQ(none.status, 200);
    EXPECT_TRUE(card_ids(none.body).empty());
    EXPECT_NE(none.body.find("no papers here by an author named Nobody Atall"), std::string::npos);
}

TEST_F(PeoplePagesTest, AnOrganizationsPageListsItsPapers) {
    Browser browser;
    const http::Response r = get(browser, "/orgs/Bletchley");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(card_ids(r.body), std::vector<std::string>{"2410.90003"});
    EXPECT_NE(r.body.find("<h1>Bletchley</h1>"), std::string::npos);
    EXPECT_TRUE(card_ids(get(browser, "/orgs/Nowhere%20Labs").body).empty());

    // Registered, it shows its full name and avatar; an unsafe avatar URL is dropped.
    ASSERT_TRUE(
        store_->put_organization({"bletchley", "Bletchley Park", "https://x.test/bp.png"}).ok());
    const http::Response named = get(browser, "/orgs/Bletchley?v=2");
    EXPECT_NE(named.body.find("<h1>Bletchley Park</h1>"), std::string::npos);
    EXPECT_NE(named.body.find(R"(src="https://x.test/bp.png")"), std::string::npos);
    EXPECT_EQ(card_ids(named.body), std::vector<std::string>{"2410.90003"});
    ASSERT_TRUE(
        store_->put_organization({"bletchley", "Bletchley Park", "javascript:alert(1)"}).ok());
    EXPECT_EQ(get(browser, "/orgs/Bletchley?v=3").body.find("javascript:"), std::string::npos);
}

TEST_F(PeoplePagesTest, CardsAndThePaperPageLinkToAuthorsAndOrganizations) {
    Browser browser;
    const http::Response paper = get(browser, "/papers/2410.90001");
    ASSERT_EQ(paper.status, 200);
    EXPECT_NE(paper.body.find(R"(<a href="/authors/Ada%20Lovelace">Ada Lovelace</a>)"),
              std::string::npos);
    EXPECT_NE(paper.body.find(R"(<a href="/orgs/Analytical%20Engines">Analytical Engines</a>)"),
              std::string::npos);
    const http::Response author = get(browser, "/authors/Ada%20Lovelace");
    EXPECT_NE(author.body.find(R"(href="/orgs/Analytical%20Engines">Analytical Engines</a>)"),
              std::string::npos);
}

TEST_F(PeoplePagesTest, HostileNamesAreEscapedInPagesAndEncodedInLinks) {
    Browser browser;
    const http::Response paper = get(browser, "/papers/2410.90004");
    ASSERT_EQ(paper.status, 200);
    EXPECT_EQ(paper.body.find(kScript), std::string::npos);
    EXPECT_EQ(paper.body.find("<img"), std::string::npos);
    EXPECT_NE(paper.body.find("href=\"/authors/" + url_encode(kScript) + "\""), std::string::npos);
    EXPECT_NE(paper.body.find("href=\"/orgs/" + url_encode(kScript) + "\""), std::string::npos);

    for (const std::string& target :
         {"/authors/" + url_encode(kScript), "/authors/" + url_encode(kImg),
          "/orgs/" + url_encode(kScript)}) {
        const http::Response r = get(browser, target);
        ASSERT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.body.find("<script>alert"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("<img"), std::string::npos) << target;
        EXPECT_TRUE(contains(card_ids(r.body), "2410.90004")) << target;
    }
    // An organization named with a double quote cannot be searched for (the query language has
    // no escape for it): its page is empty, and escaped.
    const http::Response quoted = get(browser, "/orgs/" + url_encode(kImg));
    ASSERT_EQ(quoted.status, 200);
    EXPECT_EQ(quoted.body.find("<img"), std::string::npos);
    // A name cannot add filters or terms of its own: its quotes are dropped.
    const http::Response r = get(browser, "/authors/" + url_encode("x\" OR cat:cs.CL \""));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(card_ids(r.body).empty());
}

// ---- members ----

TEST_F(PeoplePagesTest, AMembersPageShowsTheirSubmissions) {
    Browser browser;
    sign_up(browser, "ada");
    ASSERT_EQ(submit(browser, "2410.90003").status, 303);
    Browser other;
    sign_up(other, "grace");
    ASSERT_EQ(submit(other, "2410.90001").status, 303);

    Browser anonymous;
    const http::Response r = get(anonymous, "/u/ada");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("<h1>@ada</h1>"), std::string::npos);
    // (Accounts stamp sign-ups with the real clock, not the site's.)
    EXPECT_TRUE(std::regex_search(r.body, std::regex("Member · joined [A-Z][a-z]{2} \\d{1,2}, "
                                                     "\\d{4} · 1 submission")));
    EXPECT_EQ(card_ids(r.body), std::vector<std::string>{"2410.90003"});
    // Their upvotes, under their own heading.
    EXPECT_NE(r.body.find("Upvoted by @ada"), std::string::npos);
    EXPECT_NE(r.body.find("No upvotes yet."), std::string::npos);
    const std::string csrf = csrf_field(get(browser, "/submit").body);
    ASSERT_EQ(post(browser, "/papers/2410.90001/upvote", {{"csrf", csrf}}).status, 303);
    const http::Response voted = get(anonymous, "/u/ada");
    EXPECT_EQ(voted.body.find("No upvotes yet."), std::string::npos);
    EXPECT_EQ(card_ids(voted.body), (std::vector<std::string>{"2410.90003", "2410.90001"}));
    // Handles are compared case-insensitively; the page lives at the handle's own spelling.
    const http::Response upper = get(anonymous, "/u/ADA");
    EXPECT_EQ(upper.status, 301);
    EXPECT_EQ(location(upper), "/u/ada");
}

TEST_F(PeoplePagesTest, UnknownHandlesAndEmailAddressesAre404) {
    Browser browser;
    sign_up(browser, "ada");
    Browser anonymous;
    EXPECT_EQ(get(anonymous, "/u/nobody").status, 404);
    // find_user() also finds accounts by email: the page must not.
    EXPECT_EQ(get(anonymous, "/u/ada@example.org").status, 404);
    EXPECT_EQ(get(anonymous, "/u/" + url_encode(kScript)).status, 404);
}

}  // namespace
}  // namespace paperboy::web
