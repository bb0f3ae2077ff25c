#include "store/sqlite/schema.h"

#include <array>
#include <string>

#include "core/timestamp.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

// Step 1: the tables. Kept byte for byte as first released, since databases exist that were
// built by it; later changes are new steps.
constexpr const char* kV1Tables = R"sql(
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE papers (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT '',
    abstract_raw TEXT NOT NULL DEFAULT '',
    abstract TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    author_count INTEGER NOT NULL DEFAULT 0,
    categories TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL DEFAULT '',
    submitter TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    journal_ref TEXT NOT NULL DEFAULT '',
    doi TEXT NOT NULL DEFAULT '',
    report_no TEXT NOT NULL DEFAULT '',
    license TEXT NOT NULL DEFAULT '',
    github_url TEXT NOT NULL DEFAULT '',
    project_url TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL
);
CREATE TABLE daily_entries (
    date TEXT NOT NULL,
    paper_id TEXT NOT NULL REFERENCES papers (id),
    submitted_by TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    upvotes INTEGER NOT NULL DEFAULT 0,
    num_comments INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL,
    PRIMARY KEY (date, paper_id)
);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('paper', 'daily_entry')),
    paper_id TEXT NOT NULL,
    date TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (entity, paper_id, date)
);
CREATE TABLE cursors (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
)sql";

// Step 2: a content hash so that a write recognises an unchanged paper without decoding the
// stored row (rows from step 1 get 0, "unknown", and are hashed when next written or compared);
// an index for entries_for_paper(); and a small covering index that lets stats() count visible
// papers and papers with code without reading every row.
constexpr const char* kV2HashAndIndexes = R"sql(
ALTER TABLE papers ADD COLUMN content_hash INTEGER NOT NULL DEFAULT 0;
CREATE INDEX daily_entries_by_paper ON daily_entries (paper_id, date);
CREATE INDEX papers_by_visibility ON papers (deleted, github_url <> '');
)sql";

// Step 3: a random identity for the database, so that files derived from it (an index
// snapshot) can tell it from another database at the same change-feed position.
constexpr const char* kV3StoreId = R"sql(
INSERT OR IGNORE INTO cursors (key, value) VALUES ('store.id', lower(hex(randomblob(16))));
)sql";

// Step 4: people and votes. A paper's community votes are counted in papers.votes (kept in the
// same transaction as the votes rows) so that list queries, which already join papers, add them
// to the imported upvotes without another join.
constexpr const char* kV4Accounts = R"sql(
ALTER TABLE papers ADD COLUMN votes INTEGER NOT NULL DEFAULT 0;
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'curator', 'admin')),
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_digest TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_digest TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE TABLE votes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id TEXT NOT NULL REFERENCES papers (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
) WITHOUT ROWID;
CREATE INDEX votes_by_paper ON votes (paper_id);
)sql";

// Step 5: comments. papers.comments is arXiv's comments field (step 1), so the paper's count of
// visible local comments is papers.comment_count, kept in the same transaction as the rows.
// Comments are never removed (a deleted one keeps its replies in place), so parent_id needs no
// ON DELETE rule.
constexpr const char* kV5Comments = R"sql(
ALTER TABLE papers ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    paper_id TEXT NOT NULL REFERENCES papers (id),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES comments (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_by_paper ON comments (paper_id, id);
CREATE INDEX comments_by_user ON comments (user_id, created_at);
)sql";

// Step 6: a member's submissions, for their page and the daily limit, without a scan.
constexpr const char* kV6SubmitterIndex = R"sql(
CREATE INDEX daily_entries_by_submitter ON daily_entries (submitted_by, date);
)sql";

// Step 7: organizations, for their pages (full name, avatar) and admins' assignments.
constexpr const char* kV7Organizations = R"sql(
CREATE TABLE organizations (
    name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    full_name TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
)sql";

// Step 8: mail. Subscriptions to digests (double opt-in: pending until the link in the
// confirmation mail is followed), the send log that makes each digest of a period go out once
// (digest_sends.papers: the digest's canonical paper ids separated by single spaces, in order),
// the papers each address has received (so that a paper is not sent twice), single-use account
// mail tokens (by digest) and the instance's signing secrets. A NULL time means "never"; the
// confirmation nonce is NULL when no link is outstanding, so that no nonce matches it.
constexpr const char* kV8Mail = R"sql(
ALTER TABLE users ADD COLUMN email_verified_at TEXT;
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    topic TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'suspended')),
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    confirm_nonce TEXT,
    confirm_sent_at TEXT,
    permanent_failures INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    UNIQUE (email, frequency, topic)
);
CREATE INDEX subscriptions_by_status ON subscriptions (frequency, status, id);
CREATE INDEX subscriptions_by_user ON subscriptions (user_id);
CREATE TABLE digest_sends (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    message_id TEXT NOT NULL,
    papers TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (subscription_id, period)
);
CREATE TABLE papers_received (
    email TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (email, paper_id)
) WITHOUT ROWID;
CREATE TABLE mail_tokens (
    digest TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX mail_tokens_by_user ON mail_tokens (user_id, purpose, created_at);
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "papers, daily_entries, changes, cursors", kV1Tables},
    Migration{2, "papers.content_hash; daily_entries_by_paper; papers_by_visibility",
              kV2HashAndIndexes},
    Migration{3, "the store.id cursor", kV3StoreId},
    Migration{4, "papers.votes; users, sessions, api_tokens, votes", kV4Accounts},
    Migration{5, "papers.comment_count; comments", kV5Comments},
    Migration{6, "daily_entries_by_submitter", kV6SubmitterIndex},
    Migration{7, "organizations", kV7Organizations},
    Migration{8,
              "users.email_verified_at; subscriptions, digest_sends, papers_received, "
              "mail_tokens, instance_secrets",
              kV8Mail},
};

