#include "app/search_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "app/library.h"
#include "core/timestamp.h"
#include "rank/fusion.h"
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

// Filters that leave more papers than this are applied to the semantic side after the graph
// search (over-fetching) rather than as a list of allowed papers.
constexpr size_t kMaxAllowedList = 50000;

// The query-language prefixes whose value is a filter, not words (index/query.h).
bool is_filter_token(std::string_view token) {
    static constexpr std::string_view kFilters[] = {
        "cat:", "org:", "after:", "before:", "year:", "has:", "on:", "author:"};
    for (std::string_view f : kFilters) {
        if (token.size() >= f.size() &&
            std::equal(f.begin(), f.end(), token.begin(), [](char a, char b) {
                return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
            })) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string_view search_mode_name(SearchMode mode) {
    switch (mode) {
        case SearchMode::kLexical:
            return "lexical";
        case SearchMode::kSemantic:
            return "semantic";
        case SearchMode::kHybrid:
            return "hybrid";
    }
    return "lexical";
}

std::optional<SearchMode> parse_search_mode(std::string_view name) {
    if (name == "lexical") return SearchMode::kLexical;
    if (name == "semantic") return SearchMode::kSemantic;
    if (name == "hybrid") return SearchMode::kHybrid;
    return std::nullopt;
}

std::string semantic_query_text(std::string_view query) {
    std::string out;
    size_t i = 0;
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (i < query.size()) {
        while (i < query.size() && is_space(query[i])) ++i;
        if (i >= query.size()) break;
        // One token: up to the next space outside quotes.
        const size_t start = i;
        bool quoted = false;
        while (i < query.size() && (quoted || !is_space(query[i]))) {
            if (query[i] == '"') quoted = !quoted;
            ++i;
        }
        std::string_view token = query.substr(start, i - start);
        if (token.starts_with('-') || is_filter_token(token)) continue;
        for (std::string_view field : {"title:", "abstract:"}) {
            if (token.size() > field.size() &&
                std::equal(field.begin(), field.end(), token.begin(), [](char a, char b) {
                    return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
                })) {
                token.remove_prefix(field.size());
            }
        }
        std::string word;
        for (char c : token) {
            if (c != '"') word.push_back(c);
        }
        while (!word.empty() && word.back() == '*') word.pop_back();
        if (word.empty()) continue;
        if (!out.empty()) out.push_back(' ');
        out += word;
    }
    return out;
}

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
    PAPERBOY_RETURN_IF_ERROR(service->open_vectors(report.from_snapshot));
    auto synced = service->sync();
    if (!synced.ok()) return synced.error();
    if (report.from_snapshot) report.applied = synced->applied;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return service;
}

std::string SearchService::snapshot_label(int64_t sequence) const {
    return format_label({store_id_, sequence, kIndexDocVersion});
}

Status SearchService::open_vectors(bool lexical_from_snapshot) {
    OpenReport& report = open_report_;
    if (!options_.embedder) return Status::ok_status();
    const embed::ModelInfo& info = options_.embedder->info();
    auto models = store_.models();
    if (!models.ok()) return models.error();
    std::optional<store::EmbeddingModel> model;
    for (store::EmbeddingModel& m : *models) {
        if (m.identity == info.identity) model = std::move(m);
    }
    if (!model) {
        report.vectors_problem = "the database has no vectors of " + info.name +
                                 " (run: paperboy embed --model ...); searching by words only";
        return Status::ok_status();
    }
    if (model->dimensions != info.dimensions) {
        report.vectors_problem = "the database's vectors of " + info.name + " have " +
                                 std::to_string(model->dimensions) + " dimensions, the model " +
                                 std::to_string(info.dimensions) + "; searching by words only";
        return Status::ok_status();
    }
    auto vectors = std::make_unique<VectorSearch>(store_, options_.embedder, std::move(*model),
                                                  options_.vectors);
    const std::string path =
        options_.snapshot_path.empty() ? "" : options_.snapshot_path + ".vectors";
    bool loaded = false;
    if (lexical_from_snapshot && !path.empty()) {
        // Only a vector snapshot of the same moment as the lexical one: sync() then brings both
        // forward together.
        Status status = vectors->load(path, snapshot_label(snapshot_sequence_));
        if (status.ok()) {
            loaded = true;
        } else if (status.error().code() != ErrorCode::kNotFound) {
            report.vectors_problem = status.error().message();
        }
    }
    if (!loaded) PAPERBOY_RETURN_IF_ERROR(vectors->build());
    report.vectors = true;
    report.vectors_from_snapshot = loaded;
    vectors_ = std::move(vectors);
    if (!loaded && !path.empty() && snapshot_sequence_ >= 0) {
        // The lexical snapshot on disk has no vectors of its moment: write both next time.
        snapshot_sequence_ = -1;
    }
    return Status::ok_status();
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
    PAPERBOY_RETURN_IF_ERROR(index_->save(options_.snapshot_path, snapshot_label(sequence)));
    if (vectors_) {
        PAPERBOY_RETURN_IF_ERROR(
            vectors_->save(options_.snapshot_path + ".vectors", snapshot_label(sequence)));
    }
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
        // A vector change concerns the vector side only; papers and their lists both sides
        // (a hidden paper's vector leaves, a shown one's counts again).
        std::vector<PaperId> ids;
        std::vector<PaperId> vector_ids;
        std::unordered_set<std::string> seen;
        std::unordered_set<std::string> seen_vectors;
        for (const store::Change& change : *changes) {
            if (change.entity != store::Change::Entity::kVector &&
                seen.insert(change.paper_id.str()).second) {
                ids.push_back(change.paper_id);
            }
            if (change.entity != store::Change::Entity::kDailyEntry &&
                seen_vectors.insert(change.paper_id.str()).second) {
                vector_ids.push_back(change.paper_id);
            }
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
        if (vectors_) PAPERBOY_RETURN_IF_ERROR(vectors_->apply(vector_ids));
        report.applied += static_cast<int64_t>(changes->size());
        last_sequence_ = changes->back().seq;
    }
    report.last_sequence = last_sequence_;
    return report;
}

Result<std::vector<SearchHit>> SearchService::similar(const Paper& paper, size_t limit) {
    std::vector<SearchHit> out;
    if (limit == 0) return out;
    if (vectors_) {
        if (auto vector = vectors_->vector_of(paper.id)) {
            auto near = nearest(*vector, limit, {paper.id});
            if (!near.ok()) return near.error();
            std::vector<PaperId> ids;
            std::vector<float> scores;
            for (const index::VectorHit& hit : *near) {
                ids.push_back(hit.id);
                scores.push_back(hit.score);
            }
            return hits_for(ids, scores);
        }
    }
    const double docs = static_cast<double>(index_->stats().documents);
    if (docs < 2) return out;

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
    if (ids.size() > limit) {
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(limit), ids.end());
        scores.resize(limit);
    }
    return hits_for(ids, scores);
}

