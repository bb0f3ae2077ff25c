// Search by meaning on the web: mode= on /api/papers/search, /search and the search feeds,
// GET /api/papers/{id}/similar, the search page's Words / Meaning / Both control and the paper
// page's similar papers. Over an in-memory SQLite store whose vectors come from a fake model
// that knows five topics by their words ("enzyme" and "protein" are one topic), so that a
// search by meaning finds papers a search by words cannot, and the same store without vectors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "app/search_service.h"
#include "core/hash.h"
#include "core/timestamp.h"
#include "embed/embedder.h"
#include "store/store.h"
#include "web/site.h"

namespace paperboy::web {
namespace {

// Topic words; a text's vector counts the words of each topic (plus a little of a sixth
// dimension, so that no vector is zero), normalized.
constexpr const char* kTopics[][6] = {
    {"protein", "proteins", "enzyme", "enzymes", "folding", "amino"},
    {"language", "languages", "translation", "text", "words", "linguistic"},
    {"image", "images", "pixels", "vision", "camera", "photo"},
    {"strings", "branes", "brane", "gravity", "string", "world"},
    {"retrieval", "documents", "search", "ranking", "index", "queries"},
};
constexpr int kDims = 6;

class TopicEmbedder final : public embed::Embedder {
  public:
    TopicEmbedder() {
        info_.kind = "static";
        info_.name = "topics";
        info_.identity = "static:topics:0001";
        info_.dimensions = kDims;
    }
    const embed::ModelInfo& info() const override { return info_; }
    Result<std::vector<float>> embed(std::span<const std::string> texts, embed::Purpose) override {
        if (down.load()) return Error(ErrorCode::kUnavailable, "the model server is down");
        std::vector<float> out;
        for (const std::string& text : texts) {
            const std::vector<float> row = vector_of(text);
            out.insert(out.end(), row.begin(), row.end());
        }
        return out;
    }
    static std::vector<float> vector_of(const std::string& text) {
        std::vector<float> row(kDims, 0.0f);
        row[kDims - 1] = 0.05f;
        std::string word;
        const auto flush = [&] {
            for (int t = 0; t < kDims - 1; ++t) {
                for (const char* w : kTopics[t]) {
                    if (word == w) row[t] += 1.0f;
                }
            }
            word.clear();
        };
        for (char c : text) {
            if (std::isalnum(static_cast<unsigned char>(c))) {
                word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            } else {
                flush();
            }
        }
        flush();
        float norm = 0;
        for (float x : row) norm += x * x;
        for (float& x : row) x /= std::sqrt(norm);
        return row;
    }
    std::atomic<bool> down{false};

