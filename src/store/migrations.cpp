#include "store/migrations.h"

#include <array>
#include <string>

namespace paperboy::store {
namespace {

// Each step is given for both backends, SQLite first, and never edited once released: databases
// built by it exist (later changes are new steps).
//
// PostgreSQL keeps SQLite's table and column names and order, so that a copy maps tables one to
// one; the types are PostgreSQL's: bigint, boolean for SQLite's 0/1 integers, bytea for a comment
// body (which may hold any bytes). Every text column compares bytewise (COLLATE "C", SQLite's
// BINARY), so that ids, days and times sort as in SQLite whatever the database's locale; SQLite's
// NOCASE columns become unique indexes on lower(), which under "C" folds ASCII letters only, as
// NOCASE does. Ids are identity columns that accept explicit values (a copy keeps them).

// Step 1: the tables. Kept byte for byte as first released, since databases exist that were
// built by it; later changes are new steps.
constexpr const char* kSqliteV1Tables = R"sql(
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
constexpr const char* kPostgresV1Tables = R"sql(
CREATE TABLE schema_version (
    version integer PRIMARY KEY,
    description text COLLATE "C" NOT NULL,
    applied_at text COLLATE "C" NOT NULL
);
CREATE TABLE papers (
    id text COLLATE "C" PRIMARY KEY,
    version integer NOT NULL DEFAULT 0,
    title text COLLATE "C" NOT NULL DEFAULT '',
    abstract_raw text COLLATE "C" NOT NULL DEFAULT '',
    abstract text COLLATE "C" NOT NULL DEFAULT '',
    authors text COLLATE "C" NOT NULL DEFAULT '[]',
    author_count integer NOT NULL DEFAULT 0,
    categories text COLLATE "C" NOT NULL DEFAULT '',
    published text COLLATE "C" NOT NULL DEFAULT '',
    updated text COLLATE "C" NOT NULL DEFAULT '',
    submitter text COLLATE "C" NOT NULL DEFAULT '',
    comments text COLLATE "C" NOT NULL DEFAULT '',
    journal_ref text COLLATE "C" NOT NULL DEFAULT '',
    doi text COLLATE "C" NOT NULL DEFAULT '',
    report_no text COLLATE "C" NOT NULL DEFAULT '',
    license text COLLATE "C" NOT NULL DEFAULT '',
    github_url text COLLATE "C" NOT NULL DEFAULT '',
    project_url text COLLATE "C" NOT NULL DEFAULT '',
    organization text COLLATE "C" NOT NULL DEFAULT '',
    deleted boolean NOT NULL DEFAULT false,
    seq bigint NOT NULL
);
-- The long texts compress with lz4 where the server has it (PostgreSQL 14+ built with lz4):
-- a bulk ingest spent most of its time in the default pglz compressing abstracts.
DO $$
BEGIN
    ALTER TABLE papers ALTER COLUMN title SET COMPRESSION lz4,
        ALTER COLUMN abstract_raw SET COMPRESSION lz4, ALTER COLUMN abstract SET COMPRESSION lz4,
        ALTER COLUMN authors SET COMPRESSION lz4, ALTER COLUMN comments SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value OR syntax_error THEN
    NULL;
END
$$;
CREATE TABLE daily_entries (
    date text COLLATE "C" NOT NULL,
    paper_id text COLLATE "C" NOT NULL REFERENCES papers (id),
    submitted_by text COLLATE "C" NOT NULL DEFAULT '',
    submitted_at text COLLATE "C" NOT NULL DEFAULT '',
    upvotes integer NOT NULL DEFAULT 0,
    num_comments integer NOT NULL DEFAULT 0,
    seq bigint NOT NULL,
    PRIMARY KEY (date, paper_id)
);
CREATE TABLE changes (
    seq bigint PRIMARY KEY,
    entity text COLLATE "C" NOT NULL CHECK (entity IN ('paper', 'daily_entry')),
    paper_id text COLLATE "C" NOT NULL,
    date text COLLATE "C" NOT NULL DEFAULT '',
    deleted boolean NOT NULL DEFAULT false,
    UNIQUE (entity, paper_id, date)
);
CREATE TABLE cursors (
    key text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);
)sql";

// Step 2: a content hash so that a write recognises an unchanged paper without decoding the
// stored row (rows from step 1 get 0, "unknown", and are hashed when next written or compared);
// an index for entries_for_paper(); and a small covering index that lets stats() count visible
// papers and papers with code without reading every row.
constexpr const char* kSqliteV2HashAndIndexes = R"sql(
ALTER TABLE papers ADD COLUMN content_hash INTEGER NOT NULL DEFAULT 0;
CREATE INDEX daily_entries_by_paper ON daily_entries (paper_id, date);
CREATE INDEX papers_by_visibility ON papers (deleted, github_url <> '');
)sql";
constexpr const char* kPostgresV2HashAndIndexes = R"sql(
ALTER TABLE papers ADD COLUMN content_hash bigint NOT NULL DEFAULT 0;
CREATE INDEX daily_entries_by_paper ON daily_entries (paper_id, date);
CREATE INDEX papers_by_visibility ON papers (deleted, (github_url <> ''));
)sql";

