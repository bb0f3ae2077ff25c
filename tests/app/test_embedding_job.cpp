// EmbeddingJob and EmbeddingFollower (app/embedding_job.h) over an in-memory store and a fake
// deterministic embedder: a catch-up pass, resuming after a partial run, re-embedding a paper
// whose text changed (and only keeping one whose other fields did), retrying after the
// embedder fails, and the follower embedding a paper written after it started.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "app/embedding_job.h"
#include "core/hash.h"
#include "store/store.h"

namespace paperboy::app {
namespace {

constexpr int kDims = 8;

// Vectors from the hash of the text: the same text gives the same vector. Counts the texts it
// embedded; fails while `down` is set.
class FakeEmbedder final : public embed::Embedder {
  public:
    FakeEmbedder() {
        info_.kind = "static";
        info_.name = "fake";
        info_.identity = "static:fake:0001";
        info_.dimensions = kDims;
    }
    const embed::ModelInfo& info() const override { return info_; }
    Result<std::vector<float>> embed(std::span<const std::string> texts,
                                     embed::Purpose purpose) override {
        if (down.load()) return Error(ErrorCode::kUnavailable, "the fake server is down");
        EXPECT_EQ(purpose, embed::Purpose::kDocument);
        std::vector<float> out;
        for (const std::string& t : texts) {
            const uint64_t h = stable_hash64(t);
            float norm = 0;
            std::vector<float> row(kDims);
            for (int d = 0; d < kDims; ++d) {
                row[d] = static_cast<float>((h >> (d * 8)) & 0xff) - 127.5f;
                norm += row[d] * row[d];
            }
            for (float& x : row) out.push_back(x / std::sqrt(norm));
        }
        embedded += static_cast<int64_t>(texts.size());
        return out;
    }
    std::atomic<int64_t> embedded{0};
    std::atomic<bool> down{false};

  private:
    embed::ModelInfo info_;
};

Paper paper(int n, const std::string& title = "") {
    Paper p;
    char id[16];
    std::snprintf(id, sizeof id, "2403.%05d", n);
    p.id = *PaperId::parse(id);
    p.version = 1;
    p.title = title.empty() ? "Paper number " + std::to_string(n) : title;
    p.abstract = "We study thing " + std::to_string(n) + ".";
    return p;
}

class EmbeddingJobTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_store("sqlite::memory:");
        ASSERT_TRUE(opened.ok());
        store_ = std::move(opened).value();
        auto m = store_->register_model(embedder_.info().identity, "fake", kDims);
        ASSERT_TRUE(m.ok());
        model_ = *m;
    }
    void put(const std::vector<Paper>& papers) {
        store::WriteBatch batch;
        for (const Paper& p : papers) batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
    }
    void put_range(int first, int last) {
        std::vector<Paper> papers;
        for (int i = first; i < last; ++i) papers.push_back(paper(i));
        put(papers);
    }
    store::VectorStats stats() { return *store_->vector_stats(model_.id); }

    std::unique_ptr<store::Store> store_;
    FakeEmbedder embedder_;
    store::EmbeddingModel model_;
};

TEST_F(EmbeddingJobTest, CatchUpEmbedsEveryPaperInBatchesWithProgress) {
    put_range(0, 100);
    EmbeddingJob job(*store_, embedder_, model_, {.batch_size = 32});
    std::vector<int64_t> done;
    auto report = job.run_once([&](const EmbedProgress& p) {
        EXPECT_EQ(p.total, 100);
        done.push_back(p.done);
        return true;
    });
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(report->done, 100);
    EXPECT_EQ(report->embedded, 100);
    EXPECT_EQ(done, (std::vector<int64_t>{32, 64, 96, 100}));
    EXPECT_EQ(stats().vectors, 100);
    EXPECT_EQ(stats().current, 100);
    // The stored vector is the embedder's, with the text's hash.
    const Paper p = paper(7);
    auto v = store_->get_vectors(model_.id, {p.id});
    ASSERT_TRUE(v.ok());
    const std::string text = embed::paper_text(p.title, p.abstract);
    auto expected =
        embedder_.embed(std::span<const std::string>(&text, 1), embed::Purpose::kDocument);
    EXPECT_EQ(*(*v)[0], *expected);
    auto state = store_->embed_state(model_.id, {p.id});
    EXPECT_EQ((*state)[0]->text_hash, embedding_text_hash(p.title, p.abstract));

    // Nothing left: a second run embeds nothing.
    const int64_t before = embedder_.embedded.load();
    auto again = job.run_once();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->done, 0);
    EXPECT_EQ(embedder_.embedded.load(), before);
}

