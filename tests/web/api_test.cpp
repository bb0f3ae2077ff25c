// The JSON API through Site::handle(), over a real SQLite file and a real search index: every
// endpoint, its errors, caching, the rate limiter, and compatibility with a real Hugging Face
// /api/daily_papers response.
#include "web/api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "app/accounts.h"
#include "app/ingest_pipeline.h"
#include "app/paper_json.h"
#include "app/search_service.h"
#include "core/hash.h"
#include "core/timestamp.h"
#include "rank/trending.h"
#include "store/store.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "web/site.h"

namespace paperboy::web {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// --- JSON helpers ------------------------------------------------------------------------------

// A parsed response body; pointers are RFC 6901 ("/0/paper/id").
class Json {
  public:
    explicit Json(const std::string& text) : parser_(std::make_unique<simdjson::dom::parser>()) {
        ok_ = parser_->parse(text).get(root_) == simdjson::SUCCESS;
    }
    bool ok() const { return ok_; }
    element root() const { return root_; }

    bool has(std::string_view pointer) const {
        element e;
        return ok_ && root_.at_pointer(pointer).get(e) == simdjson::SUCCESS;
    }
    element at(std::string_view pointer) const {
        element e;
        EXPECT_EQ(root_.at_pointer(pointer).get(e), simdjson::SUCCESS) << pointer;
        return e;
    }
    std::string str(std::string_view pointer) const {
        std::string_view s;
        EXPECT_EQ(at(pointer).get_string().get(s), simdjson::SUCCESS) << pointer;
        return std::string(s);
    }
    int64_t integer(std::string_view pointer) const {
        int64_t n = -1;
        EXPECT_EQ(at(pointer).get_int64().get(n), simdjson::SUCCESS) << pointer;
        return n;
    }
    double number(std::string_view pointer) const {
        double d = -1;
        EXPECT_EQ(at(pointer).get_double().get(d), simdjson::SUCCESS) << pointer;
        return d;
    }
    bool boolean(std::string_view pointer) const {
        bool b = false;
        EXPECT_EQ(at(pointer).get_bool().get(b), simdjson::SUCCESS) << pointer;
        return b;
    }
    size_t size(std::string_view pointer = "") const {
        simdjson::dom::array a;
        if (at(pointer).get_array().get(a) != simdjson::SUCCESS) {
            ADD_FAILURE() << pointer << " is not an array";
            return 0;
        }
        return a.size();
    }
    // The string at `field` of every element of the array at `pointer`.
    std::vector<std::string> column(std::string_view field, std::string_view pointer = "") const {
        std::vector<std::string> out;
        for (size_t i = 0; i < size(pointer); ++i) {
            out.push_back(str(std::string(pointer) + "/" + std::to_string(i) + std::string(field)));
        }
        return out;
    }

  private:
    std::unique_ptr<simdjson::dom::parser> parser_;
    element root_;
    bool ok_ = false;
};

std::string json_type(element e) {
    switch (e.type()) {
        case element_type::ARRAY:
            return "array";
        case element_type::OBJECT:
            return "object";
        case element_type::INT64:
        case element_type::UINT64:
            return "integer";
        case element_type::DOUBLE:
            return "number";
        case element_type::STRING:
            return "string";
        case element_type::BOOL:
            return "boolean";
        case element_type::NULL_VALUE:
            return "null";
    }
    return "?";
}

// Every key path under `e` ("paper.authors[]._id") with the JSON types found there.
using KeyPaths = std::map<std::string, std::set<std::string>>;
void collect_paths(element e, const std::string& path, KeyPaths& out) {
    if (!path.empty()) out[path].insert(json_type(e));
    simdjson::dom::object object;
    simdjson::dom::array array;
    if (e.get_object().get(object) == simdjson::SUCCESS) {
        for (auto field : object) {
            const std::string key(field.key);
            collect_paths(field.value, path.empty() ? key : path + "." + key, out);
        }
    } else if (e.get_array().get(array) == simdjson::SUCCESS) {
        for (element child : array) collect_paths(child, path + "[]", out);
    }
}
KeyPaths item_paths(element items) {
    KeyPaths out;
    simdjson::dom::array array;
    EXPECT_EQ(items.get_array().get(array), simdjson::SUCCESS);
    for (element item : array) collect_paths(item, "", out);
    return out;
}

// --- Fixture -----------------------------------------------------------------------------------

http::Request make_request(std::string method, std::string target, http::HeaderList headers = {},
                           std::string remote = "192.0.2.1") {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.headers = std::move(headers);
    request.remote_address = std::move(remote);
    EXPECT_TRUE(http::decode_target(request)) << request.target;
    return request;
}

Paper make_paper(const std::string& id, const std::string& title, const std::string& abstract,
                 std::vector<std::string> authors = {"Ada Lovelace"}) {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title;
    p.abstract = p.abstract_raw = abstract;
    for (std::string& name : authors) p.authors.push_back(Author{std::move(name), "", "", "", {}});
    p.published = "2024-10-18T10:00:00Z";
    p.categories = {"cs.LG"};
    return p;
}

DailyEntry make_entry(const std::string& date, const std::string& id, int upvotes,
                      const std::string& by, const std::string& at, int comments = 0) {
    return DailyEntry{date, *PaperId::parse(id), by, at, upvotes, comments};
}

class Instance {
  public:
    explicit Instance(SiteOptions options = {}) {
        store_ = std::move(store::open_store("sqlite:" + dir_.file("x.db"))).value();
        options.now = [] { return *parse_instant("2024-10-25T08:00:00Z"); };
        options.api_clock = [this] { return steady_now; };
        options_ = std::move(options);
    }
    store::Store& store() { return *store_; }

    // Opens the search index and the site over what has been written so far.
    void open() {
        search_ = std::move(app::SearchService::open(*store_)).value();
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options_);
    }

    http::Response get(const std::string& target, http::HeaderList headers = {},
                       const std::string& remote = "192.0.2.1") {
        return site_->handle(make_request("GET", target, std::move(headers), remote));
    }
    http::Response handle(const http::Request& request) { return site_->handle(request); }

    std::chrono::steady_clock::time_point steady_now{std::chrono::seconds(1000)};

  private:
    testing::TempDir dir_;
    SiteOptions options_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
};

