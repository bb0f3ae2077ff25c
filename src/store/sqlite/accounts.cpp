// The people-and-votes part of SqliteStore (store/people.h, store/votes.h, docs/schema.md "Accounts and
// votes"): users, sessions, API tokens and votes, over the tables of schema step 4.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "core/timestamp.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store {

namespace sqlite {
namespace {

// The columns read_user() reads, in its order; a NULL email_verified_at (never) reads as "".
constexpr std::string_view kUserCols =
    "u.id, u.handle, u.email, u.password_hash, u.role, u.created_at, u.email_verified_at";

}  // namespace

std::string SqliteStore::accounts_sql_text(Query query) {
    const std::string user_cols(kUserCols);
    switch (query) {
        case kInsertUser:
            return "INSERT INTO users (handle, email, password_hash, role, created_at, "
                   "email_verified_at) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, ''))";
        case kSelectUserByName:
            // Both columns compare with NOCASE, their declared collation.
            return "SELECT " + user_cols +
                   " FROM users u WHERE u.handle = ?1 OR u.email = ?1 LIMIT 1";
        case kSelectUserById:
            return "SELECT " + user_cols + " FROM users u WHERE u.id = ?1";
        case kUpdateRole:
            return "UPDATE users SET role = ?2 WHERE id = ?1";
        case kInsertSession:
            return "INSERT INTO sessions (token_digest, user_id, created_at, expires_at) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case kSelectSessionUser:
            return "SELECT " + user_cols +
                   " FROM sessions s JOIN users u ON u.id = s.user_id "
                   "WHERE s.token_digest = ?1 AND s.expires_at > ?2";
        case kDeleteSession:
            return "DELETE FROM sessions WHERE token_digest = ?1";
        case kDeleteUserSessions:
            return "DELETE FROM sessions WHERE user_id = ?1";
        case kInsertApiToken:
            return "INSERT INTO api_tokens (token_digest, user_id, name, created_at) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case kSelectApiTokenUser:
            return "SELECT " + user_cols +
                   " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_digest = ?1";
        case kTouchApiToken:
            return "UPDATE api_tokens SET last_used_at = ?2 WHERE token_digest = ?1";
        case kSelectApiTokens:
            return "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1 "
                   "ORDER BY id";
        case kDeleteApiToken:
            return "DELETE FROM api_tokens WHERE user_id = ?1 AND id = ?2";
        case kInsertVote:
            return "INSERT OR IGNORE INTO votes (user_id, paper_id, created_at) VALUES (?1, ?2, "
                   "?3)";
        case kDeleteVote:
            return "DELETE FROM votes WHERE user_id = ?1 AND paper_id = ?2";
        case kAddPaperVotes:
            return "UPDATE papers SET votes = votes + ?2, seq = ?3 WHERE id = ?1";
        case kSelectPaperVotes:
            return "SELECT votes FROM papers WHERE id = ?1";
        case kSelectHasVoted:
            return "SELECT 1 FROM votes WHERE user_id = ?1 AND paper_id = ?2";
        case kDeleteEntry:
            return "DELETE FROM daily_entries WHERE date = ?1 AND paper_id = ?2";
        case kSelectEntriesBySubmitter:
            // The columns read_entries() reads (sqlite_store.cpp's entry_cols).
            return "SELECT e.paper_id, e.date, e.submitted_by, e.submitted_at, "
                   "e.upvotes + p.votes, e.num_comments FROM daily_entries e "
                   "JOIN papers p ON p.id = e.paper_id WHERE e.submitted_by = ?1 AND "
                   "p.deleted = 0 ORDER BY e.date DESC, e.submitted_at DESC LIMIT ?2";
        case kUpsertOrganization:
            return "INSERT INTO organizations (name, full_name, avatar_url, updated_at) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
                   "full_name = excluded.full_name, avatar_url = excluded.avatar_url, "
                   "updated_at = excluded.updated_at";
        case kSelectOrganization:
            return "SELECT name, full_name, avatar_url FROM organizations WHERE name = ?1";
        case kSelectVotedPapers:
            return "SELECT v.paper_id FROM votes v JOIN papers p ON p.id = v.paper_id "
                   "WHERE v.user_id = ?1 AND p.deleted = 0 ORDER BY v.created_at DESC, "
                   "v.paper_id LIMIT ?2";
        default:
            return comments_sql_text(query);
    }
}

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
        auto select = statement(kSelectUserByName);
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
    auto insert = statement(kInsertUser);
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
    auto select = statement(kSelectUserByName);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, handle_or_email);
    return read_user(**select);
}

Result<std::optional<User>> SqliteStore::user_by_id(int64_t id) {
    std::lock_guard lock(mu_);
    auto select = statement(kSelectUserById);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, id);
    return read_user(**select);
}

Status SqliteStore::set_role(int64_t user_id, Role role) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(kUpdateRole);
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
    auto insert = statement(kInsertSession);
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
    auto select = statement(kSelectSessionUser);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, token_digest);
    (*select)->bind(2, now);
    return read_user(**select);
}

Status SqliteStore::remove_session(std::string_view token_digest) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto del = statement(kDeleteSession);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, token_digest);
    return (*del)->run();
}

Status SqliteStore::remove_sessions(int64_t user_id) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto del = statement(kDeleteUserSessions);
    if (!del.ok()) return del.error();
    ScopedReset reset(**del);
    (*del)->bind(1, user_id);
    return (*del)->run();
}

Result<int64_t> SqliteStore::add_api_token(int64_t user_id, std::string_view token_digest,
                                           std::string_view name) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto insert = statement(kInsertApiToken);
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
        auto select = statement(kSelectApiTokenUser);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, token_digest);
        auto found = read_user(**select);
        if (!found.ok()) return found.error();
        user = std::move(found).value();
    }
    if (user && !read_only_) {
        auto touch = statement(kTouchApiToken);
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
    auto select = statement(kSelectApiTokens);
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
    auto del = statement(kDeleteApiToken);
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
        auto select = statement(kSelectPaperDeleted);
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
        auto change = statement(up ? kInsertVote : kDeleteVote);
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
        auto update = statement(kAddPaperVotes);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, id);
        (*update)->bind(2, up ? 1 : -1);
        (*update)->bind(3, *seq);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
    }
    {
        auto select = statement(kSelectPaperVotes);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, id);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        outcome.votes = *row ? (*select)->column_int(0) : 0;
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    return outcome;
}

Status SqliteStore::apply_remove_daily_entry(const std::string& date, const PaperId& id,
                                             WriteCounts& counts) {
    auto del = statement(kDeleteEntry);
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
    auto select = statement(kSelectEntriesBySubmitter);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, handle);
    (*select)->bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    return read_entries(**select);
}

Result<std::vector<PaperId>> SqliteStore::voted_papers(int64_t user_id, size_t limit) {
    std::lock_guard lock(mu_);
    auto select = statement(kSelectVotedPapers);
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
    auto upsert = statement(kUpsertOrganization);
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
    auto select = statement(kSelectOrganization);
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
    auto select = statement(kSelectPaperVotes);
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
        auto select = statement(kSelectHasVoted);
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
