// The search service over a real (in-memory) SQLite store: the index follows the change feed.
#include <gtest/gtest.h>

#include "app/search_service.h"
#include "support/temp_dir.h"

namespace paperboy::app {
namespace {

Paper paper(const char* id, const char* title, const char* abstract) {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title;
    p.abstract_raw = abstract;
    p.abstract = abstract;
    p.authors = {Author{"Ashish Vaswani", "Vaswani", "Ashish", "", {}}};
    p.categories = {"cs.CL"};
    p.published = "2024-03-01T00:00:00Z";
    p.updated = p.published;
    return p;
}

std::vector<std::string> ids(const index::SearchResult& r) {
    std::vector<std::string> out;
    for (const index::Hit& h : r.hits) out.push_back(h.id.str());
    return out;
}

class SearchServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = store::open_store("sqlite::memory:");
        ASSERT_TRUE(s.ok());
        store_ = std::move(s).value();
        put(paper("2401.00001", "Attention is all you need: the Transformer",
                  "The transformer architecture."));
        put(paper("2401.00002", "Graph neural networks", "Message passing on graphs."));
    }
    void put(const Paper& p) {
        store::WriteBatch b;
        b.put_paper(p);
        ASSERT_TRUE(store_->write(b).ok());
    }
    std::unique_ptr<SearchService> open() {
        auto service = SearchService::open(*store_);
        EXPECT_TRUE(service.ok());
        return std::move(service).value();
    }
    std::unique_ptr<store::Store> store_;
};

TEST_F(SearchServiceTest, BuildsFromTheStore) {
    auto service = open();
    EXPECT_EQ(ids(service->search_ids("transformer", {})), std::vector<std::string>{"2401.00001"});
    EXPECT_EQ(ids(service->search_ids("graphs", {})), std::vector<std::string>{"2401.00002"});
}

TEST_F(SearchServiceTest, SyncAppliesInsertsUpdatesDeletionsAndDailyEntries) {
    auto service = open();
    put(paper("2401.00003", "Diffusion models", "Denoising score matching."));
    EXPECT_TRUE(service->search_ids("diffusion", {}).hits.empty()) << "not before sync";
    auto report = service->sync();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->applied, 1);
    EXPECT_EQ(ids(service->search_ids("diffusion", {})), std::vector<std::string>{"2401.00003"});

    // An update replaces the old text.
    Paper changed = paper("2401.00003", "Flow matching", "Continuous normalizing flows.");
    changed.version = 2;
    put(changed);
    ASSERT_TRUE(service->sync().ok());
    EXPECT_TRUE(service->search_ids("diffusion", {}).hits.empty());
    EXPECT_EQ(ids(service->search_ids("flow matching", {})),
              std::vector<std::string>{"2401.00003"});

    // A daily entry puts it on a daily list (the on:daily filter).
    EXPECT_TRUE(service->search_ids("flow on:daily", {}).hits.empty());
    store::WriteBatch entry;
    entry.put_daily_entry(DailyEntry{"2024-03-02", changed.id, "ak", "", 5, 0});
    ASSERT_TRUE(store_->write(entry).ok());
    ASSERT_TRUE(service->sync().ok());
    EXPECT_EQ(ids(service->search_ids("flow on:daily", {})),
              std::vector<std::string>{"2401.00003"});

    // A deletion hides it.
    store::WriteBatch del;
    del.delete_paper(changed.id);
    ASSERT_TRUE(store_->write(del).ok());
    ASSERT_TRUE(service->sync().ok());
    EXPECT_TRUE(service->search_ids("flow", {}).hits.empty());
    EXPECT_EQ(service->sync()->applied, 0) << "nothing new";
}

TEST_F(SearchServiceTest, ResultsCarryPapersSnippetsAndSuggestions) {
    auto service = open();
    auto response = service->search("transformer architecture", {});
    ASSERT_TRUE(response.ok());
    ASSERT_EQ(response->hits.size(), 1u);
    EXPECT_EQ(response->hits[0].paper.title, "Attention is all you need: the Transformer");
    EXPECT_NE(response->hits[0].snippet.find("<mark>transformer</mark>"), std::string::npos)
        << response->hits[0].snippet;

    auto typo = service->search("transfomer", {});
    ASSERT_TRUE(typo.ok());
    ASSERT_FALSE(typo->suggestions.empty());
    EXPECT_EQ(typo->suggestions[0].replacement, "transformer");
}

// The index snapshot beside the database: reused when it belongs to the store, caught up with the
// change feed, and rebuilt (saying why) when it does not fit.
class SearchSnapshotTest : public SearchServiceTest {
  protected:
    std::unique_ptr<SearchService> open_with_snapshot(store::Store& store) {
        SearchServiceOptions options;
        options.snapshot_path = snapshot_;
        auto service = SearchService::open(store, options);
        EXPECT_TRUE(service.ok()) << service.error().message();
        return std::move(service).value();
    }
    std::unique_ptr<store::Store> other_store() {
        auto s = store::open_store("sqlite::memory:");
        EXPECT_TRUE(s.ok());
        return std::move(s).value();
    }

    paperboy::testing::TempDir dir_;
    std::string snapshot_ = dir_.file("papers.db.index");
};

