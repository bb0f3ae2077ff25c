#include "app/embedding_job.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_set>

#include "app/job_lease.h"
#include "core/hash.h"

namespace paperboy::app {
namespace {

using Clock = std::chrono::steady_clock;

// Changes read from the feed per step of the follower.
constexpr size_t kFeedBatch = 1000;
// The longest one wait for the feed lasts, so that stop() is answered within it.
constexpr std::chrono::milliseconds kWaitSlice{250};

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

uint64_t embedding_text_hash(std::string_view title, std::string_view abstract) {
    return stable_hash64(embed::paper_text(title, abstract));
}

EmbeddingJob::EmbeddingJob(store::Vectors& vectors, embed::Embedder& embedder,
                           store::EmbeddingModel model, EmbeddingJobOptions options)
    : vectors_(vectors), embedder_(embedder), model_(std::move(model)), options_(options) {}

Status EmbeddingJob::handle(const std::vector<store::PaperToEmbed>& papers, EmbedProgress& counts) {
    std::vector<store::PaperVector> kept;
    std::vector<store::PaperVector> fresh;
    std::vector<std::string> texts;
    for (const store::PaperToEmbed& p : papers) {
        std::string text = embed::paper_text(p.title, p.abstract);
        const uint64_t hash = stable_hash64(text);
        if (p.text_hash == hash) {
            // Only another field of the paper changed: its vector still holds.
            kept.push_back(store::PaperVector{p.id, hash, p.paper_hash, {}});
            continue;
        }
        fresh.push_back(store::PaperVector{p.id, hash, p.paper_hash, {}});
        texts.push_back(std::move(text));
    }
    if (!texts.empty()) {
        auto rows = embedder_.embed(texts, embed::Purpose::kDocument);
        if (!rows.ok())
            return rows.error().with_context("embedding " + std::to_string(texts.size()) +
                                             " papers with " + model_.identity);
        const auto dims = static_cast<size_t>(model_.dimensions);
        if (rows->size() != texts.size() * dims) {
            return Error(ErrorCode::kInternal, "the embedder returned " +
                                                   std::to_string(rows->size()) + " floats for " +
                                                   std::to_string(texts.size()) + " texts of " +
                                                   std::to_string(dims) + " dimensions");
        }
        for (size_t i = 0; i < fresh.size(); ++i) {
            fresh[i].vector.assign(rows->begin() + static_cast<std::ptrdiff_t>(i * dims),
                                   rows->begin() + static_cast<std::ptrdiff_t>((i + 1) * dims));
        }
        PAPERBOY_RETURN_IF_ERROR(vectors_.put_vectors(model_.id, fresh));
    }
    if (!kept.empty()) PAPERBOY_RETURN_IF_ERROR(vectors_.keep_vectors(model_.id, kept));
    counts.embedded += static_cast<int64_t>(fresh.size());
    counts.kept += static_cast<int64_t>(kept.size());
    counts.done += static_cast<int64_t>(papers.size());
    return Status::ok_status();
}

Result<EmbedProgress> EmbeddingJob::run_once(
    const std::function<bool(const EmbedProgress&)>& progress) {
    const auto start = Clock::now();
    EmbedProgress p;
    auto stats = vectors_.vector_stats(model_.id);
    if (!stats.ok()) return stats.error();
    p.total = stats->papers - stats->current;
    const size_t batch = std::max<size_t>(options_.batch_size, 1);
    std::optional<PaperId> after;
    for (;;) {
        auto papers = vectors_.papers_to_embed(model_.id, after, batch);
        if (!papers.ok()) return papers.error();
        if (papers->empty()) break;
        PAPERBOY_RETURN_IF_ERROR(handle(*papers, p));
        after = papers->back().id;
        p.seconds = seconds_since(start);
        // Papers written meanwhile may make the run longer than it first counted.
        p.total = std::max(p.total, p.done);
        p.papers_per_second = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0;
        p.eta_seconds = p.papers_per_second > 0
                            ? static_cast<double>(p.total - p.done) / p.papers_per_second
                            : -1;
        if (progress && !progress(p)) break;
        if (papers->size() < batch) break;
    }
    p.seconds = seconds_since(start);
    p.papers_per_second = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0;
    p.eta_seconds = 0;
    return p;
}

Result<int64_t> EmbeddingJob::embed_papers(const std::vector<PaperId>& ids) {
    EmbedProgress p;
    const size_t batch = std::max<size_t>(options_.batch_size, 1);
    for (size_t first = 0; first < ids.size(); first += batch) {
        const std::vector<PaperId> chunk(
            ids.begin() + static_cast<std::ptrdiff_t>(first),
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), first + batch)));
        auto state = vectors_.embed_state(model_.id, chunk);
        if (!state.ok()) return state.error();
        std::vector<store::PaperToEmbed> needed;
        for (auto& s : *state) {
            if (s && !s->current) needed.push_back(std::move(*s));
        }
        if (!needed.empty()) PAPERBOY_RETURN_IF_ERROR(handle(needed, p));
    }
    return p.done;
}

