// embed/bert_model.h — a sentence-transformers BERT encoder, run in C++ on OpenBLAS.
//
// BertModel opens a folder as sentence-transformers saves it (MiniLM, bge, e5, gte):
//   config.json                      the encoder's shape (hidden size, layers, heads, GELU kind)
//   model.safetensors                its weights, F32/F16/BF16, names with or without "bert."
//   tokenizer.json or vocab.txt      the WordPiece tokenizer (embed/wordpiece.h)
//   modules.json, 1_Pooling/         mean, CLS or max pooling; a Normalize module (ignored:
//                                    every vector is L2-normalised anyway, see embedder.h)
//   sentence_bert_config.json        max_seq_length
//   config_sentence_transformers.json  "prompts" (e5's "query: "), optional
// (older folders keep the encoder's files in the Transformer module's path, "0_Transformer/";
// modules.json says where). A module that changes the vectors further (Dense) is refused.
// and embeds texts with the post-LayerNorm BERT encoder: embeddings + LayerNorm, then per layer
// self-attention and a GELU feed-forward block, each with a residual and a LayerNorm; pooling;
// L2 normalisation. Every matrix product is a cblas_sgemm.
//
// BertEncoder is the arithmetic alone (token ids in, pooled unit vectors out), so that it can be
// tested on small hand-made weights; the functions in namespace bert are its pieces.
//
// Texts of a batch are packed one after another, not padded to the longest: the per-token
// products (projections, feed-forward) run over all the batch's tokens at once, and attention
// runs per text over its own tokens, so no padding position is ever computed or masked.
//
// Identity: "bert:<folder name>:<stable_hash64 of model.safetensors, 16 hex digits>".
//
// Threading: embed() runs whole batches on up to EmbedderOptions::threads worker threads, each
// calling OpenBLAS single-threaded; it sets openblas_set_num_threads(1), which is process-wide
// (only embed/ calls OpenBLAS). On 2 cores this beat one batch at a time with OpenBLAS
// threading each product: the softmax, GELU and LayerNorm between the products then run in
// parallel too (bench/embed_bert_bench.cpp). A worker's activations take 6 · tokens · hidden
// floats (plus 512 · intermediate): about 160 MB for a batch of 32 texts of 256 tokens at
// BERT-base size; batch_size bounds it.
//
// Thread-safety: BertEncoder and BertModel are immutable after loading; encode() and embed()
// may be called from several threads at once.
// Depends on core/, embed/safetensors.h, embed/wordpiece.h, OpenBLAS (in the .cpp only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "embed/embedder.h"

namespace paperboy::embed {

class WordPiece;

enum class BertActivation {
    kGeluErf,   // "gelu": x·Φ(x) with the exact erf
    kGeluTanh,  // "gelu_new", "gelu_pytorch_tanh": the tanh approximation
};

enum class BertPooling { kMean, kCls, kMax };

// The encoder's shape: config.json's fields of the same meaning.
struct BertConfig {
    int vocab_size = 0;
    int hidden_size = 0;
    int num_layers = 0;
    int num_heads = 0;
    int intermediate_size = 0;
    int max_position_embeddings = 0;
    int type_vocab_size = 0;
    float layer_norm_eps = 1e-12f;
    BertActivation activation = BertActivation::kGeluErf;
};

// One encoder layer. Linear weights are row-major [out, in] as PyTorch stores them; the query,
// key and value projections are stacked into one [3·hidden, hidden] matrix (Q rows, then K,
// then V) so that a single product computes all three.
struct BertLayerWeights {
    std::vector<float> qkv_weight, qkv_bias;                    // [3H, H], [3H]
    std::vector<float> attn_out_weight, attn_out_bias;          // [H, H], [H]
    std::vector<float> attn_norm_gamma, attn_norm_beta;         // [H], [H]
    std::vector<float> intermediate_weight, intermediate_bias;  // [I, H], [I]
    std::vector<float> output_weight, output_bias;              // [H, I], [H]
    std::vector<float> output_norm_gamma, output_norm_beta;     // [H], [H]
};

struct BertWeights {
    std::vector<float> word_embeddings;        // [vocab, H]
    std::vector<float> position_embeddings;    // [max positions, H]
    std::vector<float> token_type_embeddings;  // [types, H]; row 0 is used (single segment)
    std::vector<float> embedding_norm_gamma, embedding_norm_beta;  // [H], [H]
    std::vector<BertLayerWeights> layers;
};

// The encoder's arithmetic. Immutable; encode() is safe to call from several threads.
class BertEncoder {
  public:
    // Checks that every weight has the size `config` implies. Errors: kInvalidArgument, naming
    // the weight.
    static Result<BertEncoder> create(const BertConfig& config, BertWeights weights,
                                      BertPooling pooling);

