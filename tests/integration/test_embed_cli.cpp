// `paperboy embed` end to end, on the test's backend (SQLite, or PostgreSQL as embed_cli_test_pg):
// the real binary against tests/support/fake_embeddings_server.py (an OpenAI-compatible server,
// slowed down so that a run can be killed midway), then resumed; the database remembering its
// model; export to JSON lines and import into another database (unknown and stale papers
// counted, bad lines refused with their line number); db check on the result; and the real
// static model from ../shared when it is there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/listening_process.h"
#include "support/shared_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace paperboy {
namespace {

using testing::ListeningProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestDatabase;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kSnapshot = PAPERBOY_TESTDATA_DIR "/json/handmade_arxiv_snapshot.jsonl";
constexpr int kPapers = 12;  // in the snapshot

ProcessResult paperboy(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return testing::run_process(args);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// "vectors:    N of M papers": N, or -1.
int vectors_in(const std::string& db) {
    ProcessResult r = paperboy({"embed", "--db", db, "--status"});
    std::smatch m;
    static const std::regex kLine("vectors: +([0-9,]+) of");
    if (r.exit_code != 0 || !std::regex_search(r.out, m, kLine)) return -1;
    std::string digits = m[1].str();
    digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
    return std::stoi(digits);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

// The fake server's request log: the sum of the inputs of answered requests.
int inputs_answered(const std::string& log) {
    int n = 0;
    for (const std::string& line : lines_of(log)) {
        std::vector<std::string> fields;
        std::istringstream in(line);
        for (std::string f; std::getline(in, f, '\t');) fields.push_back(f);
        if (fields.size() >= 3 && fields[1] == "200") n += std::stoi(fields[2]);
    }
    return n;
}

class EmbedCli : public ::testing::Test {
  protected:
    void SetUp() override {
        PAPERBOY_TEST_DATABASE(db_, dir_);
        ProcessResult ingested = paperboy({"ingest", "--db", db_.url, kSnapshot, "-q"});
        ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
    }
    // A fake server answering each request after `delay_ms`.
    void start_server(int delay_ms) {
        server_ = std::make_unique<ListeningProcess>(
            std::vector<std::string>{PAPERBOY_PYTHON3, PAPERBOY_FAKE_EMBEDDINGS_SERVER, "--dims",
                                     "16", "--delay-ms", std::to_string(delay_ms), "--log",
                                     dir_.file("requests.tsv")},
            dir_.file("server.log"), std::regex("listening on port (\\d+)"));
    }
    std::string model_url() const {
        return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1#fake-model";
    }

    TempDir dir_;
    TestDatabase db_;
    std::unique_ptr<ListeningProcess> server_;
};

TEST_F(EmbedCli, AKilledRunResumesAndTheDatabaseRemembersItsModel) {
    ProcessResult no_model = paperboy({"embed", "--db", db_.url});
    EXPECT_EQ(no_model.exit_code, 2);
    EXPECT_TRUE(contains(no_model.err, "pass --model")) << no_model.err;

    start_server(/*delay_ms=*/300);
    const pid_t pid = testing::spawn_process(
        {kBinary, "embed", "--db", db_.url, "--model", model_url(), "--batch", "2"},
        dir_.file("embed.log"));
    // Killed once some batches are stored, with more to come.
    int stored = 0;
    for (int i = 0; i < 200 && stored < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        stored = vectors_in(db_.url);
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << testing::read_file(dir_.file("embed.log"));
    const int after_kill = vectors_in(db_.url);
    EXPECT_GE(after_kill, 2);
    EXPECT_LT(after_kill, kPapers);

    // Resumed without --model: the database's model, and only the papers still missing.
    ProcessResult resumed = paperboy({"embed", "--db", db_.url});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_TRUE(
        contains(resumed.err, "embedded " + std::to_string(kPapers - after_kill) + " papers"))
        << resumed.err;
    EXPECT_EQ(vectors_in(db_.url), kPapers);
    // Every paper was embedded once, but for the batch in flight when the first run was killed
    // (and the model's probe of one text when it opened, twice).
    const int answered = inputs_answered(testing::read_file(dir_.file("requests.tsv")));
    EXPECT_LE(answered, kPapers + 2 + 2);

    ProcessResult again = paperboy({"embed", "--db", db_.url});
    ASSERT_EQ(again.exit_code, 0);
    EXPECT_TRUE(contains(again.err, "embedded 0 papers")) << again.err;

    ProcessResult status_out = paperboy({"embed", "--db", db_.url, "--status"});
    EXPECT_TRUE(contains(status_out.out, "(the database's model)")) << status_out.out;
    EXPECT_TRUE(contains(status_out.out, "dimensions: 16")) << status_out.out;

    ProcessResult check = paperboy({"db", "check", "--db", db_.url});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_TRUE(contains(check.out, "paper_vectors")) << check.out;
}

TEST_F(EmbedCli, ExportedVectorsImportIntoAnotherDatabase) {
    start_server(0);
    ASSERT_EQ(paperboy({"embed", "--db", db_.url, "--model", model_url(), "-q"}).exit_code, 0);
    const std::string file = dir_.file("vectors.jsonl");
    ProcessResult exported = paperboy({"embed", "--db", db_.url, "--export", file});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::vector<std::string> lines = lines_of(testing::read_file(file));
    ASSERT_EQ(lines.size(), size_t{kPapers + 1});
    EXPECT_TRUE(contains(lines[0], "\"paperboy_vectors\":1")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"dimensions\":16")) << lines[0];
    EXPECT_TRUE(contains(lines[1], "\"text_hash\":\"")) << lines[1];

    // Another database: the same papers, but one unknown paper in the file and one whose text
    // has changed since.
    std::string why;
    auto other = testing::make_test_database(dir_, &why, "other.db");
    ASSERT_TRUE(other.has_value()) << why;
    ASSERT_EQ(paperboy({"ingest", "--db", other->url, kSnapshot, "-q"}).exit_code, 0);
    std::string edited = lines[1];
    const size_t id_end = edited.find("\",");
    ASSERT_NE(id_end, std::string::npos);
    const std::string unknown = "{\"id\":\"2412.99999" + edited.substr(id_end);
    const std::string stale = std::regex_replace(
        lines[2], std::regex("\"text_hash\":\"[0-9a-f]+\""), "\"text_hash\":\"0000000000000000\"");
    std::ofstream(dir_.file("edited.jsonl")) << lines[0] << "\n"
                                             << unknown << "\n"
                                             << stale << "\n"
                                             << lines[3] << "\n"
                                             << lines[4] << "\n";
    ProcessResult imported =
        paperboy({"embed", "--db", other->url, "--import", dir_.file("edited.jsonl")});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    EXPECT_TRUE(contains(imported.err, "imported 2 vectors")) << imported.err;
    EXPECT_TRUE(contains(imported.err, "1 name papers this database lacks")) << imported.err;
    EXPECT_TRUE(contains(imported.err, "1 were of a text that has changed")) << imported.err;
    EXPECT_EQ(vectors_in(other->url), 2);

    // The whole file: every vector, and the import made the model the database's.
    ProcessResult whole = paperboy({"embed", "--db", other->url, "--import", file});
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    EXPECT_EQ(vectors_in(other->url), kPapers);
    ProcessResult reexported = paperboy({"embed", "--db", other->url, "--export", "-", "-q"});
    ASSERT_EQ(reexported.exit_code, 0) << reexported.err;
    EXPECT_EQ(lines_of(reexported.out), lines);  // bit for bit, in the same order

    // Bad input is refused, naming the line.
    std::ofstream(dir_.file("bad.jsonl")) << lines[0] << "\n" << lines[1] << "\n{\"id\": 3}\n";
    ProcessResult bad = paperboy({"embed", "--db", other->url, "--import", dir_.file("bad.jsonl")});
    EXPECT_EQ(bad.exit_code, 1) << bad.err;
    EXPECT_TRUE(contains(bad.err, "line 3")) << bad.err;
    std::ofstream(dir_.file("short.jsonl"))
        << lines[0] << "\n"
        << "{\"id\":\"0705.4412\",\"text_hash\":\"0000000000000000\",\"vector\":[1,2]}\n";
    ProcessResult short_vector =
        paperboy({"embed", "--db", other->url, "--import", dir_.file("short.jsonl")});
    EXPECT_NE(short_vector.exit_code, 0);
    EXPECT_TRUE(contains(short_vector.err, "line 2")) << short_vector.err;
    EXPECT_TRUE(contains(short_vector.err, "16")) << short_vector.err;
}

TEST_F(EmbedCli, TheStaticModelFromSharedEmbedsEveryPaper) {
    PAPERBOY_REQUIRE_SHARED(model, "models/potion-base-4M-int8");
    ProcessResult r = paperboy({"embed", "--db", db_.url, "--model", model});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "static:")) << r.err;
    EXPECT_EQ(vectors_in(db_.url), kPapers);
}

}  // namespace
}  // namespace paperboy