// Five papers: four on the lists of Monday 2024-10-21 and Wednesday 2024-10-23 (ISO week
// 2024-W43), one old-style id among them, and one on no list.
class ApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store::WriteBatch b;
        Paper a = make_paper("2410.00001", "Sparse attention for long documents",
                             "We make transformers read long documents with sparse attention.",
                             {"Ada Lovelace", "Alan Turing"});
        a.github_url = "https://github.com/example/sparse";
        a.organization = "ExampleLab";
        b.put_paper(a);
        b.put_paper(make_paper("2410.00002", "Diffusion models for protein design",
                               "Diffusion models design proteins.", {"Grace Hopper"}));
        b.put_paper(make_paper("2410.00003", "Retrieval augmented generation benchmarks",
                               "A benchmark for retrieval augmented generation."));
        b.put_paper(make_paper("hep-th/9901001", "Strings on branes", "Branes carry strings."));
        b.put_paper(make_paper("2410.00009", "Diffusion without a list",
                               "Diffusion that nobody put on a list."));
        b.put_daily_entry(
            make_entry("2024-10-21", "2410.00001", 10, "ak", "2024-10-21T08:00:00Z", 1));
        b.put_daily_entry(
            make_entry("2024-10-21", "2410.00002", 30, "Bob", "2024-10-21T09:00:00Z", 2));
        b.put_daily_entry(
            make_entry("2024-10-23", "2410.00003", 5, "ak", "2024-10-23T07:00:00Z", 0));
        b.put_daily_entry(
            make_entry("2024-10-23", "2410.00001", 12, "Bob", "2024-10-23T06:00:00Z", 4));
        b.put_daily_entry(
            make_entry("2024-10-23", "hep-th/9901001", 5, "carol", "2024-10-23T06:30:00Z", 0));
        ASSERT_TRUE(site_.store().write(b).ok());
        site_.open();
    }

    // A 200 JSON response's body, parsed.
    Json ok_json(const std::string& target) {
        http::Response r = site_.get(target);
        EXPECT_EQ(r.status, 200) << target << ": " << r.body;
        EXPECT_EQ(r.content_type(), "application/json") << target;
        Json json(r.body);
        EXPECT_TRUE(json.ok()) << target << ": " << r.body;
        return json;
    }

    // An error response: status, the JSON error shape, and the code.
    void expect_error(const std::string& target, int status, const std::string& code) {
        SCOPED_TRACE(target);
        http::Response r = site_.get(target);
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.content_type(), "application/json");
        EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store");
        Json json(r.body);
        ASSERT_TRUE(json.ok()) << r.body;
        EXPECT_EQ(json.str("/error/code"), code);
        EXPECT_FALSE(json.str("/error/message").empty());
    }

    // The rate limiter has its own tests; here it would only get in the way.
    static SiteOptions without_rate_limit() {
        SiteOptions options;
        options.api_rate = 0;
        return options;
    }

    Instance site_{without_rate_limit()};
};

std::vector<std::string> paper_ids(const Json& json) { return json.column("/paper/id"); }

// --- /api/daily_papers -------------------------------------------------------------------------

TEST_F(ApiTest, DailyPapersDefaultsToTheNewestDayInUpvoteOrderInHuggingFaceShape) {
    http::Response r = site_.get("/api/daily_papers");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type(), "application/json");
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "public, max-age=60");
    EXPECT_TRUE(r.header("ETag").has_value());
    EXPECT_EQ(r.header("X-Total-Count").value_or(""), "3");
    Json json(r.body);
    ASSERT_TRUE(json.ok());
    // 2024-10-23: 12 votes, then the two 5s by submission time.
    EXPECT_EQ(paper_ids(json),
              (std::vector<std::string>{"2410.00001", "hep-th/9901001", "2410.00003"}));

    EXPECT_EQ(json.integer("/0/paper/upvotes"), 12);  // this entry's, not another day's
    EXPECT_EQ(json.str("/0/paper/title"), "Sparse attention for long documents");
    EXPECT_EQ(json.str("/0/paper/summary"),
              "We make transformers read long documents with sparse attention.");
    EXPECT_EQ(json.str("/0/paper/publishedAt"), "2024-10-18T10:00:00Z");
    EXPECT_EQ(json.str("/0/paper/githubRepo"), "https://github.com/example/sparse");
    EXPECT_EQ(json.str("/0/paper/organization/name"), "ExampleLab");
    EXPECT_EQ(json.str("/0/organization/name"), "ExampleLab");
    ASSERT_EQ(json.size("/0/paper/authors"), 2U);
    EXPECT_EQ(json.str("/0/paper/authors/1/name"), "Alan Turing");
    EXPECT_FALSE(json.boolean("/0/paper/authors/1/hidden"));
    EXPECT_EQ(json.str("/0/paper/authors/0/_id"),
              app::author_json_id(*PaperId::parse("2410.00001"), 0));
    EXPECT_FALSE(json.has("/0/paper/dailyEntries"));

    EXPECT_EQ(json.str("/0/publishedAt"), "2024-10-23T06:00:00Z");
    EXPECT_EQ(json.str("/0/title"), "Sparse attention for long documents");
    EXPECT_EQ(json.str("/0/summary"),
              "We make transformers read long documents with sparse attention.");
    EXPECT_EQ(json.integer("/0/numComments"), 4);
    EXPECT_EQ(json.str("/0/submittedBy/name"), "Bob");
    EXPECT_EQ(json.str("/0/submittedBy/fullname"), "Bob");
    EXPECT_EQ(json.str("/0/submittedBy/type"), "user");
    EXPECT_FALSE(json.has("/0/trending"));
    EXPECT_FALSE(json.has("/1/organization"));
}

