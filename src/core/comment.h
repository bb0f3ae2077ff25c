// core/comment.h — a member's comment on a paper. The store keeps the Markdown source only;
// app/comments.h holds the rules (who may do what, replies one level deep, limits) and renders
// the Markdown. Plain values; depends on core/paper.h.
#pragma once

#include <cstdint>
#include <string>

#include "core/paper.h"

namespace paperboy {

struct Comment {
    int64_t id = 0;
    PaperId paper_id = PaperId::local_from_title("");
    int64_t user_id = 0;
    std::string author_handle;  // read from the author's user row; ignored on writes
    int64_t parent_id = 0;      // 0: a top-level comment; else the top-level comment replied to
    std::string body;           // Markdown, as written
    std::string created_at;     // YYYY-MM-DDTHH:MM:SSZ
    std::string updated_at;     // == created_at until edited
    bool hidden = false;        // by a curator or admin
    bool deleted = false;       // by its author; kept so that its replies keep their place

    // Counted in the paper's comments (and shown with its body to everyone).
    bool visible() const { return !hidden && !deleted; }

    friend bool operator==(const Comment&, const Comment&) = default;
};

}  // namespace paperboy
