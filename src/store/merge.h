// store/merge.h — how an incoming record combines with the stored one.
//
// Shared by every backend so that SQLite and PostgreSQL agree. Pure functions over core types.
#pragma once

#include "core/paper.h"

namespace paperboy::store {

// Combines `incoming` into `stored` and returns the result:
// - an incoming record that is newer (a higher version when both name one; else a later
//   `updated` when both carry one; else the only dated one of the two) replaces each field it
//   carries (non-empty), and fields it does not carry keep their stored value — so a newer
//   arXiv record never erases a Hugging Face organization;
// - any other record (the same one again, an older version, another source's view of the same
//   version, an undated Hugging Face record) only fills fields the stored paper lacks;
// - version is the larger of the two; published the earliest known; updated the latest.
// Merging is idempotent, and ingest converges: after one pass over a set of sources, another
// pass changes nothing, in any order.
Paper merge_paper(const Paper& stored, const Paper& incoming);

// Same for a daily entry: incoming upvotes and comment counts replace the stored ones (they
// are the source's current figures); empty incoming fields keep the stored values.
DailyEntry merge_daily_entry(const DailyEntry& stored, const DailyEntry& incoming);

}  // namespace paperboy::store
