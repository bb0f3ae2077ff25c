// The BERT encoder (embed/bert_model.h): its pieces on hand-computed values; the packed,
// sgemm-based encoder against a plain-loop reference that pads and masks as PyTorch does; a
// batch against one-by-one; folders with a missing or misshapen tensor or a bad config; and the
// tiny random BERT of ../shared/fixtures/tiny-bert against the outputs transformers gave.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "embed/bert_model.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace paperboy::embed {
namespace {

constexpr float kTol = 1e-5f;

// ---------------------------------------------------------------------------------------------
// The pieces, on values worked out by hand (or, for erf and tanh, with Python's math module).

TEST(BertPieces, LayerNormCentresScalesAndShifts) {
    // mean 2.5, variance 1.25: (x - 2.5) / 1.1180340 = -1.3416408, -0.4472136, 0.4472136, 1.3416408
    std::vector<float> x = {1, 2, 3, 4};
    const float gamma[] = {1, 1, 2, 1};
    const float beta[] = {0, 0, 0, 1};
    bert::layer_norm(x.data(), 1, 4, gamma, beta, 0.0f);
    EXPECT_NEAR(x[0], -1.3416408f, kTol);
    EXPECT_NEAR(x[1], -0.4472136f, kTol);
    EXPECT_NEAR(x[2], 0.8944272f, kTol);
    EXPECT_NEAR(x[3], 2.3416408f, kTol);
    // Rows are independent, and a constant row (zero variance) becomes beta, not NaN.
    std::vector<float> c = {10, 10, 10, 10, 1, 2, 3, 4};
    bert::layer_norm(c.data(), 2, 4, gamma, beta, 1e-12f);
    EXPECT_FLOAT_EQ(c[0], 0.0f);
    EXPECT_FLOAT_EQ(c[3], 1.0f);  // beta
    EXPECT_NEAR(c[7], 2.3416408f, kTol);
}

TEST(BertPieces, GeluErfAndTanh) {
    std::vector<float> x = {0, 1, -1, 2, -3};
    std::vector<float> t = x;
    bert::gelu(x.data(), x.size(), BertActivation::kGeluErf);
    bert::gelu(t.data(), t.size(), BertActivation::kGeluTanh);
    const float erf_expected[] = {0.0f, 0.8413447f, -0.1586553f, 1.9544997f, -0.0040497f};
    const float tanh_expected[] = {0.0f, 0.8411920f, -0.1588080f, 1.9545977f, -0.0036374f};
    for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_NEAR(x[i], erf_expected[i], kTol) << i;
        EXPECT_NEAR(t[i], tanh_expected[i], kTol) << i;
    }
}

// gelu and softmax use their own vectorised exp and erf: check them against the library's
// across the range, including the tails and an odd length (the padded last few values).
TEST(BertPieces, GeluAndSoftmaxMatchTheLibraryAcrossTheRange) {
    std::vector<float> x(4003), t;
    for (size_t i = 0; i < x.size(); ++i) x[i] = -15.0f + 30.0f * static_cast<float>(i) / 4002;
    t = x;
    std::vector<float> e = x;
    bert::gelu(x.data(), x.size(), BertActivation::kGeluErf);
    bert::gelu(t.data(), t.size(), BertActivation::kGeluTanh);
    for (size_t i = 0; i < x.size(); ++i) {
        const double v = e[i];
        const double erf_gelu = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        const double tanh_gelu =
            0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        ASSERT_NEAR(x[i], erf_gelu, 1e-6) << v;
        ASSERT_NEAR(t[i], tanh_gelu, 1e-6) << v;
    }
    std::vector<float> row(37);
    for (size_t i = 0; i < row.size(); ++i) row[i] = -30.0f + 2.1f * static_cast<float>(i);
    std::vector<float> soft = row;
    bert::softmax_rows(soft.data(), 1, soft.size());
    double sum = 0;
    for (float v : row) sum += std::exp(double{v} - row.back());
    for (size_t i = 0; i < row.size(); ++i) {
        const double expected = std::exp(double{row[i]} - row.back()) / sum;
        ASSERT_NEAR(soft[i], expected, 1e-7 + 1e-6 * expected) << i;
    }
}

