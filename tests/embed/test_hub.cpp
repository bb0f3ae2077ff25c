// Model downloads (embed/hub.h): the tree listing's shape, which files a model needs, repo ids
// and default folders; then pull_model() against tests/support/fake_hf_hub.py on loopback,
// serving a folder each test writes: the files arrive checked and nothing else does, a second
// pull fetches nothing, a connection cut mid-file is resumed with a Range request (in the same
// run, or by the next run from the .part), a wrong digest leaves no file, and an unknown
// repository, revision or an unreachable hub are errors that say so.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "embed/hub.h"
#include "embed/sha256.h"
#include "support/listening_process.h"
#include "support/temp_dir.h"

namespace paperboy::embed {
namespace {

namespace fs = std::filesystem;
using testing::ListeningProcess;
using testing::read_file;
using testing::TempDir;

// ---------------------------------------------------------------------------------------------
// Pure parts.

TEST(HubListing, ReadsFilesWithTheirLfsDigestsAndSkipsDirectories) {
    const std::string sha(64, 'a');
    auto files = parse_tree_listing(R"([
        {"type": "directory", "oid": "x", "size": 0, "path": "1_Pooling"},
        {"type": "file", "oid": "b1", "size": 612, "path": "config.json"},
        {"type": "file", "oid": "b2", "size": 90868376, "path": "model.safetensors",
         "lfs": {"oid": ")" + sha + R"(", "size": 90868376, "pointerSize": 135}},
        {"type": "file", "oid": "b3", "size": 190, "path": "1_Pooling/config.json"}
    ])");
    ASSERT_TRUE(files.ok()) << files.error().message();
    ASSERT_EQ(files->size(), 3u);
    EXPECT_EQ((*files)[0].path, "config.json");
    EXPECT_EQ((*files)[0].size, 612);
    EXPECT_EQ((*files)[0].sha256, "");
    EXPECT_EQ((*files)[1].size, 90868376);
    EXPECT_EQ((*files)[1].sha256, sha);
    EXPECT_EQ((*files)[2].path, "1_Pooling/config.json");
}

TEST(HubListing, RefusesEntriesThatAreWrongOrLeaveTheFolder) {
    struct Case {
        const char* json;
        ErrorCode code;
        const char* message;
    } cases[] = {
        {"{}", ErrorCode::kParse, "not a JSON array"},
        {"[{\"type\": \"file\", \"path\": \"a\"}]", ErrorCode::kParse, "entry 0 (a): no \"size\""},
        {"[{\"type\": \"file\", \"size\": 1}]", ErrorCode::kParse, "entry 0: no \"path\""},
        {"[{\"type\": \"file\", \"size\": 1, \"path\": \"../x\"}]", ErrorCode::kInvalidArgument,
         "would leave the folder"},
        {"[{\"type\": \"file\", \"size\": 1, \"path\": \"/etc/x\"}]", ErrorCode::kInvalidArgument,
         "would leave the folder"},
        {"[{\"type\": \"file\", \"size\": 1, \"path\": \"m\", \"lfs\": {\"oid\": \"12\"}}]",
         ErrorCode::kParse, "lfs.oid is not a SHA-256"},
        {"[{\"type\": ", ErrorCode::kParse, "not JSON"},
    };
    for (const Case& c : cases) {
        auto files = parse_tree_listing(c.json);
        ASSERT_FALSE(files.ok()) << c.json;
        EXPECT_EQ(files.error().code(), c.code) << c.json;
        EXPECT_NE(files.error().message().find(c.message), std::string::npos)
            << files.error().message();
    }
}

TEST(HubFiles, TakesWhatAModelNeedsAndNoOtherWeights) {
    for (const char* path :
         {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
          "vocab.txt", "modules.json", "sentence_bert_config.json",
          "config_sentence_transformers.json", "special_tokens_map.json", "1_Pooling/config.json",
          "2_Normalize/config.json", "2_Dense/model.safetensors", "README.md", "LICENSE"}) {
        EXPECT_TRUE(is_model_file(path)) << path;
    }
    for (const char* path :
         {"pytorch_model.bin", "model.onnx", "onnx/model.onnx", "tf_model.h5", "rust_model.ot",
          "openvino/openvino_model.xml", ".gitattributes", "0_StaticEmbedding/model.safetensors",
          "1_Pooling/notes.txt", "x_Pooling/config.json", "data/train.jsonl"}) {
        EXPECT_FALSE(is_model_file(path)) << path;
    }
}

TEST(HubRepoId, AcceptsOrgSlashNameOnly) {
    for (const char* repo : {"sentence-transformers/all-MiniLM-L6-v2", "BAAI/bge-small-en-v1.5",
                             "minishlab/potion-base-8M", "intfloat/e5-small-v2"}) {
        EXPECT_TRUE(validate_repo_id(repo).ok()) << repo;
    }
    for (const char* repo :
         {"bert", "a/b/c", "../x", "a/..", "a/.x", "a/b c", "/b", "a/", "a/b?x", "a/b#c"}) {
        EXPECT_FALSE(validate_repo_id(repo).ok()) << repo;
    }
}

TEST(HubDefaults, EndpointAndFolderComeFromTheEnvironment) {
    unsetenv("PAPERBOY_HF_ENDPOINT");
    unsetenv("HF_ENDPOINT");
    EXPECT_EQ(default_hub_endpoint(), "https://huggingface.co");
    setenv("HF_ENDPOINT", "https://hf-mirror.example/", 1);
    EXPECT_EQ(default_hub_endpoint(), "https://hf-mirror.example");
    setenv("PAPERBOY_HF_ENDPOINT", "http://127.0.0.1:9", 1);
    EXPECT_EQ(default_hub_endpoint(), "http://127.0.0.1:9");
    unsetenv("PAPERBOY_HF_ENDPOINT");
    unsetenv("HF_ENDPOINT");

    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/reader", 1);
    EXPECT_EQ(*default_model_dir("BAAI/bge-small-en-v1.5"),
              "/home/reader/.cache/paperboy/models/BAAI/bge-small-en-v1.5");
    setenv("XDG_CACHE_HOME", "/var/cache/me", 1);
    EXPECT_EQ(*default_model_dir("a/b"), "/var/cache/me/paperboy/models/a/b");
    unsetenv("XDG_CACHE_HOME");
}

// ---------------------------------------------------------------------------------------------
// Against the fake hub.

constexpr const char* kRepo = "test-org/tiny-model";

std::string random_bytes(size_t n, uint32_t seed) {
    std::mt19937 random(seed);
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(random() & 0xFF);
    return out;
}

// A repository as the hub would hold it: what a model needs and what it does not.
class Repository {
  public:
    Repository() {
        add("config.json", R"({"hidden_size": 8, "model_type": "bert"})");
        add("model.safetensors", random_bytes(300000, 1));
        add("tokenizer.json", random_bytes(5000, 2));  // over 1000 bytes: an LFS file
        add("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
        add("modules.json", "[]");
        add("1_Pooling/config.json", R"({"pooling_mode_mean_tokens": true})");
        add("pytorch_model.bin", random_bytes(2000, 3));
        add("onnx/model.onnx", random_bytes(2000, 4));
        add(".gitattributes", "*.safetensors filter=lfs\n");
    }
    void add(const std::string& path, const std::string& data) {
        fs::create_directories(fs::path(dir_.file(path)).parent_path());
        dir_.write(path, data);
        files_[path] = data;
    }
    const std::string& path() const { return dir_.path(); }
    const std::string& data(const std::string& path) const { return files_.at(path); }

  private:
    TempDir dir_;
    std::map<std::string, std::string> files_;
};

struct LoggedRequest {
    std::string method;
    std::string path;
    std::string range;
    std::string status;
};

class FakeHub {
  public:
    FakeHub(const Repository& repo, std::vector<std::string> args) {
        std::vector<std::string> argv = {
            PAPERBOY_PYTHON3, PAPERBOY_FAKE_HF_HUB, "--repo", kRepo,
            "--dir",          repo.path(),          "--log",  dir_.file("log.tsv")};
        argv.insert(argv.end(), args.begin(), args.end());
        process_ = std::make_unique<ListeningProcess>(argv, dir_.file("hub.log"),
                                                      std::regex("listening on port (\\d+)"));
    }
    uint16_t port() const { return process_->port(); }
    std::string log() const { return process_->log(); }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }
    std::vector<LoggedRequest> requests() const {
        std::vector<LoggedRequest> out;
        std::istringstream in(read_file(dir_.file("log.tsv")));
        std::string line;
        while (std::getline(in, line)) {
            std::vector<std::string> f;
            std::stringstream fields(line);
            std::string field;
            while (std::getline(fields, field, '\t')) f.push_back(field);
            if (f.size() == 4) out.push_back({f[0], f[1], f[2], f[3]});
        }
        return out;
    }
    int count(const std::string& path_part) const {
        int n = 0;
        for (const auto& r : requests()) n += r.path.find(path_part) != std::string::npos;
        return n;
    }

