// The comment endpoints of the JSON API (/api/papers/{id}/comments...) through Site::handle(),
// over a real SQLite file: writing, reading, editing, deleting and hiding comments, who may do
// which, the limits, hostile Markdown, and numComments.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "app/accounts.h"
#include "app/search_service.h"
#include "core/timestamp.h"
#include "store/store.h"
#include "support/temp_dir.h"
#include "web/site.h"

namespace paperboy::web {
namespace {

// A parsed response body; pointers are RFC 6901 ("/0/author/name").
class Json {
  public:
    explicit Json(const std::string& text) : parser_(std::make_unique<simdjson::dom::parser>()) {
        ok_ = parser_->parse(text).get(root_) == simdjson::SUCCESS;
    }
    bool ok() const { return ok_; }
    simdjson::dom::element at(std::string_view pointer) const {
        simdjson::dom::element e;
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
    bool boolean(std::string_view pointer) const {
        bool b = false;
        EXPECT_EQ(at(pointer).get_bool().get(b), simdjson::SUCCESS) << pointer;
        return b;
    }
    bool is_null(std::string_view pointer) const { return at(pointer).is_null(); }
    size_t size() const {
        simdjson::dom::array a;
        EXPECT_EQ(root_.get_array().get(a), simdjson::SUCCESS);
        return a.size();
    }

  private:
    std::unique_ptr<simdjson::dom::parser> parser_;
    simdjson::dom::element root_;
    bool ok_ = false;
};

// A JSON string literal of `text` (enough for the bodies used here).
std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

class CommentsApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite:" + dir_.file("x.db"))).value();
        store::WriteBatch batch;
        for (const char* id : {"2410.00003", "hep-th/9901001"}) {
            Paper p;
            p.id = *PaperId::parse(id);
            p.version = 1;
            p.title = std::string("Paper ") + id;
            p.abstract = p.abstract_raw = "An abstract.";
            p.published = "2024-10-18T10:00:00Z";
            batch.put_paper(p);
        }
        batch.put_daily_entry(DailyEntry{"2024-10-24", *PaperId::parse("2410.00003"), "ada",
                                         "2024-10-24T09:00:00Z", 5, 3});
        ASSERT_TRUE(store_->write(batch).ok());

        app::Accounts accounts(*store_);
        for (const char* handle : {"ada", "bob", "cur"}) {
            auto user = accounts.sign_up(handle, std::string(handle) + "@example.org",
                                         "correct horse battery");
            ASSERT_TRUE(user.ok()) << user.error().message();
            tokens_[handle] = *accounts.create_api_token(user->id, "test");
            if (std::string_view(handle) == "cur") {
                ASSERT_TRUE(store_->set_role(user->id, Role::kCurator).ok());
            }
        }
        SiteOptions options;
        options.now = [this] { return now_; };
        options.api_rate = 0;  // the per-address limiter is api_test's subject
        options_ = std::move(options);
        search_ = std::move(app::SearchService::open(*store_)).value();
        site_ = std::make_unique<Site>(app::Instance(*store_), *search_, options_);
    }

    http::Response call(std::string method, std::string target, const std::string& who = "",
                        std::string body = "") {
        http::Request request;
        request.method = std::move(method);
        request.target = std::move(target);
        if (!who.empty()) request.headers = {{"Authorization", "Bearer " + tokens_.at(who)}};
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = std::move(body);
        request.remote_address = "192.0.2.1";
        EXPECT_TRUE(http::decode_target(request)) << request.target;
        return site_->handle(request);
    }

    // Posts a comment as `who` and returns its id (-1 on failure).
    int64_t post(const std::string& who, const std::string& body, int64_t parent = 0,
                 const std::string& paper = "2410.00003") {
        now_ += std::chrono::seconds(20);
        std::string json = "{\"body\": " + json_string(body);
        if (parent != 0) json += ", \"parentId\": " + std::to_string(parent);
        json += "}";
        http::Response r = call("POST", "/api/papers/" + paper + "/comments", who, json);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? Json(r.body).integer("/id") : -1;
    }

