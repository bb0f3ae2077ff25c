// store/comments.h — comments as the store keeps them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/comment.h"
#include "core/paper.h"
#include "core/result.h"

namespace paperboy::store {

// Members' comments on papers (docs/schema.md, "Comments"): the Markdown source and its
// visibility; app/comments.h holds the rules.
class Comments {
  public:
    virtual ~Comments() = default;

    // Adds a comment (paper_id, user_id, parent_id, body, created_at; updated_at becomes
    // created_at) and returns it with its id and author. A visible comment counts in the paper's
    // comments, in one transaction, and puts the paper on the change feed. kNotFound for an
    // unknown or hidden paper; kInvalidArgument when parent_id is not a comment of that paper.
    virtual Result<Comment> add_comment(const Comment& comment) = 0;
    // The comment with this id (deleted or hidden ones too), or nullopt.
    virtual Result<std::optional<Comment>> get_comment(int64_t id) = 0;
    // Sets a comment's body, updated_at, hidden and deleted from `comment` (matched by id; the
    // other fields are ignored) and returns it as stored. When its visibility changes, the
    // paper's count follows and the paper goes on the change feed. kNotFound for an unknown id.
    virtual Result<Comment> update_comment(const Comment& comment) = 0;
    // Every comment of a paper, deleted and hidden ones too, oldest first.
    virtual Result<std::vector<Comment>> comments_for_paper(const PaperId& paper) = 0;
    // The visible comments of each of `papers`, in order (0 for unknown ones).
    virtual Result<std::vector<int>> comment_counts(const std::vector<PaperId>& papers) = 0;
    // How many comments the user wrote at or after `since` (a timestamp), deleted ones too.
    virtual Result<int> comments_by_user_since(int64_t user_id, std::string_view since) = 0;
};

}  // namespace paperboy::store
