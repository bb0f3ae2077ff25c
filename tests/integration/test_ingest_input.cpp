// `paperboy ingest` on input that is not a plain regular file — pipes, standard input (-),
// /dev/stdin, process substitution (/dev/fd/N), gzip through any of them — for every format;
// gzip bombs; and runs in which some files fail. The real binary on our own fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ingest/temp_files.h"
#include "store/store.h"
#include "support/fixtures.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::run_process;
using testing::TempDir;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
const std::string& kSnapshot = testing::kFixtureSnapshot;
const std::string& kHfDaily = testing::kFixtureHfDay;

const std::vector<std::string>& kEveryFormat = testing::every_format_fixture();

// The descriptor bash gives the first process substitution: <(...) is /dev/fd/63.
constexpr int kSubstitutionFd = 63;

// How the input reaches the process.
struct Via {
    const char* label;
    const char* path;  // the argument naming the input
    int fd;            // the descriptor it arrives on
};
const std::vector<Via> kVias = {
    {"cat F | paperboy ingest -", "-", 0},
    {"cat F | paperboy ingest /dev/stdin", "/dev/stdin", 0},
    {"paperboy ingest <(cat F)", "/dev/fd/63", kSubstitutionFd},
};

std::vector<std::string> ingest_args(const std::string& db, std::vector<std::string> more) {
    std::vector<std::string> args = {kBinary, "ingest", "--db", db};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

int count_lines_with(const std::string& text, const std::string& needle) {
    int n = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (text.substr(start, end - start).find(needle) != std::string::npos) ++n;
        start = end + 1;
    }
    return n;
}

// From the summary line: "ingested 12 records" and the counts after "): ", which depend only on
// the input and the database's prior content (not on timing).
std::string summary_counts(const std::string& err) {
    size_t at = err.find("ingested ");
    if (at == std::string::npos) return "no summary in: " + err;
    size_t records_end = err.find(" from ", at);
    size_t counts = err.find("): ", at);
    size_t end = err.find('\n', at);
    if (records_end == std::string::npos || counts == std::string::npos) return err.substr(at);
    return err.substr(at, records_end - at) + " | " + err.substr(counts + 3, end - counts - 3);
}

int64_t papers_in(const std::string& db) {
    auto store = store::open_store(db);
    if (!store.ok()) return -1;
    auto stats = (*store)->stats();
    return stats.ok() ? stats->papers : -1;
}

class IngestInputTest : public ::testing::Test {
  protected:
    std::string fresh_db() { return dir_.file("papers" + std::to_string(++dbs_) + ".db"); }
    std::string gzip_of(const std::string& data) {
        return read_file(testing::write_gzip(dir_, "input.gz", data));
    }

    TempDir dir_;
    int dbs_ = 0;
};

TEST_F(IngestInputTest, EveryFormatThroughEveryKindOfPipeLoadsWhatTheFileLoads) {
    for (const std::string& file : kEveryFormat) {
        SCOPED_TRACE(file);
        std::string direct_db = fresh_db();
        ProcessResult direct = run_process(ingest_args(direct_db, {"-q", file}));
        ASSERT_EQ(direct.exit_code, 0) << direct.err;
        const std::string expected = summary_counts(direct.err);
        ASSERT_EQ(expected.find("ingested 0 records"), std::string::npos) << expected;

        const std::string plain = read_file(file);
        const std::string gzipped = gzip_of(plain);
        for (const Via& via : kVias) {
            for (const std::string* data : {&plain, &gzipped}) {
                SCOPED_TRACE(std::string(via.label) + (data == &gzipped ? ", gzip" : ", plain"));
                std::string db = fresh_db();
                ProcessResult r = run_process(ingest_args(db, {"-q", via.path}), *data, via.fd);
                EXPECT_EQ(r.exit_code, 0) << r.err;
                EXPECT_EQ(summary_counts(r.err), expected);
                EXPECT_EQ(papers_in(db), papers_in(direct_db));
            }
        }
    }
}

TEST_F(IngestInputTest, ExplicitFormatThroughAPipe) {
    std::string db = fresh_db();
    ProcessResult r =
        run_process(ingest_args(db, {"--format", "hf-daily", "-q", "-"}), read_file(kHfDaily));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(papers_in(db), 0);

    // The wrong format fails, naming standard input.
    ProcessResult wrong =
        run_process(ingest_args(fresh_db(), {"--format", "hf-daily", "-"}), read_file(kSnapshot));
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_EQ(count_lines_with(wrong.err, "paperboy: <stdin>"), 1) << wrong.err;
}

