// The people-and-votes part of the Store contract (store/accounts.h): users, sessions, API
// tokens and votes, for every backend.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using contract::kBackends;

class AccountsContract : public contract::BackendTest {
  protected:
    User add_user(std::string handle, Role role = Role::kMember) {
        User u;
        u.handle = handle;
        u.email = handle + "@example.org";
        u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
        u.role = role;
        auto created = store_->create_user(u);
        EXPECT_TRUE(created.ok()) << created.error().message();
        return created.ok() ? *created : User{};
    }

    void add_paper(std::string_view id) {
        Paper p;
        p.id = id_of(id);
        p.title = "A paper";
        WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
    }
};

INSTANTIATE_TEST_SUITE_P(Backends, AccountsContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

TEST_P(AccountsContract, CreatesAndFindsUsersCaseInsensitively) {
    const User ada = add_user("Ada", Role::kAdmin);
    EXPECT_GT(ada.id, 0);
    EXPECT_FALSE(ada.created_at.empty());

    for (std::string_view name : {"ada", "ADA", "ada@EXAMPLE.org"}) {
        auto found = store_->find_user(name);
        ASSERT_TRUE(found.ok());
        ASSERT_TRUE(found->has_value()) << name;
        EXPECT_EQ(**found, ada);
    }
    auto by_id = store_->user_by_id(ada.id);
    ASSERT_TRUE(by_id.ok() && by_id->has_value());
    EXPECT_EQ((*by_id)->role, Role::kAdmin);
    auto missing = store_->find_user("grace");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
}

TEST_P(AccountsContract, RefusesATakenHandleOrEmailAndSaysWhich) {
    add_user("ada");
    User same_handle;
    same_handle.handle = "ADA";
    same_handle.email = "other@example.org";
    same_handle.password_hash = "x";
    auto r = store_->create_user(same_handle);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
    EXPECT_NE(r.error().message().find("handle"), std::string::npos) << r.error().message();

    User same_email;
    same_email.handle = "grace";
    same_email.email = "Ada@Example.org";
    same_email.password_hash = "x";
    r = store_->create_user(same_email);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
    EXPECT_NE(r.error().message().find("email"), std::string::npos) << r.error().message();
}

TEST_P(AccountsContract, ChangesRoles) {
    const User u = add_user("grace");
    ASSERT_TRUE(store_->set_role(u.id, Role::kCurator).ok());
    EXPECT_EQ((*store_->user_by_id(u.id))->role, Role::kCurator);
    auto missing = store_->set_role(u.id + 100, Role::kAdmin);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(AccountsContract, SessionsExpireAndEndOneByOneOrAllAtOnce) {
    const User u = add_user("ada");
    ASSERT_TRUE(store_->add_session("digest-1", u.id, "2030-01-01T00:00:00Z").ok());
    ASSERT_TRUE(store_->add_session("digest-2", u.id, "2030-01-01T00:00:00Z").ok());
    ASSERT_TRUE(store_->add_session("digest-3", u.id, "2030-01-01T00:00:00Z").ok());

    auto user = store_->session_user("digest-1", "2029-12-31T23:59:59Z");
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->handle, "ada");
    // Expired, unknown.
    EXPECT_FALSE(store_->session_user("digest-1", "2030-01-01T00:00:00Z")->has_value());
    EXPECT_FALSE(store_->session_user("digest-9", "2029-01-01T00:00:00Z")->has_value());

    ASSERT_TRUE(store_->remove_session("digest-1").ok());
    EXPECT_FALSE(store_->session_user("digest-1", "2029-01-01T00:00:00Z")->has_value());
    EXPECT_TRUE(store_->session_user("digest-2", "2029-01-01T00:00:00Z")->has_value());

    ASSERT_TRUE(store_->remove_sessions(u.id).ok());
    EXPECT_FALSE(store_->session_user("digest-2", "2029-01-01T00:00:00Z")->has_value());
    EXPECT_FALSE(store_->session_user("digest-3", "2029-01-01T00:00:00Z")->has_value());
}

TEST_P(AccountsContract, ApiTokensAreListedUsedAndRevokedByTheirOwnerOnly) {
    const User ada = add_user("ada");
    const User grace = add_user("grace");
    auto id = store_->add_api_token(ada.id, "token-digest", "laptop");
    ASSERT_TRUE(id.ok());

    auto user = store_->api_token_user("token-digest", "2026-11-27T10:00:00Z");
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->id, ada.id);
    auto tokens = store_->api_tokens(ada.id);
    ASSERT_TRUE(tokens.ok());
    ASSERT_EQ(tokens->size(), 1u);
    EXPECT_EQ((*tokens)[0].name, "laptop");
    EXPECT_EQ((*tokens)[0].last_used_at, "2026-11-27T10:00:00Z");

    EXPECT_FALSE(*store_->revoke_api_token(grace.id, *id));  // not hers
    EXPECT_TRUE(store_->api_token_user("token-digest", "2026-11-27T10:00:01Z")->has_value());
    // Recorded at most once a minute: the same minute writes nothing, the next one does.
    EXPECT_EQ((*store_->api_tokens(ada.id))[0].last_used_at, "2026-11-27T10:00:00Z");
    EXPECT_TRUE(store_->api_token_user("token-digest", "2026-11-27T10:01:00Z")->has_value());
    EXPECT_EQ((*store_->api_tokens(ada.id))[0].last_used_at, "2026-11-27T10:01:00Z");
    EXPECT_TRUE(*store_->revoke_api_token(ada.id, *id));
    EXPECT_FALSE(store_->api_token_user("token-digest", "2026-11-27T10:00:02Z")->has_value());
    EXPECT_FALSE(*store_->revoke_api_token(ada.id, *id));
}