// Step 3: a random identity for the database, so that files derived from it (an index
// snapshot) can tell it from another database at the same change-feed position.
constexpr const char* kSqliteV3StoreId = R"sql(
INSERT OR IGNORE INTO cursors (key, value) VALUES ('store.id', lower(hex(randomblob(16))));
)sql";
// 32 hex digits from gen_random_uuid() (a version 4 UUID: 122 random bits).
constexpr const char* kPostgresV3StoreId = R"sql(
INSERT INTO cursors (key, value) VALUES ('store.id', replace(gen_random_uuid()::text, '-', ''))
ON CONFLICT (key) DO NOTHING;
)sql";

// Step 4: people and votes. A paper's community votes are counted in papers.votes (kept in the
// same transaction as the votes rows) so that list queries, which already join papers, add them
// to the imported upvotes without another join.
constexpr const char* kSqliteV4Accounts = R"sql(
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
constexpr const char* kPostgresV4Accounts = R"sql(
ALTER TABLE papers ADD COLUMN votes integer NOT NULL DEFAULT 0;
CREATE TABLE users (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    handle text COLLATE "C" NOT NULL,
    email text COLLATE "C" NOT NULL,
    password_hash text COLLATE "C" NOT NULL,
    role text COLLATE "C" NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'curator', 'admin')),
    created_at text COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX users_by_handle ON users (lower(handle));
CREATE UNIQUE INDEX users_by_email ON users (lower(email));
CREATE TABLE sessions (
    token_digest text COLLATE "C" PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE api_tokens (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    token_digest text COLLATE "C" NOT NULL UNIQUE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL DEFAULT '',
    created_at text COLLATE "C" NOT NULL,
    last_used_at text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE TABLE votes (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id text COLLATE "C" NOT NULL REFERENCES papers (id),
    created_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX votes_by_paper ON votes (paper_id);
)sql";

// Step 5: comments. papers.comments is arXiv's comments field (step 1), so the paper's count of
// visible local comments is papers.comment_count, kept in the same transaction as the rows.
// Comments are never removed (a deleted one keeps its replies in place), so parent_id needs no
// ON DELETE rule.
constexpr const char* kSqliteV5Comments = R"sql(
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
constexpr const char* kPostgresV5Comments = R"sql(
ALTER TABLE papers ADD COLUMN comment_count integer NOT NULL DEFAULT 0;
CREATE TABLE comments (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    paper_id text COLLATE "C" NOT NULL REFERENCES papers (id),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id bigint REFERENCES comments (id),
    body bytea NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    hidden boolean NOT NULL DEFAULT false,
    deleted boolean NOT NULL DEFAULT false
);
CREATE INDEX comments_by_paper ON comments (paper_id, id);
CREATE INDEX comments_by_user ON comments (user_id, created_at);
)sql";

// Step 6: a member's submissions, for their page and the daily limit, without a scan.
constexpr const char* kSqliteV6SubmitterIndex = R"sql(
CREATE INDEX daily_entries_by_submitter ON daily_entries (submitted_by, date);
)sql";
constexpr const char* kPostgresV6SubmitterIndex = R"sql(
CREATE INDEX daily_entries_by_submitter ON daily_entries (submitted_by, date);
)sql";

