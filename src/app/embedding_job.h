// app/embedding_job.h — embedding papers into the store's vectors (docs/embeddings.md).
//
// EmbeddingJob brings one model's vectors up to date: it walks the papers that need a vector
// (store::Vectors::papers_to_embed: missing, or the paper changed since), embeds the text of
// those whose text changed (embed::paper_text of title and abstract, Purpose::kDocument) a batch
// at a time, stores each batch in one transaction, and marks the vectors of papers whose text
// did not change as current without embedding them. It keeps no state of its own: a run killed
// midway loses at most its current batch, and the next run continues where it stopped.
//
// EmbeddingFollower runs a job in the background of `paperboy serve`: a catch-up pass, then it
// follows the change feed (Coordination::wait_for_changes, as app/index_sync.h does) and embeds
// the papers of new kPaper changes within moments. Only one node of an instance embeds for a
// model: the holder of the lease "embed:<identity>" (app/job_lease.h); the others wait for it.
// Errors of the embedder (a server down) or the store are logged and retried with backoff.
//
// Thread-safety: an EmbeddingJob is used by one thread at a time; the follower owns its thread.
// Depends on store/ and embed/.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "embed/embedder.h"
#include "store/catalog.h"
#include "store/coordination.h"
#include "store/vectors.h"

namespace paperboy::app {

// The text_hash of a paper's vector: stable_hash64 of embed::paper_text(title, abstract).
uint64_t embedding_text_hash(std::string_view title, std::string_view abstract);

struct EmbedProgress {
    int64_t done = 0;   // papers handled this run (embedded or kept)
    int64_t total = 0;  // papers that needed a vector when the run started
    int64_t embedded = 0;
    int64_t kept = 0;              // their text had not changed: the vector was kept
    double papers_per_second = 0;  // done / seconds
    double eta_seconds = -1;       // until total is done; -1 while unknown
    double seconds = 0;            // since the run started
};

struct EmbeddingJobOptions {
    size_t batch_size = 256;  // papers per papers_to_embed() read, embed() call and transaction
};

class EmbeddingJob {
  public:
    // `model` is a model registered in `vectors` whose dimensions are the embedder's.
    EmbeddingJob(store::Vectors& vectors, embed::Embedder& embedder, store::EmbeddingModel model,
                 EmbeddingJobOptions options = {});

    const store::EmbeddingModel& model() const { return model_; }

    // Embeds every paper that needs it. `progress`, when set, is called after each batch;
    // returning false stops the run after that batch (the result is then what was done).
    // Errors: the embedder's (kUnavailable for a server down) and the store's; what was stored
    // before stays.
    Result<EmbedProgress> run_once(const std::function<bool(const EmbedProgress&)>& progress = {});

    // Embeds those of `ids` that need it (unknown, hidden and current ones are skipped): the
    // papers of a run of the change feed. Returns how many were embedded or kept.
    Result<int64_t> embed_papers(const std::vector<PaperId>& ids);

  private:
    // Embeds or keeps `papers` (all of them need it) and stores the result.
    Status handle(const std::vector<store::PaperToEmbed>& papers, EmbedProgress& counts);

    store::Vectors& vectors_;
    embed::Embedder& embedder_;
    const store::EmbeddingModel model_;
    const EmbeddingJobOptions options_;
};

struct EmbeddingFollowerOptions {
    std::chrono::seconds lease_ttl{60};
    // The first wait after a failure; doubled on each one in a row, up to max_backoff.
    std::chrono::milliseconds backoff{1000};
    std::chrono::milliseconds max_backoff{60000};
    // How often a node that does not hold the lease tries to take it.
    std::chrono::milliseconds lease_retry{15000};
    bool log = true;  // one line on stderr per catch-up pass and per failure
};

class EmbeddingFollower {
  public:
    // Starts the thread. `store` is the job's store seen as a catalog and a coordinator.
    EmbeddingFollower(store::Catalog& catalog, store::Coordination& coordination, EmbeddingJob& job,
                      EmbeddingFollowerOptions options = {});
    ~EmbeddingFollower();  // stop()
    EmbeddingFollower(const EmbeddingFollower&) = delete;
    EmbeddingFollower& operator=(const EmbeddingFollower&) = delete;

    // Ends the thread after its current batch and gives the lease up. Idempotent.
    void stop();

    // For tests and /metrics: passes finished (catch-up ones and feed runs), papers embedded or
    // kept in all, and failures so far.
    struct Counters {
        int64_t passes = 0;
        int64_t papers = 0;
        int64_t failures = 0;
        bool holds_lease = false;
    };
    Counters counters() const;

  private:
    void run();
    // Waits `d` or until stop(); false when stopping.
    bool sleep(std::chrono::milliseconds d);
    // One step of following: false when the step failed (the caller backs off).
    bool follow_once(int64_t& last_seq);

    store::Catalog& catalog_;
    store::Coordination& coordination_;
    EmbeddingJob& job_;
    const EmbeddingFollowerOptions options_;
    mutable std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool stopped_ = false;
    Counters counters_;
    std::thread thread_;
};

}  // namespace paperboy::app
