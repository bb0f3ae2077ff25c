// app::JobLease over a real store (a SQLite file that two stores open, as two processes would):
// one holder at a time, renewal, release, expiry of a holder that stopped renewing, and a dead
// holder of this machine freeing its lease at once. The store's lease contract itself is in
// tests/store (every backend).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "app/job_lease.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace paperboy::app {
namespace {

using namespace std::chrono_literals;

class JobLeaseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (auto* store : {&a_, &b_}) {
            auto opened = store::open_store("sqlite:" + dir_.file("papers.db"));
            ASSERT_TRUE(opened.ok()) << opened.error().message();
            *store = std::move(opened).value();
        }
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Store> a_, b_;
};

TEST_F(JobLeaseTest, OneHolderAtATimeAndFreeOnceReleased) {
    auto first = JobLease::try_acquire(*a_, "digest", 30s);
    ASSERT_TRUE(first.ok()) << first.error().message();
    ASSERT_NE(*first, nullptr);
    EXPECT_TRUE((*first)->holder().starts_with(node_identity() + "."));
    std::optional<store::LeaseInfo> holder;
    auto second = JobLease::try_acquire(*b_, "digest", 30s, &holder);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*second, nullptr);
    ASSERT_TRUE(holder.has_value());
    EXPECT_EQ(holder->holder, (*first)->holder());
    // Another job's lease is another name.
    auto other = JobLease::try_acquire(*b_, "harvest:hf-daily", 30s);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(*other, nullptr);
    first->reset();  // released
    auto third = JobLease::try_acquire(*b_, "digest", 30s);
    ASSERT_TRUE(third.ok());
    EXPECT_NE(*third, nullptr);
}

TEST_F(JobLeaseTest, RenewalKeepsALeaseBeyondItsTtl) {
    auto held = JobLease::try_acquire(*a_, "digest", 2s);
    ASSERT_TRUE(held.ok() && *held);
    std::this_thread::sleep_for(3500ms);  // past the ttl: held only if it was renewed
    EXPECT_FALSE((*held)->lost());
    auto other = JobLease::try_acquire(*b_, "digest", 2s);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(*other, nullptr);
}

TEST_F(JobLeaseTest, AHolderThatStoppedRenewingLosesTheLeaseAfterItsTtl) {
    // A holder on another machine that died: its row, written as the store would.
    ASSERT_TRUE(a_->acquire_lease("digest", "elsewhere:4242:dead.1", 2s).ok());
    auto now = JobLease::try_acquire(*b_, "digest", 2s);
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(*now, nullptr);  // another machine's holder is waited out
    std::this_thread::sleep_for(2500ms);
    auto later = JobLease::try_acquire(*b_, "digest", 2s);
    ASSERT_TRUE(later.ok());
    EXPECT_NE(*later, nullptr);
}

TEST_F(JobLeaseTest, ADeadHolderOfThisMachineFreesItsLeaseAtOnce) {
    // A process of this machine took the lease and died without releasing it (as kill -9
    // would leave it): a child that exits at once gives a pid that no longer runs.
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) _exit(0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    const std::string host = node_identity().substr(0, node_identity().find(':'));
    ASSERT_TRUE(
        a_->acquire_lease("digest", host + ":" + std::to_string(child) + ":dead.1", 600s).ok());
    auto held = a_->lease("digest");
    ASSERT_TRUE(held.ok() && held->has_value());
    EXPECT_TRUE(holder_is_gone((*held)->holder));
    auto taken = JobLease::try_acquire(*b_, "digest", 30s);
    ASSERT_TRUE(taken.ok());
    EXPECT_NE(*taken, nullptr);
    // Holders that run, or live elsewhere, are not gone.
    EXPECT_FALSE(holder_is_gone((*taken)->holder()));
    EXPECT_FALSE(holder_is_gone("elsewhere:1:x.1"));
    EXPECT_FALSE(holder_is_gone("garbage"));
}

}  // namespace
}  // namespace paperboy::app
