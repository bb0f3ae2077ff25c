// The decisions both backends share (store/rules.h), without a database: each case states what
// is stored and what comes in, and the expected outcome is worked out by hand from
// docs/schema.md, "Writes".
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "store/paper_codec.h"
#include "store/rules.h"

namespace paperboy::store {
namespace {

using rules::EntryAction;
using rules::PutAction;
using rules::StoredHead;

Paper paper(int version, std::string title) {
    Paper p;
    p.id = *PaperId::parse("2401.00001");
    p.version = version;
    p.title = std::move(title);
    p.categories = {"cs.CL"};
    p.updated = "2024-01-02T00:00:00Z";
    return p;
}

// A loader that must not be called (the decision is made from the stored head alone).
Result<Paper> no_load() { return Error(ErrorCode::kInternal, "the stored row was decoded"); }

TEST(PutPaperRule, NoRowIsAnInsertOfTheIncomingPaperWithItsHash) {
    const Paper p = paper(1, "T");
    auto d = rules::decide_put_paper(p, 42, std::nullopt, no_load);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(d->action, PutAction::kInsert);
    EXPECT_EQ(d->hash, 42U);
    EXPECT_TRUE(rules::put_changes_feed(d->action));
}

TEST(PutPaperRule, AnEqualHashOfAVisibleRowIsUnchangedWithoutDecodingIt) {
    const Paper p = paper(1, "T");
    auto d = rules::decide_put_paper(p, 7, StoredHead{7, false}, no_load);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(d->action, PutAction::kUnchanged);
    EXPECT_FALSE(rules::put_changes_feed(d->action));
}

TEST(PutPaperRule, AnEqualHashOfAHiddenRowShowsItAgain) {
    const Paper p = paper(1, "T");
    const uint64_t h = content_hash(p);
    int loads = 0;
    auto d = rules::decide_put_paper(p, h, StoredHead{h, true}, [&]() -> Result<Paper> {
        ++loads;
        return p;
    });
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(loads, 1);
    EXPECT_EQ(d->action, PutAction::kUpdate);
    EXPECT_EQ(d->paper, p);
    EXPECT_EQ(d->hash, h);
}

TEST(PutPaperRule, ANewerVersionIsAnUpdateToTheMergedPaperAndItsHash) {
    const Paper stored = paper(1, "Old");
    const Paper incoming = paper(2, "New");
    auto d = rules::decide_put_paper(incoming, content_hash(incoming),
                                     StoredHead{content_hash(stored), false},
                                     [&]() -> Result<Paper> { return stored; });
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->action, PutAction::kUpdate);
    EXPECT_EQ(d->paper.title, "New");
    EXPECT_EQ(d->paper.version, 2);
    EXPECT_EQ(d->hash, content_hash(d->paper));
}

TEST(PutPaperRule, AnOlderVersionAddingNothingIsUnchanged) {
    const Paper stored = paper(2, "Kept");
    const Paper incoming = paper(1, "Other");  // only fills gaps; there are none to fill
    const uint64_t h = content_hash(stored);
    auto d = rules::decide_put_paper(incoming, content_hash(incoming), StoredHead{h, false},
                                     [&]() -> Result<Paper> { return stored; });
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->action, PutAction::kUnchanged);
}

TEST(PutPaperRule, AStaleStoredHashIsFixedWithoutAFeedEntry) {
    // A row from schema 1 (hash 0) and the same record again: unchanged, but the hash is set.
    const Paper stored = paper(2, "Kept");
    auto d = rules::decide_put_paper(stored, content_hash(stored), StoredHead{0, false},
                                     [&]() -> Result<Paper> { return stored; });
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->action, PutAction::kFixHash);
    EXPECT_EQ(d->hash, content_hash(stored));
    EXPECT_FALSE(rules::put_changes_feed(d->action));
    WriteCounts counts;
    rules::count_put(d->action, counts);
    EXPECT_EQ(counts.papers_unchanged, 1);
}

TEST(PutPaperRule, ALoaderErrorIsTheDecisionsError) {
    const Paper p = paper(1, "T");
    auto d = rules::decide_put_paper(p, 1, StoredHead{2, false}, no_load);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), ErrorCode::kInternal);
}

TEST(PutPaperRule, StorageFormCopiesOnlyWhatIsNotCanonical) {
    Paper scratch;
    const Paper canonical = paper(1, "T");
    EXPECT_EQ(&rules::storage_form(canonical, scratch), &canonical);
    Paper odd = paper(1, "T");
    odd.categories = {"cs.CL cs.AI", ""};
    const Paper& stored = rules::storage_form(odd, scratch);
    EXPECT_EQ(&stored, &scratch);
    EXPECT_EQ(stored.categories, (std::vector<std::string>{"cs.CL", "cs.AI"}));
}

TEST(PutPaperRule, CountsEveryOutcome) {
    WriteCounts counts;
    rules::count_put(PutAction::kInsert, counts);
    rules::count_put(PutAction::kUpdate, counts);
    rules::count_put(PutAction::kUpdate, counts);
    rules::count_put(PutAction::kUnchanged, counts);
    WriteCounts expected;
    expected.papers_inserted = 1;
    expected.papers_updated = 2;
    expected.papers_unchanged = 1;
    EXPECT_EQ(counts, expected);
}

