#include "embed/static_model.h"

#include <simdjson.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/hash.h"
#include "embed/model_folder.h"
#include "embed/safetensors.h"

namespace paperboy::embed {

namespace fs = std::filesystem;

namespace {

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

// int(np.median(lengths)) as model2vec computes median_token_length (lengths in characters).
size_t median_token_length(const WordPiece& wp) {
    std::vector<size_t> lengths;
    lengths.reserve(wp.vocab_size());
    for (size_t id = 0; id < wp.vocab_size(); ++id) {
        const std::string_view token = wp.id_to_token(static_cast<int32_t>(id));
        if (!token.empty()) lengths.push_back(utf8_length(token));
    }
    if (lengths.empty()) return 1;
    std::sort(lengths.begin(), lengths.end());
    const size_t n = lengths.size();
    const double median =
        n % 2 == 1
            ? static_cast<double>(lengths[n / 2])
            : (static_cast<double>(lengths[n / 2 - 1]) + static_cast<double>(lengths[n / 2])) / 2.0;
    return std::max<size_t>(1, static_cast<size_t>(median));
}

thread_local WordPieceScratch t_scratch;
thread_local std::vector<int32_t> t_ids;
thread_local std::vector<int32_t> t_sum;

// acc += row, in blocks of 16 that the compiler turns into vector adds.
template <typename Acc, typename Row>
void accumulate(Acc* __restrict acc, const Row* __restrict row, size_t dims) {
    size_t d = 0;
    for (; d + 16 <= dims; d += 16) {
        for (size_t k = 0; k < 16; ++k) acc[d + k] += static_cast<Acc>(row[d + k]);
    }
    for (; d < dims; ++d) acc[d] += static_cast<Acc>(row[d]);
}

}  // namespace

Result<std::unique_ptr<StaticModel>> StaticModel::open(const std::string& dir, int max_tokens) {
    const fs::path root(dir);
    Result<WordPiece> tokenizer = WordPiece::from_folder(dir);
    if (!tokenizer.ok()) return tokenizer.error();
    std::unique_ptr<StaticModel> m(new StaticModel(std::move(tokenizer).value()));
    m->max_tokens_ = static_cast<size_t>(max_tokens > 0 ? max_tokens : kDefaultMaxTokens);

    // config.json: nothing in it changes the vectors (see the header on "normalize"), but a
    // malformed one is an error, as model2vec makes it.
    const fs::path config_path = root / "config.json";
    std::error_code ec;
    if (fs::exists(config_path, ec)) {
        Result<std::string> text = read_model_file(config_path.string(), 1u << 20);
        if (!text.ok()) return text.error();
        simdjson::dom::parser parser;
        simdjson::dom::element config;
        if (parser.parse(simdjson::padded_string(*text)).get(config) != simdjson::SUCCESS ||
            !config.is_object()) {
            return Error(ErrorCode::kParse, config_path.string() + ": not a JSON object");
        }
    }

    const std::string weights_path = (root / "model.safetensors").string();
    if (!fs::exists(weights_path, ec)) {
        return Error(ErrorCode::kNotFound, weights_path + ": no such file");
    }
    Result<SafeTensors> st = SafeTensors::open(weights_path);
    if (!st.ok()) return st.error();
    if (st->file_bytes().size() > kMaxWeightsBytes) {
        return Error(ErrorCode::kLimitExceeded, weights_path + ": larger than 4 GB");
    }
    const TensorInfo* e = st->find("embeddings");
    if (e == nullptr) {
        return Error(ErrorCode::kInvalidArgument,
                     weights_path + ": no \"embeddings\" tensor (not a Model2Vec model)");
    }
    if (e->shape.size() != 2 || e->shape[0] <= 0 || e->shape[1] <= 0 ||
        e->shape[1] > kMaxDimensions) {
        return Error(ErrorCode::kInvalidArgument,
                     weights_path + ": tensor \"embeddings\" is not a rows x dims matrix with 1.." +
                         std::to_string(kMaxDimensions) + " dims");
    }
    const auto rows = static_cast<size_t>(e->shape[0]);
    const auto dims = static_cast<size_t>(e->shape[1]);
    Result<std::vector<float>> matrix = st->to_float("embeddings");
    if (!matrix.ok()) return matrix.error();

    // Optional: token id -> row (vocabulary quantization) and per-token weights.
    const size_t vocab = m->tokenizer_.vocab_size();
    std::vector<float> mapping;
    if (const TensorInfo* t = st->find("mapping"); t != nullptr) {
        Result<std::vector<float>> v = st->to_float("mapping");
        if (!v.ok()) return v.error();
        if (v->size() != vocab) {
            return Error(ErrorCode::kInvalidArgument,
                         weights_path + ": tensor \"mapping\" has " + std::to_string(v->size()) +
                             " entries for " + std::to_string(vocab) + " tokens");
        }
        mapping = std::move(v).value();
    } else if (rows != vocab) {
        return Error(ErrorCode::kInvalidArgument,
                     weights_path + ": tensor \"embeddings\" has " + std::to_string(rows) +
                         " rows but the tokenizer " + std::to_string(vocab) + " tokens");
    }
    std::vector<float> weights;
    if (const TensorInfo* t = st->find("weights"); t != nullptr) {
        Result<std::vector<float>> v = st->to_float("weights");
        if (!v.ok()) return v.error();
        if (v->size() != vocab) {
            return Error(ErrorCode::kInvalidArgument,
                         weights_path + ": tensor \"weights\" has " + std::to_string(v->size()) +
                             " entries for " + std::to_string(vocab) + " tokens");
        }
        weights = std::move(v).value();
    }

    if (mapping.empty() && weights.empty() && e->dtype == DType::kI8) {
        const std::span<const uint8_t> raw = st->raw(*e);
        m->rows_i8_.assign(reinterpret_cast<const int8_t*>(raw.data()),
                           reinterpret_cast<const int8_t*>(raw.data()) + raw.size());
    } else if (mapping.empty() && weights.empty()) {
        m->rows_ = std::move(matrix).value();
    } else {
        m->rows_.assign(vocab * dims, 0.0f);
        for (size_t id = 0; id < vocab; ++id) {
            size_t row = id;
            if (!mapping.empty()) {
                const float r = mapping[id];
                if (!(r >= 0 && r < static_cast<float>(rows))) {
                    return Error(ErrorCode::kInvalidArgument,
                                 weights_path + ": tensor \"mapping\" sends token " +
                                     std::to_string(id) + " outside the embeddings");
                }
                row = static_cast<size_t>(r);
            }
            const float w = weights.empty() ? 1.0f : weights[id];
            for (size_t d = 0; d < dims; ++d)
                m->rows_[id * dims + d] = (*matrix)[row * dims + d] * w;
        }
    }
    m->row_count_ = (m->rows_i8_.empty() ? m->rows_.size() : m->rows_i8_.size()) / dims;
    m->dims_ = dims;
    m->max_chars_ = m->max_tokens_ * median_token_length(m->tokenizer_);

    ModelInfo& info = m->info_;
    info.kind = "static";
    info.name = (root.has_filename() ? root : root.parent_path()).filename().string();
    const std::span<const uint8_t> bytes = st->file_bytes();
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016" PRIx64,
                  stable_hash64(bytes.data(), bytes.size(), 0));
    info.identity = "static:" + info.name + ":" + digest;
    info.dimensions = static_cast<int>(dims);
    info.max_tokens = static_cast<int>(m->max_tokens_);
    return m;
}

