// app/votes.h — members' upvotes: what the upvote form, the vote API and the profile pages do.
//
// A vote says what the member wants (up or not), never "the other way round": two requests
// that race (a double click, two tabs) then end where the member meant, which a read of the
// current vote followed by a write of its opposite could not promise. Each vote is one store
// transaction with the paper's count and its change-feed entry.
// Depends on core/, store/. Thread-safe as far as the store is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "core/user.h"
#include "store/votes.h"

namespace paperboy::app {

class Votes {
  public:
    explicit Votes(store::Votes& store) : store_(store) {}

    // Sets `user`'s vote for a visible paper to `up`. kNotFound for an unknown or hidden paper.
    Result<store::VoteOutcome> vote(const User& user, const PaperId& paper, bool up);

    // Whether `user` voted for each of `papers`, in order; all false for nobody (nullptr).
    Result<std::vector<bool>> voted(const User* user, const std::vector<PaperId>& papers);

    // The visible papers the member voted for, latest vote first, at most `limit`.
    Result<std::vector<PaperId>> upvoted_by(int64_t user_id, size_t limit);

  private:
    store::Votes& store_;
};

}  // namespace paperboy::app
