// app/paper_json.h — papers in the field names of the Hugging Face papers API.
//
// One serialisation shared by `paperboy show --json`, `paperboy search --json` and the JSON API
// (web/api.cpp), so they can never disagree. Fields follow huggingface.co/api/papers/{id} (id,
// title, summary, authors[{_id, name, hidden}], publishedAt, upvotes, githubRepo, projectPage,
// organization{name}), with Paperboy's extras in the same camelCase style (categories,
// primaryCategory, version, ...). Depends on core/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/paper.h"

namespace paperboy::app {

struct PaperJsonOptions {
    // The paper's upvotes; nullopt: the highest count among `entries`. A daily-list item passes
    // its own entry's count.
    std::optional<int> upvotes;
    // Written as "numComments" when set.
    std::optional<int> num_comments;
    // Each author's "_id" (author_json_id) and "hidden": false, as Hugging Face writes them.
    // Off for the CLI, whose output predates them.
    bool author_ids = false;
    // The "dailyEntries" array: the lists the paper is on.
    bool daily_entries = true;
};

// Writes one paper object. `entries` are the daily lists the paper is on (latest first).
void write_paper_json(JsonWriter& w, const Paper& paper, const std::vector<DailyEntry>& entries,
                      const PaperJsonOptions& options = {});

// A stable id for the author at `position` (0-based) of paper `id`: 24 lower-case hex digits,
// the shape of Hugging Face's author "_id", derived (FNV-1a) from the id and the position only,
// so it is the same on every run, build and machine.
std::string author_json_id(const PaperId& id, size_t position);

}  // namespace paperboy::app
