// store/store.h — the system of record.
//
// The Store interface is what every caller uses; store/sqlite/ implements it over one SQLite
// file (the embedded default) and store/postgres/ will implement it over PostgreSQL. Only those
// backend folders include a database driver header. Callers open a store with open_store().
//
// Writes are grouped in WriteBatch values applied atomically: after a crash a batch is either
// wholly in the database or not at all. Every insert, update or deletion of a paper or daily
// entry is given a sequence number from one monotonically increasing counter (the change feed);
// readers follow it with changes_since() from where they stopped.
//
// Thread-safety: a Store may be called from several threads; implementations serialise what
// their driver requires.
// Depends on core/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "store/accounts.h"
#include "store/comments.h"
#include "store/subscriptions.h"

namespace paperboy::store {

// The writes of one atomic batch, applied in the order they were added.
class WriteBatch {
  public:
    struct PutPaper {
        Paper paper;
    };
    struct DeletePaper {
        PaperId id;
    };
    struct PutDailyEntry {
        DailyEntry entry;
    };
    struct SetCursor {
        std::string key;
        std::string value;
    };
    struct RemoveDailyEntry {
        std::string date;
        PaperId paper_id;
    };
    struct SetOrganization {
        PaperId paper_id;
        std::string organization;
    };
    using Op = std::variant<PutPaper, DeletePaper, PutDailyEntry, SetCursor, RemoveDailyEntry,
                            SetOrganization>;

    // Inserts a paper or merges it into the stored one (see merge_paper() in store/merge.h).
    void put_paper(Paper paper) { ops_.emplace_back(PutPaper{std::move(paper)}); }
    // Hides a paper (an OAI-PMH deleted record). A later put_paper() shows it again.
    void delete_paper(PaperId id) { ops_.emplace_back(DeletePaper{std::move(id)}); }
    // Inserts or updates the entry keyed by (date, paper id). The paper must exist, in the
    // store or earlier in this batch.
    void put_daily_entry(DailyEntry entry) { ops_.emplace_back(PutDailyEntry{std::move(entry)}); }
    // Takes a paper off a day's list (a curator's decision). Removing an entry that is not
    // there is a no-op.
    void remove_daily_entry(std::string date, PaperId paper_id) {
        ops_.emplace_back(RemoveDailyEntry{std::move(date), std::move(paper_id)});
    }
    // Sets a paper's organization (an admin's decision; "" removes it), unlike put_paper(),
    // whose merge only fills a missing one. kNotFound for an unknown or hidden paper.
    void set_organization(PaperId paper_id, std::string organization) {
        ops_.emplace_back(SetOrganization{std::move(paper_id), std::move(organization)});
    }
    // Records a named position (a harvest's last datestamp or resumption token) in the same
    // transaction as the records it follows.
    void set_cursor(std::string key, std::string value) {
        ops_.emplace_back(SetCursor{std::move(key), std::move(value)});
    }

    const std::vector<Op>& ops() const { return ops_; }
    size_t size() const { return ops_.size(); }
    bool empty() const { return ops_.empty(); }
    void clear() { ops_.clear(); }

  private:
    std::vector<Op> ops_;
};

// What a write did, counted per kind. "unchanged" writes leave no trace in the change feed.
struct WriteCounts {
    int64_t papers_inserted = 0;
    int64_t papers_updated = 0;
    int64_t papers_unchanged = 0;
    int64_t papers_deleted = 0;
    int64_t entries_inserted = 0;
    int64_t entries_updated = 0;
    int64_t entries_unchanged = 0;
    int64_t entries_removed = 0;

    WriteCounts& operator+=(const WriteCounts& o);
    friend bool operator==(const WriteCounts&, const WriteCounts&) = default;
};

// One entry of the change feed: the latest change of one paper or daily entry. A record
// changed several times appears once, at its latest sequence number.
// What a result card shows of a paper: the paper, every daily list it is on (latest day
// first), its visible comments and the community's votes for it (paper_votes()).
struct PaperCard {
    Paper paper;
    std::vector<DailyEntry> entries;
    int comment_count = 0;
    int votes = 0;
    friend bool operator==(const PaperCard&, const PaperCard&) = default;
};

struct Change {
    enum class Entity { kPaper, kDailyEntry };

    int64_t seq = 0;
    Entity entity = Entity::kPaper;
    PaperId paper_id = PaperId::local_from_title("");
    std::string date;      // the daily list's day, for kDailyEntry
    bool deleted = false;  // the paper is hidden now

