#include "embed/bert_model.h"

#include <cblas.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/hash.h"
#include "embed/safetensors.h"
#include "embed/wordpiece.h"

namespace paperboy::embed {

// ---------------------------------------------------------------------------------------------
// The pieces.

namespace {

// exp, erf and tanh, four floats at a time. glibc's erff and expf are scalar calls (the
// build targets baseline x86-64, without -ffast-math), and they took as long as a tenth of
// the encoder's matrix products; these are GCC/Clang vector extensions, so SSE2 everywhere,
// and within 1e-7 of the exact values (relative for exp, absolute for erf).
using V4 = float __attribute__((vector_size(16)));
using V4i = int32_t __attribute__((vector_size(16)));

V4 load4(const float* p) {
    V4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store4(float* p, V4 v) { std::memcpy(p, &v, sizeof v); }

// e^x: x = n·ln2 + r with |r| ≤ ln2/2, Cephes' expf polynomial for e^r, 2^n from the
// exponent bits. Below −87 the result is 0 (e^−87 is near the smallest normal float); x
// is clamped to 88 above.
V4 exp4(V4 in) {
    V4 x = in < -87.0f ? V4{} - 87.0f : in;
    x = x > 88.0f ? V4{} + 88.0f : x;
    constexpr float kRound = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer
    const V4 n = (x * 1.44269504088896341f + kRound) - kRound;
    const V4 r = x - n * 0.693359375f + n * 2.12194440e-4f;  // ln2 in two parts
    V4 p = V4{} + 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const V4i bits = (__builtin_convertvector(n, V4i) + 127) << 23;
    const V4 e = p * std::bit_cast<V4>(bits);
    return in < -87.0f ? V4{} : e;
}

V4 abs4(V4 x) { return x < 0.0f ? -x : x; }

// x·Φ(x) = x/2·(1 + erf(x/√2)), erf by Abramowitz and Stegun 7.1.26 (error below 1.5e-7).
// 1 − erf(|z|) is computed directly, so that the negative side loses no digits.
V4 gelu_erf4(V4 v) {
    const V4 z = v * 0.70710678118654752f;
    const V4 a = abs4(z);
    const V4 t = 1.0f / (1.0f + 0.3275911f * a);
    V4 p = V4{} + 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    const V4 q = p * t * exp4(-a * a);  // 1 − erf(|z|)
    return 0.5f * v * (z < 0.0f ? q : 2.0f - q);
}

// x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))), tanh(u) = sign(u)·(1 − e)/(1 + e), e = e^−2|u|.
V4 gelu_tanh4(V4 v) {
    const V4 u = 0.79788456080286536f * (v + 0.044715f * v * v * v);
    const V4 e = exp4(-2.0f * abs4(u));
    const V4 t = (1.0f - e) / (1.0f + e);
    return 0.5f * v * (1.0f + (u < 0.0f ? -t : t));
}

// x[i] = f(x[i]) for n floats, four at a time; the last few through a padded copy.
template <typename F>
void map4(float* x, size_t n, F f) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) store4(x + i, f(load4(x + i)));
    if (i < n) {
        float tail[4] = {0, 0, 0, 0};
        std::memcpy(tail, x + i, (n - i) * sizeof(float));
        store4(tail, f(load4(tail)));
        std::memcpy(x + i, tail, (n - i) * sizeof(float));
    }
}

}  // namespace

namespace bert {

void layer_norm(float* x, size_t rows, size_t dim, const float* gamma, const float* beta,
                float eps) {
    for (size_t r = 0; r < rows; ++r) {
        float* row = x + r * dim;
        // Two passes in double: the mean first, then the variance about it, as PyTorch does
        // (the one-pass E[x²]−E[x]² loses digits when the mean is large).
        double sum = 0;
        for (size_t i = 0; i < dim; ++i) sum += row[i];
        const double mean = sum / static_cast<double>(dim);
        double sq = 0;
        for (size_t i = 0; i < dim; ++i) {
            const double d = row[i] - mean;
            sq += d * d;
        }
        const double var = sq / static_cast<double>(dim);
        const float inv = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
        const float m = static_cast<float>(mean);
        for (size_t i = 0; i < dim; ++i) row[i] = (row[i] - m) * inv * gamma[i] + beta[i];
    }
}

void gelu(float* x, size_t n, BertActivation activation) {
    if (activation == BertActivation::kGeluErf) {
        map4(x, n, gelu_erf4);
    } else {
        map4(x, n, gelu_tanh4);
    }
}

void softmax_rows(float* x, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; ++r) {
        float* row = x + r * cols;
        float max = -std::numeric_limits<float>::infinity();
        for (size_t i = 0; i < cols; ++i) max = std::max(max, row[i]);
        map4(row, cols, [max](V4 v) { return exp4(v - max); });
        float sum = 0;
        for (size_t i = 0; i < cols; ++i) sum += row[i];
        const float inv = 1.0f / sum;
        for (size_t i = 0; i < cols; ++i) row[i] *= inv;
    }
}