TEST_F(ApiTest, DailyPapersTakesADayAWeekOrAMonth) {
    EXPECT_EQ(paper_ids(ok_json("/api/daily_papers?date=2024-10-21")),
              (std::vector<std::string>{"2410.00002", "2410.00001"}));
    // A week lists each paper once, at its best day.
    Json week = ok_json("/api/daily_papers?week=2024-W43");
    EXPECT_EQ(paper_ids(week), (std::vector<std::string>{"2410.00002", "2410.00001",
                                                         "hep-th/9901001", "2410.00003"}));
    EXPECT_EQ(week.integer("/1/paper/upvotes"), 12);
    EXPECT_EQ(week.str("/1/publishedAt"), "2024-10-23T06:00:00Z");
    EXPECT_EQ(paper_ids(ok_json("/api/daily_papers?month=2024-10")), paper_ids(week));
    EXPECT_EQ(ok_json("/api/daily_papers?date=2024-10-22").size(), 0U);
    EXPECT_EQ(ok_json("/api/daily_papers?week=2024-W44").size(), 0U);
    EXPECT_EQ(ok_json("/api/daily_papers?month=1999-01").size(), 0U);
}

TEST_F(ApiTest, DailyPapersPagesWithPAndLimit) {
    const std::string week = "/api/daily_papers?week=2024-W43";
    EXPECT_EQ(ok_json(week).size(), 4U);
    EXPECT_EQ(paper_ids(ok_json(week + "&limit=3")),
              (std::vector<std::string>{"2410.00002", "2410.00001", "hep-th/9901001"}));
    EXPECT_EQ(paper_ids(ok_json(week + "&limit=3&p=1")), (std::vector<std::string>{"2410.00003"}));
    EXPECT_EQ(paper_ids(ok_json(week + "&p=1&limit=2")),
              (std::vector<std::string>{"hep-th/9901001", "2410.00003"}));
    EXPECT_EQ(ok_json(week + "&limit=2&p=2").size(), 0U);
    EXPECT_EQ(ok_json(week + "&limit=100&p=1000000").size(), 0U);
    EXPECT_EQ(ok_json(week + "&limit=1").size(), 1U);
    EXPECT_EQ(ok_json(week + "&limit=007").size(), 4U);
    // The total is the whole list's, whatever the page.
    EXPECT_EQ(site_.get(week + "&limit=1&p=3").header("X-Total-Count").value_or(""), "4");
}

TEST_F(ApiTest, DailyPapersSortsByUpvotesPublicationOrTrending) {
    const std::string day = "/api/daily_papers?date=2024-10-23";
    EXPECT_EQ(paper_ids(ok_json(day + "&sort=upvotes")), paper_ids(ok_json(day)));
    // Newest submission first.
    EXPECT_EQ(paper_ids(ok_json(day + "&sort=publishedAt")),
              (std::vector<std::string>{"2410.00003", "hep-th/9901001", "2410.00001"}));

    // A past day trends as of its end (2024-10-24T00:00Z), with the site's parameters.
    Json trending = ok_json(day + "&sort=trending");
    EXPECT_EQ(paper_ids(trending),
              (std::vector<std::string>{"2410.00001", "2410.00003", "hep-th/9901001"}));
    EXPECT_DOUBLE_EQ(trending.number("/0/trending"), rank::trending_score(12, 18.0));
    EXPECT_DOUBLE_EQ(trending.number("/1/trending"), rank::trending_score(5, 17.0));
    EXPECT_DOUBLE_EQ(trending.number("/2/trending"), rank::trending_score(5, 17.5));

    // A week that has not ended trends as of now: the newer 12 votes beat the older 30.
    Json week = ok_json("/api/daily_papers?week=2024-W43&sort=trending&limit=2");
    EXPECT_EQ(paper_ids(week), (std::vector<std::string>{"2410.00001", "2410.00002"}));
    EXPECT_DOUBLE_EQ(week.number("/1/trending"), rank::trending_score(30, 95.0));
}

TEST_F(ApiTest, DailyPapersFiltersBySubmitterIgnoringCase) {
    EXPECT_EQ(paper_ids(ok_json("/api/daily_papers?week=2024-W43&submitter=bob")),
              (std::vector<std::string>{"2410.00002", "2410.00001"}));
    EXPECT_EQ(paper_ids(ok_json("/api/daily_papers?date=2024-10-23&submitter=AK")),
              (std::vector<std::string>{"2410.00003"}));
    http::Response none = site_.get("/api/daily_papers?submitter=nobody");
    EXPECT_EQ(none.status, 200);
    EXPECT_EQ(none.body, "[]");
    EXPECT_EQ(none.header("X-Total-Count").value_or(""), "0");
}

TEST(ApiEmpty, AnInstanceWithoutListsServesEmptyLists) {
    Instance site;
    site.open();
    for (const char* target : {"/api/daily_papers", "/api/trending", "/api/papers/search?q=x"}) {
        http::Response r = site.get(target);
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.body, "[]") << target;
    }
}

// --- /api/trending -----------------------------------------------------------------------------

TEST_F(ApiTest, TrendingListsItemsWithTheirScoreBestFirst) {
    Json json = ok_json("/api/trending");
    // The two 5-vote papers: the one put on the list half an hour later ranks first.
    EXPECT_EQ(paper_ids(json), (std::vector<std::string>{"2410.00001", "2410.00002", "2410.00003",
                                                         "hep-th/9901001"}));
    // 06:00 on the 23rd to the pinned now, 08:00 on the 25th.
    EXPECT_DOUBLE_EQ(json.number("/0/trending"), rank::trending_score(12, 50.0));
    for (size_t i = 1; i < json.size(); ++i) {
        EXPECT_GE(json.number("/" + std::to_string(i - 1) + "/trending"),
                  json.number("/" + std::to_string(i) + "/trending"));
    }
    EXPECT_EQ(json.str("/1/submittedBy/name"), "Bob");
    EXPECT_EQ(ok_json("/api/trending?limit=2").size(), 2U);
    expect_error("/api/trending?limit=0", 400, "bad_parameter");
    expect_error("/api/trending?limit=101", 400, "bad_parameter");
}

// --- /api/papers/{id} --------------------------------------------------------------------------

