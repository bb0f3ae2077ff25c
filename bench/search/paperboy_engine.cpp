// Paperboy's own index, as the server uses it: one text::Analyzer, one index::Index in memory,
// documents from app::to_index_doc in batches, queries through index::parse_query.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/search_service.h"
#include "index/index.h"
#include "index/query.h"
#include "search/engine.h"
#include "text/analyzer.h"

namespace paperboy::bench {
namespace {

class PaperboyEngine final : public Engine {
  public:
    PaperboyEngine(size_t batch_size, const std::string& workdir)
        : batch_size_(batch_size), snapshot_(workdir + "/paperboy.index") {}
    ~PaperboyEngine() override { std::filesystem::remove(snapshot_); }

    std::string name() const override { return "paperboy"; }

    std::string describe() const override {
        return "Paperboy index::Index in memory (BM25F, MaxScore, Roaring filters), "
               "text::Analyzer defaults; app::to_index_doc, upsert in batches of " +
               std::to_string(batch_size_) + "; index::parse_query + Index::search";
    }

    void prepare(const std::vector<BenchDoc>& docs) override {
        ordinals_.reserve(docs.size());
        for (size_t i = 0; i < docs.size(); ++i) {
            ordinals_.emplace(docs[i].paper.id.str(), static_cast<uint32_t>(i));
        }
    }

    void build(const std::vector<BenchDoc>& docs) override {
        std::vector<index::IndexDoc> batch;
        batch.reserve(batch_size_);
        for (const BenchDoc& d : docs) {
            batch.push_back(app::to_index_doc(d.paper, /*on_daily_list=*/false));
            if (batch.size() == batch_size_) {
                index_->upsert(batch);
                batch.clear();
            }
        }
        if (!batch.empty()) index_->upsert(batch);
    }

    BuildInfo info() const override {
        return BuildInfo{index_->stats().memory_bytes, "Index::stats().memory_bytes"};
    }

    bool persist() override {
        Status saved = index_->save(snapshot_, "bench");
        if (!saved.ok()) throw std::runtime_error(saved.error().message());
        return true;
    }

    void restart() override {
        auto fresh = std::make_unique<index::Index>(analyzer_);
        auto loaded = fresh->load(snapshot_);
        if (!loaded.ok()) throw std::runtime_error(loaded.error().message());
        index_ = std::move(fresh);
    }

    void search(const BenchQuery& q, size_t k, std::vector<uint32_t>& out) override {
        out.clear();
        index::Query query = index::parse_query(q.text, analyzer_);
        index::SearchResult result = index_->search(query, index::SearchOptions{.limit = k});
        for (const index::Hit& hit : result.hits) {
            auto it = ordinals_.find(hit.id.str());
            if (it == ordinals_.end()) throw std::runtime_error("paperboy: unknown hit id");
            out.push_back(it->second);
        }
    }

  private:
    size_t batch_size_;
    text::Analyzer analyzer_;
    std::string snapshot_;
    std::unique_ptr<index::Index> index_ = std::make_unique<index::Index>(analyzer_);
    std::unordered_map<std::string, uint32_t> ordinals_;
};

}  // namespace

std::unique_ptr<Engine> make_paperboy_engine(size_t batch_size, const std::string& workdir) {
    return std::make_unique<PaperboyEngine>(batch_size, workdir);
}

}  // namespace paperboy::bench
