// What only the PostgreSQL backend has to show (the contract suite covers the rest): opening
// and migrating databases (newer, foreign, older, by several processes at once), failing fast
// and recovering when the server goes away, batches of concurrent writers converging, and the
// same outcomes as SQLite for batches whose ops depend on each other.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "store/contract_support.h"
#include "store/migrations.h"
#include "store/store.h"
#include "support/postgres_server.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// A raw connection for forging and inspecting databases.
class RawPg {
  public:
    explicit RawPg(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
        EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    }
    ~RawPg() { PQfinish(conn_); }
    RawPg(const RawPg&) = delete;
    RawPg& operator=(const RawPg&) = delete;

    void exec(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
            << PQresultErrorMessage(r) << "\n"
            << sql;
        PQclear(r);
    }
    // The first column of the first row ("" when there is none).
    std::string query(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r) << "\n" << sql;
        std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        PQclear(r);
        return out;
    }

  private:
    PGconn* conn_;
};

const int kLatest = latest_schema_version();

Paper paper(std::string_view id, int version = 1, std::string title = "") {
    Paper p;
    p.id = id_of(id);
    p.version = version;
    p.title = title.empty() ? "Paper " + std::string(id) : std::move(title);
    p.authors = {Author{"A. Author", "Author", "A.", "", {}}};
    p.categories = {"cs.AI"};
    p.updated = "2024-01-0" + std::to_string(std::min(version, 9)) + "T00:00:00Z";
    return p;
}

TEST(PostgresOpen, RefusesADatabaseFromANewerPaperboy) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    { ASSERT_TRUE(open_store(url).ok()); }
    RawPg raw(url);
    raw.exec("INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00Z')");
    auto opened = open_store(url);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kVersionMismatch);
    const std::string& message = opened.error().message();
    EXPECT_NE(message.find("version 99"), std::string::npos) << message;
    EXPECT_NE(message.find("up to " + std::to_string(kLatest)), std::string::npos) << message;
    EXPECT_NE(message.find(url), std::string::npos) << message;
    OpenOptions read_only;
    read_only.read_only = true;
    auto read = open_store(url, read_only);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), ErrorCode::kVersionMismatch);
    EXPECT_EQ(raw.query("SELECT MAX(version) FROM schema_version"), "99");
}

TEST(PostgresOpen, RefusesADatabaseThatIsNotPaperboys) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    RawPg raw(url);
    raw.exec("CREATE TABLE notes (body text)");
    auto opened = open_store(url);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kCorruption);
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"), "1");
}

TEST(PostgresOpen, ConcurrentOpenersMigrateOnce) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    constexpr int kOpeners = 6;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; ++i) {
        threads.emplace_back([&] {
            auto opened = open_store(url);
            if (!opened.ok()) {
                ADD_FAILURE() << opened.error().message();
                ++failures;
            }
        });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    RawPg raw(url);
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_version"), std::to_string(kLatest));
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM cursors WHERE key = 'store.id'"), "1");
}

TEST(PostgresOpen, UpgradesAnOlderDatabaseInPlaceKeepingItsData) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    {
        RawPg raw(url);
        for (const Migration& m : migrations()) {
            if (m.version > 7) break;
            raw.exec(m.postgres);
            raw.exec("INSERT INTO schema_version VALUES (" + std::to_string(m.version) +
                     ", 'step', '2024-01-01T00:00:00Z')");
        }
        raw.exec(
            "INSERT INTO users (id, handle, email, password_hash, role, created_at) VALUES "
            "(1, 'ada', 'ada@example.org', 'hash-a', 'admin', '2024-01-01T00:00:00Z');"
            "INSERT INTO papers (id, title, seq) VALUES ('2401.00001', 'Kept', 1);"
            "INSERT INTO changes (seq, entity, paper_id) VALUES (1, 'paper', '2401.00001');");
    }
    auto opened = open_store(url);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    Store& store = **opened;
    EXPECT_EQ(store.stats()->schema_version, kLatest);
    auto ada = store.find_user("ADA");
    ASSERT_TRUE(ada.ok() && ada->has_value());
    EXPECT_EQ((*ada)->role, Role::kAdmin);
    EXPECT_EQ((*ada)->email_verified_at, "");
    EXPECT_EQ((*store.get_paper(id_of("2401.00001")))->title, "Kept");
    // A row from before content hashes is recognised as unchanged; the feed continues.
    WriteBatch same;
    same.put_paper(**store.get_paper(id_of("2401.00001")));
    EXPECT_EQ(store.write(same)->papers_unchanged, 1);
    RawPg raw(url);
    EXPECT_NE(raw.query("SELECT content_hash FROM papers WHERE id = '2401.00001'"), "0");
    ASSERT_TRUE(store.acquire_lease("x", "y", seconds(5)).ok()) << "step 9's tables work";
    WriteBatch newer;
    newer.put_paper(paper("2401.00001", 3));
    ASSERT_TRUE(store.write(newer).ok());
    EXPECT_EQ(store.changes_since(0, 10)->back().seq, 2);
}