  private:
    TempDir dir_;
    std::unique_ptr<ListeningProcess> process_;
};

#define START_HUB(var, repo, ...)                             \
    FakeHub var(repo, std::vector<std::string>{__VA_ARGS__}); \
    ASSERT_NE(var.port(), 0) << "the fake hub did not start: " << var.log()

PullOptions options_for(const FakeHub& hub, const TempDir& out) {
    PullOptions options;
    options.endpoint = hub.endpoint();
    options.dir = out.file("model");
    options.backoff_ms = 10;
    return options;
}

const std::vector<std::string> kWanted = {"1_Pooling/config.json", "config.json",
                                          "model.safetensors",     "modules.json",
                                          "tokenizer.json",        "vocab.txt"};

std::vector<std::string> files_under(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) out.push_back(fs::relative(entry.path(), dir).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(HubPull, FetchesTheModelFilesCheckedAndNothingElse) {
    Repository repo;
    START_HUB(hub, repo, "--page-size", "3");
    TempDir out;
    std::vector<PullProgress> progress;
    PullOptions options = options_for(hub, out);
    options.on_progress = [&](const PullProgress& p) { progress.push_back(p); };
    auto report = pull_model(kRepo, options);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(report->commit, "0123456789abcdef0123456789abcdef01234567");
    EXPECT_EQ(report->dir, out.file("model"));
    EXPECT_EQ(files_under(out.file("model")), kWanted);
    for (const std::string& path : kWanted) {
        EXPECT_EQ(read_file(out.file("model/" + path)), repo.data(path)) << path;
    }
    std::vector<std::string> skipped = report->skipped;
    std::sort(skipped.begin(), skipped.end());
    EXPECT_EQ(skipped,
              (std::vector<std::string>{".gitattributes", "onnx/model.onnx", "pytorch_model.bin"}));
    int64_t total = 0;
    for (const std::string& path : kWanted) total += static_cast<int64_t>(repo.data(path).size());
    EXPECT_EQ(report->fetched_bytes, total);
    EXPECT_EQ(report->reused_bytes, 0);
    // Every file reported done once, the last with all bytes.
    int done = 0;
    for (const PullProgress& p : progress) {
        done += p.file_done;
        EXPECT_EQ(p.total_bytes, total);
        EXPECT_LE(p.done_bytes, total);
    }
    EXPECT_EQ(done, 6);
    EXPECT_EQ(progress.back().done_bytes, total);
    // The listing came in pages and the files by the commit, not the branch.
    EXPECT_GE(hub.count("/tree/0123456789abcdef"), 4);
    EXPECT_EQ(hub.count("/resolve/main/"), 0);
    EXPECT_EQ(hub.count("pytorch_model.bin"), 0);
}

TEST(HubPull, ASecondPullFetchesNothing) {
    Repository repo;
    START_HUB(hub, repo);
    TempDir out;
    ASSERT_TRUE(pull_model(kRepo, options_for(hub, out)).ok());
    auto again = pull_model(kRepo, options_for(hub, out));
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->fetched_bytes, 0);
    EXPECT_EQ(hub.count("/resolve/"), 6);  // all from the first pull
    EXPECT_EQ(hub.count("/cdn/"), 2);      // its two LFS files
}

TEST(HubPull, ResumesAConnectionCutMidFileWithARange) {
    Repository repo;
    START_HUB(hub, repo, "--cut-after", "100000");
    TempDir out;
    auto report = pull_model(kRepo, options_for(hub, out));
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(read_file(out.file("model/model.safetensors")), repo.data("model.safetensors"));
    bool resumed = false;
    for (const auto& r : hub.requests()) {
        if (r.path.starts_with("/cdn/") && r.range == "bytes=100000-") {
            resumed = r.status == "206";
        }
    }
    EXPECT_TRUE(resumed) << "no 206 answer to bytes=100000-";
}

TEST(HubPull, TheNextRunResumesFromThePartFile) {
    Repository repo;
    START_HUB(hub, repo, "--cut-after", "120000");
    TempDir out;
    PullOptions options = options_for(hub, out);
    options.retries = 0;
    auto first = pull_model(kRepo, options);
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(first.error().message().find("run the pull again to resume"), std::string::npos)
        << first.error().message();
    EXPECT_EQ(fs::file_size(out.file("model/model.safetensors.part")), 120000u);
    EXPECT_FALSE(fs::exists(out.file("model/model.safetensors")));

    auto second = pull_model(kRepo, options);
    ASSERT_TRUE(second.ok()) << second.error().message();
    EXPECT_EQ(read_file(out.file("model/model.safetensors")), repo.data("model.safetensors"));
    EXPECT_FALSE(fs::exists(out.file("model/model.safetensors.part")));
    EXPECT_GE(second->reused_bytes, 120000);
    bool ranged = false;
    for (const auto& r : hub.requests()) ranged |= r.range == "bytes=120000-" && r.status == "206";
    EXPECT_TRUE(ranged);
}

TEST(HubPull, AServerThatIgnoresTheRangeStartsThePartAgain) {
    Repository repo;
    START_HUB(hub, repo, "--cut-after", "50000", "--ignore-range");
    TempDir out;
    auto report = pull_model(kRepo, options_for(hub, out));
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(read_file(out.file("model/model.safetensors")), repo.data("model.safetensors"));
}

TEST(HubPull, AWrongDigestLeavesNoFile) {
    Repository repo;
    START_HUB(hub, repo, "--corrupt", "model.safetensors");
    TempDir out;
    auto report = pull_model(kRepo, options_for(hub, out));
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code(), ErrorCode::kCorruption);
    const std::string& message = report.error().message();
    EXPECT_NE(message.find("model.safetensors: SHA-256"), std::string::npos) << message;
    EXPECT_NE(message.find(sha256_hex(repo.data("model.safetensors"))), std::string::npos)
        << message;
    EXPECT_FALSE(fs::exists(out.file("model/model.safetensors")));
    EXPECT_FALSE(fs::exists(out.file("model/model.safetensors.part")));
}

