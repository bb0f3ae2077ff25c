// embed/model_folder.h — what kind of model a folder holds, told from its files.
//
// A Hugging Face model folder is either
//   static  a Model2Vec model: model.safetensors with an "embeddings" matrix (vocab x dims) and
//           no encoder layers, tokenizer.json, config.json (model_type "model2vec",
//           "normalize"), or
//   bert    a BERT encoder: config.json with model_type "bert" (or encoder.layer.* weights),
//           model.safetensors, tokenizer.json or vocab.txt, for sentence-transformers also
//           modules.json and 1_Pooling/config.json.
// describe_model_folder() reads only headers and small JSON files: it is cheap and never loads
// the weights. `paperboy model info DIR` prints format_model_description() of it, and
// open_embedder() uses the kind to choose the loader.
//
// Pure functions; safe from any thread. Depends on core/, embed/safetensors.h, simdjson.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"

namespace paperboy::embed {

struct ModelFolderDescription {
    std::string dir;
    std::string kind;                // "static", "bert", or "" when neither could be told
    std::string name;                // the folder's base name ("potion-base-4M-int8")
    std::string model_type;          // config.json "model_type" when present
    int dimensions = 0;              // embedding width (static: matrix columns; bert: hidden_size)
    size_t vocab_size = 0;           // the tokenizer's vocabulary (the largest id + 1)
    size_t rows = 0;                 // rows of the embedding matrix
    std::string dtype;               // of the embedding matrix: "F32", "F16", "I8", ...
    int layers = 0;                  // bert: encoder layers found in the weights
    int max_tokens = 0;              // bert: max_seq_length or max_position_embeddings
    bool normalize = false;          // static: config.json "normalize"
    std::vector<std::string> files;  // the files this reading looked at and found
    std::vector<std::string> problems;  // what would stop the model from loading; empty if none
};

// Describes `dir`. Errors only when `dir` is not a readable directory (kNotFound, kIo); a
// folder with missing or malformed files is described with `problems` instead.
Result<ModelFolderDescription> describe_model_folder(const std::string& dir);

// Several "key: value" lines for people, ending with the problems, if any.
std::string format_model_description(const ModelFolderDescription& description);

// Reads a whole file of at most `max_bytes`. Errors: kNotFound, kIo, kLimitExceeded, each
// naming the file.
Result<std::string> read_model_file(const std::string& path, size_t max_bytes);

}  // namespace paperboy::embed