TEST_F(ApiTest, APaperIsFoundByAnyIdForm) {
    for (const char* form : {"2410.00001", "2410.00001v2", "arXiv:2410.00001", "arxiv:2410.00001v1",
                             "https:%2F%2Farxiv.org%2Fabs%2F2410.00001"}) {
        SCOPED_TRACE(form);
        Json json = ok_json(std::string("/api/papers/") + form);
        EXPECT_EQ(json.str("/id"), "2410.00001");
        EXPECT_EQ(json.integer("/upvotes"), 12);  // its best day
        EXPECT_EQ(json.integer("/numComments"), 4);
        EXPECT_EQ(json.str("/title"), "Sparse attention for long documents");
        ASSERT_EQ(json.size("/authors"), 2U);
        EXPECT_EQ(json.str("/authors/0/name"), "Ada Lovelace");
        EXPECT_FALSE(json.boolean("/authors/0/hidden"));
        EXPECT_EQ(json.size("/dailyEntries"), 2U);
        EXPECT_EQ(json.str("/dailyEntries/0/date"), "2024-10-23");
    }
    // Old-style ids have a slash, encoded or not.
    for (const char* form : {"hep-th/9901001", "hep-th%2F9901001", "arXiv:hep-th/9901001v3"}) {
        SCOPED_TRACE(form);
        Json json = ok_json(std::string("/api/papers/") + form);
        EXPECT_EQ(json.str("/id"), "hep-th/9901001");
        EXPECT_EQ(json.integer("/upvotes"), 5);
    }
    Json unlisted = ok_json("/api/papers/2410.00009");
    EXPECT_EQ(unlisted.integer("/upvotes"), 0);
    EXPECT_EQ(unlisted.integer("/numComments"), 0);
    EXPECT_EQ(unlisted.size("/dailyEntries"), 0U);

    expect_error("/api/papers/2410.99999", 404, "not_found");
    expect_error("/api/papers/hep-th/9901999", 404, "not_found");
    expect_error("/api/papers/not-an-id", 400, "bad_parameter");
    expect_error("/api/papers/2410.00001/extra", 400, "bad_parameter");
}

TEST_F(ApiTest, AuthorIdsAreStableDistinctObjectIdShapedStrings) {
    Json first = ok_json("/api/papers/2410.00001");
    Json again = ok_json("/api/papers/arXiv:2410.00001v1");
    const std::string id0 = first.str("/authors/0/_id");
    const std::string id1 = first.str("/authors/1/_id");
    EXPECT_EQ(id0, again.str("/authors/0/_id"));
    EXPECT_NE(id0, id1);
    EXPECT_EQ(id0.size(), 24U);
    EXPECT_EQ(id0.find_first_not_of("0123456789abcdef"), std::string::npos);
    // Pinned: a change would give every author a new id in clients' caches.
    EXPECT_EQ(app::author_json_id(*PaperId::parse("2410.17243"), 0), "5eb7421336544fbeb3eb23fa");
    EXPECT_NE(app::author_json_id(*PaperId::parse("2410.17243"), 1),
              app::author_json_id(*PaperId::parse("2410.17244"), 0));
}

// --- /api/papers/search ------------------------------------------------------------------------

TEST_F(ApiTest, SearchReturnsPapersWithScoresAndHighlightedSummaries) {
    Json json = ok_json("/api/papers/search?q=diffusion");
    ASSERT_EQ(json.size(), 2U);
    const std::vector<std::string> found = paper_ids(json);
    const std::set<std::string> ids(found.begin(), found.end());
    EXPECT_EQ(ids, (std::set<std::string>{"2410.00002", "2410.00009"}));
    EXPECT_GE(json.number("/0/score"), json.number("/1/score"));
    EXPECT_GT(json.number("/1/score"), 0);
    for (size_t i = 0; i < 2; ++i) {
        const std::string item = "/" + std::to_string(i);
        EXPECT_NE(json.str(item + "/highlightedSummary").find("<mark>"), std::string::npos);
        EXPECT_EQ(json.str(item + "/title"), json.str(item + "/paper/title"));
        if (json.str(item + "/paper/id") == "2410.00002") {
            EXPECT_EQ(json.integer(item + "/paper/upvotes"), 30);
            EXPECT_EQ(json.str(item + "/submittedBy/name"), "Bob");
            EXPECT_EQ(json.str(item + "/publishedAt"), "2024-10-21T09:00:00Z");
        } else {
            EXPECT_EQ(json.integer(item + "/paper/upvotes"), 0);
            EXPECT_FALSE(json.has(item + "/submittedBy"));
            EXPECT_FALSE(json.has(item + "/publishedAt"));
        }
    }
    EXPECT_EQ(ok_json("/api/papers/search?q=diffusion&limit=1").size(), 1U);
    EXPECT_EQ(ok_json("/api/papers/search?q=diffusion&limit=1&p=1").size(), 1U);
    EXPECT_EQ(ok_json("/api/papers/search?q=diffusion&limit=120&p=5").size(), 0U);
    EXPECT_EQ(ok_json("/api/papers/search?q=%22sparse+attention%22").column("/paper/id"),
              (std::vector<std::string>{"2410.00001"}));
    EXPECT_EQ(ok_json("/api/papers/search?q=zzzzqqq").size(), 0U);

    expect_error("/api/papers/search", 400, "bad_parameter");
    expect_error("/api/papers/search?q=", 400, "bad_parameter");
    expect_error("/api/papers/search?q=+++", 400, "bad_parameter");
    expect_error("/api/papers/search?q=a&limit=121", 400, "bad_parameter");
    expect_error("/api/papers/search?q=a&limit=0", 400, "bad_parameter");
    expect_error("/api/papers/search?q=a&q=b", 400, "bad_parameter");
}

// --- Errors, caching, hostile input ------------------------------------------------------------

