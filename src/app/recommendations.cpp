#include "app/recommendations.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/calendar.h"
#include "core/timestamp.h"
#include "index/query.h"

namespace paperboy::app {
namespace {

// "YYYY-MM-DD" as days since 1970-01-01 (the index's day filters).
int32_t day_number(std::string_view day) {
    const int y = std::stoi(std::string(day.substr(0, 4)));
    const auto m = static_cast<unsigned>(std::stoi(std::string(day.substr(5, 2))));
    const auto d = static_cast<unsigned>(std::stoi(std::string(day.substr(8, 2))));
    return static_cast<int32_t>(days_from_civil(y, m, d));
}

// At most `limit` of `ids`, spread evenly over the list (the index's order is by document,
// not by any property of the papers, so every part of the window is represented).
std::vector<PaperId> spread_sample(const std::vector<PaperId>& ids, size_t limit) {
    if (ids.size() <= limit) return ids;
    std::vector<PaperId> out;
    out.reserve(limit);
    for (size_t i = 0; i < limit; ++i) out.push_back(ids[i * ids.size() / limit]);
    return out;
}

}  // namespace

std::string_view recommendation_fallback_message(RecommendationFallback why) {
    switch (why) {
        case RecommendationFallback::kNone:
            return "";
        case RecommendationFallback::kNoUpvotes:
            return "Upvote a few papers and this list becomes yours: recent papers like the ones "
                   "you upvoted. Until then, here is what is trending.";
        case RecommendationFallback::kNoVectors:
            return "Recommendations need the papers' embeddings, and this instance has none yet "
                   "(its operator runs `paperboy embed`). Until then, here is what is trending.";
        case RecommendationFallback::kNotEmbedded:
            return "The papers you upvoted are not embedded yet, so there is nothing to compare "
                   "with. Until they are, here is what is trending.";
    }
    return "";
}

Recommendations::Recommendations(store::Store& store, SearchService* search,
                                 RecommendationsOptions options)
    : store_(store), search_(search), options_(std::move(options)), library_(store) {}

Result<int32_t> Recommendations::window_start(int days) {
    const std::string today = format_instant(options_.now()).substr(0, 10);
    std::string end = today;
    auto latest = library_.latest_date();
    if (!latest.ok()) return latest.error();
    if (*latest && **latest < add_days(today, -days)) end = **latest;
    return day_number(add_days(end, -days));
}

Result<RecommendationList> Recommendations::trending(RecommendationFallback why,
                                                     const RecommendationRequest& request) {
    RecommendationList list;
    list.fallback = why;
    list.message = std::string(recommendation_fallback_message(why));
    TrendingOptions trending = options_.trending;
    trending.limit = request.limit + request.exclude.size();
    auto papers = library_.trending(options_.now(), trending);
    if (!papers.ok()) return papers.error();
    std::unordered_set<std::string> excluded;
    for (const PaperId& id : request.exclude) excluded.insert(id.str());
    for (ListedPaper& p : *papers) {
        if (list.papers.size() >= request.limit) break;
        if (excluded.count(p.paper.id.str()) > 0) continue;
        Recommendation& r = list.papers.emplace_back();
        r.upvotes = p.upvotes();
        r.score = p.trending;
        r.entries.push_back(std::move(p.entry));
        r.paper = std::move(p.paper);
    }
    return list;
}

Result<RecommendationList> Recommendations::for_member(int64_t user_id,
                                                       const RecommendationRequest& asked) {
    RecommendationRequest request = asked;
    request.limit = std::clamp<size_t>(request.limit, 1, kMaxRecommendations);
    request.window_days = std::clamp(request.window_days, 1, kMaxRecommendationDays);

    auto upvoted = store_.voted_papers(user_id, options_.max_upvotes);
    if (!upvoted.ok()) return upvoted.error();
    if (upvoted->empty()) return trending(RecommendationFallback::kNoUpvotes, request);
    const VectorSearch* vectors = search_ != nullptr ? search_->vectors() : nullptr;
    if (vectors == nullptr || vectors->size() == 0) {
        return trending(RecommendationFallback::kNoVectors, request);
    }
    const auto dimensions = static_cast<size_t>(vectors->model().dimensions);

    // The upvoted papers' vectors, latest upvote first (best_match's ties go to the latest).
    std::vector<PaperId> positive_ids;
    std::vector<float> positives;
    for (const PaperId& id : *upvoted) {
        auto v = vectors->vector_of(id);
        if (!v || v->size() != dimensions) continue;
        positive_ids.push_back(id);
        positives.insert(positives.end(), v->begin(), v->end());
    }
    if (positive_ids.empty()) return trending(RecommendationFallback::kNotEmbedded, request);

    auto from_day = window_start(request.window_days);
    if (!from_day.ok()) return from_day.error();

    // The others: recent papers the member did not upvote, spread over the window.
    std::unordered_set<std::string> upvoted_set;
    for (const PaperId& id : *upvoted) upvoted_set.insert(id.str());
    std::vector<float> negatives;
    if (options_.max_negatives > 0) {
        index::Query recent;
        recent.filters.from_day = *from_day;
        index::SearchOptions all;
        all.limit = options_.max_negatives * 8;  // enough to spread a sample over
        const index::SearchResult found = search_->index().search(recent, all);
        std::vector<PaperId> others;
        for (const index::Hit& hit : found.hits) {
            if (upvoted_set.count(hit.id.str()) == 0) others.push_back(hit.id);
        }
        for (const PaperId& id : spread_sample(others, options_.max_negatives)) {
            auto v = vectors->vector_of(id);
            if (v && v->size() == dimensions)
                negatives.insert(negatives.end(), v->begin(), v->end());
        }
    }

    RecommendationList list;
    const rank::Taste taste = rank::fit_taste(positives, negatives, dimensions, options_.model);
    if (taste.kind == rank::TasteKind::kNone) {
        return trending(RecommendationFallback::kNotEmbedded, request);
    }
    list.model = taste.kind;
    list.upvotes_used = taste.positives;
    list.from_day = *from_day;

    std::vector<PaperId> exclude = *upvoted;
    exclude.insert(exclude.end(), request.exclude.begin(), request.exclude.end());
    const size_t want = request.limit * std::max<size_t>(options_.candidates_per_result, 1);
    auto near = search_->nearest(taste.vector, want, exclude, *from_day);
    if (!near.ok()) return near.error();

    // Each candidate scored by the taste (the index's cosine is that of its stored, normalised
    // vector; the model's is recomputed so the order is the model's alone) with its reason.
    struct Scored {
        PaperId id;
        double score;
        size_t reason_row;
        float reason_cosine;
    };
    std::vector<Scored> scored;
    for (const index::VectorHit& hit : *near) {
        auto v = vectors->vector_of(hit.id);
        if (!v) continue;
        auto match = rank::best_match(positives, dimensions, *v);
        if (!match) continue;
        scored.push_back({hit.id, rank::taste_score(taste, *v), match->row, match->cosine});
    }
    std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
        return a.score != b.score ? a.score > b.score : a.id.str() < b.id.str();
    });

    std::vector<PaperId> ids;
    for (const Scored& s : scored) ids.push_back(s.id);
    auto cards = store_.paper_cards(ids);
    if (!cards.ok()) return cards.error();
    std::vector<size_t> reason_rows;
    for (size_t i = 0; i < scored.size() && list.papers.size() < request.limit; ++i) {
        if (!(*cards)[i]) continue;  // hidden since the index saw it
        store::PaperCard& card = *(*cards)[i];
        Recommendation& r = list.papers.emplace_back();
        r.upvotes = card_upvotes(card.entries, card.votes);
        r.paper = std::move(card.paper);
        r.entries = std::move(card.entries);
        r.score = scored[i].score;
        r.reason =
            RecommendationReason{positive_ids[scored[i].reason_row], "", scored[i].reason_cosine};
    }

    // The reasons' titles: only of the upvoted papers named.
    std::vector<PaperId> named;
    std::unordered_map<std::string, size_t> named_at;
    for (const Recommendation& r : list.papers) {
        if (named_at.emplace(r.reason->id.str(), named.size()).second) {
            named.push_back(r.reason->id);
        }
    }
    auto titles = store_.get_papers(named);
    if (!titles.ok()) return titles.error();
    for (Recommendation& r : list.papers) {
        const auto& paper = (*titles)[named_at.at(r.reason->id.str())];
        r.reason->title = paper ? paper->title : r.reason->id.str();
    }
    return list;
}

}  // namespace paperboy::app
