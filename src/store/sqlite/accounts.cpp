// The people-and-votes part of SqliteStore (store/people.h, store/votes.h, docs/schema.md "Accounts
// and votes"): users, sessions, API tokens and votes, over the tables of schema step 4.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "core/timestamp.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store {

namespace sqlite {
Status SqliteStore::check_writable() const {
    if (read_only_) {
        return Error(ErrorCode::kInvalidArgument, database_name(path_) + " was opened read-only");
    }
    return Status::ok_status();
}

Result<int> SqliteStore::run_counting(Statement& stmt) {
    PAPERBOY_RETURN_IF_ERROR(stmt.run());
    return sqlite3_changes(db_);
}

Result<std::optional<User>> SqliteStore::read_user(Statement& s) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<User>();
    User user;
    user.id = s.column_int64(0);
    user.handle = s.column_string(1);
    user.email = s.column_string(2);
    user.password_hash = s.column_string(3);
    auto role = parse_role(s.column_text(4));
    if (!role) {
        return Error(ErrorCode::kCorruption, database_name(path_) + ": user " + user.handle +
                                                 " has an unknown role " +
                                                 std::string(s.column_text(4)));
    }
    user.role = *role;
    user.created_at = s.column_string(5);
    user.email_verified_at = s.column_string(6);
    return std::optional<User>(std::move(user));
}

Result<User> SqliteStore::create_user(const User& given) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    // Say which of the two is taken; the UNIQUE constraints stay the guard against races with
    // other processes.
    for (const auto& [what, value] :
         {std::pair{"handle", &given.handle}, std::pair{"email address", &given.email}}) {
        auto select = statement(Query::kSelectUserByName);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, *value);
        auto existing = read_user(**select);
        if (!existing.ok()) return existing.error();
        if (*existing) {
            return Error(ErrorCode::kAlreadyExists,
                         std::string("the ") + what + " " + *value + " is already taken");
        }
    }
    User user = given;
    user.created_at = now_timestamp();
    auto insert = statement(Query::kInsertUser);
    if (!insert.ok()) return insert.error();
    ScopedReset reset(**insert);
    (*insert)->bind(1, user.handle);
    (*insert)->bind(2, user.email);
    (*insert)->bind(3, user.password_hash);
    (*insert)->bind(4, role_name(user.role));
    (*insert)->bind(5, user.created_at);
    (*insert)->bind(6, user.email_verified_at);
    if (Status s = (*insert)->run(); !s.ok()) {
        if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
            return Error(ErrorCode::kAlreadyExists, "the handle or email address is already taken");
        }
        return s.error();
    }
    user.id = sqlite3_last_insert_rowid(db_);
    return user;
}

Result<std::optional<User>> SqliteStore::find_user(std::string_view handle_or_email) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectUserByName);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, handle_or_email);
    return read_user(**select);
}

Result<std::optional<User>> SqliteStore::user_by_id(int64_t id) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectUserById);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, id);
    return read_user(**select);
}

Status SqliteStore::set_role(int64_t user_id, Role role) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(Query::kUpdateRole);
    if (!update.ok()) return update.error();
    ScopedReset reset(**update);
    (*update)->bind(1, user_id);
    (*update)->bind(2, role_name(role));
    auto changed = run_counting(**update);
    if (!changed.ok()) return changed.error();
    if (*changed == 0) {
        return Error(ErrorCode::kNotFound, "no user with id " + std::to_string(user_id));
    }
    return Status::ok_status();
}

Status SqliteStore::add_session(std::string_view token_digest, int64_t user_id,
                                std::string_view expires_at) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto insert = statement(Query::kInsertSession);
    if (!insert.ok()) return insert.error();
    ScopedReset reset(**insert);
    const std::string now = now_timestamp();
    (*insert)->bind(1, token_digest);
    (*insert)->bind(2, user_id);
    (*insert)->bind(3, now);
    (*insert)->bind(4, expires_at);
    return (*insert)->run();
}

Result<std::optional<User>> SqliteStore::session_user(std::string_view token_digest,
                                                      std::string_view now) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectSessionUser);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, token_digest);
    (*select)->bind(2, now);
    return read_user(**select);
}

Status SqliteStore::remove_session(std::string_view token_digest) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto del = statement(Query::kDeleteSession);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, token_digest);
    return (*del)->run();
}

Status SqliteStore::remove_sessions(int64_t user_id) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto del = statement(Query::kDeleteUserSessions);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, user_id);
    return (*del)->run();
}

Result<int64_t> SqliteStore::add_api_token(int64_t user_id, std::string_view token_digest,
                                           std::string_view name) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto insert = statement(Query::kInsertApiToken);
    if (!insert.ok()) return insert.error();
    ScopedReset reset(**insert);
    const std::string now = now_timestamp();
    (*insert)->bind(1, token_digest);
    (*insert)->bind(2, user_id);
    (*insert)->bind(3, name);
    (*insert)->bind(4, now);
    PAPERBOY_RETURN_IF_ERROR((*insert)->run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<std::optional<User>> SqliteStore::api_token_user(std::string_view token_digest,
                                                        std::string_view now) {
    std::lock_guard lock(mu_);
    std::optional<User> user;
    {
        auto select = statement(Query::kSelectApiTokenUser);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, token_digest);
        auto found = read_user(**select);
        if (!found.ok()) return found.error();
        user = std::move(found).value();
    }
    if (user && !read_only_) {
        auto touch = statement(Query::kTouchApiToken);
        if (!touch.ok()) return touch.error();
        ScopedReset reset(**touch);
        (*touch)->bind(1, token_digest);
        (*touch)->bind(2, now);
        PAPERBOY_RETURN_IF_ERROR((*touch)->run());
    }
    return user;
}