TEST_F(ApiTest, BadParametersAreJsonErrorsThatSayWhatWasWrong) {
    const char* bad[] = {
        "/api/daily_papers?date=2024-13-45",
        "/api/daily_papers?date=2023-02-29",
        "/api/daily_papers?date=yesterday",
        "/api/daily_papers?date=",
        "/api/daily_papers?week=2024-W60",
        "/api/daily_papers?week=2024-43",
        "/api/daily_papers?month=2024-13",
        "/api/daily_papers?date=2024-10-23&week=2024-W43",
        "/api/daily_papers?date=2024-10-23&date=2024-10-21",
        "/api/daily_papers?limit=0",
        "/api/daily_papers?limit=101",
        "/api/daily_papers?limit=abc",
        "/api/daily_papers?limit=",
        "/api/daily_papers?limit=-1",
        "/api/daily_papers?limit=+5",
        "/api/daily_papers?limit=5.0",
        "/api/daily_papers?limit=1e2",
        "/api/daily_papers?limit=%205",
        "/api/daily_papers?limit=99999999999999999999999",
        "/api/daily_papers?limit=1&limit=2",
        "/api/daily_papers?p=-1",
        "/api/daily_papers?p=1000001",
        "/api/daily_papers?p=x",
        "/api/daily_papers?sort=votes",
        "/api/daily_papers?sort=PublishedAt",
        "/api/daily_papers?sort=",
        "/api/daily_papers?submitter=",
    };
    for (const char* target : bad) expect_error(target, 400, "bad_parameter");

    http::Response r = site_.get("/api/daily_papers?limit=101");
    EXPECT_EQ(r.body,
              R"({"error":{"code":"bad_parameter","message":"limit must be an integer between 1 )"
              R"(and 100, not '101'"}})");
    // Parameters the API does not know are ignored (cache busters, future options).
    EXPECT_EQ(ok_json("/api/daily_papers?_=12345&foo").size(), 3U);
}

TEST_F(ApiTest, UnknownPathsAndMethodsUnderApiAnswerInJson) {
    expect_error("/api/nothing", 404, "not_found");
    expect_error("/api", 404, "not_found");
    expect_error("/api/", 404, "not_found");
    expect_error("/api/papers", 404, "not_found");
    // A day's list is /api/daily_papers?date=...; under the path, only a curator's DELETE of
    // one entry exists.
    expect_error("/api/daily_papers/2024-10-23", 405, "method_not_allowed");

    for (const char* target : {"/api/daily_papers", "/api/papers/2410.00001",
                               "/api/papers/search?q=x", "/api/trending"}) {
        SCOPED_TRACE(target);
        http::Response r = site_.handle(make_request("POST", target));
        EXPECT_EQ(r.status, 405);
        EXPECT_EQ(r.header("Allow").value_or(""), "GET");
        Json json(r.body);
        ASSERT_TRUE(json.ok()) << r.body;
        EXPECT_EQ(json.str("/error/code"), "method_not_allowed");
    }
    // The pages keep their HTML answers.
    EXPECT_EQ(site_.get("/no/such/page").content_type(), "text/html; charset=utf-8");
    EXPECT_EQ(site_.get("/apiary").content_type(), "text/html; charset=utf-8");
}

TEST_F(ApiTest, ETagsTurnRepeatedRequestsInto304s) {
    for (const char* target : {"/api/daily_papers?date=2024-10-23", "/api/papers/2410.00001",
                               "/api/trending", "/api/papers/search?q=diffusion"}) {
        SCOPED_TRACE(target);
        http::Response first = site_.get(target);
        ASSERT_EQ(first.status, 200);
        const std::string etag(first.header("ETag").value_or(""));
        EXPECT_TRUE(std::regex_match(etag, std::regex(R"("[0-9a-f]{16}")"))) << etag;
        // The body's stable hash: the same tag on every node and every build of a version.
        char expected[19];
        std::snprintf(expected, sizeof expected, "\"%016llx\"",
                      static_cast<unsigned long long>(stable_hash64(first.body)));
        EXPECT_EQ(etag, expected);
        http::Response again = site_.get(target, {{"If-None-Match", etag}});
        EXPECT_EQ(again.status, 304);
        EXPECT_TRUE(again.body.empty());
        EXPECT_EQ(again.header("ETag").value_or(""), etag);
        EXPECT_EQ(site_.get(target, {{"If-None-Match", "\"other\""}}).status, 200);
    }
    // New votes, new tag.
    const std::string target = "/api/daily_papers?date=2024-10-23";
    const std::string etag(site_.get(target).header("ETag").value_or(""));
    store::WriteBatch b;
    b.put_daily_entry(make_entry("2024-10-23", "2410.00003", 50, "ak", "2024-10-23T07:00:00Z"));
    ASSERT_TRUE(site_.store().write(b).ok());
    http::Response changed = site_.get(target, {{"If-None-Match", etag}});
    EXPECT_EQ(changed.status, 200);
    EXPECT_EQ(Json(changed.body).str("/0/paper/id"), "2410.00003");
}

TEST_F(ApiTest, HostileParametersNeverCrashAndAlwaysYieldValidJson) {
    const std::string long_digits(100000, '9');
    const std::string long_text(20000, 'a');
    const std::vector<std::string> values = {
        long_digits,     long_text,      "%FF%FE%FD",
        "%C3%28",        "%01%02%1B%7F", "%E2%80%AE",
        "'\"<>\\",       "%25",          "..%2F..%2Fetc%2Fpasswd",
        "2024-10-23%0A", "2024-W43%00x"};
    const std::vector<std::string> targets = {"/api/daily_papers?date=",
                                              "/api/daily_papers?week=",
                                              "/api/daily_papers?month=",
                                              "/api/daily_papers?p=",
                                              "/api/daily_papers?limit=",
                                              "/api/daily_papers?sort=",
                                              "/api/daily_papers?submitter=",
                                              "/api/trending?limit=",
                                              "/api/papers/search?q=",
                                              "/api/papers/search?limit=2&q=",
                                              "/api/papers/"};
    for (const std::string& target : targets) {
        for (const std::string& value : values) {
            http::Request request;
            request.method = "GET";
            request.target = target + value;
            if (!http::decode_target(request)) continue;  // the server's own 400 (a NUL byte)
            http::Response r = site_.handle(request);
            SCOPED_TRACE(target + value.substr(0, 50));
            EXPECT_TRUE(r.status == 200 || r.status == 400 || r.status == 404) << r.status;
            // simdjson validates UTF-8 too.
            EXPECT_TRUE(Json(r.body).ok()) << r.body.substr(0, 200);
            EXPECT_EQ(r.content_type(), "application/json");
            EXPECT_LT(r.body.size(), 100000U);  // messages quote a bounded part of the value
        }
    }
}

// --- Rate limiting -----------------------------------------------------------------------------

