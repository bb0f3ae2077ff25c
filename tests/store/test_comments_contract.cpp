// The comments part of the Store contract (store/comments.h): adding, reading, editing, hiding
// and deleting comments, the paper's count of visible ones and the change feed, for every
// backend.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using contract::kBackends;

class CommentsContract : public contract::BackendTest {
  protected:
    void SetUp() override {
        BackendTest::SetUp();
        if (HasFatalFailure()) return;
        User u;
        u.handle = "ada";
        u.email = "ada@example.org";
        u.password_hash = "x";
        auto created = store_->create_user(u);
        ASSERT_TRUE(created.ok()) << created.error().message();
        user_ = *created;
        add_paper("2410.13848");
        add_paper("hep-th/9901001");
    }

    void add_paper(std::string_view id) {
        Paper p;
        p.id = id_of(id);
        p.title = "A paper";
        WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
    }

    Comment draft(std::string_view paper, std::string body, int64_t parent = 0,
                  std::string at = "2024-10-25T10:00:00Z") {
        Comment c;
        c.paper_id = id_of(paper);
        c.user_id = user_.id;
        c.parent_id = parent;
        c.body = std::move(body);
        c.created_at = std::move(at);
        return c;
    }

    int count(std::string_view paper) {
        auto counts = store_->comment_counts({id_of(paper)});
        EXPECT_TRUE(counts.ok());
        return counts.ok() ? counts->front() : -1;
    }

    int64_t last_seq() {
        auto stats = store_->stats();
        EXPECT_TRUE(stats.ok());
        return stats.ok() ? stats->last_sequence : -1;
    }

    User user_;
};

INSTANTIATE_TEST_SUITE_P(Backends, CommentsContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

TEST_P(CommentsContract, PaperCardsHoldWhatTheSeparateReadsFind) {
    ASSERT_TRUE(store_->add_comment(draft("2410.13848", "First")).ok());
    ASSERT_TRUE(store_->add_comment(draft("2410.13848", "Second")).ok());
    ASSERT_TRUE(store_->set_vote(user_.id, id_of("hep-th/9901001"), true).ok());
    WriteBatch batch;
    for (const char* date : {"2024-10-24", "2024-10-25"}) {
        DailyEntry e;
        e.date = date;
        e.paper_id = id_of("2410.13848");
        e.upvotes = 3;
        batch.put_daily_entry(e);
    }
    Paper hidden;
    hidden.id = id_of("2401.00003");
    hidden.title = "Hidden";
    batch.put_paper(hidden);
    batch.delete_paper(hidden.id);
    ASSERT_TRUE(store_->write(batch).ok());

    const std::vector<PaperId> ids = {id_of("hep-th/9901001"), id_of("2401.99999"),
                                      id_of("2410.13848"), id_of("2401.00003")};
    auto cards = store_->paper_cards(ids);
    ASSERT_TRUE(cards.ok()) << cards.error().message();
    ASSERT_EQ(cards->size(), ids.size());
    EXPECT_EQ((*cards)[1], std::nullopt) << "unknown";
    EXPECT_EQ((*cards)[3], std::nullopt) << "hidden";
    for (size_t i : {size_t{0}, size_t{2}}) {
        ASSERT_TRUE((*cards)[i].has_value()) << ids[i].str();
        const PaperCard& card = *(*cards)[i];
        EXPECT_EQ(card.paper, store_->get_paper(ids[i]).value()) << ids[i].str();
        EXPECT_EQ(card.entries, store_->entries_for_paper(ids[i]).value()) << ids[i].str();
        EXPECT_EQ(card.comment_count, store_->comment_counts({ids[i]}).value().front());
        EXPECT_EQ(card.votes, store_->paper_votes(ids[i]).value());
    }
    EXPECT_EQ((*cards)[2]->comment_count, 2);
    EXPECT_EQ((*cards)[0]->votes, 1);
    ASSERT_EQ((*cards)[2]->entries.size(), 2U);
    EXPECT_EQ((*cards)[2]->entries.front().date, "2024-10-25") << "latest day first";
    // A backend's own paper_cards() answers as the default made of the separate reads does.
    EXPECT_EQ(*cards, store_->Store::paper_cards(ids).value());
    EXPECT_TRUE(store_->paper_cards({})->empty());
}

TEST_P(CommentsContract, AddedCommentReadsBackWithItsAuthorAndCounts) {
    auto added = store_->add_comment(draft("2410.13848", "**Nice** paper"));
    ASSERT_TRUE(added.ok()) << added.error().message();
    EXPECT_GT(added->id, 0);
    EXPECT_EQ(added->author_handle, "ada");
    EXPECT_EQ(added->body, "**Nice** paper");
    EXPECT_EQ(added->created_at, "2024-10-25T10:00:00Z");
    EXPECT_EQ(added->updated_at, added->created_at);
    EXPECT_EQ(added->parent_id, 0);
    EXPECT_TRUE(added->visible());

    auto got = store_->get_comment(added->id);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, *added);
    EXPECT_EQ(count("2410.13848"), 1);
    EXPECT_EQ(count("hep-th/9901001"), 0);
    EXPECT_EQ(count("2501.00001"), 0);  // unknown paper
}

TEST_P(CommentsContract, ListsAPapersCommentsOldestFirstAndOnlyThatPapers) {
    auto first = store_->add_comment(draft("hep-th/9901001", "one"));
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(store_->add_comment(draft("2410.13848", "elsewhere")).ok());
    auto reply = store_->add_comment(draft("hep-th/9901001", "two", first->id));
    ASSERT_TRUE(reply.ok()) << reply.error().message();
    auto list = store_->comments_for_paper(id_of("hep-th/9901001"));
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].body, "one");
    EXPECT_EQ((*list)[1].body, "two");
    EXPECT_EQ((*list)[1].parent_id, first->id);
    EXPECT_EQ((*list)[0].paper_id, id_of("hep-th/9901001"));
}