// Step 7: organizations, for their pages (full name, avatar) and admins' assignments.
constexpr const char* kSqliteV7Organizations = R"sql(
CREATE TABLE organizations (
    name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    full_name TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
)sql";
constexpr const char* kPostgresV7Organizations = R"sql(
CREATE TABLE organizations (
    name text COLLATE "C" NOT NULL,
    full_name text COLLATE "C" NOT NULL DEFAULT '',
    avatar_url text COLLATE "C" NOT NULL DEFAULT '',
    updated_at text COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX organizations_by_name ON organizations (lower(name));
)sql";

// Step 8: mail. Subscriptions to digests (double opt-in: pending until the link in the
// confirmation mail is followed), the send log that makes each digest of a period go out once
// (digest_sends.papers: the digest's canonical paper ids separated by single spaces, in order),
// the papers each address has received (so that a paper is not sent twice), single-use account
// mail tokens (by digest) and the instance's signing secrets. A NULL time means "never"; the
// confirmation nonce is NULL when no link is outstanding, so that no nonce matches it.
constexpr const char* kSqliteV8Mail = R"sql(
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
constexpr const char* kPostgresV8Mail = R"sql(
ALTER TABLE users ADD COLUMN email_verified_at text COLLATE "C";
CREATE TABLE subscriptions (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    email text COLLATE "C" NOT NULL,
    frequency text COLLATE "C" NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    topic text COLLATE "C" NOT NULL DEFAULT '',
    status text COLLATE "C" NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'suspended')),
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at text COLLATE "C" NOT NULL,
    confirmed_at text COLLATE "C",
    confirm_nonce text COLLATE "C",
    confirm_sent_at text COLLATE "C",
    permanent_failures integer NOT NULL DEFAULT 0,
    updated_at text COLLATE "C" NOT NULL,
    UNIQUE (email, frequency, topic)
);
CREATE INDEX subscriptions_by_status ON subscriptions (frequency, status, id);
CREATE INDEX subscriptions_by_user ON subscriptions (user_id);
CREATE TABLE digest_sends (
    subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    period text COLLATE "C" NOT NULL,
    state text COLLATE "C" NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    message_id text COLLATE "C" NOT NULL,
    papers text COLLATE "C" NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text COLLATE "C" NOT NULL DEFAULT '',
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (subscription_id, period)
);
CREATE TABLE papers_received (
    email text COLLATE "C" NOT NULL,
    paper_id text COLLATE "C" NOT NULL,
    received_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (email, paper_id)
);
CREATE TABLE mail_tokens (
    digest text COLLATE "C" PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text COLLATE "C" NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    used_at text COLLATE "C"
);
CREATE INDEX mail_tokens_by_user ON mail_tokens (user_id, purpose, created_at);
CREATE TABLE instance_secrets (
    name text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);
)sql";

// Step 9: coordination between the processes of an instance (store/coordination.h): named
// leases (one holder at a time, until expires_at, in milliseconds since the Unix epoch) and
// fixed-window counters (the count of `key` in the window starting at window_start, in seconds
// since the epoch; rows whose window ended before expires_at are purged now and then).
constexpr const char* kSqliteV9Coordination = R"sql(
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE rate_counters (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX rate_counters_by_expiry ON rate_counters (expires_at);
)sql";
constexpr const char* kPostgresV9Coordination = R"sql(
CREATE TABLE leases (
    name text COLLATE "C" PRIMARY KEY,
    holder text COLLATE "C" NOT NULL,
    expires_at bigint NOT NULL
);
CREATE TABLE rate_counters (
    key text COLLATE "C" NOT NULL,
    window_start bigint NOT NULL,
    expires_at bigint NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_by_expiry ON rate_counters (expires_at);
)sql";