TEST_P(AccountsContract, OneVotePerUserPerPaperCountedInTheDailyEntries) {
    add_paper("2401.00001");
    add_paper("2401.00002");
    DailyEntry e1;
    e1.date = "2024-01-02";
    e1.paper_id = id_of("2401.00001");
    e1.upvotes = 5;  // imported
    DailyEntry e2 = e1;
    e2.paper_id = id_of("2401.00002");
    e2.upvotes = 6;
    WriteBatch batch;
    batch.put_daily_entry(e1);
    batch.put_daily_entry(e2);
    ASSERT_TRUE(store_->write(batch).ok());
    const User ada = add_user("ada");
    const User grace = add_user("grace");
    const int64_t seq_before = store_->stats()->last_sequence;

    auto v = store_->set_vote(ada.id, id_of("2401.00001"), true);
    ASSERT_TRUE(v.ok()) << v.error().message();
    EXPECT_TRUE(v->changed);
    EXPECT_EQ(v->votes, 1);
    v = store_->set_vote(ada.id, id_of("2401.00001"), true);  // idempotent
    EXPECT_FALSE(v->changed);
    EXPECT_EQ(v->votes, 1);
    v = store_->set_vote(grace.id, id_of("2401.00001"), true);
    EXPECT_EQ(v->votes, 2);
    EXPECT_EQ(*store_->paper_votes(id_of("2401.00001")), 2);

    // 5 imported + 2 community votes: now ahead of the paper with 6.
    auto list = store_->daily_entries("2024-01-02");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].paper_id.str(), "2401.00001");
    EXPECT_EQ((*list)[0].upvotes, 7);
    EXPECT_EQ((*list)[1].upvotes, 6);
    EXPECT_EQ((*store_->entries_for_paper(id_of("2401.00001")))[0].upvotes, 7);

    // A vote is a change of the paper on the feed.
    auto feed = store_->changes_since(seq_before, 10);
    ASSERT_TRUE(feed.ok());
    ASSERT_FALSE(feed->empty());
    EXPECT_EQ(feed->back().paper_id.str(), "2401.00001");
    EXPECT_EQ(feed->back().entity, Change::Entity::kPaper);

    auto voted = store_->has_voted(ada.id, {id_of("2401.00001"), id_of("2401.00002")});
    ASSERT_TRUE(voted.ok());
    EXPECT_EQ(*voted, (std::vector<bool>{true, false}));

    v = store_->set_vote(ada.id, id_of("2401.00001"), false);
    EXPECT_TRUE(v->changed);
    EXPECT_EQ(v->votes, 1);
    v = store_->set_vote(ada.id, id_of("2401.00001"), false);
    EXPECT_FALSE(v->changed);
    EXPECT_EQ(v->votes, 1);
    EXPECT_EQ((*store_->daily_entries("2024-01-02"))[0].upvotes, 6);

    // Re-importing the list keeps the community's votes apart from the imported count.
    e1.upvotes = 9;
    WriteBatch again;
    again.put_daily_entry(e1);
    ASSERT_TRUE(store_->write(again).ok());
    EXPECT_EQ((*store_->entries_for_paper(id_of("2401.00001")))[0].upvotes, 10);
}

TEST_P(AccountsContract, VotingForAnUnknownOrHiddenPaperIsNotFound) {
    const User ada = add_user("ada");
    auto v = store_->set_vote(ada.id, id_of("2401.09999"), true);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code(), ErrorCode::kNotFound);
    add_paper("2401.00001");
    WriteBatch hide;
    hide.delete_paper(id_of("2401.00001"));
    ASSERT_TRUE(store_->write(hide).ok());
    v = store_->set_vote(ada.id, id_of("2401.00001"), true);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(*store_->paper_votes(id_of("2401.09999")), 0);
}

