// The people-and-votes part of PostgresStore (store/people.h, store/votes.h; docs/schema.md
// "Accounts and votes"): users, sessions, API tokens and votes, over the tables of schema
// step 4. A vote changes the paper's count and its place on the change feed under the feed
// lock, like every feed writer.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_set>

#include "core/timestamp.h"
#include "store/postgres/connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace paperboy::store::postgres {
namespace {

int64_t clamp_limit(size_t limit) {
    return static_cast<int64_t>(
        std::min(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// The user of `row` (columns as queries::kUserCols).
Result<User> read_user(const PgResult& r, int row) {
    User user;
    user.id = r.int64(row, 0);
    user.handle = r.string(row, 1);
    user.email = r.string(row, 2);
    user.password_hash = r.string(row, 3);
    auto role = parse_role(r.text(row, 4));
    if (!role) {
        return Error(ErrorCode::kCorruption,
                     "user " + user.handle + " has an unknown role " + r.string(row, 4));
    }
    user.role = *role;
    user.created_at = r.string(row, 5);
    user.email_verified_at = r.string(row, 6);
    return user;
}

// The first row's user, or nullopt.
Result<std::optional<User>> first_user(Connection& c, Query q, std::initializer_list<Param> p) {
    auto r = c.run(q, p);
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<User>();
    auto user = read_user(*r, 0);
    if (!user.ok()) return user.error();
    return std::optional<User>(std::move(user).value());
}

}  // namespace

Result<User> PostgresStore::create_user(const User& given) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    User user = given;
    user.created_at = now_timestamp();
    if (Status done = with_connection([&](Connection& c) -> Status {
            // Say which of the two is taken; the unique indexes stay the guard against races.
            for (const auto& [what, value] :
                 {std::pair{"handle", &given.handle}, std::pair{"email address", &given.email}}) {
                auto existing = first_user(c, Query::kSelectUserByName, {*value});
                if (!existing.ok()) return existing.error();
                if (*existing) {
                    return Error(ErrorCode::kAlreadyExists,
                                 std::string("the ") + what + " " + *value + " is already taken");
                }
            }
            auto r = c.run(Query::kInsertUser,
                           {user.handle, user.email, user.password_hash, role_name(user.role),
                            user.created_at, user.email_verified_at});
            if (!r.ok()) {
                if (c.last_sqlstate() == kUniqueViolation) {
                    return Error(ErrorCode::kAlreadyExists,
                                 "the handle or email address is already taken");
                }
                return r.error();
            }
            user.id = r->int64(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return user;
}

Result<std::optional<User>> PostgresStore::find_user(std::string_view handle_or_email) {
    std::optional<User> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto found = first_user(c, Query::kSelectUserByName, {handle_or_email});
            if (!found.ok()) return found.error();
            out = std::move(found).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<User>> PostgresStore::user_by_id(int64_t id) {
    std::optional<User> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto found = first_user(c, Query::kSelectUserById, {id});
            if (!found.ok()) return found.error();
            out = std::move(found).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::set_role(int64_t user_id, Role role) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kUpdateRole, {user_id, role_name(role)});
        if (!r.ok()) return r.error();
        if (r->affected() == 0) {
            return Error(ErrorCode::kNotFound, "no user with id " + std::to_string(user_id));
        }
        return Status::ok_status();
    });
}

Status PostgresStore::add_session(std::string_view token_digest, int64_t user_id,
                                  std::string_view expires_at) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string now = now_timestamp();
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kInsertSession, {token_digest, user_id, now, expires_at});
        return r.ok() ? Status::ok_status() : Status(r.error());
    });
}

Result<std::optional<User>> PostgresStore::session_user(std::string_view token_digest,
                                                        std::string_view now) {
    std::optional<User> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto found = first_user(c, Query::kSelectSessionUser, {token_digest, now});
            if (!found.ok()) return found.error();
            out = std::move(found).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::remove_session(std::string_view token_digest) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kDeleteSession, {token_digest});
        return r.ok() ? Status::ok_status() : Status(r.error());
    });
}

Status PostgresStore::remove_sessions(int64_t user_id) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kDeleteUserSessions, {user_id});
        return r.ok() ? Status::ok_status() : Status(r.error());
    });
}

Result<int64_t> PostgresStore::add_api_token(int64_t user_id, std::string_view token_digest,
                                             std::string_view name) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string now = now_timestamp();
    int64_t id = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kInsertApiToken, {token_digest, user_id, name, now});
            if (!r.ok()) return r.error();
            id = r->int64(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return id;
}