TEST(BertPieces, SoftmaxRowsIsStableForLargeScores) {
    std::vector<float> x = {1, 2, 3, 1000, 1000, -1000};
    bert::softmax_rows(x.data(), 2, 3);
    EXPECT_NEAR(x[0], 0.09003057f, kTol);
    EXPECT_NEAR(x[1], 0.24472847f, kTol);
    EXPECT_NEAR(x[2], 0.66524096f, kTol);
    EXPECT_NEAR(x[3], 0.5f, kTol);
    EXPECT_NEAR(x[4], 0.5f, kTol);
    EXPECT_EQ(x[5], 0.0f);
}

TEST(BertPieces, PoolingMeanClsAndMax) {
    const float hidden[] = {1, 2, 3, -4, 5, 8};  // three tokens of two values
    float out[2];
    bert::pool(hidden, 3, 2, BertPooling::kMean, out);
    EXPECT_FLOAT_EQ(out[0], 3.0f);
    EXPECT_FLOAT_EQ(out[1], 2.0f);
    bert::pool(hidden, 3, 2, BertPooling::kCls, out);
    EXPECT_FLOAT_EQ(out[0], 1.0f);
    EXPECT_FLOAT_EQ(out[1], 2.0f);
    bert::pool(hidden, 3, 2, BertPooling::kMax, out);
    EXPECT_FLOAT_EQ(out[0], 5.0f);
    EXPECT_FLOAT_EQ(out[1], 8.0f);
    // Only the tokens it is given count: the mean of the first two.
    bert::pool(hidden, 2, 2, BertPooling::kMean, out);
    EXPECT_FLOAT_EQ(out[0], 2.0f);
    EXPECT_FLOAT_EQ(out[1], -1.0f);
}

TEST(BertPieces, L2NormalizeKeepsZeroVectorsZero) {
    float v[] = {3, 4};
    bert::l2_normalize(v, 2);
    EXPECT_FLOAT_EQ(v[0], 0.6f);
    EXPECT_FLOAT_EQ(v[1], 0.8f);
    float z[] = {0, 0};
    bert::l2_normalize(z, 2);
    EXPECT_EQ(z[0], 0.0f);
    EXPECT_EQ(z[1], 0.0f);
}

// ---------------------------------------------------------------------------------------------
// A small random encoder, and a reference written the way PyTorch computes it: the batch padded
// to its longest text, padded keys masked with a large negative score, plain loops.

BertConfig small_config() {
    BertConfig c;
    c.vocab_size = 40;
    c.hidden_size = 12;
    c.num_layers = 2;
    c.num_heads = 3;
    c.intermediate_size = 20;
    c.max_position_embeddings = 16;
    c.type_vocab_size = 2;
    c.layer_norm_eps = 1e-12f;
    return c;
}

std::vector<float> random_values(std::mt19937& rng, size_t n, float centre, float spread) {
    std::uniform_real_distribution<float> dist(centre - spread, centre + spread);
    std::vector<float> v(n);
    for (float& f : v) f = dist(rng);
    return v;
}

BertWeights random_weights(const BertConfig& c, uint32_t seed) {
    std::mt19937 rng(seed);
    const auto H = static_cast<size_t>(c.hidden_size);
    const auto I = static_cast<size_t>(c.intermediate_size);
    BertWeights w;
    w.word_embeddings = random_values(rng, static_cast<size_t>(c.vocab_size) * H, 0, 1);
    w.position_embeddings =
        random_values(rng, static_cast<size_t>(c.max_position_embeddings) * H, 0, 1);
    w.token_type_embeddings = random_values(rng, static_cast<size_t>(c.type_vocab_size) * H, 0, 1);
    w.embedding_norm_gamma = random_values(rng, H, 1, 0.5f);
    w.embedding_norm_beta = random_values(rng, H, 0, 0.5f);
    for (int l = 0; l < c.num_layers; ++l) {
        BertLayerWeights L;
        L.qkv_weight = random_values(rng, 3 * H * H, 0, 0.6f);
        L.qkv_bias = random_values(rng, 3 * H, 0, 0.3f);
        L.attn_out_weight = random_values(rng, H * H, 0, 0.4f);
        L.attn_out_bias = random_values(rng, H, 0, 0.3f);
        L.attn_norm_gamma = random_values(rng, H, 1, 0.5f);
        L.attn_norm_beta = random_values(rng, H, 0, 0.5f);
        L.intermediate_weight = random_values(rng, I * H, 0, 0.4f);
        L.intermediate_bias = random_values(rng, I, 0, 0.3f);
        L.output_weight = random_values(rng, H * I, 0, 0.3f);
        L.output_bias = random_values(rng, H, 0, 0.3f);
        L.output_norm_gamma = random_values(rng, H, 1, 0.5f);
        L.output_norm_beta = random_values(rng, H, 0, 0.5f);
        w.layers.push_back(std::move(L));
    }
    return w;
}

