// The Store contract: every backend must pass every test here. Tests use the Store interface
// only; a backend joins by adding a row to kBackends (store/contract_support.h).
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using contract::kBackends;
using paperboy::testing::TempDir;

// A paper with every field set, as an arXiv record with Hugging Face extras would have it.
Paper full_paper(std::string_view id, int version = 2) {
    Paper p;
    p.id = id_of(id);
    p.version = version;
    p.title = "Attention Is All You Need";
    p.abstract_raw = "The dominant sequence\n  transduction models";
    p.abstract = "The dominant sequence transduction models";
    p.authors = {
        Author{"Ashish Vaswani", "Vaswani", "Ashish", "", {"Google Brain"}},
        Author{"Noam Shazeer", "Shazeer", "Noam", "Jr", {"Google Brain", "Google Research"}},
        Author{"Łukasz \"Lukasz\" Kaiser", "Kaiser", "Łukasz", "", {}},
    };
    p.author_count = 3;
    p.categories = {"cs.CL", "cs.LG"};
    p.published = "2017-06-12T17:57:34Z";
    p.updated = "2023-08-02T00:41:18Z";
    p.submitter = "Llion Jones";
    p.comments = "15 pages, 5 figures";
    p.journal_ref = "NeurIPS 2017";
    p.doi = "10.48550/arXiv.1706.03762";
    p.report_no = "RN-1";
    p.license = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/";
    p.github_url = "https://github.com/tensorflow/tensor2tensor";
    p.project_url = "https://example.org/transformer";
    p.organization = "google";
    return p;
}

// A small arXiv-only record: no code link, no organization.
Paper plain_paper(std::string_view id, int version = 1) {
    Paper p;
    p.id = id_of(id);
    p.version = version;
    p.title = "Paper " + std::string(id);
    p.abstract_raw = p.abstract = "Abstract of " + std::string(id);
    p.authors = {Author{"A. Author", "Author", "A.", "", {}}};
    p.categories = {"cs.AI"};
    p.published = "2024-01-01T00:00:00Z";
    p.updated = "2024-01-01T00:00:00Z";
    return p;
}

DailyEntry entry(std::string_view date, std::string_view id, int upvotes,
                 std::string submitted_at = "") {
    DailyEntry e;
    e.date = date;
    e.paper_id = id_of(id);
    e.submitted_by = "curator";
    e.submitted_at = std::move(submitted_at);
    e.upvotes = upvotes;
    e.num_comments = 1;
    return e;
}

class StoreContract : public contract::BackendTest {
  protected:
    WriteCounts write(const WriteBatch& batch) {
        auto counts = store_->write(batch);
        EXPECT_TRUE(counts.ok()) << counts.error().message();
        return counts.ok() ? *counts : WriteCounts{};
    }
    WriteCounts put(const Paper& p) {
        WriteBatch b;
        b.put_paper(p);
        return write(b);
    }
    WriteCounts put_entry(const DailyEntry& e) {
        WriteBatch b;
        b.put_daily_entry(e);
        return write(b);
    }
    std::optional<Paper> get(std::string_view id) {
        auto p = store_->get_paper(id_of(id));
        EXPECT_TRUE(p.ok()) << p.error().message();
        return p.ok() ? *p : std::nullopt;
    }
    std::vector<Change> changes(int64_t after = 0, size_t limit = 1000) {
        auto c = store_->changes_since(after, limit);
        EXPECT_TRUE(c.ok()) << c.error().message();
        return c.ok() ? *c : std::vector<Change>{};
    }
    StoreStats stats() {
        auto s = store_->stats();
        EXPECT_TRUE(s.ok()) << s.error().message();
        return s.ok() ? *s : StoreStats{};
    }
    std::vector<DailyEntry> daily(std::string_view date) {
        auto d = store_->daily_entries(date);
        EXPECT_TRUE(d.ok()) << d.error().message();
        return d.ok() ? *d : std::vector<DailyEntry>{};
    }
};