    friend bool operator==(const Change&, const Change&) = default;
};

struct StoreStats {
    int64_t papers = 0;          // visible papers
    int64_t deleted_papers = 0;  // hidden by deletion records
    int64_t daily_entries = 0;
    int64_t daily_dates = 0;  // distinct days with a daily list
    int64_t papers_with_code = 0;
    std::string first_daily_date;  // empty when there are none
    std::string last_daily_date;
    int64_t last_sequence = 0;
    int schema_version = 0;
};

inline constexpr std::string_view kStoreIdCursor = "store.id";

class Store {
  public:
    virtual ~Store() = default;

    // Applies every op of `batch` in one transaction. On error nothing of the batch is applied.
    // kInvalidArgument when a daily entry names a paper that does not exist.
    virtual Result<WriteCounts> write(const WriteBatch& batch) = 0;

    // The paper with this id; nullopt when there is none or it is hidden.
    virtual Result<std::optional<Paper>> get_paper(const PaperId& id) = 0;

    // The papers of `ids`, in order (nullopt for unknown or hidden ones): one call for a page of
    // results. The default asks get_paper() for each; backends may do it in one round trip.
    virtual Result<std::vector<std::optional<Paper>>> get_papers(const std::vector<PaperId>& ids);

    // Calls `fn` on every visible paper in id order until it returns false.
    virtual Status for_each_paper(const std::function<bool(const Paper&)>& fn) = 0;

    // The daily list of `date` ("YYYY-MM-DD"), most upvoted first (ties: earliest submitted).
    virtual Result<std::vector<DailyEntry>> daily_entries(std::string_view date) = 0;

    // The entries of every daily list from `first_date` to `last_date` (inclusive,
    // "YYYY-MM-DD"), by day, then as daily_entries() orders them.
    virtual Result<std::vector<DailyEntry>> daily_entries_between(std::string_view first_date,
                                                                  std::string_view last_date) = 0;

    // The nearest day before (`later` false) or after (`later` true) `date` that has a daily
    // list with a visible paper; nullopt when there is none.
    virtual Result<std::optional<std::string>> adjacent_daily_date(std::string_view date,
                                                                   bool later) = 0;

    // Every daily list a paper is on, latest day first.
    virtual Result<std::vector<DailyEntry>> entries_for_paper(const PaperId& id) = 0;

    // entries_for_paper() for each of `ids`, in order: one call for a page of results. The
    // default asks for each; backends may do it in one round trip.
    virtual Result<std::vector<std::vector<DailyEntry>>> entries_for_papers(
        const std::vector<PaperId>& ids);

    // The cards of `ids`, in order (nullopt for unknown or hidden papers): a page of results
    // in one call and one consistent read. The default asks get_papers(), entries_for_papers(),
    // comment_counts() and paper_votes().
    virtual Result<std::vector<std::optional<PaperCard>>> paper_cards(
        const std::vector<PaperId>& ids);

    // Up to `limit` changes with seq > after_seq, in increasing seq order.
    virtual Result<std::vector<Change>> changes_since(int64_t after_seq, size_t limit) = 0;

    // The named position set by WriteBatch::set_cursor, nullopt when never set. Every store
    // has kStoreIdCursor, a random identity set when it was created.
    virtual Result<std::optional<std::string>> cursor(std::string_view key) = 0;

    virtual Result<StoreStats> stats() = 0;

    // --- People and votes (store/accounts.h) ---

    // Adds a user; fills in its id and creation time. kAlreadyExists when the handle or the
    // email is taken (the message says which), compared case-insensitively.
    virtual Result<User> create_user(const User& user) = 0;
    // The user whose handle or email is `handle_or_email` (case-insensitively), or nullopt.
    virtual Result<std::optional<User>> find_user(std::string_view handle_or_email) = 0;
    virtual Result<std::optional<User>> user_by_id(int64_t id) = 0;
    virtual Status set_role(int64_t user_id, Role role) = 0;

    // Sessions, by the digest of their token; expiry as a timestamp (compared as text).
    virtual Status add_session(std::string_view token_digest, int64_t user_id,
                               std::string_view expires_at) = 0;
    // The session's user when the session exists and expires after `now`; nullopt otherwise.
    virtual Result<std::optional<User>> session_user(std::string_view token_digest,
                                                     std::string_view now) = 0;
    virtual Status remove_session(std::string_view token_digest) = 0;
    // Every session of the user ("log out everywhere").
    virtual Status remove_sessions(int64_t user_id) = 0;