TEST(PostgresOpen, ReadOnlyReadsAndRefusesWritesAndEmptyDatabases) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    OpenOptions read_only;
    read_only.read_only = true;
    auto empty = open_store(url, read_only);
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code(), ErrorCode::kNotFound);
    {
        auto writer = open_store(url);
        ASSERT_TRUE(writer.ok());
        WriteBatch b;
        b.put_paper(paper("2401.00001"));
        ASSERT_TRUE((*writer)->write(b).ok());
    }
    auto reader = open_store(url, read_only);
    ASSERT_TRUE(reader.ok()) << reader.error().message();
    EXPECT_TRUE((*reader)->get_paper(id_of("2401.00001"))->has_value());
    WriteBatch b;
    b.put_paper(paper("2401.00002"));
    auto written = (*reader)->write(b);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code(), ErrorCode::kInvalidArgument);
}

TEST(PostgresOpen, AnUnreachableServerFailsFastAndMessagesHideThePassword) {
    const auto start = steady_clock::now();
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    auto opened = open_store("postgresql://paperboy:s3cret@127.0.0.1:1/paperboy?password=0ther");
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kUnavailable);
    EXPECT_LT(steady_clock::now() - start, seconds(3));
    const std::string& message = opened.error().message();
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_EQ(message.find("0ther"), std::string::npos) << message;
    EXPECT_NE(message.find("127.0.0.1:1"), std::string::npos) << message;
}

TEST(PostgresStore, RefusesTextPostgresCannotHoldNamingThePaper) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    auto store = open_store(url);
    ASSERT_TRUE(store.ok());
    Paper bad = paper("2401.00001");
    bad.title = std::string("nul \0 inside", 12);
    WriteBatch b;
    b.put_paper(bad);
    auto written = (*store)->write(b);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(written.error().message().find("2401.00001"), std::string::npos);
    EXPECT_NE(written.error().message().find("title"), std::string::npos);
}

TEST(PostgresStore, ConnectionsEndedByTheServerAreReplaced) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    OpenOptions options;
    options.pool_size = 2;
    auto store = open_store(url, options);
    ASSERT_TRUE(store.ok());
    WriteBatch b;
    b.put_paper(paper("2401.00001"));
    ASSERT_TRUE((*store)->write(b).ok());
    {
        RawPg admin(url);
        admin.exec(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid()");
    }
    // The pooled connections are dead; the store finds out and connects again.
    for (int i = 0; i < 3; ++i) {
        auto got = (*store)->get_paper(id_of("2401.00001"));
        ASSERT_TRUE(got.ok()) << got.error().message();
        EXPECT_TRUE(got->has_value());
    }
}

