// store/vectors.h — paper vectors: the embeddings of papers' titles and abstracts, per model.
//
// A database holds vectors of any number of embedding models, each registered once by its
// identity (embed::ModelInfo::identity: kind, name and a digest of the weights), and remembers
// one of them as its default, the model `paperboy serve` and `paperboy embed` use when not told
// otherwise. A paper has at most one vector per model, stored with two hashes:
//   text_hash   stable_hash64 of the text that was embedded (embed::paper_text(title,
//               abstract)), computed by the caller (app/embedding_job.h): the store never
//               embeds nor knows how the text is made;
//   paper_hash  the paper's content hash (store/paper_codec.h) when that text was read: a
//               paper whose content hash moved since (any edit) is a candidate again, and the
//               caller either re-embeds it (its text changed) or keeps the vector (keep_vectors:
//               only another field changed). So finding the papers to embed is a join on two
//               hashes in the database, never a read of every abstract.
// Vectors are float32, little-endian, of the model's dimensions (docs/embeddings.md).
//
// Hidden papers: their vectors stay stored but are ignored (not listed, counted or returned)
// until the paper is shown again, when the vector counts again without re-embedding.
//
// The change feed: put_vectors() appends a Change::Entity::kVector per paper whose vector it
// added or changed, keyed by the paper id (not the model: a follower reads the vector of the
// model it serves), in the same transaction, so that other nodes' vector indexes learn of them.
//
// Every Store implements it (class Store derives from Vectors), over the tables of schema step
// 10 (docs/embeddings.md, "Storage"). Thread-safe like the Store. Depends on core/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper_id.h"
#include "core/result.h"

namespace paperboy::store {

struct EmbeddingModel {
    int64_t id = 0;
    std::string identity;  // embed::ModelInfo::identity
    std::string spec;      // how it was last opened: a folder or URL (embed::open_embedder)
    int dimensions = 0;
    std::string created_at;  // when it was registered (core/timestamp.h)

    friend bool operator==(const EmbeddingModel&, const EmbeddingModel&) = default;
};

// A vector to store, and what it was made from.
struct PaperVector {
    PaperId id = PaperId::local_from_title("");
    uint64_t text_hash = 0;   // of the embedded text
    uint64_t paper_hash = 0;  // PaperToEmbed::paper_hash of the paper the text was read from
    std::vector<float> vector;
};

// A visible paper, its text and the state of its vector for one model.
struct PaperToEmbed {
    PaperId id = PaperId::local_from_title("");
    std::string title;
    std::string abstract;
    uint64_t paper_hash = 0;            // the paper's content hash now: give it back in PaperVector
    std::optional<uint64_t> text_hash;  // the stored vector's; nullopt when there is none
    // The stored vector was made (or kept) for the paper as it is now (paper_hash matches).
    bool current = false;
};

// A stored vector, as for_each_vector() hands it out. The span is valid during the call only.
struct VectorRow {
    const PaperId& id;
    uint64_t text_hash;
    std::span<const float> vector;
};

struct VectorStats {
    int64_t vectors = 0;  // visible papers with a vector of the model
    int64_t current = 0;  // of them, made for the paper as it is now
    int64_t papers = 0;   // visible papers
};

class Vectors {
  public:
    virtual ~Vectors() = default;

    // Registers the model `identity`, or returns the registered one (updating its spec to
    // `spec`: the last way it was opened). kInvalidArgument for an empty identity, dimensions
    // below 1 or above 65536, or dimensions that differ from the registered model's.
    virtual Result<EmbeddingModel> register_model(std::string_view identity, std::string_view spec,
                                                  int dimensions) = 0;
    // Every registered model, by id.
    virtual Result<std::vector<EmbeddingModel>> models() = 0;
    // The database's model, set by set_default_model(); nullopt before.
    virtual Result<std::optional<EmbeddingModel>> default_model() = 0;
    // kNotFound for an unknown model id.
    virtual Status set_default_model(int64_t model_id) = 0;

    // Stores `vectors` (replacing a paper's vector of this model) in one transaction, and puts
    // every paper whose vector was new or differed on the change feed (a vector equal to the
    // stored one, with the same text_hash, only updates paper_hash). A paper may be hidden.
    // Errors (nothing stored): kNotFound for an unknown model; kInvalidArgument for a vector
    // whose size is not the model's dimensions or that holds a NaN or infinity, a paper that
    // does not exist, or a paper twice in the batch.
    virtual Status put_vectors(int64_t model_id, const std::vector<PaperVector>& vectors) = 0;
    // Marks stored vectors as made for PaperVector::paper_hash: their paper changed but not the
    // text they embed (`vector` is not read). Only a stored vector with the same text_hash is
    // marked; others are left as they are. Nothing goes on the feed.
    virtual Status keep_vectors(int64_t model_id, const std::vector<PaperVector>& papers) = 0;

    // Up to `limit` visible papers, in id order after `after` (from the first when nullopt),
    // whose vector of the model is missing or not current. One index-ordered join: a pass that
    // calls it with the last id it got reads the papers once.
    virtual Result<std::vector<PaperToEmbed>> papers_to_embed(int64_t model_id,
                                                              const std::optional<PaperId>& after,
                                                              size_t limit) = 0;
    // The state of each of `ids` (nullopt for unknown or hidden papers), current or not, in
    // order: for a follower of the feed and for imports.
    virtual Result<std::vector<std::optional<PaperToEmbed>>> embed_state(
        int64_t model_id, const std::vector<PaperId>& ids) = 0;

    // Calls `fn` on the vector of every visible paper of the model, in paper id order, until it
    // returns false. Reads in pages without holding the store while `fn` runs.
    virtual Status for_each_vector(int64_t model_id,
                                   const std::function<bool(const VectorRow&)>& fn) = 0;
    // The vectors of `ids`, in order (nullopt for papers without one, hidden or unknown).
    virtual Result<std::vector<std::optional<std::vector<float>>>> get_vectors(
        int64_t model_id, const std::vector<PaperId>& ids) = 0;

    virtual Result<VectorStats> vector_stats(int64_t model_id) = 0;
};

// Shared by the backends: the bytes of a vector (float32, little-endian) and back.
std::string encode_vector(std::span<const float> vector);
// kCorruption when `bytes` is not `dimensions` floats.
Result<std::vector<float>> decode_vector(std::string_view bytes, int dimensions);
// The checks of put_vectors() before anything is written: sizes, finite values, no paper twice.
Status check_vectors(const std::vector<PaperVector>& vectors, int dimensions);
// The largest dimensions register_model() accepts.
inline constexpr int kMaxDimensions = 65536;

}  // namespace paperboy::store
