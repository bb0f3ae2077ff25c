// The RSS and Atom feeds through Site::handle() over a real (in-memory) SQLite store, with the
// clock pinned; every document is parsed back with pugixml. And xml_escape(), which every text
// in a feed goes through.
#include <gtest/gtest.h>

#include <memory>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "app/search_service.h"
#include "core/timestamp.h"
#include "store/store.h"
#include "web/site.h"
#include "web/xml_escape.h"

namespace paperboy::web {
namespace {

// ---------------------------------------------------------------------------------------------
// xml_escape

TEST(XmlEscape, EscapesTheFiveMarkupCharacters) {
    const struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"", ""},
        {"plain text", "plain text"},
        {"a & b", "a &amp; b"},
        {"<script>&\"'", "&lt;script&gt;&amp;&quot;&apos;"},
        {"&amp;", "&amp;amp;"},
        {"]]>", "]]&gt;"},
    };
    for (const auto& c : cases) EXPECT_EQ(xml_escape(c.in), c.out) << c.in;
}

TEST(XmlEscape, DropsCharactersXmlDoesNotAllowAndKeepsWhiteSpace) {
    EXPECT_EQ(xml_escape(std::string("a\x01"
                                     "b\x08"
                                     "c\x1b"
                                     "d\x0b\x0c"
                                     "e",
                                     10)),
              "abcde");
    EXPECT_EQ(xml_escape(std::string("nul\0byte", 8)), "nulbyte");
    EXPECT_EQ(xml_escape("tab\tline\nreturn\r"), "tab\tline\nreturn\r");
    // U+FFFE and U+FFFF are not XML characters; U+FFFD is.
    EXPECT_EQ(xml_escape("x\xEF\xBF\xBEy\xEF\xBF\xBFz\xEF\xBF\xBD"), "xyz\xEF\xBF\xBD");
}

TEST(XmlEscape, KeepsValidUtf8AndReplacesInvalidBytes) {
    EXPECT_EQ(xml_escape("Schrödinger — 𝔼[x] 😀"), "Schrödinger — 𝔼[x] 😀");
    EXPECT_EQ(xml_escape("bad \xFF byte"), "bad \xEF\xBF\xBD byte");
    EXPECT_EQ(xml_escape("cut \xC3"), "cut \xEF\xBF\xBD");
    // An encoded surrogate (U+D800) is not valid UTF-8.
    EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(XmlEscape, ResultAlwaysParsesBackToTheCleanText) {
    std::string all, clean;
    for (int c = 1; c < 128; ++c) {
        all += static_cast<char>(c);
        if (c >= 0x20 || c == '\t' || c == '\n') clean += static_cast<char>(c);
        if (c == '\r') clean += '\n';  // the parser normalises line ends, as XML says
    }
    const std::string doc =
        "<r a=\"" + xml_escape(all) + "\" b='" + xml_escape(all) + "'>" + xml_escape(all) + "</r>";
    pugi::xml_document parsed;
    ASSERT_TRUE(
        parsed.load_string(doc.c_str(), pugi::parse_default & ~pugi::parse_wconv_attribute));
    EXPECT_EQ(parsed.child("r").text().get(), clean);
    EXPECT_EQ(parsed.child("r").attribute("a").value(), clean);
    EXPECT_EQ(parsed.child("r").attribute("b").value(), clean);
}

// ---------------------------------------------------------------------------------------------
// The feeds

constexpr const char* kHostileTitle = "<script>&\"'\x01\x1b title";
constexpr const char* kCleanTitle = "<script>&\"' title";

Paper paper(const std::string& id, const std::string& title, const std::string& published) {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title;
    p.abstract = p.abstract_raw = "About " + title + ".";
    p.published = published;
    p.authors = {Author{.name = "Ada Lovelace"}, Author{.name = "Alan Turing"}};
    p.categories = {"cs.CL", "cs.LG"};
    return p;
}

DailyEntry entry(const std::string& date, const std::string& id, int upvotes,
                 const std::string& at) {
    return DailyEntry{date, *PaperId::parse(id), "ak", at, upvotes, 0};
}

http::Request get(const std::string& target, const std::string& host = "papers.test:8080") {
    http::Request r;
    r.method = "GET";
    r.target = target;
    EXPECT_TRUE(http::decode_target(r)) << target;
    if (!host.empty()) r.headers.emplace_back("Host", host);
    return r;
}

class FeedsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        store::WriteBatch b;
        Paper hostile = paper("2410.00001", kHostileTitle, "2024-10-20T10:00:00Z");
        hostile.abstract = "We show that x < y & <b>z</b>\x07 holds.\n\nA second paragraph.";
        hostile.authors = {Author{.name = "O'Brien <ob@example.org>"}};
        hostile.categories = {"cs.CR"};
        b.put_paper(hostile);
        b.put_paper(paper("2410.00002", "Transformers for tables", "2024-10-21T11:00:00Z"));
        b.put_paper(paper("hep-th/9901001", "Strings, old style", "1999-01-01T00:00:00Z"));
        b.put_paper(paper("2410.00004", "Transformers on an earlier day", "2024-10-19T09:00:00Z"));
        b.put_daily_entry(entry("2024-10-25", "2410.00001", 30, "2024-10-25T08:00:00Z"));
        b.put_daily_entry(entry("2024-10-25", "2410.00002", 12, "2024-10-25T09:30:00Z"));
        // No submission time: the paper's published date stands in.
        b.put_daily_entry(entry("2024-10-25", "hep-th/9901001", 5, ""));
        b.put_daily_entry(entry("2024-10-24", "2410.00004", 7, "2024-10-24T07:00:00Z"));
        ASSERT_TRUE(store_->write(b).ok());
        search_ = std::move(app::SearchService::open(*store_)).value();
        // The host the tests' requests name, as an operator would list it.
        SiteOptions options;
        options.allowed_hosts = {"papers.test:8080"};
        make_site(options);
    }

    void make_site(SiteOptions options) {
        options.site_name = "Lab Papers";
        options.now = [] { return *parse_instant("2024-10-26T12:00:00Z"); };
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, std::move(options));
    }

    // The response, its body parsed; fails the test when it is not well-formed XML.
    http::Response fetch(const http::Request& request, pugi::xml_document& doc) {
        http::Response response = site_->handle(request);
        const pugi::xml_parse_result parsed = doc.load_string(response.body.c_str());
        EXPECT_TRUE(parsed) << parsed.description() << " at " << parsed.offset << " in "
                            << response.body;
        return response;
    }

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

