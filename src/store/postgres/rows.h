// store/postgres/rows.h — what the parts of PostgresStore share: reading rows into core types,
// array parameters of ids, and the change feed's writing side. Internal to store/postgres/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "store/postgres/batch_plan.h"
#include "store/postgres/connection.h"

namespace paperboy::store::postgres {

// Stored hashes are unsigned 64-bit values kept in a signed bigint column; C++20 defines both
// conversions as modular, so they round-trip.
inline int64_t to_column(uint64_t hash) { return static_cast<int64_t>(hash); }
inline uint64_t from_column(int64_t value) { return static_cast<uint64_t>(value); }

// A stored paper id, parsed; kCorruption when it does not parse.
Result<PaperId> stored_id(std::string_view text);

// The paper whose columns (queries::kPaperCols) start at `first` in `row`.
Result<Paper> read_paper(const PgResult& r, int row, int first, PaperId id);

// The daily entries of every row (queries::kEntryCols).
Result<std::vector<DailyEntry>> read_entries(const PgResult& r);
Result<DailyEntry> read_entry(const PgResult& r, int row);

// A text[] parameter of paper ids, in PostgreSQL's binary array format.
std::string id_array(const std::vector<PaperId>& ids);
std::string text_array(const std::vector<std::string>& items);

// Takes the feed lock (held until the transaction ends) and returns the first free seq. Call
// it after every other row lock the transaction needs, right before writing the changed rows,
// the feed entries and committing: feed writers wait for each other from here to their commit.
Result<int64_t> lock_feed(Connection& c);

// Writes the feed entries of `changes` (their seqs set) and notifies listeners of the new top,
// delivered at commit.
Status record_changes(Connection& c, const std::vector<BatchPlan::ChangeRecord>& changes);

}  // namespace paperboy::store::postgres