  private:
    embed::ModelInfo info_;
};

Paper make_paper(const std::string& id, const std::string& title, const std::string& abstract,
                 const std::string& category = "q-bio.BM") {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title;
    p.abstract = p.abstract_raw = abstract;
    p.authors = {Author{"Ada Lovelace", "", "", "", {}}};
    p.published = "2024-10-18T10:00:00Z";
    p.categories = {category};
    return p;
}

std::vector<Paper> corpus() {
    std::vector<Paper> papers = {
        make_paper("2410.00001", "Enzyme engineering with diffusion",
                   "We design enzymes whose folding is stable."),
        make_paper("2410.00002", "Structure prediction for amino acid chains",
                   "Chains of amino acids fold into proteins."),
        make_paper("2410.00003", "Machine translation of text",
                   "Translation between languages with attention.", "cs.CL"),
        make_paper("hep-th/9901001", "Strings on branes", "Branes carry strings and gravity.",
                   "hep-th"),
        make_paper("2410.00004", "Gravity from brane worlds", "A brane world model of gravity.",
                   "hep-th"),
        make_paper("2410.00005", "Dense retrieval of documents",
                   "Ranking documents for search queries.", "cs.IR"),
    };
    // Enough of a third topic that a search by meaning has a second page.
    for (int i = 0; i < 10; ++i) {
        const std::string n = std::to_string(10 + i);
        papers.push_back(make_paper("2410.000" + n, "Camera study " + n,
                                    "Photo number " + n + " of pixels.", "cs.CV"));
    }
    return papers;
}

http::Request make_request(std::string method, std::string target) {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.remote_address = "192.0.2.1";
    EXPECT_TRUE(http::decode_target(request)) << request.target;
    return request;
}

// The paper ids of a JSON array of search items (each "paper": {"id": ...}).
std::vector<std::string> json_ids(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::vector<std::string> out;
    if (parser.parse(body).get(root) != simdjson::SUCCESS) {
        ADD_FAILURE() << "not JSON: " << body;
        return out;
    }
    simdjson::dom::array items;
    if (root.get_array().get(items) != simdjson::SUCCESS) {
        ADD_FAILURE() << "not an array: " << body;
        return out;
    }
    for (simdjson::dom::element item : items) {
        std::string_view id;
        EXPECT_EQ(item["paper"]["id"].get_string().get(id), simdjson::SUCCESS) << body;
        out.emplace_back(id);
    }
    return out;
}

std::string error_code(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view code;
    if (parser.parse(body).get(root) != simdjson::SUCCESS ||
        root["error"]["code"].get_string().get(code) != simdjson::SUCCESS) {
        return "";
    }
    return std::string(code);
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The value of the checked mode radio button of a search page; "" when there is none.
std::string checked_mode(const std::string& body) {
    std::smatch m;
    if (!std::regex_search(body, m, std::regex(R"re(name="mode" value="([a-z]+)" checked)re"))) {
        return "";
    }
    return m[1];
}

std::string unescape_amp(std::string s) {
    for (size_t at = s.find("&amp;"); at != std::string::npos; at = s.find("&amp;", at + 1)) {
        s.replace(at, 5, "&");
    }
    return s;
}

// The href of the link with rel="`rel`" (the pager's), "&amp;" unescaped; "" when absent.
std::string rel_link(const std::string& body, const std::string& rel) {
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("href=\"([^\"]*)\" rel=\"" + rel + "\""))) {
        return "";
    }
    return unescape_amp(m[1]);
}

// A site over the corpus; `with_vectors`: the papers embedded by TopicEmbedder and the search
// service opened with it.
class SearchModesTest : public ::testing::Test {
  protected:
    void open(bool with_vectors) {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        store::WriteBatch batch;
        for (const Paper& p : corpus()) batch.put_paper(p);
        batch.put_daily_entry(DailyEntry{"2024-10-21", *PaperId::parse("2410.00002"), "ak",
                                         "2024-10-21T08:00:00Z", 7, 0});
        ASSERT_TRUE(store_->write(batch).ok());

        app::SearchServiceOptions options;
        if (with_vectors) {
            embedder_ = std::make_shared<TopicEmbedder>();
            auto model = store_->register_model(embedder_->info().identity, "topics", kDims);
            ASSERT_TRUE(model.ok()) << model.error().message();
            std::vector<store::PaperVector> vectors;
            for (const Paper& p : corpus()) {
                const std::string text = embed::paper_text(p.title, p.abstract);
                vectors.push_back({p.id, stable_hash64(text), 0, TopicEmbedder::vector_of(text)});
            }
            ASSERT_TRUE(store_->put_vectors(model->id, vectors).ok());
            options.embedder = embedder_;
        }
        auto search = app::SearchService::open(*store_, std::move(options));
        ASSERT_TRUE(search.ok()) << search.error().message();
        search_ = std::move(search).value();
        ASSERT_EQ(search_->vectors() != nullptr, with_vectors);

        SiteOptions site_options;
        site_options.api_rate = 0;
        site_options.search_rate = 0;
        site_options.now = [] { return *parse_instant("2024-10-25T08:00:00Z"); };
        site_options_ = std::move(site_options);
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, site_options_);
    }

    http::Response get(const std::string& target) {
        return site_->handle(make_request("GET", target));
    }
    std::string mode_header(const http::Response& r) {
        return std::string(r.header("X-Search-Mode").value_or(""));
    }

    std::unique_ptr<store::Store> store_;
    std::shared_ptr<TopicEmbedder> embedder_;
    std::unique_ptr<app::SearchService> search_;
    SiteOptions site_options_;
    std::unique_ptr<Site> site_;
};

class WithVectors : public SearchModesTest {
  protected:
    void SetUp() override { open(true); }
};
class WithoutVectors : public SearchModesTest {
  protected:
    void SetUp() override { open(false); }
};

