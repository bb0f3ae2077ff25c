// The real `paperboy model` binary: pull from tests/support/fake_hf_hub.py (serving the tiny
// BERT of ../shared/fixtures, or a small folder written here), the one-line offline error, and
// `model info` on a pulled folder, a broken folder and a server
// (tests/support/fake_embeddings_server.py). Loopback only.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/listening_process.h"
#include "support/shared_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy {
namespace {

namespace fs = std::filesystem;
using testing::ListeningProcess;
using testing::ProcessResult;
using testing::read_file;
using testing::run_process;
using testing::TempDir;

const std::regex kListening("listening on port (\\d+)");

ProcessResult paperboy(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {PAPERBOY_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

TEST(ModelCli, PullsAFolderAndDescribesIt) {
    PAPERBOY_REQUIRE_SHARED(tiny_bert, "fixtures/tiny-bert");
    TempDir dir;
    ListeningProcess hub(
        {PAPERBOY_PYTHON3, PAPERBOY_FAKE_HF_HUB, "--repo", "test/tiny-bert", "--dir", tiny_bert},
        dir.file("hub.log"), kListening);
    ASSERT_NE(hub.port(), 0) << hub.log();
    setenv("PAPERBOY_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(hub.port())).c_str(), 1);
    ProcessResult pull = paperboy({"model", "pull", "test/tiny-bert", "--dir", dir.file("m")});
    unsetenv("PAPERBOY_HF_ENDPOINT");
    ASSERT_EQ(pull.exit_code, 0) << pull.err;
    EXPECT_EQ(pull.out, dir.file("m") + "\n");
    EXPECT_NE(pull.err.find("paperboy: pulled test/tiny-bert@0123456789ab into " + dir.file("m")),
              std::string::npos)
        << pull.err;
    EXPECT_NE(pull.err.find("paperboy: model.safetensors "), std::string::npos) << pull.err;
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "vocab.txt",
                             "modules.json", "1_Pooling/config.json"}) {
        EXPECT_EQ(read_file(dir.file("m/") + file), read_file(tiny_bert + "/" + file)) << file;
    }
    EXPECT_FALSE(fs::exists(dir.file("m/reference.json")));  // not a model file

    ProcessResult info = paperboy({"model", "info", dir.file("m")});
    EXPECT_EQ(info.exit_code, 0) << info.out << info.err;
    EXPECT_NE(info.out.find("kind: bert\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("dimensions: 64\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("pooling: mean\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("problems: none"), std::string::npos) << info.out;

    // Again: everything is there already.
    setenv("PAPERBOY_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(hub.port())).c_str(), 1);
    ProcessResult again = paperboy({"model", "pull", "test/tiny-bert", "--dir", dir.file("m")});
    unsetenv("PAPERBOY_HF_ENDPOINT");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("(all already there)"), std::string::npos) << again.err;
}

TEST(ModelCli, AnOfflineHubIsOneLine) {
    uint16_t port = 0;
    {
        TempDir dir;
        dir.write("model.safetensors", "x");
        ListeningProcess hub(
            {PAPERBOY_PYTHON3, PAPERBOY_FAKE_HF_HUB, "--repo", "a/b", "--dir", dir.path()},
            dir.file("hub.log"), kListening);
        port = hub.port();
    }
    TempDir out;
    setenv("PAPERBOY_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);
    ProcessResult pull = paperboy({"model", "pull", "a/b", "--dir", out.file("m")});
    unsetenv("PAPERBOY_HF_ENDPOINT");
    EXPECT_EQ(pull.exit_code, 1);
    EXPECT_TRUE(std::regex_match(
        pull.err, std::regex("paperboy: cannot reach 127\\.0\\.0\\.1:" + std::to_string(port) +
                             ": [^\n]+; paperboy stays lexical\n")))
        << pull.err;
    EXPECT_EQ(pull.out, "");
    EXPECT_FALSE(fs::exists(out.file("m")));
}

TEST(ModelCli, InfoOnAnUnusableFolderListsProblemsAndFails) {
    TempDir dir;
    dir.write("config.json", R"({"model_type": "bert", "hidden_size": 8})");
    ProcessResult info = paperboy({"model", "info", dir.path()});
    EXPECT_EQ(info.exit_code, 1) << info.out << info.err;
    EXPECT_NE(info.out.find("problem: "), std::string::npos) << info.out;
}

TEST(ModelCli, InfoProbesAServer) {
    TempDir dir;
    ListeningProcess server({PAPERBOY_PYTHON3, PAPERBOY_FAKE_EMBEDDINGS_SERVER, "--dims", "32"},
                            dir.file("server.log"), kListening);
    ASSERT_NE(server.port(), 0) << server.log();
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    ProcessResult info = paperboy({"model", "info", base + "/v1#my-model"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("endpoint: " + base + "/v1/embeddings\n"), std::string::npos)
        << info.out;
    EXPECT_NE(info.out.find("kind: openai\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("name: my-model\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("dimensions: 32\n"), std::string::npos) << info.out;
}

}  // namespace
}  // namespace paperboy
