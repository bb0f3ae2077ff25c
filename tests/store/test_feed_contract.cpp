// The change feed's promise to followers, for every backend: a follower that reads
// changes_since() from where it stopped sees every change exactly once, in commit order, even
// while a writer's transaction is held open and another writer commits meanwhile
// (docs/schema.md, "The change feed"). A follower may also wait for the feed to move
// (Coordination::wait_for_changes()).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using contract::kBackends;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

Paper paper(const std::string& id) {
    Paper p;
    p.id = id_of(id);
    p.version = 1;
    p.title = "Paper " + id;
    return p;
}

class FeedContract : public contract::BackendTest {
  protected:
    // A second store on the same database, as another process would open it; the same store
    // when the backend's databases cannot be shared (in memory).
    Store& other() {
        if (!GetParam().shared) return *store_;
        if (other_ == nullptr) {
            auto opened = open_store(url_);
            EXPECT_TRUE(opened.ok()) << opened.error().message();
            if (opened.ok()) other_ = std::move(opened).value();
        }
        return other_ != nullptr ? *other_ : *store_;
    }

    void TearDown() override {
        if (store_ != nullptr) contract::set_before_commit_hook(*store_, nullptr);
    }

    std::unique_ptr<Store> other_;
};

TEST_P(FeedContract, AFollowerSeesEveryChangeOnceWhileAWriterIsHeldOpen) {
    Store& second = other();
    Store& follower = other();
    std::promise<void> entered;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> held{false};
    contract::set_before_commit_hook(*store_, [&] {
        if (held.exchange(true)) return;  // only the first batch is held
        entered.set_value();
        released.wait();
    });

    // Writer 1: three papers, its transaction held open before COMMIT.
    std::thread first([&] {
        WriteBatch b;
        for (const char* id : {"2401.00001", "2401.00002", "2401.00003"}) b.put_paper(paper(id));
        auto w = store_->write(b);
        EXPECT_TRUE(w.ok()) << w.error().message();
    });
    ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

    // Writer 2 commits (or waits for writer 1, as the backend orders them) meanwhile.
    std::thread second_writer([&] {
        WriteBatch b;
        for (const char* id : {"2402.00001", "2402.00002", "2402.00003"}) b.put_paper(paper(id));
        auto w = second.write(b);
        EXPECT_TRUE(w.ok()) << w.error().message();
    });

    // The follower reads in small batches from where it stopped, all along.
    std::vector<Change> seen;
    std::thread reader([&] {
        int64_t last = 0;
        const auto deadline = steady_clock::now() + std::chrono::seconds(20);
        while (seen.size() < 6 && steady_clock::now() < deadline) {
            auto batch = follower.changes_since(last, 2);
            ASSERT_TRUE(batch.ok()) << batch.error().message();
            for (const Change& c : *batch) {
                EXPECT_GT(c.seq, last);
                last = c.seq;
                seen.push_back(c);
            }
            if (batch->empty()) {
                auto waited = follower.wait_for_changes(last, milliseconds(50));
                ASSERT_TRUE(waited.ok()) << waited.error().message();
            }
        }
    });

    std::this_thread::sleep_for(milliseconds(300));
    release.set_value();
    first.join();
    second_writer.join();
    reader.join();

    std::map<std::string, int> times;
    for (const Change& c : seen) ++times[c.paper_id.str()];
    EXPECT_EQ(times.size(), 6U);
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
    auto all = store_->changes_since(0, 100);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(*all, seen) << "the follower's view is the feed, in order";
}

TEST_P(FeedContract, ChangesArePagedInOrderWithoutGapsOrRepeats) {
    WriteBatch b;
    for (int i = 1; i <= 250; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "2403.%05d", i);
        b.put_paper(paper(id));
    }
    ASSERT_TRUE(store_->write(b).ok());
    std::vector<Change> paged;
    int64_t after = 0;
    for (;;) {
        auto page = store_->changes_since(after, 64);
        ASSERT_TRUE(page.ok());
        if (page->empty()) break;
        EXPECT_LE(page->size(), 64U);
        for (const Change& c : *page) {
            EXPECT_GT(c.seq, after);
            after = c.seq;
            paged.push_back(c);
        }
    }
    EXPECT_EQ(paged.size(), 250U);
    EXPECT_EQ(paged, *store_->changes_since(0, 1000));
}

TEST_P(FeedContract, WaitingReturnsAtOnceWhenTheFeedIsAlreadyAhead) {
    WriteBatch b;
    b.put_paper(paper("2401.00001"));
    ASSERT_TRUE(store_->write(b).ok());
    const auto start = steady_clock::now();
    auto waited = store_->wait_for_changes(0, std::chrono::seconds(30));
    ASSERT_TRUE(waited.ok()) << waited.error().message();
    EXPECT_TRUE(*waited);
    EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_P(FeedContract, WaitingTimesOutWhenNothingIsWritten) {
    const int64_t top = store_->stats()->last_sequence;
    const auto start = steady_clock::now();
    auto waited = store_->wait_for_changes(top, milliseconds(200));
    ASSERT_TRUE(waited.ok()) << waited.error().message();
    EXPECT_FALSE(*waited);
    EXPECT_GE(steady_clock::now() - start, milliseconds(200));
}

TEST_P(FeedContract, AWaiterWakesForAnotherWritersChange) {
    const int64_t top = store_->stats()->last_sequence;
    Store& writer = other();
    std::promise<void> waiting;
    std::atomic<bool> woke{false};
    std::thread waiter([&] {
        waiting.set_value();
        auto waited = store_->wait_for_changes(top, std::chrono::seconds(30));
        ASSERT_TRUE(waited.ok()) << waited.error().message();
        woke = *waited;
    });
    waiting.get_future().wait();
    std::this_thread::sleep_for(milliseconds(100));
    const auto wrote = steady_clock::now();
    WriteBatch b;
    b.put_paper(paper("2401.00009"));
    ASSERT_TRUE(writer.write(b).ok());
    waiter.join();
    EXPECT_TRUE(woke.load());
    EXPECT_LT(steady_clock::now() - wrote, std::chrono::seconds(10)) << "woke on the write";
}

INSTANTIATE_TEST_SUITE_P(Backends, FeedContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

}  // namespace
}  // namespace paperboy::store
