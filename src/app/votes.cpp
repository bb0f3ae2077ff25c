#include "app/votes.h"

namespace paperboy::app {

Result<store::VoteOutcome> Votes::vote(const User& user, const PaperId& paper, bool up) {
    return store_.set_vote(user.id, paper, up);
}

Result<std::vector<bool>> Votes::voted(const User* user, const std::vector<PaperId>& papers) {
    if (user == nullptr || papers.empty()) return std::vector<bool>(papers.size(), false);
    return store_.has_voted(user->id, papers);
}

Result<std::vector<PaperId>> Votes::upvoted_by(int64_t user_id, size_t limit) {
    return store_.voted_papers(user_id, limit);
}

}  // namespace paperboy::app