size_t StaticModel::cut_length(std::string_view text) const {
    if (text.size() <= max_chars_) return text.size();  // fewer bytes than allowed characters
    size_t chars = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (chars == max_chars_) return i;
            ++chars;
        }
    }
    return text.size();
}

void StaticModel::ids_into(std::string_view text, std::vector<int32_t>& ids,
                           WordPieceScratch& s) const {
    ids.clear();
    tokenizer_.encode_into(text.substr(0, cut_length(text)), SIZE_MAX, ids, s);
    const int32_t unk = tokenizer_.unk_id();
    size_t kept = 0;
    for (const int32_t id : ids) {
        if (kept == max_tokens_) break;
        if (id == unk || id < 0 || static_cast<size_t>(id) >= row_count_) continue;
        ids[kept++] = id;
    }
    ids.resize(kept);
}

std::vector<int32_t> StaticModel::token_ids(std::string_view text) const {
    std::vector<int32_t> ids;
    WordPieceScratch scratch;
    ids_into(text, ids, scratch);
    return ids;
}

void StaticModel::embed_one(std::string_view text, std::span<float> out) const {
    std::fill(out.begin(), out.end(), 0.0f);
    ids_into(text, t_ids, t_scratch);
    if (t_ids.empty()) return;
    float* acc = out.data();
    if (!rows_i8_.empty()) {
        t_sum.assign(dims_, 0);
        for (const int32_t id : t_ids) {
            accumulate(t_sum.data(), rows_i8_.data() + static_cast<size_t>(id) * dims_, dims_);
        }
        for (size_t d = 0; d < dims_; ++d) acc[d] = static_cast<float>(t_sum[d]);
    } else {
        for (const int32_t id : t_ids) {
            accumulate(acc, rows_.data() + static_cast<size_t>(id) * dims_, dims_);
        }
    }
    // The mean's division cancels in the normalisation; it is kept so that the values are
    // model2vec's before its last step.
    const float inv_n = 1.0f / static_cast<float>(t_ids.size());
    double norm2 = 0;
    for (size_t d = 0; d < dims_; ++d) {
        acc[d] *= inv_n;
        norm2 += static_cast<double>(acc[d]) * acc[d];
    }
    const auto inv = static_cast<float>(1.0 / (std::sqrt(norm2) + 1e-32));
    for (size_t d = 0; d < dims_; ++d) acc[d] *= inv;
}

Result<std::vector<float>> StaticModel::embed(std::span<const std::string> texts,
                                              Purpose /*purpose*/) {
    std::vector<float> out(texts.size() * dims_);
    for (size_t i = 0; i < texts.size(); ++i) {
        embed_one(texts[i], std::span<float>(out.data() + i * dims_, dims_));
    }
    return out;
}

}  // namespace paperboy::embed