TEST(ApiRateLimit, AClientBeyondItsBurstGets429WithRetryAfterUntilTokensReturn) {
    SiteOptions options;
    options.api_rate = 0.5;  // a token every 2 s
    options.api_burst = 3;
    Instance site(options);
    site.open();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(site.get("/api/daily_papers").status, 200) << i;
    http::Response limited = site.get("/api/papers/2410.00001");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("Retry-After").value_or(""), "2");
    Json json(limited.body);
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(json.str("/error/code"), "rate_limited");

    // Another address has its own bucket; pages are not limited.
    EXPECT_EQ(site.get("/api/daily_papers", {}, "198.51.100.7").status, 200);
    EXPECT_EQ(site.get("/").status, 200);
    EXPECT_EQ(site.get("/healthz").status, 200);

    site.steady_now += std::chrono::seconds(1);
    http::Response still = site.get("/api/trending");
    EXPECT_EQ(still.status, 429);
    EXPECT_EQ(still.header("Retry-After").value_or(""), "1");
    site.steady_now += std::chrono::seconds(1);
    EXPECT_EQ(site.get("/api/trending").status, 200);
    EXPECT_EQ(site.get("/api/trending").status, 429);
    site.steady_now += std::chrono::minutes(10);  // refills to the burst, no further
    for (int i = 0; i < 3; ++i) EXPECT_EQ(site.get("/api/trending").status, 200) << i;
    EXPECT_EQ(site.get("/api/trending").status, 429);
}

TEST(ApiRateLimit, ARateOfZeroTurnsTheLimiterOff) {
    SiteOptions options;
    options.api_rate = 0;
    options.api_burst = 1;
    Instance site(options);
    site.open();
    for (int i = 0; i < 50; ++i) ASSERT_EQ(site.get("/api/trending").status, 200) << i;
}

TEST(RateLimiter, ForgetsIdleClientsToBoundItsMemory) {
    auto now = std::chrono::steady_clock::time_point{};
    RateLimiter limiter(
        1, 1, [&now] { return now; }, /*max_keys=*/2);
    EXPECT_FALSE(limiter.acquire("a"));
    EXPECT_FALSE(limiter.acquire("b"));
    EXPECT_EQ(limiter.acquire("a"), 1);
    now += std::chrono::seconds(5);  // both full again: forgotten when "c" arrives
    EXPECT_FALSE(limiter.acquire("c"));
    EXPECT_FALSE(limiter.acquire("a"));
    EXPECT_EQ(limiter.acquire("a"), 1);
    EXPECT_EQ(limiter.acquire("c"), 1);
}

// --- Compatibility with Hugging Face ----------------------------------------------------------

// Key paths of Hugging Face's /api/daily_papers items that Paperboy deliberately does not
// reproduce: they describe Hugging Face's own accounts, uploads and discussions, which a
// Paperboy instance does not have. Every other key path of Hugging Face's response must appear
// in ours with the same JSON type.
const std::set<std::string> kNotReproduced = {
    // Images uploaded to Hugging Face with the submission, and its social-card thumbnail.
    "mediaUrls",
    "mediaUrls[]",
    "thumbnail",
    // The paper's discussion thread on huggingface.co.
    "paper.discussionId",
    // Hugging Face accounts that claimed authorship, and the claim's state.
    "paper.authors[].user",
    "paper.authors[].user._id",
    "paper.authors[].user.avatarUrl",
    "paper.authors[].user.isPro",
    "paper.authors[].user.fullname",
    "paper.authors[].user.user",
    "paper.authors[].user.type",
    "paper.authors[].status",
    "paper.authors[].statusLastChangedAt",
    // The submitter's Hugging Face profile.
    "submittedBy.avatarUrl",
    "submittedBy.isPro",
    "submittedBy.isHf",
    "submittedBy.isMod",
    "submittedBy.followerCount",
};

std::string normalized(const std::string& timestamp) {
    return normalize_timestamp(timestamp).value_or("invalid: " + timestamp);
}

// Ingests `file`, a Hugging Face /api/daily_papers response for `date` with `count` items led by
// `first_id`, serves /api/daily_papers?date=`date`, and checks that every key path of its items
// appears in ours with the same JSON type (but kNotReproduced, which all must be in it), that
// the items come in the same order of upvotes, and that ids, upvotes, comment counts, curators,
// titles, dates and author names agree.
void expect_served_like_hugging_face(const std::string& file, const std::string& date, size_t count,
                                     const std::string& first_id) {
    Instance site;
    auto report = app::ingest_files(site.store(), {file}, {});
    ASSERT_TRUE(report.ok()) << report.error().message();
    ASSERT_TRUE(report->failed_files.empty()) << report->failed_files.front().message();
    ASSERT_EQ(report->failed, 0);
    site.open();

    Json theirs(testing::read_file(file));
    ASSERT_TRUE(theirs.ok());
    http::Response response = site.get("/api/daily_papers?date=" + date);
    ASSERT_EQ(response.status, 200) << response.body;
    Json ours(response.body);
    ASSERT_TRUE(ours.ok());
    ASSERT_EQ(ours.size(), theirs.size());
    ASSERT_EQ(ours.size(), count);

    const KeyPaths their_paths = item_paths(theirs.root());
    const KeyPaths our_paths = item_paths(ours.root());
    for (const auto& [path, types] : their_paths) {
        SCOPED_TRACE(path);
        if (kNotReproduced.count(path) != 0) {
            EXPECT_EQ(our_paths.count(path), 0U) << "now reproduced: take it off kNotReproduced";
            continue;
        }
        auto it = our_paths.find(path);
        if (it == our_paths.end()) {
            ADD_FAILURE() << "missing from our response";
            continue;
        }
        EXPECT_EQ(it->second, types);
    }
    for (const std::string& path : kNotReproduced) {
        EXPECT_EQ(their_paths.count(path), 1U) << path << " is not in " << file;
    }

    // Same order of upvotes, same papers.
    std::vector<int64_t> their_votes, our_votes;
    for (size_t i = 0; i < theirs.size(); ++i) {
        their_votes.push_back(theirs.integer("/" + std::to_string(i) + "/paper/upvotes"));
        our_votes.push_back(ours.integer("/" + std::to_string(i) + "/paper/upvotes"));
    }
    EXPECT_EQ(our_votes, their_votes);
    std::vector<std::string> their_ids = paper_ids(theirs), our_ids = paper_ids(ours);
    EXPECT_EQ(our_ids.front(), first_id);
    std::sort(their_ids.begin(), their_ids.end());
    std::sort(our_ids.begin(), our_ids.end());
    EXPECT_EQ(our_ids, their_ids);

    // And the same values where Paperboy knows them.
    std::map<std::string, size_t> their_index;
    for (size_t i = 0; i < theirs.size(); ++i)
        their_index[theirs.str("/" + std::to_string(i) + "/paper/id")] = i;
    for (size_t i = 0; i < ours.size(); ++i) {
        const std::string o = "/" + std::to_string(i);
        const std::string id = ours.str(o + "/paper/id");
        SCOPED_TRACE(id);
        const std::string r = "/" + std::to_string(their_index.at(id));
        EXPECT_EQ(ours.integer(o + "/paper/upvotes"), theirs.integer(r + "/paper/upvotes"));
        EXPECT_EQ(ours.integer(o + "/numComments"), theirs.integer(r + "/numComments"));
        EXPECT_EQ(ours.str(o + "/submittedBy/name"), theirs.str(r + "/submittedBy/name"));
        EXPECT_EQ(ours.str(o + "/title"), theirs.str(r + "/title"));
        EXPECT_EQ(normalized(ours.str(o + "/publishedAt")),
                  normalized(theirs.str(r + "/publishedAt")));
        EXPECT_EQ(normalized(ours.str(o + "/paper/publishedAt")),
                  normalized(theirs.str(r + "/paper/publishedAt")));
        EXPECT_EQ(ours.column("/name", o + "/paper/authors"),
                  theirs.column("/name", r + "/paper/authors"));
    }
}