TEST(PostgresStore, FailsFastWhileTheServerIsDownAndRecoversAfter) {
    std::string why;
    auto server = testing::PostgresServer::start(&why);
    if (server == nullptr) GTEST_SKIP() << "needs PostgreSQL: " << why;
    auto url = server->create_database(&why);
    ASSERT_TRUE(url) << why;
    OpenOptions options;
    options.pool_size = 2;
    auto opened = open_store(*url, options);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    Store& store = **opened;
    WriteBatch b;
    b.put_paper(paper("2401.00001"));
    ASSERT_TRUE(store.write(b).ok());
    ASSERT_FALSE(*store.wait_for_changes(1, milliseconds(10)));  // starts the listener

    server->stop();
    for (int i = 0; i < 5; ++i) {
        const auto start = steady_clock::now();
        auto got = store.get_paper(id_of("2401.00001"));
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.error().code(), ErrorCode::kUnavailable) << got.error().message();
        EXPECT_LT(steady_clock::now() - start, milliseconds(2500)) << "call " << i;
        auto written = store.write(b);
        ASSERT_FALSE(written.ok());
        EXPECT_EQ(written.error().code(), ErrorCode::kUnavailable);
    }

    ASSERT_TRUE(server->restart(&why)) << why;
    const auto deadline = steady_clock::now() + seconds(10);
    Result<std::optional<Paper>> got = Error(ErrorCode::kUnavailable, "not tried");
    while (steady_clock::now() < deadline) {
        got = store.get_paper(id_of("2401.00001"));
        if (got.ok()) break;
        std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_TRUE(got.ok()) << got.error().message();
    EXPECT_TRUE(got->has_value());

    // The listener reconnected too: a write from another store wakes a waiter.
    const int64_t top = store.stats()->last_sequence;
    std::atomic<bool> woke{false};
    std::thread waiter([&] {
        auto waited = store.wait_for_changes(top, seconds(20));
        woke = waited.ok() && *waited;
    });
    std::this_thread::sleep_for(milliseconds(100));
    auto other = open_store(*url);
    ASSERT_TRUE(other.ok());
    WriteBatch more;
    more.put_paper(paper("2401.00002"));
    ASSERT_TRUE((*other)->write(more).ok());
    waiter.join();
    EXPECT_TRUE(woke.load());
}

TEST(PostgresStore, ConcurrentWritersOfTheSamePapersConverge) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    constexpr int kWriters = 4;
    constexpr int kRounds = 15;
    constexpr int kPapers = 20;
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < kWriters; ++i) {
        auto opened = open_store(url);
        ASSERT_TRUE(opened.ok());
        stores.push_back(std::move(opened).value());
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([&, w] {
            for (int round = 1; round <= kRounds; ++round) {
                WriteBatch b;
                for (int i = 0; i < kPapers; ++i) {
                    char id[16];
                    std::snprintf(id, sizeof id, "2405.%05d", i);
                    // Each writer's own title: merges of equal versions only fill gaps.
                    b.put_paper(paper(id, round, "v" + std::to_string(round)));
                    DailyEntry e;
                    e.date = "2024-05-01";
                    e.paper_id = id_of(id);
                    e.upvotes = round * 10 + w;
                    b.put_daily_entry(e);
                }
                auto written = stores[static_cast<size_t>(w)]->write(b);
                if (!written.ok()) {
                    ADD_FAILURE() << written.error().message();
                    ++failures;
                }
            }
        });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    Store& store = *stores[0];
    for (int i = 0; i < kPapers; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "2405.%05d", i);
        auto got = store.get_paper(id_of(id));
        ASSERT_TRUE(got.ok() && got->has_value());
        EXPECT_EQ((*got)->version, kRounds);
        EXPECT_EQ((*got)->title, "v" + std::to_string(kRounds));
    }
    auto feed = store.changes_since(0, 1000);
    ASSERT_TRUE(feed.ok());
    EXPECT_EQ(feed->size(), static_cast<size_t>(2 * kPapers)) << "each record once";
    for (size_t i = 1; i < feed->size(); ++i) EXPECT_GT((*feed)[i].seq, (*feed)[i - 1].seq);
    EXPECT_EQ(store.stats()->last_sequence, feed->back().seq);
    EXPECT_EQ(store.daily_entries("2024-05-01")->size(), static_cast<size_t>(kPapers));
}