// The text of each `child` of `parent`, or of its `grandchild` when one is named.
std::vector<std::string> texts(const pugi::xml_node& parent, const char* child,
                               const char* grandchild = nullptr) {
    std::vector<std::string> out;
    for (pugi::xml_node n : parent.children(child)) {
        out.push_back((grandchild != nullptr ? n.child(grandchild) : n).text().get());
    }
    return out;
}

TEST_F(FeedsTest, DailyRssHasTheChannelAndTheLatestListInOrderWithAbsoluteLinks) {
    pugi::xml_document doc;
    http::Response response = fetch(get("/feeds/daily.xml"), doc);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type(), "application/rss+xml; charset=utf-8");

    pugi::xml_node rss = doc.child("rss");
    EXPECT_STREQ(rss.attribute("version").value(), "2.0");
    pugi::xml_node channel = rss.child("channel");
    EXPECT_STREQ(channel.child("title").text().get(), "Lab Papers · Daily list");
    EXPECT_STREQ(channel.child("link").text().get(), "http://papers.test:8080/");
    EXPECT_FALSE(std::string(channel.child("description").text().get()).empty());
    // The newest item's date, so an unchanged list keeps its ETag.
    EXPECT_STREQ(channel.child("lastBuildDate").text().get(), "Fri, 25 Oct 2024 09:30:00 +0000");
    pugi::xml_node self = channel.child("atom:link");
    EXPECT_STREQ(self.attribute("rel").value(), "self");
    EXPECT_STREQ(self.attribute("href").value(), "http://papers.test:8080/feeds/daily.xml");

    EXPECT_EQ(texts(channel, "item", "link"),
              (std::vector<std::string>{"http://papers.test:8080/papers/2410.00001",
                                        "http://papers.test:8080/papers/2410.00002",
                                        "http://papers.test:8080/papers/hep-th/9901001"}));
    pugi::xml_node second = channel.child("item").next_sibling("item");
    EXPECT_STREQ(second.child("title").text().get(), "Transformers for tables");
    EXPECT_STREQ(second.child("guid").text().get(), "http://papers.test:8080/papers/2410.00002");
    EXPECT_STREQ(second.child("guid").attribute("isPermaLink").value(), "true");
    EXPECT_STREQ(second.child("pubDate").text().get(), "Fri, 25 Oct 2024 09:30:00 +0000");
    EXPECT_STREQ(second.child("dc:creator").text().get(), "Ada Lovelace, Alan Turing");
    EXPECT_EQ(texts(second, "category"), (std::vector<std::string>{"cs.CL", "cs.LG"}));
    EXPECT_STREQ(second.child("description").text().get(), "<p>About Transformers for tables.</p>");
    // Without a submission time, the paper's published date.
    EXPECT_STREQ(channel.last_child().child("pubDate").text().get(),
                 "Fri, 01 Jan 1999 00:00:00 +0000");
}

