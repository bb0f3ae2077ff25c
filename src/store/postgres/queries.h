// store/postgres/queries.h — every statement the PostgreSQL store runs, by name, with its text.
//
// Each connection prepares a statement once, by name, on first use (connection.h). The text is
// in one constexpr switch without a default, so that a statement without text does not compile
// (-Wswitch), and a static_assert checks that none is empty; a test prepares every one against a
// fresh database (tests/store/test_statements.cpp). Values are always $n parameters; a batch's
// rows go in as arrays (one per column, in PostgreSQL's binary format) that unnest() turns back
// into rows, so that a batch is a few statements, not one per record. Internal to
// store/postgres/.
#pragma once

#include <string_view>

#include "store/sql_text.h"

namespace paperboy::store::postgres {

enum class Query : int {
    kBegin,
    kBeginSnapshot,
    kCommit,
    kRollback,
    kAsyncCommit,
    // The change feed (docs/schema.md, "The change feed").
    kLockFeed,
    kFeedTop,
    kRecordChanges,
    kInsertChanges,
    kNotifyChanges,
    kListen,
    // write()
    kSelectPaperHeads,
    kSelectPaperRows,
    kInsertPapers,
    kUpdatePapers,
    kUpdatePaperFlags,
    kUpdatePaperHashes,
    kSelectEntriesForWrite,
    kInsertEntries,
    kUpdateEntries,
    kDeleteEntries,
    kUpsertCursors,
    // reads
    kSelectPaper,
    kSelectPapers,
    kSelectPaperCards,
    kSelectPaperPage,
    kSelectDailyEntries,
    kSelectDailyEntriesBetween,
    kSelectEntriesForPaper,
    kSelectEntriesForPapers,
    kSelectPreviousDate,
    kSelectNextDate,
    kSelectChanges,
    kSelectCursor,
    kStats,
    // schema.cpp
    kLockMigration,
    kHasSchemaVersion,
    kHasTables,
    kSchemaVersion,
    kRecordMigration,
    // accounts.cpp
    kInsertUser,
    kSelectUserByName,
    kSelectUserById,
    kUpdateRole,
    kInsertSession,
    kSelectSessionUser,
    kDeleteSession,
    kDeleteUserSessions,
    kInsertApiToken,
    kSelectApiTokenUser,
    kTouchApiToken,
    kSelectApiTokens,
    kDeleteApiToken,
    kSelectPaperDeleted,
    kInsertVote,
    kDeleteVote,
    kAddPaperVotes,
    kSelectPaperVotes,
    kSelectVotedAmong,
    kSelectEntriesBySubmitter,
    kSelectVotedPapers,
    kUpsertOrganization,
    kSelectOrganization,
    // comments.cpp
    kInsertComment,
    kSelectComment,
    kSelectCommentForUpdate,
    kUpdateComment,
    kSelectPaperComments,
    kAddPaperComments,
    kSelectCommentCounts,
    kCountUserComments,
    // mail.cpp
    kUpsertSubscription,
    kSelectSubscription,
    kSelectSubscriptionForUpdate,
    kSelectSubscriptionByKey,
    kSelectSubscriptionsOf,
    kSelectConfirmedSubscriptions,
    kStartConfirmation,
    kCancelConfirmation,
    kConfirmSubscription,
    kUpdateSubscriptionStatus,
    kSelectDigestSend,
    kSelectDigestSendForUpdate,
    kInsertDigestSend,
    kFinishDigestSend,
    kInsertPapersReceived,
    kResetFailures,
    kSetFailures,
    kSelectPapersReceived,
    kInsertMailToken,
    kUseMailToken,
    kPeekMailToken,
    kCountMailTokens,
    kUpdateEmailVerified,
    kUpdatePassword,
    kInsertInstanceSecret,
    kSelectInstanceSecret,
    // coordination.cpp (times from the database's clock)
    kAcquireLease,
    kReleaseLease,
    kSelectLease,
    kCountHit,
    kPurgeCounters,
    // vectors.cpp
    kSelectModelByIdentity,
    kInsertModel,
    kUpdateModelSpec,
    kSelectModels,
    kSelectModelById,
    kSelectDefaultModel,
    kSetDefaultModel,
    kSelectMissingPapers,
    kUpsertVectors,
    kKeepVectors,
    kSelectPapersToEmbed,
    kSelectEmbedState,
    kSelectVectorPage,
    kSelectVectors,
    kVectorStats,
    kQueryCount,  // not a statement: the number of them
};

inline constexpr int kQueryCount = static_cast<int>(Query::kQueryCount);

// The channel feed writers NOTIFY in their transaction (delivered at commit), with the feed's
// new top as the payload.
inline constexpr std::string_view kChangesChannel = "paperboy_changes";

namespace queries {

// The stored columns of a paper after its id, in the order every statement reads and writes
// them (postgres_store.cpp's read_paper() and the PaperArrays of write.cpp).
inline constexpr SqlPart kPaperCols =
    "version, title, abstract_raw, abstract, authors, author_count, categories, published, "
    "updated, submitter, comments, journal_ref, doi, report_no, license, github_url, "
    "project_url, organization";
inline constexpr int kPaperColumnCount = 18;
inline constexpr SqlPart kPaperColsOfU =
    "u.version, u.title, u.abstract_raw, u.abstract, u.authors, u.author_count, u.categories, "
    "u.published, u.updated, u.submitter, u.comments, u.journal_ref, u.doi, u.report_no, "
    "u.license, u.github_url, u.project_url, u.organization";
// A batch of new paper rows, unnested in the select list (which zips equal-length arrays
// without materializing them as FROM unnest(...) does: faster in bulk).
inline constexpr SqlPart kPaperUnnest =
    "unnest($1::text[]), unnest($2::int4[]), unnest($3::text[]), unnest($4::text[]), "
    "unnest($5::text[]), unnest($6::text[]), unnest($7::int4[]), unnest($8::text[]), "
    "unnest($9::text[]), unnest($10::text[]), unnest($11::text[]), unnest($12::text[]), "
    "unnest($13::text[]), unnest($14::text[]), unnest($15::text[]), unnest($16::text[]), "
    "unnest($17::text[]), unnest($18::text[]), unnest($19::text[]), unnest($20::boolean[]), "
    "unnest($21::bigint[]), unnest($22::bigint[])";
// A batch of paper rows: id, the paper columns, deleted, seq, content_hash.
inline constexpr SqlPart kPaperArrays =
    "$1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[], "
    "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], "
    "$15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::boolean[], "
    "$21::bigint[], $22::bigint[]";

// The entry columns read_entries() reads; upvotes count the paper's community votes.
inline constexpr SqlPart kEntryCols =
    "e.paper_id, e.date, e.submitted_by, e.submitted_at, e.upvotes + p.votes, e.num_comments";

// The columns read_user() reads, in its order; a NULL email_verified_at (never) reads as "".
inline constexpr SqlPart kUserCols =
    "u.id, u.handle, u.email, u.password_hash, u.role, u.created_at, "
    "COALESCE(u.email_verified_at, '')";

// The columns read_comment() reads, in its order; the author's handle comes from users.
inline constexpr SqlPart kCommentCols =
    "c.id, c.paper_id, c.user_id, u.handle, COALESCE(c.parent_id, 0), c.body, c.created_at, "
    "c.updated_at, c.hidden, c.deleted";

// The columns read_subscription() reads, in its order. NULL times and nonces read as "".
inline constexpr SqlPart kSubscriptionCols =
    "id, email, frequency, topic, status, COALESCE(user_id, 0), created_at, "
    "COALESCE(confirmed_at, ''), COALESCE(confirm_nonce, ''), COALESCE(confirm_sent_at, ''), "
    "permanent_failures, updated_at";

// The columns read_digest_send() reads, in its order.
inline constexpr SqlPart kDigestSendCols =
    "subscription_id, period, state, message_id, papers, attempts, last_error, created_at, "
    "updated_at";

// The columns read_model() reads (postgres/vectors.cpp), in its order.
inline constexpr SqlPart kModelCols = "id, identity, spec, dimensions, created_at";

// The columns read_to_embed() reads (postgres/vectors.cpp), in its order; a paper without a
// vector has NULL hashes.
inline constexpr SqlPart kEmbedCols =
    "p.id, p.title, p.abstract, p.content_hash, v.text_hash, v.paper_hash";

// The database's clock, in milliseconds and in seconds since the Unix epoch.
inline constexpr SqlPart kNowMs = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

}  // namespace queries

// The text of each statement (NUL-terminated, as libpq wants it).
constexpr std::string_view sql_text(Query query) {
    using namespace queries;  // NOLINT(google-build-using-namespace): the column lists
    switch (query) {
        case Query::kBegin:
            return "BEGIN";
        case Query::kBeginSnapshot:
            // Several statements that must see one state of the database (a page of cards).
            return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
        case Query::kCommit:
            return "COMMIT";
        case Query::kRollback:
            return "ROLLBACK";
        case Query::kAsyncCommit:
            // This transaction's COMMIT returns before its WAL reaches the disk (write.cpp).
            return "SET LOCAL synchronous_commit = off";

        case Query::kLockFeed:
            // Held until commit: feed writers take their seqs one transaction at a time, at
            // the end of the transaction, so that seq order is commit order.
            return "SELECT pg_advisory_xact_lock(hashtextextended('paperboy.changes', 0))";
        case Query::kFeedTop:
            // A statement of its own after the lock, so that its snapshot sees the previous
            // holder's commit.
            return "SELECT COALESCE(MAX(seq), 0) FROM changes";
        case Query::kRecordChanges:
            // Each record appears once, at its latest seq: an existing row moves to the new seq.
            return "INSERT INTO changes (seq, entity, paper_id, date, deleted) "
                   "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], "
                   "$5::boolean[]) ON CONFLICT (entity, paper_id, date) DO UPDATE SET "
                   "seq = excluded.seq, deleted = excluded.deleted";
        case Query::kInsertChanges:
            // The first feed entries of new papers (a paper is never removed, so a paper not in
            // the database has none): a plain insert, cheaper than the upsert in bulk.
            return "INSERT INTO changes (seq, entity, paper_id, date, deleted) "
                   "SELECT unnest($1::bigint[]), unnest($2::text[]), unnest($3::text[]), "
                   "unnest($4::text[]), unnest($5::boolean[])";
        case Query::kNotifyChanges:
            return "SELECT pg_notify('paperboy_changes', $1)";
        case Query::kListen:
            return "LISTEN paperboy_changes";

        case Query::kSelectPaperHeads:
            return "SELECT id, content_hash, deleted FROM papers WHERE id = ANY($1::text[])";
        case Query::kSelectPaperRows:
            return sql<"SELECT id, ", kPaperCols, " FROM papers WHERE id = ANY($1::text[])">;
        case Query::kInsertPapers:
            return sql<"INSERT INTO papers (id, ", kPaperCols,
                       ", deleted, seq, content_hash) SELECT ", kPaperUnnest>;
        case Query::kUpdatePapers:
            // Guarded by what the batch was decided from: a row another writer changed
            // meanwhile is not matched, and the batch is tried again (write.cpp).
            return sql<"UPDATE papers AS p SET (", kPaperCols, ", deleted, seq, content_hash) = (",
                       kPaperColsOfU, ", u.deleted, u.seq, u.content_hash) FROM unnest(",
                       kPaperArrays, ", $23::bigint[], $24::boolean[]) AS u(id, ", kPaperCols,
                       ", deleted, seq, content_hash, old_hash, old_deleted) "
                       "WHERE p.id = u.id AND p.content_hash = u.old_hash AND "
                       "p.deleted = u.old_deleted">;
        case Query::kUpdatePaperFlags:
            return "UPDATE papers AS p SET deleted = u.deleted, seq = u.seq FROM "
                   "unnest($1::text[], "
                   "$2::boolean[], $3::bigint[], $4::bigint[], $5::boolean[]) AS u(id, deleted, "
                   "seq, old_hash, old_deleted) WHERE p.id = u.id AND p.content_hash = u.old_hash "
                   "AND p.deleted = u.old_deleted";
        case Query::kUpdatePaperHashes:
            return "UPDATE papers AS p SET content_hash = u.hash FROM unnest($1::text[], "
                   "$2::bigint[], $3::bigint[]) AS u(id, hash, old_hash) "
                   "WHERE p.id = u.id AND p.content_hash = u.old_hash";
        case Query::kSelectEntriesForWrite:
            return "SELECT e.date, e.paper_id, e.submitted_by, e.submitted_at, e.upvotes, "
                   "e.num_comments, e.seq FROM daily_entries e JOIN unnest($1::text[], "
                   "$2::text[]) AS k(date, paper_id) ON e.date = k.date AND e.paper_id = "
                   "k.paper_id";
        case Query::kInsertEntries:
            return "INSERT INTO daily_entries (date, paper_id, submitted_by, submitted_at, "
                   "upvotes, num_comments, seq) SELECT unnest($1::text[]), unnest($2::text[]), "
                   "unnest($3::text[]), unnest($4::text[]), unnest($5::int4[]), "
                   "unnest($6::int4[]), unnest($7::bigint[])";
        case Query::kUpdateEntries:
            return "UPDATE daily_entries AS e SET (submitted_by, submitted_at, upvotes, "
                   "num_comments, seq) = (u.submitted_by, u.submitted_at, u.upvotes, "
                   "u.num_comments, u.seq) FROM unnest($1::text[], $2::text[], $3::text[], "
                   "$4::text[], $5::int4[], $6::int4[], $7::bigint[], $8::bigint[]) AS u(date, "
                   "paper_id, submitted_by, submitted_at, upvotes, num_comments, seq, old_seq) "
                   "WHERE e.date = u.date AND e.paper_id = u.paper_id AND e.seq = u.old_seq";
        case Query::kDeleteEntries:
            return "DELETE FROM daily_entries AS e USING unnest($1::text[], $2::text[], "
                   "$3::bigint[]) AS u(date, paper_id, old_seq) WHERE e.date = u.date AND "
                   "e.paper_id = u.paper_id AND e.seq = u.old_seq";
        case Query::kUpsertCursors:
            return "INSERT INTO cursors (key, value) SELECT * FROM unnest($1::text[], $2::text[]) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

        case Query::kSelectPaper:
            return sql<"SELECT ", kPaperCols, " FROM papers WHERE id = $1 AND NOT deleted">;
        case Query::kSelectPapers:
            return sql<"SELECT id, ", kPaperCols,
                       " FROM papers WHERE id = ANY($1::text[]) AND NOT deleted">;
        case Query::kSelectPaperCards:
            return sql<"SELECT id, ", kPaperCols,
                       ", comment_count, votes FROM papers WHERE id = ANY($1::text[]) AND "
                       "NOT deleted">;
        case Query::kSelectPaperPage:
            return sql<"SELECT id, ", kPaperCols,
                       " FROM papers WHERE NOT deleted AND id > $1 ORDER BY id LIMIT $2">;
        case Query::kSelectDailyEntries:
            // Unknown submission times sort after known ones (false before true).
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.date = $1 AND NOT p.deleted "
                       "ORDER BY e.upvotes + p.votes DESC, e.submitted_at = '', e.submitted_at, "
                       "e.paper_id">;
        case Query::kSelectDailyEntriesBetween:
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.date BETWEEN $1 AND $2 AND NOT p.deleted ORDER BY e.date, "
                       "e.upvotes + p.votes DESC, e.submitted_at = '', e.submitted_at, "
                       "e.paper_id">;
        case Query::kSelectEntriesForPaper:
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.paper_id = $1 AND NOT p.deleted ORDER BY e.date DESC">;
        case Query::kSelectEntriesForPapers:
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.paper_id = ANY($1::text[]) AND NOT p.deleted "
                       "ORDER BY e.paper_id, e.date DESC">;
        case Query::kSelectPreviousDate:
            return "SELECT e.date FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date < $1 AND NOT p.deleted ORDER BY e.date DESC LIMIT 1";
        case Query::kSelectNextDate:
            return "SELECT e.date FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date > $1 AND NOT p.deleted ORDER BY e.date LIMIT 1";
        case Query::kSelectChanges:
            return "SELECT seq, entity, paper_id, date, deleted FROM changes WHERE seq > $1 "
                   "ORDER BY seq LIMIT $2";
        case Query::kSelectCursor:
            return "SELECT value FROM cursors WHERE key = $1";
        case Query::kStats:
            // One statement: one snapshot.
            return "SELECT p.visible, p.hidden, p.with_code, e.n, e.days, e.first, e.last, "
                   "(SELECT COALESCE(MAX(seq), 0) FROM changes) FROM "
                   "(SELECT COUNT(*) FILTER (WHERE NOT deleted) AS visible, "
                   "COUNT(*) FILTER (WHERE deleted) AS hidden, "
                   "COUNT(*) FILTER (WHERE NOT deleted AND github_url <> '') AS with_code "
                   "FROM papers) p, "
                   "(SELECT COUNT(*) AS n, COUNT(DISTINCT e.date) AS days, "
                   "COALESCE(MIN(e.date), '') AS first, COALESCE(MAX(e.date), '') AS last "
                   "FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                   "WHERE NOT p.deleted) e";

        case Query::kLockMigration:
            // Concurrent openers of one database migrate one at a time; the others then find
            // the schema up to date.
            return "SELECT pg_advisory_xact_lock(hashtextextended('paperboy.migrate', 0))";
        case Query::kHasSchemaVersion:
            return "SELECT to_regclass('schema_version') IS NOT NULL";
        case Query::kHasTables:
            return "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN "
                   "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
                   "n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm'))";
        case Query::kSchemaVersion:
            return "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        case Query::kRecordMigration:
            return "INSERT INTO schema_version (version, description, applied_at) "
                   "VALUES ($1, $2, $3)";

        // --- accounts.cpp ---
        case Query::kInsertUser:
            return "INSERT INTO users (handle, email, password_hash, role, created_at, "
                   "email_verified_at) VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')) RETURNING id";
        case Query::kSelectUserByName:
            // lower() under COLLATE "C" folds ASCII only, as SQLite's NOCASE does; the unique
            // indexes on lower(handle) and lower(email) serve it.
            return sql<"SELECT ", kUserCols,
                       " FROM users u WHERE lower(u.handle) = lower($1) OR "
                       "lower(u.email) = lower($1) LIMIT 1">;
        case Query::kSelectUserById:
            return sql<"SELECT ", kUserCols, " FROM users u WHERE u.id = $1">;
        case Query::kUpdateRole:
            return "UPDATE users SET role = $2 WHERE id = $1";
        case Query::kInsertSession:
            return "INSERT INTO sessions (token_digest, user_id, created_at, expires_at) "
                   "VALUES ($1, $2, $3, $4)";
        case Query::kSelectSessionUser:
            return sql<"SELECT ", kUserCols,
                       " FROM sessions s JOIN users u ON u.id = s.user_id "
                       "WHERE s.token_digest = $1 AND s.expires_at > $2">;
        case Query::kDeleteSession:
            return "DELETE FROM sessions WHERE token_digest = $1";
        case Query::kDeleteUserSessions:
            return "DELETE FROM sessions WHERE user_id = $1";
        case Query::kInsertApiToken:
            return "INSERT INTO api_tokens (token_digest, user_id, name, created_at) "
                   "VALUES ($1, $2, $3, $4) RETURNING id";
        case Query::kSelectApiTokenUser:
            return sql<"SELECT ", kUserCols,
                       " FROM api_tokens t JOIN users u ON u.id = t.user_id "
                       "WHERE t.token_digest = $1">;
        case Query::kTouchApiToken:
            // At most once a minute (as SQLite's): a write per API request would be a durable
            // commit on the path of every call.
            return "UPDATE api_tokens SET last_used_at = $2 WHERE token_digest = $1 AND "
                   "last_used_at < substr($2, 1, 16)";
        case Query::kSelectApiTokens:
            return "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 "
                   "ORDER BY id";
        case Query::kDeleteApiToken:
            return "DELETE FROM api_tokens WHERE user_id = $1 AND id = $2";
        case Query::kSelectPaperDeleted:
            return "SELECT deleted FROM papers WHERE id = $1";
        case Query::kInsertVote:
            return "INSERT INTO votes (user_id, paper_id, created_at) VALUES ($1, $2, $3) "
                   "ON CONFLICT (user_id, paper_id) DO NOTHING";
        case Query::kDeleteVote:
            return "DELETE FROM votes WHERE user_id = $1 AND paper_id = $2";
        case Query::kAddPaperVotes:
            // Under the feed lock, with the paper's new seq; no row when it was hidden meanwhile.
            return "UPDATE papers SET votes = votes + $2, seq = $3 WHERE id = $1 AND NOT deleted "
                   "RETURNING votes";
        case Query::kSelectPaperVotes:
            return "SELECT votes FROM papers WHERE id = $1";
        case Query::kSelectVotedAmong:
            return "SELECT paper_id FROM votes WHERE user_id = $1 AND paper_id = ANY($2::text[])";
        case Query::kSelectEntriesBySubmitter:
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.submitted_by = $1 AND NOT p.deleted "
                       "ORDER BY e.date DESC, e.submitted_at DESC LIMIT $2">;
        case Query::kSelectVotedPapers:
            return "SELECT v.paper_id FROM votes v JOIN papers p ON p.id = v.paper_id "
                   "WHERE v.user_id = $1 AND NOT p.deleted ORDER BY v.created_at DESC, "
                   "v.paper_id LIMIT $2";
        case Query::kUpsertOrganization:
            return "INSERT INTO organizations (name, full_name, avatar_url, updated_at) "
                   "VALUES ($1, $2, $3, $4) ON CONFLICT (lower(name)) DO UPDATE SET "
                   "full_name = excluded.full_name, avatar_url = excluded.avatar_url, "
                   "updated_at = excluded.updated_at";
        case Query::kSelectOrganization:
            return "SELECT name, full_name, avatar_url FROM organizations "
                   "WHERE lower(name) = lower($1)";

        // --- comments.cpp ---
        case Query::kInsertComment:
            return "INSERT INTO comments (paper_id, user_id, parent_id, body, created_at, "
                   "updated_at) VALUES ($1, $2, NULLIF($3::bigint, 0), $4::bytea, $5, $5) "
                   "RETURNING id";
        case Query::kSelectComment:
            return sql<"SELECT ", kCommentCols,
                       " FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1">;
        case Query::kSelectCommentForUpdate:
            return sql<"SELECT ", kCommentCols,
                       " FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1 "
                       "FOR NO KEY UPDATE OF c">;
        case Query::kUpdateComment:
            return "UPDATE comments SET body = $2::bytea, updated_at = $3, hidden = $4, "
                   "deleted = $5 WHERE id = $1";
        case Query::kSelectPaperComments:
            return sql<"SELECT ", kCommentCols,
                       " FROM comments c JOIN users u ON u.id = c.user_id "
                       "WHERE c.paper_id = $1 ORDER BY c.id">;
        case Query::kAddPaperComments:
            // Under the feed lock, with the paper's new seq. $4: only a visible paper.
            return "UPDATE papers SET comment_count = comment_count + $2, seq = $3 "
                   "WHERE id = $1 AND (NOT deleted OR NOT $4::boolean)";
        case Query::kSelectCommentCounts:
            return "SELECT id, comment_count FROM papers WHERE id = ANY($1::text[])";
        case Query::kCountUserComments:
            return "SELECT COUNT(*) FROM comments WHERE user_id = $1 AND created_at >= $2";

        // --- mail.cpp ---
        case Query::kUpsertSubscription:
            // The SET expressions read the row as it was, so `status` is the old status
            // throughout; the WHERE leaves every other row unwritten.
            return "INSERT INTO subscriptions AS s (email, frequency, topic, status, user_id, "
                   "created_at, updated_at) VALUES ($1, $2, $3, 'pending', NULLIF($4::bigint, 0), "
                   "$5, $5) ON CONFLICT (email, frequency, topic) DO UPDATE SET "
                   "status = CASE WHEN s.status = 'unsubscribed' THEN 'pending' ELSE s.status END, "
                   "confirmed_at = CASE WHEN s.status = 'unsubscribed' THEN NULL "
                   "ELSE s.confirmed_at END, "
                   "confirm_nonce = CASE WHEN s.status = 'unsubscribed' THEN NULL "
                   "ELSE s.confirm_nonce END, "
                   "confirm_sent_at = CASE WHEN s.status = 'unsubscribed' THEN NULL "
                   "ELSE s.confirm_sent_at END, "
                   "permanent_failures = CASE WHEN s.status = 'unsubscribed' THEN 0 "
                   "ELSE s.permanent_failures END, "
                   "user_id = COALESCE(s.user_id, excluded.user_id), "
                   "updated_at = excluded.updated_at "
                   "WHERE s.status = 'unsubscribed' OR "
                   "(s.user_id IS NULL AND excluded.user_id IS NOT NULL)";
        case Query::kSelectSubscription:
            return sql<"SELECT ", kSubscriptionCols, " FROM subscriptions WHERE id = $1">;
        case Query::kSelectSubscriptionForUpdate:
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE id = $1 FOR NO KEY UPDATE">;
        case Query::kSelectSubscriptionByKey:
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE email = $1 AND frequency = $2 AND topic = $3">;
        case Query::kSelectSubscriptionsOf:
            // NULLIF: user 0 is "no user", and NULL matches no row.
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE email = $1 OR user_id = NULLIF($2::bigint, 0) "
                       "ORDER BY id">;
        case Query::kSelectConfirmedSubscriptions:
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE frequency = $1 AND status = 'confirmed' AND "
                       "id > $2 ORDER BY id LIMIT $3">;
        case Query::kStartConfirmation:
            return "UPDATE subscriptions SET confirm_nonce = $2, confirm_sent_at = $3, "
                   "updated_at = $3 WHERE id = $1 AND status = 'pending' AND "
                   "(confirm_sent_at IS NULL OR confirm_sent_at < $4)";
        case Query::kCancelConfirmation:
            return "UPDATE subscriptions SET confirm_nonce = NULL, confirm_sent_at = NULL "
                   "WHERE id = $1 AND confirm_nonce = $2";
        case Query::kConfirmSubscription:
            return "UPDATE subscriptions SET status = 'confirmed', confirmed_at = $3, "
                   "confirm_nonce = NULL, updated_at = $3 "
                   "WHERE id = $1 AND status = 'pending' AND confirm_nonce = $2";
        case Query::kUpdateSubscriptionStatus:
            return "UPDATE subscriptions SET status = $2, updated_at = $3, "
                   "permanent_failures = CASE WHEN $2 = 'confirmed' THEN 0 "
                   "ELSE permanent_failures END, "
                   "confirmed_at = CASE WHEN $2 = 'confirmed' THEN COALESCE(confirmed_at, $3) "
                   "ELSE confirmed_at END WHERE id = $1";
        case Query::kSelectDigestSend:
            return sql<"SELECT ", kDigestSendCols,
                       " FROM digest_sends WHERE subscription_id = $1 AND period = $2">;
        case Query::kSelectDigestSendForUpdate:
            return sql<"SELECT ", kDigestSendCols,
                       " FROM digest_sends WHERE subscription_id = $1 AND period = $2 "
                       "FOR NO KEY UPDATE">;
        case Query::kInsertDigestSend:
            // Only the key's conflict is ignored: a claim never overwrites an earlier one.
            return "INSERT INTO digest_sends (subscription_id, period, state, message_id, papers, "
                   "attempts, last_error, created_at, updated_at) "
                   "VALUES ($1, $2, 'claimed', $3, $4, $5, $6, $7, $8) "
                   "ON CONFLICT (subscription_id, period) DO NOTHING";
        case Query::kFinishDigestSend:
            return "UPDATE digest_sends SET "
                   "state = CASE WHEN $3 = 'claimed' THEN state ELSE $3 END, "
                   "attempts = attempts + 1, last_error = $4, updated_at = $5 "
                   "WHERE subscription_id = $1 AND period = $2";
        case Query::kInsertPapersReceived:
            // The first received_at stays.
            return "INSERT INTO papers_received (email, paper_id, received_at) "
                   "SELECT $1, unnest($2::text[]), $3 ON CONFLICT (email, paper_id) DO NOTHING";
        case Query::kResetFailures:
            return "UPDATE subscriptions SET permanent_failures = 0, updated_at = $2 "
                   "WHERE id = $1 AND permanent_failures <> 0";
        case Query::kSetFailures:
            // The values rules::after_permanent_failure() decided from the row locked in the
            // same transaction.
            return "UPDATE subscriptions SET permanent_failures = $2, status = $3, "
                   "updated_at = $4 WHERE id = $1";
        case Query::kSelectPapersReceived:
            return "SELECT paper_id FROM papers_received WHERE email = $1 AND "
                   "paper_id = ANY($2::text[])";
        case Query::kInsertMailToken:
            return "INSERT INTO mail_tokens (digest, user_id, purpose, created_at, expires_at) "
                   "VALUES ($1, $2, $3, $4, $5)";
        case Query::kUseMailToken:
            // One statement decides: of racing callers, one marks the token used.
            return "UPDATE mail_tokens SET used_at = $3 WHERE digest = $1 AND purpose = $2 AND "
                   "used_at IS NULL AND expires_at > $3 RETURNING user_id";
        case Query::kPeekMailToken:
            return "SELECT user_id FROM mail_tokens WHERE digest = $1 AND purpose = $2 AND "
                   "used_at IS NULL AND expires_at > $3";
        case Query::kCountMailTokens:
            return "SELECT COUNT(*) FROM mail_tokens WHERE user_id = $1 AND purpose = $2 AND "
                   "created_at >= $3";
        case Query::kUpdateEmailVerified:
            return "UPDATE users SET email_verified_at = $2 WHERE id = $1";
        case Query::kUpdatePassword:
            return "UPDATE users SET password_hash = $2 WHERE id = $1";
        case Query::kInsertInstanceSecret:
            return "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) "
                   "ON CONFLICT (name) DO NOTHING";
        case Query::kSelectInstanceSecret:
            return "SELECT value FROM instance_secrets WHERE name = $1";

        // --- coordination.cpp ---
        case Query::kAcquireLease:
            // One statement decides, by the database's clock: a free or expired lease, or one
            // the holder has already, is (re)written and returned; another holder's live lease
            // returns no row.
            return sql<"INSERT INTO leases AS l (name, holder, expires_at) SELECT $1, $2, ", kNowMs,
                       " + $3::bigint ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                       "expires_at = excluded.expires_at WHERE l.holder = excluded.holder OR "
                       "l.expires_at <= ",
                       kNowMs, " RETURNING l.holder">;
        case Query::kReleaseLease:
            return "DELETE FROM leases WHERE name = $1 AND holder = $2";
        case Query::kSelectLease:
            return sql<"SELECT holder, expires_at FROM leases WHERE name = $1 AND expires_at > ",
                       kNowMs>;
        case Query::kCountHit:
            // The window [$2, $3) holds the caller's now (store/coordination.h).
            return "INSERT INTO rate_counters AS r (key, window_start, expires_at, count) "
                   "VALUES ($1, $2, $3, $4) ON CONFLICT (key, window_start) DO UPDATE SET "
                   "count = r.count + excluded.count RETURNING r.count";
        case Query::kPurgeCounters:
            return "DELETE FROM rate_counters WHERE expires_at <= $1";
        // --- vectors.cpp ---
        case Query::kSelectModelByIdentity:
            return sql<"SELECT ", kModelCols, " FROM embedding_models WHERE identity = $1">;
        case Query::kInsertModel:
            // A racing registration of the same identity finds the row instead.
            return sql<
                "INSERT INTO embedding_models (identity, spec, dimensions, created_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (identity) DO NOTHING RETURNING ",
                kModelCols>;
        case Query::kUpdateModelSpec:
            return "UPDATE embedding_models SET spec = $2 WHERE id = $1 AND spec <> $2";
        case Query::kSelectModels:
            return sql<"SELECT ", kModelCols, " FROM embedding_models ORDER BY id">;
        case Query::kSelectModelById:
            return sql<"SELECT ", kModelCols, " FROM embedding_models WHERE id = $1">;
        case Query::kSelectDefaultModel:
            return sql<"SELECT ", kModelCols,
                       " FROM embedding_models WHERE id = (SELECT value::bigint FROM cursors "
                       "WHERE key = 'embedding.default_model')">;
        case Query::kSetDefaultModel:
            return "INSERT INTO cursors (key, value) SELECT 'embedding.default_model', "
                   "id::text FROM embedding_models WHERE id = $1 "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        case Query::kSelectMissingPapers:
            return "SELECT u.id FROM unnest($1::text[]) AS u(id) WHERE NOT EXISTS "
                   "(SELECT 1 FROM papers p WHERE p.id = u.id) LIMIT 1";
        case Query::kUpsertVectors:
            // A row equal to the stored one is not rewritten (nor returned, so it does not go
            // on the feed); kKeepVectors then records its paper_hash.
            return "INSERT INTO paper_vectors (model_id, paper_id, text_hash, paper_hash, vector) "
                   "SELECT $1, unnest($2::text[]), unnest($3::bigint[]), unnest($4::bigint[]), "
                   "unnest($5::bytea[]) ON CONFLICT (model_id, paper_id) DO UPDATE SET "
                   "text_hash = excluded.text_hash, paper_hash = excluded.paper_hash, "
                   "vector = excluded.vector WHERE paper_vectors.text_hash <> excluded.text_hash "
                   "OR paper_vectors.vector <> excluded.vector RETURNING paper_id";
        case Query::kKeepVectors:
            return "UPDATE paper_vectors AS v SET paper_hash = u.paper_hash FROM "
                   "unnest($2::text[], $3::bigint[], $4::bigint[]) AS u(paper_id, text_hash, "
                   "paper_hash) WHERE v.model_id = $1 AND v.paper_id = u.paper_id AND "
                   "v.text_hash = u.text_hash AND v.paper_hash <> u.paper_hash";
        case Query::kSelectPapersToEmbed:
            return sql<"SELECT ", kEmbedCols,
                       " FROM papers p LEFT JOIN paper_vectors v ON v.model_id = $1 AND "
                       "v.paper_id = p.id WHERE NOT p.deleted AND p.id > $2 AND "
                       "(v.paper_id IS NULL OR v.paper_hash <> p.content_hash) "
                       "ORDER BY p.id LIMIT $3">;
        case Query::kSelectEmbedState:
            return sql<"SELECT ", kEmbedCols,
                       " FROM papers p LEFT JOIN paper_vectors v ON v.model_id = $1 AND "
                       "v.paper_id = p.id WHERE p.id = ANY($2::text[]) AND NOT p.deleted">;
        case Query::kSelectVectorPage:
            return "SELECT v.paper_id, v.text_hash, v.vector FROM paper_vectors v JOIN papers p "
                   "ON p.id = v.paper_id WHERE v.model_id = $1 AND v.paper_id > $2 AND "
                   "NOT p.deleted ORDER BY v.paper_id LIMIT $3";
        case Query::kSelectVectors:
            return "SELECT v.paper_id, v.vector FROM paper_vectors v JOIN papers p ON "
                   "p.id = v.paper_id WHERE v.model_id = $1 AND v.paper_id = ANY($2::text[]) "
                   "AND NOT p.deleted";
        case Query::kVectorStats:
            return "SELECT (SELECT COUNT(*) FROM papers WHERE NOT deleted), COUNT(v.paper_id), "
                   "COUNT(*) FILTER (WHERE v.paper_hash = p.content_hash) FROM paper_vectors v "
                   "JOIN papers p ON p.id = v.paper_id WHERE v.model_id = $1 AND NOT p.deleted";
        case Query::kQueryCount:
            break;
    }
    return "";
}

namespace queries {

consteval bool every_query_has_text() {
    for (int q = 0; q < kQueryCount; ++q) {
        if (sql_text(static_cast<Query>(q)).empty()) return false;
    }
    return true;
}
static_assert(every_query_has_text(), "a PostgreSQL statement has no text");

}  // namespace queries

}  // namespace paperboy::store::postgres