void pool(const float* hidden, size_t tokens, size_t dim, BertPooling pooling, float* out) {
    switch (pooling) {
        case BertPooling::kCls:
            std::copy(hidden, hidden + dim, out);
            return;
        case BertPooling::kMax:
            std::copy(hidden, hidden + dim, out);
            for (size_t t = 1; t < tokens; ++t) {
                const float* row = hidden + t * dim;
                for (size_t i = 0; i < dim; ++i) out[i] = std::max(out[i], row[i]);
            }
            return;
        case BertPooling::kMean:
            std::fill(out, out + dim, 0.0f);
            for (size_t t = 0; t < tokens; ++t) {
                const float* row = hidden + t * dim;
                for (size_t i = 0; i < dim; ++i) out[i] += row[i];
            }
            if (tokens > 0) {
                const float inv = 1.0f / static_cast<float>(tokens);
                for (size_t i = 0; i < dim; ++i) out[i] *= inv;
            }
            return;
    }
}

void l2_normalize(float* v, size_t dim) {
    double sq = 0;
    for (size_t i = 0; i < dim; ++i) sq += static_cast<double>(v[i]) * v[i];
    if (sq == 0) return;
    const float inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (size_t i = 0; i < dim; ++i) v[i] *= inv;
}

}  // namespace bert

// ---------------------------------------------------------------------------------------------
// The encoder.

namespace {

// Feed-forward rows per product: the [rows, intermediate] activations of a whole batch of
// BERT-base abstracts would take 100 MB; 512 rows take 6 MB and keep the products as fast.
constexpr size_t kFeedForwardRows = 512;

// out[m, n] = a[m, k] · w[n, k]ᵀ + beta · out: a linear layer with PyTorch's [out, in] weight.
void linear(const float* a, size_t m, size_t k, const float* w, size_t n, float beta, float* out) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(k), 1.0f, a, static_cast<int>(k), w, static_cast<int>(k), beta,
                out, static_cast<int>(n));
}

// Sets each of `rows` rows of out (n wide) to `bias`, or to bias + residual's row.
void fill_rows(float* out, size_t rows, size_t n, const float* bias, const float* residual) {
    for (size_t r = 0; r < rows; ++r) {
        float* row = out + r * n;
        if (residual == nullptr) {
            std::memcpy(row, bias, n * sizeof(float));
        } else {
            const float* res = residual + r * n;
            for (size_t i = 0; i < n; ++i) row[i] = res[i] + bias[i];
        }
    }
}

void add_bias(float* x, size_t rows, size_t n, const float* bias) {
    for (size_t r = 0; r < rows; ++r) {
        float* row = x + r * n;
        for (size_t i = 0; i < n; ++i) row[i] += bias[i];
    }
}

}  // namespace

Result<BertEncoder> BertEncoder::create(const BertConfig& c, BertWeights w, BertPooling pooling) {
    if (c.hidden_size <= 0 || c.num_layers <= 0 || c.num_heads <= 0 || c.intermediate_size <= 0 ||
        c.vocab_size <= 0 || c.max_position_embeddings <= 0 || c.type_vocab_size <= 0) {
        return Error(ErrorCode::kInvalidArgument, "BERT config has a size that is not positive");
    }
    if (c.hidden_size % c.num_heads != 0) {
        return Error(ErrorCode::kInvalidArgument, "hidden_size " + std::to_string(c.hidden_size) +
                                                      " is not a multiple of num_attention_heads " +
                                                      std::to_string(c.num_heads));
    }
    const auto H = static_cast<size_t>(c.hidden_size);
    const auto I = static_cast<size_t>(c.intermediate_size);
    if (w.layers.size() != static_cast<size_t>(c.num_layers)) {
        return Error(ErrorCode::kInvalidArgument,
                     "weights hold " + std::to_string(w.layers.size()) + " layers, expected " +
                         std::to_string(c.num_layers));
    }
    struct Expected {
        const std::vector<float>* values;
        size_t size;
        std::string name;
    };
    std::vector<Expected> expected = {
        {&w.word_embeddings, static_cast<size_t>(c.vocab_size) * H,
         "embeddings.word_embeddings.weight"},
        {&w.position_embeddings, static_cast<size_t>(c.max_position_embeddings) * H,
         "embeddings.position_embeddings.weight"},
        {&w.token_type_embeddings, static_cast<size_t>(c.type_vocab_size) * H,
         "embeddings.token_type_embeddings.weight"},
        {&w.embedding_norm_gamma, H, "embeddings.LayerNorm.weight"},
        {&w.embedding_norm_beta, H, "embeddings.LayerNorm.bias"}};
    for (size_t l = 0; l < w.layers.size(); ++l) {
        const BertLayerWeights& L = w.layers[l];
        const std::string p = "encoder.layer." + std::to_string(l) + ".";
        expected.insert(expected.end(),
                        {{&L.qkv_weight, 3 * H * H, p + "attention.self.{query,key,value}.weight"},
                         {&L.qkv_bias, 3 * H, p + "attention.self.{query,key,value}.bias"},
                         {&L.attn_out_weight, H * H, p + "attention.output.dense.weight"},
                         {&L.attn_out_bias, H, p + "attention.output.dense.bias"},
                         {&L.attn_norm_gamma, H, p + "attention.output.LayerNorm.weight"},
                         {&L.attn_norm_beta, H, p + "attention.output.LayerNorm.bias"},
                         {&L.intermediate_weight, I * H, p + "intermediate.dense.weight"},
                         {&L.intermediate_bias, I, p + "intermediate.dense.bias"},
                         {&L.output_weight, H * I, p + "output.dense.weight"},
                         {&L.output_bias, H, p + "output.dense.bias"},
                         {&L.output_norm_gamma, H, p + "output.LayerNorm.weight"},
                         {&L.output_norm_beta, H, p + "output.LayerNorm.bias"}});
    }
    for (const Expected& e : expected) {
        if (e.values->size() != e.size) {
            return Error(ErrorCode::kInvalidArgument,
                         "weight " + e.name + " has " + std::to_string(e.values->size()) +
                             " values, expected " + std::to_string(e.size));
        }
    }
    return BertEncoder(c, std::move(w), pooling);
}

