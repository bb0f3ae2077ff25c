// embed/openai_client.h — an Embedder that asks an OpenAI-compatible server for vectors:
// POST {"model", "input": [texts], "encoding_format": "float"} to .../v1/embeddings and read
// {"data": [{"index", "embedding": [floats]}]}. Works with llama.cpp's llama-server, Ollama,
// Hugging Face text-embeddings-inference, vLLM and OpenAI itself (docs/models.md).
//
// The spec is "URL" or "URL#MODEL". The URL's path says where the endpoint is:
//   ends in /embeddings   used as it is            http://h:8080/v1/embeddings
//   ends in /v1           + /embeddings            http://h:8080/v1 -> .../v1/embeddings
//   anything else         + /v1/embeddings         http://h:11434   -> .../v1/embeddings
// (a trailing slash is ignored; a query string is kept). Without #MODEL no "model" field is
// sent and the name the server reports is used.
//
// Texts go in batches (EmbedderOptions.batch_size, 64 by default); a request that fails with
// 429, a 5xx or a transport error (refused, reset, timed out) is retried up to
// EmbedderOptions.retries times with exponential backoff and jitter, never sooner than the
// server's Retry-After. When the server refuses a batch as too large (413, or TEI's "batch
// size N > maximum allowed batch size M"), the batch is made smaller and sent again.
// Vectors are checked to have the dimension the first answer had and re-normalised to unit
// length; empty texts are not sent and give zero rows.
//
// Thread-safety: embed() may be called from several threads at once (each request uses its
// own curl handle, taken from a small pool so connections are reused).
// Depends on core/, libcurl and simdjson; only this module's .cpp files include them.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "embed/embedder.h"

namespace paperboy::embed {

// Where a spec points: the resolved endpoint and the model to ask for.
struct OpenAIEndpoint {
    std::string url;      // the full embeddings URL, e.g. http://127.0.0.1:8080/v1/embeddings
    std::string model;    // from "#MODEL"; may be empty
    std::string address;  // host:port/path, lower-case host, default port made explicit
};

// Parses "URL" or "URL#MODEL" (see the header comment). Errors: kInvalidArgument naming what is
// wrong (not http or https, no host, a model name with control characters).
Result<OpenAIEndpoint> parse_openai_spec(std::string_view spec);

// Knobs that tests and callers rarely change; EmbedderOptions holds the common ones.
struct OpenAIClientOptions {
    int backoff_ms = 500;        // first retry delay; doubles each time, with jitter
    int max_backoff_ms = 30000;  // cap on one delay (a Retry-After above it is still honoured
                                 // up to max_retry_after_ms)
    int max_retry_after_ms = 120000;
    int connect_timeout_ms = 10000;
    size_t max_response_bytes = size_t{64} << 20;
    size_t max_text_bytes = size_t{64} << 10;  // longer texts are cut (at a UTF-8 boundary)
    std::string user_agent = "Paperboy/0.1.0 (+https://github.com/paperboy/paperboy)";
};

class OpenAIClient : public Embedder {
  public:
    // Opens `spec` and probes the server with a one-text request, so that info().dimensions
    // is known. Errors: kInvalidArgument (bad spec; a 4xx answer such as an unknown model or a
    // bad API key, with the server's message), kUnavailable (unreachable, 429 or 5xx after the
    // retries), kParse (the answer is not the expected JSON).
    static Result<std::unique_ptr<OpenAIClient>> open(std::string_view spec,
                                                      const EmbedderOptions& options = {},
                                                      const OpenAIClientOptions& client = {});

    ~OpenAIClient() override;
    OpenAIClient(const OpenAIClient&) = delete;
    OpenAIClient& operator=(const OpenAIClient&) = delete;

    const ModelInfo& info() const override { return info_; }

    // See Embedder::embed(). Errors as for open(), and kInvalidArgument when the server answers
    // a vector whose dimension differs from the first one's (the model behind it changed).
    Result<std::vector<float>> embed(std::span<const std::string> texts, Purpose purpose) override;

    const OpenAIEndpoint& endpoint() const { return endpoint_; }
    // HTTP requests sent so far (retries included); for tests and statistics.
    int64_t requests_sent() const;

  private:
    struct Pool;
    struct Reply;

    OpenAIClient(OpenAIEndpoint endpoint, const EmbedderOptions& options,
                 const OpenAIClientOptions& client);

    // Embeds texts[begin, end) (none empty) into `out` (rows of dims floats); `dims` is
    // learned from the first answer when it is 0. Shrinks `batch` when the server asks.
    Status embed_range(std::span<const std::string> texts, std::vector<float>& out, int& batch);
    // One POST of `texts` with retries; fills `vectors` with texts.size() rows.
    Status request(std::span<const std::string> texts, std::vector<std::vector<float>>& vectors,
                   std::string& server_model, int& suggested_batch);

    OpenAIEndpoint endpoint_;
    EmbedderOptions options_;
    OpenAIClientOptions client_;
    std::string api_key_;
    ModelInfo info_;
    std::unique_ptr<Pool> pool_;
};

// The branch of open_embedder() for http(s) specs.
Result<std::unique_ptr<Embedder>> open_openai_embedder(std::string_view spec,
                                                       const EmbedderOptions& options);

}  // namespace paperboy::embed
