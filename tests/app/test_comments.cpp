// The comment rules (app/comments.h) over an in-memory store, and the Markdown renderer against
// hostile input.
#include <gtest/gtest.h>

#include <string>

#include "app/comments.h"
#include "core/timestamp.h"

namespace paperboy::app {
namespace {

using std::chrono::seconds;

// What no rendered comment may contain, whatever its author typed.
void expect_safe(const std::string& html) {
    std::string lower;
    for (char c : html) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(lower.find("<script"), std::string::npos) << html;
    // Every link target is empty, relative or http(s)/mailto ("javascript:" may remain as text).
    for (size_t at = lower.find("href=\""); at != std::string::npos;
         at = lower.find("href=\"", at + 1)) {
        const size_t start = at + 6;
        const std::string value = lower.substr(start, lower.find('"', start) - start);
        const size_t colon = value.find(':');
        if (colon == std::string::npos || value.find_first_of("/?#") < colon) continue;
        const std::string scheme = value.substr(0, colon);
        EXPECT_TRUE(scheme == "http" || scheme == "https" || scheme == "mailto") << html;
    }
    EXPECT_EQ(lower.find("=\"javascript:"), std::string::npos) << html;
    EXPECT_EQ(lower.find("src="), std::string::npos) << html;
    EXPECT_EQ(lower.find("<img"), std::string::npos) << html;
    EXPECT_EQ(lower.find("<svg"), std::string::npos) << html;
    EXPECT_EQ(lower.find("<iframe"), std::string::npos) << html;
    EXPECT_EQ(lower.find(" onerror="), std::string::npos) << html;
    EXPECT_EQ(lower.find(" onload="), std::string::npos) << html;
    EXPECT_EQ(lower.find(" onclick="), std::string::npos) << html;
    EXPECT_EQ(html.find('\0'), std::string::npos);
}

TEST(RenderMarkdown, RendersCommonMark) {
    EXPECT_EQ(render_markdown("**bold** and `code`"),
              "<p><strong>bold</strong> and <code>code</code></p>\n");
    EXPECT_EQ(render_markdown("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
}

TEST(RenderMarkdown, MarksEveryLinkNofollowUgc) {
    EXPECT_EQ(
        render_markdown("[arXiv](https://arxiv.org/abs/2410.13848)"),
        "<p><a rel=\"nofollow ugc\" href=\"https://arxiv.org/abs/2410.13848\">arXiv</a></p>\n");
    EXPECT_EQ(
        render_markdown("<https://example.org>"),
        "<p><a rel=\"nofollow ugc\" href=\"https://example.org\">https://example.org</a></p>\n");
}

TEST(RenderMarkdown, TurnsImagesIntoLinks) {
    EXPECT_EQ(render_markdown("![a chart](https://tracker.example/pixel.png)"),
              "<p><a rel=\"nofollow ugc\" href=\"https://tracker.example/pixel.png\">a chart</a>"
              "</p>\n");
    const std::string empty_alt = render_markdown("![](https://x.example/i.png)");
    EXPECT_NE(empty_alt.find(">https://x.example/i.png</a>"), std::string::npos) << empty_alt;
    expect_safe(render_markdown("![![inner](https://a.example/1.png)](https://b.example/2.png)"));
}

TEST(RenderMarkdown, LeavesOutRawHtmlAndScripts) {
    const char* hostile[] = {
        "<script>alert(1)</script>",
        "hello <script>alert(1)</script> world",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1) )",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "[x]: javascript:alert(1)\n\n[x]",
        "<javascript:alert(1)>",
        "`<script>` in code is text",
        "    <script>alert(1)</script>\n",
        "[x](https://e.example \"\\\" onmouseover=alert(1) x=\\\"\")",
        "<div onclick=alert(1)>block</div>",
        "<!-- <script>alert(1)</script> -->",
    };
    for (const char* input : hostile) {
        SCOPED_TRACE(input);
        const std::string html = render_markdown(input);
        expect_safe(html);
    }
    // Code spans and blocks keep the text, escaped.
    EXPECT_EQ(render_markdown("`<script>`"), "<p><code>&lt;script&gt;</code></p>\n");
    // An attribute-breaking title is escaped inside the attribute.
    const std::string titled = render_markdown("[x](https://e.example \"a\\\" onmouseover=b\")");
    EXPECT_NE(titled.find("title=\"a&quot; onmouseover=b\""), std::string::npos) << titled;
}

TEST(RenderMarkdown, SurvivesInvalidUtf8NulAndHugeInput) {
    const std::string bad = render_markdown(std::string("a\xff\xfe b\0c <script>", 13));
    expect_safe(bad);
    EXPECT_NE(bad.find("\xEF\xBF\xBD"), std::string::npos) << bad;  // U+FFFD
    const std::string huge(1 << 20, '[');
    expect_safe(render_markdown(huge));
    std::string nested;
    for (int i = 0; i < 10000; ++i) nested += "> ";
    nested += "<script>x</script>";
    expect_safe(render_markdown(nested));
    std::string many_links;
    for (int i = 0; i < 5000; ++i) many_links += "[a](javascript:x) ";
    expect_safe(render_markdown(many_links));
}

class CommentsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store("sqlite::memory:");
        ASSERT_TRUE(opened.ok());
        store_ = std::move(opened).value();
        ada_ = add_user("ada", Role::kMember);
        bob_ = add_user("bob", Role::kMember);
        cur_ = add_user("cur", Role::kCurator);
        Paper p;
        p.id = *PaperId::parse("2410.13848");
        p.title = "A paper";
        store::WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
        paper_ = p.id;
        CommentsOptions options;
        options.now = [this] { return now_; };
        comments_ = std::make_unique<Comments>(*store_, options);
    }