Status BertEncoder::encode(std::span<const std::vector<int32_t>> sequences, float* out) const {
    const auto H = static_cast<size_t>(config_.hidden_size);
    const auto I = static_cast<size_t>(config_.intermediate_size);
    const auto heads = static_cast<size_t>(config_.num_heads);
    const size_t D = H / heads;
    const size_t H3 = 3 * H;

    // Where each text's tokens start in the packed [tokens, H] activations.
    std::vector<size_t> start(sequences.size() + 1, 0);
    size_t longest = 0;
    for (size_t s = 0; s < sequences.size(); ++s) {
        const size_t n = sequences[s].size();
        if (n == 0 || n > static_cast<size_t>(config_.max_position_embeddings)) {
            return Error(ErrorCode::kInvalidArgument,
                         "sequence " + std::to_string(s) + " has " + std::to_string(n) +
                             " tokens, expected 1 to " +
                             std::to_string(config_.max_position_embeddings));
        }
        start[s + 1] = start[s] + n;
        longest = std::max(longest, n);
    }
    const size_t T = start.back();
    if (T == 0) return Status::ok_status();
    // cblas takes int sizes: keep every matrix well inside them.
    if (T * std::max(H3, I) >= static_cast<size_t>(std::numeric_limits<int>::max())) {
        return Error(ErrorCode::kInvalidArgument,
                     "batch of " + std::to_string(T) + " tokens is too large");
    }

    std::vector<float> x(T * H), next(T * H), ctx(T * H), qkv(T * H3);
    std::vector<float> scores(longest * longest), mid(std::min(T, kFeedForwardRows) * I);

    // Embeddings: word + position + token type 0, then LayerNorm.
    const float* type0 = weights_.token_type_embeddings.data();
    for (size_t s = 0; s < sequences.size(); ++s) {
        const std::vector<int32_t>& ids = sequences[s];
        for (size_t p = 0; p < ids.size(); ++p) {
            if (ids[p] < 0 || ids[p] >= config_.vocab_size) {
                return Error(ErrorCode::kInvalidArgument,
                             "token id " + std::to_string(ids[p]) + " is outside the vocabulary (" +
                                 std::to_string(config_.vocab_size) + " ids)");
            }
            const float* word = weights_.word_embeddings.data() + static_cast<size_t>(ids[p]) * H;
            const float* pos = weights_.position_embeddings.data() + p * H;
            float* row = x.data() + (start[s] + p) * H;
            for (size_t i = 0; i < H; ++i) row[i] = word[i] + pos[i] + type0[i];
        }
    }
    bert::layer_norm(x.data(), T, H, weights_.embedding_norm_gamma.data(),
                     weights_.embedding_norm_beta.data(), config_.layer_norm_eps);

    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    for (const BertLayerWeights& L : weights_.layers) {
        // Q, K and V of every token in one product: qkv = bias + x · Wqkvᵀ.
        fill_rows(qkv.data(), T, H3, L.qkv_bias.data(), nullptr);
        linear(x.data(), T, H, L.qkv_weight.data(), H3, 1.0f, qkv.data());

        // Attention, per text and head, over that text's own tokens only.
        for (size_t s = 0; s < sequences.size(); ++s) {
            const size_t n = start[s + 1] - start[s];
            const auto ni = static_cast<int>(n);
            for (size_t h = 0; h < heads; ++h) {
                const float* q = qkv.data() + start[s] * H3 + h * D;
                const float* k = q + H;
                const float* v = q + 2 * H;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, ni, static_cast<int>(D),
                            scale, q, static_cast<int>(H3), k, static_cast<int>(H3), 0.0f,
                            scores.data(), ni);
                bert::softmax_rows(scores.data(), n, n);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, static_cast<int>(D), ni,
                            1.0f, scores.data(), ni, v, static_cast<int>(H3), 0.0f,
                            ctx.data() + start[s] * H + h * D, static_cast<int>(H));
            }
        }

        // Output projection + residual, LayerNorm.
        fill_rows(next.data(), T, H, L.attn_out_bias.data(), x.data());
        linear(ctx.data(), T, H, L.attn_out_weight.data(), H, 1.0f, next.data());
        bert::layer_norm(next.data(), T, H, L.attn_norm_gamma.data(), L.attn_norm_beta.data(),
                         config_.layer_norm_eps);
        std::swap(x, next);

        // Feed-forward + residual, LayerNorm, a slice of rows at a time.
        for (size_t r0 = 0; r0 < T; r0 += kFeedForwardRows) {
            const size_t m = std::min(kFeedForwardRows, T - r0);
            const float* in = x.data() + r0 * H;
            linear(in, m, H, L.intermediate_weight.data(), I, 0.0f, mid.data());
            add_bias(mid.data(), m, I, L.intermediate_bias.data());
            bert::gelu(mid.data(), m * I, config_.activation);
            float* o = next.data() + r0 * H;
            fill_rows(o, m, H, L.output_bias.data(), in);
            linear(mid.data(), m, I, L.output_weight.data(), H, 1.0f, o);
            bert::layer_norm(o, m, H, L.output_norm_gamma.data(), L.output_norm_beta.data(),
                             config_.layer_norm_eps);
        }
        std::swap(x, next);
    }

    for (size_t s = 0; s < sequences.size(); ++s) {
        float* row = out + s * H;
        bert::pool(x.data() + start[s] * H, start[s + 1] - start[s], H, pooling_, row);
        bert::l2_normalize(row, H);
    }
    return Status::ok_status();
}

