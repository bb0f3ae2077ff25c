// store/sqlite/queries.h — every statement the SQLite store runs, by name, with its text.
//
// SqliteStore prepares each statement once, on first use, and caches it by its Query. The text
// is in one constexpr switch without a default, so that a statement without text does not
// compile (-Wswitch), and a static_assert checks that none is empty; a test prepares every one
// against a fresh database (tests/store/test_statements.cpp). Values are always bound (?N);
// only constant text is joined here (store/sql_text.h). Internal to store/sqlite/.
#pragma once

#include <string_view>

#include "store/sql_text.h"

namespace paperboy::store::sqlite {

enum class Query : int {
    kBegin,
    kBeginRead,
    kCommit,
    kRollback,
    kSelectPaperForWrite,
    kInsertPaper,
    kUpdatePaper,
    kUpdatePaperHash,
    kSelectPaperDeleted,
    kHidePaper,
    kRecordChange,
    kSelectEntry,
    kInsertEntry,
    kUpdateEntry,
    kUpsertCursor,
    kSelectPaper,
    kSelectPaperCard,
    kSelectPaperPage,
    kSelectDailyEntries,
    kSelectDailyEntriesBetween,
    kSelectEntriesForPaper,
    kSelectPreviousDate,
    kSelectNextDate,
    kSelectChanges,
    kSelectCursor,
    kStatsPapers,
    kStatsEntries,
    kStatsSequence,
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
    kInsertVote,
    kDeleteVote,
    kAddPaperVotes,
    kSelectPaperVotes,
    kSelectHasVoted,
    kDeleteEntry,
    kSelectEntriesBySubmitter,
    kSelectVotedPapers,
    kUpsertOrganization,
    kSelectOrganization,
    // comments.cpp
    kInsertComment,
    kSelectComment,
    kUpdateComment,
    kSelectPaperComments,
    kAddPaperComments,
    kSelectCommentCount,
    kCountUserComments,
    // subscriptions.cpp
    kUpsertSubscription,
    kSelectSubscription,
    kSelectSubscriptionByKey,
    kSelectSubscriptionsOf,
    kSelectConfirmedSubscriptions,
    kStartConfirmation,
    kCancelConfirmation,
    kConfirmSubscription,
    kUpdateSubscriptionStatus,
    kSelectDigestSend,
    kInsertDigestSend,
    kFinishDigestSend,
    kInsertPaperReceived,
    kResetFailures,
    kSetFailures,
    kSelectPapersReceived,
    kInsertMailToken,
    kUseMailToken,
    kSelectMailTokenUser,
    kPeekMailToken,
    kCountMailTokens,
    kUpdateEmailVerified,
    kUpdatePassword,
    kInsertInstanceSecret,
    kSelectInstanceSecret,
    // coordination.cpp
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
    kSelectVectorForWrite,
    kUpsertVector,
    kKeepVector,
    kSelectPapersToEmbed,
    kSelectEmbedState,
    kSelectVectorPage,
    kSelectVector,
    kVectorStats,
    kQueryCount,  // not a statement: the number of them
};

inline constexpr int kQueryCount = static_cast<int>(Query::kQueryCount);

// Paper ids per papers_received() query: the statement has this many placeholders after the
// address; those a short last chunk leaves unbound are NULL, which IN never matches.
inline constexpr int kReceivedChunk = 100;

namespace queries {

// The stored columns of a paper after its id, in the order every statement reads and binds
// them (sqlite_store.cpp's bind_paper_columns() and read_paper_columns()).
inline constexpr SqlPart kPaperCols =
    "version, title, abstract_raw, abstract, authors, author_count, categories, published, "
    "updated, submitter, comments, journal_ref, doi, report_no, license, github_url, "
    "project_url, organization";
inline constexpr int kPaperColumnCount = 18;
// One placeholder per paper column, numbered after the id's ?1.
inline constexpr SqlPart kPaperValues =
    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19";

// The entry columns read_entries() reads; upvotes count the paper's community votes.
inline constexpr SqlPart kEntryCols =
    "e.paper_id, e.date, e.submitted_by, e.submitted_at, e.upvotes + p.votes, e.num_comments";

// The columns read_user() reads, in its order; a NULL email_verified_at (never) reads as "".
inline constexpr SqlPart kUserCols =
    "u.id, u.handle, u.email, u.password_hash, u.role, u.created_at, u.email_verified_at";

// The columns read_comment() reads, in its order; the author's handle comes from users.
inline constexpr SqlPart kCommentCols =
    "c.id, c.paper_id, c.user_id, u.handle, COALESCE(c.parent_id, 0), c.body, c.created_at, "
    "c.updated_at, c.hidden, c.deleted";

// The columns read_subscription() reads, in its order. NULL times and nonces read as "".
inline constexpr SqlPart kSubscriptionCols =
    "id, email, frequency, topic, status, COALESCE(user_id, 0), created_at, confirmed_at, "
    "confirm_nonce, confirm_sent_at, permanent_failures, updated_at";

// The columns read_digest_send() reads, in its order.
inline constexpr SqlPart kDigestSendCols =
    "subscription_id, period, state, message_id, papers, attempts, last_error, created_at, "
    "updated_at";

// The columns read_model() reads (sqlite/vectors.cpp), in its order.
inline constexpr SqlPart kModelCols = "id, identity, spec, dimensions, created_at";

// The columns read_to_embed() reads (sqlite/vectors.cpp), in its order; a paper without a
// vector has NULL hashes.
inline constexpr SqlPart kEmbedCols =
    "p.id, p.title, p.abstract, p.content_hash, v.text_hash, v.paper_hash";

// "?2, ?3, ..., ?101": the placeholders of a papers_received() chunk.
consteval size_t received_list_length() {
    size_t n = 0;
    for (int i = 2; i < kReceivedChunk + 2; ++i) n += (i < 10 ? 2 : i < 100 ? 3 : 4) + 2;
    return n - 2;
}
consteval SqlPart<received_list_length() + 1> received_list() {
    SqlPart<received_list_length() + 1> out;
    size_t at = 0;
    for (int i = 2; i < kReceivedChunk + 2; ++i) {
        if (i > 2) {
            out.text[at++] = ',';
            out.text[at++] = ' ';
        }
        out.text[at++] = '?';
        if (i >= 100) out.text[at++] = static_cast<char>('0' + i / 100);
        if (i >= 10) out.text[at++] = static_cast<char>('0' + i / 10 % 10);
        out.text[at++] = static_cast<char>('0' + i % 10);
    }
    return out;
}
inline constexpr auto kReceivedList = received_list();

}  // namespace queries

// The text of each statement (NUL-terminated).
constexpr std::string_view sql_text(Query query) {
    using namespace queries;  // NOLINT(google-build-using-namespace): the column lists
    switch (query) {
        case Query::kBegin:
            return "BEGIN IMMEDIATE";
        case Query::kBeginRead:
            return "BEGIN";
        case Query::kCommit:
            return "COMMIT";
        case Query::kRollback:
            return "ROLLBACK";
        case Query::kSelectPaperForWrite:
            return sql<"SELECT content_hash, deleted, ", kPaperCols, " FROM papers WHERE id = ?1">;
        case Query::kInsertPaper:
            return sql<"INSERT INTO papers (id, ", kPaperCols,
                       ", deleted, seq, content_hash) VALUES (?1, ", kPaperValues,
                       ", 0, ?20, ?21)">;
        case Query::kUpdatePaper:
            return sql<"UPDATE papers SET (", kPaperCols, ") = (", kPaperValues,
                       "), deleted = 0, seq = ?20, content_hash = ?21 WHERE id = ?1">;
        case Query::kUpdatePaperHash:
            return "UPDATE papers SET content_hash = ?2 WHERE id = ?1";
        case Query::kSelectPaperDeleted:
            return "SELECT deleted FROM papers WHERE id = ?1";
        case Query::kHidePaper:
            return "UPDATE papers SET deleted = 1, seq = ?2 WHERE id = ?1";
        case Query::kRecordChange:
            // REPLACE removes the record's previous entry, so each record appears once, at its
            // latest seq; AUTOINCREMENT never hands out a seq twice, even after that removal.
            return "INSERT OR REPLACE INTO changes (entity, paper_id, date, deleted) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case Query::kSelectEntry:
            return "SELECT submitted_by, submitted_at, upvotes, num_comments FROM daily_entries "
                   "WHERE date = ?1 AND paper_id = ?2";
        case Query::kInsertEntry:
            return "INSERT INTO daily_entries (date, paper_id, submitted_by, submitted_at, "
                   "upvotes, num_comments, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        case Query::kUpdateEntry:
            return "UPDATE daily_entries SET submitted_by = ?3, submitted_at = ?4, upvotes = ?5, "
                   "num_comments = ?6, seq = ?7 WHERE date = ?1 AND paper_id = ?2";
        case Query::kUpsertCursor:
            return "INSERT INTO cursors (key, value) VALUES (?1, ?2) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        case Query::kSelectPaper:
            return sql<"SELECT ", kPaperCols, " FROM papers WHERE id = ?1 AND deleted = 0">;
        case Query::kSelectPaperCard:
            return sql<"SELECT ", kPaperCols,
                       ", comment_count, votes FROM papers WHERE id = ?1 AND deleted = 0">;
        case Query::kSelectPaperPage:
            // "+deleted" keeps the planner on the primary key (already in id order) rather than
            // papers_by_visibility followed by a sort.
            return sql<"SELECT id, ", kPaperCols,
                       " FROM papers WHERE +deleted = 0 AND id > ?1 ORDER BY id LIMIT ?2">;
        case Query::kSelectDailyEntries:
            // Unknown submission times sort after known ones.
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.date = ?1 AND p.deleted = 0 "
                       "ORDER BY e.upvotes + p.votes DESC, e.submitted_at = '', e.submitted_at, "
                       "e.paper_id">;
        case Query::kSelectDailyEntriesBetween:
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.date BETWEEN ?1 AND ?2 AND p.deleted = 0 ORDER BY e.date, "
                       "e.upvotes + p.votes DESC, e.submitted_at = '', e.submitted_at, "
                       "e.paper_id">;
        case Query::kSelectEntriesForPaper:
            // CROSS JOIN: the paper's entries (usually none) drive. The planner's own order
            // read the paper's row first, for every paper of a result page.
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e CROSS JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.paper_id = ?1 AND p.deleted = 0 ORDER BY e.date DESC">;
        case Query::kSelectPreviousDate:
            // Walks the (date, paper_id) key backwards and stops at the first visible paper.
            return "SELECT e.date FROM daily_entries e CROSS JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date < ?1 AND p.deleted = 0 ORDER BY e.date DESC LIMIT 1";
        case Query::kSelectNextDate:
            return "SELECT e.date FROM daily_entries e CROSS JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date > ?1 AND p.deleted = 0 ORDER BY e.date LIMIT 1";
        case Query::kSelectChanges:
            return "SELECT seq, entity, paper_id, date, deleted FROM changes WHERE seq > ?1 "
                   "ORDER BY seq LIMIT ?2";
        case Query::kSelectCursor:
            return "SELECT value FROM cursors WHERE key = ?1";
        case Query::kStatsPapers:
            return "SELECT deleted, github_url <> '', COUNT(*) FROM papers "
                   "GROUP BY deleted, github_url <> ''";
        case Query::kStatsEntries:
            // CROSS JOIN fixes the loop order: the few entries drive, rather than the planner
            // walking every visible paper to probe for entries.
            return "SELECT COUNT(*), COUNT(DISTINCT e.date), COALESCE(MIN(e.date), ''), "
                   "COALESCE(MAX(e.date), '') FROM daily_entries e "
                   "CROSS JOIN papers p ON p.id = e.paper_id WHERE p.deleted = 0";
        case Query::kStatsSequence:
            return "SELECT COALESCE(MAX(seq), 0) FROM changes";

        // --- accounts.cpp ---
        case Query::kInsertUser:
            return "INSERT INTO users (handle, email, password_hash, role, created_at, "
                   "email_verified_at) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, ''))";
        case Query::kSelectUserByName:
            // Both columns compare with NOCASE, their declared collation.
            return sql<"SELECT ", kUserCols,
                       " FROM users u WHERE u.handle = ?1 OR u.email = ?1 LIMIT 1">;
        case Query::kSelectUserById:
            return sql<"SELECT ", kUserCols, " FROM users u WHERE u.id = ?1">;
        case Query::kUpdateRole:
            return "UPDATE users SET role = ?2 WHERE id = ?1";
        case Query::kInsertSession:
            return "INSERT INTO sessions (token_digest, user_id, created_at, expires_at) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case Query::kSelectSessionUser:
            return sql<"SELECT ", kUserCols,
                       " FROM sessions s JOIN users u ON u.id = s.user_id "
                       "WHERE s.token_digest = ?1 AND s.expires_at > ?2">;
        case Query::kDeleteSession:
            return "DELETE FROM sessions WHERE token_digest = ?1";
        case Query::kDeleteUserSessions:
            return "DELETE FROM sessions WHERE user_id = ?1";
        case Query::kInsertApiToken:
            return "INSERT INTO api_tokens (token_digest, user_id, name, created_at) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case Query::kSelectApiTokenUser:
            return sql<"SELECT ", kUserCols,
                       " FROM api_tokens t JOIN users u ON u.id = t.user_id "
                       "WHERE t.token_digest = ?1">;
        case Query::kTouchApiToken:
            // At most once a minute: "...T10:00" sorts before every instant of that minute, so
            // a use in the minute of the last recorded one writes nothing.
            return "UPDATE api_tokens SET last_used_at = ?2 WHERE token_digest = ?1 AND "
                   "last_used_at < substr(?2, 1, 16)";
        case Query::kSelectApiTokens:
            return "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1 "
                   "ORDER BY id";
        case Query::kDeleteApiToken:
            return "DELETE FROM api_tokens WHERE user_id = ?1 AND id = ?2";
        case Query::kInsertVote:
            return "INSERT OR IGNORE INTO votes (user_id, paper_id, created_at) "
                   "VALUES (?1, ?2, ?3)";
        case Query::kDeleteVote:
            return "DELETE FROM votes WHERE user_id = ?1 AND paper_id = ?2";
        case Query::kAddPaperVotes:
            return "UPDATE papers SET votes = votes + ?2, seq = ?3 WHERE id = ?1";
        case Query::kSelectPaperVotes:
            return "SELECT votes FROM papers WHERE id = ?1";
        case Query::kSelectHasVoted:
            return "SELECT 1 FROM votes WHERE user_id = ?1 AND paper_id = ?2";
        case Query::kDeleteEntry:
            return "DELETE FROM daily_entries WHERE date = ?1 AND paper_id = ?2";
        case Query::kSelectEntriesBySubmitter:
            return sql<"SELECT ", kEntryCols,
                       " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                       "WHERE e.submitted_by = ?1 AND p.deleted = 0 "
                       "ORDER BY e.date DESC, e.submitted_at DESC LIMIT ?2">;
        case Query::kSelectVotedPapers:
            return "SELECT v.paper_id FROM votes v JOIN papers p ON p.id = v.paper_id "
                   "WHERE v.user_id = ?1 AND p.deleted = 0 ORDER BY v.created_at DESC, "
                   "v.paper_id LIMIT ?2";
        case Query::kUpsertOrganization:
            return "INSERT INTO organizations (name, full_name, avatar_url, updated_at) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
                   "full_name = excluded.full_name, avatar_url = excluded.avatar_url, "
                   "updated_at = excluded.updated_at";
        case Query::kSelectOrganization:
            return "SELECT name, full_name, avatar_url FROM organizations WHERE name = ?1";

        // --- comments.cpp ---
        case Query::kInsertComment:
            return "INSERT INTO comments (paper_id, user_id, parent_id, body, created_at, "
                   "updated_at) VALUES (?1, ?2, NULLIF(?3, 0), ?4, ?5, ?5)";
        case Query::kSelectComment:
            return sql<"SELECT ", kCommentCols,
                       " FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = ?1">;
        case Query::kUpdateComment:
            return "UPDATE comments SET body = ?2, updated_at = ?3, hidden = ?4, deleted = ?5 "
                   "WHERE id = ?1";
        case Query::kSelectPaperComments:
            return sql<"SELECT ", kCommentCols,
                       " FROM comments c JOIN users u ON u.id = c.user_id "
                       "WHERE c.paper_id = ?1 ORDER BY c.id">;
        case Query::kAddPaperComments:
            return "UPDATE papers SET comment_count = comment_count + ?2, seq = ?3 WHERE id = ?1";
        case Query::kSelectCommentCount:
            return "SELECT comment_count FROM papers WHERE id = ?1";
        case Query::kCountUserComments:
            return "SELECT COUNT(*) FROM comments WHERE user_id = ?1 AND created_at >= ?2";

        // --- subscriptions.cpp ---
        case Query::kUpsertSubscription:
            // The SET expressions read the row as it was, so `status` is the old status
            // throughout; the WHERE leaves every other row unwritten.
            return "INSERT INTO subscriptions (email, frequency, topic, status, user_id, "
                   "created_at, updated_at) VALUES (?1, ?2, ?3, 'pending', NULLIF(?4, 0), ?5, ?5) "
                   "ON CONFLICT (email, frequency, topic) DO UPDATE SET "
                   "status = CASE WHEN status = 'unsubscribed' THEN 'pending' ELSE status END, "
                   "confirmed_at = CASE WHEN status = 'unsubscribed' THEN NULL "
                   "ELSE confirmed_at END, "
                   "confirm_nonce = CASE WHEN status = 'unsubscribed' THEN NULL "
                   "ELSE confirm_nonce END, "
                   "confirm_sent_at = CASE WHEN status = 'unsubscribed' THEN NULL "
                   "ELSE confirm_sent_at END, "
                   "permanent_failures = CASE WHEN status = 'unsubscribed' THEN 0 "
                   "ELSE permanent_failures END, "
                   "user_id = COALESCE(user_id, excluded.user_id), "
                   "updated_at = excluded.updated_at "
                   "WHERE status = 'unsubscribed' OR "
                   "(user_id IS NULL AND excluded.user_id IS NOT NULL)";
        case Query::kSelectSubscription:
            return sql<"SELECT ", kSubscriptionCols, " FROM subscriptions WHERE id = ?1">;
        case Query::kSelectSubscriptionByKey:
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE email = ?1 AND frequency = ?2 AND topic = ?3">;
        case Query::kSelectSubscriptionsOf:
            // NULLIF: user 0 is "no user", and NULL matches no row.
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE email = ?1 OR user_id = NULLIF(?2, 0) "
                       "ORDER BY id">;
        case Query::kSelectConfirmedSubscriptions:
            return sql<"SELECT ", kSubscriptionCols,
                       " FROM subscriptions WHERE frequency = ?1 AND status = 'confirmed' AND "
                       "id > ?2 ORDER BY id LIMIT ?3">;
        case Query::kStartConfirmation:
            return "UPDATE subscriptions SET confirm_nonce = ?2, confirm_sent_at = ?3, "
                   "updated_at = ?3 WHERE id = ?1 AND status = 'pending' AND "
                   "(confirm_sent_at IS NULL OR confirm_sent_at < ?4)";
        case Query::kCancelConfirmation:
            return "UPDATE subscriptions SET confirm_nonce = NULL, confirm_sent_at = NULL "
                   "WHERE id = ?1 AND confirm_nonce = ?2";
        case Query::kConfirmSubscription:
            return "UPDATE subscriptions SET status = 'confirmed', confirmed_at = ?3, "
                   "confirm_nonce = NULL, updated_at = ?3 "
                   "WHERE id = ?1 AND status = 'pending' AND confirm_nonce = ?2";
        case Query::kUpdateSubscriptionStatus:
            return "UPDATE subscriptions SET status = ?2, updated_at = ?3, "
                   "permanent_failures = CASE WHEN ?2 = 'confirmed' THEN 0 "
                   "ELSE permanent_failures END, "
                   "confirmed_at = CASE WHEN ?2 = 'confirmed' THEN COALESCE(confirmed_at, ?3) "
                   "ELSE confirmed_at END WHERE id = ?1";
        case Query::kSelectDigestSend:
            return sql<"SELECT ", kDigestSendCols,
                       " FROM digest_sends WHERE subscription_id = ?1 AND period = ?2">;
        case Query::kInsertDigestSend:
            // Only the key's conflict is ignored: a claim never overwrites an earlier one.
            return "INSERT INTO digest_sends (subscription_id, period, state, message_id, papers, "
                   "attempts, last_error, created_at, updated_at) "
                   "VALUES (?1, ?2, 'claimed', ?3, ?4, ?5, ?6, ?7, ?8) "
                   "ON CONFLICT (subscription_id, period) DO NOTHING";
        case Query::kFinishDigestSend:
            return "UPDATE digest_sends SET "
                   "state = CASE WHEN ?3 = 'claimed' THEN state ELSE ?3 END, "
                   "attempts = attempts + 1, last_error = ?4, updated_at = ?5 "
                   "WHERE subscription_id = ?1 AND period = ?2";
        case Query::kInsertPaperReceived:
            return "INSERT OR IGNORE INTO papers_received (email, paper_id, received_at) "
                   "VALUES (?1, ?2, ?3)";
        case Query::kResetFailures:
            return "UPDATE subscriptions SET permanent_failures = 0, updated_at = ?2 "
                   "WHERE id = ?1 AND permanent_failures <> 0";
        case Query::kSetFailures:
            // The values rules::after_permanent_failure() decided, in the same transaction as
            // the read they were decided from.
            return "UPDATE subscriptions SET permanent_failures = ?2, status = ?3, "
                   "updated_at = ?4 WHERE id = ?1";
        case Query::kSelectPapersReceived:
            return sql<"SELECT paper_id FROM papers_received WHERE email = ?1 AND paper_id IN (",
                       kReceivedList, ")">;
        case Query::kInsertMailToken:
            return "INSERT INTO mail_tokens (digest, user_id, purpose, created_at, expires_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)";
        case Query::kUseMailToken:
            return "UPDATE mail_tokens SET used_at = ?3 WHERE digest = ?1 AND purpose = ?2 AND "
                   "used_at IS NULL AND expires_at > ?3";
        case Query::kSelectMailTokenUser:
            return "SELECT user_id FROM mail_tokens WHERE digest = ?1";
        case Query::kPeekMailToken:
            return "SELECT user_id FROM mail_tokens WHERE digest = ?1 AND purpose = ?2 AND "
                   "used_at IS NULL AND expires_at > ?3";
        case Query::kCountMailTokens:
            return "SELECT COUNT(*) FROM mail_tokens WHERE user_id = ?1 AND purpose = ?2 AND "
                   "created_at >= ?3";
        case Query::kUpdateEmailVerified:
            return "UPDATE users SET email_verified_at = ?2 WHERE id = ?1";
        case Query::kUpdatePassword:
            return "UPDATE users SET password_hash = ?2 WHERE id = ?1";
        case Query::kInsertInstanceSecret:
            return "INSERT OR IGNORE INTO instance_secrets (name, value) VALUES (?1, ?2)";
        case Query::kSelectInstanceSecret:
            return "SELECT value FROM instance_secrets WHERE name = ?1";

        // --- coordination.cpp (times in milliseconds since the epoch, from this process) ---
        case Query::kAcquireLease:
            // One statement decides: a free or expired lease, or one the holder has already,
            // is (re)written and returned; another holder's live lease returns no row.
            return "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3 + ?4) "
                   "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                   "expires_at = excluded.expires_at "
                   "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3 "
                   "RETURNING holder";
        case Query::kReleaseLease:
            return "DELETE FROM leases WHERE name = ?1 AND holder = ?2";
        case Query::kSelectLease:
            return "SELECT holder, expires_at FROM leases WHERE name = ?1 AND expires_at > ?2";
        case Query::kCountHit:
            return "INSERT INTO rate_counters (key, window_start, expires_at, count) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key, window_start) DO UPDATE SET "
                   "count = count + excluded.count RETURNING count";
        case Query::kPurgeCounters:
            return "DELETE FROM rate_counters WHERE expires_at <= ?1";

        // --- vectors.cpp ---
        case Query::kSelectModelByIdentity:
            return sql<"SELECT ", kModelCols, " FROM embedding_models WHERE identity = ?1">;
        case Query::kInsertModel:
            return "INSERT INTO embedding_models (identity, spec, dimensions, created_at) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case Query::kUpdateModelSpec:
            return "UPDATE embedding_models SET spec = ?2 WHERE id = ?1 AND spec <> ?2";
        case Query::kSelectModels:
            return sql<"SELECT ", kModelCols, " FROM embedding_models ORDER BY id">;
        case Query::kSelectModelById:
            return sql<"SELECT ", kModelCols, " FROM embedding_models WHERE id = ?1">;
        case Query::kSelectDefaultModel:
            return sql<"SELECT ", kModelCols,
                       " FROM embedding_models WHERE id = (SELECT CAST(value AS INTEGER) FROM "
                       "cursors WHERE key = 'embedding.default_model')">;
        case Query::kSelectVectorForWrite:
            // Whether the paper exists, and the stored vector it would replace.
            return "SELECT v.text_hash, v.vector FROM papers p LEFT JOIN paper_vectors v "
                   "ON v.model_id = ?1 AND v.paper_id = p.id WHERE p.id = ?2";
        case Query::kUpsertVector:
            return "INSERT INTO paper_vectors (model_id, paper_id, text_hash, paper_hash, vector) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (model_id, paper_id) DO UPDATE SET "
                   "text_hash = excluded.text_hash, paper_hash = excluded.paper_hash, "
                   "vector = excluded.vector";
        case Query::kKeepVector:
            return "UPDATE paper_vectors SET paper_hash = ?4 WHERE model_id = ?1 AND "
                   "paper_id = ?2 AND text_hash = ?3 AND paper_hash <> ?4";
        case Query::kSelectPapersToEmbed:
            // The papers' key in id order drives ("+deleted" keeps the planner on it, as in
            // kSelectPaperPage); each probes the (model_id, paper_id) key of its vector.
            return sql<"SELECT ", kEmbedCols,
                       " FROM papers p LEFT JOIN paper_vectors v ON v.model_id = ?1 AND "
                       "v.paper_id = p.id WHERE +p.deleted = 0 AND p.id > ?2 AND "
                       "(v.paper_id IS NULL OR v.paper_hash <> p.content_hash) "
                       "ORDER BY p.id LIMIT ?3">;
        case Query::kSelectEmbedState:
            return sql<"SELECT ", kEmbedCols,
                       " FROM papers p LEFT JOIN paper_vectors v ON v.model_id = ?1 AND "
                       "v.paper_id = p.id WHERE p.id = ?2 AND p.deleted = 0">;
        case Query::kSelectVectorPage:
            return "SELECT v.paper_id, v.text_hash, v.vector FROM paper_vectors v "
                   "CROSS JOIN papers p ON p.id = v.paper_id WHERE v.model_id = ?1 AND "
                   "v.paper_id > ?2 AND p.deleted = 0 ORDER BY v.paper_id LIMIT ?3";
        case Query::kSelectVector:
            return "SELECT v.vector FROM paper_vectors v CROSS JOIN papers p ON "
                   "p.id = v.paper_id WHERE v.model_id = ?1 AND v.paper_id = ?2 AND "
                   "p.deleted = 0";
        case Query::kVectorStats:
            return "SELECT (SELECT COUNT(*) FROM papers WHERE deleted = 0), COUNT(v.paper_id), "
                   "COALESCE(SUM(v.paper_hash = p.content_hash), 0) FROM paper_vectors v "
                   "CROSS JOIN papers p ON p.id = v.paper_id WHERE v.model_id = ?1 AND "
                   "p.deleted = 0";
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
static_assert(every_query_has_text(), "a SQLite statement has no text");

}  // namespace queries

}  // namespace paperboy::store::sqlite