// --- /api/papers/search?mode= ----------------------------------------------------------------

TEST_F(WithVectors, ApiSearchByMeaningFindsPapersWithoutTheWords) {
    http::Response words = get("/api/papers/search?q=enzyme&mode=lexical");
    ASSERT_EQ(words.status, 200) << words.body;
    EXPECT_EQ(mode_header(words), "lexical");
    EXPECT_EQ(json_ids(words.body), std::vector<std::string>{"2410.00001"});

    http::Response meaning = get("/api/papers/search?q=enzyme&mode=semantic&limit=2");
    ASSERT_EQ(meaning.status, 200) << meaning.body;
    EXPECT_EQ(mode_header(meaning), "semantic");
    const std::vector<std::string> ids = json_ids(meaning.body);
    ASSERT_EQ(ids.size(), 2U);
    // Both protein papers, the one without the word "enzyme" too.
    EXPECT_TRUE(contains(ids, "2410.00001"));
    EXPECT_TRUE(contains(ids, "2410.00002"));

    http::Response both = get("/api/papers/search?q=enzyme&mode=hybrid&limit=3");
    ASSERT_EQ(both.status, 200) << both.body;
    EXPECT_EQ(mode_header(both), "hybrid");
    const std::vector<std::string> fused = json_ids(both.body);
    ASSERT_FALSE(fused.empty());
    EXPECT_EQ(fused.front(), "2410.00001");  // the word match first
    EXPECT_TRUE(contains(fused, "2410.00002"));
}

TEST_F(WithVectors, ApiSearchDefaultsToHybrid) {
    http::Response r = get("/api/papers/search?q=enzyme");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(mode_header(r), "hybrid");
}

TEST_F(WithVectors, ApiSearchReportsTheFallbackWhenTheModelIsDown) {
    embedder_->down = true;
    http::Response r = get("/api/papers/search?q=engineering&mode=semantic");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(mode_header(r), "lexical");
    EXPECT_EQ(json_ids(r.body), std::vector<std::string>{"2410.00001"});
}

TEST_F(WithoutVectors, ApiSearchFallsBackToWordsAndSaysSo) {
    for (const char* mode : {"", "&mode=semantic", "&mode=hybrid", "&mode=lexical"}) {
        http::Response r = get(std::string("/api/papers/search?q=enzyme") + mode);
        ASSERT_EQ(r.status, 200) << mode << ": " << r.body;
        EXPECT_EQ(mode_header(r), "lexical") << mode;
        EXPECT_EQ(json_ids(r.body), std::vector<std::string>{"2410.00001"}) << mode;
    }
}

TEST_F(WithoutVectors, ApiSearchRefusesAnUnknownMode) {
    for (const char* target :
         {"/api/papers/search?q=enzyme&mode=meaning",
          "/api/papers/search?q=enzyme&mode=", "/api/papers/search?q=enzyme&mode=LEXICAL",
          "/api/papers/search?q=enzyme&mode=lexical&mode=semantic"}) {
        http::Response r = get(target);
        EXPECT_EQ(r.status, 400) << target;
        EXPECT_EQ(error_code(r.body), "bad_parameter") << target << ": " << r.body;
        EXPECT_NE(r.body.find("mode"), std::string::npos) << r.body;
    }
}

// --- /api/papers/{id}/similar ----------------------------------------------------------------

