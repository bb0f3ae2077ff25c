// app/vector_io.h — paper vectors in and out of a database as JSON lines (docs/embeddings.md,
// "Export format"), so that vectors computed elsewhere (a machine with a GPU, another
// instance) can be loaded without embedding again.
//
//   {"paperboy_vectors":1,"identity":"static:potion-base-4M:1a2b...","dimensions":256,"spec":"..."}
//   {"id":"2401.12345","text_hash":"0123456789abcdef","vector":[0.0123,-0.0456,...]}
//   ...
//
// The first line names the model; each further line is one paper's vector, with the hash of the
// text it embedded (app::embedding_text_hash, 16 hex digits). Floats are written in their
// shortest form that reads back to the same float32.
//
// Thread-safety: the functions use the store as any caller. Depends on store/ and ingest/.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "core/result.h"
#include "ingest/byte_source.h"
#include "store/vectors.h"

namespace paperboy::app {

// The longest line an import reads: 65536 dimensions of up to ~16 characters each, and more.
inline constexpr size_t kMaxVectorLine = size_t{2} << 20;

// Writes the header and every visible paper's vector of `model` to `out`, in paper id order;
// calls `progress` (papers written so far) every few thousand. Returns the number of vectors.
Result<int64_t> export_vectors(store::Vectors& vectors, const store::EmbeddingModel& model,
                               std::FILE* out, const std::function<void(int64_t)>& progress = {});

struct VectorImport {
    store::EmbeddingModel model;  // registered from the header
    int64_t lines = 0;            // vector lines read
    int64_t stored = 0;           // vectors stored (new or replacing another)
    int64_t unknown = 0;          // lines naming a paper the database lacks (or hides)
    int64_t stale = 0;            // lines whose text_hash is not the paper's text now: skipped
};

struct VectorImportOptions {
    size_t batch_size = 1024;  // lines per store transaction
    std::string spec;          // recorded as the model's spec when non-empty (else the header's)
    std::function<void(const VectorImport&)> progress;  // after each batch
};

// Reads an export from `input`: registers its model (kInvalidArgument when the identity is
// registered with other dimensions) and stores the vectors of the papers the database has whose
// text is the one that was embedded, in batches (each stored as it is read: an interrupted
// import keeps what it stored, and running it again is harmless). Errors: kParse naming the
// line for a malformed header or line, a vector of the wrong size, a line too long; kNotFound
// for an empty input.
Result<VectorImport> import_vectors(store::Vectors& vectors, ingest::ByteSource& input,
                                    const VectorImportOptions& options);

}  // namespace paperboy::app
