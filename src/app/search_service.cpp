#include "app/search_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "app/library.h"
#include "core/timestamp.h"
#include "text/snippet.h"

namespace paperboy::app {
namespace {

// Papers per index batch when building from the store: large enough that the index's per-batch
// costs vanish, small enough to keep memory flat.
constexpr size_t kBuildBatch = 20000;
// Change-feed entries fetched per round trip during sync().
constexpr size_t kSyncBatch = 10000;
// Bump when to_index_doc() changes what the index is given: older snapshots are then rebuilt.
constexpr int kIndexDocVersion = 1;

// What a snapshot's label records: whose it is and how far in the change feed it reflects.
struct Label {
    std::string store_id;
    int64_t sequence = 0;
    int doc_version = 0;
};

std::string format_label(const Label& label) {
    return "store=" + label.store_id + "\nsequence=" + std::to_string(label.sequence) +
           "\ndocs=" + std::to_string(label.doc_version);
}

std::optional<Label> parse_label(std::string_view text) {
    Label label;
    int found = 0;
    while (!text.empty()) {
        const size_t end = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        const std::string_view key = line.substr(0, eq);
        const std::string value(line.substr(eq + 1));
        try {
            if (key == "store") {
                label.store_id = value;
            } else if (key == "sequence") {
                label.sequence = std::stoll(value);
            } else if (key == "docs") {
                label.doc_version = std::stoi(value);
            } else {
                continue;
            }
        } catch (const std::exception&) {
            return std::nullopt;
        }
        ++found;
    }
    if (found != 3) return std::nullopt;
    return label;
}

int32_t day_of(const std::string& timestamp) {
    if (timestamp.size() < 10) return INT32_MIN;
    auto day = normalize_date(std::string_view(timestamp).substr(0, 10));
    if (!day) return INT32_MIN;
    int y = std::stoi(day->substr(0, 4));
    unsigned m = static_cast<unsigned>(std::stoi(day->substr(5, 2)));
    unsigned d = static_cast<unsigned>(std::stoi(day->substr(8, 2)));
    return static_cast<int32_t>(days_from_civil(y, m, d));
}

// "More like this": how many terms of each kind the query gets. A title is short and says
// what the paper is about, so all of its terms count (up to a cap); an abstract is long, so only
// its most distinctive terms do, or the query would match half the index.
constexpr size_t kSimilarTitleTerms = 16;
constexpr size_t kSimilarAbstractTerms = 16;

bool all_digits(std::string_view term) {
    return std::all_of(term.begin(), term.end(), [](char c) { return c >= '0' && c <= '9'; });
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

SearchService::SearchService(store::Store& store, SearchServiceOptions options)
    : store_(store),
      options_(std::move(options)),
      analyzer_(std::make_unique<text::Analyzer>()),
      index_(std::make_unique<index::Index>(*analyzer_)) {}

Result<std::unique_ptr<SearchService>> SearchService::open(store::Store& store,
                                                           SearchServiceOptions options) {
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<SearchService> service(new SearchService(store, std::move(options)));
    auto store_id = store.cursor(store::kStoreIdCursor);
    if (!store_id.ok()) return store_id.error();
    service->store_id_ = store_id->value_or("");

    OpenReport& report = service->open_report_;
    if (!service->options_.snapshot_path.empty()) {
        if (auto problem = service->load_snapshot(service->store_id_)) {
            report.snapshot_problem = std::move(*problem);
            // Whatever was loaded is dropped: the build starts from an empty index.
            service->index_ = std::make_unique<index::Index>(*service->analyzer_);
            service->snapshot_sequence_ = -1;
        } else {
            report.from_snapshot = true;
        }
    }
    if (!report.from_snapshot) {
        PAPERBOY_RETURN_IF_ERROR(service->build_from_store());
    }
    auto synced = service->sync();
    if (!synced.ok()) return synced.error();
    if (report.from_snapshot) report.applied = synced->applied;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return service;
}

std::optional<std::string> SearchService::load_snapshot(const std::string& store_id) {
    const std::string& path = options_.snapshot_path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return "";  // the first start: nothing to report
    auto label = index_->load(path);
    if (!label.ok()) return label.error().message();
    const std::optional<Label> parsed = parse_label(*label);
    if (!parsed) return "index snapshot " + path + " has an unreadable label";
    if (parsed->doc_version != kIndexDocVersion) {
        return "index snapshot " + path + " was written by another version of paperboy";
    }
    if (store_id.empty() || parsed->store_id != store_id) {
        return "index snapshot " + path + " belongs to another database";
    }
    auto stats = store_.stats();
    if (!stats.ok()) return stats.error().message();
    if (parsed->sequence > stats->last_sequence) {
        return "index snapshot " + path + " is newer than the database (change " +
               std::to_string(parsed->sequence) + " > " + std::to_string(stats->last_sequence) +
               "); was the database restored from a backup?";
    }
    last_sequence_ = parsed->sequence;
    snapshot_sequence_ = parsed->sequence;
    return std::nullopt;
}

Status SearchService::build_from_store() {
    // The feed position is read before the scan: a change that lands during the scan is then
    // applied again by the first sync(), which is harmless (upserts are idempotent), whereas
    // reading it after could skip one.
    auto stats = store_.stats();
    if (!stats.ok()) return stats.error();
    last_sequence_ = stats->last_sequence;

    auto entries = store_.daily_entries_between("0000-01-01", "9999-12-31");
    if (!entries.ok()) return entries.error();
    std::unordered_set<std::string> on_daily;
    for (const DailyEntry& e : *entries) on_daily.insert(e.paper_id.str());

    std::vector<index::IndexDoc> batch;
    batch.reserve(kBuildBatch);
    uint64_t papers = 0;
    Status scanned = store_.for_each_paper([&](const Paper& paper) {
        batch.push_back(to_index_doc(paper, on_daily.count(paper.id.str()) > 0));
        if (batch.size() >= kBuildBatch) {
            index_->upsert(batch);
            papers += batch.size();
            batch.clear();
            if (options_.progress) options_.progress(papers);
        }
        return true;
    });
    if (!scanned.ok()) return scanned.error();
    if (!batch.empty()) index_->upsert(batch);
    return Status::ok_status();
}

Result<bool> SearchService::save_snapshot(int64_t min_changes) {
    if (options_.snapshot_path.empty() || store_id_.empty()) return false;
    if (snapshot_sequence_ >= 0 &&
        last_sequence_ - snapshot_sequence_ < std::max<int64_t>(min_changes, 1)) {
        return false;
    }
    const int64_t sequence = last_sequence_;
    PAPERBOY_RETURN_IF_ERROR(index_->save(options_.snapshot_path,
                                          format_label({store_id_, sequence, kIndexDocVersion})));
    snapshot_sequence_ = sequence;
    return true;
}

Result<bool> SearchService::wait_for_changes(std::chrono::milliseconds timeout) {
    return store_.wait_for_changes(last_sequence_, timeout);
}

Result<SyncReport> SearchService::sync() {
    SyncReport report;
    for (;;) {
        auto changes = store_.changes_since(last_sequence_, kSyncBatch);
        if (!changes.ok()) return changes.error();
        if (changes->empty()) break;
        // A daily entry changes the paper's on-daily-list flag: reindex the paper. Each paper
        // of the batch once, read with its lists in two queries for the whole batch.
        std::vector<PaperId> ids;
        std::unordered_set<std::string> seen;
        for (const store::Change& change : *changes) {
            if (seen.insert(change.paper_id.str()).second) ids.push_back(change.paper_id);
        }
        auto papers = store_.get_papers(ids);
        if (!papers.ok()) return papers.error();
        auto entries = store_.entries_for_papers(ids);
        if (!entries.ok()) return entries.error();
        std::vector<index::IndexDoc> upserts;
        std::vector<PaperId> removals;
        for (size_t i = 0; i < ids.size(); ++i) {
            if (!(*papers)[i]) {
                removals.push_back(ids[i]);
                continue;
            }
            upserts.push_back(to_index_doc(*(*papers)[i], !(*entries)[i].empty()));
        }
        if (!removals.empty()) index_->remove(removals);
        if (!upserts.empty()) index_->upsert(upserts);
        report.applied += static_cast<int64_t>(changes->size());
        last_sequence_ = changes->back().seq;
    }
    report.last_sequence = last_sequence_;
    return report;
}

Result<std::vector<SearchHit>> SearchService::similar(const Paper& paper, size_t limit) {
    std::vector<SearchHit> out;
    const double docs = static_cast<double>(index_->stats().documents);
    if (limit == 0 || docs < 2) return out;

    // Term weights: occurrences in the text times the BM25 idf. A term only this paper has
    // (df <= 1) cannot find another paper, and bare numbers ("2" of "GPT-2") say little.
    struct Weighted {
        std::string term;
        double weight = 0;
    };
    const auto weigh = [&](std::string_view text) {
        std::vector<text::Token> tokens;
        analyzer_->analyze(text, tokens);
        std::unordered_map<std::string, int> tf;
        for (const text::Token& t : tokens) ++tf[t.term];
        std::vector<Weighted> terms;
        for (auto& [term, count] : tf) {
            if (term.size() < 2 || all_digits(term)) continue;
            const auto df = static_cast<double>(index_->document_frequency(term));
            if (df <= 1) continue;
            const double idf = std::log(1.0 + (docs - df + 0.5) / (df + 0.5));
            terms.push_back({term, count * idf});
        }
        // Ties by term, so that the query (and so the list) does not depend on hash order.
        std::sort(terms.begin(), terms.end(), [](const Weighted& a, const Weighted& b) {
            return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
        });
        return terms;
    };

    index::Query query;
    std::unordered_set<std::string> chosen;
    const auto take = [&](const std::vector<Weighted>& terms, size_t count) {
        for (const Weighted& w : terms) {
            if (count == 0 || query.should.size() >= index::kMaxClauses) break;
            if (!chosen.insert(w.term).second) continue;
            query.should.push_back(index::Clause{.kind = index::Clause::Kind::kTerm,
                                                 .terms = {w.term},
                                                 .positions = {},
                                                 .field = std::nullopt});
            --count;
        }
    };
    take(weigh(paper.title), kSimilarTitleTerms);
    take(weigh(paper.abstract), kSimilarAbstractTerms);
    if (query.should.empty()) return out;

    index::SearchOptions options;
    options.limit = limit + 1;  // the paper itself is usually the best match
    const index::SearchResult result = index_->search(query, options);
    std::vector<PaperId> ids;
    std::vector<float> scores;
    for (const index::Hit& hit : result.hits) {
        if (hit.id == paper.id) continue;
        ids.push_back(hit.id);
        scores.push_back(hit.score);
    }
    auto cards = store_.paper_cards(ids);
    if (!cards.ok()) return cards.error();
    for (size_t i = 0; i < ids.size() && out.size() < limit; ++i) {
        std::optional<store::PaperCard>& card = (*cards)[i];
        if (!card) continue;  // removed since the index last synced
        SearchHit& h = out.emplace_back();
        h.upvotes = card_upvotes(card->entries, card->votes);
        h.paper = std::move(card->paper);
        h.entries = std::move(card->entries);
        h.comment_count = card->comment_count;
        h.score = scores[i];
    }
    return out;
}

index::SearchResult SearchService::search_ids(const std::string& query,
                                              const index::SearchOptions& options) {
    return index_->search(index::parse_query(query, *analyzer_), options);
}

Result<SearchResponse> SearchService::search(const std::string& query,
                                             const index::SearchOptions& options, bool suggest) {
    index::Query parsed = index::parse_query(query, *analyzer_);
    index::SearchResult result = index_->search(parsed, options);
    SearchResponse response;
    response.matched = result.matched;
    response.matched_is_exact = result.matched_is_exact;
    response.query_truncated = parsed.truncated;
    if (suggest) response.suggestions = index_->suggest(parsed);

    std::vector<std::string> highlight;
    for (const auto* clauses : {&parsed.should, &parsed.must}) {
        for (const index::Clause& c : *clauses) {
            if (c.kind == index::Clause::Kind::kPrefix) continue;
            highlight.insert(highlight.end(), c.terms.begin(), c.terms.end());
        }
    }
    std::vector<PaperId> ids;
    ids.reserve(result.hits.size());
    for (const index::Hit& hit : result.hits) ids.push_back(hit.id);
    auto cards = store_.paper_cards(ids);
    if (!cards.ok()) return cards.error();
    response.hits.reserve(result.hits.size());
    for (size_t i = 0; i < result.hits.size(); ++i) {
        std::optional<store::PaperCard>& card = (*cards)[i];
        // Removed from the store after the index last synced: skip rather than fail.
        if (!card) continue;
        SearchHit& out = response.hits.emplace_back();
        out.snippet = text::make_snippet(*analyzer_, card->paper.abstract, highlight);
        out.upvotes = card_upvotes(card->entries, card->votes);
        out.paper = std::move(card->paper);
        out.entries = std::move(card->entries);
        out.comment_count = card->comment_count;
        out.score = result.hits[i].score;
    }
    return response;
}

}  // namespace paperboy::app