TEST_P(StoreContract, RoundTripsEveryField) {
    const Paper p = full_paper("1706.03762");
    WriteCounts expected;
    expected.papers_inserted = 1;
    EXPECT_EQ(put(p), expected);
    EXPECT_EQ(get("1706.03762"), p);

    Paper local = plain_paper("local:my-notes", 0);
    local.authors.clear();
    local.author_count = 7;
    local.categories.clear();
    put(local);
    EXPECT_EQ(get("local:my-notes"), local);
    EXPECT_EQ(get("2401.99999"), std::nullopt);
}

TEST_P(StoreContract, GetPapersReadsAPageInOrderWithGaps) {
    const Paper a = full_paper("1706.03762");
    const Paper b = plain_paper("hep-th/9901001");
    put(a);
    put(b);
    WriteBatch hide;
    hide.put_paper(plain_paper("2401.00003"));
    hide.delete_paper(id_of("2401.00003"));
    write(hide);
    auto papers = store_->get_papers(
        {id_of("hep-th/9901001"), id_of("2401.99999"), id_of("1706.03762"), id_of("2401.00003")});
    ASSERT_TRUE(papers.ok()) << papers.error().message();
    ASSERT_EQ(papers->size(), 4U);
    EXPECT_EQ((*papers)[0], b);
    EXPECT_EQ((*papers)[1], std::nullopt) << "unknown";
    EXPECT_EQ((*papers)[2], a);
    EXPECT_EQ((*papers)[3], std::nullopt) << "hidden";
    EXPECT_TRUE(store_->get_papers({})->empty());
}

TEST_P(StoreContract, EntriesForPapersMatchesOneByOne) {
    WriteBatch b;
    for (const char* id : {"2401.00001", "2401.00002", "2401.00003"}) b.put_paper(plain_paper(id));
    b.put_daily_entry(entry("2024-01-02", "2401.00001", 5));
    b.put_daily_entry(entry("2024-01-03", "2401.00001", 7));
    b.put_daily_entry(entry("2024-01-03", "2401.00003", 1));
    write(b);
    const std::vector<PaperId> ids = {id_of("2401.00003"), id_of("2401.00002"), id_of("2401.00001"),
                                      id_of("2401.99999")};
    auto all = store_->entries_for_papers(ids);
    ASSERT_TRUE(all.ok()) << all.error().message();
    ASSERT_EQ(all->size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        EXPECT_EQ((*all)[i], store_->entries_for_paper(ids[i]).value()) << ids[i].str();
    }
    EXPECT_EQ((*all)[2].size(), 2U);
    EXPECT_TRUE((*all)[1].empty());
}

TEST_P(StoreContract, StoresOldStyleIdsAndAwkwardText) {
    Paper p = plain_paper("hep-th/9901001");
    p.title = "Quotes \" backslash \\ tab \t newline \n NUL-free, emoji \xF0\x9F\x98\x80";
    p.authors = {Author{"Émile \"The\" Borel\\", "Borel", "Émile", "", {"École\nNormale"}}};
    put(p);
    EXPECT_EQ(get("hep-th/9901001"), p);
}

TEST_P(StoreContract, RePuttingTheSameBatchChangesNothing) {
    WriteBatch b;
    b.put_paper(full_paper("1706.03762"));
    b.put_paper(plain_paper("2401.00001"));
    b.put_daily_entry(entry("2024-01-02", "2401.00001", 5));
    b.set_cursor("oai", "2024-01-02");
    const WriteCounts first = write(b);
    EXPECT_EQ(first.papers_inserted, 2);
    EXPECT_EQ(first.entries_inserted, 1);
    const auto feed = changes();
    ASSERT_EQ(feed.size(), 3u);

    const WriteCounts second = write(b);
    WriteCounts expected;
    expected.papers_unchanged = 2;
    expected.entries_unchanged = 1;
    EXPECT_EQ(second, expected);
    EXPECT_EQ(changes(), feed);
    EXPECT_EQ(stats().last_sequence, feed.back().seq);
}

