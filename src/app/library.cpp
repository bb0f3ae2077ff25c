#include "app/library.h"

#include <algorithm>
#include <unordered_map>

#include "core/timestamp.h"

namespace paperboy::app {

std::chrono::sys_seconds submitted_time(const DailyEntry& entry) {
    if (auto at = parse_instant(entry.submitted_at)) return *at;
    if (auto day = parse_instant(entry.date)) return *day;
    return std::chrono::sys_seconds{};
}

bool list_order(const DailyEntry& a, const DailyEntry& b) {
    if (a.upvotes != b.upvotes) return a.upvotes > b.upvotes;
    const auto ta = submitted_time(a);
    const auto tb = submitted_time(b);
    if (ta != tb) return ta < tb;
    return a.paper_id < b.paper_id;
}

void rank_by_trending(std::vector<ListedPaper>& papers, std::chrono::sys_seconds reference,
                      const rank::TrendingParams& params) {
    for (ListedPaper& p : papers) {
        const double age_hours =
            std::chrono::duration<double, std::ratio<3600>>(reference - submitted_time(p.entry))
                .count();
        p.trending = rank::trending_score(p.upvotes(), age_hours, params);
    }
    std::stable_sort(papers.begin(), papers.end(), [](const ListedPaper& a, const ListedPaper& b) {
        if (a.trending != b.trending) return a.trending > b.trending;
        return list_order(a.entry, b.entry);
    });
}

Result<std::optional<std::string>> Library::latest_date() const {
    // The day before every real day: one index probe, not the counting stats() does.
    return store_.adjacent_daily_date("9999-12-31", /*later=*/false);
}

Result<std::vector<ListedPaper>> Library::with_papers(std::vector<DailyEntry> entries) const {
    std::vector<PaperId> ids;
    ids.reserve(entries.size());
    for (const DailyEntry& entry : entries) ids.push_back(entry.paper_id);
    auto papers = store_.get_papers(ids);
    if (!papers.ok()) return papers.error();
    std::vector<ListedPaper> out;
    out.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        if (!(*papers)[i]) continue;  // hidden since the entry was read
        out.push_back(ListedPaper{std::move(*(*papers)[i]), std::move(entries[i]), 0});
    }
    return out;
}

Result<DailyList> Library::daily(const std::string& date) const {
    DailyList list;
    list.date = date;
    auto entries = store_.daily_entries(date);
    if (!entries.ok()) return entries.error();
    std::stable_sort(entries->begin(), entries->end(), list_order);
    auto papers = with_papers(std::move(*entries));
    if (!papers.ok()) return papers.error();
    list.papers = std::move(*papers);
    auto previous = store_.adjacent_daily_date(date, /*later=*/false);
    if (!previous.ok()) return previous.error();
    auto next = store_.adjacent_daily_date(date, /*later=*/true);
    if (!next.ok()) return next.error();
    list.previous = *previous;
    list.next = *next;
    return list;
}

Result<std::vector<ListedPaper>> Library::between(const DayRange& days) const {
    auto entries = store_.daily_entries_between(days.first, days.last);
    if (!entries.ok()) return entries.error();
    // One entry per paper: its best day.
    std::unordered_map<std::string, size_t> best;
    std::vector<DailyEntry> chosen;
    for (DailyEntry& e : *entries) {
        auto [it, added] = best.emplace(e.paper_id.str(), chosen.size());
        if (added) {
            chosen.push_back(std::move(e));
        } else if (list_order(e, chosen[it->second])) {
            chosen[it->second] = std::move(e);
        }
    }
    std::stable_sort(chosen.begin(), chosen.end(), list_order);
    return with_papers(std::move(chosen));
}

Result<std::vector<ListedPaper>> Library::trending(std::chrono::sys_seconds now,
                                                   const TrendingOptions& options) const {
    auto latest = latest_date();
    if (!latest.ok()) return latest.error();
    if (!*latest) return std::vector<ListedPaper>{};
    // Measured from now, unless the newest list is older than the window (see the header).
    std::chrono::sys_seconds reference = now;
    const std::string today = format_instant(now).substr(0, 10);
    const std::string window_start = add_days(today, -options.window_days);
    if (**latest < window_start) {
        reference = *parse_instant(**latest) + std::chrono::hours(24);
    }
    const std::string first = format_instant(reference).substr(0, 10);
    auto entries = between(DayRange{add_days(first, -options.window_days), first});
    if (!entries.ok()) return entries.error();
    rank_by_trending(*entries, reference, options.params);
    if (entries->size() > options.limit) entries->resize(options.limit);
    return entries;
}

Result<std::optional<PaperPage>> Library::paper(const PaperId& id) const {
    auto paper = store_.get_paper(id);
    if (!paper.ok()) return paper.error();
    if (!*paper) return std::optional<PaperPage>();
    PaperPage page;
    page.paper = std::move(**paper);
    auto entries = store_.entries_for_paper(id);
    if (!entries.ok()) return entries.error();
    page.entries = std::move(*entries);
    for (const DailyEntry& e : page.entries) page.upvotes = std::max(page.upvotes, e.upvotes);
    if (page.entries.empty()) {
        auto votes = store_.paper_votes(id);
        if (!votes.ok()) return votes.error();
        page.upvotes = *votes;
    }
    return std::optional<PaperPage>(std::move(page));
}

Result<std::vector<Paper>> Library::papers(const std::vector<PaperId>& ids) const {
    auto found = store_.get_papers(ids);
    if (!found.ok()) return found.error();
    std::vector<Paper> out;
    out.reserve(found->size());
    for (std::optional<Paper>& paper : *found) {
        if (paper) out.push_back(std::move(*paper));
    }
    return out;
}

Result<std::vector<DailyEntry>> Library::submitted_by(std::string_view handle, size_t limit) const {
    return store_.entries_submitted_by(handle, limit);
}

Result<std::optional<Organization>> Library::organization(std::string_view name) const {
    return store_.organization(name);
}

Result<std::vector<int>> Library::comment_counts(const std::vector<PaperId>& papers) const {
    return store_.comment_counts(papers);
}

Result<store::StoreStats> Library::stats() const { return store_.stats(); }

Result<int> Library::upvotes(const PaperId& id) const {
    auto entries = store_.entries_for_paper(id);
    if (!entries.ok()) return entries.error();
    if (!entries->empty()) return card_upvotes(*entries, 0);
    auto votes = store_.paper_votes(id);
    if (!votes.ok()) return votes.error();
    return card_upvotes({}, *votes);
}

int card_upvotes(const std::vector<DailyEntry>& entries, int votes) {
    if (entries.empty()) return votes;
    int best = 0;
    for (const DailyEntry& e : entries) best = std::max(best, e.upvotes);
    return best;
}

}  // namespace paperboy::app