// ---------------------------------------------------------------------------------------------
// Loading a folder.

namespace {

namespace fs = std::filesystem;

// A config file is a few kilobytes; a larger one is not a config.
constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr int kDefaultBatchSize = 32;
// Far above every BERT checkpoint (BERT-large: hidden 1024, 24 layers, 16 heads, intermediate
// 4096, 512 positions) and far below the sizes whose products would overflow.
constexpr int64_t kMaxHidden = 8192;
constexpr int64_t kMaxLayers = 256;
constexpr int64_t kMaxIntermediate = 65536;
constexpr int64_t kMaxPositions = 16384;
constexpr int64_t kMaxVocab = 2'000'000;
constexpr int64_t kMaxTypes = 64;

// A parsed JSON file; `root` lives as long as the parser.
struct JsonFile {
    std::string path;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
};

// Reads and parses `path` into `file`. Returns false when the file does not exist.
Result<bool> load_json(const fs::path& path, JsonFile& file) {
    file.path = path.string();
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) return Error(ErrorCode::kIo, file.path + ": " + ec.message());
    if (size > kMaxConfigBytes) {
        return Error(ErrorCode::kInvalidArgument, file.path + ": " + std::to_string(size) +
                                                      " bytes, more than a config file's " +
                                                      std::to_string(kMaxConfigBytes));
    }
    std::ifstream in(path, std::ios::binary);
    std::string text(std::istreambuf_iterator<char>(in), {});
    if (!in && !in.eof()) return Error(ErrorCode::kIo, file.path + ": cannot read");
    if (auto err = file.parser.parse(text).get(file.root); err != simdjson::SUCCESS) {
        return Error(ErrorCode::kParse,
                     file.path + ": invalid JSON: " + simdjson::error_message(err));
    }
    return true;
}

Error field_error(const JsonFile& file, std::string_view field, const std::string& why) {
    return Error(ErrorCode::kParse, file.path + ": field \"" + std::string(field) + "\" " + why);
}

// Reads an integer field into `out` (left alone when the field is absent and not required).
Status read_int(const JsonFile& file, simdjson::dom::object obj, std::string_view field, int64_t lo,
                int64_t hi, bool required, int& out) {
    simdjson::dom::element v;
    if (obj.at_key(field).get(v) != simdjson::SUCCESS || v.is_null()) {
        if (required) return field_error(file, field, "missing");
        return Status::ok_status();
    }
    int64_t n = 0;
    if (v.get_int64().get(n) != simdjson::SUCCESS) {
        return field_error(file, field, "is not an integer");
    }
    if (n < lo || n > hi) {
        return field_error(file, field,
                           "is " + std::to_string(n) + ", expected " + std::to_string(lo) + " to " +
                               std::to_string(hi));
    }
    out = static_cast<int>(n);
    return Status::ok_status();
}

