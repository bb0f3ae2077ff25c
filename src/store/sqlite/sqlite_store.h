// store/sqlite/sqlite_store.h — the Store over one SQLite file (or a private in-memory
// database).
//
// One connection, guarded by a mutex: every call takes it, so a SqliteStore may be shared by
// threads, and reads wait for a running write(). The file is opened in WAL mode with
// synchronous=NORMAL (a crash loses at most the last committed batches, never consistency),
// foreign keys on and a 5 s busy timeout for other processes; WAL checkpoints run on a
// background thread (checkpointer.h). Every statement (sqlite/queries.h) is prepared once and
// cached; what a write does is decided by store/rules.h. See docs/schema.md for the tables and
// the change-feed contract. Depends on core/, store/rules.h, store/migrations.h,
// store/paper_codec.h and SQLite.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/paper_codec.h"
#include "store/sqlite/queries.h"
#include "store/store.h"

struct sqlite3;

namespace paperboy::store::sqlite {

class Checkpointer;
class Statement;

class SqliteStore final : public Store {
  public:
    // Opens (and, unless options.create_if_missing is false, creates) the database at `path`;
    // ":memory:" gives a private in-memory database. Brings its schema up to date unless
    // options.read_only. Errors: kNotFound (missing file, create_if_missing off), kIo (cannot
    // open), kCorruption (not a SQLite or not a Paperboy database), kVersionMismatch (written by
    // a newer Paperboy; or, read-only, by an older one that needs upgrading first).
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                     const OpenOptions& options);

    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    // Store. Semantics beyond store.h, all documented in docs/schema.md:
    // - deleting an unknown or already hidden paper is a no-op (no count, no change);
    // - daily entries of a hidden paper stay stored but are left out of daily_entries(),
    //   entries_for_paper() and stats() until the paper is shown again;
    // - for_each_paper() reads in pages without holding the lock while `fn` runs, so `fn` may
    //   call this store; papers written meanwhile may or may not be seen.
    Result<WriteCounts> write(const WriteBatch& batch) override;
    Result<std::optional<Paper>> get_paper(const PaperId& id) override;
    Result<std::vector<std::optional<Paper>>> get_papers(const std::vector<PaperId>& ids) override;
    Status for_each_paper(const std::function<bool(const Paper&)>& fn) override;
    Result<std::vector<DailyEntry>> daily_entries(std::string_view date) override;
    Result<std::vector<DailyEntry>> daily_entries_between(std::string_view first_date,
                                                          std::string_view last_date) override;
    Result<std::optional<std::string>> adjacent_daily_date(std::string_view date,
                                                           bool later) override;
    Result<std::vector<DailyEntry>> entries_for_paper(const PaperId& id) override;
    Result<std::vector<std::vector<DailyEntry>>> entries_for_papers(
        const std::vector<PaperId>& ids) override;
    Result<std::vector<std::optional<PaperCard>>> paper_cards(
        const std::vector<PaperId>& ids) override;
    Result<std::vector<Change>> changes_since(int64_t after_seq, size_t limit) override;
    Result<std::optional<std::string>> cursor(std::string_view key) override;
    Result<StoreStats> stats() override;

    // People and votes (store/people.h, store/votes.h; SQL in sqlite/accounts.cpp).
    Result<User> create_user(const User& user) override;
    Result<std::optional<User>> find_user(std::string_view handle_or_email) override;
    Result<std::optional<User>> user_by_id(int64_t id) override;
    Status set_role(int64_t user_id, Role role) override;
    Status add_session(std::string_view token_digest, int64_t user_id,
                       std::string_view expires_at) override;
    Result<std::optional<User>> session_user(std::string_view token_digest,
                                             std::string_view now) override;
    Status remove_session(std::string_view token_digest) override;
    Status remove_sessions(int64_t user_id) override;
    Result<int64_t> add_api_token(int64_t user_id, std::string_view token_digest,
                                  std::string_view name) override;
    Result<std::optional<User>> api_token_user(std::string_view token_digest,
                                               std::string_view now) override;
    Result<std::vector<ApiTokenInfo>> api_tokens(int64_t user_id) override;
    Result<bool> revoke_api_token(int64_t user_id, int64_t token_id) override;
    Result<VoteOutcome> set_vote(int64_t user_id, const PaperId& paper, bool up) override;
    Result<int> paper_votes(const PaperId& paper) override;
    Result<std::vector<bool>> has_voted(int64_t user_id,
                                        const std::vector<PaperId>& papers) override;
    Result<std::vector<DailyEntry>> entries_submitted_by(std::string_view handle,
                                                         size_t limit) override;
    Result<std::vector<PaperId>> voted_papers(int64_t user_id, size_t limit) override;
    Status put_organization(const Organization& organization) override;
    Result<std::optional<Organization>> organization(std::string_view name) override;