TEST_F(SearchSnapshotTest, ASavedSnapshotIsLoadedAndCaughtUpWithTheFeed) {
    {
        auto first = open_with_snapshot(*store_);
        EXPECT_FALSE(first->open_report().from_snapshot);
        EXPECT_EQ(first->open_report().snapshot_problem, "") << "no file yet is not a problem";
        EXPECT_EQ(first->save_snapshot().value(), true);
        EXPECT_EQ(first->save_snapshot().value(), false) << "nothing new to save";
    }
    // While no server runs: a new paper, an update, a deletion and a daily entry.
    put(paper("2401.00003", "Diffusion models", "Denoising score matching."));
    Paper changed = paper("2401.00001", "State space models", "Selective scans.");
    changed.version = 2;
    put(changed);
    store::WriteBatch more;
    more.delete_paper(*PaperId::parse("2401.00002"));
    more.put_daily_entry(DailyEntry{"2024-03-02", *PaperId::parse("2401.00003"), "ak", "", 5, 0});
    ASSERT_TRUE(store_->write(more).ok());

    auto service = open_with_snapshot(*store_);
    EXPECT_TRUE(service->open_report().from_snapshot);
    EXPECT_EQ(service->open_report().snapshot_problem, "");
    EXPECT_EQ(service->open_report().applied, 4);
    EXPECT_EQ(ids(service->search_ids("diffusion on:daily", {})),
              std::vector<std::string>{"2401.00003"});
    EXPECT_EQ(ids(service->search_ids("selective scans", {})),
              std::vector<std::string>{"2401.00001"});
    EXPECT_TRUE(service->search_ids("transformer", {}).hits.empty()) << "the old version is gone";
    EXPECT_TRUE(service->search_ids("graphs", {}).hits.empty()) << "deleted";
    EXPECT_EQ(service->index().stats().documents, 2U);

    EXPECT_EQ(service->save_snapshot(10).value(), false) << "4 changes behind: not yet";
    EXPECT_EQ(service->save_snapshot(4).value(), true);
    auto again = open_with_snapshot(*store_);
    EXPECT_TRUE(again->open_report().from_snapshot);
    EXPECT_EQ(again->open_report().applied, 0);
}

TEST_F(SearchSnapshotTest, ASnapshotOfAnotherDatabaseIsRebuilt) {
    open_with_snapshot(*store_)->save_snapshot().value();
    auto other = other_store();
    Paper p = paper("2402.00001", "Protein folding", "Structure prediction.");
    store::WriteBatch b;
    b.put_paper(p);
    ASSERT_TRUE(other->write(b).ok());

    auto service = open_with_snapshot(*other);
    EXPECT_FALSE(service->open_report().from_snapshot);
    EXPECT_NE(service->open_report().snapshot_problem.find("another database"), std::string::npos)
        << service->open_report().snapshot_problem;
    EXPECT_TRUE(service->search_ids("transformer", {}).hits.empty());
    EXPECT_EQ(ids(service->search_ids("protein", {})), std::vector<std::string>{"2402.00001"});
}

TEST_F(SearchSnapshotTest, ASnapshotAheadOfTheDatabaseIsRebuilt) {
    // As after restoring an older backup of the same database.
    open_with_snapshot(*store_)->save_snapshot().value();
    auto restored = other_store();
    store::WriteBatch b;
    b.set_cursor(std::string(store::kStoreIdCursor),
                 store_->cursor(store::kStoreIdCursor)->value());
    ASSERT_TRUE(restored->write(b).ok());

    auto service = open_with_snapshot(*restored);
    EXPECT_FALSE(service->open_report().from_snapshot);
    EXPECT_NE(service->open_report().snapshot_problem.find("newer than the database"),
              std::string::npos)
        << service->open_report().snapshot_problem;
    EXPECT_EQ(service->index().stats().documents, 0U);
}

TEST_F(SearchSnapshotTest, ACorruptedSnapshotIsRebuiltAndRewritten) {
    open_with_snapshot(*store_)->save_snapshot().value();
    std::string bytes = paperboy::testing::read_file(snapshot_);
    bytes[bytes.size() / 2] ^= 0x01;
    ASSERT_TRUE(paperboy::testing::write_file(snapshot_, bytes));

    auto service = open_with_snapshot(*store_);
    EXPECT_FALSE(service->open_report().from_snapshot);
    EXPECT_NE(service->open_report().snapshot_problem.find("corrupted"), std::string::npos);
    EXPECT_EQ(ids(service->search_ids("transformer", {})), std::vector<std::string>{"2401.00001"});
    EXPECT_EQ(service->save_snapshot().value(), true) << "a rebuilt index is saved";
    EXPECT_TRUE(open_with_snapshot(*store_)->open_report().from_snapshot);
}

}  // namespace
}  // namespace paperboy::app

namespace paperboy::app {
namespace {

TEST(SemanticQueryText, KeepsTheWordsAndDropsTheOperators) {
    EXPECT_EQ(semantic_query_text("graph neural networks"), "graph neural networks");
    EXPECT_EQ(semantic_query_text("cat:cs.CL -survey \"graph networks\" after:2024-01-01"),
              "graph networks");
    EXPECT_EQ(semantic_query_text("title:attention abstract:\"is all\" transfo*"),
              "attention is all transfo");
    EXPECT_EQ(semantic_query_text("  has:code ON:daily org:meta author:vaswani  "), "");
    EXPECT_EQ(semantic_query_text(""), "");
    EXPECT_EQ(semantic_query_text("\"unbalanced quote"), "unbalanced quote");
}

TEST(SearchModeNames, RoundTrip) {
    for (SearchMode m : {SearchMode::kLexical, SearchMode::kSemantic, SearchMode::kHybrid}) {
        EXPECT_EQ(parse_search_mode(search_mode_name(m)), m);
    }
    EXPECT_FALSE(parse_search_mode("Hybrid"));
    EXPECT_FALSE(parse_search_mode(""));
}

}  // namespace
}  // namespace paperboy::app
