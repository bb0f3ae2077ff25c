// The real paperboy binary against a real database: every command, its output and exit codes.
// On SQLite (cli_test) and PostgreSQL (cli_test_pg): tests/support/test_database.h.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "support/shared_data.h"
#include "support/subprocess.h"
#include "support/test_database.h"

namespace paperboy {
namespace {

using testing::ProcessResult;
using testing::run_process;
using testing::TempDir;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kSeedPage =
    std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/seed-page-2025-11-03.json";
// Our own fixtures (tests/testdata/json/README.md): they run everywhere.
const std::string kSnapshotFixture =
    std::string(PAPERBOY_TESTDATA_DIR) + "/json/handmade_arxiv_snapshot.jsonl";

// The real samples of ../shared, one of each format.
constexpr const char* kSnapshot =
    "data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl";
constexpr const char* kHfDay = "data/hf-daily-papers/daily_papers_2024-10-25.json";

// The real samples hold 1,619 arXiv records of which 1,618 ids are distinct (1412.6776 is in
// both OAI files), plus the 66 local papers of the seed page (counted independently with
// Python's json and xml.etree over the files).
constexpr int64_t kSampleDistinctPapers = 1618 + 66;

ProcessResult paperboy(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return run_process(args);
}

int count_lines(const std::string& s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

class CliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        PAPERBOY_TEST_DATABASE(database_, dir_);
        db_ = database_.url;
    }
    TempDir dir_;
    testing::TestDatabase database_;
    std::string db_;  // --db: the SQLite file or the PostgreSQL URL
};

TEST_F(CliTest, IngestsEveryRealSampleFormatAndReingestsIdempotently) {
    PAPERBOY_REQUIRE_SHARED(snapshot, kSnapshot);
    PAPERBOY_REQUIRE_SHARED(
        raw,
        "data/arxiv-oai-pmh/litpuvn-arxiv-oai-harvester/ListRecords_arXivRaw_from2016-10-20.xml");
    PAPERBOY_REQUIRE_SHARED(
        hep_th,
        "data/arxiv-oai-pmh/hepcrawl/"
        "functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-th.xml");
    PAPERBOY_REQUIRE_SHARED(
        hep_ex,
        "data/arxiv-oai-pmh/hepcrawl/"
        "functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-ex.xml");
    PAPERBOY_REQUIRE_SHARED(
        dc, "data/arxiv-oai-pmh/scrapi-vcr/ListRecords_oai_dc_2014-12-24_2014-12-25.xml");
    PAPERBOY_REQUIRE_SHARED(
        atom, "data/arxiv-api-atom/xml_from_fixtures/q_testing_s0_m100_cfe7536492ca.xml");
    PAPERBOY_REQUIRE_SHARED(hf_day, kHfDay);
    std::vector<std::string> args = {"ingest", "--db", db_,  snapshot, raw,      hep_th,
                                     hep_ex,   dc,     atom, hf_day,   kSeedPage};

    ProcessResult first = paperboy(args);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.err.find("0 failed"), std::string::npos) << first.err;

    ProcessResult stats1 = paperboy({"stats", "--db", db_, "--json"});
    ASSERT_EQ(stats1.exit_code, 0) << stats1.err;

    ProcessResult second = paperboy(args);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.err.find(": 0 new, 0 updated"), std::string::npos) << second.err;
    ProcessResult stats2 = paperboy({"stats", "--db", db_, "--json"});
    EXPECT_EQ(stats1.out, stats2.out)
        << "a re-ingest must change nothing, the change feed included";

    auto store = store::open_store(db_);
    ASSERT_TRUE(store.ok());
    auto stats = (*store)->stats();
    ASSERT_TRUE(stats.ok());
    // Every record of the samples, less the ids that occur in two files.
    EXPECT_EQ(stats->papers, kSampleDistinctPapers);
    EXPECT_EQ(stats->daily_entries, 29 + 66);
    EXPECT_EQ(stats->daily_dates, 2);
}

