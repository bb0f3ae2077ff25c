// The comments part of SqliteStore (store/comments.h, docs/schema.md "Comments"): the comments
// table of schema step 5 and the papers.comment_count it keeps, the way votes keep papers.votes.
// Depends on store/sqlite/statement.h and SQLite.
#include <sqlite3.h>

#include "store/rules.h"
#include "store/sqlite/read_snapshot.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

// The comment of the statement's current row (columns as queries::kCommentCols).
Result<Comment> read_comment(const Statement& s) {
    Comment c;
    c.id = s.column_int64(0);
    auto paper = PaperId::parse(s.column_text(1));
    if (!paper.ok()) {
        return Error(ErrorCode::kCorruption,
                     "comment " + std::to_string(c.id) +
                         " names a paper id that does not parse: " + paper.error().message());
    }
    c.paper_id = std::move(paper).value();
    c.user_id = s.column_int64(2);
    c.author_handle = s.column_string(3);
    c.parent_id = s.column_int64(4);
    c.body = s.column_string(5);
    c.created_at = s.column_string(6);
    c.updated_at = s.column_string(7);
    c.hidden = s.column_int(8) != 0;
    c.deleted = s.column_int(9) != 0;
    return c;
}

}  // namespace

Result<std::optional<Comment>> SqliteStore::read_comment_locked(int64_t id) {
    auto select = statement(Query::kSelectComment);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, id);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<Comment>();
    auto comment = read_comment(**select);
    if (!comment.ok()) return comment.error();
    return std::optional<Comment>(std::move(comment).value());
}

Result<Comment> SqliteStore::add_comment(const Comment& given) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string& paper = given.paper_id.str();
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    {
        auto select = statement(Query::kSelectPaperDeleted);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, paper);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (!*row || (*select)->column_int(0) != 0) {
            return Error(ErrorCode::kNotFound, "no paper " + paper);
        }
    }
    if (given.parent_id != 0) {
        auto parent = read_comment_locked(given.parent_id);
        if (!parent.ok()) return parent.error();
        if (!*parent || (*parent)->paper_id != given.paper_id) {
            return Error(ErrorCode::kInvalidArgument, "comment " + std::to_string(given.parent_id) +
                                                          " is not a comment on " + paper);
        }
    }
    int64_t id = 0;
    {
        auto insert = statement(Query::kInsertComment);
        if (!insert.ok()) return insert.error();
        ScopedReset reset(**insert);
        (*insert)->bind(1, paper);
        (*insert)->bind(2, given.user_id);
        (*insert)->bind(3, given.parent_id);
        (*insert)->bind(4, given.body);
        (*insert)->bind(5, given.created_at);
        if (Status s = (*insert)->run(); !s.ok()) {
            if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_FOREIGNKEY) {
                return Error(ErrorCode::kNotFound, "no user " + std::to_string(given.user_id));
            }
            return s.error();
        }
        id = sqlite3_last_insert_rowid(db_);
    }
    {
        // On the feed as a change of the paper: cached pages showing its count refresh.
        auto seq = record_change("paper", paper, "", false);
        if (!seq.ok()) return seq.error();
        auto update = statement(Query::kAddPaperComments);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, paper);
        (*update)->bind(2, 1);
        (*update)->bind(3, *seq);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
    }
    auto stored = read_comment_locked(id);
    if (!stored.ok()) return stored.error();
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    feed_written();
    return std::move(**stored);
}

Result<std::optional<Comment>> SqliteStore::get_comment(int64_t id) {
    std::lock_guard lock(mu_);
    return read_comment_locked(id);
}

Result<Comment> SqliteStore::update_comment(const Comment& given) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    auto before = read_comment_locked(given.id);
    if (!before.ok()) return before.error();
    if (!*before) return Error(ErrorCode::kNotFound, "no comment " + std::to_string(given.id));
    {
        auto update = statement(Query::kUpdateComment);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, given.id);
        (*update)->bind(2, given.body);
        (*update)->bind(3, given.updated_at);
        (*update)->bind(4, given.hidden ? 1 : 0);
        (*update)->bind(5, given.deleted ? 1 : 0);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
    }
    const bool was_visible = (*before)->visible();
    const bool is_visible = !given.hidden && !given.deleted;
    // Every change shows on the paper's page, so the paper goes on the feed either way; the
    // count moves only when the comment appears or disappears.
    const std::string& paper = (*before)->paper_id.str();
    auto seq = record_change("paper", paper, "", false);
    if (!seq.ok()) return seq.error();
    {
        auto update = statement(Query::kAddPaperComments);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, paper);
        (*update)->bind(2, rules::comment_count_delta(was_visible, is_visible));
        (*update)->bind(3, *seq);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
    }
    auto after = read_comment_locked(given.id);
    if (!after.ok()) return after.error();
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    feed_written();
    return std::move(**after);
}

Result<std::vector<Comment>> SqliteStore::comments_for_paper(const PaperId& paper) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectPaperComments);
    if (!select.ok()) return select.error();
    Statement& s = **select;
    ScopedReset reset(s);
    s.bind(1, paper.str());
    std::vector<Comment> out;
    for (;;) {
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        auto comment = read_comment(s);
        if (!comment.ok()) return comment.error();
        out.push_back(std::move(comment).value());
    }
}

Result<std::vector<int>> SqliteStore::comment_counts(const std::vector<PaperId>& papers) {
    std::lock_guard lock(mu_);
    const ReadSnapshot snapshot(*this);
    std::vector<int> out;
    out.reserve(papers.size());
    for (const PaperId& paper : papers) {
        auto select = statement(Query::kSelectCommentCount);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, paper.str());
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        out.push_back(*row ? (*select)->column_int(0) : 0);
    }
    return out;
}

Result<int> SqliteStore::comments_by_user_since(int64_t user_id, std::string_view since) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kCountUserComments);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, user_id);
    (*select)->bind(2, since);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    return *row ? (*select)->column_int(0) : 0;
}

}  // namespace paperboy::store::sqlite