Result<BertConfig> read_config(const fs::path& dir) {
    JsonFile file;
    auto found = load_json(dir / "config.json", file);
    if (!found.ok()) return found.error();
    if (!*found) return Error(ErrorCode::kNotFound, file.path + ": missing");
    simdjson::dom::object obj;
    if (file.root.get_object().get(obj) != simdjson::SUCCESS) {
        return Error(ErrorCode::kParse, file.path + ": not a JSON object");
    }
    std::string_view text;
    if (obj["model_type"].get_string().get(text) == simdjson::SUCCESS && text != "bert") {
        return field_error(file, "model_type",
                           "is \"" + std::string(text) + "\"; only \"bert\" models are supported");
    }
    if (obj["position_embedding_type"].get_string().get(text) == simdjson::SUCCESS &&
        text != "absolute") {
        return field_error(file, "position_embedding_type",
                           "is \"" + std::string(text) + "\"; only \"absolute\" is supported");
    }
    BertConfig c;
    c.type_vocab_size = 2;
    PAPERBOY_RETURN_IF_ERROR(read_int(file, obj, "vocab_size", 1, kMaxVocab, true, c.vocab_size));
    PAPERBOY_RETURN_IF_ERROR(
        read_int(file, obj, "hidden_size", 1, kMaxHidden, true, c.hidden_size));
    PAPERBOY_RETURN_IF_ERROR(
        read_int(file, obj, "num_hidden_layers", 1, kMaxLayers, true, c.num_layers));
    PAPERBOY_RETURN_IF_ERROR(
        read_int(file, obj, "num_attention_heads", 1, kMaxHidden, true, c.num_heads));
    PAPERBOY_RETURN_IF_ERROR(
        read_int(file, obj, "intermediate_size", 1, kMaxIntermediate, true, c.intermediate_size));
    PAPERBOY_RETURN_IF_ERROR(read_int(file, obj, "max_position_embeddings", 1, kMaxPositions, true,
                                      c.max_position_embeddings));
    PAPERBOY_RETURN_IF_ERROR(
        read_int(file, obj, "type_vocab_size", 1, kMaxTypes, false, c.type_vocab_size));
    if (c.hidden_size % c.num_heads != 0) {
        return field_error(file, "num_attention_heads",
                           "is " + std::to_string(c.num_heads) +
                               ", which does not divide hidden_size " +
                               std::to_string(c.hidden_size));
    }
    simdjson::dom::element v;
    if (obj.at_key("layer_norm_eps").get(v) == simdjson::SUCCESS && !v.is_null()) {
        double eps = 0;
        if (v.get_double().get(eps) != simdjson::SUCCESS || !(eps > 0) || eps > 1) {
            return field_error(file, "layer_norm_eps", "is not a number in (0, 1]");
        }
        c.layer_norm_eps = static_cast<float>(eps);
    }
    if (obj.at_key("hidden_act").get(v) == simdjson::SUCCESS && !v.is_null()) {
        if (v.get_string().get(text) != simdjson::SUCCESS) {
            return field_error(file, "hidden_act", "is not a string");
        }
        if (text == "gelu") {
            c.activation = BertActivation::kGeluErf;
        } else if (text == "gelu_new" || text == "gelu_pytorch_tanh") {
            c.activation = BertActivation::kGeluTanh;
        } else {
            return field_error(
                file, "hidden_act",
                "is \"" + std::string(text) + "\"; supported: gelu, gelu_new, gelu_pytorch_tanh");
        }
    }
    return c;
}

// What the sentence-transformers files say around the encoder.
struct Pipeline {
    fs::path transformer_dir;  // where config.json, the weights and the tokenizer are
    BertPooling pooling = BertPooling::kMean;
    int max_seq_length = 0;  // 0: not given
    std::string query_prefix;
    std::string document_prefix;
};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status read_pooling(const fs::path& path, Pipeline& p) {
    JsonFile file;
    auto found = load_json(path, file);
    if (!found.ok()) return found.error();
    if (!*found) return Error(ErrorCode::kNotFound, file.path + ": missing");
    simdjson::dom::object obj;
    if (file.root.get_object().get(obj) != simdjson::SUCCESS) {
        return Error(ErrorCode::kParse, file.path + ": not a JSON object");
    }
    std::vector<std::string_view> modes;
    for (auto [key, value] : obj) {
        bool on = false;
        if (key.starts_with("pooling_mode_") && value.get_bool().get(on) == simdjson::SUCCESS &&
            on) {
            modes.push_back(key);
        }
    }
    bool include_prompt = true;
    if (obj["include_prompt"].get_bool().get(include_prompt) == simdjson::SUCCESS &&
        !include_prompt) {
        return Error(ErrorCode::kInvalidArgument,
                     file.path + ": \"include_prompt\": false is not supported");
    }
    if (modes.size() != 1) {
        return Error(ErrorCode::kInvalidArgument,
                     file.path + ": " + std::to_string(modes.size()) +
                         " pooling modes are on; exactly one of pooling_mode_mean_tokens, "
                         "pooling_mode_cls_token, pooling_mode_max_tokens is supported");
    }
    if (modes[0] == "pooling_mode_mean_tokens") {
        p.pooling = BertPooling::kMean;
    } else if (modes[0] == "pooling_mode_cls_token") {
        p.pooling = BertPooling::kCls;
    } else if (modes[0] == "pooling_mode_max_tokens") {
        p.pooling = BertPooling::kMax;
    } else {
        return Error(ErrorCode::kInvalidArgument,
                     file.path + ": " + std::string(modes[0]) + " is not supported");
    }
    return Status::ok_status();
}

