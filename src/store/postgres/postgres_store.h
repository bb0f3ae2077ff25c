// store/postgres/postgres_store.h — the Store over a PostgreSQL database.
//
// A pool of connections (pool.h, OpenOptions::pool_size) serves concurrent callers; each call
// borrows one for its statements, so reads run in parallel and never wait for writers. Every
// statement is prepared once per connection and run with $n parameters (queries.h). Semantics
// are SQLite's (the same contract suite runs on both); how they are kept across processes:
// - write() is one transaction: it reads what the batch touches in a few queries, decides in
//   memory with store/rules.h (batch_plan.h) and writes with a few bulk statements, guarded by
//   what it read; a batch that raced another writer is tried again from the start, then with
//   the feed lock taken first (which no other writer of those rows can then pass);
// - the change feed's seqs are handed out at the end of each writing transaction under a
//   transaction-level advisory lock held until commit, so seq order is commit order and a
//   follower reading "seq > last seen" never skips a change (docs/schema.md, "The change feed");
// - every row lock on papers and daily_entries is taken under that lock, so feed writers
//   cannot deadlock on them;
// - wait_for_changes() listens on a dedicated connection (LISTEN paperboy_changes; writers
//   NOTIFY in their transaction), reconnecting as needed and polling while it cannot listen.
// A broken connection is discarded and replaced on the next call; while the server is down,
// calls fail with kUnavailable within about connect_timeout, never hang. Depends on core/,
// store/ and libpq (through connection.h, which only .cpp files here include).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace paperboy::store::postgres {

class ChangeListener;
class Connection;
class Pool;

class PostgresStore final : public Store {
  public:
    // Connects to the database at `url` (postgresql://... or postgres://..., given to libpq as
    // it is) and brings its schema up to date (unless options.read_only). The database must
    // exist. Errors: kUnavailable (server unreachable), kNotFound (no such database; or, without
    // create_if_missing or read-only, no Paperboy schema in it), kInvalidArgument (malformed URL,
    // authentication), kCorruption (tables but no schema_version: not a Paperboy database),
    // kVersionMismatch (written by a newer Paperboy; or, read-only, an older one).
    static Result<std::unique_ptr<PostgresStore>> open(const std::string& url,
                                                       const OpenOptions& options);

    ~PostgresStore() override;
    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;

    // Catalog. Beyond catalog.h, as SqliteStore: deleting an unknown or hidden paper is a no-op;
    // a hidden paper's entries stay stored but are not listed; for_each_paper() reads in pages
    // without holding a connection while `fn` runs. A paper whose text is not valid UTF-8 or
    // holds a NUL byte is refused (kInvalidArgument, naming it): PostgreSQL's text cannot hold
    // it.
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
    Result<std::vector<DailyEntry>> entries_submitted_by(std::string_view handle,
                                                         size_t limit) override;
    Status put_organization(const Organization& organization) override;
    Result<std::optional<Organization>> organization(std::string_view name) override;

    // People and votes (SQL in postgres/accounts.cpp).
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
    Result<std::vector<PaperId>> voted_papers(int64_t user_id, size_t limit) override;

    // Comments (SQL in postgres/comments.cpp). The body is stored as bytea: any bytes.
    Result<Comment> add_comment(const Comment& comment) override;
    Result<std::optional<Comment>> get_comment(int64_t id) override;
    Result<Comment> update_comment(const Comment& comment) override;
    Result<std::vector<Comment>> comments_for_paper(const PaperId& paper) override;
    Result<std::vector<int>> comment_counts(const std::vector<PaperId>& papers) override;
    Result<int> comments_by_user_since(int64_t user_id, std::string_view since) override;

    // Mail and settings (SQL in postgres/mail.cpp); beyond mail.h as SqliteStore.
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

    // Coordination (SQL in postgres/coordination.cpp): times from the database's clock.
    Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                               std::chrono::seconds ttl) override;
    Status release_lease(std::string_view name, std::string_view holder) override;
    Result<std::optional<LeaseInfo>> lease(std::string_view name) override;
    Result<int64_t> count_hit(std::string_view key, std::chrono::seconds window,
                              std::chrono::system_clock::time_point now, int64_t n) override;
    Result<bool> wait_for_changes(int64_t after_seq, std::chrono::milliseconds timeout) override;
    // How often wait_for_changes() reads the feed's top while it cannot listen.
    static constexpr std::chrono::milliseconds kChangePollInterval{250};

    // Vectors (store/vectors.h; SQL in postgres/vectors.cpp). put_vectors() is a few bulk
    // statements for the whole batch, the feed lock taken after its rows are written.
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

    // Prepares every statement of postgres/queries.h on one connection (a test checks them
    // all against a fresh database); the first that fails is the error.
    Status prepare_all_statements();

    // For tests only: `hook` runs inside every write() of a non-empty batch, after its
    // statements (the feed lock held, when it changed the feed) and before its COMMIT, so that
    // a test can hold a writer's transaction open. Empty to remove. Not for production use.
    void set_before_commit_hook_for_testing(std::function<void()> hook);

  private:
    PostgresStore(std::string url, std::string name, std::unique_ptr<Pool> pool, int schema_version,
                  bool read_only, int connect_timeout_s);

    // Runs `fn` on a pooled connection. When that connection turns out to have gone stale
    // while it waited in the pool (a restarted server: its first statement fails at the socket
    // level), runs `fn` once more on a new one; nothing of the call reached the database.
    // `fn` must start from scratch each time (assign its outputs, do not append).
    Status with_connection(const std::function<Status(Connection&)>& fn);
    // One attempt of write(); sets `conflict` when the batch raced another writer. With
    // `lock_first`, the feed lock is taken before the batch reads anything.
    Status write_once(Connection& c, const WriteBatch& batch, WriteCounts& counts, bool& conflict,
                      bool lock_first);
    // Fails when the store is read-only.
    Status check_writable() const;
    Result<int64_t> feed_top();

    const std::string url_;
    const std::string name_;  // "database postgresql://...", no password
    std::unique_ptr<Pool> pool_;
    const int schema_version_;
    const bool read_only_;
    const int connect_timeout_s_;
    std::mutex hook_mu_;
    std::function<void()> before_commit_hook_;  // guarded by hook_mu_; tests only
    std::mutex listener_mu_;
    std::unique_ptr<ChangeListener> listener_;  // started by the first wait_for_changes()
    // When count_hit() last purged ended windows; guarded by purge_mu_.
    std::mutex purge_mu_;
    std::chrono::steady_clock::time_point last_purge_{};
};

}  // namespace paperboy::store::postgres
