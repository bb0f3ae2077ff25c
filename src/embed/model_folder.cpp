#include "embed/model_folder.h"

#include <simdjson.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "embed/safetensors.h"
#include "embed/wordpiece.h"

namespace paperboy::embed {

namespace fs = std::filesystem;

Result<std::string> read_model_file(const std::string& path, size_t max_bytes) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) return Error(ErrorCode::kNotFound, path + ": no such file");
    if (!fs::is_regular_file(status)) return Error(ErrorCode::kIo, path + ": not a regular file");
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) return Error(ErrorCode::kIo, path + ": " + ec.message());
    if (size > max_bytes) {
        return Error(ErrorCode::kLimitExceeded, path + ": " + std::to_string(size) +
                                                    " bytes, over the limit of " +
                                                    std::to_string(max_bytes));
    }
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return Error(ErrorCode::kIo, path + ": " + std::strerror(errno));
    std::string data(static_cast<size_t>(size), '\0');
    const size_t n = data.empty() ? 0 : std::fread(data.data(), 1, data.size(), f);
    std::fclose(f);
    if (n != data.size()) return Error(ErrorCode::kIo, path + ": short read");
    return data;
}

namespace {

constexpr size_t kMaxConfigBytes = 1u << 20;

// Parses a small JSON file of the folder into `doc`; notes the file or the problem.
bool read_json(const fs::path& path, simdjson::dom::parser& parser, simdjson::dom::element& doc,
               ModelFolderDescription& d) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    Result<std::string> text = read_model_file(path.string(), kMaxConfigBytes);
    if (!text.ok()) {
        d.problems.push_back(text.error().message());
        return false;
    }
    if (parser.parse(simdjson::padded_string(*text)).get(doc) != simdjson::SUCCESS ||
        !doc.is_object()) {
        d.problems.push_back(path.string() + ": not a JSON object");
        return false;
    }
    d.files.push_back(path.filename().string());
    return true;
}

}  // namespace

