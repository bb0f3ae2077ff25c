// The HTML pages through Site::handle(), over a real SQLite file loaded with the hand-written
// test corpus (tests/testdata/json/README.md): a Hugging Face daily list of 2024-10-25 (8
// papers), 12 papers of an arXiv snapshot (1999-2023), and a few papers written here for what
// the corpus lacks (an old-style id with a DOI, hostile links, affiliations, lists around the
// turn of the year for the ISO-week edge).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "app/ingest_pipeline.h"
#include "app/search_service.h"
#include "core/timestamp.h"
#include "core/url.h"
#include "core/utf8.h"
#include "store/store.h"
#include "support/temp_dir.h"
#include "web/http/message.h"
#include "web/site.h"

namespace paperboy::web {
namespace {

const std::string kTestdata = PAPERBOY_TESTDATA_DIR;

Paper make_paper(const char* id, const char* title, const char* abstract) {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title;
    p.abstract_raw = p.abstract = abstract;
    p.authors = {Author{"Ada Lovelace", "Lovelace", "Ada", "", {"Analytical Engine Society"}},
                 Author{"Alan Turing", "Turing", "Alan", "", {}}};
    p.categories = {"cs.LG", "cs.CL"};
    p.published = "2024-12-20T10:00:00Z";
    p.updated = "2024-12-22T10:00:00Z";
    return p;
}

DailyEntry entry(const char* date, const char* id, int upvotes, const char* at) {
    return DailyEntry{date, *PaperId::parse(id), "curator", at, upvotes, 0};
}

// How many times `needle` occurs in `haystack`.
size_t count(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

// The number in "N results" / "About N results" (commas removed); -1 when absent.
long result_count(const std::string& body) {
    std::smatch m;
    if (!std::regex_search(body, m, std::regex(R"(([0-9,]+) results? \()"))) return -1;
    std::string digits = m[1];
    digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
    return std::stol(digits);
}

// The links of the result cards, in order.
std::vector<std::string> card_links(const std::string& body) {
    std::vector<std::string> out;
    const std::regex link(R"re(<h3 class="card-title"><a href="([^"]*)")re");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), link);
         it != std::sregex_iterator(); ++it) {
        out.push_back((*it)[1]);
    }
    return out;
}

// The HTML of the <article> (a card, or the paper on its page) that contains `marker`; "" when
// there is none.
std::string article_with(const std::string& body, const std::string& marker) {
    const size_t at = body.find(marker);
    if (at == std::string::npos) return "";
    const size_t begin = body.rfind("<article", at);
    const size_t end = body.find("</article>", at);
    if (begin == std::string::npos || end == std::string::npos) return "";
    return body.substr(begin, end - begin);
}

// Percent-encodes every byte that is not unreserved, as a browser would a form value.
std::string encode(std::string_view text) { return url_encode(text); }

class PagesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store(dir_.file("papers.db"));
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(opened).value();
        auto ingested = app::ingest_files(*store_,
                                          {kTestdata + "/json/handmade_hf_daily_2024-10-25.json",
                                           kTestdata + "/json/handmade_arxiv_snapshot.jsonl"},
                                          {});
        ASSERT_TRUE(ingested.ok()) << ingested.error().message();
        ASSERT_TRUE(ingested->failed_files.empty()) << ingested->failed_files.front().message();
        ASSERT_EQ(ingested->failed, 0);

        store::WriteBatch b;
        Paper old_style = make_paper("hep-th/9901001", "Strings on a lattice of branes",
                                     "We compactify strings on a lattice of D-branes.");
        old_style.categories = {"hep-th"};
        old_style.doi = "10.1000/xyz123";
        old_style.journal_ref = "Phys. Rev. D 60 (1999) 1";
        old_style.license = "http://creativecommons.org/licenses/by/4.0/";
        b.put_paper(old_style);

        Paper hostile = make_paper("2412.00001", "Hostile links in a record",
                                   "A record whose links try to run script in the reader.");
        hostile.github_url = "javascript:alert(1)";
        hostile.project_url = "javascript:alert(2)";
        hostile.license = "javascript:alert(3)";
        b.put_paper(hostile);

        Paper transformer =
            make_paper("2412.00003", "Sparse Transformer Routing for Long Documents",
                       "Routing tokens of long documents through a sparse "
                       "transformer with learned experts.");
        transformer.github_url = "https://github.com/example/sparse-routing";
        b.put_paper(transformer);

        b.put_paper(make_paper("2412.00002", "Year-end review of key-value cache paging",
                               "Paging the key-value cache of million-token decoding between "
                               "GPU memory and host memory."));

        b.put_daily_entry(entry("2024-12-29", "2412.00002", 9, "2024-12-29T08:00:00Z"));
        b.put_daily_entry(entry("2024-12-30", "2412.00001", 5, "2024-12-30T08:00:00Z"));
        b.put_daily_entry(entry("2024-12-30", "2412.00003", 20, "2024-12-30T09:00:00Z"));
        ASSERT_TRUE(store_->write(b).ok());

        auto search = app::SearchService::open(*store_);
        ASSERT_TRUE(search.ok()) << search.error().message();
        search_ = std::move(search).value();
        // The tests search far faster than the limit allows; the limit has tests of its own.
        SiteOptions options;
        options.search_rate = 0;
        make_site(options);
    }

    // The site over the fixture's store, on the fixture's clocks.
    void make_site(SiteOptions options) {
        options.now = [] { return *parse_instant("2024-12-31T10:00:00Z"); };
        options.api_clock = [this] { return steady_now_; };
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options);
    }

