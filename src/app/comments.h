// app/comments.h — members' comments on papers: the rules, and Markdown made into safe HTML.
//
// Rules: a body is 1 to max_body_bytes of valid UTF-8 without NUL bytes, not only white space;
// a member writes at most max_per_window comments per window (5 a minute by default); replies
// go one level deep (a reply to a reply is attached to the top-level comment); authors edit and
// delete their own comments; curators and admins hide (and show again) anyone's. A deleted
// comment keeps its place while it has replies, as "deleted"; a hidden one says "hidden by a
// curator" to everyone but curators, admins and its author.
//
// render_markdown() is the only way comment text becomes HTML: CommonMark through cmark with raw
// HTML and unsafe link schemes suppressed, images turned into links, and every link marked
// rel="nofollow ugc". Its output may be inserted into a page unescaped.
// Depends on core/, store/ and libcmark. Thread-safe as far as the store is.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "store/store.h"

namespace paperboy::app {

// Markdown as HTML that is safe to insert into a page: no raw HTML, no script, no event
// handlers, no javascript:/vbscript:/file: links, no remote images (they become links).
// Invalid UTF-8 and NUL bytes become U+FFFD.
std::string render_markdown(std::string_view markdown);

struct CommentsOptions {
    size_t max_body_bytes = 10'000;
    int max_per_window = 5;
    std::chrono::seconds window{60};
    std::function<std::chrono::sys_seconds()> now = [] {
        return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    };
};

enum class CommentAction { kEdit, kDelete, kHide };

// Whether `user` may do `action` to `comment`: the author edits and deletes (not once it is
// deleted); curators and admins hide and show again.
bool may(const User& user, const Comment& comment, CommentAction action);

// One comment as a visitor sees it.
struct CommentView {
    Comment comment;
    bool body_shown = false;  // false: hidden from this viewer, or deleted
    std::string body_html;    // render_markdown(body) when body_shown, else ""
    bool may_edit = false;
    bool may_delete = false;
    bool may_hide = false;
};

// A top-level comment and its replies, oldest first.
struct CommentThread {
    CommentView comment;
    std::vector<CommentView> replies;
};

class Comments {
  public:
    Comments(store::Store& store, CommentsOptions options);

    // The paper's comments as `viewer` (nullopt: anonymous) sees them, oldest thread first.
    // Deleted comments without replies are left out.
    Result<std::vector<CommentThread>> threads(const PaperId& paper,
                                               const std::optional<User>& viewer);

    // The comment with this id, or nullopt.
    Result<std::optional<Comment>> find(int64_t id);

    // Adds `user`'s comment to `paper`, in reply to `parent_id` when set. Errors, each with a
    // message for the member: kInvalidArgument (empty, too long or not UTF-8 text; a parent that
    // is not a comment on this paper, or deleted), kLimitExceeded (too many comments lately),
    // kNotFound (no such paper).
    Result<Comment> add(const User& user, const PaperId& paper, std::string_view body,
                        std::optional<int64_t> parent_id);
    // Replaces the body of `current` (as find() returned it). kInvalidArgument when `user` may
    // not edit it (see may()) or the body breaks the rules.
    Result<Comment> edit(const User& user, const Comment& current, std::string_view body);
    // Marks `current` deleted. kInvalidArgument when `user` may not.
    Result<Comment> remove(const User& user, const Comment& current);
    // Hides `current` (or shows it again). kInvalidArgument when `user` may not.
    Result<Comment> set_hidden(const User& user, const Comment& current, bool hidden);

    // The rules for a body; the error message says what is wrong.
    Status check_body(std::string_view body) const;

  private:
    store::Store& store_;
    CommentsOptions options_;
};

}  // namespace paperboy::app
