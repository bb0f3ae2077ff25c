// app/evaluation.h — search quality on a test collection: nDCG@k and Recall@k.
//
// The metrics are those of BEIR and trec_eval: nDCG with graded gains (2^rel - 1 would differ;
// BEIR's pytrec_eval uses rel as the gain) and log2(rank + 1) discounts, the ideal ranking
// taken from the judgments; Recall@k over documents judged relevant (rel > 0). Pure functions,
// but for run_queries(), which searches.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/beir_queries.h"

namespace paperboy::app {

class SearchService;
enum class SearchMode;

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

using Runs = std::map<std::string, std::vector<std::string>>;

// The ranking of each judged query of `queries` by `service`, at most `limit` documents: the
// run summarize() takes. Ids are the collection's own (a BEIR document's "local:" id without
// its prefix; an arXiv id as it is).
// `mode`: a SearchMode, or nullopt for the service's default (evaluation.cpp includes it).
Runs run_queries(SearchService& service, const std::vector<ingest::TestQuery>& queries,
                 const ingest::Qrels& qrels, size_t limit = 100,
                 std::optional<SearchMode> mode = std::nullopt);

// Means over the queries that have judgments; `runs[qid]` is the ranking of query qid.
EvalSummary summarize(const Runs& runs, const ingest::Qrels& qrels);

}  // namespace paperboy::app