// y[n] = b[n] + Σ_k W[n, k] x[k]
std::vector<float> naive_linear(const std::vector<float>& x, const std::vector<float>& w,
                                const std::vector<float>& b) {
    std::vector<float> y(b);
    for (size_t n = 0; n < b.size(); ++n) {
        double acc = 0;
        for (size_t k = 0; k < x.size(); ++k) acc += double{w[n * x.size() + k]} * x[k];
        y[n] += static_cast<float>(acc);
    }
    return y;
}

void naive_layer_norm(std::vector<float>& x, const std::vector<float>& g,
                      const std::vector<float>& b, float eps) {
    double mean = 0, var = 0;
    for (float v : x) mean += v;
    mean /= static_cast<double>(x.size());
    for (float v : x) var += (v - mean) * (v - mean);
    var /= static_cast<double>(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        x[i] = static_cast<float>((x[i] - mean) / std::sqrt(var + eps)) * g[i] + b[i];
    }
}

std::vector<std::vector<float>> naive_encode(const BertConfig& c, const BertWeights& w,
                                             BertPooling pooling,
                                             const std::vector<std::vector<int32_t>>& batch) {
    const auto H = static_cast<size_t>(c.hidden_size);
    const size_t heads = static_cast<size_t>(c.num_heads), D = H / heads;
    size_t L = 0;
    for (const auto& ids : batch) L = std::max(L, ids.size());
    std::vector<std::vector<float>> result;
    for (const auto& ids : batch) {
        // Padded to L with id 0 and masked, as a padded PyTorch batch is.
        std::vector<std::vector<float>> x(L, std::vector<float>(H));
        for (size_t p = 0; p < L; ++p) {
            const int32_t id = p < ids.size() ? ids[p] : 0;
            for (size_t i = 0; i < H; ++i) {
                x[p][i] = w.word_embeddings[static_cast<size_t>(id) * H + i] +
                          w.position_embeddings[p * H + i] + w.token_type_embeddings[i];
            }
            naive_layer_norm(x[p], w.embedding_norm_gamma, w.embedding_norm_beta, c.layer_norm_eps);
        }
        for (const BertLayerWeights& lw : w.layers) {
            std::vector<std::vector<float>> qkv(L);
            for (size_t p = 0; p < L; ++p) qkv[p] = naive_linear(x[p], lw.qkv_weight, lw.qkv_bias);
            std::vector<std::vector<float>> ctx(L, std::vector<float>(H, 0));
            for (size_t h = 0; h < heads; ++h) {
                for (size_t i = 0; i < L; ++i) {
                    std::vector<double> s(L);
                    double max = -1e300;
                    for (size_t j = 0; j < L; ++j) {
                        double dot = 0;
                        for (size_t d = 0; d < D; ++d) {
                            dot += double{qkv[i][h * D + d]} * qkv[j][H + h * D + d];
                        }
                        s[j] = dot / std::sqrt(static_cast<double>(D));
                        if (j >= ids.size()) s[j] = -1e30;  // the padding mask
                        max = std::max(max, s[j]);
                    }
                    double sum = 0;
                    for (double& v : s) sum += (v = std::exp(v - max));
                    for (size_t d = 0; d < D; ++d) {
                        double acc = 0;
                        for (size_t j = 0; j < L; ++j)
                            acc += s[j] / sum * qkv[j][2 * H + h * D + d];
                        ctx[i][h * D + d] = static_cast<float>(acc);
                    }
                }
            }
            for (size_t p = 0; p < L; ++p) {
                std::vector<float> a = naive_linear(ctx[p], lw.attn_out_weight, lw.attn_out_bias);
                for (size_t i = 0; i < H; ++i) a[i] += x[p][i];
                naive_layer_norm(a, lw.attn_norm_gamma, lw.attn_norm_beta, c.layer_norm_eps);
                std::vector<float> m =
                    naive_linear(a, lw.intermediate_weight, lw.intermediate_bias);
                for (float& v : m)
                    v = static_cast<float>(0.5 * v * (1 + std::erf(v / std::sqrt(2.0))));
                std::vector<float> o = naive_linear(m, lw.output_weight, lw.output_bias);
                for (size_t i = 0; i < H; ++i) o[i] += a[i];
                naive_layer_norm(o, lw.output_norm_gamma, lw.output_norm_beta, c.layer_norm_eps);
                x[p] = o;
            }
        }
        std::vector<float> pooled(H, 0);
        for (size_t i = 0; i < H; ++i) {
            if (pooling == BertPooling::kCls) {
                pooled[i] = x[0][i];
            } else if (pooling == BertPooling::kMax) {
                pooled[i] = -std::numeric_limits<float>::infinity();
                for (size_t p = 0; p < ids.size(); ++p) pooled[i] = std::max(pooled[i], x[p][i]);
            } else {
                for (size_t p = 0; p < ids.size(); ++p) pooled[i] += x[p][i];
                pooled[i] /= static_cast<float>(ids.size());
            }
        }
        double norm = 0;
        for (float v : pooled) norm += double{v} * v;
        for (float& v : pooled) v = static_cast<float>(v / std::sqrt(norm));
        result.push_back(pooled);
    }
    return result;
}

