#include "store/rules.h"

#include "core/timestamp.h"
#include "store/merge.h"
#include "store/paper_codec.h"

namespace paperboy::store::rules {

const Paper& storage_form(const Paper& given, Paper& scratch) {
    if (is_storage_canonical(given)) return given;
    scratch = given;
    make_storage_canonical(scratch);
    return scratch;
}

Result<PutDecision> decide_put_paper(const Paper& incoming, uint64_t incoming_hash,
                                     const std::optional<StoredHead>& stored,
                                     const std::function<Result<Paper>()>& load_stored) {
    PutDecision decision;
    if (!stored) {
        const std::string& id = incoming.id.str();
        auto parsed = PaperId::parse(id);
        if (!parsed.ok() || *parsed != incoming.id) {
            return Error(ErrorCode::kInvalidArgument,
                         "paper id \"" + id + "\" is not a canonical paper id");
        }
        decision.action = PutAction::kInsert;
        decision.hash = incoming_hash;
        return decision;
    }
    // The fast path of re-ingestion: the same record again. Equal hashes mean equal papers, and
    // merging a paper into itself gives itself.
    if (!stored->deleted && stored->hash == incoming_hash) return decision;

    auto old = load_stored();
    if (!old.ok()) return old.error();
    Paper merged = merge_paper(*old, incoming);
    if (merged == *old && !stored->deleted) {
        // A row from before content hashes (schema 1), or a partial record that added nothing:
        // keep the hash current so that the next identical full record takes the fast path.
        const uint64_t actual = content_hash(*old);
        if (actual != stored->hash) {
            decision.action = PutAction::kFixHash;
            decision.hash = actual;
        }
        return decision;
    }
    decision.action = PutAction::kUpdate;
    decision.hash = content_hash(merged);
    decision.paper = std::move(merged);
    return decision;
}

void count_put(PutAction action, WriteCounts& counts) {
    switch (action) {
        case PutAction::kInsert:
            ++counts.papers_inserted;
            return;
        case PutAction::kUpdate:
            ++counts.papers_updated;
            return;
        case PutAction::kUnchanged:
        case PutAction::kFixHash:
            ++counts.papers_unchanged;
            return;
    }
}

Result<std::optional<Paper>> decide_set_organization(const PaperId& id,
                                                     const std::optional<Paper>& stored,
                                                     bool stored_deleted,
                                                     const std::string& organization) {
    if (!stored || stored_deleted) return Error(ErrorCode::kNotFound, "no paper " + id.str());
    if (stored->organization == organization) return std::optional<Paper>();
    Paper changed = *stored;
    changed.organization = organization;
    return std::optional<Paper>(std::move(changed));
}

Status check_entry(const DailyEntry& entry) {
    if (auto day = normalize_date(entry.date); !day || *day != entry.date) {
        return Error(ErrorCode::kInvalidArgument,
                     "daily entry " + entry.date + " " + entry.paper_id.str() + ": date \"" +
                         entry.date + "\" is not of the form YYYY-MM-DD");
    }
    return Status::ok_status();
}

Error entry_paper_missing(const DailyEntry& entry) {
    const std::string& id = entry.paper_id.str();
    return Error(ErrorCode::kInvalidArgument, "daily entry " + entry.date + " " + id + ": paper " +
                                                  id + " is not in the store; put the paper first");
}

EntryDecision decide_put_entry(const std::optional<DailyEntry>& stored,
                               const DailyEntry& incoming) {
    if (!stored) return EntryDecision{EntryAction::kInsert, incoming};
    DailyEntry merged = merge_daily_entry(*stored, incoming);
    if (merged == *stored) return EntryDecision{EntryAction::kUnchanged, {}};
    return EntryDecision{EntryAction::kUpdate, std::move(merged)};
}

void count_entry(EntryAction action, WriteCounts& counts) {
    switch (action) {
        case EntryAction::kInsert:
            ++counts.entries_inserted;
            return;
        case EntryAction::kUpdate:
            ++counts.entries_updated;
            return;
        case EntryAction::kUnchanged:
            ++counts.entries_unchanged;
            return;
    }
}

int comment_count_delta(bool was_visible, bool is_visible) {
    if (was_visible == is_visible) return 0;
    return is_visible ? 1 : -1;
}

bool should_suspend(SubscriptionStatus status, int failures_after, int suspend_after) {
    return status == SubscriptionStatus::kConfirmed && suspend_after > 0 &&
           failures_after >= suspend_after;
}

FailureOutcome after_permanent_failure(const Subscription& subscription, int suspend_after) {
    FailureOutcome out;
    out.permanent_failures = subscription.permanent_failures + 1;
    out.status = should_suspend(subscription.status, out.permanent_failures, suspend_after)
                     ? SubscriptionStatus::kSuspended
                     : subscription.status;
    return out;
}

}  // namespace paperboy::store::rules
