// The read side of the daily lists over a real (in-memory) SQLite store.
#include <gtest/gtest.h>

#include "app/library.h"
#include "core/timestamp.h"
#include "rank/trending.h"

namespace paperboy::app {
namespace {

Paper paper(const std::string& id) {
    Paper p;
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = "Paper " + id;
    p.abstract = p.abstract_raw = "About " + id + ".";
    p.published = "2024-10-01T00:00:00Z";
    return p;
}

DailyEntry entry(const std::string& date, const std::string& id, int upvotes,
                 const std::string& at = "") {
    return DailyEntry{date, *PaperId::parse(id), "ak", at, upvotes, 0};
}

std::vector<std::string> ids(const std::vector<ListedPaper>& papers) {
    std::vector<std::string> out;
    for (const ListedPaper& p : papers) out.push_back(p.paper.id.str());
    return out;
}

class LibraryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        store::WriteBatch b;
        for (const char* id : {"2410.00001", "2410.00002", "2410.00003", "2410.00004"}) {
            b.put_paper(paper(id));
        }
        b.put_daily_entry(entry("2024-10-21", "2410.00001", 10, "2024-10-21T08:00:00Z"));
        b.put_daily_entry(entry("2024-10-21", "2410.00002", 30, "2024-10-21T09:00:00Z"));
        b.put_daily_entry(entry("2024-10-23", "2410.00003", 5, "2024-10-23T07:00:00Z"));
        b.put_daily_entry(entry("2024-10-23", "2410.00001", 12, "2024-10-23T06:00:00Z"));
        b.put_daily_entry(entry("2024-10-23", "2410.00004", 5, "2024-10-23T06:30:00Z"));
        ASSERT_TRUE(store_->write(b).ok());
        library_ = std::make_unique<Library>(*store_);
    }
    std::chrono::sys_seconds at(const char* t) { return *parse_instant(t); }

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Library> library_;
};

TEST_F(LibraryTest, ADayIsRankedByUpvotesThenSubmissionWithItsNeighbours) {
    auto day = library_->daily("2024-10-23");
    ASSERT_TRUE(day.ok());
    EXPECT_EQ(ids(day->papers),
              (std::vector<std::string>{"2410.00001", "2410.00004", "2410.00003"}));
    EXPECT_EQ(day->previous, "2024-10-21");
    EXPECT_EQ(day->next, std::nullopt);
    EXPECT_EQ(day->papers[0].upvotes(), 12);

    auto empty = library_->daily("2024-10-22");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->papers.empty());
    EXPECT_EQ(empty->previous, "2024-10-21");
    EXPECT_EQ(empty->next, "2024-10-23");
    EXPECT_EQ(library_->latest_date().value(), "2024-10-23");
}

TEST_F(LibraryTest, AWeekListsEachPaperOnceAtItsBestDay) {
    auto week = library_->between(*iso_week_days("2024-W43"));
    ASSERT_TRUE(week.ok());
    EXPECT_EQ(ids(*week),
              (std::vector<std::string>{"2410.00002", "2410.00001", "2410.00004", "2410.00003"}));
    EXPECT_EQ((*week)[1].upvotes(), 12);
    EXPECT_EQ((*week)[1].entry.date, "2024-10-23");
    EXPECT_TRUE(library_->between(*iso_week_days("2024-W44"))->empty());
}

TEST_F(LibraryTest, TrendingDecaysVotesWithAge) {
    // Two days after the 23rd's list: 2410.00002's 30 votes are 2 days older than 00001's 12.
    auto trending = library_->trending(at("2024-10-25T08:00:00Z"));
    ASSERT_TRUE(trending.ok());
    ASSERT_EQ(trending->size(), 4U);
    EXPECT_EQ((*trending)[0].paper.id.str(), "2410.00001");
    EXPECT_EQ((*trending)[1].paper.id.str(), "2410.00002");
    const double expected = rank::trending_score(12, 50.0);  // 06:00 on the 23rd to 08:00
    EXPECT_DOUBLE_EQ((*trending)[0].trending, expected);
    EXPECT_GT((*trending)[0].trending, (*trending)[1].trending);

    // A much larger gravity makes age matter more still; a tiny one lets votes win.
    TrendingOptions flat;
    flat.params.gravity = 0.01;
    EXPECT_EQ(library_->trending(at("2024-10-25T08:00:00Z"), flat)->front().paper.id.str(),
              "2410.00002");
}

TEST_F(LibraryTest, AnArchiveTrendsAsOfItsNewestList) {
    // Years later nothing is in the window; trending is measured from the newest list instead.
    auto trending = library_->trending(at("2026-11-27T12:00:00Z"));
    ASSERT_TRUE(trending.ok());
    EXPECT_EQ(trending->size(), 4U);
    EXPECT_EQ(trending->front().paper.id.str(), "2410.00001");
}

TEST_F(LibraryTest, APaperHasItsListsAndBestUpvotesAndHiddenPapersDisappear) {
    auto page = library_->paper(*PaperId::parse("2410.00001"));
    ASSERT_TRUE(page.ok() && page->has_value());
    EXPECT_EQ((*page)->upvotes, 12);
    ASSERT_EQ((*page)->entries.size(), 2U);
    EXPECT_EQ((*page)->entries[0].date, "2024-10-23");

    store::WriteBatch hide;
    hide.delete_paper(*PaperId::parse("2410.00001"));
    ASSERT_TRUE(store_->write(hide).ok());
    EXPECT_FALSE(library_->paper(*PaperId::parse("2410.00001"))->has_value());
    EXPECT_EQ(ids(library_->daily("2024-10-23")->papers),
              (std::vector<std::string>{"2410.00004", "2410.00003"}));
    EXPECT_FALSE(library_->paper(*PaperId::parse("2410.99999"))->has_value());
}

}  // namespace
}  // namespace paperboy::app