TEST_F(FeedsTest, DailyAtomHasTheFeedAndEntriesWithIdsDatesAuthorsAndSummaries) {
    pugi::xml_document doc;
    http::Response response = fetch(get("/feeds/daily.atom"), doc);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type(), "application/atom+xml; charset=utf-8");

    pugi::xml_node feed = doc.child("feed");
    EXPECT_STREQ(feed.attribute("xmlns").value(), "http://www.w3.org/2005/Atom");
    EXPECT_STREQ(feed.child("title").text().get(), "Lab Papers · Daily list");
    EXPECT_FALSE(std::string(feed.child("subtitle").text().get()).empty());
    EXPECT_STREQ(feed.child("id").text().get(), "http://papers.test:8080/feeds/daily.atom");
    EXPECT_STREQ(feed.child("updated").text().get(), "2024-10-25T09:30:00Z");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "self").attribute("href").value(),
                 "http://papers.test:8080/feeds/daily.atom");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "alternate").attribute("href").value(),
                 "http://papers.test:8080/");
    EXPECT_STREQ(feed.child("author").child("name").text().get(), "Lab Papers");

    EXPECT_EQ(texts(feed, "entry", "id"),
              (std::vector<std::string>{"http://papers.test:8080/papers/2410.00001",
                                        "http://papers.test:8080/papers/2410.00002",
                                        "http://papers.test:8080/papers/hep-th/9901001"}));
    pugi::xml_node second = feed.child("entry").next_sibling("entry");
    EXPECT_STREQ(second.child("link").attribute("href").value(),
                 "http://papers.test:8080/papers/2410.00002");
    EXPECT_STREQ(second.child("updated").text().get(), "2024-10-25T09:30:00Z");
    EXPECT_EQ(texts(second, "author", "name"),
              (std::vector<std::string>{"Ada Lovelace", "Alan Turing"}));
    EXPECT_STREQ(second.child("category").attribute("term").value(), "cs.CL");
    EXPECT_STREQ(second.child("summary").attribute("type").value(), "text");
    EXPECT_STREQ(second.child("summary").text().get(), "About Transformers for tables.");
}

TEST_F(FeedsTest, HostileTextIsEscapedAndCharactersXmlForbidsAreDropped) {
    for (const char* target : {"/feeds/daily.xml", "/feeds/daily.atom"}) {
        pugi::xml_document doc;
        http::Response response = fetch(get(target), doc);
        EXPECT_EQ(response.body.find("<script>"), std::string::npos) << target;
        EXPECT_NE(response.body.find("&lt;script&gt;&amp;&quot;&apos; title"), std::string::npos)
            << target;
        for (unsigned char c : response.body) {
            EXPECT_TRUE(c >= 0x20 || c == '\n' || c == '\t' || c == '\r') << int(c) << target;
        }
    }
    pugi::xml_document rss;
    fetch(get("/feeds/daily.xml"), rss);
    pugi::xml_node item = rss.child("rss").child("channel").child("item");
    EXPECT_STREQ(item.child("title").text().get(), kCleanTitle);
    EXPECT_STREQ(item.child("dc:creator").text().get(), "O'Brien <ob@example.org>");
    // RSS descriptions are HTML: the abstract's text is escaped as HTML, then as XML.
    EXPECT_STREQ(item.child("description").text().get(),
                 "<p>We show that x &lt; y &amp; &lt;b&gt;z&lt;/b&gt; holds.</p>"
                 "<p>A second paragraph.</p>");

    pugi::xml_document atom;
    fetch(get("/feeds/daily.atom"), atom);
    pugi::xml_node entry = atom.child("feed").child("entry");
    EXPECT_STREQ(entry.child("title").text().get(), kCleanTitle);
    EXPECT_STREQ(entry.child("author").child("name").text().get(), "O'Brien <ob@example.org>");
    EXPECT_STREQ(entry.child("summary").text().get(),
                 "We show that x < y & <b>z</b> holds.\n\nA second paragraph.");
}

