// store/catalog.h — papers, daily lists, organizations and the change feed.
//
// Writes are grouped in WriteBatch values applied atomically: after a crash a batch is either
// wholly in the database or not at all. Every insert, update or deletion of a paper or daily
// entry is given a sequence number from one monotonically increasing counter (the change feed);
// a follower that reads changes_since() from where it stopped sees every change exactly once,
// in commit order (docs/schema.md, "The change feed").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "core/user.h"

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

// What a result card shows of a paper: the paper, every daily list it is on (latest day
// first), its visible comments and the community's votes for it (paper_votes()).
struct PaperCard {
    Paper paper;
    std::vector<DailyEntry> entries;
    int comment_count = 0;
    int votes = 0;
    friend bool operator==(const PaperCard&, const PaperCard&) = default;
};

// One entry of the change feed: the latest change of one paper, daily entry or paper vector
// (store/vectors.h: a paper's vector of some model was added or replaced; keyed by the paper).
// A record changed several times appears once, at its latest sequence number.
struct Change {
    enum class Entity { kPaper, kDailyEntry, kVector };

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

// The papers, their daily lists and organizations, and the change feed that every write of
// them extends. Followers (the search index, page caches, other nodes) read the feed with
// changes_since() from where they stopped.
class Catalog {
  public:
    virtual ~Catalog() = default;

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
    // in one call and one consistent read. Store's default asks get_papers(),
    // entries_for_papers(), comment_counts() and paper_votes().
    virtual Result<std::vector<std::optional<PaperCard>>> paper_cards(
        const std::vector<PaperId>& ids) = 0;

    // Up to `limit` changes with seq > after_seq, in increasing seq order.
    virtual Result<std::vector<Change>> changes_since(int64_t after_seq, size_t limit) = 0;

    // The named position set by WriteBatch::set_cursor, nullopt when never set. Every store
    // has kStoreIdCursor, a random identity set when it was created.
    virtual Result<std::optional<std::string>> cursor(std::string_view key) = 0;

    virtual Result<StoreStats> stats() = 0;

    // The latest `limit` daily entries submitted by `handle` (exactly), newest day first; visible
    // papers only.
    virtual Result<std::vector<DailyEntry>> entries_submitted_by(std::string_view handle,
                                                                 size_t limit) = 0;

    // Adds or replaces an organization (matched by name, ignoring case).
    virtual Status put_organization(const Organization& organization) = 0;
    // The organization called `name` (ignoring case), or nullopt.
    virtual Result<std::optional<Organization>> organization(std::string_view name) = 0;
};

}  // namespace paperboy::store