Result<std::optional<User>> PostgresStore::api_token_user(std::string_view token_digest,
                                                          std::string_view now) {
    std::optional<User> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto found = first_user(c, Query::kSelectApiTokenUser, {token_digest});
            if (!found.ok()) return found.error();
            out = std::move(found).value();
            if (out && !read_only_) {
                auto touched = c.run(Query::kTouchApiToken, {token_digest, now});
                if (!touched.ok()) return touched.error();
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<ApiTokenInfo>> PostgresStore::api_tokens(int64_t user_id) {
    std::vector<ApiTokenInfo> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectApiTokens, {user_id});
            if (!r.ok()) return r.error();
            out.clear();
            for (int row = 0; row < r->rows(); ++row) {
                out.push_back(ApiTokenInfo{r->int64(row, 0), r->string(row, 1), r->string(row, 2),
                                           r->string(row, 3)});
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<bool> PostgresStore::revoke_api_token(int64_t user_id, int64_t token_id) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    bool revoked = false;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kDeleteApiToken, {user_id, token_id});
            if (!r.ok()) return r.error();
            revoked = r->affected() > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return revoked;
}

Result<VoteOutcome> PostgresStore::set_vote(int64_t user_id, const PaperId& paper, bool up) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string& id = paper.str();
    const std::string now = now_timestamp();
    VoteOutcome outcome;
    if (Status done = with_connection([&](Connection& c) -> Status {
            Transaction transaction(c);
            PAPERBOY_RETURN_IF_ERROR(transaction.begin());
            auto paper_row = c.run(Query::kSelectPaperDeleted, {id});
            if (!paper_row.ok()) return paper_row.error();
            if (paper_row->rows() == 0 || paper_row->boolean(0, 0)) {
                return Error(ErrorCode::kNotFound, "no paper " + id);
            }
            auto change = up ? c.run(Query::kInsertVote, {user_id, id, now})
                             : c.run(Query::kDeleteVote, {user_id, id});
            if (!change.ok()) return change.error();
            outcome.changed = change->affected() > 0;
            if (outcome.changed) {
                // On the feed as a change of the paper: caches of lists and pages that show it
                // refresh. The paper's row is locked only now, under the feed lock.
                auto seq = lock_feed(c);
                if (!seq.ok()) return seq.error();
                auto counted = c.run(Query::kAddPaperVotes, {id, up ? 1 : -1, *seq});
                if (!counted.ok()) return counted.error();
                if (counted->rows() == 0) return Error(ErrorCode::kNotFound, "no paper " + id);
                outcome.votes = counted->integer(0, 0);
                PAPERBOY_RETURN_IF_ERROR(record_changes(
                    c, {BatchPlan::ChangeRecord{Change::Entity::kPaper, id, "", false, *seq}}));
            } else {
                auto votes = c.run(Query::kSelectPaperVotes, {id});
                if (!votes.ok()) return votes.error();
                outcome.votes = votes->rows() > 0 ? votes->integer(0, 0) : 0;
            }
            return transaction.commit();
        });
        !done.ok()) {
        return done.error();
    }
    return outcome;
}

Result<int> PostgresStore::paper_votes(const PaperId& paper) {
    int votes = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectPaperVotes, {paper.str()});
            if (!r.ok()) return r.error();
            votes = r->rows() > 0 ? r->integer(0, 0) : 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return votes;
}

Result<std::vector<bool>> PostgresStore::has_voted(int64_t user_id,
                                                   const std::vector<PaperId>& papers) {
    std::vector<bool> out(papers.size(), false);
    if (papers.empty()) return out;
    const std::string array = id_array(papers);
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectVotedAmong, {user_id, Param::binary(array)});
            if (!r.ok()) return r.error();
            std::unordered_set<std::string_view> voted;
            for (int row = 0; row < r->rows(); ++row) voted.insert(r->text(row, 0));
            for (size_t i = 0; i < papers.size(); ++i) out[i] = voted.count(papers[i].str()) > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<PaperId>> PostgresStore::voted_papers(int64_t user_id, size_t limit) {
    std::vector<PaperId> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectVotedPapers, {user_id, clamp_limit(limit)});
            if (!r.ok()) return r.error();
            out.clear();
            for (int row = 0; row < r->rows(); ++row) {
                auto id = stored_id(r->text(row, 0));
                if (!id.ok()) return id.error();
                out.push_back(std::move(id).value());
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

}  // namespace paperboy::store::postgres