    // API tokens, by digest. api_token_user() records the use.
    virtual Result<int64_t> add_api_token(int64_t user_id, std::string_view token_digest,
                                          std::string_view name) = 0;
    virtual Result<std::optional<User>> api_token_user(std::string_view token_digest,
                                                       std::string_view now) = 0;
    virtual Result<std::vector<ApiTokenInfo>> api_tokens(int64_t user_id) = 0;
    // False when the user has no such token.
    virtual Result<bool> revoke_api_token(int64_t user_id, int64_t token_id) = 0;

    // Adds (`up`) or removes the user's vote for a visible paper, in one transaction with the
    // paper's count; a change puts the paper on the change feed. kNotFound for an unknown or
    // hidden paper. Daily entries read from the store count the paper's votes in their upvotes.
    virtual Result<VoteOutcome> set_vote(int64_t user_id, const PaperId& paper, bool up) = 0;
    // The community votes of a paper (0 for an unknown one).
    virtual Result<int> paper_votes(const PaperId& paper) = 0;
    // Whether the user voted for each of `papers`, in order.
    virtual Result<std::vector<bool>> has_voted(int64_t user_id,
                                                const std::vector<PaperId>& papers) = 0;
    // The latest `limit` daily entries submitted by `handle` (exactly), newest day first; visible
    // papers only.
    virtual Result<std::vector<DailyEntry>> entries_submitted_by(std::string_view handle,
                                                                 size_t limit) = 0;
    // The visible papers the user voted for, latest vote first, at most `limit`.
    virtual Result<std::vector<PaperId>> voted_papers(int64_t user_id, size_t limit) = 0;

    // Adds or replaces an organization (matched by name, ignoring case).
    virtual Status put_organization(const Organization& organization) = 0;
    // The organization called `name` (ignoring case), or nullopt.
    virtual Result<std::optional<Organization>> organization(std::string_view name) = 0;

    // --- Comments (store/comments.h) ---

    // Adds a comment (paper_id, user_id, parent_id, body, created_at; updated_at becomes
    // created_at) and returns it with its id and author. A visible comment counts in the paper's
    // comments, in one transaction, and puts the paper on the change feed. kNotFound for an
    // unknown or hidden paper; kInvalidArgument when parent_id is not a comment of that paper.
    virtual Result<Comment> add_comment(const Comment& comment) = 0;
    // The comment with this id (deleted or hidden ones too), or nullopt.
    virtual Result<std::optional<Comment>> get_comment(int64_t id) = 0;
    // Sets a comment's body, updated_at, hidden and deleted from `comment` (matched by id; the
    // other fields are ignored) and returns it as stored. When its visibility changes, the
    // paper's count follows and the paper goes on the change feed. kNotFound for an unknown id.
    virtual Result<Comment> update_comment(const Comment& comment) = 0;
    // Every comment of a paper, deleted and hidden ones too, oldest first.
    virtual Result<std::vector<Comment>> comments_for_paper(const PaperId& paper) = 0;
    // The visible comments of each of `papers`, in order (0 for unknown ones).
    virtual Result<std::vector<int>> comment_counts(const std::vector<PaperId>& papers) = 0;
    // How many comments the user wrote at or after `since` (a timestamp), deleted ones too.
    virtual Result<int> comments_by_user_since(int64_t user_id, std::string_view since) = 0;

    // --- Mail (store/subscriptions.h) ---

