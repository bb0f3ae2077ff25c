// app/recommendations.h — "For you": recent papers like the ones a member upvoted, each with
// the upvoted paper it is most like, or the trending papers when there is nothing to go on.
//
// For a member: their latest upvotes (at most max_upvotes), the vectors of those papers
// (SearchService::vectors()), a taste vector made from them and from a sample of the recent
// papers they did not upvote (rank/recommend.h), the papers nearest the taste among those
// published in the recent window (SearchService::nearest), without the upvoted ones, each
// scored by the taste and given its reason: the upvoted paper whose vector is nearest its own.
// The recent window ends today, or at the newest daily list when that is older (an archive
// instance), as trending does (app/library.h).
//
// When there is nothing to go on — no upvotes, no vectors in the database (search is lexical
// only), or none of the upvoted papers embedded yet — the answer says why and holds the
// trending papers instead. docs/ranking.md, "For you", says how the model was chosen.
//
// Thread-safety: as the store's and the search service's (every call reads both); a value that
// is cheap to make per request. Depends on app/library.h, app/search_service.h, rank/, store/.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/library.h"
#include "app/search_service.h"
#include "core/paper.h"
#include "core/result.h"
#include "rank/recommend.h"
#include "store/store.h"

namespace paperboy::app {

// Bounds of a request's limit and window (the API's parameters are checked against them).
inline constexpr size_t kMaxRecommendations = 100;
inline constexpr int kMaxRecommendationDays = 365;

struct RecommendationsOptions {
    size_t max_upvotes = 500;    // the latest upvotes read
    size_t max_negatives = 500;  // recent papers sampled for the contrast model
    rank::RecommendParams model;
    // Nearest papers fetched per recommendation asked for, before hidden ones are dropped.
    size_t candidates_per_result = 2;
    TrendingOptions trending;  // the fallback (its limit is the request's)
    std::function<std::chrono::sys_seconds()> now = [] {
        return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    };
};

struct RecommendationRequest {
    size_t limit = 30;     // 1..kMaxRecommendations (larger is cut)
    int window_days = 14;  // papers published in the last N days, 1..kMaxRecommendationDays
    // Papers not to recommend besides the upvoted ones (a digest's already received papers).
    std::vector<PaperId> exclude;
};

// Why the answer holds trending papers instead.
enum class RecommendationFallback {
    kNone,         // recommendations from the member's upvotes
    kNoUpvotes,    // the member upvoted nothing (visible)
    kNoVectors,    // the database has no vectors for the search model: search is by words
    kNotEmbedded,  // none of the upvoted papers has a vector yet
};

// The upvoted paper a recommendation is most like.
struct RecommendationReason {
    PaperId id = PaperId::local_from_title("");
    std::string title;
    float cosine = 0;
};

struct Recommendation {
    Paper paper;
    std::vector<DailyEntry> entries;  // the daily lists it is on, latest first
    int upvotes = 0;                  // as every page shows them (card_upvotes())
    double score = 0;                 // the taste's cosine; the trending score for fallbacks
    std::optional<RecommendationReason> reason;  // set for every recommendation from upvotes
};

struct RecommendationList {
    RecommendationFallback fallback = RecommendationFallback::kNone;
    // For people: why the list is trending rather than the member's ("" when it is theirs).
    std::string message;
    std::vector<Recommendation> papers;  // best first
    size_t upvotes_used = 0;             // upvoted papers with a vector in the taste
    rank::TasteKind model = rank::TasteKind::kNone;
    int32_t from_day = 0;  // the window's first day (days since 1970-01-01); 0 for fallbacks
};

class Recommendations {
  public:
    // `search` may be null (no vectors: every answer is the trending fallback). Both must
    // outlive the value.
    Recommendations(store::Store& store, SearchService* search,
                    RecommendationsOptions options = {});

    // The recommendations for member `user_id`. Errors: the store's.
    Result<RecommendationList> for_member(int64_t user_id,
                                          const RecommendationRequest& request = {});

  private:
    Result<RecommendationList> trending(RecommendationFallback why, const RecommendationRequest&);
    // The first day of the recent window of `days` (see the top of this file).
    Result<int32_t> window_start(int days);

    store::Store& store_;
    SearchService* search_;
    RecommendationsOptions options_;
    Library library_;
};

// The words a fallback is explained with.
std::string_view recommendation_fallback_message(RecommendationFallback why);

}  // namespace paperboy::app
