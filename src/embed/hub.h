// embed/hub.h — downloading a model folder from the Hugging Face hub (`paperboy model pull`).
//
// The hub's own API, as huggingface_hub uses it:
//   GET {endpoint}/api/models/{repo}/revision/{rev}          {"sha": commit, ...}
//   GET {endpoint}/api/models/{repo}/tree/{commit}?recursive=true
//       [{"type": "file", "path", "size", "oid", "lfs": {"oid": sha256, "size"}}, ...]
//       more pages behind a Link: <...>; rel="next" header
//   GET {endpoint}/{repo}/resolve/{commit}/{path}             the bytes (LFS files redirect
//                                                             to a CDN; Range is honoured)
// Only what an embedder needs is fetched (is_model_file): safetensors weights, configs,
// tokenizer files, sentence-transformers module configs, README and LICENSE — never
// pytorch_model.bin, ONNX or TensorFlow copies. Each file goes to FILE.part first, is resumed
// with a Range request when a .part is there (from an earlier run or a broken connection),
// is checked (LFS files against the listed SHA-256, others against the listed size) and only
// then renamed into place; a file already there with the right size and digest is kept.
//
// Thread-safety: functions are independent; pull_model() runs on the calling thread and calls
// `on_progress` from it. Depends on core/ and libcurl.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace paperboy::embed {

// One file of a repository as the tree listing describes it.
struct HubFile {
    std::string path;    // relative, '/'-separated: "1_Pooling/config.json"
    int64_t size = 0;    // bytes of the content (for LFS files, of the real file)
    std::string sha256;  // lower-case hex, for LFS files; empty otherwise
};

// Parses one page of a tree listing (a JSON array); directories are skipped. Errors: kParse
// naming the entry and field that are wrong; kInvalidArgument for a path that would leave the
// folder ("..", absolute, backslashes).
Result<std::vector<HubFile>> parse_tree_listing(std::string_view json);

// True for the files a model folder needs (see the header comment), by path.
bool is_model_file(std::string_view path);

// Checks "ORG/NAME" (letters, digits, '-', '_', '.'; no "..").
Status validate_repo_id(std::string_view repo);

// $PAPERBOY_HF_ENDPOINT, else $HF_ENDPOINT, else https://huggingface.co; no trailing '/'.
std::string default_hub_endpoint();

// Where `paperboy model pull ORG/NAME` puts a model without --dir:
// $XDG_CACHE_HOME/paperboy/models/ORG/NAME, else ~/.cache/paperboy/models/ORG/NAME.
Result<std::string> default_model_dir(std::string_view repo);

struct PullProgress {
    std::string file;         // the file being fetched
    int64_t file_bytes = 0;   // of it, on disk so far (a resumed part included)
    int64_t file_size = 0;    // its size
    int64_t done_bytes = 0;   // of all files, on disk so far
    int64_t total_bytes = 0;  // of all files
    double rate = 0;          // bytes per second fetched in this run, over the last seconds
    bool file_done = false;   // the file is complete and checked
    bool reused = false;      // ... and was already there (nothing fetched)
};

struct PullOptions {
    std::string endpoint;           // empty: default_hub_endpoint()
    std::string revision = "main";  // branch, tag or commit
    std::string dir;                // empty: default_model_dir(repo)
    std::string token;              // sent as a Bearer token to the hub; empty: $HF_TOKEN
    int retries = 3;                // a broken transfer is resumed this many times
    int backoff_ms = 1000;          // before the first resume; doubles each time
    int connect_timeout_ms = 15000;
    int stall_seconds = 60;  // a transfer slower than 1 KiB/s for this long is broken
    int64_t max_file_bytes = int64_t{16} << 30;
    std::string user_agent = "Paperboy/0.1.0 (+https://github.com/paperboy/paperboy)";
    std::function<void(const PullProgress&)> on_progress;  // may be empty
};

struct PullReport {
    std::string repo;
    std::string commit;  // the commit the revision resolved to
    std::string dir;
    std::vector<HubFile> files;        // fetched or kept
    std::vector<std::string> skipped;  // in the repository but not needed
    int64_t fetched_bytes = 0;         // downloaded by this run
    int64_t reused_bytes = 0;          // already on disk (complete files and resumed parts)
    double seconds = 0;
};

// Downloads the model files of `repo` at options.revision into the folder. Errors:
// kUnavailable ("cannot reach HOST: ...; paperboy stays lexical" when the hub cannot be
// reached; a transfer that kept breaking), kNotFound (no such repository, revision or file —
// with the hub's message), kInvalidArgument (a bad repo id; a repository without
// model.safetensors), kCorruption (a file whose digest or size is not the listed one: its
// .part is deleted), kIo (the folder cannot be written).
Result<PullReport> pull_model(std::string_view repo, const PullOptions& options = {});

}  // namespace paperboy::embed