EmbeddingFollower::EmbeddingFollower(store::Catalog& catalog, store::Coordination& coordination,
                                     EmbeddingJob& job, EmbeddingFollowerOptions options)
    : catalog_(catalog), coordination_(coordination), job_(job), options_(options), thread_([this] {
          run();
      }) {}

EmbeddingFollower::~EmbeddingFollower() { stop(); }

void EmbeddingFollower::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopped_) return;
        stopping_ = true;
        stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

EmbeddingFollower::Counters EmbeddingFollower::counters() const {
    std::lock_guard lock(mu_);
    return counters_;
}

bool EmbeddingFollower::sleep(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, d, [this] { return stopping_; });
    return !stopping_;
}

bool EmbeddingFollower::follow_once(int64_t& last_seq) {
    auto moved = coordination_.wait_for_changes(last_seq, kWaitSlice);
    if (!moved.ok()) {
        if (options_.log) {
            std::fprintf(stderr, "paperboy: embedding: waiting for the change feed: %s\n",
                         moved.error().message().c_str());
        }
        return false;
    }
    if (!*moved) return true;
    auto changes = catalog_.changes_since(last_seq, kFeedBatch);
    if (!changes.ok()) {
        if (options_.log) {
            std::fprintf(stderr, "paperboy: embedding: reading the change feed: %s\n",
                         changes.error().message().c_str());
        }
        return false;
    }
    if (changes->empty()) return true;
    // New or changed papers; daily entries and vectors (our own writes among them) say nothing
    // about a paper's text.
    std::vector<PaperId> ids;
    std::unordered_set<std::string> seen;
    for (const store::Change& c : *changes) {
        if (c.entity != store::Change::Entity::kPaper || c.deleted) continue;
        if (seen.insert(c.paper_id.str()).second) ids.push_back(c.paper_id);
    }
    auto done = job_.embed_papers(ids);
    if (!done.ok()) {
        if (options_.log) {
            std::fprintf(stderr, "paperboy: embedding: %s (will retry)\n",
                         done.error().message().c_str());
        }
        return false;
    }
    last_seq = changes->back().seq;
    std::lock_guard lock(mu_);
    ++counters_.passes;
    counters_.papers += *done;
    return true;
}

void EmbeddingFollower::run() {
    const std::string lease_name = "embed:" + job_.model().identity;
    std::unique_ptr<JobLease> lease;
    std::chrono::milliseconds backoff = options_.backoff;
    auto failed = [&]() {
        {
            std::lock_guard lock(mu_);
            ++counters_.failures;
        }
        const bool go_on = sleep(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
        return go_on;
    };
    bool caught_up = false;
    int64_t last_seq = 0;
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) break;
        }
        if (lease == nullptr || lease->lost()) {
            if (lease != nullptr) {
                lease.reset();
                caught_up = false;
                std::lock_guard lock(mu_);
                counters_.holds_lease = false;
            }
            auto taken = JobLease::try_acquire(coordination_, lease_name, options_.lease_ttl);
            if (!taken.ok()) {
                if (options_.log) {
                    std::fprintf(stderr, "paperboy: embedding: %s\n",
                                 taken.error().message().c_str());
                }
                if (!failed()) break;
                continue;
            }
            if (*taken == nullptr) {  // another node embeds for this model
                if (!sleep(options_.lease_retry)) break;
                continue;
            }
            lease = std::move(taken).value();
            std::lock_guard lock(mu_);
            counters_.holds_lease = true;
        }
        if (!caught_up) {
            // The feed's top before the pass: what is written during it is followed after.
            auto stats = catalog_.stats();
            if (!stats.ok()) {
                if (options_.log) {
                    std::fprintf(stderr, "paperboy: embedding: %s\n",
                                 stats.error().message().c_str());
                }
                if (!failed()) break;
                continue;
            }
            auto pass = job_.run_once([this, &lease](const EmbedProgress&) {
                std::lock_guard lock(mu_);
                return !stopping_ && !lease->lost();
            });
            if (!pass.ok()) {
                if (options_.log) {
                    std::fprintf(stderr, "paperboy: embedding: %s (will retry)\n",
                                 pass.error().message().c_str());
                }
                if (!failed()) break;
                continue;
            }
            {
                std::lock_guard lock(mu_);
                if (stopping_) break;
                ++counters_.passes;
                counters_.papers += pass->done;
            }
            if (lease->lost()) continue;
            if (options_.log && pass->done > 0) {
                std::fprintf(stderr, "paperboy: embedding: %lld papers embedded, %lld kept (%s)\n",
                             static_cast<long long>(pass->embedded),
                             static_cast<long long>(pass->kept), job_.model().identity.c_str());
            }
            last_seq = stats->last_sequence;
            caught_up = true;
            backoff = options_.backoff;
        }
        if (follow_once(last_seq)) {
            backoff = options_.backoff;
        } else if (!failed()) {
            break;
        }
    }
    lease.reset();
}

}  // namespace paperboy::app