Result<Pipeline> read_pipeline(const fs::path& dir) {
    Pipeline p;
    p.transformer_dir = dir;
    fs::path pooling_config = dir / "1_Pooling" / "config.json";
    JsonFile modules;
    auto found = load_json(dir / "modules.json", modules);
    if (!found.ok()) return found.error();
    if (*found) {
        simdjson::dom::array list;
        if (modules.root.get_array().get(list) != simdjson::SUCCESS) {
            return Error(ErrorCode::kParse, modules.path + ": not a JSON array");
        }
        bool have_pooling = false;
        for (simdjson::dom::element m : list) {
            std::string_view type, path;
            if (m["type"].get_string().get(type) != simdjson::SUCCESS) {
                return Error(ErrorCode::kParse, modules.path + ": a module without a \"type\"");
            }
            if (m["path"].get_string().get(path) != simdjson::SUCCESS) path = "";
            if (path.find("..") != std::string_view::npos || path.starts_with("/")) {
                return Error(
                    ErrorCode::kInvalidArgument,
                    modules.path + ": module path \"" + std::string(path) + "\" leaves the folder");
            }
            if (ends_with(type, "models.Transformer")) {
                p.transformer_dir = dir / path;
            } else if (ends_with(type, "models.Pooling")) {
                pooling_config = dir / path / "config.json";
                have_pooling = true;
            } else if (!ends_with(type, "models.Normalize")) {
                // A Dense projection and the like would change the vectors: refuse rather than
                // return different ones.
                return Error(ErrorCode::kInvalidArgument,
                             modules.path + ": module \"" + std::string(type) +
                                 "\" is not supported (Transformer, Pooling and Normalize are)");
            }
        }
        if (have_pooling) PAPERBOY_RETURN_IF_ERROR(read_pooling(pooling_config, p));
    } else {
        // A bare Hugging Face folder: sentence-transformers' default is mean pooling.
        std::error_code ec;
        if (fs::exists(pooling_config, ec))
            PAPERBOY_RETURN_IF_ERROR(read_pooling(pooling_config, p));
    }

    JsonFile st;
    found = load_json(p.transformer_dir / "sentence_bert_config.json", st);
    if (!found.ok()) return found.error();
    if (*found) {
        simdjson::dom::object obj;
        if (st.root.get_object().get(obj) != simdjson::SUCCESS) {
            return Error(ErrorCode::kParse, st.path + ": not a JSON object");
        }
        PAPERBOY_RETURN_IF_ERROR(
            read_int(st, obj, "max_seq_length", 1, kMaxPositions, false, p.max_seq_length));
    }

    JsonFile prompts;
    found = load_json(dir / "config_sentence_transformers.json", prompts);
    if (!found.ok()) return found.error();
    simdjson::dom::object table;
    if (*found && prompts.root["prompts"].get_object().get(table) == simdjson::SUCCESS) {
        std::string_view text;
        if (table["query"].get_string().get(text) == simdjson::SUCCESS) p.query_prefix = text;
        for (const char* key : {"document", "passage", "corpus", "doc"}) {
            if (table[key].get_string().get(text) == simdjson::SUCCESS) {
                p.document_prefix = text;
                break;
            }
        }
    }
    return p;
}

