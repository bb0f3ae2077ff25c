// The comments part of PostgresStore (store/comments.h; docs/schema.md "Comments"): the
// comments table of schema step 5 and the papers.comment_count it keeps. Bodies are bytea
// (any bytes, as SQLite keeps them); the count and the paper's place on the change feed move
// under the feed lock.
#include <unordered_map>

#include "store/postgres/connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/rules.h"

namespace paperboy::store::postgres {
namespace {

// The comment of `row` (columns as queries::kCommentCols).
Result<Comment> read_comment(const PgResult& r, int row) {
    Comment c;
    c.id = r.int64(row, 0);
    auto paper = PaperId::parse(r.text(row, 1));
    if (!paper.ok()) {
        return Error(ErrorCode::kCorruption,
                     "comment " + std::to_string(c.id) +
                         " names a paper id that does not parse: " + paper.error().message());
    }
    c.paper_id = std::move(paper).value();
    c.user_id = r.int64(row, 2);
    c.author_handle = r.string(row, 3);
    c.parent_id = r.int64(row, 4);
    c.body = r.bytes(row, 5);
    c.created_at = r.string(row, 6);
    c.updated_at = r.string(row, 7);
    c.hidden = r.boolean(row, 8);
    c.deleted = r.boolean(row, 9);
    return c;
}

Result<std::optional<Comment>> first_comment(Connection& c, Query q, int64_t id) {
    auto r = c.run(q, {id});
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<Comment>();
    auto comment = read_comment(*r, 0);
    if (!comment.ok()) return comment.error();
    return std::optional<Comment>(std::move(comment).value());
}

// Moves the paper's count of visible comments by `delta` and the paper to the end of the feed,
// under the feed lock. With `visible_only`, a paper hidden meanwhile is kNotFound.
Status count_and_record(Connection& c, const std::string& paper, int delta, bool visible_only) {
    auto seq = lock_feed(c);
    if (!seq.ok()) return seq.error();
    auto counted = c.run(Query::kAddPaperComments, {paper, delta, *seq, visible_only});
    if (!counted.ok()) return counted.error();
    if (counted->affected() == 0) return Error(ErrorCode::kNotFound, "no paper " + paper);
    return record_changes(
        c, {BatchPlan::ChangeRecord{Change::Entity::kPaper, paper, "", false, *seq}});
}

}  // namespace

Result<Comment> PostgresStore::add_comment(const Comment& given) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string& paper = given.paper_id.str();
    Comment out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            Transaction transaction(c);
            PAPERBOY_RETURN_IF_ERROR(transaction.begin());
            auto paper_row = c.run(Query::kSelectPaperDeleted, {paper});
            if (!paper_row.ok()) return paper_row.error();
            if (paper_row->rows() == 0 || paper_row->boolean(0, 0)) {
                return Error(ErrorCode::kNotFound, "no paper " + paper);
            }
            if (given.parent_id != 0) {
                auto parent = first_comment(c, Query::kSelectComment, given.parent_id);
                if (!parent.ok()) return parent.error();
                if (!*parent || (*parent)->paper_id != given.paper_id) {
                    return Error(ErrorCode::kInvalidArgument, "comment " +
                                                                  std::to_string(given.parent_id) +
                                                                  " is not a comment on " + paper);
                }
            }
            auto inserted =
                c.run(Query::kInsertComment, {paper, given.user_id, given.parent_id,
                                              Param::binary(given.body), given.created_at});
            if (!inserted.ok()) {
                if (c.last_sqlstate() == kForeignKeyViolation) {
                    return Error(ErrorCode::kNotFound, "no user " + std::to_string(given.user_id));
                }
                return inserted.error();
            }
            const int64_t id = inserted->int64(0, 0);
            PAPERBOY_RETURN_IF_ERROR(count_and_record(c, paper, 1, true));
            auto stored = first_comment(c, Query::kSelectComment, id);
            if (!stored.ok()) return stored.error();
            if (!*stored) return Error(ErrorCode::kInternal, "a new comment vanished");
            out = std::move(**stored);
            return transaction.commit();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<Comment>> PostgresStore::get_comment(int64_t id) {
    std::optional<Comment> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto found = first_comment(c, Query::kSelectComment, id);
            if (!found.ok()) return found.error();
            out = std::move(found).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<Comment> PostgresStore::update_comment(const Comment& given) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Comment out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            Transaction transaction(c);
            PAPERBOY_RETURN_IF_ERROR(transaction.begin());
            auto before = first_comment(c, Query::kSelectCommentForUpdate, given.id);
            if (!before.ok()) return before.error();
            if (!*before)
                return Error(ErrorCode::kNotFound, "no comment " + std::to_string(given.id));
            auto updated =
                c.run(Query::kUpdateComment, {given.id, Param::binary(given.body), given.updated_at,
                                              given.hidden, given.deleted});
            if (!updated.ok()) return updated.error();
            // Every change shows on the paper's page, so the paper goes on the feed either way;
            // the count moves only when the comment appears or disappears.
            const int delta =
                rules::comment_count_delta((*before)->visible(), !given.hidden && !given.deleted);
            PAPERBOY_RETURN_IF_ERROR(count_and_record(c, (*before)->paper_id.str(), delta, false));
            auto after = first_comment(c, Query::kSelectComment, given.id);
            if (!after.ok()) return after.error();
            if (!*after) return Error(ErrorCode::kInternal, "an updated comment vanished");
            out = std::move(**after);
            return transaction.commit();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<Comment>> PostgresStore::comments_for_paper(const PaperId& paper) {
    std::vector<Comment> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectPaperComments, {paper.str()});
            if (!r.ok()) return r.error();
            out.clear();
            for (int row = 0; row < r->rows(); ++row) {
                auto comment = read_comment(*r, row);
                if (!comment.ok()) return comment.error();
                out.push_back(std::move(comment).value());
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<int>> PostgresStore::comment_counts(const std::vector<PaperId>& papers) {
    std::vector<int> out(papers.size(), 0);
    if (papers.empty()) return out;
    const std::string array = id_array(papers);
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectCommentCounts, {Param::binary(array)});
            if (!r.ok()) return r.error();
            std::unordered_map<std::string_view, int> count_of;
            for (int row = 0; row < r->rows(); ++row)
                count_of[r->text(row, 0)] = r->integer(row, 1);
            for (size_t i = 0; i < papers.size(); ++i) {
                const auto it = count_of.find(papers[i].str());
                out[i] = it == count_of.end() ? 0 : it->second;
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<int> PostgresStore::comments_by_user_since(int64_t user_id, std::string_view since) {
    int count = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kCountUserComments, {user_id, since});
            if (!r.ok()) return r.error();
            count = r->integer(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return count;
}

}  // namespace paperboy::store::postgres
