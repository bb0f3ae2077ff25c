#include "app/search_service.h"

#include <unordered_set>

#include "core/timestamp.h"
#include "text/snippet.h"

namespace paperboy::app {
namespace {

// Papers per index batch when building from the store: large enough that the index's per-batch
// costs vanish, small enough to keep memory flat.
constexpr size_t kBuildBatch = 20000;
// Change-feed entries fetched per round trip during sync().
constexpr size_t kSyncBatch = 10000;

int32_t day_of(const std::string& timestamp) {
    if (timestamp.size() < 10) return INT32_MIN;
    auto day = normalize_date(std::string_view(timestamp).substr(0, 10));
    if (!day) return INT32_MIN;
    int y = std::stoi(day->substr(0, 4));
    unsigned m = static_cast<unsigned>(std::stoi(day->substr(5, 2)));
    unsigned d = static_cast<unsigned>(std::stoi(day->substr(8, 2)));
    return static_cast<int32_t>(days_from_civil(y, m, d));
}

}  // namespace

index::IndexDoc to_index_doc(const Paper& paper, bool on_daily_list) {
    index::IndexDoc doc;
    doc.id = paper.id;
    doc.title = paper.title;
    doc.abstract = paper.abstract;
    doc.authors.reserve(paper.authors.size());
    for (const Author& a : paper.authors) doc.authors.push_back(a.name);
    doc.categories = paper.categories;
    doc.organization = paper.organization;
    doc.published_day = day_of(paper.published);
    doc.has_code = !paper.github_url.empty();
    doc.on_daily_list = on_daily_list;
    return doc;
}

SearchService::SearchService(store::Store& store)
    : store_(store),
      analyzer_(std::make_unique<text::Analyzer>()),
      index_(std::make_unique<index::Index>(*analyzer_)) {}

Result<std::unique_ptr<SearchService>> SearchService::open(store::Store& store) {
    std::unique_ptr<SearchService> service(new SearchService(store));
    // The feed position is read before the scan: a change that lands during the scan is then
    // applied again by the first sync(), which is harmless (upserts are idempotent), whereas
    // reading it after could skip one.
    auto stats = store.stats();
    if (!stats.ok()) return stats.error();
    service->last_sequence_ = stats->last_sequence;

    auto entries = store.daily_entries_between("0000-01-01", "9999-12-31");
    if (!entries.ok()) return entries.error();
    std::unordered_set<std::string> on_daily;
    for (const DailyEntry& e : *entries) on_daily.insert(e.paper_id.str());

    std::vector<index::IndexDoc> batch;
    batch.reserve(kBuildBatch);
    Status scanned = store.for_each_paper([&](const Paper& paper) {
        batch.push_back(to_index_doc(paper, on_daily.count(paper.id.str()) > 0));
        if (batch.size() >= kBuildBatch) {
            service->index_->upsert(batch);
            batch.clear();
        }
        return true;
    });
    if (!scanned.ok()) return scanned.error();
    if (!batch.empty()) service->index_->upsert(batch);
    return service;
}

Result<SyncReport> SearchService::sync() {
    SyncReport report;
    for (;;) {
        auto changes = store_.changes_since(last_sequence_, kSyncBatch);
        if (!changes.ok()) return changes.error();
        if (changes->empty()) break;
        std::vector<index::IndexDoc> upserts;
        std::vector<PaperId> removals;
        std::unordered_set<std::string> seen;
        for (const store::Change& change : *changes) {
            // A daily entry changes the paper's on-daily-list flag: reindex the paper.
            if (!seen.insert(change.paper_id.str()).second) continue;
            auto paper = store_.get_paper(change.paper_id);
            if (!paper.ok()) return paper.error();
            if (!*paper) {
                removals.push_back(change.paper_id);
                continue;
            }
            auto entries = store_.entries_for_paper(change.paper_id);
            if (!entries.ok()) return entries.error();
            upserts.push_back(to_index_doc(**paper, !entries->empty()));
        }
        if (!removals.empty()) index_->remove(removals);
        if (!upserts.empty()) index_->upsert(upserts);
        report.applied += static_cast<int64_t>(changes->size());
        last_sequence_ = changes->back().seq;
    }
    report.last_sequence = last_sequence_;
    return report;
}

index::SearchResult SearchService::search_ids(const std::string& query,
                                              const index::SearchOptions& options) {
    return index_->search(index::parse_query(query, *analyzer_), options);
}

Result<SearchResponse> SearchService::search(const std::string& query,
                                             const index::SearchOptions& options) {
    index::Query parsed = index::parse_query(query, *analyzer_);
    index::SearchResult result = index_->search(parsed, options);
    SearchResponse response;
    response.matched = result.matched;
    response.matched_is_exact = result.matched_is_exact;
    response.query_truncated = parsed.truncated;
    response.suggestions = index_->suggest(parsed);

    std::vector<std::string> highlight;
    for (const auto* clauses : {&parsed.should, &parsed.must}) {
        for (const index::Clause& c : *clauses) {
            if (c.kind == index::Clause::Kind::kPrefix) continue;
            highlight.insert(highlight.end(), c.terms.begin(), c.terms.end());
        }
    }
    for (const index::Hit& hit : result.hits) {
        auto paper = store_.get_paper(hit.id);
        if (!paper.ok()) return paper.error();
        // Removed from the store after the index last synced: skip rather than fail.
        if (!*paper) continue;
        SearchHit& out = response.hits.emplace_back();
        out.snippet = text::make_snippet(*analyzer_, (*paper)->abstract, highlight);
        out.paper = std::move(**paper);
        out.score = hit.score;
    }
    return response;
}

}  // namespace paperboy::app
