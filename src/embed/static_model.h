// embed/static_model.h — a Model2Vec static embedder: token rows, averaged.
//
// The folder is what model2vec's save_pretrained writes (the Hugging Face layout):
//   model.safetensors  "embeddings": vocab x dims in F32, F16, BF16 or I8 (int8 has one global
//                      scale, which the final normalisation cancels, so none is stored);
//                      optional "weights" (one factor per token id) and "mapping" (token id ->
//                      row, for vocabulary-quantized models), applied as model2vec 0.6 does
//   tokenizer.json     a BERT WordPiece tokenizer (embed/wordpiece.h)
//   config.json        "normalize" (optional)
//   modules.json, 1_Normalize/   the sentence-transformers view of the same; not needed
// A text's vector, as model2vec's StaticModel.encode(texts) computes it with its default
// max_length of 512:
//   1. the text is cut to max_tokens x the vocabulary's median token length characters;
//   2. WordPiece ids without [CLS]/[SEP]; [UNK] ids dropped; the first max_tokens kept;
//   3. the mean of their rows (times their weights); no tokens gives the zero vector;
//   4. L2 normalisation. model2vec does this only when config.json says "normalize"; here it is
//      always done, because every Embedder returns unit vectors (embedder.h) and a scale
//      changes no cosine.
// Rows are converted once at load (int8 rows are kept as they are), so embedding is a hash lookup
// and a 128-wide add per token: tens of thousands of abstracts a second on one core.
//
// Immutable after open(); embed() may be called from several threads at once (each thread
// keeps its own scratch buffers). Depends on core/, embed/safetensors.h, embed/wordpiece.h.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "embed/embedder.h"
#include "embed/wordpiece.h"

namespace paperboy::embed {

class StaticModel final : public Embedder {
  public:
    // model2vec's default: encode(max_length=512). An abstract is 150-400 tokens, so this cuts
    // only unusually long inputs.
    static constexpr int kDefaultMaxTokens = 512;
    static constexpr int kMaxDimensions = 8192;
    static constexpr uint64_t kMaxWeightsBytes = 4ull << 30;

    // Loads `dir`. max_tokens <= 0 means kDefaultMaxTokens. Errors: kNotFound (a file is
    // missing), kIo, kParse, kInvalidArgument (not a Model2Vec folder, mismatched shapes),
    // kLimitExceeded, each naming the file.
    static Result<std::unique_ptr<StaticModel>> open(const std::string& dir,
                                                     int max_tokens = kDefaultMaxTokens);

    const ModelInfo& info() const override { return info_; }

    // Never fails; `purpose` is ignored (Model2Vec has no query or document prefixes).
    Result<std::vector<float>> embed(std::span<const std::string> texts, Purpose purpose) override;

    // One text into `out` (info().dimensions floats).
    void embed_one(std::string_view text, std::span<float> out) const;

    // The token ids that step 3 averages (after steps 1-2).
    std::vector<int32_t> token_ids(std::string_view text) const;

    const WordPiece& tokenizer() const { return tokenizer_; }

  private:
    explicit StaticModel(WordPiece tokenizer) : tokenizer_(std::move(tokenizer)) {}
    size_t cut_length(std::string_view text) const;  // bytes kept by step 1
    void ids_into(std::string_view text, std::vector<int32_t>& ids, WordPieceScratch& s) const;

    WordPiece tokenizer_;
    ModelInfo info_;
    size_t dims_ = 0;
    size_t max_tokens_ = kDefaultMaxTokens;
    size_t max_chars_ = 0;  // step 1: max_tokens x median token length
    // One row per token id (mapping and weights applied), x dims: as float, or for a plain
    // int8 model as the int8 values themselves (summed exactly in int32; 4x less memory to
    // walk, and the global scale cancels in the normalisation).
    std::vector<float> rows_;
    std::vector<int8_t> rows_i8_;
    size_t row_count_ = 0;
};

}  // namespace paperboy::embed