    // Comments (store/comments.h; SQL in sqlite/comments.cpp).
    Result<Comment> add_comment(const Comment& comment) override;
    Result<std::optional<Comment>> get_comment(int64_t id) override;
    Result<Comment> update_comment(const Comment& comment) override;
    Result<std::vector<Comment>> comments_for_paper(const PaperId& paper) override;
    Result<std::vector<int>> comment_counts(const std::vector<PaperId>& papers) override;
    Result<int> comments_by_user_since(int64_t user_id, std::string_view since) override;

    // Mail (store/mail.h; SQL in sqlite/subscriptions.cpp). Beyond store.h:
    // - upsert_subscription() turning an unsubscribed row pending again also resets its
    //   permanent failures (the address starts over);
    // - start_confirmation() refuses an empty nonce (kInvalidArgument): a nonce is what makes
    //   the link work once;
    // - finish_digest(kFailed) suspends only a confirmed subscription (one unsubscribed
    //   meanwhile stays so), and never when suspend_after <= 0;
    // - a finished attempt of any state counts in DigestSend::attempts and sets last_error to
    //   `error`; kClaimed leaves the state as it was;
    // - instance_secret() refuses an empty `generated` (kInvalidArgument).
    Result<Subscription> upsert_subscription(std::string_view email, Frequency frequency,
                                             std::string_view topic, int64_t user_id,
                                             std::string_view now) override;
    Result<std::optional<Subscription>> subscription(int64_t id) override;
    Result<std::vector<Subscription>> subscriptions_of(std::string_view email,
                                                       int64_t user_id) override;
    Result<std::vector<Subscription>> confirmed_subscriptions(Frequency frequency, int64_t after_id,
                                                              size_t limit) override;
    Result<bool> start_confirmation(int64_t id, std::string_view nonce, std::string_view now,
                                    std::string_view not_after) override;
    Status cancel_confirmation(int64_t id, std::string_view nonce) override;
    Result<bool> confirm_subscription(int64_t id, std::string_view nonce,
                                      std::string_view now) override;
    Status set_subscription_status(int64_t id, SubscriptionStatus status,
                                   std::string_view now) override;
    Result<std::optional<DigestSend>> digest_send(int64_t subscription_id,
                                                  std::string_view period) override;
    Result<bool> claim_digest(const DigestSend& send) override;
    Result<int> finish_digest(int64_t subscription_id, std::string_view period, SendState state,
                              std::string_view error, std::string_view now,
                              int suspend_after) override;
    Result<std::vector<bool>> papers_received(std::string_view email,
                                              const std::vector<PaperId>& papers) override;
    Status add_mail_token(std::string_view token_digest, int64_t user_id, MailTokenPurpose purpose,
                          std::string_view created_at, std::string_view expires_at) override;
    Result<std::optional<int64_t>> mail_token_user(std::string_view token_digest,
                                                   MailTokenPurpose purpose,
                                                   std::string_view now) override;
    Result<std::optional<int64_t>> use_mail_token(std::string_view token_digest,
                                                  MailTokenPurpose purpose,
                                                  std::string_view now) override;
    Result<int> mail_tokens_since(int64_t user_id, MailTokenPurpose purpose,
                                  std::string_view since) override;
    Status set_email_verified(int64_t user_id, std::string_view now) override;
    Status set_password(int64_t user_id, std::string_view password_hash) override;
    Result<std::string> instance_secret(std::string_view name, std::string_view generated) override;

