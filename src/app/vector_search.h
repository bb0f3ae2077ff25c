// app/vector_search.h — the semantic half of search: one model's paper vectors in a
// VectorIndex, kept in step with the store, and the model that embeds the queries.
//
// SearchService owns one when the database has vectors of the model it was given: it builds it
// from the store (Vectors::for_each_vector) or loads its snapshot (the lexical snapshot's path
// + ".vectors", written with the same change-feed position, so the two are always of one
// moment), and hands it the papers of each synced batch of the change feed: a kVector change
// re-reads the paper's vector, a hidden or deleted paper leaves the index.
//
// Thread-safety: nearest(), similarities(), vector_of() and embed_query() from any number of
// threads; build(), load(), apply() and save() from the thread that syncs.
// Depends on embed/, index/ and store/.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "embed/embedder.h"
#include "index/vector_index.h"
#include "store/store.h"

namespace paperboy::app {

struct VectorSearchOptions {
    index::VectorIndexOptions index;
    size_t query_cache = 1024;  // query embeddings kept (least recently used go first)
    std::function<void(uint64_t vectors)> progress;  // while building from the store
};

// The model search embeds queries with: `spec` (a folder or URL, embed::open_embedder) when
// given, else the database's default model (store::Vectors::default_model); null when neither.
Result<std::shared_ptr<embed::Embedder>> open_search_model(store::Store& store,
                                                           const std::string& spec);

class VectorSearch {
  public:
    // `embedder` embeds the queries; `model` is the store's record of it (same identity).
    VectorSearch(store::Store& store, std::shared_ptr<embed::Embedder> embedder,
                 store::EmbeddingModel model, VectorSearchOptions options);

    // Fills the index with every stored vector of the model.
    Status build();
    // Loads the snapshot at `path` written for `label`; an error (the caller rebuilds) when it
    // is missing, damaged, of another model or of another moment.
    Status load(const std::string& path, const std::string& label);
    Status save(const std::string& path, const std::string& label) const;

    // Brings the index up to date for `papers` (each once): their vectors are read from the
    // store; a paper without one (hidden, deleted, not embedded) leaves the index.
    Status apply(const std::vector<PaperId>& papers);
    // Papers removed from the catalogue.
    void remove(const std::vector<PaperId>& papers);

    // The query's vector (cached). kUnavailable etc. from the model.
    Result<std::vector<float>> embed_query(const std::string& text);
    // The `k` nearest papers to `query`, among `allowed` when given.
    Result<index::VectorSearchResult> nearest(std::span<const float> query, size_t k,
                                              const std::vector<PaperId>* allowed) const;
    // The cosine of each paper's vector and `query`, in order; nullopt for a paper without one.
    std::vector<std::optional<float>> similarities(std::span<const PaperId> ids,
                                                   std::span<const float> query) const {
        return index_->similarities(ids, query);
    }
    std::optional<std::vector<float>> vector_of(const PaperId& id) const;

    size_t size() const { return index_->size(); }
    uint64_t memory_bytes() const { return index_->memory_bytes(); }
    const store::EmbeddingModel& model() const { return model_; }
    const embed::ModelInfo& model_info() const { return embedder_->info(); }

  private:
    store::Store& store_;
    std::shared_ptr<embed::Embedder> embedder_;
    store::EmbeddingModel model_;
    VectorSearchOptions options_;
    std::unique_ptr<index::VectorIndex> index_;

    std::mutex cache_mutex_;
    std::list<std::pair<std::string, std::vector<float>>> cache_order_;  // most recent first
    std::unordered_map<std::string, decltype(cache_order_)::iterator> cache_;
};

}  // namespace paperboy::app