TEST_F(WithVectors, SimilarGoesByTheVectors) {
    http::Response r = get("/api/papers/2410.00001/similar?limit=1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type(), "application/json");
    EXPECT_EQ(mode_header(r), "semantic");
    // The other protein paper, which shares no title or abstract word with it.
    EXPECT_EQ(json_ids(r.body), std::vector<std::string>{"2410.00002"});

    http::Response all = get("/api/papers/2410.00001/similar");
    ASSERT_EQ(all.status, 200);
    const std::vector<std::string> ids = json_ids(all.body);
    EXPECT_EQ(ids.size(), 10U);                 // the default limit
    EXPECT_FALSE(contains(ids, "2410.00001"));  // not the paper itself
}

TEST_F(WithVectors, SimilarTakesAnOldStyleIdWithItsSlash) {
    for (const char* target : {"/api/papers/hep-th/9901001/similar?limit=1",
                               "/api/papers/hep-th%2F9901001/similar?limit=1"}) {
        http::Response r = get(target);
        ASSERT_EQ(r.status, 200) << target << ": " << r.body;
        EXPECT_EQ(json_ids(r.body), std::vector<std::string>{"2410.00004"}) << target;
    }
    // And the paper itself is still the paper.
    http::Response paper = get("/api/papers/hep-th/9901001");
    ASSERT_EQ(paper.status, 200);
    EXPECT_NE(paper.body.find("\"id\":\"hep-th/9901001\""), std::string::npos) << paper.body;
}

TEST_F(WithVectors, SimilarItemsAreListItemsWhenThePaperIsOnAList) {
    http::Response r = get("/api/papers/2410.00001/similar?limit=1");
    ASSERT_EQ(r.status, 200);
    // 2410.00002 is on 2024-10-21's list: the item has the list's fields and its upvotes.
    EXPECT_NE(r.body.find("\"publishedAt\":\"2024-10-21T08:00:00Z\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"upvotes\":7"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"score\":"), std::string::npos);
    EXPECT_EQ(r.body.find("highlightedSummary"), std::string::npos);
}

TEST_F(WithoutVectors, SimilarGoesByTheWords) {
    http::Response r = get("/api/papers/hep-th/9901001/similar");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(mode_header(r), "lexical");
    // "brane" and "gravity" are the words the two string papers share.
    const std::vector<std::string> ids = json_ids(r.body);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), "2410.00004");
    EXPECT_FALSE(contains(ids, "hep-th/9901001"));
}

TEST_F(WithoutVectors, SimilarChecksItsParameters) {
    const struct {
        const char* target;
        int status;
        const char* code;
    } cases[] = {
        {"/api/papers/2410.99999/similar", 404, "not_found"},
        {"/api/papers/hep-th/9901002/similar", 404, "not_found"},
        {"/api/papers/not-an-id/similar", 400, "bad_parameter"},
        {"/api/papers/2410.00001/similar?limit=0", 400, "bad_parameter"},
        {"/api/papers/2410.00001/similar?limit=51", 400, "bad_parameter"},
        {"/api/papers/2410.00001/similar?limit=x", 400, "bad_parameter"},
    };
    for (const auto& c : cases) {
        http::Response r = get(c.target);
        EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
        EXPECT_EQ(error_code(r.body), c.code) << c.target;
    }
    EXPECT_EQ(get("/api/papers/2410.00001/similar?limit=50").status, 200);

    http::Response post = site_->handle(make_request("POST", "/api/papers/2410.00001/similar"));
    EXPECT_EQ(post.status, 405) << post.body;
    EXPECT_EQ(post.header("Allow").value_or(""), "GET");
}

// --- /search ---------------------------------------------------------------------------------

TEST_F(WithVectors, SearchPageOffersWordsMeaningAndBoth) {
    http::Response r = get("/search?q=enzyme");
    ASSERT_EQ(r.status, 200) << r.body;
    for (const char* label : {">Words<", ">Meaning<", ">Both<"}) {
        EXPECT_NE(r.body.find(label), std::string::npos) << label;
    }
    EXPECT_EQ(checked_mode(r.body), "hybrid");  // the default
    EXPECT_NE(r.body.find("ranked by words and meaning"), std::string::npos);

    http::Response blank = get("/search");
    EXPECT_EQ(checked_mode(blank.body), "hybrid");
}

TEST_F(WithVectors, SearchPageKeepsTheModeInItsLinks) {
    http::Response r = get("/search?q=enzyme&mode=semantic");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(checked_mode(r.body), "semantic");
    EXPECT_NE(r.body.find("ranked by meaning"), std::string::npos);
    // By meaning every paper is a result: there is a second page, and it is by meaning too.
    const std::string next = rel_link(r.body, "next");
    EXPECT_EQ(next, "/search?q=enzyme&mode=semantic&p=2");
    http::Response second = get(next);
    ASSERT_EQ(second.status, 200);
    EXPECT_EQ(checked_mode(second.body), "semantic");
    EXPECT_EQ(rel_link(second.body, "prev"), "/search?q=enzyme&mode=semantic");

    // Without the filters, still by the same mode.
    http::Response filtered = get("/search?q=enzyme&cat=hep-th&mode=lexical");
    ASSERT_EQ(filtered.status, 200);
    EXPECT_NE(filtered.body.find("href=\"/search?q=enzyme&amp;mode=lexical\""), std::string::npos)
        << filtered.body;
    EXPECT_NE(get("/search?q=enzyme&mode=lexical").body.find("ranked by words"), std::string::npos);

    // The examples of an empty search keep it too.
    http::Response blank = get("/search?mode=semantic");
    ASSERT_EQ(blank.status, 200);
    EXPECT_EQ(checked_mode(blank.body), "semantic");
    EXPECT_NE(blank.body.find("&amp;mode=semantic\""), std::string::npos);
}