TEST_P(CommentsContract, RefusesUnknownPaperAndForeignParent) {
    auto unknown = store_->add_comment(draft("2501.00001", "hello"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);

    auto other = store_->add_comment(draft("2410.13848", "on another paper"));
    ASSERT_TRUE(other.ok());
    auto foreign = store_->add_comment(draft("hep-th/9901001", "reply", other->id));
    ASSERT_FALSE(foreign.ok());
    EXPECT_EQ(foreign.error().code(), ErrorCode::kInvalidArgument);
    auto missing = store_->add_comment(draft("hep-th/9901001", "reply", 999));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(count("hep-th/9901001"), 0);
}

TEST_P(CommentsContract, RefusesHiddenPaper) {
    WriteBatch batch;
    batch.delete_paper(id_of("2410.13848"));
    ASSERT_TRUE(store_->write(batch).ok());
    auto added = store_->add_comment(draft("2410.13848", "hello"));
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.error().code(), ErrorCode::kNotFound);
}

TEST_P(CommentsContract, HidingAndDeletingMoveTheCountOnce) {
    auto a = store_->add_comment(draft("2410.13848", "a"));
    auto b = store_->add_comment(draft("2410.13848", "b"));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(count("2410.13848"), 2);

    Comment hidden = *a;
    hidden.hidden = true;
    ASSERT_TRUE(store_->update_comment(hidden).ok());
    EXPECT_EQ(count("2410.13848"), 1);
    hidden.deleted = true;  // already out of the count
    ASSERT_TRUE(store_->update_comment(hidden).ok());
    EXPECT_EQ(count("2410.13848"), 1);
    hidden.hidden = false;  // still deleted
    ASSERT_TRUE(store_->update_comment(hidden).ok());
    EXPECT_EQ(count("2410.13848"), 1);

    Comment deleted = *b;
    deleted.deleted = true;
    auto after = store_->update_comment(deleted);
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after->deleted);
    EXPECT_EQ(count("2410.13848"), 0);

    Comment shown = *b;  // shown again (a curator's un-hide works the same way)
    ASSERT_TRUE(store_->update_comment(shown).ok());
    EXPECT_EQ(count("2410.13848"), 1);
}

TEST_P(CommentsContract, EditKeepsCreationTimeAndAuthor) {
    auto a = store_->add_comment(draft("2410.13848", "first"));
    ASSERT_TRUE(a.ok());
    Comment edited = *a;
    edited.body = "second";
    edited.updated_at = "2024-10-25T11:00:00Z";
    edited.created_at = "1999-01-01T00:00:00Z";  // ignored
    edited.user_id = 12345;                      // ignored
    auto stored = store_->update_comment(edited);
    ASSERT_TRUE(stored.ok()) << stored.error().message();
    EXPECT_EQ(stored->body, "second");
    EXPECT_EQ(stored->updated_at, "2024-10-25T11:00:00Z");
    EXPECT_EQ(stored->created_at, "2024-10-25T10:00:00Z");
    EXPECT_EQ(stored->user_id, user_.id);
    EXPECT_EQ(count("2410.13848"), 1);

    Comment unknown = edited;
    unknown.id = 999;
    auto missing = store_->update_comment(unknown);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(CommentsContract, EveryChangePutsThePaperOnTheFeed) {
    const int64_t before = last_seq();
    auto a = store_->add_comment(draft("2410.13848", "a"));
    ASSERT_TRUE(a.ok());
    const int64_t after_add = last_seq();
    EXPECT_GT(after_add, before);
    auto changes = store_->changes_since(before, 10);
    ASSERT_TRUE(changes.ok());
    ASSERT_EQ(changes->size(), 1u);
    EXPECT_EQ(changes->front().entity, Change::Entity::kPaper);
    EXPECT_EQ(changes->front().paper_id, id_of("2410.13848"));

    Comment edited = *a;
    edited.body = "b";
    ASSERT_TRUE(store_->update_comment(edited).ok());
    EXPECT_GT(last_seq(), after_add);
}

TEST_P(CommentsContract, CountsAUsersRecentComments) {
    ASSERT_TRUE(store_->add_comment(draft("2410.13848", "a", 0, "2024-10-25T09:59:00Z")).ok());
    ASSERT_TRUE(store_->add_comment(draft("2410.13848", "b", 0, "2024-10-25T10:00:00Z")).ok());
    ASSERT_TRUE(store_->add_comment(draft("2410.13848", "c", 0, "2024-10-25T10:00:30Z")).ok());
    auto recent = store_->comments_by_user_since(user_.id, "2024-10-25T10:00:00Z");
    ASSERT_TRUE(recent.ok());
    EXPECT_EQ(*recent, 2);
    auto none = store_->comments_by_user_since(user_.id + 1, "2000-01-01T00:00:00Z");
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(*none, 0);
}

TEST_P(CommentsContract, KeepsBodiesByteForByte) {
    const std::string body = std::string("a\0b <script>\xff\xfe", 14) + std::string(100000, 'x');
    auto added = store_->add_comment(draft("2410.13848", body));
    ASSERT_TRUE(added.ok());
    auto got = store_->get_comment(added->id);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->body, body);
}

}  // namespace
}  // namespace paperboy::store