TEST_F(FeedsTest, LinksUseThePublicUrlElseTheListenAddressElseLocalhost) {
    make_site(SiteOptions{});
    pugi::xml_document doc;
    // Neither configured nor known: localhost, whatever the Host header says.
    for (const char* host : {"", "papers.test:8080", "evil.test/<x>\""}) {
        fetch(get("/feeds/daily.xml", host), doc);
        EXPECT_STREQ(doc.child("rss").child("channel").child("link").text().get(),
                     "http://localhost/")
            << host;
    }

    site_->set_listen_url("http://127.0.0.1:8080/");
    fetch(get("/feeds/daily.xml"), doc);
    EXPECT_STREQ(doc.child("rss").child("channel").child("item").child("link").text().get(),
                 "http://127.0.0.1:8080/papers/2410.00001");

    SiteOptions options;
    options.public_url = "https://papers.example.org/";
    make_site(options);
    site_->set_listen_url("http://127.0.0.1:8080");
    fetch(get("/feeds/trending.atom?x=1&y=2"), doc);
    pugi::xml_node feed = doc.child("feed");
    EXPECT_STREQ(feed.child("id").text().get(),
                 "https://papers.example.org/feeds/trending.atom?x=1&y=2");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "alternate").attribute("href").value(),
                 "https://papers.example.org/papers/trending");
    EXPECT_STREQ(feed.child("entry").child("id").text().get(),
                 "https://papers.example.org/papers/2410.00001");
}

// The probe's attack: without --public-url, a request naming another host made that host the
// base of the links of the response (public, max-age=300, kept by proxies and readers) and of
// every plain request for the same feed served from the response cache after it.
TEST_F(FeedsTest, AHostileHostChangesNoLinkOfThatOrTheNextRequest) {
    make_site(SiteOptions{});
    site_->set_listen_url("http://127.0.0.1:8080");
    for (const char* target :
         {"/feeds/search.rss?q=transformers", "/feeds/search.atom?q=transformers",
          "/feeds/daily.xml", "/feeds/daily.atom", "/feeds/trending.xml", "/feeds/trending.atom"}) {
        const http::Response hostile = site_->handle(get(target, "attacker.example"));
        const http::Response plain = site_->handle(get(target, "127.0.0.1:8080"));
        for (const http::Response* r : {&hostile, &plain}) {
            EXPECT_EQ(r->status, 200) << target;
            EXPECT_EQ(r->body.find("attacker.example"), std::string::npos) << target;
            EXPECT_NE(r->body.find("http://127.0.0.1:8080/papers/2410.0000"), std::string::npos)
                << target;
        }
        EXPECT_EQ(hostile.body, plain.body) << target;
    }

    // With an allow-list, a host not on it gets the first allowed host's links.
    SiteOptions options;
    options.allowed_hosts = {"papers.test:8080"};
    make_site(options);
    site_->set_listen_url("http://127.0.0.1:8080");
    const http::Response hostile = site_->handle(get("/feeds/daily.xml", "attacker.example"));
    EXPECT_EQ(hostile.body.find("attacker.example"), std::string::npos);
    EXPECT_NE(hostile.body.find("<link>http://papers.test:8080/papers/2410.00001</link>"),
              std::string::npos);
}