TEST_P(AccountsContract, ConcurrentVotesCountExactly) {
    add_paper("2401.00001");
    const PaperId paper = id_of("2401.00001");
    constexpr int kUsers = 16;
    std::vector<int64_t> users;
    for (int i = 0; i < kUsers; ++i) users.push_back(add_user("user" + std::to_string(i)).id);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 25; ++round) {
                for (int i = t; i < kUsers; i += 4) {
                    // Everyone ends up voted except users whose index is divisible by 3.
                    const bool up = round < 24 || i % 3 != 0;
                    if (!store_->set_vote(users[static_cast<size_t>(i)], paper, up).ok()) {
                        ++failures;
                    }
                }
            }
        });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    int expected = 0;
    for (int i = 0; i < kUsers; ++i) expected += i % 3 != 0 ? 1 : 0;
    EXPECT_EQ(*store_->paper_votes(paper), expected);
}

TEST_P(AccountsContract, AMembersSubmissionsAndVotesNewestFirst) {
    for (const char* id : {"2401.00001", "2401.00002", "2401.00003"}) add_paper(id);
    auto entry = [&](const char* date, const char* id, const char* by) {
        DailyEntry e;
        e.date = date;
        e.paper_id = id_of(id);
        e.submitted_by = by;
        e.submitted_at = std::string(date) + "T08:00:00Z";
        return e;
    };
    WriteBatch batch;
    batch.put_daily_entry(entry("2024-01-02", "2401.00001", "ada"));
    batch.put_daily_entry(entry("2024-01-03", "2401.00002", "ada"));
    batch.put_daily_entry(entry("2024-01-03", "2401.00003", "grace"));
    batch.put_daily_entry(entry("2024-01-04", "2401.00003", "Ada"));  // another member's handle
    ASSERT_TRUE(store_->write(batch).ok());
    auto mine = store_->entries_submitted_by("ada", 10);
    ASSERT_TRUE(mine.ok());
    ASSERT_EQ(mine->size(), 2u);
    EXPECT_EQ((*mine)[0].paper_id.str(), "2401.00002");
    EXPECT_EQ((*mine)[1].paper_id.str(), "2401.00001");
    EXPECT_EQ(store_->entries_submitted_by("ada", 1)->size(), 1u);
    EXPECT_TRUE(store_->entries_submitted_by("nobody", 10)->empty());

    const User ada = add_user("ada");
    ASSERT_TRUE(store_->set_vote(ada.id, id_of("2401.00002"), true).ok());
    ASSERT_TRUE(store_->set_vote(ada.id, id_of("2401.00003"), true).ok());
    auto voted = store_->voted_papers(ada.id, 10);
    ASSERT_TRUE(voted.ok());
    ASSERT_EQ(voted->size(), 2u);
    WriteBatch hide;
    hide.delete_paper(id_of("2401.00003"));
    ASSERT_TRUE(store_->write(hide).ok());
    voted = store_->voted_papers(ada.id, 10);
    ASSERT_EQ(voted->size(), 1u);  // hidden papers are left out
    EXPECT_EQ((*voted)[0].str(), "2401.00002");
    EXPECT_EQ(store_->entries_submitted_by("Ada", 10)->size(), 0u);  // its paper is hidden now
}

TEST_P(AccountsContract, OrganizationsAndAdminsAssigningPapersToThem) {
    EXPECT_FALSE(store_->organization("deepmind")->has_value());
    ASSERT_TRUE(
        store_->put_organization({"DeepMind", "Google DeepMind", "https://x.test/a.png"}).ok());
    auto org = store_->organization("deepmind");
    ASSERT_TRUE(org.ok() && org->has_value());
    EXPECT_EQ((*org)->full_name, "Google DeepMind");
    ASSERT_TRUE(store_->put_organization({"deepmind", "DeepMind", ""}).ok());  // replaces
    EXPECT_EQ((*store_->organization("DEEPMIND"))->full_name, "DeepMind");

    add_paper("2401.00001");
    const int64_t seq = store_->stats()->last_sequence;
    WriteBatch assign;
    assign.set_organization(id_of("2401.00001"), "DeepMind");
    auto counts = store_->write(assign);
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->papers_updated, 1);
    EXPECT_EQ((*store_->get_paper(id_of("2401.00001")))->organization, "DeepMind");
    EXPECT_GT(store_->stats()->last_sequence, seq);  // the index and pages follow
    EXPECT_EQ(store_->write(assign)->papers_unchanged, 1);
    // A later record of the same version does not undo it (merge only fills what is missing).
    Paper again;
    again.id = id_of("2401.00001");
    again.title = "A paper";
    WriteBatch reimport;
    reimport.put_paper(again);
    ASSERT_TRUE(store_->write(reimport).ok());
    EXPECT_EQ((*store_->get_paper(id_of("2401.00001")))->organization, "DeepMind");

    WriteBatch unknown;
    unknown.set_organization(id_of("2401.09999"), "DeepMind");
    auto refused = store_->write(unknown);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kNotFound);
}

TEST(Roles, RoundTripTheirNames) {
    for (Role role : {Role::kMember, Role::kCurator, Role::kAdmin}) {
        EXPECT_EQ(parse_role(role_name(role)), role);
    }
    EXPECT_FALSE(parse_role("root").has_value());
    EXPECT_FALSE(parse_role("Admin").has_value());
}

}  // namespace
}  // namespace paperboy::store
