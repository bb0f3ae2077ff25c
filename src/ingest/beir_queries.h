// ingest/beir_queries.h — test collections: queries and relevance judgments.
//
// Queries come as BEIR queries.jsonl ({"_id", "text"} per line) or as "qid<TAB>text" lines
// (TREC topics, Anserini); judgments as BEIR qrels TSV ("query-id<TAB>corpus-id<TAB>score",
// with a header line) or TREC qrels ("qid 0 docid rel"). Malformed lines are errors naming
// the file and line: a test collection is small and must be exactly right.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace paperboy::ingest {

struct TestQuery {
    std::string id;
    std::string text;
};

// qrels[query id][document id] = graded relevance (> 0 relevant).
using Qrels = std::map<std::string, std::map<std::string, int>>;

Result<std::vector<TestQuery>> read_queries(const std::string& path);
Result<Qrels> read_qrels(const std::string& path);

}  // namespace paperboy::ingest