    User add_user(const std::string& handle, Role role) {
        User u;
        u.handle = handle;
        u.email = handle + "@example.org";
        u.password_hash = "x";
        u.role = role;
        auto created = store_->create_user(u);
        EXPECT_TRUE(created.ok());
        return created.ok() ? *created : User{};
    }

    Comment add(const User& user, const std::string& body,
                std::optional<int64_t> parent = std::nullopt) {
        now_ += seconds(30);  // stays under the rate limit
        auto added = comments_->add(user, paper_, body, parent);
        EXPECT_TRUE(added.ok()) << added.error().message();
        return added.ok() ? *added : Comment{};
    }

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Comments> comments_;
    User ada_, bob_, cur_;
    PaperId paper_ = PaperId::local_from_title("x");
    std::chrono::sys_seconds now_ = *parse_instant("2024-10-25T10:00:00Z");
};

TEST_F(CommentsTest, RefusesEmptyLongAndNonUtf8Bodies) {
    for (const std::string& body :
         {std::string(""), std::string(" \n\t "), std::string(10'001, 'x'), std::string("a\xff"),
          std::string("a\0b", 3), std::string(1 << 20, 'x')}) {
        auto added = comments_->add(ada_, paper_, body, std::nullopt);
        ASSERT_FALSE(added.ok());
        EXPECT_EQ(added.error().code(), ErrorCode::kInvalidArgument);
    }
    auto too_long = comments_->add(ada_, paper_, std::string(10'001, 'x'), std::nullopt);
    EXPECT_EQ(too_long.error().message(), "a comment has at most 10000 bytes; this one has 10001");
    EXPECT_TRUE(comments_->add(ada_, paper_, std::string(10'000, 'x'), std::nullopt).ok());
}

TEST_F(CommentsTest, LimitsCommentsPerMinute) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(comments_->add(ada_, paper_, "hi", std::nullopt).ok()) << i;
    }
    auto sixth = comments_->add(ada_, paper_, "hi", std::nullopt);
    ASSERT_FALSE(sixth.ok());
    EXPECT_EQ(sixth.error().code(), ErrorCode::kLimitExceeded);
    EXPECT_TRUE(comments_->add(bob_, paper_, "hi", std::nullopt).ok());  // per user
    now_ += seconds(61);
    EXPECT_TRUE(comments_->add(ada_, paper_, "hi again", std::nullopt).ok());
}

TEST_F(CommentsTest, RepliesGoOneLevelDeep) {
    const Comment top = add(ada_, "top");
    const Comment reply = add(bob_, "reply", top.id);
    EXPECT_EQ(reply.parent_id, top.id);
    const Comment reply_to_reply = add(ada_, "reply to reply", reply.id);
    EXPECT_EQ(reply_to_reply.parent_id, top.id);

    auto threads = comments_->threads(paper_, std::nullopt);
    ASSERT_TRUE(threads.ok());
    ASSERT_EQ(threads->size(), 1u);
    ASSERT_EQ((*threads)[0].replies.size(), 2u);
    EXPECT_EQ((*threads)[0].replies[1].comment.body, "reply to reply");

    auto missing = comments_->add(ada_, paper_, "x", 999);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(CommentsTest, OnlyAuthorsEditAndDelete) {
    const Comment c = add(ada_, "mine");
    auto by_bob = comments_->edit(bob_, c, "bob's now");
    ASSERT_FALSE(by_bob.ok());
    auto by_curator = comments_->remove(cur_, c);
    ASSERT_FALSE(by_curator.ok());
    now_ += seconds(5);
    auto edited = comments_->edit(ada_, c, "mine, edited");
    ASSERT_TRUE(edited.ok());
    EXPECT_EQ(edited->body, "mine, edited");
    EXPECT_EQ(edited->updated_at, "2024-10-25T10:00:35Z");
    EXPECT_EQ(edited->created_at, "2024-10-25T10:00:30Z");
    auto deleted = comments_->remove(ada_, *edited);
    ASSERT_TRUE(deleted.ok());
    EXPECT_FALSE(comments_->edit(ada_, *deleted, "back").ok());  // deleted stays deleted
    auto threads = comments_->threads(paper_, ada_);
    ASSERT_TRUE(threads.ok());
    EXPECT_TRUE(threads->empty());  // deleted without replies: gone
}

TEST_F(CommentsTest, DeletedCommentWithRepliesKeepsItsPlaceWithoutItsBody) {
    const Comment top = add(ada_, "top");
    add(bob_, "reply", top.id);
    ASSERT_TRUE(comments_->remove(ada_, top).ok());
    auto threads = comments_->threads(paper_, cur_);
    ASSERT_TRUE(threads.ok());
    ASSERT_EQ(threads->size(), 1u);
    EXPECT_FALSE((*threads)[0].comment.body_shown);
    EXPECT_EQ((*threads)[0].comment.body_html, "");
    EXPECT_EQ((*threads)[0].replies.size(), 1u);
    auto reply = comments_->add(bob_, paper_, "to a deleted one", top.id);
    EXPECT_FALSE(reply.ok());
}

TEST_F(CommentsTest, CuratorsHideAndOthersSeeOnlyThatItIsHidden) {
    const Comment c = add(ada_, "**spam**");
    EXPECT_FALSE(comments_->set_hidden(bob_, c, true).ok());
    EXPECT_FALSE(comments_->set_hidden(ada_, c, true).ok());
    auto hidden = comments_->set_hidden(cur_, c, true);
    ASSERT_TRUE(hidden.ok());
    EXPECT_TRUE(hidden->hidden);

    auto anonymous = comments_->threads(paper_, std::nullopt);
    ASSERT_TRUE(anonymous.ok());
    ASSERT_EQ(anonymous->size(), 1u);
    EXPECT_FALSE((*anonymous)[0].comment.body_shown);
    EXPECT_EQ((*anonymous)[0].comment.body_html, "");
    auto other = comments_->threads(paper_, bob_);
    EXPECT_FALSE((*other)[0].comment.body_shown);
    auto author = comments_->threads(paper_, ada_);
    EXPECT_TRUE((*author)[0].comment.body_shown);
    EXPECT_TRUE((*author)[0].comment.may_edit);
    EXPECT_FALSE((*author)[0].comment.may_hide);
    auto curator = comments_->threads(paper_, cur_);
    EXPECT_TRUE((*curator)[0].comment.body_shown);
    EXPECT_EQ((*curator)[0].comment.body_html, "<p><strong>spam</strong></p>\n");
    EXPECT_TRUE((*curator)[0].comment.may_hide);
    EXPECT_FALSE((*curator)[0].comment.may_edit);

    auto counts = store_->comment_counts({paper_});
    EXPECT_EQ(counts->front(), 0);
    ASSERT_TRUE(comments_->set_hidden(cur_, *hidden, false).ok());
    counts = store_->comment_counts({paper_});
    EXPECT_EQ(counts->front(), 1);
}

}  // namespace
}  // namespace paperboy::app
