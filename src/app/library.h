// app/library.h — the read side of the daily lists: a day's list, a week's or month's, trending,
// and one paper with the lists it was on. What the web pages, the JSON API and the feeds show.
//
// Upvotes: a paper's count is the highest count of the entries that listed it (a paper listed
// on two days keeps its best day's count). Ordering of a list: upvotes, then submission time,
// then id — the same on every page and in the API, so pagination is stable.
// Thread-safety: as the store's (every call is a few store reads).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/paper.h"
#include "core/result.h"
#include "rank/trending.h"
#include "store/store.h"

namespace paperboy::app {

struct ListedPaper {
    Paper paper;
    DailyEntry entry;     // the entry that listed it (for weeks and months: its best day)
    double trending = 0;  // trending lists only

    int upvotes() const { return entry.upvotes; }
};

struct DailyList {
    std::string date;
    std::vector<ListedPaper> papers;
    std::optional<std::string> previous;  // the nearest earlier day with a list
    std::optional<std::string> next;
};

struct PaperPage {
    Paper paper;
    std::vector<DailyEntry> entries;  // latest day first
    int upvotes = 0;
};

// When trending is measured from. Usually now; an instance whose newest list is older than the
// trending window (an archive, the demo) measures from its newest entry instead, so that its
// trending page shows what was trending then rather than nothing.
struct TrendingOptions {
    rank::TrendingParams params;
    int window_days = 7;  // entries older than this are not trending
    size_t limit = 50;
};

// Scores `papers` by trending at `reference` and sorts them best first (ties in list order).
void rank_by_trending(std::vector<ListedPaper>& papers, std::chrono::sys_seconds reference,
                      const rank::TrendingParams& params);

class Library {
  public:
    explicit Library(store::Store& store) : store_(store) {}

    // The newest day with a list; nullopt when there are no lists.
    Result<std::optional<std::string>> latest_date() const;

    // The list of `date` (a valid "YYYY-MM-DD"), with the neighbouring days that have lists.
    Result<DailyList> daily(const std::string& date) const;

    // Every paper listed in `days`, once (its best day), in list order.
    Result<std::vector<ListedPaper>> between(const DayRange& days) const;

    // Papers by trending score at `now` (see TrendingOptions), best first.
    Result<std::vector<ListedPaper>> trending(std::chrono::sys_seconds now,
                                              const TrendingOptions& options = {}) const;

    // The paper and the lists it was on; nullopt when unknown or hidden.
    Result<std::optional<PaperPage>> paper(const PaperId& id) const;

    // A paper's upvotes as every page shows them: card_upvotes() of its entries and votes.
    Result<int> upvotes(const PaperId& id) const;

    // Loads the papers of `entries` (in order), dropping entries of hidden papers.
    Result<std::vector<ListedPaper>> with_papers(std::vector<DailyEntry> entries) const;

    // The visible papers of `ids`, in order, without the unknown or hidden ones.
    Result<std::vector<Paper>> papers(const std::vector<PaperId>& ids) const;

    // The latest `limit` entries a member submitted (by exact handle), newest day first.
    Result<std::vector<DailyEntry>> submitted_by(std::string_view handle, size_t limit) const;

    // The organization called `name` (ignoring case), or nullopt.
    Result<std::optional<Organization>> organization(std::string_view name) const;

    // The visible comments of each of `papers`, in order.
    Result<std::vector<int>> comment_counts(const std::vector<PaperId>& papers) const;

    // What the database holds (the stats command, the home page's numbers).
    Result<store::StoreStats> stats() const;

  private:
    store::Store& store_;
};

// When an entry was submitted: its submitted_at, else the start of its day.
std::chrono::sys_seconds submitted_time(const DailyEntry& entry);

// A paper's upvotes as every page shows them: its best day's count (the imported upvotes plus
// the community's votes), or the community's `votes` for a paper never on a list (`entries`
// empty).
int card_upvotes(const std::vector<DailyEntry>& entries, int votes);

// True when `a` goes before `b` in a list (upvotes, then earlier submission, then id).
bool list_order(const DailyEntry& a, const DailyEntry& b);

// Sets each paper's trending score as of `reference` and orders them by it (ties in list order).
void rank_by_trending(std::vector<ListedPaper>& papers, std::chrono::sys_seconds reference,
                      const rank::TrendingParams& params);

}  // namespace paperboy::app