TEST_F(EmbeddingJobTest, AStoppedRunResumesWhereItStopped) {
    put_range(0, 50);
    EmbeddingJob job(*store_, embedder_, model_, {.batch_size = 10});
    auto partial = job.run_once([](const EmbedProgress& p) { return p.done < 20; });
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(partial->done, 20);
    EXPECT_EQ(stats().vectors, 20);

    // A failed batch stores nothing of itself; the next run takes it up.
    embedder_.down = true;
    auto failed = job.run_once();
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(stats().vectors, 20);
    embedder_.down = false;

    const int64_t before = embedder_.embedded.load();
    auto rest = job.run_once();
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(rest->total, 30);
    EXPECT_EQ(rest->done, 30);
    EXPECT_EQ(embedder_.embedded.load() - before, 30);  // none embedded twice
    EXPECT_EQ(stats().current, 50);
}

TEST_F(EmbeddingJobTest, AChangedTextIsReembeddedAndOtherChangesKeepTheVector) {
    put_range(0, 5);
    EmbeddingJob job(*store_, embedder_, model_);
    ASSERT_TRUE(job.run_once().ok());
    auto old_vector = *(*store_->get_vectors(model_.id, {paper(1).id}))[0];

    Paper retitled = paper(1, "A better title");
    retitled.version = 2;
    Paper with_code = paper(2);
    with_code.version = 2;
    with_code.github_url = "https://github.com/x/y";
    put({retitled, with_code});
    EXPECT_EQ(stats().current, 3);

    const int64_t before = embedder_.embedded.load();
    auto report = job.run_once();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->embedded, 1);
    EXPECT_EQ(report->kept, 1);
    EXPECT_EQ(embedder_.embedded.load() - before, 1);
    EXPECT_EQ(stats().current, 5);
    auto new_vector = *(*store_->get_vectors(model_.id, {paper(1).id}))[0];
    EXPECT_NE(new_vector, old_vector);
}

TEST_F(EmbeddingJobTest, EmbedPapersSkipsUnknownHiddenAndCurrentOnes) {
    put_range(0, 3);
    EmbeddingJob job(*store_, embedder_, model_);
    store::WriteBatch hide;
    hide.delete_paper(paper(2).id);
    ASSERT_TRUE(store_->write(hide).ok());
    auto first = job.embed_papers({paper(0).id, paper(2).id, paper(9).id});
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(*first, 1);
    auto again = job.embed_papers({paper(0).id, paper(1).id});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 1);  // paper 0 is current
    EXPECT_EQ(stats().vectors, 2);
}

// Waits up to 10 s for `done`.
template <typename F>
bool eventually(F done) {
    for (int i = 0; i < 1000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

TEST_F(EmbeddingJobTest, TheFollowerCatchesUpThenEmbedsNewPapersFromTheFeed) {
    put_range(0, 10);
    EmbeddingJob job(*store_, embedder_, model_);
    EmbeddingFollowerOptions options;
    options.log = false;
    EmbeddingFollower follower(*store_, *store_, job, options);
    ASSERT_TRUE(eventually([&] { return stats().current == 10; }));
    EXPECT_TRUE(follower.counters().holds_lease);
    auto lease = store_->lease("embed:" + model_.identity);
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE(lease->has_value());

    put_range(10, 12);
    ASSERT_TRUE(eventually([&] { return stats().current == 12; }));

    // The embedder goes down: the follower retries, and embeds once it is back.
    FakeEmbedder& e = embedder_;
    e.down = true;
    put_range(12, 13);
    ASSERT_TRUE(eventually([&] { return follower.counters().failures > 0; }));
    EXPECT_EQ(stats().current, 12);
    e.down = false;
    ASSERT_TRUE(eventually([&] { return stats().current == 13; }));

    follower.stop();
    auto released = store_->lease("embed:" + model_.identity);
    ASSERT_TRUE(released.ok());
    EXPECT_FALSE(released->has_value());
}

TEST_F(EmbeddingJobTest, OnlyTheLeaseHolderEmbeds) {
    put_range(0, 4);
    ASSERT_TRUE(store_
                    ->acquire_lease("embed:" + model_.identity, "another-node:1:x.1",
                                    std::chrono::seconds(60))
                    .value());
    EmbeddingJob job(*store_, embedder_, model_);
    EmbeddingFollowerOptions options;
    options.log = false;
    options.lease_retry = std::chrono::milliseconds(50);
    EmbeddingFollower follower(*store_, *store_, job, options);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(stats().vectors, 0);
    EXPECT_FALSE(follower.counters().holds_lease);
    ASSERT_TRUE(store_->release_lease("embed:" + model_.identity, "another-node:1:x.1").ok());
    ASSERT_TRUE(eventually([&] { return stats().current == 4; }));
}

}  // namespace
}  // namespace paperboy::app