    // Coordination (store/coordination.h; SQL in sqlite/coordination.cpp). Times come from this
    // process's clock, which every user of one SQLite file shares. wait_for_changes() wakes on
    // this store's own feed writes at once, and notices other processes' by reading the feed's
    // top every kChangePollInterval.
    Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                               std::chrono::seconds ttl) override;
    Status release_lease(std::string_view name, std::string_view holder) override;
    Result<std::optional<LeaseInfo>> lease(std::string_view name) override;
    Result<int64_t> count_hit(std::string_view key, std::chrono::seconds window,
                              std::chrono::system_clock::time_point now, int64_t n) override;
    Result<bool> wait_for_changes(int64_t after_seq, std::chrono::milliseconds timeout) override;
    static constexpr std::chrono::milliseconds kChangePollInterval{100};

    // Vectors (store/vectors.h; SQL in sqlite/vectors.cpp). put_vectors() checks and writes a
    // batch row by row in one transaction; for_each_vector() reads in pages as for_each_paper().
    Result<EmbeddingModel> register_model(std::string_view identity, std::string_view spec,
                                          int dimensions) override;
    Result<std::vector<EmbeddingModel>> models() override;
    Result<std::optional<EmbeddingModel>> default_model() override;
    Status set_default_model(int64_t model_id) override;
    Status put_vectors(int64_t model_id, const std::vector<PaperVector>& vectors) override;
    Status keep_vectors(int64_t model_id, const std::vector<PaperVector>& papers) override;
    Result<std::vector<PaperToEmbed>> papers_to_embed(int64_t model_id,
                                                      const std::optional<PaperId>& after,
                                                      size_t limit) override;
    Result<std::vector<std::optional<PaperToEmbed>>> embed_state(
        int64_t model_id, const std::vector<PaperId>& ids) override;
    Status for_each_vector(int64_t model_id,
                           const std::function<bool(const VectorRow&)>& fn) override;
    Result<std::vector<std::optional<std::vector<float>>>> get_vectors(
        int64_t model_id, const std::vector<PaperId>& ids) override;
    Result<VectorStats> vector_stats(int64_t model_id) override;

    // The connection's settings as SQLite reports them, for diagnostics and tests.
    struct ConnectionSettings {
        std::string journal_mode;  // "wal" for a file, "memory" for ":memory:"
        int synchronous = 0;       // 1 = NORMAL
        bool foreign_keys = false;
        int busy_timeout_ms = 0;
        int64_t mmap_size = 0;  // bytes read through a memory map (0 for ":memory:")
    };
    Result<ConnectionSettings> connection_settings();

    // Prepares every statement of sqlite/queries.h (a test checks them all against a fresh
    // database); the first that fails is the error.
    Status prepare_all_statements();

    // For tests only: `hook` runs inside every write() of a non-empty batch, after its
    // statements and before its COMMIT (the store's lock held), so that a test can hold a
    // writer's transaction open. Empty to remove. Not for production use.
    void set_before_commit_hook_for_testing(std::function<void()> hook);

  private:
    // get_paper() with mu_ held.
    Result<std::optional<Paper>> read_paper_locked(const PaperId& id);

    // One read transaction around the statements of a page of reads made with mu_ held.
    class ReadSnapshot;

    SqliteStore(sqlite3* db, std::string path, int schema_version, bool read_only);

    // The cached statement, prepared on first use. Caller holds mu_.
    Result<Statement*> statement(Query q);

    // The steps of write(), inside its transaction. Caller holds mu_.
    Status apply_put_paper(const Paper& incoming, WriteCounts& counts);
    Status apply_delete_paper(const PaperId& id, WriteCounts& counts);
    Status apply_put_daily_entry(const DailyEntry& incoming, WriteCounts& counts);
    Status apply_set_cursor(const std::string& key, const std::string& value);
    Status apply_remove_daily_entry(const std::string& date, const PaperId& id,
                                    WriteCounts& counts);
    Status apply_set_organization(const PaperId& id, const std::string& organization,
                                  WriteCounts& counts);
    // Inserts (kInsertPaper) or overwrites (kUpdatePaper) the row of `paper`, shown, with
    // `hash` and a new change-feed position.
    Status write_paper_row(Query query, const Paper& paper, uint64_t hash);
    // Appends (or moves to the end) the change-feed entry of a record; returns its new seq.
    Result<int64_t> record_change(std::string_view entity, std::string_view paper_id,
                                  std::string_view date, bool deleted);
    Result<std::vector<DailyEntry>> read_entries(Statement& stmt);
    // Tells wait_for_changes() callers that the feed moved. Call after a commit that wrote it.
    void feed_written();
    // The highest seq on the feed. Caller holds mu_.
    Result<int64_t> last_seq_locked();
    // Runs a statement that changes rows, with mu_ held; returns how many it changed.
    Result<int> run_counting(Statement& stmt);
    // Fails when the store is read-only. Caller holds mu_.
    Status check_writable() const;
    // The user a statement's row holds (columns as kSelectUserById). Caller holds mu_.
    Result<std::optional<User>> read_user(Statement& stmt);
    // The embedding model `model_id`, nullopt when unknown. Caller holds mu_.
    Result<std::optional<EmbeddingModel>> model_locked(int64_t model_id);
    // get_comment() with mu_ held.
    Result<std::optional<Comment>> read_comment_locked(int64_t id);
    // The subscriptions a statement's rows hold (columns as kSelectSubscription), at most one
    // when `first_only`. Caller holds mu_.
    Result<std::vector<Subscription>> read_subscriptions(Statement& stmt, bool first_only);

    std::mutex mu_;
    sqlite3* db_;
    const std::string path_;
    const int schema_version_;
    const bool read_only_;
    std::array<std::unique_ptr<Statement>, kQueryCount> statements_;
    std::function<void()> before_commit_hook_;  // guarded by mu_; tests only
    // Feed writes of this store, for wait_for_changes(); guarded by feed_mu_.
    std::mutex feed_mu_;
    std::condition_variable feed_cv_;
    uint64_t feed_writes_ = 0;
    // When count_hit() last purged ended windows; guarded by mu_.
    std::chrono::steady_clock::time_point last_purge_{};
    AuthorsJsonReader authors_reader_;            // guarded by mu_
    std::unique_ptr<Checkpointer> checkpointer_;  // files opened for writing only
};

}  // namespace paperboy::store::sqlite
