// The comment rules and the Markdown renderer (app/comments.h).
#include "app/comments.h"

#include <cmark.h>

#include <map>
#include <memory>
#include <utility>

#include "core/timestamp.h"
#include "core/utf8.h"

namespace paperboy::app {
namespace {

// cmark's trees and strings, freed on scope exit.
struct NodeFree {
    void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterFree {
    void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};

bool is_curator(const User& user) { return user.role != Role::kMember; }

// Replaces each image by a link to it with the same text: an image in a comment would be
// fetched from wherever its author likes by every visitor's browser.
void images_to_links(cmark_node* document) {
    std::vector<cmark_node*> images;
    {
        std::unique_ptr<cmark_iter, IterFree> iter(cmark_iter_new(document));
        for (cmark_event_type ev = cmark_iter_next(iter.get()); ev != CMARK_EVENT_DONE;
             ev = cmark_iter_next(iter.get())) {
            cmark_node* node = cmark_iter_get_node(iter.get());
            if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_IMAGE) {
                images.push_back(node);
            }
        }
    }
    // Outer images come first, so an image nested in another's text is moved into the outer's
    // link before its own turn; the pointer stays valid.
    for (cmark_node* image : images) {
        cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
        cmark_node_set_url(link, cmark_node_get_url(image));
        cmark_node_set_title(link, cmark_node_get_title(image));
        while (cmark_node* child = cmark_node_first_child(image)) {
            cmark_node_append_child(link, child);  // unlinks it from the image
        }
        if (cmark_node_first_child(link) == nullptr) {
            cmark_node* text = cmark_node_new(CMARK_NODE_TEXT);
            const char* url = cmark_node_get_url(image);
            cmark_node_set_literal(text, url != nullptr && *url != '\0' ? url : "image");
            cmark_node_append_child(link, text);
        }
        cmark_node_replace(image, link);
        cmark_node_free(image);
    }
}

// Marks every link rel="nofollow ugc". The HTML comes from cmark in safe mode, where every '<'
// of the text is escaped and raw HTML is left out, so "<a href=" occurs only as a link cmark
// wrote.
std::string mark_links(std::string_view html) {
    constexpr std::string_view kLink = "<a href=\"";
    constexpr std::string_view kMarked = "<a rel=\"nofollow ugc\" href=\"";
    std::string out;
    out.reserve(html.size());
    size_t from = 0;
    for (size_t at = html.find(kLink); at != std::string_view::npos; at = html.find(kLink, from)) {
        out.append(html.substr(from, at - from));
        out.append(kMarked);
        from = at + kLink.size();
    }
    out.append(html.substr(from));
    return out;
}

Error refused(std::string message) {
    return Error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

std::string render_markdown(std::string_view markdown) {
    // CMARK_OPT_SAFE is cmark's default since 0.29 (raw HTML becomes "<!-- raw HTML omitted -->"
    // and javascript:, vbscript:, file: and non-image data: URLs become ""); it is named here
    // to say so. VALIDATE_UTF8 replaces invalid sequences (and NUL) with U+FFFD.
    constexpr int kOptions = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;
    std::unique_ptr<cmark_node, NodeFree> document(
        cmark_parse_document(markdown.data(), markdown.size(), kOptions));
    if (document == nullptr) return "";
    images_to_links(document.get());
    char* html = cmark_render_html(document.get(), kOptions);
    if (html == nullptr) return "";
    std::string out = mark_links(html);
    cmark_get_default_mem_allocator()->free(html);
    return out;
}

bool may(const User& user, const Comment& comment, CommentAction action) {
    switch (action) {
        case CommentAction::kEdit:
        case CommentAction::kDelete:
            return user.id == comment.user_id && !comment.deleted;
        case CommentAction::kHide:
            return is_curator(user) && !comment.deleted;
    }
    return false;
}

Comments::Comments(store::Store& store, CommentsOptions options)
    : store_(store), options_(std::move(options)) {}

Status Comments::check_body(std::string_view body) const {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return refused("a comment needs some text");
    }
    if (body.size() > options_.max_body_bytes) {
        return refused("a comment has at most " + std::to_string(options_.max_body_bytes) +
                       " bytes; this one has " + std::to_string(body.size()));
    }
    if (!is_valid_utf8(body) || body.find('\0') != std::string_view::npos) {
        return refused("a comment must be UTF-8 text without NUL bytes");
    }
    return Status::ok_status();
}

Result<std::optional<Comment>> Comments::find(int64_t id) { return store_.get_comment(id); }

Result<Comment> Comments::add(const User& user, const PaperId& paper, std::string_view body,
                              std::optional<int64_t> parent_id) {
    PAPERBOY_RETURN_IF_ERROR(check_body(body));
    const auto now = options_.now();
    auto recent = store_.comments_by_user_since(user.id, format_instant(now - options_.window));
    if (!recent.ok()) return recent.error();
    if (*recent >= options_.max_per_window) {
        return Error(ErrorCode::kLimitExceeded,
                     "you can write at most " + std::to_string(options_.max_per_window) +
                         " comments in " + std::to_string(options_.window.count()) +
                         " seconds; wait a little and try again");
    }
    Comment comment;
    comment.paper_id = paper;
    comment.user_id = user.id;
    comment.body = std::string(body);
    comment.created_at = format_instant(now);
    if (parent_id) {
        auto parent = store_.get_comment(*parent_id);
        if (!parent.ok()) return parent.error();
        if (!*parent || (*parent)->paper_id != paper) {
            return refused("there is no comment " + std::to_string(*parent_id) + " on " +
                           paper.str() + " to reply to");
        }
        if ((*parent)->deleted) return refused("the comment replied to was deleted");
        // One level: a reply to a reply joins the thread of the comment it replies to.
        comment.parent_id = (*parent)->parent_id != 0 ? (*parent)->parent_id : (*parent)->id;
    }
    return store_.add_comment(comment);
}

Result<Comment> Comments::edit(const User& user, const Comment& current, std::string_view body) {
    if (!may(user, current, CommentAction::kEdit)) {
        return refused("only its author may edit a comment");
    }
    PAPERBOY_RETURN_IF_ERROR(check_body(body));
    Comment edited = current;
    edited.body = std::string(body);
    edited.updated_at = format_instant(options_.now());
    return store_.update_comment(edited);
}

Result<Comment> Comments::remove(const User& user, const Comment& current) {
    if (!may(user, current, CommentAction::kDelete)) {
        return refused("only its author may delete a comment");
    }
    Comment deleted = current;
    deleted.deleted = true;
    deleted.updated_at = format_instant(options_.now());
    return store_.update_comment(deleted);
}

Result<Comment> Comments::set_hidden(const User& user, const Comment& current, bool hidden) {
    if (!may(user, current, CommentAction::kHide)) {
        return refused("only curators and admins hide comments");
    }
    Comment changed = current;
    changed.hidden = hidden;
    return store_.update_comment(changed);
}

Result<std::vector<CommentThread>> Comments::threads(const PaperId& paper,
                                                     const std::optional<User>& viewer) {
    auto all = store_.comments_for_paper(paper);
    if (!all.ok()) return all.error();
    auto view_of = [&viewer](const Comment& c) {
        CommentView v;
        v.comment = c;
        const bool privileged = viewer && (is_curator(*viewer) || viewer->id == c.user_id);
        v.body_shown = !c.deleted && (!c.hidden || privileged);
        if (v.body_shown) v.body_html = render_markdown(c.body);
        if (viewer) {
            v.may_edit = may(*viewer, c, CommentAction::kEdit);
            v.may_delete = may(*viewer, c, CommentAction::kDelete);
            v.may_hide = may(*viewer, c, CommentAction::kHide);
        }
        return v;
    };
    std::vector<CommentThread> threads;
    std::map<int64_t, size_t> thread_of;  // top-level comment id -> index in threads
    for (const Comment& c : *all) {       // oldest first: parents before their replies
        if (c.parent_id == 0) {
            thread_of[c.id] = threads.size();
            threads.push_back(CommentThread{view_of(c), {}});
        } else if (auto it = thread_of.find(c.parent_id); it != thread_of.end() && !c.deleted) {
            threads[it->second].replies.push_back(view_of(c));
        }
    }
    std::erase_if(threads, [](const CommentThread& t) {
        return t.comment.comment.deleted && t.replies.empty();
    });
    return threads;
}

}  // namespace paperboy::app