std::string shape_text(std::span<const int64_t> shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

// Finds the encoder's tensors under the names transformers uses, with or without the
// "bert." prefix of a BertForX checkpoint, and LayerNorm's old gamma/beta names.
class TensorReader {
  public:
    TensorReader(const SafeTensors& file, std::string path) : file_(file), path_(std::move(path)) {}

    Result<std::vector<float>> get(const std::string& name, std::vector<int64_t> shape) const {
        const TensorInfo* t = find(name);
        if (t == nullptr) {
            return Error(
                ErrorCode::kInvalidArgument,
                path_ + ": tensor \"" + name + "\" missing (also as \"bert." + name + "\")");
        }
        if (t->shape != shape) {
            return Error(ErrorCode::kInvalidArgument, path_ + ": tensor \"" + t->name +
                                                          "\" has shape " + shape_text(t->shape) +
                                                          ", expected " + shape_text(shape));
        }
        auto values = file_.to_float(t->name);
        if (!values.ok()) return values.error().with_context(path_);
        return values;
    }

    // Appends the tensor's values to `out` (the stacked Q, K, V projections).
    Status append(const std::string& name, std::vector<int64_t> shape,
                  std::vector<float>& out) const {
        auto values = get(name, std::move(shape));
        if (!values.ok()) return values.error();
        out.insert(out.end(), values->begin(), values->end());
        return Status::ok_status();
    }

  private:
    const TensorInfo* find(const std::string& name) const {
        for (const std::string& candidate : {"bert." + name, name}) {
            if (const TensorInfo* t = file_.find(candidate)) return t;
        }
        for (const auto& [modern, old] : {std::pair{"LayerNorm.weight", "LayerNorm.gamma"},
                                          std::pair{"LayerNorm.bias", "LayerNorm.beta"}}) {
            if (ends_with(name, modern)) {
                const std::string renamed = name.substr(0, name.size() - std::strlen(modern)) + old;
                for (const std::string& candidate : {"bert." + renamed, renamed}) {
                    if (const TensorInfo* t = file_.find(candidate)) return t;
                }
            }
        }
        return nullptr;
    }

    const SafeTensors& file_;
    std::string path_;
};

Result<BertWeights> read_weights(const SafeTensors& file, const std::string& path,
                                 const BertConfig& c) {
    const TensorReader r(file, path);
    const int64_t H = c.hidden_size;
    const int64_t I = c.intermediate_size;
    BertWeights w;
#define PAPERBOY_BERT_READ(field, name, ...) \
    do {                                     \
        auto v = r.get(name, {__VA_ARGS__}); \
        if (!v.ok()) return v.error();       \
        field = std::move(v).value();        \
    } while (false)
    PAPERBOY_BERT_READ(w.word_embeddings, "embeddings.word_embeddings.weight", c.vocab_size, H);
    PAPERBOY_BERT_READ(w.position_embeddings, "embeddings.position_embeddings.weight",
                       c.max_position_embeddings, H);
    PAPERBOY_BERT_READ(w.token_type_embeddings, "embeddings.token_type_embeddings.weight",
                       c.type_vocab_size, H);
    PAPERBOY_BERT_READ(w.embedding_norm_gamma, "embeddings.LayerNorm.weight", H);
    PAPERBOY_BERT_READ(w.embedding_norm_beta, "embeddings.LayerNorm.bias", H);
    for (int l = 0; l < c.num_layers; ++l) {
        const std::string p = "encoder.layer." + std::to_string(l) + ".";
        BertLayerWeights L;
        L.qkv_weight.reserve(static_cast<size_t>(3 * H * H));
        L.qkv_bias.reserve(static_cast<size_t>(3 * H));
        for (const char* part : {"query", "key", "value"}) {
            const std::string base = p + "attention.self." + part;
            PAPERBOY_RETURN_IF_ERROR(r.append(base + ".weight", {H, H}, L.qkv_weight));
            PAPERBOY_RETURN_IF_ERROR(r.append(base + ".bias", {H}, L.qkv_bias));
        }
        PAPERBOY_BERT_READ(L.attn_out_weight, p + "attention.output.dense.weight", H, H);
        PAPERBOY_BERT_READ(L.attn_out_bias, p + "attention.output.dense.bias", H);
        PAPERBOY_BERT_READ(L.attn_norm_gamma, p + "attention.output.LayerNorm.weight", H);
        PAPERBOY_BERT_READ(L.attn_norm_beta, p + "attention.output.LayerNorm.bias", H);
        PAPERBOY_BERT_READ(L.intermediate_weight, p + "intermediate.dense.weight", I, H);
        PAPERBOY_BERT_READ(L.intermediate_bias, p + "intermediate.dense.bias", I);
        PAPERBOY_BERT_READ(L.output_weight, p + "output.dense.weight", H, I);
        PAPERBOY_BERT_READ(L.output_bias, p + "output.dense.bias", H);
        PAPERBOY_BERT_READ(L.output_norm_gamma, p + "output.LayerNorm.weight", H);
        PAPERBOY_BERT_READ(L.output_norm_beta, p + "output.LayerNorm.bias", H);
        w.layers.push_back(std::move(L));
    }
#undef PAPERBOY_BERT_READ
    return w;
}

std::string folder_name(const std::string& dir) {
    fs::path p = fs::path(dir).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    std::string name = p.filename().string();
    return name.empty() || name == "." ? std::string("model") : name;
}

}  // namespace

Result<std::unique_ptr<BertModel>> BertModel::open(const std::string& dir,
                                                   const EmbedderOptions& options) {
    auto pipeline = read_pipeline(dir);
    if (!pipeline.ok()) return pipeline.error();
    const fs::path& tdir = pipeline->transformer_dir;
    auto config = read_config(tdir);
    if (!config.ok()) return config.error();

    auto tokenizer = WordPiece::from_folder(tdir.string());
    if (!tokenizer.ok()) return tokenizer.error();
    if (tokenizer->vocab_size() > static_cast<size_t>(config->vocab_size)) {
        return Error(ErrorCode::kInvalidArgument,
                     tdir.string() + ": the tokenizer has " +
                         std::to_string(tokenizer->vocab_size()) +
                         " tokens, more than config.json's vocab_size " +
                         std::to_string(config->vocab_size));
    }

    const std::string weights_path = (tdir / "model.safetensors").string();
    std::error_code ec;
    if (!fs::exists(weights_path, ec)) {
        return Error(ErrorCode::kNotFound,
                     weights_path +
                         ": missing (only safetensors weights are read; convert a "
                         "pytorch_model.bin with the safetensors library)");
    }
    auto file = SafeTensors::open(weights_path);
    if (!file.ok()) return file.error();
    auto weights = read_weights(*file, weights_path, *config);
    if (!weights.ok()) return weights.error();
    auto encoder = BertEncoder::create(*config, std::move(weights).value(), pipeline->pooling);
    if (!encoder.ok()) return encoder.error().with_context(weights_path);

    ModelInfo info;
    info.kind = "bert";
    info.name = folder_name(dir);
    const std::span<const uint8_t> bytes = file->file_bytes();
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016" PRIx64,
                  stable_hash64(bytes.data(), bytes.size(), 0));
    info.identity = "bert:" + info.name + ":" + digest;
    info.dimensions = config->hidden_size;
    info.max_tokens = config->max_position_embeddings;
    if (pipeline->max_seq_length > 0) {
        info.max_tokens = std::min(info.max_tokens, pipeline->max_seq_length);
    }
    info.query_prefix = pipeline->query_prefix;
    info.document_prefix = pipeline->document_prefix;

    int threads = options.threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int batch = options.batch_size > 0 ? options.batch_size : kDefaultBatchSize;
    return std::unique_ptr<BertModel>(
        new BertModel(std::move(info), std::move(encoder).value(),
                      std::make_unique<WordPiece>(std::move(tokenizer).value()), threads, batch));
}

