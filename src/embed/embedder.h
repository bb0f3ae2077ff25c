// embed/embedder.h — turning text into vectors: one interface, three kinds of model.
//
//   static   a Model2Vec folder (embed/static_model.h): WordPiece tokens, looked-up rows,
//            mean, normalize. Tens of thousands of abstracts a second on one core.
//   bert     a sentence-transformers BERT folder (embed/bert_model.h): the encoder in C++
//            on OpenBLAS (MiniLM, bge, e5, gte checkpoints).
//   openai   any OpenAI-compatible /v1/embeddings server (embed/openai_client.h).
// open_embedder() picks one from a folder or a URL. Every vector an Embedder returns has
// info().dimensions floats and unit L2 norm, so that a dot product is the cosine.
//
// Thread-safety: embed() may be called from several threads at once.
// Depends on core/.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace paperboy::embed {

// Queries and documents may be embedded differently (e5's "query: " / "passage: " prefixes,
// bge's query instruction); models without such conventions ignore it.
enum class Purpose { kDocument, kQuery };

struct ModelInfo {
    std::string kind;  // "static", "bert" or "openai"
    std::string name;  // what the user named: the folder's model name, or the server's model
    // Stable identity of the vectors this model produces: kind, name and a digest of the
    // weights (or of the URL and model name for a server). Vectors stored under one identity
    // are reused by every node; a different identity re-embeds.
    std::string identity;
    int dimensions = 0;
    int max_tokens = 0;           // input is cut to this many tokens (0: the server decides)
    std::string query_prefix;     // prepended to queries (Purpose::kQuery)
    std::string document_prefix;  // prepended to documents (Purpose::kDocument)
};

class Embedder {
  public:
    virtual ~Embedder() = default;

    virtual const ModelInfo& info() const = 0;

    // Embeds `texts`: texts.size() rows of info().dimensions floats, row-major, each of unit
    // norm (an empty or all-unknown text gives a zero row). Errors: kUnavailable (a server is
    // unreachable after retries), kInvalidArgument, kInternal.
    virtual Result<std::vector<float>> embed(std::span<const std::string> texts,
                                             Purpose purpose) = 0;
};

struct EmbedderOptions {
    int threads = 0;         // bert: worker threads (0: the machine's cores)
    int batch_size = 0;      // texts per encoder batch or HTTP request (0: the model's default)
    std::string api_key;     // openai: sent as a Bearer token (else $PAPERBOY_EMBED_API_KEY)
    int timeout_ms = 30000;  // openai: per request
    int retries = 4;         // openai: on 429, 5xx and transport errors, with backoff
};

// Opens `spec`: a model folder (static or bert, told apart by its files; see
// describe_model_folder) or an http(s) URL of an OpenAI-compatible server, written
// "URL#MODEL" when the server needs a model name (http://127.0.0.1:8080/v1#nomic-embed-text).
Result<std::unique_ptr<Embedder>> open_embedder(std::string_view spec,
                                                const EmbedderOptions& options = {});

// The text of a paper that is embedded: its title and abstract.
std::string paper_text(std::string_view title, std::string_view abstract);

}  // namespace paperboy::embed