    // The subscription of (email, frequency, topic), created as pending at `now` when there is
    // none; an unsubscribed one becomes pending again (its confirmation fields cleared). A
    // non-zero `user_id` is recorded when the row has none. Other states are returned as they
    // are.
    virtual Result<Subscription> upsert_subscription(std::string_view email, Frequency frequency,
                                                     std::string_view topic, int64_t user_id,
                                                     std::string_view now) = 0;
    virtual Result<std::optional<Subscription>> subscription(int64_t id) = 0;
    // Every subscription of `email`, or of `user_id` when non-zero (either matches), by id.
    virtual Result<std::vector<Subscription>> subscriptions_of(std::string_view email,
                                                               int64_t user_id) = 0;
    // Confirmed subscriptions of a frequency with id > after_id, by id, at most `limit`.
    virtual Result<std::vector<Subscription>> confirmed_subscriptions(Frequency frequency,
                                                                      int64_t after_id,
                                                                      size_t limit) = 0;
    // Records a confirmation mail about to be sent with `nonce`, atomically, only when the
    // subscription is pending and its last confirmation was sent before `not_after` (or never):
    // at most one per period however many requests race. False when not recorded.
    virtual Result<bool> start_confirmation(int64_t id, std::string_view nonce,
                                            std::string_view now, std::string_view not_after) = 0;
    // Undoes start_confirmation() when the mail could not be sent (clears nonce and time if
    // they are still `nonce`'s).
    virtual Status cancel_confirmation(int64_t id, std::string_view nonce) = 0;
    // Pending with this nonce -> confirmed at `now`, nonce cleared (so a link works once). False
    // when the subscription is not pending with that nonce.
    virtual Result<bool> confirm_subscription(int64_t id, std::string_view nonce,
                                              std::string_view now) = 0;
    // Sets the status (unsubscribe, suspend, resume); failures reset to 0 on kConfirmed.
    // kNotFound for an unknown id.
    virtual Status set_subscription_status(int64_t id, SubscriptionStatus status,
                                           std::string_view now) = 0;

    // The send log row of (subscription, period), or nullopt.
    virtual Result<std::optional<DigestSend>> digest_send(int64_t subscription_id,
                                                          std::string_view period) = 0;
    // Inserts `send` as kClaimed unless (subscription, period) has a row: false then.
    virtual Result<bool> claim_digest(const DigestSend& send) = 0;
    // Records an attempt's outcome. kSent: state sent, the digest's papers recorded as received
    // by the subscription's address and its permanent failures reset, in one transaction.
    // kFailed: state failed and the subscription's permanent failures incremented; at
    // `suspend_after` failures it becomes suspended. kClaimed: attempts and last_error only (a
    // transient failure). Returns the subscription's permanent failures afterwards.
    virtual Result<int> finish_digest(int64_t subscription_id, std::string_view period,
                                      SendState state, std::string_view error, std::string_view now,
                                      int suspend_after) = 0;
    // For each of `papers`, in order, whether a sent digest already gave it to `email`.
    virtual Result<std::vector<bool>> papers_received(std::string_view email,
                                                      const std::vector<PaperId>& papers) = 0;

    // Single-use account mail tokens, by the digest of the token.
    virtual Status add_mail_token(std::string_view token_digest, int64_t user_id,
                                  MailTokenPurpose purpose, std::string_view created_at,
                                  std::string_view expires_at) = 0;
    // Marks the token used and returns its user when it exists for `purpose`, is unused and
    // expires after `now`; nullopt otherwise. Atomic: a token works once.
    virtual Result<std::optional<int64_t>> use_mail_token(std::string_view token_digest,
                                                          MailTokenPurpose purpose,
                                                          std::string_view now) = 0;
    // The user of a token that use_mail_token() would accept now, without using it (the page a
    // link opens, before its form is sent); nullopt otherwise.
    virtual Result<std::optional<int64_t>> mail_token_user(std::string_view token_digest,
                                                           MailTokenPurpose purpose,
                                                           std::string_view now) = 0;
    // How many tokens of `purpose` the user was given at or after `since`.
    virtual Result<int> mail_tokens_since(int64_t user_id, MailTokenPurpose purpose,
                                          std::string_view since) = 0;
    // Marks the user's email verified at `now` (User::email_verified_at).
    virtual Status set_email_verified(int64_t user_id, std::string_view now) = 0;
    // Replaces the user's password hash and removes every session, in one transaction.
    virtual Status set_password(int64_t user_id, std::string_view password_hash) = 0;

    // The instance secret called `name`; `generated` is stored and returned when there is none
    // yet (first caller wins, so every process of an instance agrees).
    virtual Result<std::string> instance_secret(std::string_view name,
                                                std::string_view generated) = 0;
};

struct OpenOptions {
    bool create_if_missing = true;
    bool read_only = false;
};

// Opens a store by URL: "sqlite:PATH", a plain PATH (SQLite), or "sqlite::memory:" (a private
// in-memory database, for tests). A database written by a newer Paperboy is refused with
// kVersionMismatch; an older one is upgraded in place.
Result<std::unique_ptr<Store>> open_store(std::string_view url, const OpenOptions& options = {});

}  // namespace paperboy::store