TEST(HubPull, ReplacesAFileThatDoesNotMatchTheListing) {
    Repository repo;
    START_HUB(hub, repo);
    TempDir out;
    ASSERT_TRUE(pull_model(kRepo, options_for(hub, out)).ok());
    std::string damaged = repo.data("model.safetensors");
    damaged[10] ^= 1;
    testing::write_file(out.file("model/model.safetensors"), damaged);
    ASSERT_TRUE(pull_model(kRepo, options_for(hub, out)).ok());
    EXPECT_EQ(read_file(out.file("model/model.safetensors")), repo.data("model.safetensors"));
}

TEST(HubPull, UnknownRepositoryAndRevisionAreNotFound) {
    Repository repo;
    START_HUB(hub, repo);
    TempDir out;
    auto missing = pull_model("test-org/no-such-model", options_for(hub, out));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(missing.error().message().find("test-org/no-such-model@main: HTTP 401: "
                                             "Repository not found"),
              std::string::npos)
        << missing.error().message();

    PullOptions options = options_for(hub, out);
    options.revision = "v9";
    auto revision = pull_model(kRepo, options);
    ASSERT_FALSE(revision.ok());
    EXPECT_EQ(revision.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(revision.error().message().find("Invalid rev id: v9"), std::string::npos)
        << revision.error().message();
    EXPECT_FALSE(fs::exists(out.file("model")));
}

TEST(HubPull, ARepositoryWithoutSafetensorsIsRefused) {
    TempDir bare;
    bare.write("config.json", "{}");
    bare.write("pytorch_model.bin", random_bytes(3000, 9));
    std::vector<std::string> argv = {PAPERBOY_PYTHON3, PAPERBOY_FAKE_HF_HUB, "--repo", kRepo,
                                     "--dir",          bare.path()};
    TempDir logs;
    ListeningProcess hub(argv, logs.file("hub.log"), std::regex("listening on port (\\d+)"));
    ASSERT_NE(hub.port(), 0) << hub.log();
    PullOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(hub.port());
    options.dir = logs.file("model");
    auto report = pull_model(kRepo, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(report.error().message().find("no model.safetensors at its top (it has "
                                            "pytorch_model.bin)"),
              std::string::npos)
        << report.error().message();
}

TEST(HubPull, SendsTheTokenToTheHub) {
    Repository repo;
    START_HUB(hub, repo, "--token", "hf_secret");
    TempDir out;
    unsetenv("HF_TOKEN");
    auto refused = pull_model(kRepo, options_for(hub, out));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kNotFound);
    setenv("HF_TOKEN", "hf_secret", 1);
    auto report = pull_model(kRepo, options_for(hub, out));
    unsetenv("HF_TOKEN");
    ASSERT_TRUE(report.ok()) << report.error().message();
}

TEST(HubPull, AnUnreachableHubSaysPaperboyStaysLexical) {
    uint16_t port = 0;
    {
        Repository repo;
        START_HUB(hub, repo);
        port = hub.port();
    }
    TempDir out;
    PullOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(port);
    options.dir = out.file("model");
    auto report = pull_model(kRepo, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code(), ErrorCode::kUnavailable);
    const std::string& message = report.error().message();
    EXPECT_TRUE(message.starts_with("cannot reach 127.0.0.1:" + std::to_string(port) + ": "))
        << message;
    EXPECT_TRUE(message.ends_with("; paperboy stays lexical")) << message;
}

}  // namespace
}  // namespace paperboy::embed
