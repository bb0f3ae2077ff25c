// store/postgres/batch_plan.h — a WriteBatch worked out in memory, for a bulk write.
//
// A round trip per statement would make PostgreSQL ingest slow, so PostgresStore::write() does
// not run a batch op by op as SQLite does. It reads what the batch touches in a few queries
// (the stored hashes of its papers, the rows whose hashes differ, its daily entries), applies
// the ops here, in order, with store/rules.h — the same decisions and counts as SQLite's op by
// op run, including ops that see earlier ops of the batch — and then writes the outcome with a
// few bulk statements (write.cpp). Pure C++ over core/ and store/; no database. Not
// thread-safe; one per write().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "store/catalog.h"
#include "store/rules.h"

namespace paperboy::store::postgres {

class BatchPlan {
  public:
    // Prepares every put of `batch` (storage form, content hash). `batch` must outlive the plan.
    explicit BatchPlan(const WriteBatch& batch);

    // --- Stage 1: what to read ---

    // Every paper id the batch names (papers put, deleted or given an organization, and the
    // papers of its daily entries), each once.
    const std::vector<std::string>& paper_ids() const { return paper_ids_; }
    // Every (date, paper id) of the batch's daily entry ops, each once.
    const std::vector<std::pair<std::string, std::string>>& entry_keys() const {
        return entry_keys_;
    }

    // --- Stage 2: what was read ---

    // The stored head of a paper (ids absent from the database are simply not given).
    void set_head(const std::string& id, rules::StoredHead head);
    // The stored papers whose rows the ops need decoded: those whose hashes differ from a put,
    // hidden ones, those given an organization, and those several ops touch. Call after every
    // set_head().
    std::vector<std::string> rows_to_read() const;
    void set_row(Paper row);
    // A stored daily entry and its seq.
    void set_entry(DailyEntry entry, int64_t seq);

    // --- Stage 3: the ops ---

    // Applies every op in order. Errors name the op as SQLite's write() does ("write batch op 3
    // of 7: ..."): kInvalidArgument (malformed date, missing paper, non-canonical id),
    // kNotFound (an organization for an unknown or hidden paper).
    Status apply();

    const WriteCounts& counts() const { return counts_; }

    // The records the batch changed, in the order of their latest change: the feed entries to
    // write, numbered first_seq, first_seq + 1, ... by finish().
    struct ChangeRecord {
        Change::Entity entity = Change::Entity::kPaper;
        std::string paper_id;
        std::string date;
        bool deleted = false;
        int64_t seq = 0;
        bool first = false;  // a new paper's: the feed has no entry of the record yet
    };
    size_t change_count() const { return changes_.size(); }
    // The cursors the batch sets: (key, value), each key once with its last value.
    const std::vector<std::pair<std::string, std::string>>& cursors() const { return cursors_; }

    // What to write, after finish(first_seq).
    struct PaperRow {
        const Paper* paper = nullptr;
        uint64_t hash = 0;
        bool deleted = false;
        int64_t seq = 0;
        uint64_t old_hash = 0;  // what the database held (updates are guarded by it)
        bool old_deleted = false;
    };
    struct PaperFlags {
        std::string id;
        bool deleted = false;
        int64_t seq = 0;
        uint64_t old_hash = 0;
        bool old_deleted = false;
    };
    struct HashFix {
        std::string id;
        uint64_t hash = 0;
        uint64_t old_hash = 0;
    };
    struct EntryRow {
        DailyEntry entry;
        int64_t seq = 0;
        int64_t old_seq = 0;  // for updates and deletions
    };
    struct Outcome {
        std::vector<PaperRow> paper_inserts;
        std::vector<PaperRow> paper_updates;  // content and flags
        std::vector<PaperFlags> paper_flags;  // hidden or shown, content as stored
        std::vector<HashFix> hash_fixes;      // no feed entry
        std::vector<EntryRow> entry_inserts;
        std::vector<EntryRow> entry_updates;
        std::vector<EntryRow> entry_deletes;
        std::vector<ChangeRecord> changes;
    };
    // Numbers the changes from `first_seq` and returns what to write.
    Outcome finish(int64_t first_seq) const;

  private:
    struct PreparedPut {
        const Paper* paper = nullptr;  // the batch's own, or canonical_ below
        uint64_t hash = 0;
    };
    struct PaperState {
        bool in_db = false;
        rules::StoredHead db;
        bool exists = false;
        bool deleted = false;
        uint64_t hash = 0;
        const Paper* content = nullptr;  // current content when known
        std::unique_ptr<Paper> owned;    // content read or made by the plan
        bool content_dirty = false;
        bool flags_dirty = false;
        bool hash_dirty = false;
        int ops = 0;
        bool needs_row = false;
    };
    struct EntryState {
        bool in_db = false;
        int64_t db_seq = 0;
        std::optional<DailyEntry> current;
        bool dirty = false;
    };
    using ChangeKey = std::tuple<int, std::string, std::string>;  // entity, paper id, date

    Status apply_op(size_t index);
    void record_change(Change::Entity entity, const std::string& paper_id, const std::string& date,
                       bool deleted);
    PaperState& paper(const std::string& id) { return papers_[id]; }

    const WriteBatch& batch_;
    std::vector<PreparedPut> prepared_;  // by op index (puts only)
    std::vector<std::unique_ptr<Paper>> canonical_;
    std::vector<std::string> paper_ids_;
    std::vector<std::pair<std::string, std::string>> entry_keys_;
    std::unordered_map<std::string, PaperState> papers_;
    std::map<std::pair<std::string, std::string>, EntryState> entries_;
    std::map<ChangeKey, std::pair<int64_t, bool>> changes_;  // -> (order, deleted)
    int64_t change_order_ = 0;
    std::vector<std::pair<std::string, std::string>> cursors_;
    WriteCounts counts_;
};

}  // namespace paperboy::store::postgres