TEST_F(CliTest, ShowPrintsHuggingFaceFieldNamesForAnyIdForm) {
    PAPERBOY_REQUIRE_SHARED(snapshot, kSnapshot);
    ASSERT_EQ(paperboy({"ingest", "--db", db_, "-q", snapshot}).exit_code, 0);
    for (const char* form :
         {"arXiv:0704.0001v2", "0704.0001", "https://arxiv.org/abs/0704.0001v1"}) {
        SCOPED_TRACE(form);
        ProcessResult r = paperboy({"show", "--db", db_, form, "--json"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("\"id\": \"0704.0001\""), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\"title\": \"Calculation of prompt diphoton production cross "
                             "sections at Tevatron and LHC energies\""),
                  std::string::npos);
        EXPECT_NE(r.out.find("\"summary\": \"A fully differential calculation"), std::string::npos);
        EXPECT_NE(r.out.find("\"name\": \"C. Balázs\""), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\"publishedAt\": \"2007-04-02T19:18:42Z\""), std::string::npos);
        EXPECT_NE(r.out.find("\"doi\": \"10.1103/PhysRevD.76.013009\""), std::string::npos);
    }
    ProcessResult text = paperboy({"show", "--db", db_, "0704.0001"});
    ASSERT_EQ(text.exit_code, 0);
    EXPECT_NE(text.out.find("https://arxiv.org/pdf/0704.0001"), std::string::npos);
}