TEST_P(StoreContract, NonCanonicalInputIsStoredCanonicallyAndStaysIdempotent) {
    Paper p = plain_paper("2401.00002");
    p.categories = {"cs.AI cs.LG", "", "stat.ML"};
    p.authors = {Author{"Bad \xFF byte", "", "", "", {}}};
    EXPECT_EQ(put(p).papers_inserted, 1);
    auto stored = get("2401.00002");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->categories, (std::vector<std::string>{"cs.AI", "cs.LG", "stat.ML"}));
    EXPECT_EQ(stored->authors[0].name, "Bad \xEF\xBF\xBD byte");
    EXPECT_EQ(put(p).papers_unchanged, 1);
    EXPECT_EQ(put(*stored).papers_unchanged, 1);
    EXPECT_EQ(changes().size(), 1u);
}

TEST_P(StoreContract, NewerVersionReplacesFields) {
    put(full_paper("1706.03762", 2));
    Paper v5 = full_paper("1706.03762", 5);
    v5.title = "Attention Is All You Need (v5)";
    v5.updated = "2024-01-01T00:00:00Z";
    v5.published = "2017-06-12T17:57:34Z";
    v5.github_url.clear();  // this source does not carry it
    EXPECT_EQ(put(v5).papers_updated, 1);

    auto got = get("1706.03762");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->version, 5);
    EXPECT_EQ(got->title, "Attention Is All You Need (v5)");
    EXPECT_EQ(got->updated, "2024-01-01T00:00:00Z");
    EXPECT_EQ(got->github_url, "https://github.com/tensorflow/tensor2tensor");
}

TEST_P(StoreContract, OlderVersionOnlyFillsGaps) {
    Paper v5 = full_paper("1706.03762", 5);
    v5.doi.clear();
    put(v5);
    Paper v1 = full_paper("1706.03762", 1);
    v1.title = "An early title";
    v1.doi = "10.1/early";
    v1.published = "2017-06-10T00:00:00Z";  // earlier than known: published is the earliest
    EXPECT_EQ(put(v1).papers_updated, 1);

    auto got = get("1706.03762");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->version, 5);
    EXPECT_EQ(got->title, v5.title);
    EXPECT_EQ(got->doi, "10.1/early");
    EXPECT_EQ(got->published, "2017-06-10T00:00:00Z");

    v1.doi = "10.1/other";
    EXPECT_EQ(put(v1).papers_unchanged, 1);
}

TEST_P(StoreContract, PartialRecordAddsOrganizationWithoutErasingCategories) {
    Paper arxiv = full_paper("2401.00001");
    arxiv.organization.clear();
    put(arxiv);

    Paper hf;
    hf.id = id_of("2401.00001");
    hf.title = arxiv.title;
    hf.organization = "huggingface";
    hf.author_count = 3;
    EXPECT_EQ(put(hf).papers_updated, 1);

    auto got = get("2401.00001");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->organization, "huggingface");
    EXPECT_EQ(got->categories, arxiv.categories);
    EXPECT_EQ(got->authors, arxiv.authors);
    EXPECT_EQ(got->abstract, arxiv.abstract);
    EXPECT_EQ(got->version, arxiv.version);

    // The same partial record again adds nothing.
    const size_t feed = changes().size();
    EXPECT_EQ(put(hf).papers_unchanged, 1);
    EXPECT_EQ(changes().size(), feed);
}

TEST_P(StoreContract, DeleteHidesAndRePutShows) {
    put(plain_paper("2401.00001"));
    put(plain_paper("2401.00002"));
    put_entry(entry("2024-01-02", "2401.00001", 3));

    WriteBatch del;
    del.delete_paper(id_of("2401.00001"));
    EXPECT_EQ(write(del).papers_deleted, 1);
    EXPECT_EQ(get("2401.00001"), std::nullopt);
    EXPECT_TRUE(daily("2024-01-02").empty());
    auto seen = std::vector<std::string>{};
    ASSERT_TRUE(store_
                    ->for_each_paper([&](const Paper& p) {
                        seen.push_back(p.id.str());
                        return true;
                    })
                    .ok());
    EXPECT_EQ(seen, std::vector<std::string>{"2401.00002"});
    StoreStats st = stats();
    EXPECT_EQ(st.papers, 1);
    EXPECT_EQ(st.deleted_papers, 1);
    EXPECT_EQ(st.daily_entries, 0);

    const auto feed = changes();
    ASSERT_FALSE(feed.empty());
    EXPECT_EQ(feed.back().paper_id, id_of("2401.00001"));
    EXPECT_EQ(feed.back().entity, Change::Entity::kPaper);
    EXPECT_TRUE(feed.back().deleted);

    // Deleting again, or deleting an unknown id, is a no-op.
    WriteBatch again;
    again.delete_paper(id_of("2401.00001"));
    again.delete_paper(id_of("2412.99999"));
    EXPECT_EQ(write(again), WriteCounts{});
    EXPECT_EQ(changes(), feed);

    EXPECT_EQ(put(plain_paper("2401.00001")).papers_updated, 1);
    EXPECT_EQ(get("2401.00001"), plain_paper("2401.00001"));
    EXPECT_EQ(daily("2024-01-02").size(), 1u);
    EXPECT_FALSE(changes().back().deleted);
    EXPECT_EQ(stats().deleted_papers, 0);
}