    Json list(const std::string& who = "", const std::string& paper = "2410.00003") {
        http::Response r = call("GET", "/api/papers/" + paper + "/comments", who);
        EXPECT_EQ(r.status, 200) << r.body;
        return Json(r.body);
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::SearchService> search_;
    std::unique_ptr<Site> site_;
    SiteOptions options_;
    std::map<std::string, std::string> tokens_;
    std::chrono::sys_seconds now_ = *parse_instant("2024-10-25T08:00:00Z");
};

TEST_F(CommentsApiTest, PostReturns201WithTheRenderedComment) {
    http::Response r = call("POST", "/api/papers/2410.00003/comments", "ada",
                            R"j({"body": "Nice **result**, see [code](https://github.com/x/y)"})j");
    ASSERT_EQ(r.status, 201) << r.body;
    Json c(r.body);
    EXPECT_GT(c.integer("/id"), 0);
    EXPECT_EQ(c.str("/paperId"), "2410.00003");
    EXPECT_EQ(c.str("/author/name"), "ada");
    EXPECT_EQ(c.str("/body"), "Nice **result**, see [code](https://github.com/x/y)");
    EXPECT_EQ(c.str("/bodyHtml"),
              "<p>Nice <strong>result</strong>, see <a rel=\"nofollow ugc\" "
              "href=\"https://github.com/x/y\">code</a></p>\n");
    EXPECT_EQ(c.str("/createdAt"), "2024-10-25T08:00:00Z");
    EXPECT_EQ(c.str("/updatedAt"), "2024-10-25T08:00:00Z");
    EXPECT_TRUE(c.is_null("/parentId"));
    EXPECT_FALSE(c.boolean("/hidden"));
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store");

    Json all = list();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all.integer("/0/id"), c.integer("/id"));
}

TEST_F(CommentsApiTest, NumCommentsAddsVisibleLocalCommentsToTheImportedCount) {
    http::Response paper = call("GET", "/api/papers/2410.00003");
    EXPECT_EQ(Json(paper.body).integer("/numComments"), 3);
    const int64_t a = post("ada", "one");
    post("bob", "two");
    paper = call("GET", "/api/papers/2410.00003");
    EXPECT_EQ(Json(paper.body).integer("/numComments"), 5);
    http::Response day = call("GET", "/api/daily_papers?date=2024-10-24");
    EXPECT_EQ(Json(day.body).integer("/0/numComments"), 5);
    ASSERT_EQ(call("POST", "/api/papers/2410.00003/comments/" + std::to_string(a) + "/hide", "cur")
                  .status,
              200);
    paper = call("GET", "/api/papers/2410.00003");
    EXPECT_EQ(Json(paper.body).integer("/numComments"), 4);
}

TEST_F(CommentsApiTest, RepliesAttachToTheTopLevelCommentOnOldStyleIdsToo) {
    const int64_t top = post("ada", "top", 0, "hep-th/9901001");
    const int64_t reply = post("bob", "reply", top, "hep-th/9901001");
    const int64_t deeper = post("ada", "deeper", reply, "hep-th/9901001");
    Json all = list("", "hep-th/9901001");
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all.integer("/1/id"), reply);
    EXPECT_EQ(all.integer("/1/parentId"), top);
    EXPECT_EQ(all.integer("/2/id"), deeper);
    EXPECT_EQ(all.integer("/2/parentId"), top);

    http::Response r =
        call("POST", "/api/papers/2410.00003/comments", "ada",
             "{\"body\": \"x\", \"parentId\": " + std::to_string(top) + "}");  // other paper
    EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(CommentsApiTest, AuthorsEditAndDeleteTheirOwnOnly) {
    const int64_t id = post("ada", "first");
    const std::string target = "/api/papers/2410.00003/comments/" + std::to_string(id);
    EXPECT_EQ(call("PUT", target, "bob", R"({"body": "mine now"})").status, 403);
    EXPECT_EQ(call("DELETE", target, "cur").status, 403);
    EXPECT_EQ(call("PUT", target, "", R"({"body": "x"})").status, 401);
    now_ += std::chrono::seconds(5);
    http::Response r = call("PUT", target, "ada", R"({"body": "first, *edited*"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json(r.body).str("/bodyHtml"), "<p>first, <em>edited</em></p>\n");
    EXPECT_NE(Json(r.body).str("/updatedAt"), Json(r.body).str("/createdAt"));
    EXPECT_EQ(call("DELETE", target, "ada").status, 204);
    EXPECT_EQ(list().size(), 0u);
    EXPECT_EQ(call("DELETE", target, "ada").status, 404);
    EXPECT_EQ(call("PUT", "/api/papers/2410.00003/comments/999", "ada", R"({"body": "x"})").status,
              404);
}

TEST_F(CommentsApiTest, CuratorsHideAndOthersSeeOnlyThatItIsHidden) {
    const int64_t id = post("ada", "spam");
    const std::string target = "/api/papers/2410.00003/comments/" + std::to_string(id) + "/hide";
    EXPECT_EQ(call("POST", target, "bob").status, 403);
    EXPECT_EQ(call("POST", target, "ada").status, 403);
    ASSERT_EQ(call("POST", target, "cur").status, 200);

    Json anonymous = list();
    ASSERT_EQ(anonymous.size(), 1u);
    EXPECT_TRUE(anonymous.boolean("/0/hidden"));
    EXPECT_EQ(anonymous.str("/0/body"), "");
    EXPECT_EQ(anonymous.str("/0/bodyHtml"), "");
    EXPECT_EQ(list("bob").str("/0/body"), "");
    EXPECT_EQ(list("cur").str("/0/body"), "spam");
    EXPECT_EQ(list("ada").str("/0/body"), "spam");

    ASSERT_EQ(call("DELETE", target, "cur").status, 200);
    EXPECT_EQ(list().str("/0/body"), "spam");
}

TEST_F(CommentsApiTest, HostileMarkdownComesBackInert) {
    const std::string hostile =
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> "
        "\"><svg onload=alert(1)>";
    post("ada", hostile);
    Json all = list();
    EXPECT_EQ(all.str("/0/body"), hostile);
    const std::string html = all.str("/0/bodyHtml");
    EXPECT_EQ(html.find("<script"), std::string::npos) << html;
    EXPECT_EQ(html.find("<img"), std::string::npos) << html;
    EXPECT_EQ(html.find("<svg"), std::string::npos) << html;
    EXPECT_EQ(html.find("href=\"javascript"), std::string::npos) << html;
}

TEST_F(CommentsApiTest, LimitsAndBadBodiesAreClearErrors) {
    http::Response r = call("POST", "/api/papers/2410.00003/comments", "ada",
                            "{\"body\": \"" + std::string(10'001, 'x') + "\"}");
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(Json(r.body).str("/error/message"),
              "a comment has at most 10000 bytes; this one has 10001");
    r = call("POST", "/api/papers/2410.00003/comments", "ada",
             "{\"body\": \"" + std::string(1 << 20, 'x') + "\"}");
    EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
    for (const char* bad :
         {"", "{}", "[]", R"({"body": 5})", R"({"body": "   "})", R"({"body": "a\u0000b"})",
          R"({"body": "x", "parentId": "7"})", R"({"body": "x", "parentId": -1})"}) {
        r = call("POST", "/api/papers/2410.00003/comments", "ada", bad);
        EXPECT_EQ(r.status, 400) << bad << " " << r.body;
        EXPECT_TRUE(Json(r.body).ok());
    }
    EXPECT_EQ(call("POST", "/api/papers/2410.99999/comments", "ada", R"({"body": "x"})").status,
              404);
    EXPECT_EQ(call("POST", "/api/papers/2410.00003/comments", "", R"({"body": "x"})").status, 401);

    for (int i = 0; i < 5; ++i) {
        r = call("POST", "/api/papers/2410.00003/comments", "bob", R"({"body": "hi"})");
        ASSERT_EQ(r.status, 201) << i << r.body;
    }
    r = call("POST", "/api/papers/2410.00003/comments", "bob", R"({"body": "hi"})");
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(Json(r.body).str("/error/code"), "rate_limited");
    EXPECT_EQ(r.header("Retry-After").value_or(""), "60");
    now_ += std::chrono::seconds(61);
    EXPECT_EQ(call("POST", "/api/papers/2410.00003/comments", "bob", R"({"body": "hi"})").status,
              201);
}

TEST_F(CommentsApiTest, WrongMethodsAndPathsAnswerInJson) {
    EXPECT_EQ(call("PUT", "/api/papers/2410.00003/comments", "ada").status, 405);
    EXPECT_EQ(call("GET", "/api/papers/2410.00003/comments/1").status, 405);
    EXPECT_EQ(call("PUT", "/api/papers/2410.00003/upvote", "ada").status, 405);
    EXPECT_EQ(call("GET", "/api/papers/2410.99999/comments").status, 404);
    EXPECT_EQ(call("DELETE", "/api/papers/2410.00003/comments/abc", "ada").status, 405);
}

TEST_F(CommentsApiTest, ThePaperPageShowsCommentsRenderedAndHiddenOnesAsANote) {
    const int64_t top = post("ada", "A **bold** claim <script>alert(1)</script>");
    post("bob", "I agree [link](javascript:alert(1))", top);
    const int64_t spam = post("bob", "buy SPAMWORD now");
    ASSERT_EQ(
        call("POST", "/api/papers/2410.00003/comments/" + std::to_string(spam) + "/hide", "cur")
            .status,
        200);
    http::Response page = call("GET", "/papers/2410.00003");
    ASSERT_EQ(page.status, 200);
    const std::string& html = page.body;
    EXPECT_NE(html.find("id=\"comments\""), std::string::npos);
    EXPECT_NE(html.find("<strong>bold</strong>"), std::string::npos);
    EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
    EXPECT_EQ(html.find("href=\"javascript"), std::string::npos);
    EXPECT_NE(html.find("class=\"comment-replies\""), std::string::npos);
    EXPECT_EQ(html.find("SPAMWORD"), std::string::npos);
    EXPECT_NE(html.find("hidden by a curator"), std::string::npos);
    EXPECT_NE(html.find("Log in to comment"), std::string::npos);
    EXPECT_NE(html.find("Comments (2)"), std::string::npos);
}

}  // namespace
}  // namespace paperboy::web