Result<std::vector<SearchHit>> SearchService::hits_for(const std::vector<PaperId>& ids,
                                                       const std::vector<float>& scores) {
    std::vector<SearchHit> out;
    auto cards = store_.paper_cards(ids);
    if (!cards.ok()) return cards.error();
    for (size_t i = 0; i < ids.size(); ++i) {
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

SearchMode SearchService::default_mode() const {
    return vectors_ && vectors_->size() > 0 ? SearchMode::kHybrid : SearchMode::kLexical;
}

index::SearchResult SearchService::search_ids(const std::string& query,
                                              const index::SearchOptions& options,
                                              std::optional<SearchMode> mode) {
    SearchMode used = mode.value_or(default_mode());
    return rank(index::parse_query(query, *analyzer_), query, options, used);
}

index::SearchResult SearchService::rank(const index::Query& parsed, const std::string& query,
                                        const index::SearchOptions& options, SearchMode& mode) {
    if (mode != SearchMode::kLexical &&
        (!vectors_ || vectors_->size() == 0 || (parsed.should.empty() && parsed.must.empty()))) {
        mode = SearchMode::kLexical;
    }
    std::vector<float> query_vector;
    if (mode != SearchMode::kLexical) {
        const std::string text = semantic_query_text(query);
        auto embedded = text.empty() ? Result<std::vector<float>>(
                                           Error(ErrorCode::kInvalidArgument, "no words to embed"))
                                     : vectors_->embed_query(text);
        if (embedded.ok()) {
            query_vector = std::move(*embedded);
        } else {
            if (embedded.error().code() != ErrorCode::kInvalidArgument) {
                // A model server that is down must not flood the log: once a minute.
                const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count();
                int64_t last = last_model_error_log_.load();
                if (now - last >= 60 && last_model_error_log_.compare_exchange_strong(last, now)) {
                    std::fprintf(stderr, "search: cannot embed the query, searching by words: %s\n",
                                 embedded.error().message().c_str());
                }
            }
            mode = SearchMode::kLexical;
        }
    }
    if (mode == SearchMode::kLexical) return index_->search(parsed, options);

    // What the query allows besides its ranked words (filters, phrases, exclusions): the
    // semantic side may only return those papers.
    std::optional<std::vector<PaperId>> allowed;
    if (!parsed.filters.empty() || !parsed.must.empty() || !parsed.must_not.empty()) {
        index::Query restrictions = parsed;
        restrictions.should.clear();
        index::SearchOptions all;
        all.limit = kMaxAllowedList;
        index::SearchResult found = index_->search(restrictions, all);
        if (found.matched > found.hits.size()) {
            all.limit = found.matched;
            found = index_->search(restrictions, all);
        }
        allowed.emplace();
        allowed->reserve(found.hits.size());
        for (const index::Hit& hit : found.hits) allowed->push_back(hit.id);
    }
    const size_t want = options.offset + options.limit;
    index::SearchResult out;
    if (mode == SearchMode::kSemantic) {
        auto near = vectors_->nearest(query_vector, want, allowed ? &*allowed : nullptr);
        if (!near.ok()) {
            mode = SearchMode::kLexical;
            return index_->search(parsed, options);
        }
        out.matched = allowed ? allowed->size() : vectors_->size();
        for (size_t i = options.offset; i < near->hits.size(); ++i) {
            out.hits.push_back({near->hits[i].id, near->hits[i].score});
        }
        return out;
    }

    // Hybrid (rank/fusion.h): the lexical and semantic candidates, each with both scores.
    const rank::FusionParams& fusion = options_.fusion;
    index::SearchOptions lexical_options = options;
    lexical_options.offset = 0;
    lexical_options.limit = std::max(want, fusion.lexical_candidates);
    index::SearchResult lexical = index_->search(parsed, lexical_options);
    auto near = vectors_->nearest(query_vector, std::max(want, fusion.semantic_candidates),
                                  allowed ? &*allowed : nullptr);
    if (!near.ok()) {
        mode = SearchMode::kLexical;
        return index_->search(parsed, options);
    }
    // `ids` never reallocates (reserved for both lists), so `key_of` may point into it.
    std::vector<PaperId> ids;
    ids.reserve(lexical.hits.size() + near->hits.size());
    std::vector<rank::FusionInput> candidates;
    candidates.reserve(ids.capacity());
    std::unordered_map<std::string_view, uint32_t> key_of;
    for (const index::Hit& hit : lexical.hits) ids.push_back(hit.id);
    const std::vector<std::optional<float>> cosines = vectors_->similarities(ids, query_vector);
    key_of.reserve(ids.size() + near->hits.size());
    for (size_t i = 0; i < lexical.hits.size(); ++i) {
        const auto key = static_cast<uint32_t>(i);
        key_of.emplace(std::string_view(ids[i].str()), key);
        rank::FusionInput& c = candidates.emplace_back();
        c.key = key;
        c.has_lexical = true;
        c.lexical = lexical.hits[i].score;
        if (cosines[i]) {
            c.has_cosine = true;
            c.cosine = *cosines[i];
        }
    }
    size_t semantic_only = 0;
    for (const index::VectorHit& hit : near->hits) {
        if (key_of.count(hit.id.str()) > 0) continue;
        rank::FusionInput& c = candidates.emplace_back();
        c.key = static_cast<uint32_t>(ids.size());
        c.has_cosine = true;
        c.cosine = hit.score;
        ids.push_back(hit.id);
        ++semantic_only;
    }
    const std::vector<rank::Fused> fused = rank::fuse_scores(candidates, fusion);
    out.matched = lexical.matched + semantic_only;
    out.matched_is_exact = lexical.matched_is_exact && semantic_only == 0;
    for (size_t i = options.offset; i < fused.size() && out.hits.size() < options.limit; ++i) {
        out.hits.push_back({ids[fused[i].key], static_cast<float>(fused[i].score)});
    }
    return out;
}

Result<std::vector<float>> SearchService::embed_query(const std::string& text) {
    if (!vectors_) return Error(ErrorCode::kNotFound, "search has no vectors to embed a query for");
    return vectors_->embed_query(text);
}

Result<std::vector<index::VectorHit>> SearchService::nearest(std::span<const float> vector,
                                                             size_t limit,
                                                             const std::vector<PaperId>& exclude,
                                                             std::optional<int32_t> from_day) {
    std::vector<index::VectorHit> out;
    if (!vectors_ || limit == 0) return out;
    std::optional<std::vector<PaperId>> allowed;
    if (from_day) {
        index::Query recent;
        recent.filters.from_day = *from_day;
        index::SearchOptions all;
        all.limit = kMaxAllowedList;
        index::SearchResult found = index_->search(recent, all);
        if (found.matched > found.hits.size()) {
            all.limit = found.matched;
            found = index_->search(recent, all);
        }
        allowed.emplace();
        for (const index::Hit& hit : found.hits) allowed->push_back(hit.id);
    }
    std::unordered_set<std::string> excluded;
    for (const PaperId& id : exclude) excluded.insert(id.str());
    auto near = vectors_->nearest(vector, limit + exclude.size(), allowed ? &*allowed : nullptr);
    if (!near.ok()) return near.error();
    for (index::VectorHit& hit : near->hits) {
        if (excluded.count(hit.id.str()) > 0) continue;
        out.push_back(std::move(hit));
        if (out.size() >= limit) break;
    }
    return out;
}

Result<SearchResponse> SearchService::search(const std::string& query,
                                             const index::SearchOptions& options, bool suggest,
                                             std::optional<SearchMode> mode) {
    index::Query parsed = index::parse_query(query, *analyzer_);
    SearchMode used = mode.value_or(default_mode());
    index::SearchResult result = rank(parsed, query, options, used);
    SearchResponse response;
    response.mode = used;
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