TEST_P(StoreContract, DailyEntryRequiresPaper) {
    WriteBatch b;
    b.put_daily_entry(entry("2024-01-02", "2401.00042", 1));
    auto result = store_->write(b);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(result.error().message().find("2401.00042"), std::string::npos)
        << result.error().message();

    // A paper earlier in the same batch is enough.
    WriteBatch ok;
    ok.put_paper(plain_paper("2401.00042"));
    ok.put_daily_entry(entry("2024-01-02", "2401.00042", 1));
    EXPECT_EQ(write(ok).entries_inserted, 1);
}

TEST_P(StoreContract, DailyEntryRejectsMalformedDate) {
    put(plain_paper("2401.00001"));
    WriteBatch b;
    b.put_daily_entry(entry("2024/01/02", "2401.00001", 1));
    auto result = store_->write(b);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(StoreContract, DailyEntryUpvotesUpdate) {
    put(plain_paper("2401.00001"));
    DailyEntry e = entry("2024-01-02", "2401.00001", 3, "2024-01-02T08:00:00Z");
    EXPECT_EQ(put_entry(e).entries_inserted, 1);
    const int64_t first_seq = changes().back().seq;

    e.upvotes = 10;
    e.submitted_by.clear();  // not carried by this source: keeps the stored curator
    EXPECT_EQ(put_entry(e).entries_updated, 1);
    EXPECT_EQ(put_entry(e).entries_unchanged, 1);

    auto list = daily("2024-01-02");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].upvotes, 10);
    EXPECT_EQ(list[0].submitted_by, "curator");
    EXPECT_EQ(list[0].submitted_at, "2024-01-02T08:00:00Z");

    const auto feed = changes();
    EXPECT_EQ(feed.back().entity, Change::Entity::kDailyEntry);
    EXPECT_EQ(feed.back().date, "2024-01-02");
    EXPECT_GT(feed.back().seq, first_seq);
}

TEST_P(StoreContract, AdjacentDailyDatesSkipEmptyDaysAndHiddenPapers) {
    WriteBatch b;
    for (const char* id : {"2401.00001", "2401.00002", "2401.00003"}) b.put_paper(plain_paper(id));
    b.put_daily_entry(entry("2024-01-02", "2401.00001", 1));
    b.put_daily_entry(entry("2024-01-05", "2401.00002", 1));
    b.put_daily_entry(entry("2024-01-09", "2401.00003", 1));
    write(b);
    const auto adjacent = [&](const char* date, bool later) {
        auto d = store_->adjacent_daily_date(date, later);
        EXPECT_TRUE(d.ok()) << d.error().message();
        return d.ok() ? *d : std::nullopt;
    };
    EXPECT_EQ(adjacent("2024-01-05", false), "2024-01-02");
    EXPECT_EQ(adjacent("2024-01-05", true), "2024-01-09");
    EXPECT_EQ(adjacent("2024-01-03", false), "2024-01-02");  // from a day without a list
    EXPECT_EQ(adjacent("2024-01-02", false), std::nullopt);
    EXPECT_EQ(adjacent("2024-01-09", true), std::nullopt);

    WriteBatch hide;
    hide.delete_paper(id_of("2401.00002"));
    write(hide);
    EXPECT_EQ(adjacent("2024-01-09", false), "2024-01-02") << "a list of hidden papers is empty";
}