TEST(ApiCompatibility, ServesARealHuggingFaceDayInItsOwnShapeAndOrder) {
    PAPERBOY_REQUIRE_SHARED(file, "data/hf-daily-papers/daily_papers_2024-10-25.json");
    expect_served_like_hugging_face(file, "2024-10-25", 29, "2410.17243");
}

// The hand-written day in the same (late-2024) shape, with code and project links besides.
TEST(ApiCompatibility, ServesTheHandmadeDayInItsOwnShapeAndOrder) {
    expect_served_like_hugging_face(
        std::string(PAPERBOY_TESTDATA_DIR) + "/json/handmade_hf_daily_2024-10-25.json",
        "2024-10-25", 8, "2410.61842");
}

// --- Upvotes -----------------------------------------------------------------------------------

class UpvoteApiTest : public ApiTest {
  protected:
    void SetUp() override {
        ApiTest::SetUp();
        app::Accounts accounts(site_.store());
        auto ada = accounts.sign_up("ada", "ada@example.org", "correct horse battery");
        ASSERT_TRUE(ada.ok()) << ada.error().message();
        token_ = *accounts.create_api_token(ada->id, "test");
        auto login = accounts.log_in("ada", "correct horse battery", "192.0.2.1");
        ASSERT_EQ(login->outcome, app::LogIn::Outcome::kOk);
        session_ = login->session_token;
    }

    http::Response vote(const std::string& method, const std::string& target,
                        http::HeaderList headers) {
        return site_.handle(make_request(method, target, std::move(headers)));
    }
    http::HeaderList bearer() const { return {{"Authorization", "Bearer " + token_}}; }

    std::string token_;
    std::string session_;
};

TEST_F(UpvoteApiTest, ABearerTokenVotesOnceAndTakesItBack) {
    http::Response r = vote("POST", "/api/papers/2410.00003/upvote", bearer());
    ASSERT_EQ(r.status, 200) << r.body;
    Json json(r.body);
    EXPECT_EQ(json.integer("/upvotes"), 6);  // 5 imported + 1
    EXPECT_TRUE(json.boolean("/upvoted"));
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store");

    // Idempotent.
    r = vote("POST", "/api/papers/2410.00003/upvote", bearer());
    EXPECT_EQ(Json(r.body).integer("/upvotes"), 6);
    EXPECT_EQ(ok_json("/api/papers/2410.00003").integer("/upvotes"), 6);
    // The daily list counts it, in its order too.
    Json list = ok_json("/api/daily_papers?date=2024-10-23");
    EXPECT_EQ(list.column("/paper/id"),
              (std::vector<std::string>{"2410.00001", "2410.00003", "hep-th/9901001"}));

    r = vote("DELETE", "/api/papers/2410.00003/upvote", bearer());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json(r.body).integer("/upvotes"), 5);
    EXPECT_FALSE(Json(r.body).boolean("/upvoted"));
    r = vote("DELETE", "/api/papers/2410.00003/upvote", bearer());
    EXPECT_EQ(Json(r.body).integer("/upvotes"), 5);

    // A paper on no list: its votes are its upvotes. Old-style ids work too.
    r = vote("POST", "/api/papers/2410.00009/upvote", bearer());
    EXPECT_EQ(Json(r.body).integer("/upvotes"), 1);
    EXPECT_EQ(ok_json("/api/papers/2410.00009").integer("/upvotes"), 1);
    r = vote("POST", "/api/papers/hep-th/9901001/upvote", bearer());
    EXPECT_EQ(Json(r.body).integer("/upvotes"), 6);
}

TEST_F(UpvoteApiTest, WithoutCredentialsIs401InJson) {
    for (const http::HeaderList& headers :
         {http::HeaderList{}, http::HeaderList{{"Authorization", "Bearer not-a-token"}},
          http::HeaderList{{"Authorization", "Basic YWRhOnB3"}},
          http::HeaderList{{"Cookie", "pb_session=forged"}}}) {
        http::Response r = vote("POST", "/api/papers/2410.00003/upvote", headers);
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_EQ(Json(r.body).str("/error/code"), "unauthorized");
        EXPECT_TRUE(r.header("WWW-Authenticate").has_value());
    }
    EXPECT_EQ(ok_json("/api/papers/2410.00003").integer("/upvotes"), 5);
}