    http::Response get(const std::string& target, http::HeaderList headers = {},
                       const std::string& remote = "") {
        http::Request request;
        request.method = "GET";
        request.target = target;
        request.headers = std::move(headers);
        request.remote_address = remote;
        EXPECT_TRUE(http::decode_target(request)) << target;
        http::Response response = site_->handle(request);
        EXPECT_TRUE(is_valid_utf8(response.body)) << target;
        return response;
    }

    std::chrono::steady_clock::time_point steady_now_{std::chrono::seconds(1000)};

    testing::TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

// ---- the list pages ----

TEST_F(PagesTest, HomeShowsTheLatestDayRankedByUpvotesWithItsNeighbours) {
    const http::Response r = get("/");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Dec 30, 2024"), std::string::npos);
    EXPECT_EQ(card_links(r.body),
              (std::vector<std::string>{"/papers/2412.00003", "/papers/2412.00001"}));
    EXPECT_NE(r.body.find(R"(href="/papers/date/2024-12-29" rel="prev")"), std::string::npos);
    EXPECT_EQ(r.body.find(R"(rel="next")"), std::string::npos);

    const http::Response day = get("/papers/date/2024-10-25");
    ASSERT_EQ(day.status, 200);
    const auto links = card_links(day.body);
    ASSERT_EQ(links.size(), 8U);
    EXPECT_EQ(links[0], "/papers/2410.61842");  // 57 upvotes
    EXPECT_EQ(links[1], "/papers/2410.60317");  // 41
    EXPECT_NE(day.body.find(R"(href="/papers/date/2024-12-29" rel="next")"), std::string::npos);
    EXPECT_EQ(day.body.find(R"(rel="prev")"), std::string::npos);
}

TEST_F(PagesTest, ADayWithoutAListSaysSo) {
    const http::Response r = get("/papers/date/2024-11-15");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("No papers on Nov 15, 2024."), std::string::npos);
    EXPECT_TRUE(card_links(r.body).empty());
    EXPECT_NE(r.body.find(R"(href="/papers/date/2024-10-25" rel="prev")"), std::string::npos);
    EXPECT_NE(r.body.find(R"(href="/papers/date/2024-12-29" rel="next")"), std::string::npos);
}

TEST_F(PagesTest, ABadDateIsA400PageWithTheInputEscaped) {
    for (const char* target : {"/papers/date/2024-13-45", "/papers/date/2024-02-30",
                               "/papers/date/%3Cscript%3Ealert(1)"}) {
        const http::Response r = get(target);
        EXPECT_EQ(r.status, 400) << target;
        EXPECT_NE(r.body.find("is not a date"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("<script>alert"), std::string::npos) << target;
    }
}

TEST_F(PagesTest, WeeksFollowIsoWeeksAcrossTheTurnOfTheYear) {
    // 2024-12-30 is the Monday of ISO week 2025-W01; 2024-12-29 the Sunday of 2024-W52.
    const http::Response w01 = get("/papers/week/2025-W01");
    ASSERT_EQ(w01.status, 200);
    EXPECT_EQ(card_links(w01.body),
              (std::vector<std::string>{"/papers/2412.00003", "/papers/2412.00001"}));
    EXPECT_NE(w01.body.find(R"(href="/papers/week/2024-W52")"), std::string::npos);
    EXPECT_NE(w01.body.find(R"(href="/papers/week/2025-W02")"), std::string::npos);

    const http::Response w52 = get("/papers/week/2024-W52");
    ASSERT_EQ(w52.status, 200);
    EXPECT_EQ(card_links(w52.body), (std::vector<std::string>{"/papers/2412.00002"}));

    EXPECT_EQ(get("/papers/week/2024-W53").status, 400);  // 2024 has 52 weeks
    EXPECT_EQ(get("/papers/week/2024-43").status, 400);
}

TEST_F(PagesTest, MonthsListEveryPaperOfTheMonthOnce) {
    const http::Response oct = get("/papers/month/2024-10");
    ASSERT_EQ(oct.status, 200);
    EXPECT_EQ(card_links(oct.body).size(), 8U);
    EXPECT_NE(oct.body.find("8 papers"), std::string::npos);
    EXPECT_NE(oct.body.find(R"(href="/papers/month/2024-09")"), std::string::npos);

    const http::Response dec = get("/papers/month/2024-12");
    ASSERT_EQ(dec.status, 200);
    EXPECT_EQ(card_links(dec.body), (std::vector<std::string>{
                                        "/papers/2412.00003",
                                        "/papers/2412.00002",
                                        "/papers/2412.00001",
                                    }));
    EXPECT_EQ(get("/papers/month/2024-13").status, 400);
}

TEST_F(PagesTest, TrendingShowsTheLastWeekOnly) {
    const http::Response r = get("/papers/trending");
    ASSERT_EQ(r.status, 200);
    const auto links = card_links(r.body);
    ASSERT_EQ(links.size(), 3U);
    EXPECT_EQ(links[0], "/papers/2412.00003");
    for (const std::string& link : links) EXPECT_EQ(link.rfind("/papers/2412.", 0), 0U) << link;
}

// ---- the search page ----

TEST_F(PagesTest, SearchShowsHighlightedHitsWithTheirCount) {
    const http::Response r = get("/search?q=tidewater+paging+cache");
    ASSERT_EQ(r.status, 200);
    const auto links = card_links(r.body);
    ASSERT_GE(links.size(), 2U);
    EXPECT_EQ(links[0], "/papers/2410.61842");
    EXPECT_NE(r.body.find("<mark>"), std::string::npos);
    EXPECT_GE(result_count(r.body), static_cast<long>(links.size()));
    EXPECT_NE(r.body.find(" ms)"), std::string::npos);
    EXPECT_EQ(r.body.find("<!--elapsed-->"), std::string::npos);
    EXPECT_NE(r.body.find(R"(value="tidewater paging cache")"), std::string::npos);
    EXPECT_EQ(r.header("Cache-Control"), "public, max-age=30");
}

TEST_F(PagesTest, SearchCardsShowTheUpvotesOfTheirLists) {
    const http::Response r = get("/search?q=sparse+transformer+routing+cache+paging");
    ASSERT_EQ(r.status, 200);
    const std::string routing = article_with(r.body, R"(href="/papers/2412.00003")");
    const std::string review = article_with(r.body, R"(href="/papers/2412.00002")");
    EXPECT_NE(routing.find(R"(<span class="vote-count">20</span>)"), std::string::npos) << routing;
    EXPECT_NE(review.find(R"(<span class="vote-count">9</span>)"), std::string::npos) << review;
}

TEST_F(PagesTest, FiltersNarrowTheResultsAndStayInTheForm) {
    const long all = result_count(get("/search?q=learning").body);
    ASSERT_GT(all, 0);

    const http::Response dated = get("/search?q=learning&after=2024-01-01");
    ASSERT_EQ(dated.status, 200);
    const long recent = result_count(dated.body);
    EXPECT_GT(recent, 0);
    EXPECT_LT(recent, all);
    for (const std::string& link : card_links(dated.body)) {
        EXPECT_EQ(link.rfind("/papers/24", 0), 0U) << link;  // no 2007 paper
    }
    EXPECT_NE(dated.body.find(R"(name="after" value="2024-01-01")"), std::string::npos);

    // Only papers of the snapshot from before 2010 (0811.0402 is about learning).
    const std::vector<std::string> before_2010 = {
        "/papers/hep-th/9909931", "/papers/math/0501913", "/papers/0705.4412", "/papers/0706.1183",
        "/papers/0709.2867",      "/papers/0711.0458",    "/papers/0712.3390", "/papers/0811.0402"};
    const http::Response old = get("/search?q=learning&before=2010-01-01");
    const auto old_links = card_links(old.body);
    EXPECT_FALSE(old_links.empty());
    for (const std::string& link : old_links) {
        EXPECT_NE(std::find(before_2010.begin(), before_2010.end(), link), before_2010.end())
            << link;
    }

    const http::Response code = get("/search?q=routing+documents&has_code=1");
    EXPECT_EQ(card_links(code.body), (std::vector<std::string>{"/papers/2412.00003"}));
    EXPECT_NE(code.body.find(R"(value="1" checked)"), std::string::npos);

    const http::Response category = get("/search?q=strings&cat=hep-th");
    const auto in_hep_th = card_links(category.body);
    EXPECT_NE(std::find(in_hep_th.begin(), in_hep_th.end(), "/papers/hep-th/9901001"),
              in_hep_th.end());
    EXPECT_LT(result_count(category.body), result_count(get("/search?q=strings").body));
    EXPECT_TRUE(card_links(get("/search?q=strings&cat=cs.CL").body).empty());

    // Filters alone list the newest matching papers.
    const http::Response only_filter = get("/search?cat=hep-th");
    ASSERT_EQ(only_filter.status, 200);
    EXPECT_FALSE(card_links(only_filter.body).empty());
}

TEST_F(PagesTest, PaginationKeepsTheParametersEncoded) {
    const http::Response first = get("/search?q=model+learning&after=2000-01-01");
    ASSERT_EQ(first.status, 200);
    ASSERT_GT(result_count(first.body), 10);
    const auto page1 = card_links(first.body);
    EXPECT_EQ(page1.size(), 10U);
    EXPECT_NE(first.body.find(
                  R"(href="/search?q=model%20learning&amp;after=2000-01-01&amp;p=2" rel="next")"),
              std::string::npos);
    EXPECT_EQ(first.body.find(R"(rel="prev")"), std::string::npos);

    const http::Response second = get("/search?q=model%20learning&after=2000-01-01&p=2");
    ASSERT_EQ(second.status, 200);
    const auto page2 = card_links(second.body);
    ASSERT_FALSE(page2.empty());
    for (const std::string& link : page2) {
        EXPECT_EQ(std::find(page1.begin(), page1.end(), link), page1.end()) << link;
    }
    EXPECT_NE(
        second.body.find(R"(href="/search?q=model%20learning&amp;after=2000-01-01" rel="prev")"),
        std::string::npos);
    EXPECT_NE(second.body.find("Page 2 of"), std::string::npos);

    // Beyond the last page: a clear message and the way back.
    const http::Response beyond = get("/search?q=model+learning&p=99");
    ASSERT_EQ(beyond.status, 200);
    EXPECT_NE(beyond.body.find("No papers match"), std::string::npos);
    EXPECT_NE(beyond.body.find(R"(href="/search?q=model%20learning")"), std::string::npos);
}

TEST_F(PagesTest, AnEmptyQueryExplainsTheQueryLanguage) {
    for (const char* target : {"/search", "/search?q=", "/search?q=+++", "/search?q=%09"}) {
        const http::Response r = get(target);
        ASSERT_EQ(r.status, 200) << target;
        EXPECT_NE(r.body.find("cat:cs.CL after:2024-01-01"), std::string::npos) << target;
        EXPECT_NE(r.body.find("has:code"), std::string::npos) << target;
        EXPECT_TRUE(card_links(r.body).empty()) << target;
    }
}

TEST_F(PagesTest, NoHitsSayWhatWasSearched) {
    const http::Response r = get("/search?q=qwxzv+zzkkj");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(card_links(r.body).empty());
    EXPECT_NE(r.body.find("No papers match"), std::string::npos);
    EXPECT_NE(r.body.find("qwxzv zzkkj"), std::string::npos);

    const http::Response filtered = get("/search?q=qwxzv&cat=cs.CV");
    EXPECT_NE(filtered.body.find(R"(href="/search?q=qwxzv")"), std::string::npos)
        << "offers the search without its filters";
}

TEST_F(PagesTest, ATypoGetsADidYouMeanLink) {
    const http::Response r = get("/search?q=sparse+transfomer&cat=cs.LG");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Did you mean"), std::string::npos);
    EXPECT_NE(
        r.body.find(
            R"(<a href="/search?q=sparse%20transformer&amp;cat=cs.LG">sparse transformer</a>)"),
        std::string::npos);
    EXPECT_EQ(get("/search?q=sparse+transformer").body.find("Did you mean"), std::string::npos);
}

TEST_F(PagesTest, HostileQueriesAreEscapedAndNeverAServerError) {
    const std::string script = "<script>alert(1)</script>";
    const std::string attribute = "\"><img src=x onerror=alert(1)>";
    const std::vector<std::string> queries = {
        script,
        attribute,
        "transformer " + script,
        std::string(10 * 1024, 'a'),
        std::string(5000, '<') + "b",
        "a\x01\x02\x1b[31mred\x7f",
        "\xff\xfe\xc3(bad utf8\xe2\x82",
        "'; DROP TABLE papers; --",
        "{{site_name}} {{{body}}}",
        "\"unbalanced title: -",
    };
    for (const std::string& q : queries) {
        for (const std::string& target :
             {"/search?q=" + encode(q), "/search?q=" + encode(q) + "&cat=" + encode(q),
              "/search?q=x&after=" + encode(q)}) {
            const http::Response r = get(target);
            EXPECT_LT(r.status, 500) << target.substr(0, 80);
            EXPECT_EQ(r.body.find("<script>alert"), std::string::npos) << target.substr(0, 80);
            EXPECT_EQ(r.body.find("<img src=x"), std::string::npos) << target.substr(0, 80);
            EXPECT_EQ(r.body.find('\x1b'), std::string::npos) << target.substr(0, 80);
        }
    }
    const http::Response echoed = get("/search?q=" + encode(script));
    EXPECT_NE(echoed.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);

    const http::Response long_query = get("/search?q=" + std::string(10 * 1024, 'a'));
    EXPECT_EQ(long_query.status, 200);
    EXPECT_NE(long_query.body.find("only its beginning was searched"), std::string::npos);
    EXPECT_EQ(long_query.body.find(std::string(4097, 'a')), std::string::npos);  // cut at 4 KiB
}

TEST_F(PagesTest, BadFilterValuesAreExplainedOnThePage) {
    const http::Response date = get("/search?q=learning&after=2024-13-45");
    EXPECT_EQ(date.status, 400);
    EXPECT_NE(date.body.find("&apos;2024-13-45&apos; is not a date"), std::string::npos);
    EXPECT_NE(date.body.find(R"(value="learning")"), std::string::npos) << "the form stays";
    EXPECT_EQ(date.header("Cache-Control"), "no-store");

    EXPECT_EQ(get("/search?q=learning&before=yesterday").status, 400);
    EXPECT_EQ(get("/search?q=learning&after=2024-06-01&before=2024-01-01").status, 400);
    EXPECT_EQ(get("/search?q=learning&cat=cs.CL%20OR%201").status, 400);
    for (const char* page : {"0", "-1", "abc", "101", "99999999999999999999"}) {
        const http::Response r = get(std::string("/search?q=learning&p=") + page);
        EXPECT_EQ(r.status, 400) << page;
        EXPECT_NE(r.body.find("is not a page number"), std::string::npos) << page;
    }
}

// ---- the paper page ----

TEST_F(PagesTest, OtherIdFormsRedirectToTheCanonicalPage) {
    for (const char* target : {"/papers/2410.61842v2", "/papers/arXiv:2410.61842",
                               "/papers/arxiv:2410.61842v1", "/papers/2410.61842/"}) {
        const http::Response r = get(target);
        EXPECT_EQ(r.status, 301) << target;
        EXPECT_EQ(r.header("Location"), "/papers/2410.61842") << target;
    }
    const http::Response old = get("/papers/hep-th/9901001v2");
    EXPECT_EQ(old.status, 301);
    EXPECT_EQ(old.header("Location"), "/papers/hep-th/9901001");
}

TEST_F(PagesTest, AnOldStyleIdHasItsPage) {
    const http::Response r = get("/papers/hep-th/9901001");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("<h1>Strings on a lattice of branes</h1>"), std::string::npos);
    EXPECT_NE(r.body.find("arXiv:hep-th/9901001"), std::string::npos);
    EXPECT_NE(r.body.find(R"(href="https://doi.org/10.1000/xyz123")"), std::string::npos);
    EXPECT_NE(r.body.find("Phys. Rev. D 60 (1999) 1"), std::string::npos);
    EXPECT_NE(r.body.find(">CC BY 4.0</a>"), std::string::npos);
    EXPECT_NE(r.body.find(R"(href="https://arxiv.org/abs/hep-th/9901001")"), std::string::npos);
}

TEST_F(PagesTest, UnknownOrMalformedIdsAreTheNotFoundPage) {
    for (const char* target : {"/papers/2410.99999", "/papers/abs/2410.61842",
                               "/papers/not-a-paper", "/papers/%3Cscript%3E"}) {
        const http::Response r = get(target);
        EXPECT_EQ(r.status, 404) << target;
        EXPECT_NE(r.body.find("Paper not found"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("<script>"), std::string::npos) << target;
    }
}

TEST_F(PagesTest, APaperPageShowsEverythingKnownAboutIt) {
    const http::Response r = get("/papers/2410.61842");
    ASSERT_EQ(r.status, 200);
    const std::string& b = r.body;
    EXPECT_NE(b.find("<title>Tidewater: Paging the Key-Value Cache to Host Memory for "
                     "Million-Token Decoding · Daily Papers</title>"),
              std::string::npos);
    EXPECT_NE(b.find(R"(<meta name="description" content="Decoding with contexts of a million)"),
              std::string::npos);
    for (const char* author : {"Wen-Li Ashford", "Maren Ødegaard", "Ife Adeyemi"}) {
        EXPECT_NE(b.find(author), std::string::npos) << author;
    }
    EXPECT_NE(b.find(R"(href="/authors/Priya%20Raghunathan")"), std::string::npos);
    // The whole abstract, its last sentence included.
    EXPECT_NE(b.find("The code will be released with the camera-ready version."),
              std::string::npos);
    EXPECT_NE(b.find(R"(<span class="vote-count">57</span>)"), std::string::npos);
    EXPECT_NE(b.find(R"(href="/papers/date/2024-10-25")"), std::string::npos);
    EXPECT_NE(b.find(R"(href="https://arxiv.org/abs/2410.61842")"), std::string::npos);
    EXPECT_NE(b.find(R"(href="https://arxiv.org/pdf/2410.61842")"), std::string::npos);
    EXPECT_EQ(r.header("Cache-Control"), "public, max-age=60");
}

TEST_F(PagesTest, AuthorsShowTheirAffiliations) {
    const http::Response r = get("/papers/2412.00003");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find(R"(<span class="affiliation">(Analytical Engine Society)</span>)"),
              std::string::npos);
    EXPECT_NE(r.body.find("Alan Turing"), std::string::npos);
    EXPECT_NE(r.body.find(R"(href="https://github.com/example/sparse-routing")"),
              std::string::npos);
    EXPECT_NE(r.body.find("Dec 20, 2024"), std::string::npos);  // published
    EXPECT_NE(r.body.find("Dec 22, 2024"), std::string::npos);  // updated
}

TEST_F(PagesTest, SimilarPapersAreRelatedAndNeverThePaperItself) {
    const http::Response r = get("/papers/2410.61842");
    ASSERT_EQ(r.status, 200);
    const size_t similar = r.body.find(R"(id="similar-heading")");
    ASSERT_NE(similar, std::string::npos);
    const auto links = card_links(r.body.substr(similar));
    ASSERT_FALSE(links.empty());
    EXPECT_LE(links.size(), 5U);
    EXPECT_EQ(std::find(links.begin(), links.end(), "/papers/2410.61842"), links.end());
    // The paper written to be like it: paging the key-value cache between GPU and host memory.
    EXPECT_EQ(links[0], "/papers/2412.00002");
    // A card does not pick up the page's own links (mustache looks up missing names outside).
    EXPECT_EQ(count(r.body.substr(similar), "https://arxiv.org/abs/2410.61842"), 0U);
}

TEST_F(PagesTest, AJavascriptLinkInARecordIsNeverAnHref) {
    for (const char* target : {"/papers/2412.00001", "/", "/search?q=hostile+links"}) {
        const http::Response r = get(target);
        ASSERT_EQ(r.status, 200) << target;
        EXPECT_NE(r.body.find("Hostile links in a record"), std::string::npos) << target;
        // Nowhere as a link or any other attribute (the license's text may still show).
        EXPECT_EQ(r.body.find("=\"javascript:"), std::string::npos) << target;
        // The paper's page or card has no Code or Project page link at all.
        const std::string own = article_with(r.body, ">Hostile links in a record<");
        ASSERT_FALSE(own.empty()) << target;
        EXPECT_EQ(own.find(">Code</a>"), std::string::npos) << target;
        EXPECT_EQ(own.find(">Project page</a>"), std::string::npos) << target;
    }
}

TEST_F(PagesTest, AnUnchangedPageRevalidatesTo304) {
    for (const char* target : {"/papers/2410.61842", "/search?q=key-value+cache", "/search"}) {
        const http::Response first = get(target);
        ASSERT_EQ(first.status, 200) << target;
        const auto etag = first.header("ETag");
        ASSERT_TRUE(etag.has_value()) << target;
        const http::Response again = get(target, {{"If-None-Match", std::string(*etag)}});
        EXPECT_EQ(again.status, 304) << target;
        EXPECT_TRUE(again.body.empty()) << target;
        EXPECT_EQ(get(target, {{"If-None-Match", "\"other\""}}).status, 200) << target;
    }
}

// ---- limits and headers ----

// The probe's finding: searches were not limited (the JSON API was), and 54 a second from one
// client slowed every other request down.
TEST_F(PagesTest, SearchesBeyondAClientsBurstGet429WithRetryAfterUntilTokensReturn) {
    SiteOptions options;
    options.search_rate = 0.5;  // a search every 2 s
    options.search_burst = 3;
    make_site(options);
    const std::string client = "192.0.2.7";
    // The page and the feeds share one budget; a repeated search counts though it is cached.
    EXPECT_EQ(get("/search?q=transformer", {}, client).status, 200);
    EXPECT_EQ(get("/feeds/search.rss?q=cache", {}, client).status, 200);
    EXPECT_EQ(get("/search?q=transformer", {}, client).status, 200);

    const http::Response page = get("/search?q=routing", {}, client);
    EXPECT_EQ(page.status, 429);
    EXPECT_EQ(page.content_type(), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("Too many searches"), std::string::npos);
    EXPECT_NE(page.body.find("Try again in 2 seconds."), std::string::npos);
    EXPECT_EQ(page.header("Retry-After").value_or(""), "2");
    EXPECT_EQ(page.header("Cache-Control").value_or(""), "no-store");
    for (const char* feed : {"/feeds/search.rss?q=routing", "/feeds/search.atom?q=routing"}) {
        const http::Response r = get(feed, {}, client);
        EXPECT_EQ(r.status, 429) << feed;
        EXPECT_EQ(r.content_type(), "text/plain; charset=utf-8") << feed;
        EXPECT_EQ(r.header("Retry-After").value_or(""), "2") << feed;
        EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store") << feed;
    }

    // Another address has its own budget; other pages, feeds and the API are not searches.
    EXPECT_EQ(get("/search?q=routing", {}, "198.51.100.7").status, 200);
    for (const char* target : {"/", "/papers/trending", "/papers/2410.61842", "/feeds/daily.xml",
                               "/api/papers/search?q=routing", "/healthz"}) {
        EXPECT_EQ(get(target, {}, client).status, 200) << target;
    }

    steady_now_ += std::chrono::seconds(1);
    const http::Response still = get("/search?q=routing", {}, client);
    EXPECT_EQ(still.status, 429);
    EXPECT_EQ(still.header("Retry-After").value_or(""), "1");
    steady_now_ += std::chrono::seconds(1);
    EXPECT_EQ(get("/search?q=routing", {}, client).status, 200);
    EXPECT_EQ(get("/search?q=paging", {}, client).status, 429);
    steady_now_ += std::chrono::minutes(10);  // refills to the burst, no further
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(get("/search?q=q" + std::to_string(i), {}, client).status, 200) << i;
    }
    EXPECT_EQ(get("/search?q=again", {}, client).status, 429);
}

TEST_F(PagesTest, ASearchRateOfZeroTurnsTheLimitOff) {
    SiteOptions options;
    options.search_rate = 0;
    options.search_burst = 1;
    make_site(options);
    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(get("/search?q=w" + std::to_string(i), {}, "192.0.2.7").status, 200) << i;
    }
}

TEST_F(PagesTest, ResponsesDenyPowerfulFeaturesAndAskForHttpsOnlyWhenServedOverIt) {
    const char* targets[] = {"/", "/search?q=transformer", "/feeds/daily.xml", "/api/trending",
                             "/no/such/page"};
    for (const char* target : targets) {
        const http::Response r = get(target);
        const std::string policy(r.header("Permissions-Policy").value_or(""));
        for (const char* feature :
             {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"}) {
            EXPECT_NE(policy.find(feature), std::string::npos) << target << ": " << feature;
        }
        EXPECT_FALSE(r.header("Strict-Transport-Security")) << target;
    }

    SiteOptions http_site;
    http_site.public_url = "http://papers.example.org";
    make_site(http_site);
    EXPECT_FALSE(get("/").header("Strict-Transport-Security"));

    SiteOptions https_site;
    https_site.public_url = "https://papers.example.org";
    make_site(https_site);
    for (const char* target : targets) {
        EXPECT_EQ(get(target).header("Strict-Transport-Security").value_or(""), "max-age=31536000")
            << target;
    }
    http::Request partial;
    partial.target = "/search?q=x";
    EXPECT_EQ(
        site_->refusal(400, "malformed", partial).header("Strict-Transport-Security").value_or(""),
        "max-age=31536000");
}

// ---- the pieces underneath ----

TEST_F(PagesTest, SimilarExcludesThePaperAndHonoursTheLimit) {
    auto paper = store_->get_paper(*PaperId::parse("2410.61842"));
    ASSERT_TRUE(paper.ok() && paper->has_value());
    auto similar = search_->similar(**paper, 3);
    ASSERT_TRUE(similar.ok());
    ASSERT_EQ(similar->size(), 3U);
    for (const app::SearchHit& hit : *similar) EXPECT_NE(hit.paper.id.str(), "2410.61842");
    EXPECT_GE((*similar)[0].score, (*similar)[1].score);
    EXPECT_TRUE(search_->similar(**paper, 0)->empty());
}

TEST_F(PagesTest, DocumentFrequencyCountsDocumentsWithTheTerm) {
    const index::Index& index = search_->index();
    EXPECT_EQ(index.document_frequency("zzzunknown"), 0U);
    // Against an exhaustive search: the papers that match a term are those that have it.
    index::Query query = index::parse_query("decoding", search_->analyzer());
    ASSERT_EQ(query.should.size(), 1U);
    index::SearchOptions all;
    all.limit = 1000;
    all.exhaustive = true;
    const size_t frequency = index.document_frequency(query.should[0].terms[0]);
    EXPECT_GE(frequency, 3U);  // 2410.61842, 2410.60884, 2412.00002
    EXPECT_EQ(frequency, index.search(query, all).hits.size());
}

}  // namespace
}  // namespace paperboy::web