TEST_P(StoreContract, DailyEntriesAreOrderedByUpvotesThenSubmissionThenId) {
    WriteBatch b;
    for (const char* id : {"2401.00001", "2401.00002", "2401.00003", "2401.00004", "2401.00005"}) {
        b.put_paper(plain_paper(id));
    }
    b.put_daily_entry(entry("2024-01-02", "2401.00001", 5, "2024-01-02T09:00:00Z"));
    b.put_daily_entry(entry("2024-01-02", "2401.00002", 9, "2024-01-02T10:00:00Z"));
    b.put_daily_entry(entry("2024-01-02", "2401.00003", 5, "2024-01-02T08:00:00Z"));
    b.put_daily_entry(entry("2024-01-02", "2401.00004", 5, ""));  // unknown time: last of ties
    b.put_daily_entry(entry("2024-01-02", "2401.00005", 5, "2024-01-02T08:00:00Z"));
    b.put_daily_entry(entry("2024-01-03", "2401.00001", 100));
    write(b);

    std::vector<std::string> order;
    for (const DailyEntry& e : daily("2024-01-02")) order.push_back(e.paper_id.str());
    EXPECT_EQ(order, (std::vector<std::string>{"2401.00002", "2401.00003", "2401.00005",
                                               "2401.00001", "2401.00004"}));
    EXPECT_TRUE(daily("2024-01-04").empty());

    auto for_paper = store_->entries_for_paper(id_of("2401.00001"));
    ASSERT_TRUE(for_paper.ok());
    ASSERT_EQ(for_paper->size(), 2u);
    EXPECT_EQ((*for_paper)[0].date, "2024-01-03");
    EXPECT_EQ((*for_paper)[1].date, "2024-01-02");
    EXPECT_EQ((*for_paper)[0].upvotes, 100);

    auto range = store_->daily_entries_between("2024-01-02", "2024-01-03");
    ASSERT_TRUE(range.ok());
    std::vector<std::string> days_and_ids;
    for (const DailyEntry& e : *range) days_and_ids.push_back(e.date + " " + e.paper_id.str());
    EXPECT_EQ(days_and_ids,
              (std::vector<std::string>{"2024-01-02 2401.00002", "2024-01-02 2401.00003",
                                        "2024-01-02 2401.00005", "2024-01-02 2401.00001",
                                        "2024-01-02 2401.00004", "2024-01-03 2401.00001"}));
    auto only_third = store_->daily_entries_between("2024-01-03", "2024-01-31");
    ASSERT_TRUE(only_third.ok());
    EXPECT_EQ(only_third->size(), 1u);
}

TEST_P(StoreContract, ChangeFeedIsMonotonicAndHoldsEachRecordOnceAtItsLatestSeq) {
    put(plain_paper("2401.00001"));
    put(plain_paper("2401.00002"));
    put_entry(entry("2024-01-02", "2401.00001", 1));
    const auto before = changes();
    ASSERT_EQ(before.size(), 3u);
    for (size_t i = 1; i < before.size(); ++i) EXPECT_GT(before[i].seq, before[i - 1].seq);

    // A reader stops here, then paper 1 changes twice.
    const int64_t stopped_at = before.back().seq;
    put(plain_paper("2401.00001", 2));
    put(plain_paper("2401.00001", 3));

    const auto all = changes();
    ASSERT_EQ(all.size(), 3u);  // paper 2, the entry, paper 1 (moved to the end)
    EXPECT_EQ(all.back().paper_id, id_of("2401.00001"));
    EXPECT_EQ(all.back().entity, Change::Entity::kPaper);
    EXPECT_GT(all.back().seq, stopped_at);
    std::set<std::pair<int, std::string>> records;
    for (const Change& c : all) {
        EXPECT_TRUE(records.emplace(static_cast<int>(c.entity), c.paper_id.str() + c.date).second);
    }

    const auto news = changes(stopped_at);
    ASSERT_EQ(news.size(), 1u);
    EXPECT_EQ(news[0], all.back());

    // Paging with a limit walks the feed in order without gaps.
    std::vector<Change> paged;
    int64_t after = 0;
    for (;;) {
        auto page = changes(after, 1);
        if (page.empty()) break;
        ASSERT_EQ(page.size(), 1u);
        paged.push_back(page[0]);
        after = page[0].seq;
    }
    EXPECT_EQ(paged, all);
    EXPECT_TRUE(changes(all.back().seq).empty());
    EXPECT_TRUE(changes(0, 0).empty());
}