Result<std::vector<ApiTokenInfo>> SqliteStore::api_tokens(int64_t user_id) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectApiTokens);
    if (!select.ok()) return select.error();
    Statement& s = **select;
    ScopedReset reset(s);
    s.bind(1, user_id);
    std::vector<ApiTokenInfo> out;
    for (;;) {
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        out.push_back(ApiTokenInfo{s.column_int64(0), s.column_string(1), s.column_string(2),
                                   s.column_string(3)});
    }
}

Result<bool> SqliteStore::revoke_api_token(int64_t user_id, int64_t token_id) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto del = statement(Query::kDeleteApiToken);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, user_id);
    (*del)->bind(2, token_id);
    auto changed = run_counting(**del);
    if (!changed.ok()) return changed.error();
    return *changed > 0;
}

Result<VoteOutcome> SqliteStore::set_vote(int64_t user_id, const PaperId& paper, bool up) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string& id = paper.str();
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    {
        auto select = statement(Query::kSelectPaperDeleted);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, id);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (!*row || (*select)->column_int(0) != 0) {
            return Error(ErrorCode::kNotFound, "no paper " + id);
        }
    }
    VoteOutcome outcome;
    {
        auto change = statement(up ? Query::kInsertVote : Query::kDeleteVote);
        if (!change.ok()) return change.error();
        ScopedReset reset(**change);
        (*change)->bind(1, user_id);
        (*change)->bind(2, id);
        const std::string now = now_timestamp();
        if (up) (*change)->bind(3, now);
        auto changed = run_counting(**change);
        if (!changed.ok()) return changed.error();
        outcome.changed = *changed > 0;
    }
    if (outcome.changed) {
        // On the feed as a change of the paper: caches of lists and pages that show it refresh.
        auto seq = record_change("paper", id, "", false);
        if (!seq.ok()) return seq.error();
        auto update = statement(Query::kAddPaperVotes);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, id);
        (*update)->bind(2, up ? 1 : -1);
        (*update)->bind(3, *seq);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
    }
    {
        auto select = statement(Query::kSelectPaperVotes);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, id);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        outcome.votes = *row ? (*select)->column_int(0) : 0;
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    if (outcome.changed) feed_written();
    return outcome;
}

Status SqliteStore::apply_remove_daily_entry(const std::string& date, const PaperId& id,
                                             WriteCounts& counts) {
    auto del = statement(Query::kDeleteEntry);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, date);
    (*del)->bind(2, id.str());
    auto changed = run_counting(**del);
    if (!changed.ok()) return changed.error();
    if (*changed == 0) return Status::ok_status();
    ++counts.entries_removed;
    // The entry's feed record moves to the end: followers re-read the paper's lists.
    auto seq = record_change("daily_entry", id.str(), date, false);
    if (!seq.ok()) return seq.error();
    return Status::ok_status();
}

Result<std::vector<DailyEntry>> SqliteStore::entries_submitted_by(std::string_view handle,
                                                                  size_t limit) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectEntriesBySubmitter);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, handle);
    (*select)->bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    return read_entries(**select);
}

Result<std::vector<PaperId>> SqliteStore::voted_papers(int64_t user_id, size_t limit) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectVotedPapers);
    if (!select.ok()) return select.error();
    Statement& s = **select;
    ScopedReset reset(s);
    s.bind(1, user_id);
    s.bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<PaperId> out;
    for (;;) {
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        auto id = PaperId::parse(s.column_text(0));
        if (!id.ok()) {
            return Error(ErrorCode::kCorruption,
                         database_name(path_) + ": a vote names an unreadable paper id");
        }
        out.push_back(std::move(id).value());
    }
}

Status SqliteStore::put_organization(const Organization& organization) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto upsert = statement(Query::kUpsertOrganization);
    if (!upsert.ok()) return upsert.error();
    ScopedReset reset(**upsert);
    const std::string now = now_timestamp();
    (*upsert)->bind(1, organization.name);
    (*upsert)->bind(2, organization.full_name);
    (*upsert)->bind(3, organization.avatar_url);
    (*upsert)->bind(4, now);
    return (*upsert)->run();
}

Result<std::optional<Organization>> SqliteStore::organization(std::string_view name) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectOrganization);
    if (!select.ok()) return select.error();
    Statement& s = **select;
    ScopedReset reset(s);
    s.bind(1, name);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<Organization>();
    return std::optional<Organization>(
        Organization{s.column_string(0), s.column_string(1), s.column_string(2)});
}

Result<int> SqliteStore::paper_votes(const PaperId& paper) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectPaperVotes);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, paper.str());
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    return *row ? (*select)->column_int(0) : 0;
}

Result<std::vector<bool>> SqliteStore::has_voted(int64_t user_id,
                                                 const std::vector<PaperId>& papers) {
    std::lock_guard lock(mu_);
    std::vector<bool> out;
    out.reserve(papers.size());
    for (const PaperId& paper : papers) {
        auto select = statement(Query::kSelectHasVoted);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, user_id);
        (*select)->bind(2, paper.str());
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        out.push_back(*row);
    }
    return out;
}

}  // namespace sqlite
}  // namespace paperboy::store