TEST_F(WithVectors, SearchPageSaysWhyItSearchedByWords) {
    // Filters alone give the model nothing to compare.
    http::Response filters = get("/search?cat=hep-th&mode=semantic");
    ASSERT_EQ(filters.status, 200) << filters.body;
    EXPECT_NE(filters.body.find("class=\"mode-note\""), std::string::npos);
    EXPECT_NE(filters.body.find("needs words"), std::string::npos);
    // ... which needs no note when nobody asked for meaning.
    http::Response plain = get("/search?cat=hep-th");
    EXPECT_EQ(plain.body.find("class=\"mode-note\""), std::string::npos);

    embedder_->down = true;
    http::Response down = get("/search?q=amino&mode=semantic");
    ASSERT_EQ(down.status, 200) << down.body;
    EXPECT_NE(down.body.find("not available right now"), std::string::npos) << down.body;
    EXPECT_NE(down.body.find("ranked by words"), std::string::npos);
}

TEST_F(WithoutVectors, SearchPageHasNoModeControl) {
    http::Response r = get("/search?q=enzyme");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.find("name=\"mode\""), std::string::npos);
    EXPECT_EQ(r.body.find("ranked by"), std::string::npos);
    EXPECT_EQ(r.body.find("class=\"mode-note\""), std::string::npos);

    // A link from a site that has vectors: words it is, and the page says so.
    http::Response asked = get("/search?q=enzyme&mode=semantic");
    ASSERT_EQ(asked.status, 200);
    EXPECT_NE(asked.body.find("class=\"mode-note\""), std::string::npos);
    EXPECT_NE(asked.body.find("no paper vectors"), std::string::npos);
}

TEST_F(WithoutVectors, SearchPageRefusesAnUnknownMode) {
    http::Response r = get("/search?q=enzyme&mode=telepathy");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("&apos;telepathy&apos; is not a way to search"), std::string::npos)
        << r.body;
}

// --- the paper page and the feeds ------------------------------------------------------------

TEST_F(WithVectors, PaperPageSaysItsSimilarPapersAreByMeaning) {
    http::Response r = get("/papers/2410.00001");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Similar papers <span class=\"muted\">(by meaning)</span>"),
              std::string::npos);
    EXPECT_NE(r.body.find("href=\"/papers/2410.00002\""), std::string::npos);
}

TEST_F(WithoutVectors, PaperPageSimilarPapersAreByWords) {
    http::Response r = get("/papers/hep-th/9901001");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find(">Similar papers</h2>"), std::string::npos);
    EXPECT_EQ(r.body.find("(by meaning)"), std::string::npos);
    EXPECT_NE(r.body.find("href=\"/papers/2410.00004\""), std::string::npos);
}

TEST_F(WithVectors, SearchFeedsTakeTheMode) {
    http::Response words = get("/feeds/search.rss?q=enzyme&mode=lexical");
    ASSERT_EQ(words.status, 200) << words.body;
    EXPECT_EQ(words.body.find("Structure prediction for amino acid chains"), std::string::npos);

    http::Response meaning = get("/feeds/search.atom?q=enzyme&mode=semantic");
    ASSERT_EQ(meaning.status, 200) << meaning.body;
    EXPECT_NE(meaning.body.find("Structure prediction for amino acid chains"), std::string::npos);
    EXPECT_NE(meaning.body.find("/search?q=enzyme&amp;mode=semantic"), std::string::npos)
        << meaning.body;

    http::Response bad = get("/feeds/search.rss?q=enzyme&mode=psychic");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("mode is lexical, semantic or hybrid"), std::string::npos);
}

}  // namespace
}  // namespace paperboy::web