TEST_F(FeedsTest, AllowedHostsGetLinksToThemselvesEachCachedApart) {
    SiteOptions options;
    options.public_url = "https://papers.example.org";
    options.allowed_hosts = parse_allowed_hosts("papers.test:8080, HTTP://Mirror.Example/").value();
    make_site(options);
    // A bare host takes the public URL's scheme; an entry with its own keeps it. Each host's
    // response is cached apart: asking in turn never yields another host's links.
    const struct {
        const char* host;
        const char* link;
    } cases[] = {
        {"papers.test:8080", "https://papers.test:8080/papers/2410.00001"},
        {"mirror.example", "http://mirror.example/papers/2410.00001"},
        {"PAPERS.TEST:8080", "https://papers.test:8080/papers/2410.00001"},
        {"papers.test", "https://papers.example.org/papers/2410.00001"},
        {"Mirror.Example", "http://mirror.example/papers/2410.00001"},
        {"attacker.example", "https://papers.example.org/papers/2410.00001"},
        {"", "https://papers.example.org/papers/2410.00001"},
    };
    for (int round = 0; round < 2; ++round) {
        for (const auto& c : cases) {
            pugi::xml_document doc;
            fetch(get("/feeds/daily.atom", c.host), doc);
            EXPECT_STREQ(doc.child("feed").child("entry").child("id").text().get(), c.link)
                << c.host << " round " << round;
        }
    }
}

TEST(AllowedHosts, AreHostsWithAnOptionalPortAndScheme) {
    EXPECT_EQ(parse_allowed_hosts("").value(), std::vector<std::string>{});
    EXPECT_EQ(
        parse_allowed_hosts(" A.example , b.example:8443,https://C.example/,[::1]:8080,").value(),
        (std::vector<std::string>{"a.example", "b.example:8443", "https://c.example",
                                  "[::1]:8080"}));
    for (const char* bad : {"a.example/path", "ftp://a.example", "a example", "https://",
                            "a.example,b_c.example", ":8080", "user@a.example"}) {
        auto parsed = parse_allowed_hosts(bad);
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << bad;
    }
}

TEST_F(FeedsTest, ADateParameterPicksTheDayAndABadDateIsA400) {
    pugi::xml_document doc;
    fetch(get("/feeds/daily.atom?date=2024-10-24"), doc);
    EXPECT_STREQ(doc.child("feed").child("title").text().get(),
                 "Lab Papers · Daily list of Oct 24, 2024");
    EXPECT_EQ(texts(doc.child("feed"), "entry", "id"),
              (std::vector<std::string>{"http://papers.test:8080/papers/2410.00004"}));
    EXPECT_STREQ(doc.child("feed")
                     .find_child_by_attribute("link", "rel", "alternate")
                     .attribute("href")
                     .value(),
                 "http://papers.test:8080/papers/date/2024-10-24");

    // A day without a list is an empty feed, dated now.
    fetch(get("/feeds/daily.xml?date=2024-10-22"), doc);
    EXPECT_TRUE(doc.child("rss").child("channel").child("item").empty());
    EXPECT_STREQ(doc.child("rss").child("channel").child("lastBuildDate").text().get(),
                 "Sat, 26 Oct 2024 12:00:00 +0000");

    for (const char* target : {"/feeds/daily.xml?date=2024-13-01",
                               "/feeds/daily.atom?date=", "/feeds/daily.xml?date=%3Cscript%3E"}) {
        http::Response response = site_->handle(get(target));
        EXPECT_EQ(response.status, 400) << target;
        EXPECT_EQ(response.content_type(), "text/plain; charset=utf-8") << target;
        EXPECT_EQ(response.header("Cache-Control"), "no-store") << target;
    }
}

TEST_F(FeedsTest, TrendingFeedsRankByTrendingInBothFormats) {
    pugi::xml_document rss, atom;
    EXPECT_EQ(fetch(get("/feeds/trending.xml"), rss).status, 200);
    EXPECT_EQ(fetch(get("/feeds/trending.atom"), atom).status, 200);
    std::vector<std::string> links = texts(rss.child("rss").child("channel"), "item", "link");
    EXPECT_EQ(links, texts(atom.child("feed"), "entry", "id"));
    ASSERT_EQ(links.size(), 4u);
    EXPECT_EQ(links.front(), "http://papers.test:8080/papers/2410.00001");
    EXPECT_STREQ(rss.child("rss").child("channel").child("link").text().get(),
                 "http://papers.test:8080/papers/trending");
}