// ---------------------------------------------------------------------------------------------
// Embedding.

BertModel::BertModel(ModelInfo info, BertEncoder encoder, std::unique_ptr<WordPiece> tokenizer,
                     int threads, int batch_size)
    : info_(std::move(info)),
      encoder_(std::move(encoder)),
      tokenizer_(std::move(tokenizer)),
      threads_(threads),
      batch_size_(batch_size) {}

BertModel::~BertModel() = default;

std::vector<int32_t> BertModel::tokenize(std::string_view text) const {
    return tokenizer_->encode(text, true, static_cast<size_t>(info_.max_tokens));
}

Result<std::vector<float>> BertModel::embed(std::span<const std::string> texts, Purpose purpose) {
    const std::string& prefix =
        purpose == Purpose::kQuery ? info_.query_prefix : info_.document_prefix;
    const auto dim = static_cast<size_t>(info_.dimensions);
    std::vector<float> out(texts.size() * dim, 0.0f);

    // Token ids of every text with a known token; the others (empty, only spaces, only
    // unknown characters) keep their zero row, as embedder.h asks of every model.
    const size_t specials = tokenizer_->prefix_ids().size() + tokenizer_->suffix_ids().size();
    const size_t max_content =
        static_cast<size_t>(info_.max_tokens) > specials ? info_.max_tokens - specials : 0;
    std::vector<std::vector<int32_t>> ids(texts.size());
    std::vector<size_t> order;
    WordPieceScratch scratch;
    std::vector<int32_t> content;
    for (size_t i = 0; i < texts.size(); ++i) {
        content.clear();
        tokenizer_->encode_into(texts[i], max_content, content, scratch);
        const int32_t unk = tokenizer_->unk_id();
        if (std::all_of(content.begin(), content.end(), [unk](int32_t id) { return id == unk; })) {
            continue;
        }
        if (prefix.empty()) {  // what tokenize() gives, without tokenizing twice
            ids[i] = tokenizer_->prefix_ids();
            ids[i].insert(ids[i].end(), content.begin(), content.end());
            ids[i].insert(ids[i].end(), tokenizer_->suffix_ids().begin(),
                          tokenizer_->suffix_ids().end());
        } else {
            ids[i] = tokenize(prefix + texts[i]);
        }
        order.push_back(i);
    }
    // Longest first: batches of like lengths, and the costliest batches start first so that
    // the workers finish together.
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });

    // Fewer texts than threads × batch_size: smaller batches, so that every worker gets one.
    const auto threads = static_cast<size_t>(threads_);
    const size_t batch = std::max<size_t>(
        1, std::min(static_cast<size_t>(batch_size_), (order.size() + threads - 1) / threads));
    const size_t batches = (order.size() + batch - 1) / batch;
    std::atomic<size_t> next{0};
    std::mutex error_mutex;
    std::optional<Error> first_error;
    auto work = [&] {
        std::vector<std::vector<int32_t>> sequences;
        std::vector<float> rows;
        for (size_t b; (b = next.fetch_add(1)) < batches;) {
            const size_t begin = b * batch, end = std::min(order.size(), begin + batch);
            sequences.clear();
            for (size_t j = begin; j < end; ++j) sequences.push_back(std::move(ids[order[j]]));
            rows.resize(sequences.size() * dim);
            const Status s = encoder_.encode(sequences, rows.data());
            if (!s.ok()) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = s.error();
                return;
            }
            for (size_t j = begin; j < end; ++j) {
                std::copy_n(rows.data() + (j - begin) * dim, dim, out.data() + order[j] * dim);
            }
        }
    };
    // Parallel batches, each with single-threaded OpenBLAS, beat OpenBLAS threading each
    // product: the softmax, GELU and LayerNorm between the products run in parallel too, and
    // the small per-head attention products do not pay for waking threads (measured in
    // bench/embed_bert_bench.cpp). The setting is process-wide; only embed/ calls OpenBLAS.
    openblas_set_num_threads(1);
    const size_t workers = std::min(threads, batches);
    if (workers <= 1) {
        work();
    } else {
        std::vector<std::jthread> pool;
        for (size_t t = 0; t < workers; ++t) pool.emplace_back(work);
    }
    if (first_error) return first_error->with_context("bert " + info_.name);
    return out;
}

}  // namespace paperboy::embed
