// store/rules.h — the decisions every backend makes the same way, as pure functions.
//
// A backend reads what is stored, asks these functions what to do and runs the statements they
// imply; it decides nothing itself. So SQLite and PostgreSQL agree on what a write does (insert,
// update, unchanged), what it counts and what goes on the change feed, and the rules are tested
// once, without a database (tests/store/test_rules.cpp). See docs/schema.md, "Writes".
// Depends on core/, store/catalog.h (WriteCounts), store/merge.h and store/paper_codec.h.
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/paper.h"
#include "core/result.h"
#include "core/subscription.h"
#include "store/catalog.h"

namespace paperboy::store::rules {

// --- put_paper ---

// The form a paper is stored in (paper_codec.h's canonical form): `given` itself when it is
// already canonical, else a canonical copy made in `scratch`. Re-putting a record must compare
// equal to what was stored, so backends store this form only.
const Paper& storage_form(const Paper& given, Paper& scratch);

// What is known of a stored paper without decoding its row.
struct StoredHead {
    uint64_t hash = 0;  // content_hash() as stored; 0 for rows from before hashes (schema 1)
    bool deleted = false;
};

enum class PutAction {
    kInsert,     // no row: insert the incoming paper (shown)
    kUpdate,     // write PutDecision::paper over the row, shown, with a new feed position
    kUnchanged,  // nothing to write, nothing on the feed
    kFixHash,    // unchanged, but the stored hash is stale: store PutDecision::hash only (no feed)
};

struct PutDecision {
    PutAction action = PutAction::kUnchanged;
    Paper paper;        // kUpdate: the merged paper to store (empty otherwise)
    uint64_t hash = 0;  // kInsert, kUpdate, kFixHash: the content hash to store
};

// Decides a put_paper() of `incoming` (in storage form, hashing to `incoming_hash`) over
// `stored` (nullopt: no row). An equal hash of a visible row is unchanged without decoding it;
// otherwise `load_stored` decodes the row (called at most once) and merge_paper() decides.
// Errors: kInvalidArgument when a paper to insert has a non-canonical id; load_stored's errors.
Result<PutDecision> decide_put_paper(const Paper& incoming, uint64_t incoming_hash,
                                     const std::optional<StoredHead>& stored,
                                     const std::function<Result<Paper>()>& load_stored);

// Adds a put's outcome to `counts` (kFixHash counts as unchanged).
void count_put(PutAction action, WriteCounts& counts);

// Whether a put with this outcome moves the paper on the change feed.
inline bool put_changes_feed(PutAction action) {
    return action == PutAction::kInsert || action == PutAction::kUpdate;
}

// --- delete_paper ---

// Whether delete_paper() hides the paper: only a visible one. Deleting an unknown or hidden
// paper is a no-op (no count, no feed entry, no tombstone).
inline bool should_hide(const std::optional<StoredHead>& stored) {
    return stored.has_value() && !stored->deleted;
}

// --- set_organization ---

// The paper to store after setting `organization` on `stored` (nullopt: it already has it).
// kNotFound when the paper is unknown or hidden (`stored` nullopt, or `stored_deleted`).
Result<std::optional<Paper>> decide_set_organization(const PaperId& id,
                                                     const std::optional<Paper>& stored,
                                                     bool stored_deleted,
                                                     const std::string& organization);

// --- put_daily_entry ---

// kInvalidArgument, naming the entry, unless its date is of the form YYYY-MM-DD.
Status check_entry(const DailyEntry& entry);

// The error of an entry whose paper is in neither the store nor the batch so far.
Error entry_paper_missing(const DailyEntry& entry);

enum class EntryAction { kInsert, kUpdate, kUnchanged };

struct EntryDecision {
    EntryAction action = EntryAction::kUnchanged;
    DailyEntry entry;  // kInsert, kUpdate: the entry to store
};

// Decides a put_daily_entry() of `incoming` over `stored` (nullopt: no row), by
// merge_daily_entry(). Insert and update move the entry on the change feed.
EntryDecision decide_put_entry(const std::optional<DailyEntry>& stored, const DailyEntry& incoming);

void count_entry(EntryAction action, WriteCounts& counts);

// --- votes and comments ---

// How a comment's edit moves its paper's count of visible comments: +1, -1 or 0.
int comment_count_delta(bool was_visible, bool is_visible);

// --- mail ---

// Whether a permanent failure suspends a subscription: only a confirmed one (one unsubscribed
// meanwhile stays so), when it reaches `suspend_after` failures, and never when
// suspend_after <= 0.
bool should_suspend(SubscriptionStatus status, int failures_after, int suspend_after);

// The subscription's permanent failures and status after finish_digest(kFailed).
struct FailureOutcome {
    int permanent_failures = 0;
    SubscriptionStatus status = SubscriptionStatus::kConfirmed;
};
FailureOutcome after_permanent_failure(const Subscription& subscription, int suspend_after);

}  // namespace paperboy::store::rules