TEST(DeletePaperRule, HidesOnlyAVisiblePaper) {
    EXPECT_TRUE(rules::should_hide(StoredHead{1, false}));
    EXPECT_FALSE(rules::should_hide(StoredHead{1, true}));
    EXPECT_FALSE(rules::should_hide(std::nullopt));
}

TEST(SetOrganizationRule, ChangesOnlyAVisiblePapersDifferentOrganization) {
    const PaperId id = *PaperId::parse("2401.00001");
    Paper stored = paper(1, "T");
    stored.organization = "meta";
    auto same = rules::decide_set_organization(id, stored, false, "meta");
    ASSERT_TRUE(same.ok());
    EXPECT_FALSE(same->has_value());
    auto changed = rules::decide_set_organization(id, stored, false, "");
    ASSERT_TRUE(changed.ok() && changed->has_value());
    EXPECT_EQ((*changed)->organization, "");
    EXPECT_EQ((*changed)->title, "T");
    for (auto refused : {rules::decide_set_organization(id, std::nullopt, false, "x"),
                         rules::decide_set_organization(id, stored, true, "x")}) {
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code(), ErrorCode::kNotFound);
        EXPECT_NE(refused.error().message().find("2401.00001"), std::string::npos);
    }
}

DailyEntry entry(int upvotes, std::string submitted_by) {
    DailyEntry e;
    e.date = "2024-01-02";
    e.paper_id = *PaperId::parse("2401.00001");
    e.submitted_by = std::move(submitted_by);
    e.submitted_at = "2024-01-02T08:00:00Z";
    e.upvotes = upvotes;
    return e;
}

TEST(PutEntryRule, InsertUpdateOrUnchangedByMerge) {
    const DailyEntry stored = entry(3, "curator");
    EXPECT_EQ(rules::decide_put_entry(std::nullopt, stored).action, EntryAction::kInsert);
    EXPECT_EQ(rules::decide_put_entry(stored, stored).action, EntryAction::kUnchanged);

    // New upvotes, no curator from this source: the stored curator stays.
    const auto d = rules::decide_put_entry(stored, entry(10, ""));
    EXPECT_EQ(d.action, EntryAction::kUpdate);
    EXPECT_EQ(d.entry.upvotes, 10);
    EXPECT_EQ(d.entry.submitted_by, "curator");

    WriteCounts counts;
    rules::count_entry(EntryAction::kInsert, counts);
    rules::count_entry(EntryAction::kUpdate, counts);
    rules::count_entry(EntryAction::kUnchanged, counts);
    EXPECT_EQ(counts.entries_inserted + counts.entries_updated + counts.entries_unchanged, 3);
    EXPECT_EQ(counts.entries_updated, 1);
}

TEST(PutEntryRule, RefusesAMalformedDateAndNamesAMissingPaper) {
    DailyEntry e = entry(1, "");
    EXPECT_TRUE(rules::check_entry(e).ok());
    for (const char* bad : {"2024/01/02", "2024-1-2", "", "2024-01-02T00:00:00Z"}) {
        e.date = bad;
        const Status s = rules::check_entry(e);
        ASSERT_FALSE(s.ok()) << bad;
        EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    }
    const Error missing = rules::entry_paper_missing(entry(1, ""));
    EXPECT_EQ(missing.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(missing.message().find("2401.00001"), std::string::npos);
}

TEST(CommentRule, TheCountMovesOnlyWhenVisibilityChanges) {
    EXPECT_EQ(rules::comment_count_delta(true, true), 0);
    EXPECT_EQ(rules::comment_count_delta(false, false), 0);
    EXPECT_EQ(rules::comment_count_delta(false, true), 1);
    EXPECT_EQ(rules::comment_count_delta(true, false), -1);
}

TEST(SuspendRule, OnlyAConfirmedSubscriptionReachingTheLimit) {
    using S = SubscriptionStatus;
    EXPECT_FALSE(rules::should_suspend(S::kConfirmed, 2, 3));
    EXPECT_TRUE(rules::should_suspend(S::kConfirmed, 3, 3));
    EXPECT_TRUE(rules::should_suspend(S::kConfirmed, 4, 3));
    EXPECT_FALSE(rules::should_suspend(S::kUnsubscribed, 3, 3));
    EXPECT_FALSE(rules::should_suspend(S::kPending, 5, 3));
    EXPECT_FALSE(rules::should_suspend(S::kConfirmed, 100, 0));
    EXPECT_FALSE(rules::should_suspend(S::kConfirmed, 100, -1));
}

TEST(SuspendRule, APermanentFailureCountsAndMaySuspend) {
    Subscription sub;
    sub.status = SubscriptionStatus::kConfirmed;
    sub.permanent_failures = 2;
    auto out = rules::after_permanent_failure(sub, 3);
    EXPECT_EQ(out.permanent_failures, 3);
    EXPECT_EQ(out.status, SubscriptionStatus::kSuspended);
    out = rules::after_permanent_failure(sub, 0);
    EXPECT_EQ(out.permanent_failures, 3);
    EXPECT_EQ(out.status, SubscriptionStatus::kConfirmed);
    sub.status = SubscriptionStatus::kUnsubscribed;
    out = rules::after_permanent_failure(sub, 1);
    EXPECT_EQ(out.status, SubscriptionStatus::kUnsubscribed);
}

}  // namespace
}  // namespace paperboy::store