// Step 10: paper vectors (store/vectors.h; docs/embeddings.md). The models a database has
// vectors of, and one vector per (model, paper): float32 little-endian bytes, with the hash of
// the embedded text and the paper's content_hash it was made for. The database's default model
// is the cursor 'embedding.default_model' (its id). The change feed gains the entity 'vector':
// SQLite cannot alter a CHECK constraint, so its changes table is rebuilt with its rows and its
// AUTOINCREMENT counter (no index or foreign key refers to it).
constexpr const char* kSqliteV10Vectors = R"sql(
CREATE TABLE embedding_models (
    id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL DEFAULT '',
    dimensions INTEGER NOT NULL CHECK (dimensions > 0),
    created_at TEXT NOT NULL
);
CREATE TABLE paper_vectors (
    model_id INTEGER NOT NULL REFERENCES embedding_models (id),
    paper_id TEXT NOT NULL REFERENCES papers (id),
    text_hash INTEGER NOT NULL,
    paper_hash INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, paper_id)
);
CREATE TABLE changes_v10 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('paper', 'daily_entry', 'vector')),
    paper_id TEXT NOT NULL,
    date TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (entity, paper_id, date)
);
INSERT INTO changes_v10 (seq, entity, paper_id, date, deleted)
    SELECT seq, entity, paper_id, date, deleted FROM changes ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'changes_v10';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'changes_v10', seq FROM sqlite_sequence WHERE name = 'changes';
DROP TABLE changes;
ALTER TABLE changes_v10 RENAME TO changes;
)sql";
constexpr const char* kPostgresV10Vectors = R"sql(
CREATE TABLE embedding_models (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    identity text COLLATE "C" NOT NULL UNIQUE,
    spec text COLLATE "C" NOT NULL DEFAULT '',
    dimensions integer NOT NULL CHECK (dimensions > 0),
    created_at text COLLATE "C" NOT NULL
);
CREATE TABLE paper_vectors (
    model_id bigint NOT NULL REFERENCES embedding_models (id),
    paper_id text COLLATE "C" NOT NULL REFERENCES papers (id),
    text_hash bigint NOT NULL,
    paper_hash bigint NOT NULL,
    vector bytea NOT NULL,
    PRIMARY KEY (model_id, paper_id)
);
-- Floats do not compress: do not try.
ALTER TABLE paper_vectors ALTER COLUMN vector SET STORAGE EXTERNAL;
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('paper', 'daily_entry', 'vector'));
)sql";

constexpr std::array kMigrations = {
    Migration{1, "papers, daily_entries, changes, cursors", kSqliteV1Tables, kPostgresV1Tables},
    Migration{2, "papers.content_hash; daily_entries_by_paper; papers_by_visibility",
              kSqliteV2HashAndIndexes, kPostgresV2HashAndIndexes},
    Migration{3, "the store.id cursor", kSqliteV3StoreId, kPostgresV3StoreId},
    Migration{4, "papers.votes; users, sessions, api_tokens, votes", kSqliteV4Accounts,
              kPostgresV4Accounts},
    Migration{5, "papers.comment_count; comments", kSqliteV5Comments, kPostgresV5Comments},
    Migration{6, "daily_entries_by_submitter", kSqliteV6SubmitterIndex, kPostgresV6SubmitterIndex},
    Migration{7, "organizations", kSqliteV7Organizations, kPostgresV7Organizations},
    Migration{8,
              "users.email_verified_at; subscriptions, digest_sends, papers_received, "
              "mail_tokens, instance_secrets",
              kSqliteV8Mail, kPostgresV8Mail},
    Migration{9, "leases, rate_counters", kSqliteV9Coordination, kPostgresV9Coordination},
    Migration{10, "embedding_models, paper_vectors; the feed's entity 'vector'", kSqliteV10Vectors,
              kPostgresV10Vectors},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

Error newer_schema_error(std::string_view database, int version) {
    return Error(ErrorCode::kVersionMismatch,
                 std::string(database) + " has schema version " + std::to_string(version) +
                     " but this paperboy supports up to " +
                     std::to_string(latest_schema_version()) + "; upgrade paperboy");
}

Error older_schema_read_only_error(std::string_view database, int version) {
    return Error(ErrorCode::kVersionMismatch,
                 std::string(database) + " has schema version " + std::to_string(version) +
                     " and needs upgrading to " + std::to_string(latest_schema_version()) +
                     "; open it once without read-only");
}

}  // namespace paperboy::store