Result<bool> table_exists(sqlite3* db, std::string_view table) {
    auto stmt = Statement::prepare(
        db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", false);
    if (!stmt.ok()) return stmt.error();
    stmt->bind(1, table);
    return stmt->step();
}

// Rolls back an open transaction unless dismissed, so that every early return leaves the
// database as it was.
class RollbackGuard {
  public:
    explicit RollbackGuard(sqlite3* db) : db_(db) {}
    ~RollbackGuard() {
        if (db_ != nullptr) (void)exec(db_, "ROLLBACK", "rolling back a migration");
    }
    RollbackGuard(const RollbackGuard&) = delete;
    RollbackGuard& operator=(const RollbackGuard&) = delete;
    void dismiss() { db_ = nullptr; }

  private:
    sqlite3* db_;
};

}  // namespace

std::string database_name(std::string_view path) {
    return path == ":memory:" ? std::string("in-memory database") : "database " + std::string(path);
}

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

Result<int> read_schema_version(sqlite3* db, std::string_view path) {
    auto has_version_table = table_exists(db, "schema_version");
    if (!has_version_table.ok()) {
        if (has_version_table.error().code() == ErrorCode::kCorruption) {
            return Error(ErrorCode::kCorruption, database_name(path) +
                                                     " is not a SQLite database or is damaged (" +
                                                     has_version_table.error().message() + ")");
        }
        return has_version_table.error().with_context(database_name(path));
    }
    if (!*has_version_table) {
        auto any = Statement::prepare(db, "SELECT 1 FROM sqlite_master LIMIT 1", false);
        if (!any.ok()) return any.error().with_context(database_name(path));
        auto has_objects = any->step();
        if (!has_objects.ok()) return has_objects.error().with_context(database_name(path));
        if (*has_objects) {
            return Error(ErrorCode::kCorruption,
                         database_name(path) +
                             " is a SQLite database but not a Paperboy one (no schema_version "
                             "table); refusing to modify it");
        }
        return 0;
    }
    auto stmt =
        Statement::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", false);
    if (!stmt.ok()) return stmt.error().with_context(database_name(path));
    auto row = stmt->step();
    if (!row.ok()) return row.error().with_context(database_name(path));
    return stmt->column_int(0);
}

Result<int> migrate(sqlite3* db, std::string_view path) {
    // IMMEDIATE takes the write lock before reading the version, so two processes opening the
    // same old database cannot both apply the same step.
    PAPERBOY_RETURN_IF_ERROR(
        exec(db, "BEGIN IMMEDIATE", "starting a migration of " + database_name(path)));
    RollbackGuard rollback(db);

    auto current = read_schema_version(db, path);
    if (!current.ok()) return current.error();
    const int latest = latest_schema_version();
    if (*current > latest) {
        return Error(ErrorCode::kVersionMismatch,
                     database_name(path) + " has schema version " + std::to_string(*current) +
                         " but this paperboy supports up to " + std::to_string(latest) +
                         "; upgrade paperboy");
    }
    if (*current == latest) {
        rollback.dismiss();
        PAPERBOY_RETURN_IF_ERROR(exec(db, "COMMIT", "finishing a migration"));
        return latest;
    }

    const std::string applied_at = now_timestamp();
    for (const Migration& m : kMigrations) {
        if (m.version <= *current) continue;
        const std::string context =
            "upgrading " + database_name(path) + " to schema version " + std::to_string(m.version);
        PAPERBOY_RETURN_IF_ERROR(exec(db, m.sql, context));
        auto record = Statement::prepare(
            db, "INSERT INTO schema_version (version, description, applied_at) VALUES (?1, ?2, ?3)",
            false);
        if (!record.ok()) return record.error().with_context(context);
        record->bind(1, m.version);
        record->bind(2, m.description);
        record->bind(3, applied_at);
        PAPERBOY_RETURN_IF_ERROR(record->run());
    }
    rollback.dismiss();
    if (Status s = exec(db, "COMMIT", "committing a migration of " + database_name(path));
        !s.ok()) {
        (void)exec(db, "ROLLBACK", "rolling back a migration");
        return s.error();
    }
    return latest;
}

}  // namespace paperboy::store::sqlite
