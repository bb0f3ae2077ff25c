// Accounts and upvotes as a user meets them: `paperboy user add` and `user token` on a real
// database, then a real server taking votes from 50 clients at once over HTTP. The count it
// ends with must equal the truth, in the API and in the database. On SQLite (votes_test) and
// PostgreSQL (votes_test_pg): tests/support/test_database.h.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "app/accounts.h"
#include "store/store.h"
#include "support/http_client.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace paperboy {
namespace {

using testing::RawHttpClient;
using testing::ServeProcess;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kDemo = std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/";

testing::ProcessResult paperboy(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), kBinary);
    if (stdin_text.empty()) return testing::run_process(args);
    // run_process has no stdin: go through sh with the text in an environment-free printf.
    std::string command = "printf '%s\\n' '" + stdin_text + "' | ";
    for (const std::string& a : args) command += "'" + a + "' ";
    return testing::run_process({"/bin/sh", "-c", command});
}

std::optional<testing::HttpReply> call(uint16_t port, const std::string& method,
                                       const std::string& target, const std::string& headers = "") {
    RawHttpClient client(port);
    if (!client.connected()) return std::nullopt;
    return client.request(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers +
                          "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

int json_int(const std::string& body, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("\"" + key + "\":(-?\\d+)"))) return -1;
    return std::stoi(m[1].str());
}

// The id and upvotes of the first paper on the demo's daily list ("" when it cannot be read).
std::pair<std::string, int> top_paper(uint16_t port) {
    auto list = call(port, "GET", "/api/daily_papers?date=2025-11-03&limit=1");
    std::smatch m;
    if (!list || list->status != 200 ||
        !std::regex_search(list->body, m, std::regex("\"paper\":\\{\"id\":\"([^\"]+)\""))) {
        ADD_FAILURE() << "no daily list: " << (list ? list->body : "no answer");
        return {"", 0};
    }
    return {m[1].str(), json_int(list->body, "upvotes")};
}

class VotesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        PAPERBOY_TEST_DATABASE(database_, dir_);
        db_ = database_.url;
        auto r = paperboy({"ingest", "--db", db_, "-q", kDemo + "seed-page-2025-11-03.json"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    testing::TempDir dir_;
    testing::TestDatabase database_;
    std::string db_;  // --db: the SQLite file or the PostgreSQL URL
};

TEST_F(VotesTest, TheCliBootstrapsAnAdminWhoseTokenVotes) {
    auto r = paperboy({"user", "add", "--db", db_, "--handle", "ada", "--email", "ada@example.org",
                       "--password-stdin", "--role", "admin"},
                      "correct horse battery");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("as admin"), std::string::npos) << r.out;
    // Refusals say why, with the usage exit status.
    r = paperboy({"user", "add", "--db", db_, "--handle", "bob", "--email", "bob@example.org",
                  "--password-stdin"},
                 "password123");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("common"), std::string::npos) << r.err;
    r = paperboy({"user", "token", "--db", db_, "--handle", "nobody"});
    EXPECT_EQ(r.exit_code, 3) << r.err;

    r = paperboy({"user", "token", "--db", db_, "--handle", "ada"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string token = r.out.substr(0, r.out.find('\n'));  // the last (only) line
    ASSERT_EQ(token.size(), 43u) << r.out;

    ServeProcess server(kBinary, db_, dir_.file("serve.log"),
                        database_.with_index({"--api-rate", "0"}));
    ASSERT_NE(server.port(), 0) << server.log();
    const auto top = top_paper(server.port());  // not a structured binding: clang 14 cannot
    const std::string& id = top.first;          // capture one in the lambdas below
    const int before = top.second;
    ASSERT_FALSE(id.empty());

    auto vote = call(server.port(), "POST", "/api/papers/" + id + "/upvote",
                     "Authorization: Bearer " + token + "\r\n");
    ASSERT_TRUE(vote);
    EXPECT_EQ(vote->status, 200) << vote->body;
    EXPECT_EQ(json_int(vote->body, "upvotes"), before + 1);
    auto anonymous = call(server.port(), "POST", "/api/papers/" + id + "/upvote");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    auto paper = call(server.port(), "GET", "/api/papers/" + id);
    EXPECT_EQ(json_int(paper->body, "upvotes"), before + 1);
}

TEST_F(VotesTest, FiftyClientsVotingAtOnceCountExactly) {
    constexpr int kClients = 50;
    std::vector<std::string> tokens;
    {
        auto store = store::open_store(db_);
        ASSERT_TRUE(store.ok());
        app::Accounts accounts(**store);
        for (int i = 0; i < kClients; ++i) {
            const std::string handle = "voter" + std::to_string(i);
            auto user = accounts.sign_up(handle, handle + "@example.org", "correct horse battery");
            ASSERT_TRUE(user.ok()) << user.error().message();
            tokens.push_back(*accounts.create_api_token(user->id, "test"));
        }
    }
    ServeProcess server(kBinary, db_, dir_.file("serve.log"),
                        database_.with_index({"--api-rate", "0"}));
    ASSERT_NE(server.port(), 0) << server.log();
    const auto top = top_paper(server.port());  // not a structured binding: clang 14 cannot
    const std::string& id = top.first;          // capture one in the lambdas below
    const int before = top.second;
    ASSERT_FALSE(id.empty());

    // Each client votes and takes its vote back several times, some twice in a row (idempotent);
    // even-numbered clients end voted, odd-numbered ones not.
    std::atomic<int> errors{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.emplace_back([&, i] {
            const std::string auth =
                "Authorization: Bearer " + tokens[static_cast<size_t>(i)] + "\r\n";
            const char* steps[] = {"POST", "DELETE", "POST", "POST", "DELETE", "DELETE", "POST"};
            RawHttpClient client(server.port());
            for (const char* method : steps) {
                auto reply = client.request(std::string(method) + " /api/papers/" + id +
                                            "/upvote HTTP/1.1\r\nHost: localhost\r\n" + auth +
                                            "Content-Length: 0\r\n\r\n");
                if (!reply || reply->status != 200) ++errors;
            }
            if (i % 2 == 1) {
                auto reply = client.request("DELETE /api/papers/" + id +
                                            "/upvote HTTP/1.1\r\nHost: localhost\r\n" + auth +
                                            "Content-Length: 0\r\nConnection: close\r\n\r\n");
                if (!reply || reply->status != 200) ++errors;
            }
        });
    }
    for (std::thread& t : clients) t.join();
    EXPECT_EQ(errors.load(), 0);

    const int truth = before + kClients / 2;
    auto paper = call(server.port(), "GET", "/api/papers/" + id);
    ASSERT_TRUE(paper && paper->status == 200);
    EXPECT_EQ(json_int(paper->body, "upvotes"), truth);
    EXPECT_EQ(server.stop(SIGTERM, std::chrono::seconds(20)), 0) << server.log();

    auto store = store::open_store(db_);
    ASSERT_TRUE(store.ok());
    auto votes = (*store)->paper_votes(*PaperId::parse(id));
    ASSERT_TRUE(votes.ok());
    EXPECT_EQ(*votes, kClients / 2);
}

}  // namespace
}  // namespace paperboy