TEST_F(IngestInputTest, AShellPipelineAsUsersWriteIt) {
    std::string db = fresh_db();
    ProcessResult r = run_process(
        {"/bin/sh", "-c",
         "cat '" + kSnapshot + "' | '" + kBinary + "' ingest --db '" + db + "' /dev/stdin"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("ingested 12 records"), std::string::npos) << r.err;
}

TEST_F(IngestInputTest, NothingReadIsAnErrorNotAnEmptySuccess) {
    ProcessResult blank = run_process(ingest_args(fresh_db(), {"-"}), "\n\n  \n");
    EXPECT_EQ(blank.exit_code, 1);
    EXPECT_NE(blank.err.find("paperboy: <stdin>: cannot detect the format: the first 5 bytes are "
                             "white space"),
              std::string::npos)
        << blank.err;

    ProcessResult empty = run_process(ingest_args(fresh_db(), {"-"}), "");
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_NE(empty.err.find("paperboy: <stdin>: cannot detect the format of an empty input"),
              std::string::npos)
        << empty.err;

    ProcessResult empty_jsonl =
        run_process(ingest_args(fresh_db(), {"--format", "arxiv-jsonl", "-"}), "");
    EXPECT_EQ(empty_jsonl.exit_code, 1);
    EXPECT_NE(empty_jsonl.err.find("paperboy: <stdin>: empty input, no records"), std::string::npos)
        << empty_jsonl.err;

    ProcessResult no_papers = run_process(ingest_args(fresh_db(), {"-"}), "[]\n");
    EXPECT_EQ(no_papers.exit_code, 1);
    EXPECT_NE(no_papers.err.find("paperboy: <stdin>: no records in 3 bytes of hf-daily input"),
              std::string::npos)
        << no_papers.err;
    EXPECT_NE(no_papers.err.find("ingested 0 records from 1 file (1 file failed)"),
              std::string::npos)
        << no_papers.err;
}

TEST_F(IngestInputTest, StandardInputCanBeGivenOnlyOnce) {
    ProcessResult r = run_process(ingest_args(fresh_db(), {"-", kSnapshot, "-"}), "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("standard input (-) can be given only once"), std::string::npos) << r.err;
}

TEST_F(IngestInputTest, GzipBombIsRefusedWithFileAndPositionAndTheNextFileIsRead) {
    // 200 MB of line breaks in about 200 KB.
    std::string bomb = dir_.write("bomb.jsonl.gz", testing::newline_bomb(size_t{200} << 20));
    std::string db = fresh_db();
    // With its format given: detected, it would fail sooner (its start is white space).
    ProcessResult r =
        run_process(ingest_args(db, {"--format", "arxiv-jsonl", "-q", bomb, kSnapshot}));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines_with(r.err, bomb), 1) << r.err;
    EXPECT_NE(
        r.err.find("paperboy: cannot read " + bomb + ": gzip data expands more than 200-fold ("),
        std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("compressed bytes); refused as a likely gzip bomb"), std::string::npos);
    EXPECT_NE(r.err.find("ingested 12 records from 2 files (1 file failed)"), std::string::npos)
        << r.err;
    EXPECT_EQ(papers_in(db), 12);

    ProcessResult piped = run_process(
        ingest_args(fresh_db(), {"--format", "arxiv-jsonl", "-q", "-"}), read_file(bomb));
    EXPECT_EQ(piped.exit_code, 1);
    EXPECT_NE(piped.err.find("paperboy: cannot read <stdin>: gzip data expands more than"),
              std::string::npos)
        << piped.err;
}

TEST_F(IngestInputTest, AFailedFileIsReportedAndTheOthersAreStillRead) {
    std::string garbage = dir_.write("garbage.bin", "\x01\x02\x03 not a paper format");
    std::string gz = gzip_of(read_file(kSnapshot));
    std::string cut = dir_.write("cut.jsonl.gz", gz.substr(0, gz.size() / 2));
    std::string db = fresh_db();
    ProcessResult r = run_process(ingest_args(db, {"-q", kSnapshot, garbage, cut, kHfDaily}));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines_with(r.err, "garbage.bin"), 1) << r.err;
    EXPECT_NE(r.err.find("paperboy: " + garbage + ": cannot detect the format"), std::string::npos)
        << r.err;
    EXPECT_EQ(count_lines_with(r.err, "cut.jsonl.gz"), 1) << r.err;
    EXPECT_NE(r.err.find("paperboy: cannot read " + cut + ": unexpected end of file"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("from 4 files (2 files failed)"), std::string::npos) << r.err;

    // The truncated file held papers of the first one; the last file was read in full.
    std::string expected_db = fresh_db();
    ASSERT_EQ(run_process(ingest_args(expected_db, {"-q", kSnapshot, kHfDaily})).exit_code, 0);
    EXPECT_EQ(papers_in(db), papers_in(expected_db));
}

TEST_F(IngestInputTest, HelpSaysHowToReadStandardInput) {
    ProcessResult r = run_process({kBinary, "ingest", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("- for standard input"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("paperboy ingest --db papers.db -"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace paperboy