    const BertConfig& config() const { return config_; }
    BertPooling pooling() const { return pooling_; }
    int dimensions() const { return config_.hidden_size; }

    // Encodes each id sequence (already holding [CLS] … [SEP], at most max_position_embeddings
    // long, not empty) as one batch and writes sequences.size() pooled, L2-normalised rows of
    // dimensions() floats to `out`. Calls OpenBLAS on the calling thread. Errors:
    // kInvalidArgument (an empty or too long sequence, an id outside the vocabulary).
    Status encode(std::span<const std::vector<int32_t>> sequences, float* out) const;

  private:
    BertEncoder(const BertConfig& config, BertWeights weights, BertPooling pooling)
        : config_(config), weights_(std::move(weights)), pooling_(pooling) {}

    BertConfig config_;
    BertWeights weights_;
    BertPooling pooling_;
};

// A BERT folder behind the Embedder interface.
class BertModel : public Embedder {
  public:
    // Opens the folder `dir`. Errors: kNotFound (a required file is missing), kParse (a
    // config file is malformed), kInvalidArgument / kCorruption (a tensor is missing or has
    // the wrong shape or type); messages name the file and the tensor.
    static Result<std::unique_ptr<BertModel>> open(const std::string& dir,
                                                   const EmbedderOptions& options = {});

    ~BertModel() override;

    const ModelInfo& info() const override { return info_; }
    const BertEncoder& encoder() const { return encoder_; }

    // Tokenizes `texts` (with the purpose's prefix), encodes them in batches of
    // options.batch_size (default 32) on options.threads workers (0: the machine's cores).
    // A text with no known token (empty, only spaces, only [UNK]) gives a zero row, although
    // sentence-transformers would encode "[CLS] [SEP]" or "[CLS] [UNK] [SEP]": embedder.h's
    // contract, the same for every kind of model.
    Result<std::vector<float>> embed(std::span<const std::string> texts, Purpose purpose) override;

    // The ids embed() encodes for `text` (prefix included by the caller), truncated to
    // info().max_tokens.
    std::vector<int32_t> tokenize(std::string_view text) const;

  private:
    BertModel(ModelInfo info, BertEncoder encoder, std::unique_ptr<WordPiece> tokenizer,
              int threads, int batch_size);

    ModelInfo info_;
    BertEncoder encoder_;
    std::unique_ptr<WordPiece> tokenizer_;
    int threads_;
    int batch_size_;
};

// The encoder's pieces, exposed for tests. All work in place on row-major float arrays.
namespace bert {

// Normalises each of `rows` rows of `dim` values to zero mean and unit variance (biased, as
// PyTorch), then scales by gamma and shifts by beta.
void layer_norm(float* x, size_t rows, size_t dim, const float* gamma, const float* beta,
                float eps);

// Applies GELU to n values.
void gelu(float* x, size_t n, BertActivation activation);

// Softmax of each of `rows` rows of `cols` values (max-subtracted, so large scores are safe).
void softmax_rows(float* x, size_t rows, size_t cols);

// Pools `tokens` rows of `dim` hidden values into `out` (dim floats): their mean, the first
// row (CLS), or the elementwise maximum.
void pool(const float* hidden, size_t tokens, size_t dim, BertPooling pooling, float* out);

// Scales v to unit L2 norm; a zero vector stays zero.
void l2_normalize(float* v, size_t dim);

}  // namespace bert

}  // namespace paperboy::embed
