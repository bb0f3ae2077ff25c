#include "app/vector_search.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

namespace paperboy::app {
namespace {

// Vectors per index batch when building from the store.
constexpr size_t kBuildBatch = 4096;
// Papers whose vectors are read per round trip in apply().
constexpr size_t kApplyBatch = 1000;
// An allowed list longer than this is checked through a hash set while the graph is walked
// (VectorFilter::where) rather than looked up id by id (VectorFilter::only).
constexpr size_t kMaxListedFilter = 20000;

// A vector the index can take: finite and not all zeros (a paper with no text, or only unknown
// words, has a zero vector: it is like nothing, so it is left out).
bool usable(std::span<const float> v) {
    float norm = 0;
    for (float x : v) {
        if (!std::isfinite(x)) return false;
        norm += x * x;
    }
    return norm > 0;
}

std::unique_ptr<index::VectorIndex> empty_index(const index::VectorIndexOptions& options,
                                                const store::EmbeddingModel& model) {
    return std::make_unique<index::VectorIndex>(model.dimensions, model.identity, options);
}

}  // namespace

Result<std::shared_ptr<embed::Embedder>> open_search_model(store::Store& store,
                                                           const std::string& spec) {
    std::string chosen = spec;
    if (chosen.empty()) {
        auto model = store.default_model();
        if (!model.ok()) return model.error();
        if (!*model) return std::shared_ptr<embed::Embedder>();
        chosen = (*model)->spec;
    }
    auto opened = embed::open_embedder(chosen);
    if (!opened.ok()) {
        return Error(opened.error().code(),
                     "cannot open the model " + chosen + ": " + opened.error().message());
    }
    return std::shared_ptr<embed::Embedder>(std::move(*opened));
}

VectorSearch::VectorSearch(store::Store& store, std::shared_ptr<embed::Embedder> embedder,
                           store::EmbeddingModel model, VectorSearchOptions options)
    : store_(store),
      embedder_(std::move(embedder)),
      model_(std::move(model)),
      options_(std::move(options)),
      index_(empty_index(options_.index, model_)) {}

Status VectorSearch::build() {
    index_ = empty_index(options_.index, model_);
    std::vector<PaperId> ids;
    std::vector<float> rows;
    uint64_t done = 0;
    Status inner = Status::ok_status();
    const auto flush = [&]() -> bool {
        if (ids.empty()) return true;
        Status added = index_->upsert(ids, rows);
        if (!added.ok()) {
            inner = added;
            return false;
        }
        done += ids.size();
        ids.clear();
        rows.clear();
        if (options_.progress) options_.progress(done);
        return true;
    };
    Status scanned = store_.for_each_vector(model_.id, [&](const store::VectorRow& row) {
        if (!usable(row.vector)) return true;
        ids.push_back(row.id);
        rows.insert(rows.end(), row.vector.begin(), row.vector.end());
        return ids.size() < kBuildBatch || flush();
    });
    if (!scanned.ok()) return scanned;
    if (!inner.ok()) return inner;
    flush();
    return inner;
}

Status VectorSearch::load(const std::string& path, const std::string& label) {
    auto fresh = empty_index(options_.index, model_);
    auto loaded = fresh->load(path);
    if (!loaded.ok()) return loaded.error();
    if (*loaded != label) {
        return Error(ErrorCode::kInvalidArgument,
                     "vector snapshot " + path + " is of another moment than the index");
    }
    index_ = std::move(fresh);
    return Status::ok_status();
}

Status VectorSearch::save(const std::string& path, const std::string& label) const {
    return index_->save(path, label);
}

Status VectorSearch::apply(const std::vector<PaperId>& papers) {
    for (size_t start = 0; start < papers.size(); start += kApplyBatch) {
        const size_t end = std::min(papers.size(), start + kApplyBatch);
        std::vector<PaperId> batch(papers.begin() + static_cast<std::ptrdiff_t>(start),
                                   papers.begin() + static_cast<std::ptrdiff_t>(end));
        auto vectors = store_.get_vectors(model_.id, batch);
        if (!vectors.ok()) return vectors.error();
        std::vector<PaperId> put;
        std::vector<float> rows;
        std::vector<PaperId> gone;
        for (size_t i = 0; i < batch.size(); ++i) {
            const auto& v = (*vectors)[i];
            if (!v || v->size() != static_cast<size_t>(model_.dimensions) || !usable(*v)) {
                gone.push_back(batch[i]);
                continue;
            }
            put.push_back(batch[i]);
            rows.insert(rows.end(), v->begin(), v->end());
        }
        if (!gone.empty()) index_->remove(gone);
        if (!put.empty()) PAPERBOY_RETURN_IF_ERROR(index_->upsert(put, rows));
    }
    return Status::ok_status();
}

void VectorSearch::remove(const std::vector<PaperId>& papers) { index_->remove(papers); }

Result<std::vector<float>> VectorSearch::embed_query(const std::string& text) {
    {
        std::lock_guard lock(cache_mutex_);
        if (auto it = cache_.find(text); it != cache_.end()) {
            cache_order_.splice(cache_order_.begin(), cache_order_, it->second);
            return it->second->second;
        }
    }
    const std::string texts[1] = {text};
    auto embedded = embedder_->embed(texts, embed::Purpose::kQuery);
    if (!embedded.ok()) return embedded.error();
    std::vector<float> vector = std::move(*embedded);
    if (!usable(vector)) {
        return Error(ErrorCode::kInvalidArgument, "the model knows none of the query's words");
    }
    if (options_.query_cache > 0) {
        std::lock_guard lock(cache_mutex_);
        if (cache_.find(text) == cache_.end()) {
            cache_order_.emplace_front(text, vector);
            cache_[text] = cache_order_.begin();
            while (cache_.size() > options_.query_cache) {
                cache_.erase(cache_order_.back().first);
                cache_order_.pop_back();
            }
        }
    }
    return vector;
}

Result<index::VectorSearchResult> VectorSearch::nearest(std::span<const float> query, size_t k,
                                                        const std::vector<PaperId>* allowed) const {
    if (allowed == nullptr) return index_->search(query, k);
    if (allowed->size() <= kMaxListedFilter) {
        const index::VectorFilter filter = index::VectorFilter::only(*allowed);
        return index_->search(query, k, &filter);
    }
    std::unordered_set<std::string_view> set;
    set.reserve(allowed->size());
    for (const PaperId& id : *allowed) set.insert(id.str());
    const index::VectorFilter filter =
        index::VectorFilter::where([&set](const PaperId& id) { return set.count(id.str()) > 0; });
    return index_->search(query, k, &filter);
}

std::optional<std::vector<float>> VectorSearch::vector_of(const PaperId& id) const {
    return index_->vector(id);
}

}  // namespace paperboy::app