TEST_F(FeedsTest, SearchFeedsCarryTheHitsAndNeedAQuery) {
    pugi::xml_document rss, atom;
    EXPECT_EQ(fetch(get("/feeds/search.rss?q=transformers"), rss).status, 200);
    EXPECT_EQ(fetch(get("/feeds/search.atom?q=transformers"), atom).status, 200);
    pugi::xml_node channel = rss.child("rss").child("channel");
    EXPECT_STREQ(channel.child("title").text().get(), "Lab Papers · Search: transformers");
    EXPECT_STREQ(channel.child("link").text().get(),
                 "http://papers.test:8080/search?q=transformers");
    std::vector<std::string> links = texts(channel, "item", "link");
    std::sort(links.begin(), links.end());
    EXPECT_EQ(links, (std::vector<std::string>{"http://papers.test:8080/papers/2410.00002",
                                               "http://papers.test:8080/papers/2410.00004"}));
    // A hit's date is its publication.
    for (pugi::xml_node entry : atom.child("feed").children("entry")) {
        const std::string id = entry.child("id").text().get();
        EXPECT_STREQ(entry.child("updated").text().get(),
                     id.ends_with("00002") ? "2024-10-21T11:00:00Z" : "2024-10-19T09:00:00Z");
    }

    fetch(get("/feeds/search.atom?q=%22a%20%26%20b%22%20%3Cx%3E"), atom);
    EXPECT_STREQ(atom.child("feed")
                     .find_child_by_attribute("link", "rel", "alternate")
                     .attribute("href")
                     .value(),
                 "http://papers.test:8080/search?q=%22a%20%26%20b%22%20%3Cx%3E");

    for (const char* target :
         {"/feeds/search.rss", "/feeds/search.atom?q=", "/feeds/search.rss?q=+"}) {
        EXPECT_EQ(site_->handle(get(target)).status, 400) << target;
    }
}

TEST_F(FeedsTest, ACollaborationIsNamedByItsFirstAuthors) {
    Paper big = paper("2410.00009", "A collaboration", "2024-10-25T00:00:00Z");
    big.authors.clear();
    for (int i = 1; i <= 3000; ++i) big.authors.push_back(Author{.name = "A" + std::to_string(i)});
    store::WriteBatch b;
    b.put_paper(big);
    b.put_daily_entry(entry("2024-10-25", "2410.00009", 1, "2024-10-25T10:00:00Z"));
    ASSERT_TRUE(store_->write(b).ok());

    pugi::xml_document doc;
    fetch(get("/feeds/daily.atom"), doc);
    pugi::xml_node entry = doc.child("feed").last_child();
    ASSERT_STREQ(entry.child("title").text().get(), "A collaboration");
    const std::vector<std::string> names = texts(entry, "author", "name");
    ASSERT_EQ(names.size(), 26u);
    EXPECT_EQ(names.front(), "A1");
    EXPECT_EQ(names[24], "A25");
    EXPECT_EQ(names.back(), "et al.");
}

TEST_F(FeedsTest, FeedsAreCacheableWithAnETag) {
    http::Response first = site_->handle(get("/feeds/daily.xml"));
    EXPECT_EQ(first.header("Cache-Control"), "public, max-age=300");
    ASSERT_TRUE(first.header("ETag"));
    EXPECT_EQ(site_->handle(get("/feeds/daily.xml")).body, first.body);

    http::Request again = get("/feeds/daily.xml");
    again.headers.emplace_back("If-None-Match", std::string(*first.header("ETag")));
    http::Response cached = site_->handle(again);
    EXPECT_EQ(cached.status, 304);
    EXPECT_TRUE(cached.body.empty());
}

TEST(Feeds, AnEmptyStoreHasValidEmptyFeeds) {
    auto store = std::move(store::open_store("sqlite::memory:")).value();
    auto search = std::move(app::SearchService::open(*store)).value();
    SiteOptions options;
    options.now = [] { return *parse_instant("2024-10-26T12:00:00Z"); };
    Site site(app::Instance(*store), *search, options);
    for (const char* target :
         {"/feeds/daily.xml", "/feeds/daily.atom", "/feeds/trending.xml", "/feeds/trending.atom",
          "/feeds/search.rss?q=anything", "/feeds/search.atom?q=anything"}) {
        http::Response response = site.handle(get(target));
        EXPECT_EQ(response.status, 200) << target;
        pugi::xml_document doc;
        EXPECT_TRUE(doc.load_string(response.body.c_str())) << target;
        EXPECT_TRUE(doc.child("rss") || doc.child("feed")) << target;
    }
    pugi::xml_document doc;
    doc.load_string(site.handle(get("/feeds/daily.atom")).body.c_str());
    EXPECT_STREQ(doc.child("feed").child("updated").text().get(), "2024-10-26T12:00:00Z");
}

}  // namespace
}  // namespace paperboy::web
