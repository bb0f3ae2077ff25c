// app/paper_json.h — papers in the field names of the Hugging Face papers API.
//
// One serialisation shared by `paperboy show --json` and, later, the JSON API, so the two can
// never disagree. Fields follow huggingface.co/api/papers/{id} (id, title, summary,
// authors[{name}], publishedAt, upvotes, githubRepo, projectPage, organization{name}), with
// Paperboy's extras in the same camelCase style (categories, primaryCategory, version, ...).
#pragma once

#include <vector>

#include "core/json_writer.h"
#include "core/paper.h"

namespace paperboy::app {

// Writes one paper object. `entries` are the daily lists the paper is on (latest first); the
// paper's upvotes are the highest count among them.
void write_paper_json(JsonWriter& w, const Paper& paper, const std::vector<DailyEntry>& entries);

}  // namespace paperboy::app