TEST_P(StoreContract, SequenceNumbersAreNeverReused) {
    put(plain_paper("2401.00001"));
    put(plain_paper("2401.00001", 2));  // replaces the feed entry of seq 1 with seq 2
    const int64_t top = changes().back().seq;
    put(plain_paper("2401.00002"));
    EXPECT_GT(changes().back().seq, top);
    EXPECT_EQ(stats().last_sequence, changes().back().seq);
}

TEST_P(StoreContract, FailedBatchLeavesNothingApplied) {
    put(plain_paper("2401.00001"));
    const auto feed = changes();
    const StoreStats before = stats();

    WriteBatch b;
    b.put_paper(plain_paper("2401.00002"));
    b.put_paper(plain_paper("2401.00001", 4));
    b.delete_paper(id_of("2401.00001"));
    b.set_cursor("oai", "after-the-failure");
    b.put_daily_entry(entry("2024-01-02", "2401.00001", 1));
    b.put_daily_entry(entry("2024-01-02", "2412.00404", 1));  // no such paper
    auto result = store_->write(b);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);

    EXPECT_EQ(get("2401.00002"), std::nullopt);
    EXPECT_EQ(get("2401.00001"), plain_paper("2401.00001"));
    EXPECT_TRUE(daily("2024-01-02").empty());
    auto c = store_->cursor("oai");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c, std::nullopt);
    EXPECT_EQ(changes(), feed);
    const StoreStats after = stats();
    EXPECT_EQ(after.papers, before.papers);
    EXPECT_EQ(after.last_sequence, before.last_sequence);

    // The store is still usable after the rollback.
    EXPECT_EQ(put(plain_paper("2401.00002")).papers_inserted, 1);
}

TEST_P(StoreContract, CursorsAreUpserted) {
    auto none = store_->cursor("oai:arxiv");
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(*none, std::nullopt);

    WriteBatch b;
    b.set_cursor("oai:arxiv", "2024-01-01");
    b.set_cursor("hf:daily", "2024-01-05");
    write(b);
    WriteBatch b2;
    b2.set_cursor("oai:arxiv", "2024-01-02");
    EXPECT_EQ(write(b2), WriteCounts{});

    auto arxiv = store_->cursor("oai:arxiv");
    ASSERT_TRUE(arxiv.ok());
    EXPECT_EQ(*arxiv, "2024-01-02");
    auto hf = store_->cursor("hf:daily");
    ASSERT_TRUE(hf.ok());
    EXPECT_EQ(*hf, "2024-01-05");
    EXPECT_TRUE(changes().empty());  // cursors are not records
}

TEST_P(StoreContract, EveryStoreHasARandomIdentity) {
    auto id = store_->cursor(kStoreIdCursor);
    ASSERT_TRUE(id.ok()) << id.error().message();
    ASSERT_TRUE(id->has_value());
    EXPECT_EQ((*id)->size(), 32U);

    TempDir other_dir;
    const std::optional<std::string> other_url = GetParam().url(other_dir);
    ASSERT_TRUE(other_url.has_value());
    auto other = open_store(*other_url);
    ASSERT_TRUE(other.ok()) << other.error().message();
    auto other_id = (*other)->cursor(kStoreIdCursor);
    ASSERT_TRUE(other_id.ok() && other_id->has_value());
    EXPECT_NE(**id, **other_id);
}

