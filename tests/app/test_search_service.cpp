// The search service over a real (in-memory) SQLite store: the index follows the change feed.
#include <gtest/gtest.h>

#include "app/search_service.h"

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

}  // namespace
}  // namespace paperboy::app
