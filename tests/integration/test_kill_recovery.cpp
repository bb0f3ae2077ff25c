// kill -9 in the middle of an ingest leaves a consistent database, and running the same ingest
// again completes the job without duplicates; kill -9 of a server taking votes leaves every
// paper's count equal to its votes, and a restarted server takes the rest. On SQLite
// (kill_recovery_test) and PostgreSQL (kill_recovery_test_pg): tests/support/test_database.h.
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

#include <atomic>
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/accounts.h"
#include "store/store.h"
#include "support/http_client.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/test_database.h"

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
    testing::TestDatabase database;
    PAPERBOY_TEST_DATABASE(database, dir);
    const std::string& db = database.url;  // the SQLite file or the PostgreSQL URL
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
    {
        // Each committed paper came with its change-feed entry, in the same transaction.
        auto store = store::open_store(db);
        ASSERT_TRUE(store.ok());
        auto changes = (*store)->changes_since(0, 100000);
        ASSERT_TRUE(changes.ok());
        EXPECT_EQ(static_cast<int64_t>(changes->size()), committed);
    }

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

// A server taking votes, killed with SIGKILL mid-request: every vote it acknowledged is in the
// database, the paper's count equals its votes, and a new server on the same database takes
// the rest.
constexpr int kVoters = 16;
constexpr int kVotesBeforeKill = 200;

std::optional<testing::HttpReply> call(uint16_t port, const std::string& method,
                                       const std::string& target, const std::string& token) {
    testing::RawHttpClient client(port);
    if (!client.connected()) return std::nullopt;
    return client.request(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" +
                          (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
                          "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

int json_int(const std::string& body, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("\"" + key + "\":(-?\\d+)"))) return -1;
    return std::stoi(m[1].str());
}

TEST(KillRecovery, KilledServerLeavesVotesConsistentAndARestartTakesTheRest) {
    signal(SIGPIPE, SIG_IGN);
    testing::TempDir dir;
    testing::TestDatabase database;
    PAPERBOY_TEST_DATABASE(database, dir);
    const std::string& db = database.url;
    auto ingest = testing::run_process(
        {PAPERBOY_BINARY, "ingest", "--db", db, "-q",
         std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/seed-page-2025-11-03.json"});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    std::vector<std::string> tokens;
    std::vector<int64_t> users;
    {
        auto store = store::open_store(db);
        ASSERT_TRUE(store.ok());
        app::Accounts accounts(**store);
        for (int i = 0; i < kVoters; ++i) {
            const std::string handle = "voter" + std::to_string(i);
            auto user = accounts.sign_up(handle, handle + "@example.org", "correct horse battery");
            ASSERT_TRUE(user.ok()) << user.error().message();
            users.push_back(user->id);
            tokens.push_back(*accounts.create_api_token(user->id, "test"));
        }
    }
    const std::vector<std::string> serve_args = database.with_index({"--api-rate", "0"});

    std::string id;
    int before = -1;  // the paper's upvotes before any vote
    // Per voter: the last vote the server acknowledged and the one in flight (-1: none).
    std::vector<int> acknowledged(kVoters, -1), in_flight(kVoters, -1);
    {
        testing::ServeProcess server(PAPERBOY_BINARY, db, dir.file("serve1.log"), serve_args);
        ASSERT_NE(server.port(), 0) << server.log();
        auto list = call(server.port(), "GET", "/api/daily_papers?date=2025-11-03&limit=1", "");
        std::smatch m;
        ASSERT_TRUE(list && list->status == 200);
        ASSERT_TRUE(
            std::regex_search(list->body, m, std::regex("\"paper\":\\{\"id\":\"([^\"]+)\"")))
            << list->body;
        id = m[1].str();
        before = json_int(list->body, "upvotes");
        ASSERT_GE(before, 0) << list->body;

        // Each voter votes and takes it back, on and on, until the server is gone.
        std::atomic<int> answered{0};
        std::vector<std::thread> voters;
        for (int i = 0; i < kVoters; ++i) {
            voters.emplace_back([&, i] {
                testing::RawHttpClient client(server.port());
                const std::string auth =
                    "Authorization: Bearer " + tokens[static_cast<size_t>(i)] + "\r\n";
                for (int up = 1;; up = 1 - up) {
                    in_flight[static_cast<size_t>(i)] = up;
                    auto reply =
                        client.request(std::string(up ? "POST" : "DELETE") + " /api/papers/" + id +
                                       "/upvote HTTP/1.1\r\nHost: localhost\r\n" + auth +
                                       "Content-Length: 0\r\n\r\n");
                    if (!reply || reply->status != 200) return;  // killed
                    acknowledged[static_cast<size_t>(i)] = up;
                    in_flight[static_cast<size_t>(i)] = -1;
                    ++answered;
                }
            });
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (answered.load() < kVotesBeforeKill && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        EXPECT_EQ(server.stop(SIGKILL), -1);
        for (std::thread& t : voters) t.join();
        EXPECT_GE(answered.load(), kVotesBeforeKill) << server.log();
    }

    // Every acknowledged vote is there (or the one in flight, which may have committed), and
    // the paper's count is the number of its votes.
    const PaperId paper = *PaperId::parse(id);
    {
        auto store = store::open_store(db);
        ASSERT_TRUE(store.ok());
        int voted = 0;
        for (int i = 0; i < kVoters; ++i) {
            SCOPED_TRACE("voter" + std::to_string(i));
            auto has = (*store)->has_voted(users[static_cast<size_t>(i)], {paper});
            ASSERT_TRUE(has.ok());
            const int now = has->at(0) ? 1 : 0;
            const int acked = acknowledged[static_cast<size_t>(i)];
            const int pending = in_flight[static_cast<size_t>(i)];
            EXPECT_TRUE(now == (acked == -1 ? 0 : acked) || now == pending)
                << "voted " << now << ", acknowledged " << acked << ", in flight " << pending;
            voted += now;
        }
        auto votes = (*store)->paper_votes(paper);
        ASSERT_TRUE(votes.ok());
        EXPECT_EQ(*votes, voted);
    }

    // A new server on the same database: each voter ends where it means to (even-numbered ones
    // voted, odd-numbered ones not), and the count is the truth.
    testing::ServeProcess server(PAPERBOY_BINARY, db, dir.file("serve2.log"), serve_args);
    ASSERT_NE(server.port(), 0) << server.log();
    for (int i = 0; i < kVoters; ++i) {
        auto reply = call(server.port(), i % 2 == 0 ? "POST" : "DELETE",
                          "/api/papers/" + id + "/upvote", tokens[static_cast<size_t>(i)]);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->status, 200) << reply->body;
    }
    auto shown = call(server.port(), "GET", "/api/papers/" + id, "");
    ASSERT_TRUE(shown && shown->status == 200);
    EXPECT_EQ(json_int(shown->body, "upvotes"), before + kVoters / 2) << shown->body;
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
    auto store = store::open_store(db);
    ASSERT_TRUE(store.ok());
    auto votes = (*store)->paper_votes(paper);
    ASSERT_TRUE(votes.ok());
    EXPECT_EQ(*votes, kVoters / 2);
}

}  // namespace
}  // namespace paperboy