TEST_F(UpvoteApiTest, ACookieCountsOnlyFromThisSite) {
    const http::HeaderList from_here = {{"Cookie", "pb_session=" + session_},
                                        {"Host", "papers.example.org"},
                                        {"Origin", "http://papers.example.org"}};
    http::Response r = vote("POST", "/api/papers/2410.00003/upvote", from_here);
    EXPECT_EQ(r.status, 200) << r.body;

    for (const http::HeaderList& headers :
         {http::HeaderList{{"Cookie", "pb_session=" + session_}, {"Host", "papers.example.org"}},
          http::HeaderList{{"Cookie", "pb_session=" + session_},
                           {"Host", "papers.example.org"},
                           {"Origin", "https://evil.example"}},
          http::HeaderList{{"Cookie", "pb_session=" + session_},
                           {"Host", "papers.example.org"},
                           {"Origin", "null"}},
          http::HeaderList{{"Cookie", "pb_session=" + session_},
                           {"Host", "papers.example.org"},
                           {"Referer", "http://papers.example.org.evil.example/x"}}}) {
        r = vote("DELETE", "/api/papers/2410.00003/upvote", headers);
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_EQ(Json(r.body).str("/error/code"), "cross_site");
    }
    EXPECT_EQ(ok_json("/api/papers/2410.00003").integer("/upvotes"), 6);
}

TEST_F(UpvoteApiTest, UnknownPapersBadIdsAndWrongMethods) {
    http::Response r = vote("POST", "/api/papers/2410.99999/upvote", bearer());
    EXPECT_EQ(r.status, 404) << r.body;
    r = vote("POST", "/api/papers/'%3B DROP TABLE votes;--/upvote", bearer());
    EXPECT_EQ(r.status, 400) << r.body;
    r = vote("POST", "/api/papers/2410.00003/downvote", bearer());
    EXPECT_EQ(r.status, 405) << r.body;
    r = site_.get("/api/papers/2410.00003/upvote");
    EXPECT_EQ(r.status, 405) << r.body;
    EXPECT_EQ(r.header("Allow").value_or(""), "POST, DELETE");
    EXPECT_EQ(ok_json("/api/papers/2410.00003").integer("/upvotes"), 5);
}

TEST_F(UpvoteApiTest, MembersSubmitRecentPapersAndCuratorsRemoveThem) {
    auto submit = [&](const std::string& body, http::HeaderList headers) {
        http::Request request = make_request("POST", "/api/papers/submit", std::move(headers));
        request.body = body;
        return site_.handle(request);
    };
    http::Response r = submit(R"({"arxivId": "2410.00009"})", bearer());
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(Json(r.body).str("/paper/id"), "2410.00009");
    EXPECT_EQ(Json(r.body).str("/submittedBy/name"), "ada");
    EXPECT_EQ(ok_json("/api/daily_papers?date=2024-10-25").column("/paper/id"),
              (std::vector<std::string>{"2410.00009"}));

    r = submit(R"({"arxivId": "2410.00009"})", bearer());
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(Json(r.body).str("/error/code"), "already_submitted");
    r = submit(R"({"arxivId": "2410.99999"})", bearer());  // no fetcher configured here
    EXPECT_EQ(r.status, 404) << r.body;
    for (const char* bad : {"", "null", "[]", R"({"id": "2410.00009"})", R"({"arxivId": 2410})",
                            R"({"arxivId": "x' OR 1=1 --"})", "{\"arxivId\": \"2410.0"}) {
        r = submit(bad, bearer());
        EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    }
    EXPECT_EQ(submit(std::string(5000, ' ') + "{}", bearer()).status, 400);
    EXPECT_EQ(submit(R"({"arxivId": "2410.00003"})", {}).status, 401);

    // Removing: members may not; curators may, once.
    auto remove = [&](const std::string& target) {
        return site_.handle(make_request("DELETE", target, bearer()));
    };
    r = remove("/api/daily_papers/2024-10-25/2410.00009");
    EXPECT_EQ(r.status, 403) << r.body;
    auto ada = site_.store().find_user("ada");
    ASSERT_TRUE(site_.store().set_role((*ada)->id, Role::kCurator).ok());
    EXPECT_EQ(remove("/api/daily_papers/2024-10-25").status, 400);
    EXPECT_EQ(remove("/api/daily_papers/2024-13-45/2410.00009").status, 400);
    r = remove("/api/daily_papers/2024-10-25/2410.00009");
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(remove("/api/daily_papers/2024-10-25/2410.00009").status, 404);
    EXPECT_EQ(ok_json("/api/daily_papers?date=2024-10-25").size(), 0u);
}

TEST_F(UpvoteApiTest, AdminsDescribeOrganizationsAndAssignPapersToThem) {
    auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
        http::Request request = make_request(method, target, bearer());
        request.body = body;
        return site_.handle(request);
    };
    // Members may not.
    http::Response r =
        call("PUT", "/api/organizations/DeepMind", R"({"fullName": "Google DeepMind"})");
    EXPECT_EQ(r.status, 403) << r.body;
    auto ada = site_.store().find_user("ada");
    ASSERT_TRUE(site_.store().set_role((*ada)->id, Role::kAdmin).ok());

    r = call("PUT", "/api/organizations/DeepMind",
             R"({"fullName": "Google DeepMind", "avatarUrl": "https://x.test/dm.png"})");
    ASSERT_EQ(r.status, 200) << r.body;
    Json org = ok_json("/api/organizations/deepmind");
    EXPECT_EQ(org.str("/name"), "DeepMind");
    EXPECT_EQ(org.str("/fullname"), "Google DeepMind");
    EXPECT_EQ(
        call("PUT", "/api/organizations/Evil", "{\"avatarUrl\": \"javascript:alert(1)\"}").status,
        400);
    EXPECT_EQ(call("PUT", "/api/organizations/Evil", "not json").status, 400);
    EXPECT_EQ(site_.get("/api/organizations/Nobody").status, 404);

    r = call("PUT", "/api/papers/2410.00002/organization", R"({"organization": "deepmind"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json(r.body).str("/organization"), "DeepMind");
    EXPECT_EQ(ok_json("/api/papers/2410.00002").str("/organization/name"), "DeepMind");
    EXPECT_EQ(
        call("PUT", "/api/papers/2410.00002/organization", R"({"organization": "Nobody"})").status,
        404);
    EXPECT_EQ(call("PUT", "/api/papers/2410.99999/organization", R"({"organization": "DeepMind"})")
                  .status,
              404);
    r = call("PUT", "/api/papers/2410.00002/organization", R"({"organization": ""})");
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(ok_json("/api/papers/2410.00002").has("/organization"));
}

}  // namespace
}  // namespace paperboy::web
