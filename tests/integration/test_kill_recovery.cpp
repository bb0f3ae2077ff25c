// kill -9 in the middle of an ingest leaves a consistent database, and running the same ingest
// again completes the job without duplicates.
//
// To kill at a known point mid-file, deterministically, the input is a named pipe: the test
// feeds part of the records, waits until the store shows committed batches, and kills the
// process while it is blocked reading the rest (with records parsed but not yet committed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "store/store.h"
#include "support/subprocess.h"

namespace paperboy {
namespace {

constexpr int kRecords = 10000;
// ~8 MB: more than the reader's 4 MiB buffer, and not a whole number of batches, so that records
// are parsed but not committed when the kill comes (the reader takes what the pipe holds).
constexpr int kFedBeforeKill = 6250;
constexpr int kBatch = 500;
constexpr int kCommittedBeforeKill = 2000;

// One arXiv snapshot record of our own (every field the format has, an abstract of a realistic
// length), in the form of Kaggle's arxiv-metadata-oai-snapshot.json.
constexpr std::string_view kRecordTemplate =
    R"({"id":"0704.0001","submitter":"Ada Quill","authors":"A. Quill, B. Okonkwo, C. R\\'enyi",)"
    R"("title":"Slow convergence of fast solvers for sparse\n  lattice systems","comments":)"
    R"("31 pages, 9 figures","journal-ref":"J. Synth. Phys. 12:345,2007","doi":)"
    R"("10.0000/jsp.2007.0001","report-no":"PB-TH-07-01","categories":"hep-lat cs.NA",)"
    R"("license":null,"abstract":"  We study iterative solvers for sparse linear systems that )"
    R"(arise from lattice\ndiscretisations and show that their convergence slows down in a )"
    R"(regime that\nis usually considered easy. A careful analysis of the spectrum of the )"
    R"(preconditioned\noperator explains the effect, and a small change to the restart )"
    R"(strategy removes it.\nWe compare conjugate gradients, GMRES with several restart )"
    R"(lengths and a\nmultigrid method on lattices of up to one billion sites, and report )"
    R"(wall-clock\ntimes, iteration counts and memory traffic for each. The analysis carries )"
    R"(over to\nother discretisations with the same spectral structure, which we characterise )"
    R"(in\nterms of the lattice's symmetry group. All code and data are available.\n",)"
    R"("versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},)"
    R"({"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}],"update_date":"2008-11-13",)"
    R"("authors_parsed":[["Quill","A.",""],["Okonkwo","B.",""],["R\\'enyi","C.",""]]})";

// kRecords distinct snapshot records made from the template by giving each a new id.
std::vector<std::string> make_records() {
    const std::string line(kRecordTemplate);
    const std::string id_field = "\"id\":\"0704.0001\"";
    size_t at = line.find(id_field);
    EXPECT_NE(at, std::string::npos);
    std::vector<std::string> records;
    for (int i = 1; i <= kRecords; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "\"id\":\"1501.%05d\"", i);
        std::string record = line;
        record.replace(at, id_field.size(), id);
        records.push_back(record + "\n");
    }
    return records;
}

// The summary line's number form: 2500 -> "2,500".
std::string with_commas(int64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

int64_t papers_in(const std::string& db) {
    auto store = store::open_store(db);
    if (!store.ok()) return -1;
    auto stats = (*store)->stats();
    return stats.ok() ? stats->papers : -1;
}

TEST(KillRecovery, KilledIngestLeavesConsistentStoreAndRerunCompletesIt) {
    signal(SIGPIPE, SIG_IGN);
    testing::TempDir dir;
    std::string db = dir.file("papers.db");
    std::string fifo = dir.file("input.jsonl");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::vector<std::string> records = make_records();

    pid_t pid =
        testing::spawn_process({PAPERBOY_BINARY, "ingest", "--db", db, "--format", "arxiv-jsonl",
                                "--batch-size", std::to_string(kBatch), "-q", fifo},
                               dir.file("ingest.log"));
    int fd = open(fifo.c_str(), O_WRONLY);  // blocks until the ingest opens the pipe
    ASSERT_GE(fd, 0);
    for (int i = 0; i < kFedBeforeKill; ++i) {
        ASSERT_EQ(write(fd, records[i].data(), records[i].size()),
                  static_cast<ssize_t>(records[i].size()));
    }
    // Wait until some batches are committed; the rest of what was fed is in the reader's
    // buffer or in a partial batch when the kill comes.
    int64_t committed = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        committed = papers_in(db);
        if (committed >= kCommittedBeforeKill) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    close(fd);
    ASSERT_TRUE(WIFSIGNALED(status));

    // Whole batches only, and only of what was fed: nothing half-written.
    committed = papers_in(db);
    EXPECT_GE(committed, kCommittedBeforeKill);
    EXPECT_LT(committed, kFedBeforeKill);
    EXPECT_EQ(committed % kBatch, 0);

    // The same job again, from a regular file holding every record, completes it.
    std::string file = dir.file("all.jsonl");
    std::string all;
    for (const auto& r : records) all += r;
    testing::write_file(file, all);
    auto rerun = testing::run_process({PAPERBOY_BINARY, "ingest", "--db", db, file});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_NE(rerun.err.find(with_commas(kRecords - committed) + " new, 0 updated, " +
                             with_commas(committed) + " unchanged"),
              std::string::npos)
        << rerun.err;
    EXPECT_EQ(papers_in(db), kRecords);

    auto store = store::open_store(db);
    ASSERT_TRUE(store.ok());
    auto changes = (*store)->changes_since(0, 100000);
    ASSERT_TRUE(changes.ok());
    EXPECT_EQ(changes->size(), static_cast<size_t>(kRecords)) << "one change per paper";
}

}  // namespace
}  // namespace paperboy
