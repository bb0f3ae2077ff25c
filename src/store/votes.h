// store/votes.h — members' upvotes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"
#include "core/result.h"

namespace paperboy::store {

// What set_vote() did.
struct VoteOutcome {
    bool changed = false;  // false: the vote was already there (or already absent)
    int votes = 0;         // the paper's community votes afterwards
};

// Members' upvotes (one per member and paper), counted with the paper.
class Votes {
  public:
    virtual ~Votes() = default;

    // Adds (`up`) or removes the user's vote for a visible paper, in one transaction with the
    // paper's count; a change puts the paper on the change feed. kNotFound for an unknown or
    // hidden paper. Daily entries read from the store count the paper's votes in their upvotes.
    virtual Result<VoteOutcome> set_vote(int64_t user_id, const PaperId& paper, bool up) = 0;
    // The community votes of a paper (0 for an unknown one).
    virtual Result<int> paper_votes(const PaperId& paper) = 0;
    // Whether the user voted for each of `papers`, in order.
    virtual Result<std::vector<bool>> has_voted(int64_t user_id,
                                                const std::vector<PaperId>& papers) = 0;
    // The visible papers the user voted for, latest vote first, at most `limit`.
    virtual Result<std::vector<PaperId>> voted_papers(int64_t user_id, size_t limit) = 0;
};

}  // namespace paperboy::store
