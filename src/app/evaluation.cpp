#include "app/evaluation.h"

#include <algorithm>
#include <cmath>

#include "app/search_service.h"

namespace paperboy::app {

double ndcg_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& judged,
               size_t k) {
    double dcg = 0;
    for (size_t i = 0; i < ranked.size() && i < k; ++i) {
        auto it = judged.find(ranked[i]);
        if (it != judged.end() && it->second > 0) {
            dcg += it->second / std::log2(static_cast<double>(i) + 2);
        }
    }
    std::vector<int> gains;
    for (const auto& [doc, rel] : judged) {
        if (rel > 0) gains.push_back(rel);
    }
    std::sort(gains.rbegin(), gains.rend());
    double ideal = 0;
    for (size_t i = 0; i < gains.size() && i < k; ++i) {
        ideal += gains[i] / std::log2(static_cast<double>(i) + 2);
    }
    return ideal > 0 ? dcg / ideal : 0;
}

double recall_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& judged,
                 size_t k) {
    size_t relevant = 0;
    for (const auto& [doc, rel] : judged) relevant += rel > 0 ? 1 : 0;
    if (relevant == 0) return 0;
    size_t found = 0;
    for (size_t i = 0; i < ranked.size() && i < k; ++i) {
        auto it = judged.find(ranked[i]);
        if (it != judged.end() && it->second > 0) ++found;
    }
    return static_cast<double>(found) / static_cast<double>(relevant);
}

Runs run_queries(SearchService& service, const std::vector<ingest::TestQuery>& queries,
                 const ingest::Qrels& qrels, size_t limit, std::optional<SearchMode> mode) {
    index::SearchOptions options;
    options.limit = limit;
    Runs runs;
    for (const ingest::TestQuery& q : queries) {
        if (qrels.count(q.id) == 0) continue;
        std::vector<std::string>& ranked = runs[q.id];
        for (const index::Hit& hit : service.search_ids(q.text, options, mode).hits) {
            const std::string& id = hit.id.str();
            ranked.push_back(hit.id.kind() == PaperId::Kind::kLocal ? id.substr(6) : id);
        }
    }
    return runs;
}

EvalSummary summarize(const Runs& runs, const ingest::Qrels& qrels) {
    EvalSummary summary;
    static const std::vector<std::string> kNone;
    for (const auto& [qid, judged] : qrels) {
        auto run = runs.find(qid);
        const std::vector<std::string>& ranked = run == runs.end() ? kNone : run->second;
        summary.ndcg_at_10 += ndcg_at(ranked, judged, 10);
        summary.recall_at_100 += recall_at(ranked, judged, 100);
        ++summary.queries;
    }
    if (summary.queries > 0) {
        summary.ndcg_at_10 /= static_cast<double>(summary.queries);
        summary.recall_at_100 /= static_cast<double>(summary.queries);
    }
    return summary;
}

}  // namespace paperboy::app