TEST_F(CliTest, HuggingFaceDayBecomesARankedDailyList) {
    PAPERBOY_REQUIRE_SHARED(hf_day, kHfDay);
    ASSERT_EQ(paperboy({"ingest", "--db", db_, hf_day}).exit_code, 0);
    ProcessResult r = paperboy({"daily", "--db", db_, "--date", "2024-10-25", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    size_t first = r.out.find("\"upvotes\": ");
    ASSERT_NE(first, std::string::npos);
    EXPECT_EQ(r.out.substr(first, 13), "\"upvotes\": 64");
    EXPECT_NE(r.out.find("\"id\": \"2410.17243\""), std::string::npos);
    ProcessResult show = paperboy({"show", "--db", db_, "2410.17243", "--json"});
    EXPECT_NE(show.out.find("\"upvotes\": 64"), std::string::npos) << show.out;
}

TEST_F(CliTest, SeedPageIsTheDailyListOfItsDay) {
    ASSERT_EQ(paperboy({"ingest", "--db", db_, kSeedPage}).exit_code, 0);
    ProcessResult r = paperboy({"daily", "--db", db_, "--date", "2025-11-03"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("66 papers"), std::string::npos) << r.out;
    ProcessResult show = paperboy(
        {"show", "--db", db_,
         "local:do-not-always-look-right-investigating-the-capabilities-of-decoder-based-large",
         "--json"});
    // The slug is cut at 80 characters; the paper is found by it.
    EXPECT_EQ(show.exit_code, 0) << show.err;
}

TEST_F(CliTest, DailyWithoutADateShowsTheNewestList) {
    ProcessResult none = paperboy({"ingest", "--db", db_, "-q", kSnapshotFixture});
    ASSERT_EQ(none.exit_code, 0) << none.err;
    ProcessResult empty = paperboy({"daily", "--db", db_});
    EXPECT_EQ(empty.exit_code, 3);
    EXPECT_NE(empty.err.find("no daily lists"), std::string::npos) << empty.err;

    ASSERT_EQ(paperboy({"ingest", "--db", db_, "-q", kSeedPage}).exit_code, 0);
    ProcessResult newest = paperboy({"daily", "--db", db_, "--limit", "3"});
    ASSERT_EQ(newest.exit_code, 0) << newest.err;
    EXPECT_EQ(newest.out,
              paperboy({"daily", "--db", db_, "--date", "2025-11-03", "--limit", "3"}).out);
    EXPECT_NE(newest.out.find("Daily papers of 2025-11-03: 66 papers"), std::string::npos)
        << newest.out;
}

// A server that takes the connection and never answers: --timeout bounds each request, and
// with no retries the harvest fails after one attempt, saying why.
TEST_F(CliTest, HarvestGivesUpOnASilentServerAfterItsTimeout) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listener, 8), 0);  // the kernel completes the handshake; nobody reads
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

    ProcessResult r = paperboy({"harvest", "--db", db_, "--source", "hf-daily", "--base-url", base,
                                "--from", "2024-10-25", "--until", "2024-10-25", "--max-retries",
                                "0", "--timeout", "1", "--min-interval", "0", "-q"});
    close(listener);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("imed out"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(base), std::string::npos) << r.err;

    ProcessResult bad =
        paperboy({"harvest", "--db", db_, "--source", "hf-daily", "--timeout", "0"});
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

TEST_F(CliTest, MalformedRecordsAreReportedSkippedAndFailTheRun) {
    std::string good = testing::read_file(kSnapshotFixture);
    std::string first_line = good.substr(0, good.find('\n') + 1);
    std::string second_line =
        good.substr(first_line.size(), good.find('\n', first_line.size()) + 1 - first_line.size());
    std::string path = dir_.file("mixed.jsonl");
    testing::write_file(
        path,
        first_line + "{\"id\": \"not an id\", \"title\": \"x\"}\n{broken json\n" + second_line);
    ProcessResult r = paperboy({"ingest", "--db", db_, "--format", "arxiv-jsonl", path});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("mixed.jsonl line 2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mixed.jsonl line 3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2 new"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2 failed"), std::string::npos) << r.err;
    EXPECT_EQ(paperboy({"show", "--db", db_, "0706.1183"}).exit_code, 0);
}

TEST_F(CliTest, ErrorsAreOneClearLineWithDistinctExitCodes) {
    // A file that is not there, or a PostgreSQL database that was never created.
    ProcessResult missing_db = paperboy({"stats", "--db", database_.missing("nope.db")});
    EXPECT_EQ(missing_db.exit_code, 3);
    EXPECT_EQ(count_lines(missing_db.err), 1) << missing_db.err;
    EXPECT_NE(missing_db.err.find(database_.postgres() ? "/nope_db" : "nope.db"), std::string::npos)
        << missing_db.err;

    ASSERT_EQ(paperboy({"ingest", "--db", db_, "-q", kSeedPage}).exit_code, 0);
    ProcessResult unknown = paperboy({"show", "--db", db_, "2401.00001"});
    EXPECT_EQ(unknown.exit_code, 3);
    EXPECT_EQ(count_lines(unknown.err), 1) << unknown.err;

    ProcessResult bad_id = paperboy({"show", "--db", db_, "garbage"});
    EXPECT_EQ(bad_id.exit_code, 2);
    EXPECT_NE(bad_id.err.find("invalid paper id \"garbage\""), std::string::npos) << bad_id.err;

    ProcessResult bad_format = paperboy({"ingest", "--db", db_, "--format", "csv", kSeedPage});
    EXPECT_EQ(bad_format.exit_code, 2);
    EXPECT_NE(bad_format.err.find("known formats"), std::string::npos) << bad_format.err;

    std::string garbage = dir_.file("garbage.bin");
    testing::write_file(garbage, "\x01\x02\x03 not a paper format");
    ProcessResult undetectable = paperboy({"ingest", "--db", db_, garbage});
    EXPECT_NE(undetectable.exit_code, 0);
    EXPECT_NE(undetectable.err.find("garbage.bin"), std::string::npos) << undetectable.err;

    ProcessResult no_command = paperboy({});
    EXPECT_EQ(no_command.exit_code, 2);
}

TEST_F(CliTest, EveryCommandHasHelp) {
    for (const char* cmd : {"ingest", "harvest", "stats", "show", "daily"}) {
        SCOPED_TRACE(cmd);
        ProcessResult r = paperboy({cmd, "--help"});
        EXPECT_EQ(r.exit_code, 0);
        EXPECT_NE(r.out.find("--db"), std::string::npos) << r.out;
    }
}

}  // namespace
}  // namespace paperboy