float max_abs_diff(const float* a, const std::vector<float>& b) {
    float d = 0;
    for (size_t i = 0; i < b.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

const std::vector<std::vector<int32_t>> kMixedBatch = {
    {2, 17, 3},
    {2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 3},
    {2, 3},
    {2, 39, 38, 1, 3},
    {2, 0, 3}};

TEST(BertEncoder, MatchesAPaddedAndMaskedReference) {
    const BertConfig c = small_config();
    for (BertPooling pooling : {BertPooling::kMean, BertPooling::kCls, BertPooling::kMax}) {
        auto encoder = BertEncoder::create(c, random_weights(c, 7), pooling);
        ASSERT_TRUE(encoder.ok()) << encoder.error().message();
        const auto expected = naive_encode(c, random_weights(c, 7), pooling, kMixedBatch);
        std::vector<float> out(kMixedBatch.size() * 12);
        ASSERT_TRUE(encoder->encode(kMixedBatch, out.data()).ok());
        for (size_t s = 0; s < kMixedBatch.size(); ++s) {
            EXPECT_LT(max_abs_diff(out.data() + s * 12, expected[s]), 1e-5f)
                << "sequence " << s << " pooling " << static_cast<int>(pooling);
        }
    }
}

TEST(BertEncoder, BatchOfMixedLengthsEqualsOneByOne) {
    const BertConfig c = small_config();
    auto encoder = BertEncoder::create(c, random_weights(c, 11), BertPooling::kMean);
    ASSERT_TRUE(encoder.ok());
    std::vector<float> batch(kMixedBatch.size() * 12);
    ASSERT_TRUE(encoder->encode(kMixedBatch, batch.data()).ok());
    for (size_t s = 0; s < kMixedBatch.size(); ++s) {
        std::vector<float> one(12);
        ASSERT_TRUE(encoder->encode({&kMixedBatch[s], 1}, one.data()).ok());
        EXPECT_LT(max_abs_diff(batch.data() + s * 12, one), 1e-6f) << s;
        double norm = 0;
        for (float v : one) norm += double{v} * v;
        EXPECT_NEAR(norm, 1.0, 1e-5);
    }
}

TEST(BertEncoder, RejectsBadSequences) {
    const BertConfig c = small_config();
    auto encoder = BertEncoder::create(c, random_weights(c, 1), BertPooling::kMean);
    ASSERT_TRUE(encoder.ok());
    std::vector<float> out(12);
    const std::vector<std::vector<int32_t>> out_of_vocab = {{2, 40, 3}};
    const Status s1 = encoder->encode(out_of_vocab, out.data());
    ASSERT_FALSE(s1.ok());
    EXPECT_NE(s1.error().message().find("token id 40"), std::string::npos);
    const std::vector<std::vector<int32_t>> too_long = {std::vector<int32_t>(17, 5)};
    EXPECT_FALSE(encoder->encode(too_long, out.data()).ok());
    const std::vector<std::vector<int32_t>> empty = {{}};
    EXPECT_FALSE(encoder->encode(empty, out.data()).ok());
}

TEST(BertEncoder, CreateNamesAMisshapenWeight) {
    const BertConfig c = small_config();
    BertWeights w = random_weights(c, 1);
    w.layers[1].intermediate_bias.pop_back();
    auto encoder = BertEncoder::create(c, std::move(w), BertPooling::kMean);
    ASSERT_FALSE(encoder.ok());
    EXPECT_NE(encoder.error().message().find("encoder.layer.1.intermediate.dense.bias"),
              std::string::npos)
        << encoder.error().message();

    BertConfig odd = c;
    odd.num_heads = 5;  // 12 is not a multiple of 5
    EXPECT_FALSE(BertEncoder::create(odd, random_weights(c, 1), BertPooling::kMean).ok());
}

// ---------------------------------------------------------------------------------------------
// Folders: a small random model written the way sentence-transformers saves one.

using Tensors = std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>;

// A .safetensors file by hand: 8-byte little-endian header length, JSON header, F32 data.
std::string safetensors_bytes(const Tensors& tensors) {
    std::string header = "{", data;
    for (const auto& [name, tensor] : tensors) {
        if (header.size() > 1) header += ",";
        header += "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[";
        for (size_t i = 0; i < tensor.first.size(); ++i) {
            header += (i > 0 ? "," : "") + std::to_string(tensor.first[i]);
        }
        const size_t begin = data.size();
        data.append(reinterpret_cast<const char*>(tensor.second.data()),
                    tensor.second.size() * sizeof(float));
        header += "],\"data_offsets\":[" + std::to_string(begin) + "," +
                  std::to_string(data.size()) + "]}";
    }
    header += "}";
    while (header.size() % 8 != 0) header += " ";
    std::string out(8, '\0');
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
}

Tensors tensors_of(const BertConfig& c, const BertWeights& w, const std::string& prefix) {
    const int64_t H = c.hidden_size, I = c.intermediate_size;
    Tensors t;
    t[prefix + "embeddings.word_embeddings.weight"] = {{c.vocab_size, H}, w.word_embeddings};
    t[prefix + "embeddings.position_embeddings.weight"] = {{c.max_position_embeddings, H},
                                                           w.position_embeddings};
    t[prefix + "embeddings.token_type_embeddings.weight"] = {{c.type_vocab_size, H},
                                                             w.token_type_embeddings};
    t[prefix + "embeddings.LayerNorm.weight"] = {{H}, w.embedding_norm_gamma};
    t[prefix + "embeddings.LayerNorm.bias"] = {{H}, w.embedding_norm_beta};
    for (size_t l = 0; l < w.layers.size(); ++l) {
        const BertLayerWeights& L = w.layers[l];
        const std::string p = prefix + "encoder.layer." + std::to_string(l) + ".";
        const char* parts[] = {"query", "key", "value"};
        const auto HH = static_cast<size_t>(H * H);
        for (size_t k = 0; k < 3; ++k) {
            const std::string base = p + "attention.self." + parts[k];
            t[base + ".weight"] = {{H, H},
                                   {L.qkv_weight.begin() + static_cast<long>(k * HH),
                                    L.qkv_weight.begin() + static_cast<long>((k + 1) * HH)}};
            t[base + ".bias"] = {{H},
                                 {L.qkv_bias.begin() + static_cast<long>(k) * H,
                                  L.qkv_bias.begin() + static_cast<long>(k + 1) * H}};
        }
        t[p + "attention.output.dense.weight"] = {{H, H}, L.attn_out_weight};
        t[p + "attention.output.dense.bias"] = {{H}, L.attn_out_bias};
        t[p + "attention.output.LayerNorm.weight"] = {{H}, L.attn_norm_gamma};
        t[p + "attention.output.LayerNorm.bias"] = {{H}, L.attn_norm_beta};
        t[p + "intermediate.dense.weight"] = {{I, H}, L.intermediate_weight};
        t[p + "intermediate.dense.bias"] = {{I}, L.intermediate_bias};
        t[p + "output.dense.weight"] = {{H, I}, L.output_weight};
        t[p + "output.dense.bias"] = {{H}, L.output_bias};
        t[p + "output.LayerNorm.weight"] = {{H}, L.output_norm_gamma};
        t[p + "output.LayerNorm.bias"] = {{H}, L.output_norm_beta};
    }
    return t;
}

constexpr const char* kSmallConfig = R"({"model_type": "bert", "vocab_size": 40, "hidden_size": 12,
  "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 20,
  "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
  "hidden_act": "gelu"})";