TEST_P(StoreContract, StatsCountEverything) {
    StoreStats empty = stats();
    EXPECT_EQ(empty.papers, 0);
    EXPECT_EQ(empty.last_sequence, 0);
    EXPECT_EQ(empty.first_daily_date, "");
    EXPECT_GT(empty.schema_version, 0);

    WriteBatch b;
    b.put_paper(full_paper("1706.03762"));  // has code
    b.put_paper(plain_paper("2401.00001"));
    b.put_paper(plain_paper("2401.00002"));
    Paper hidden_with_code = full_paper("2401.00003");
    b.put_paper(hidden_with_code);
    b.delete_paper(id_of("2401.00003"));
    b.put_daily_entry(entry("2024-01-05", "2401.00001", 1));
    b.put_daily_entry(entry("2024-01-02", "2401.00001", 1));
    b.put_daily_entry(entry("2024-01-02", "2401.00002", 1));
    write(b);

    const StoreStats st = stats();
    EXPECT_EQ(st.papers, 3);
    EXPECT_EQ(st.deleted_papers, 1);
    EXPECT_EQ(st.papers_with_code, 1);
    EXPECT_EQ(st.daily_entries, 3);
    EXPECT_EQ(st.daily_dates, 2);
    EXPECT_EQ(st.first_daily_date, "2024-01-02");
    EXPECT_EQ(st.last_daily_date, "2024-01-05");
    EXPECT_EQ(st.last_sequence, changes().back().seq);
    EXPECT_EQ(st.schema_version, empty.schema_version);
}

TEST_P(StoreContract, ForEachPaperVisitsInIdOrderAndStopsWhenAsked) {
    WriteBatch b;
    std::vector<std::string> ids;
    for (int i = 1200; i >= 1; --i) {  // more than one page, written out of order
        char id[16];
        std::snprintf(id, sizeof id, "2401.%05d", i);
        ids.emplace_back(id);
        b.put_paper(plain_paper(id));
    }
    write(b);
    std::sort(ids.begin(), ids.end());

    std::vector<std::string> seen;
    ASSERT_TRUE(store_
                    ->for_each_paper([&](const Paper& p) {
                        seen.push_back(p.id.str());
                        return true;
                    })
                    .ok());
    EXPECT_EQ(seen, ids);

    int calls = 0;
    ASSERT_TRUE(store_->for_each_paper([&](const Paper&) { return ++calls < 10; }).ok());
    EXPECT_EQ(calls, 10);

    // The callback may use the store.
    int found = 0;
    ASSERT_TRUE(store_
                    ->for_each_paper([&](const Paper& p) {
                        auto again = store_->get_paper(p.id);
                        found += again.ok() && again->has_value();
                        return found < 600;
                    })
                    .ok());
    EXPECT_EQ(found, 600);
}

TEST_P(StoreContract, ConcurrentReadersAndAWriterDoNotInterfere) {
    put(plain_paper("2401.00000"));
    constexpr int kBatches = 20;
    constexpr int kPerBatch = 50;
    std::atomic<bool> done{false};
    std::atomic<int> reader_failures{0};

    std::thread writer([&] {
        for (int b = 0; b < kBatches; ++b) {
            WriteBatch batch;
            for (int i = 0; i < kPerBatch; ++i) {
                char id[16];
                std::snprintf(id, sizeof id, "2402.%05d", b * kPerBatch + i);
                batch.put_paper(plain_paper(id));
                batch.put_daily_entry(entry("2024-02-01", id, i));
            }
            if (!store_->write(batch).ok()) ++reader_failures;
        }
        done = true;
    });
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
        readers.emplace_back([&] {
            int64_t last_seq = 0;
            while (!done) {
                auto feed = store_->changes_since(last_seq, 100);
                if (!feed.ok()) {
                    ++reader_failures;
                    continue;
                }
                for (const Change& c : *feed) {
                    if (c.seq <= last_seq) ++reader_failures;
                    last_seq = c.seq;
                }
                auto p = store_->get_paper(id_of("2401.00000"));
                if (!p.ok() || !p->has_value()) ++reader_failures;
                auto list = store_->daily_entries("2024-02-01");
                if (!list.ok() || list->size() % kPerBatch != 0) ++reader_failures;
                if (!store_->stats().ok()) ++reader_failures;
            }
        });
    }
    writer.join();
    for (auto& t : readers) t.join();
    EXPECT_EQ(reader_failures.load(), 0);
    EXPECT_EQ(stats().papers, 1 + kBatches * kPerBatch);
    EXPECT_EQ(daily("2024-02-01").size(), static_cast<size_t>(kBatches * kPerBatch));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

}  // namespace
}  // namespace paperboy::store
