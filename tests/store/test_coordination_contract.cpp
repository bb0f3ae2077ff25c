// The coordination part of the Store contract (store/coordination.h), for every backend:
// leases that one holder at a time has until they expire, and fixed-window counters shared by
// every store on a database. Races run one store per thread where the backend's databases can
// be shared, as separate nodes would.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"

namespace paperboy::store {
namespace {

using contract::kBackends;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A window long enough that no test crosses one of its boundaries (about ten years).
constexpr seconds kLongWindow = hours(24 * 3650);

class CoordinationContract : public contract::BackendTest {
  protected:
    // `n` stores on the test's database: separate ones when it can be shared, else the one.
    std::vector<Store*> stores(int n) {
        std::vector<Store*> out;
        for (int i = 0; i < n; ++i) {
            if (!GetParam().shared || i == 0) {
                out.push_back(store_.get());
                continue;
            }
            auto opened = open_store(url_);
            EXPECT_TRUE(opened.ok()) << opened.error().message();
            if (!opened.ok()) return out;
            others_.push_back(std::move(opened).value());
            out.push_back(others_.back().get());
        }
        return out;
    }

    bool acquire(std::string_view name, std::string_view holder, seconds ttl = seconds(60)) {
        auto got = store_->acquire_lease(name, holder, ttl);
        EXPECT_TRUE(got.ok()) << got.error().message();
        return got.ok() && *got;
    }

    std::vector<std::unique_ptr<Store>> others_;
};

TEST_P(CoordinationContract, OneHolderAtATimeUntilReleased) {
    const auto before = std::chrono::system_clock::now();
    EXPECT_TRUE(acquire("harvest", "node-a"));
    auto info = store_->lease("harvest");
    ASSERT_TRUE(info.ok() && info->has_value());
    EXPECT_EQ((*info)->holder, "node-a");
    EXPECT_GT((*info)->expires_at, before + seconds(30));

    EXPECT_FALSE(acquire("harvest", "node-b")) << "another holder's live lease";
    EXPECT_TRUE(acquire("harvest", "node-a")) << "the holder renews";
    EXPECT_TRUE(acquire("digest", "node-b")) << "leases are independent";

    ASSERT_TRUE(store_->release_lease("harvest", "node-b").ok());  // not its lease: no effect
    EXPECT_EQ((*store_->lease("harvest"))->holder, "node-a");
    ASSERT_TRUE(store_->release_lease("harvest", "node-a").ok());
    EXPECT_FALSE(store_->lease("harvest")->has_value());
    EXPECT_TRUE(acquire("harvest", "node-b"));
    EXPECT_FALSE(store_->lease("never-taken")->has_value());
}

TEST_P(CoordinationContract, AnExpiredLeaseGoesToTheNextHolder) {
    EXPECT_TRUE(acquire("index", "node-a", seconds(1)));
    EXPECT_FALSE(acquire("index", "node-b"));
    std::this_thread::sleep_for(milliseconds(1200));
    EXPECT_FALSE(store_->lease("index")->has_value()) << "expired";
    EXPECT_TRUE(acquire("index", "node-b"));
    EXPECT_EQ((*store_->lease("index"))->holder, "node-b");
    EXPECT_FALSE(acquire("index", "node-a"));
}

TEST_P(CoordinationContract, OfRacingNodesExactlyOneGetsTheLease) {
    constexpr int kNodes = 6;
    const std::vector<Store*> nodes = stores(kNodes);
    ASSERT_EQ(nodes.size(), static_cast<size_t>(kNodes));
    for (int round = 0; round < 5; ++round) {
        const std::string name = "job-" + std::to_string(round);
        std::atomic<bool> go{false};
        std::atomic<int> winners{0};
        std::atomic<int> errors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kNodes; ++t) {
            threads.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                auto got = nodes[static_cast<size_t>(t)]->acquire_lease(
                    name, "node-" + std::to_string(t), seconds(60));
                if (!got.ok()) ++errors;
                if (got.ok() && *got) ++winners;
            });
        }
        go = true;
        for (std::thread& th : threads) th.join();
        EXPECT_EQ(errors.load(), 0);
        EXPECT_EQ(winners.load(), 1) << name;
    }
}

TEST_P(CoordinationContract, RefusesLeasesWithoutANameHolderOrTtl) {
    for (auto got :
         {store_->acquire_lease("", "a", seconds(10)), store_->acquire_lease("x", "", seconds(10)),
          store_->acquire_lease("x", "a", seconds(0))}) {
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
    }
}

TEST_P(CoordinationContract, HitsAreCountedPerKeyInTheCurrentWindow) {
    const auto now = std::chrono::system_clock::now();
    auto hit = [&](std::string_view key, int64_t n = 1) {
        auto count = store_->count_hit(key, kLongWindow, now, n);
        EXPECT_TRUE(count.ok()) << count.error().message();
        return count.ok() ? *count : -1;
    };
    EXPECT_EQ(hit("login:ada"), 1);
    EXPECT_EQ(hit("login:ada"), 2);
    EXPECT_EQ(hit("login:ada", 5), 7);
    EXPECT_EQ(hit("login:ada", 0), 7) << "n = 0 reads the count";
    EXPECT_EQ(hit("login:grace"), 1);
}

TEST_P(CoordinationContract, WindowsFollowTheCallersClock) {
    // A pinned clock, as app/ tests have: 10:00:30 and 10:00:59 are one minute, 10:01:00 the
    // next; a window that ended long before the store's own clock still counts.
    const auto at = [](int seconds_past) {
        return std::chrono::system_clock::time_point(
                   std::chrono::sys_days{std::chrono::year{2024} / 10 / 25}) +
               std::chrono::hours(10) + seconds(seconds_past);
    };
    auto first = store_->count_hit("search:1.2.3.4", seconds(60), at(30), 3);
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(*first, 3);
    EXPECT_EQ(*store_->count_hit("search:1.2.3.4", seconds(60), at(59), 1), 4);
    EXPECT_EQ(*store_->count_hit("search:1.2.3.4", seconds(60), at(60), 1), 1);
    EXPECT_EQ(*store_->count_hit("search:1.2.3.4", seconds(60), at(61), 0), 1);
    // The real clock: a new window starts from zero.
    const auto now = std::chrono::system_clock::now();
    EXPECT_EQ(*store_->count_hit("search:1.2.3.4", seconds(1), now, 2), 2);
    EXPECT_EQ(*store_->count_hit("search:1.2.3.4", seconds(1), now + seconds(1), 1), 1);
}

TEST_P(CoordinationContract, NodesShareOneCount) {
    constexpr int kNodes = 4;
    constexpr int kHits = 50;
    const std::vector<Store*> nodes = stores(kNodes);
    const auto now = std::chrono::system_clock::now();
    ASSERT_EQ(nodes.size(), static_cast<size_t>(kNodes));
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kNodes; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kHits; ++i) {
                if (!nodes[static_cast<size_t>(t)]->count_hit("signup", kLongWindow, now).ok()) {
                    ++errors;
                }
            }
        });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(*store_->count_hit("signup", kLongWindow, now, 0), kNodes * kHits);
}

TEST_P(CoordinationContract, RefusesCountsWithoutAKeyOrWindow) {
    const auto now = std::chrono::system_clock::now();
    for (auto got :
         {store_->count_hit("", seconds(10), now), store_->count_hit("k", seconds(0), now),
          store_->count_hit("k", seconds(10), now, -1)}) {
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, CoordinationContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

}  // namespace
}  // namespace paperboy::store