Result<ModelFolderDescription> describe_model_folder(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return Error(ErrorCode::kNotFound, dir + ": no such folder");
    if (!fs::is_directory(dir, ec)) return Error(ErrorCode::kIo, dir + ": not a folder");

    ModelFolderDescription d;
    d.dir = dir;
    fs::path root(dir);
    d.name = (root.has_filename() ? root : root.parent_path()).filename().string();

    // config.json
    simdjson::dom::parser parser;
    simdjson::dom::element config;
    int64_t hidden = 0;
    int64_t max_positions = 0;
    if (read_json(root / "config.json", parser, config, d)) {
        std::string_view sv;
        if (config["model_type"].get_string().get(sv) == simdjson::SUCCESS) d.model_type = sv;
        bool normalize = false;
        if (config["normalize"].get_bool().get(normalize) == simdjson::SUCCESS) {
            d.normalize = normalize;
        }
        if (config["hidden_size"].get_int64().get(hidden) != simdjson::SUCCESS) hidden = 0;
        if (config["max_position_embeddings"].get_int64().get(max_positions) != simdjson::SUCCESS) {
            max_positions = 0;
        }
    }

    // model.safetensors: its header only
    bool has_embeddings = false;
    std::set<int> layers;
    const fs::path weights = root / "model.safetensors";
    if (!fs::exists(weights, ec)) {
        d.problems.push_back(weights.string() + ": missing");
    } else {
        Result<SafeTensors> st = SafeTensors::open(weights.string());
        if (!st.ok()) {
            d.problems.push_back(st.error().message());
        } else {
            d.files.push_back("model.safetensors");
            for (const TensorInfo& t : st->tensors()) {
                const size_t at = t.name.find("encoder.layer.");
                if (at != std::string::npos) {
                    layers.insert(std::atoi(t.name.c_str() + at + 14));
                }
            }
            d.layers = static_cast<int>(layers.size());
            const TensorInfo* e = st->find("embeddings");
            if (e == nullptr) e = st->find("embeddings.word_embeddings.weight");
            if (e == nullptr) e = st->find("bert.embeddings.word_embeddings.weight");
            if (e != nullptr && e->shape.size() == 2) {
                has_embeddings = e->name == "embeddings";
                d.rows = static_cast<size_t>(e->shape[0]);
                d.dimensions = static_cast<int>(e->shape[1]);
                d.dtype = std::string(dtype_name(e->dtype));
            } else if (e != nullptr) {
                d.problems.push_back(weights.string() + ": tensor \"" + e->name +
                                     "\" is not a matrix");
            }
        }
    }

    if (d.model_type == "bert" || !layers.empty()) {
        d.kind = "bert";
        if (hidden > 0) d.dimensions = static_cast<int>(hidden);
        d.max_tokens = static_cast<int>(max_positions);
        simdjson::dom::parser p2;
        simdjson::dom::element sbert;
        int64_t max_seq = 0;
        if (read_json(root / "sentence_bert_config.json", p2, sbert, d) &&
            sbert["max_seq_length"].get_int64().get(max_seq) == simdjson::SUCCESS && max_seq > 0) {
            d.max_tokens = static_cast<int>(max_seq);
        }
        if (fs::exists(root / "modules.json", ec)) d.files.push_back("modules.json");
        if (fs::exists(root / "1_Pooling" / "config.json", ec)) {
            d.files.push_back("1_Pooling/config.json");
        }
    } else if (has_embeddings) {
        d.kind = "static";
        if (fs::exists(root / "modules.json", ec)) d.files.push_back("modules.json");
    } else if (d.problems.empty()) {
        d.problems.push_back(dir +
                             ": neither a Model2Vec model (an \"embeddings\" tensor) nor a BERT "
                             "model (config.json model_type \"bert\")");
    }

    // The tokenizer, loaded in full: it is small, and loading is the only real check.
    const bool has_json = fs::exists(root / "tokenizer.json", ec);
    const bool has_vocab = fs::exists(root / "vocab.txt", ec);
    if (has_json) d.files.push_back("tokenizer.json");
    if (!has_json && has_vocab) {
        d.files.push_back("vocab.txt");
        if (fs::exists(root / "tokenizer_config.json", ec)) {
            d.files.push_back("tokenizer_config.json");
        }
    }
    Result<WordPiece> tokenizer = WordPiece::from_folder(dir);
    if (!tokenizer.ok()) {
        d.problems.push_back(tokenizer.error().message());
    } else {
        d.vocab_size = tokenizer->vocab_size();
        if (d.kind == "static" && d.rows != d.vocab_size) {
            d.problems.push_back("the tokenizer has " + std::to_string(d.vocab_size) +
                                 " tokens but the embedding matrix " + std::to_string(d.rows) +
                                 " rows");
        }
    }
    return d;
}

std::string format_model_description(const ModelFolderDescription& d) {
    std::string out;
    auto line = [&](std::string_view key, const std::string& value) {
        if (value.empty()) return;
        out.append(key).append(": ").append(value).append("\n");
    };
    line("folder", d.dir);
    line("kind", d.kind.empty() ? "unknown" : d.kind);
    line("name", d.name);
    line("model_type", d.model_type);
    if (d.dimensions > 0) line("dimensions", std::to_string(d.dimensions));
    if (d.vocab_size > 0) line("vocabulary", std::to_string(d.vocab_size));
    if (d.rows > 0) line("embedding rows", std::to_string(d.rows));
    line("dtype", d.dtype);
    if (d.layers > 0) line("layers", std::to_string(d.layers));
    if (d.max_tokens > 0) line("max tokens", std::to_string(d.max_tokens));
    if (d.kind == "static") line("normalize", d.normalize ? "yes" : "no");
    std::string files;
    for (const std::string& f : d.files) {
        if (!files.empty()) files += ", ";
        files += f;
    }
    line("files", files);
    if (d.problems.empty()) {
        out += "problems: none\n";
    } else {
        for (const std::string& p : d.problems) out.append("problem: ").append(p).append("\n");
    }
    return out;
}

}  // namespace paperboy::embed
