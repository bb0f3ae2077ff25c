// app/evaluation.h — search quality on a test collection: nDCG@k and Recall@k.
//
// The metrics are those of BEIR and trec_eval: nDCG with graded gains (2^rel - 1 would differ;
// BEIR's pytrec_eval uses rel as the gain) and log2(rank + 1) discounts, the ideal ranking
// taken from the judgments; Recall@k over documents judged relevant (rel > 0). Pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ingest/beir_queries.h"

namespace paperboy::app {

// nDCG@k of `ranked` (document ids, best first) against `judged` (id -> relevance).
double ndcg_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& judged,
               size_t k);

// Fraction of the relevant documents of `judged` found in the first k of `ranked`.
double recall_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& judged,
                 size_t k);

struct EvalSummary {
    size_t queries = 0;  // judged queries evaluated
    double ndcg_at_10 = 0;
    double recall_at_100 = 0;
};

// Means over the queries that have judgments; `runs[qid]` is the ranking of query qid.
EvalSummary summarize(const std::map<std::string, std::vector<std::string>>& runs,
                      const ingest::Qrels& qrels);

}  // namespace paperboy::app
