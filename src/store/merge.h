// store/merge.h — how an incoming record combines with the stored one.
//
// Shared by every backend so that SQLite and PostgreSQL agree. Pure functions over core types.
#pragma once

#include "core/paper.h"

namespace paperboy::store {

// Combines `incoming` into `stored` and returns the result:
// - an incoming record of an older version (incoming.version < stored.version, both known)
//   only fills fields the stored paper lacks;
// - otherwise each non-empty incoming field replaces the stored one, and fields the incoming
//   source does not carry (empty) keep their stored value — so a Hugging Face record adds an
//   organization to an arXiv record without erasing its categories;
// - version is the larger of the two; published the earliest known; updated the latest.
// Merging the same record twice gives the same paper (idempotence).
Paper merge_paper(const Paper& stored, const Paper& incoming);

// Same for a daily entry: incoming upvotes and comment counts replace the stored ones (they
// are the source's current figures); empty incoming fields keep the stored values.
DailyEntry merge_daily_entry(const DailyEntry& stored, const DailyEntry& incoming);

}  // namespace paperboy::store