// Batches whose ops depend on earlier ops of the same batch, written to SQLite op by op and to
// PostgreSQL planned in memory (postgres/batch_plan.h): counts, stored records and the feed
// (its order and what each entry says) must be the same.
TEST(PostgresStore, BatchesOfDependentOpsEndAsOnSqlite) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    auto pg = open_store(url);
    ASSERT_TRUE(pg.ok());
    auto lite = open_store("sqlite::memory:");
    ASSERT_TRUE(lite.ok());

    auto entry = [](const char* date, const char* id, int upvotes, std::string by = "") {
        DailyEntry e;
        e.date = date;
        e.paper_id = id_of(id);
        e.upvotes = upvotes;
        e.submitted_by = std::move(by);
        return e;
    };
    std::vector<WriteBatch> batches(5);
    batches[0].put_paper(paper("2401.00001"));
    batches[0].put_paper(paper("2401.00002"));
    batches[0].put_daily_entry(entry("2024-01-02", "2401.00001", 3, "curator"));
    batches[0].put_paper(paper("2401.00001", 2));  // moves the paper after the entry
    batches[0].set_cursor("oai", "a");
    batches[0].set_cursor("oai", "b");
    // Hide, show again, hide; an entry put and removed; one updated twice.
    batches[1].delete_paper(id_of("2401.00002"));
    batches[1].put_paper(paper("2401.00002"));
    batches[1].delete_paper(id_of("2401.00002"));
    batches[1].put_daily_entry(entry("2024-01-03", "2401.00001", 1));
    batches[1].remove_daily_entry("2024-01-03", id_of("2401.00001"));
    batches[1].put_daily_entry(entry("2024-01-02", "2401.00001", 5));
    batches[1].put_daily_entry(entry("2024-01-02", "2401.00001", 6));
    // A new paper with an entry, an organization set twice, an unknown id deleted, the same
    // paper again (unchanged), a removal of nothing.
    batches[2].put_paper(paper("2401.00003"));
    batches[2].put_daily_entry(entry("2024-01-04", "2401.00003", 2));
    batches[2].set_organization(id_of("2401.00001"), "deepmind");
    batches[2].set_organization(id_of("2401.00001"), "deepmind");
    batches[2].delete_paper(id_of("2412.99999"));
    batches[2].put_paper(paper("2401.00003"));
    batches[2].remove_daily_entry("2024-01-09", id_of("2401.00003"));
    // A hidden paper's entry stays; an older version only fills gaps; a re-show by update.
    batches[3].put_daily_entry(entry("2024-01-05", "2401.00002", 4));
    Paper older = paper("2401.00001", 1);
    older.doi = "10.1/x";
    batches[3].put_paper(older);
    batches[3].put_paper(paper("2401.00002", 3));
    batches[3].remove_daily_entry("2024-01-02", id_of("2401.00001"));
    // The same batch again changes nothing.
    batches[4] = batches[3];

    for (size_t i = 0; i < batches.size(); ++i) {
        auto a = (*lite)->write(batches[i]);
        auto b = (*pg)->write(batches[i]);
        ASSERT_TRUE(a.ok()) << a.error().message();
        ASSERT_TRUE(b.ok()) << b.error().message();
        EXPECT_EQ(*a, *b) << "counts of batch " << i;
    }
    for (const char* id : {"2401.00001", "2401.00002", "2401.00003"}) {
        EXPECT_EQ(*(*lite)->get_paper(id_of(id)), *(*pg)->get_paper(id_of(id))) << id;
        EXPECT_EQ(*(*lite)->entries_for_paper(id_of(id)), *(*pg)->entries_for_paper(id_of(id)));
    }
    EXPECT_EQ(*(*lite)->cursor("oai"), *(*pg)->cursor("oai"));
    auto feed_a = (*lite)->changes_since(0, 100);
    auto feed_b = (*pg)->changes_since(0, 100);
    ASSERT_TRUE(feed_a.ok() && feed_b.ok());
    ASSERT_EQ(feed_a->size(), feed_b->size());
    for (size_t i = 0; i < feed_a->size(); ++i) {
        Change a = (*feed_a)[i];
        Change b = (*feed_b)[i];
        a.seq = b.seq = 0;  // numbered differently (SQLite skips the seqs an op replaced)
        EXPECT_EQ(a, b) << "feed entry " << i;
    }
    const StoreStats sa = *(*lite)->stats();
    const StoreStats sb = *(*pg)->stats();
    EXPECT_EQ(sa.papers, sb.papers);
    EXPECT_EQ(sa.deleted_papers, sb.deleted_papers);
    EXPECT_EQ(sa.daily_entries, sb.daily_entries);
    EXPECT_EQ(sa.daily_dates, sb.daily_dates);
}

}  // namespace
}  // namespace paperboy::store