constexpr const char* kModules = R"([
  {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
  {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
  {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])";

std::string pooling_config(const char* mode) {
    std::string s = "{\"word_embedding_dimension\": 12";
    for (const char* m : {"cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens"}) {
        s += std::string(", \"pooling_mode_") + m +
             "\": " + (std::string(m) == mode ? "true" : "false");
    }
    return s + "}";
}

// The small random model as a folder: vocab.txt of 40 tokens ([PAD] 0, [UNK] 1, [CLS] 2,
// [SEP] 3, [MASK] 4, then words), mean pooling, max_seq_length 10.
class SmallFolder {
  public:
    explicit SmallFolder(const std::string& prefix = "") {
        std::filesystem::create_directories(dir_.file("1_Pooling"));
        std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\non\nmat\n##s\n";
        for (int i = 11; i < 40; ++i) vocab += "w" + std::to_string(i) + "\n";
        write("vocab.txt", vocab);
        write("config.json", kSmallConfig);
        write("modules.json", kModules);
        write("1_Pooling/config.json", pooling_config("mean_tokens"));
        write("sentence_bert_config.json", R"({"max_seq_length": 10, "do_lower_case": true})");
        tensors_ = tensors_of(small_config(), random_weights(small_config(), 5), prefix);
        write_weights();
    }

    void write(const std::string& name, std::string_view text) const {
        ASSERT_TRUE(testing::write_file(dir_.file(name), text));
    }
    void write_weights() const { write("model.safetensors", safetensors_bytes(tensors_)); }

    const std::string& path() const { return dir_.path(); }
    Tensors& tensors() { return tensors_; }

  private:
    testing::TempDir dir_;
    Tensors tensors_;
};

std::string open_error(const std::string& dir) {
    auto model = BertModel::open(dir);
    return model.ok() ? std::string("(opened)") : model.error().message();
}

TEST(BertModel, OpensAFolderAndEmbedsLikeTheEncoder) {
    for (const std::string prefix : {"", "bert."}) {
        SmallFolder folder(prefix);
        EmbedderOptions options;
        options.threads = 2;
        options.batch_size = 2;
        auto model = BertModel::open(folder.path(), options);
        ASSERT_TRUE(model.ok()) << model.error().message();
        const ModelInfo& info = (*model)->info();
        EXPECT_EQ(info.kind, "bert");
        EXPECT_EQ(info.dimensions, 12);
        EXPECT_EQ(info.max_tokens, 10);  // sentence_bert_config.json, below 16 positions
        const std::string name = std::filesystem::path(folder.path()).filename().string();
        EXPECT_EQ(info.identity.rfind("bert:" + name + ":", 0), 0u) << info.identity;
        EXPECT_EQ(info.identity.size(), ("bert:" + name + ":").size() + 16);

        const std::vector<std::string> texts = {"the cat sat", "", "the cats sat on the mat",
                                                "zebra \t ?!",
                                                "w20 w21 w22 w23 w24 w25 w26 w27 w28 w29"};
        EXPECT_EQ((*model)->tokenize("the cats"), (std::vector<int32_t>{2, 5, 6, 10, 3}));
        EXPECT_EQ((*model)->tokenize(texts[4]).size(), 10u);  // truncated, [SEP] kept
        EXPECT_EQ((*model)->tokenize(texts[4]).back(), 3);
        auto vectors = (*model)->embed(texts, Purpose::kDocument);
        ASSERT_TRUE(vectors.ok()) << vectors.error().message();
        ASSERT_EQ(vectors->size(), texts.size() * 12);
        auto reference = BertEncoder::create(small_config(), random_weights(small_config(), 5),
                                             BertPooling::kMean);
        ASSERT_TRUE(reference.ok());
        for (size_t i = 0; i < texts.size(); ++i) {
            const float* row = vectors->data() + i * 12;
            if (i == 1 || i == 3) {  // no known token: a zero row
                for (size_t d = 0; d < 12; ++d) EXPECT_EQ(row[d], 0.0f);
                continue;
            }
            std::vector<float> expected(12);
            const std::vector<std::vector<int32_t>> one = {(*model)->tokenize(texts[i])};
            ASSERT_TRUE(reference->encode(one, expected.data()).ok());
            EXPECT_LT(max_abs_diff(row, expected), 1e-6f) << texts[i];
        }
    }
}

TEST(BertModel, OpenEmbedderChoosesItForABertFolder) {
    SmallFolder folder;
    auto embedder = open_embedder(folder.path());
    ASSERT_TRUE(embedder.ok()) << embedder.error().message();
    EXPECT_EQ((*embedder)->info().kind, "bert");
    auto vectors = (*embedder)->embed(std::vector<std::string>{"the cat"}, Purpose::kQuery);
    ASSERT_TRUE(vectors.ok());
    EXPECT_EQ(vectors->size(), 12u);
}

TEST(BertModel, ReadsPoolingModeAndPrompts) {
    SmallFolder folder;
    folder.write("1_Pooling/config.json", pooling_config("cls_token"));
    folder.write("config_sentence_transformers.json",
                 R"({"prompts": {"query": "query: ", "passage": "passage: "}})");
    auto model = BertModel::open(folder.path());
    ASSERT_TRUE(model.ok()) << model.error().message();
    EXPECT_EQ((*model)->encoder().pooling(), BertPooling::kCls);
    EXPECT_EQ((*model)->info().query_prefix, "query: ");
    EXPECT_EQ((*model)->info().document_prefix, "passage: ");

    folder.write("1_Pooling/config.json", pooling_config("mean_sqrt_len_tokens"));
    EXPECT_NE(open_error(folder.path()).find("pooling_mode_mean_sqrt_len_tokens is not supported"),
              std::string::npos)
        << open_error(folder.path());
}

TEST(BertModel, AcceptsOldLayerNormNames) {
    SmallFolder folder;
    Tensors& t = folder.tensors();
    auto node = t.extract("encoder.layer.0.output.LayerNorm.weight");
    node.key() = "encoder.layer.0.output.LayerNorm.gamma";
    t.insert(std::move(node));
    folder.write_weights();
    auto model = BertModel::open(folder.path());
    EXPECT_TRUE(model.ok()) << model.error().message();
}

TEST(BertModel, NamesTheFileAndTensorThatIsWrong) {
    {
        SmallFolder folder;
        folder.tensors().erase("encoder.layer.1.attention.self.key.bias");
        folder.write_weights();
        const std::string e = open_error(folder.path());
        EXPECT_NE(e.find("model.safetensors"), std::string::npos) << e;
        EXPECT_NE(e.find("\"encoder.layer.1.attention.self.key.bias\" missing"), std::string::npos)
            << e;
    }
    {
        SmallFolder folder;
        folder.tensors()["encoder.layer.0.intermediate.dense.weight"] = {{12, 20},
                                                                         std::vector<float>(240)};
        folder.write_weights();
        const std::string e = open_error(folder.path());
        EXPECT_NE(e.find("\"encoder.layer.0.intermediate.dense.weight\" has shape [12, 20], "
                         "expected [20, 12]"),
                  std::string::npos)
            << e;
    }
    {
        SmallFolder folder;
        std::filesystem::remove(folder.path() + "/model.safetensors");
        const std::string e = open_error(folder.path());
        EXPECT_NE(e.find("model.safetensors: missing"), std::string::npos) << e;
    }
    {
        SmallFolder folder;
        folder.write("model.safetensors", "not a safetensors file");
        EXPECT_NE(open_error(folder.path()).find("model.safetensors"), std::string::npos);
    }
}

TEST(BertModel, RejectsABadConfig) {
    struct Case {
        std::string file, text, expected;
    };
    const std::vector<Case> cases = {
        {"config.json", "{\"hidden_size\": 12", "config.json: invalid JSON"},
        {"config.json", R"({"model_type": "bert", "vocab_size": 40})",
         "config.json: field \"hidden_size\" missing"},
        {"config.json",
         std::string(kSmallConfig)
             .replace(std::string(kSmallConfig).find("\"gelu\""), 6, "\"relu\""),
         "field \"hidden_act\" is \"relu\""},
        {"config.json",
         std::string(kSmallConfig)
             .replace(std::string(kSmallConfig).find("\"hidden_size\": 12"), 17,
                      "\"hidden_size\": -12"),
         "field \"hidden_size\" is -12"},
        {"config.json",
         std::string(kSmallConfig)
             .replace(std::string(kSmallConfig).find("\"bert\""), 6, "\"roberta\""),
         "only \"bert\" models are supported"},
        {"modules.json",
         R"([{"path": "", "type": "sentence_transformers.models.Transformer"},
             {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}])",
         "sentence_transformers.models.Dense\" is not supported"},
        {"sentence_bert_config.json", R"({"max_seq_length": "long"})",
         "field \"max_seq_length\" is not an integer"},
    };
    for (const Case& c : cases) {
        SmallFolder folder;
        folder.write(c.file, c.text);
        const std::string e = open_error(folder.path());
        EXPECT_NE(e.find(c.expected), std::string::npos) << c.file << ": " << e;
    }
    SmallFolder folder;
    std::filesystem::remove(folder.path() + "/config.json");
    EXPECT_NE(open_error(folder.path()).find("config.json: missing"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// The tiny random BERT of ../shared/fixtures/tiny-bert, against transformers' own outputs.

struct ReferenceCase {
    std::string text;
    std::vector<int32_t> ids;
    std::vector<float> mean, cls;
};

std::vector<ReferenceCase> read_reference(const std::string& path) {
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.load(path);
    std::vector<ReferenceCase> cases;
    for (simdjson::dom::element c : root["cases"].get_array()) {
        ReferenceCase r;
        r.text = std::string(std::string_view(c["text"]));
        for (int64_t id : c["input_ids"].get_array()) r.ids.push_back(static_cast<int32_t>(id));
        for (double v : c["mean_normalized"].get_array()) r.mean.push_back(static_cast<float>(v));
        for (double v : c["cls_normalized"].get_array()) r.cls.push_back(static_cast<float>(v));
        cases.push_back(std::move(r));
    }
    return cases;
}

TEST(TinyBert, MatchesTransformers) {
    PAPERBOY_REQUIRE_SHARED(dir, "fixtures/tiny-bert");
    const std::vector<ReferenceCase> cases = read_reference(dir + "/reference.json");
    ASSERT_EQ(cases.size(), 14u);
    auto model = BertModel::open(dir);
    ASSERT_TRUE(model.ok()) << model.error().message();
    EXPECT_EQ((*model)->info().dimensions, 64);
    EXPECT_EQ((*model)->info().max_tokens, 64);
    EXPECT_EQ((*model)->info().identity.rfind("bert:tiny-bert:", 0), 0u);

    // Every case's ids, then all of them encoded as one batch of mixed lengths.
    std::vector<std::vector<int32_t>> ids;
    for (const ReferenceCase& c : cases) {
        ids.push_back((*model)->tokenize(c.text));
        EXPECT_EQ(ids.back(), c.ids) << c.text;
    }
    std::vector<float> vectors(cases.size() * 64);
    ASSERT_TRUE((*model)->encoder().encode(ids, vectors.data()).ok());
    for (size_t i = 0; i < cases.size(); ++i) {
        EXPECT_LT(max_abs_diff(vectors.data() + i * 64, cases[i].mean), 1e-4f) << cases[i].text;
    }

    // Through embed(), on two workers: the same, but a text with no tokens is a zero row.
    EmbedderOptions options;
    options.threads = 2;
    options.batch_size = 3;
    auto threaded = BertModel::open(dir, options);
    ASSERT_TRUE(threaded.ok());
    std::vector<std::string> texts;
    for (const ReferenceCase& c : cases) texts.push_back(c.text);
    auto embedded = (*threaded)->embed(texts, Purpose::kDocument);
    ASSERT_TRUE(embedded.ok()) << embedded.error().message();
    for (size_t i = 0; i < cases.size(); ++i) {
        if (cases[i].ids.size() == 2) {
            EXPECT_EQ(*std::max_element(embedded->begin() + static_cast<long>(i * 64),
                                        embedded->begin() + static_cast<long>((i + 1) * 64)),
                      0.0f)
                << cases[i].text;
        } else {
            EXPECT_LT(max_abs_diff(embedded->data() + i * 64, cases[i].mean), 1e-4f)
                << cases[i].text;
        }
    }
}

TEST(TinyBert, ClsPoolingMatchesTransformers) {
    PAPERBOY_REQUIRE_SHARED(dir, "fixtures/tiny-bert");
    const std::vector<ReferenceCase> cases = read_reference(dir + "/reference.json");
    testing::TempDir copy;
    std::filesystem::copy(dir, copy.path(), std::filesystem::copy_options::recursive);
    std::filesystem::permissions(copy.path() + "/1_Pooling/config.json",
                                 std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    ASSERT_TRUE(testing::write_file(copy.path() + "/1_Pooling/config.json",
                                    R"({"pooling_mode_cls_token": true})"));
    auto model = BertModel::open(copy.path());
    ASSERT_TRUE(model.ok()) << model.error().message();
    ASSERT_EQ((*model)->encoder().pooling(), BertPooling::kCls);
    for (const ReferenceCase& c : cases) {
        std::vector<float> v(64);
        const std::vector<std::vector<int32_t>> one = {c.ids};
        ASSERT_TRUE((*model)->encoder().encode(one, v.data()).ok());
        EXPECT_LT(max_abs_diff(v.data(), c.cls), 1e-4f) << c.text;
    }
}

}  // namespace
}  // namespace paperboy::embed
