// `paperboy db copy | check | backup` on real databases: a SQLite file with rows in every table
// (made by the real binary's ingest and the Store API) copied to a real PostgreSQL and back,
// compared row by row; the copies going on as stores; interrupted copies resuming; damage that
// db check must find; backups taken while another connection writes; and the errors of bad
// input. PostgreSQL parts skip (one line) when no server can be started.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/db_tools.h"
#include "store/store.h"
#include "store/table_io.h"
#include "support/postgres_server.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace paperboy {
namespace {

using store::Row;
using store::Value;
using testing::ProcessResult;
using testing::TempDir;

const std::string kBinary = PAPERBOY_BINARY;
const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
constexpr const char* kNow = "2024-10-25T12:00:00Z";

ProcessResult paperboy(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return testing::run_process(args);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

int count_of(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (size_t p = haystack.find(needle); p != std::string::npos;
         p = haystack.find(needle, p + needle.size())) {
        ++n;
    }
    return n;
}

// Raw SQL on a SQLite file, foreign keys off: how the damage db check must find is made.
void sqlite_exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "") << "\n" << sql;
    sqlite3_free(message);
    sqlite3_close(db);
}

void pg_exec(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << PQresultErrorMessage(r) << "\n"
        << sql;
    PQclear(r);
    PQfinish(conn);
}

// The first column of the first row of a query ("" when there is none), read with each
// backend's own client: a check of the copy that does not go through TableIo.
std::string sqlite_query(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        if (text != nullptr) out.assign(text, static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

std::string pg_query(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r) << "\n" << sql;
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(conn);
    return out;
}

// The comment body populate() writes: control characters, COPY's separators and escapes,
// invalid UTF-8 and a NUL.
constexpr char kOddBodyBytes[] = "**bold**\t\n\\ \\N \x01\xff\xfe end\0after";
const std::string kOddBody(kOddBodyBytes, sizeof kOddBodyBytes - 1);
// Its bytes in hex, as both backends print them.
std::string hex_of(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out += kDigits[static_cast<unsigned char>(c) >> 4];
        out += kDigits[static_cast<unsigned char>(c) & 0xf];
    }
    return out;
}

PaperId pid(std::string_view text) {
    auto id = PaperId::parse(text);
    EXPECT_TRUE(id.ok()) << text;
    return *id;
}

Paper new_paper(std::string_view id) {
    Paper p;
    p.id = pid(id);
    p.version = 1;
    p.title = "A paper written after the copy " + std::string(id);
    p.authors = {Author{"A. Author", "Author", "A.", "", {}}};
    p.categories = {"cs.AI"};
    p.updated = "2025-01-01T00:00:00Z";
    return p;
}

// Every table of a database, row by row, read through TableIo in small batches (so that the
// walk in key order is exercised too).
using Dump = std::map<std::string, std::vector<Row>>;

Dump dump(const std::string& url) {
    Dump out;
    auto io = store::open_table_io(url);
    EXPECT_TRUE(io.ok()) << (io.ok() ? "" : io.error().message());
    if (!io.ok()) return out;
    for (const store::Table& table : store::tables()) {
        std::vector<Row>& rows = out[std::string(table.name)];
        Row after;
        for (;;) {
            auto batch = (*io)->read(table, after, 13);
            EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message());
            if (!batch.ok() || batch->empty()) break;
            after.assign(batch->back().begin(),
                         batch->back().begin() + static_cast<std::ptrdiff_t>(table.key_size));
            rows.insert(rows.end(), batch->begin(), batch->end());
        }
    }
    return out;
}

// Table by table, so that a difference names its table.
void expect_same_rows(const Dump& expected, const Dump& actual, const std::string& what) {
    for (const auto& [table, rows] : expected) {
        auto found = actual.find(table);
        ASSERT_NE(found, actual.end()) << what << ": no table " << table;
        ASSERT_EQ(found->second.size(), rows.size()) << what << ": rows of " << table;
        for (size_t i = 0; i < rows.size(); ++i) {
            EXPECT_EQ(found->second[i], rows[i]) << what << ": " << table << " row " << i;
        }
    }
}

// The greatest value of an integer column in a dump.
int64_t greatest(const Dump& d, const std::string& table, size_t column) {
    int64_t top = 0;
    for (const Row& row : d.at(table)) {
        if (const auto* n = std::get_if<int64_t>(&row[column])) top = std::max(top, *n);
    }
    return top;
}

#define ASSERT_OK(expr)                                                                  \
    do {                                                                                 \
        const auto& paperboy_r_ = (expr);                                                \
        ASSERT_TRUE(paperboy_r_.ok()) << #expr << ": " << paperboy_r_.error().message(); \
    } while (false)

// A SQLite database with rows in every table: papers and daily lists from the real binary's
// ingest of our fixtures, the rest through the Store API, plus a few rows written raw that the
// API would not make (an empty string where NULL is usual, ids with a gap, names that sort
// differently with and without case).
void populate(const std::string& path) {
    ProcessResult r =
        paperboy({"ingest", "--db", path, "-q", kTestdata + "/json/handmade_arxiv_snapshot.jsonl",
                  kTestdata + "/json/handmade_hf_daily_2024-10-25.json",
                  kTestdata + "/json/seed_page.json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;

    auto opened = store::open_store(path);
    ASSERT_OK(opened);
    store::Store& s = **opened;
    std::vector<PaperId> ids;
    ASSERT_OK(s.for_each_paper([&](const Paper& p) {
        ids.push_back(p.id);
        return ids.size() < 4;
    }));
    ASSERT_EQ(ids.size(), 4u);
    auto entries = s.daily_entries_between("0000-01-01", "9999-12-31");
    ASSERT_OK(entries);
    ASSERT_FALSE(entries->empty());

    // A hidden paper, a removed daily entry (its feed entry stays), cursors with bytes that
    // need escaping on the way into PostgreSQL.
    store::WriteBatch batch;
    batch.delete_paper(ids[3]);
    batch.remove_daily_entry(entries->back().date, entries->back().paper_id);
    batch.set_cursor("test.odd", "tab\there\nline\r\\back \\N \xc3\xa9\xe2\x9c\x93 '\"");
    batch.set_cursor("test.empty", "");
    ASSERT_OK(s.write(batch));

    auto user = [&](const char* handle, const char* email, Role role) {
        User u;
        u.handle = handle;
        u.email = email;
        u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
        u.role = role;
        u.created_at = kNow;
        auto made = s.create_user(u);
        EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error().message());
        return made.ok() ? made->id : 0;
    };
    const int64_t ada = user("ada", "ada@example.org", Role::kAdmin);
    const int64_t bob = user("bob", "bob@example.org", Role::kMember);
    const int64_t carol = user("Carol", "Carol@Example.org", Role::kCurator);
    ASSERT_OK(s.set_email_verified(ada, kNow));
    ASSERT_OK(s.add_session("session-digest-ada", ada, "2099-01-01T00:00:00Z"));
    ASSERT_OK(s.add_session("session-digest-bob", bob, "2099-01-01T00:00:00Z"));
    ASSERT_OK(s.add_api_token(ada, "token-digest-ada", "laptop"));
    ASSERT_OK(s.add_api_token(bob, "token-digest-bob", ""));
    ASSERT_OK(s.set_vote(ada, ids[0], true));
    ASSERT_OK(s.set_vote(bob, ids[0], true));
    ASSERT_OK(s.set_vote(carol, ids[1], true));

    Comment c;
    c.paper_id = ids[0];
    c.user_id = ada;
    c.body = kOddBody;
    c.created_at = kNow;
    auto top = s.add_comment(c);
    ASSERT_OK(top);
    c.parent_id = top->id;
    c.user_id = bob;
    c.body = "a reply";
    ASSERT_OK(s.add_comment(c));
    c.parent_id = 0;
    c.paper_id = ids[1];
    c.user_id = carol;
    c.body = "hidden later";
    auto hidden = s.add_comment(c);
    ASSERT_OK(hidden);
    Comment change = *hidden;
    change.hidden = true;
    change.deleted = true;
    change.updated_at = "2024-10-26T00:00:00Z";
    ASSERT_OK(s.update_comment(change));

    ASSERT_OK(s.put_organization(Organization{"acme", "ACME Research", ""}));
    ASSERT_OK(s.put_organization(Organization{"Beta", "", ""}));
    ASSERT_OK(s.put_organization(Organization{"zeta", "Zeta", "https://example.org/z.png"}));

    auto daily = s.upsert_subscription("ada@example.org", Frequency::kDaily, "", ada, kNow);
    ASSERT_OK(daily);
    ASSERT_OK(s.start_confirmation(daily->id, "nonce-1", kNow, kNow));
    ASSERT_OK(s.confirm_subscription(daily->id, "nonce-1", kNow));
    auto weekly = s.upsert_subscription("reader@example.org", Frequency::kWeekly, "cs.AI", 0, kNow);
    ASSERT_OK(weekly);
    ASSERT_OK(s.start_confirmation(weekly->id, "nonce-2", kNow, kNow));
    auto gone = s.upsert_subscription("gone@example.org", Frequency::kDaily, "", 0, kNow);
    ASSERT_OK(gone);
    ASSERT_OK(s.set_subscription_status(gone->id, SubscriptionStatus::kUnsubscribed, kNow));

    DigestSend send;
    send.subscription_id = daily->id;
    send.period = "daily:2024-10-25";
    send.message_id = "<d1@papers.example.org>";
    send.papers = {ids[0], ids[1]};
    send.created_at = kNow;
    send.updated_at = kNow;
    ASSERT_OK(s.claim_digest(send));
    ASSERT_OK(s.finish_digest(daily->id, send.period, SendState::kSent, "", kNow, 3));
    send.period = "daily:2024-10-26";
    send.message_id = "<d2@papers.example.org>";
    ASSERT_OK(s.claim_digest(send));
    ASSERT_OK(
        s.finish_digest(daily->id, send.period, SendState::kFailed, "550 no such user", kNow, 3));

    ASSERT_OK(s.add_mail_token("mail-digest-1", ada, MailTokenPurpose::kVerifyEmail, kNow,
                               "2099-01-01T00:00:00Z"));
    ASSERT_OK(s.use_mail_token("mail-digest-1", MailTokenPurpose::kVerifyEmail, kNow));
    ASSERT_OK(s.add_mail_token("mail-digest-2", bob, MailTokenPurpose::kResetPassword, kNow,
                               "2099-01-01T00:00:00Z"));
    ASSERT_OK(s.instance_secret("signing", "generated-secret-value"));
    ASSERT_OK(s.acquire_lease("digest", "host-a:42", std::chrono::seconds(60)));
    ASSERT_OK(s.count_hit("signup:192.0.2.1", std::chrono::seconds(3600),
                          std::chrono::system_clock::now()));
    // Vectors (bytes with NULs in them: 0.0f), one of a hidden paper, and a model without any.
    auto model = s.register_model("static:test:0123", "/models/test", 3);
    ASSERT_OK(model);
    ASSERT_OK(s.set_default_model(model->id));
    std::vector<store::PaperVector> vectors;
    for (size_t i = 0; i < ids.size(); ++i) {
        vectors.push_back(store::PaperVector{
            ids[i], 1000 + i, 0, {0.5f * static_cast<float>(i), -1.0f, 3.25e-8f}});
    }
    ASSERT_OK(s.put_vectors(model->id, vectors));
    ASSERT_OK(s.register_model("bert:other:4567", "", 2));
    opened->reset();

    // Raw rows: an empty confirm_nonce (not NULL) and an id far past the others.
    auto io = store::open_table_io(path, {.read_only = false});
    ASSERT_OK(io);
    const Row raw_subscription = {int64_t{100},
                                  std::string("raw@example.org"),
                                  std::string("daily"),
                                  std::string(""),
                                  std::string("pending"),
                                  std::monostate{},
                                  std::string(kNow),
                                  std::monostate{},
                                  std::string(""),
                                  std::monostate{},
                                  int64_t{0},
                                  std::string(kNow)};
    ASSERT_OK((*io)->write(*store::find_table("subscriptions"),
                           std::span<const Row>(&raw_subscription, 1)));
}

ProcessResult check(const std::string& url, bool json = false) {
    std::vector<std::string> args = {"db", "check", "--db", url};
    if (json) args.push_back("--json");
    return paperboy(args);
}

// The copy goes on as a store: new rows get ids past the copied ones and the feed continues
// after the last copied seq, and it still checks clean.
void expect_continues_as_store(const std::string& url, const Dump& copied) {
    SCOPED_TRACE(url);
    const int64_t last_seq = greatest(copied, "changes", 0);
    {
        auto opened = store::open_store(url);
        ASSERT_OK(opened);
        store::Store& s = **opened;
        auto stats = s.stats();
        ASSERT_OK(stats);
        EXPECT_EQ(stats->last_sequence, last_seq);
        auto id = s.cursor(store::kStoreIdCursor);
        ASSERT_OK(id);
        // The same instance: the source's identity.
        std::optional<std::string> source_id;
        for (const Row& row : copied.at("cursors")) {
            if (row[0] == Value(std::string(store::kStoreIdCursor))) {
                source_id = std::get<std::string>(row[1]);
            }
        }
        EXPECT_EQ(*id, source_id);

        store::WriteBatch batch;
        batch.put_paper(new_paper("2501.00001"));
        ASSERT_OK(s.write(batch));
        auto changes = s.changes_since(last_seq, 100);
        ASSERT_OK(changes);
        ASSERT_EQ(changes->size(), 1u);
        EXPECT_EQ((*changes)[0].seq, last_seq + 1);
        EXPECT_EQ((*changes)[0].paper_id.str(), "2501.00001");

        User u;
        u.handle = "newcomer";
        u.email = "newcomer@example.org";
        u.password_hash = "x";
        u.created_at = kNow;
        auto made = s.create_user(u);
        ASSERT_OK(made);
        EXPECT_GT(made->id, greatest(copied, "users", 0));
        auto vote = s.set_vote(made->id, pid("2501.00001"), true);
        ASSERT_OK(vote);
        EXPECT_EQ(vote->votes, 1);
        changes = s.changes_since(last_seq + 1, 100);
        ASSERT_OK(changes);
        ASSERT_EQ(changes->size(), 1u);
        EXPECT_EQ((*changes)[0].seq, last_seq + 2);

        Comment c;
        c.paper_id = pid("2501.00001");
        c.user_id = made->id;
        c.body = "first after the move";
        c.created_at = kNow;
        auto comment = s.add_comment(c);
        ASSERT_OK(comment);
        EXPECT_GT(comment->id, greatest(copied, "comments", 0));
        auto token = s.add_api_token(made->id, "token-after-the-move", "");
        ASSERT_OK(token);
        EXPECT_GT(*token, greatest(copied, "api_tokens", 0));
        auto subscription =
            s.upsert_subscription("newcomer@example.org", Frequency::kDaily, "", made->id, kNow);
        ASSERT_OK(subscription);
        EXPECT_GT(subscription->id, greatest(copied, "subscriptions", 0));
    }
    ProcessResult r = check(url);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

class DbToolsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(populate(src_));
        source_ = dump(src_);
    }

    // Copies src_ to `dst` in process in runs that each stop after `batches` batches of `rows`
    // rows (an interruption): `max_runs` runs, or fewer when one stops in cursors (the last
    // table); then finishes with the real binary, which must say that it resumed. Returns the
    // tables the runs stopped in.
    std::set<std::string> interrupted_copy(const std::string& dst, int max_runs, int batches,
                                           size_t rows) {
        std::set<std::string> stopped_in;
        for (int run = 0; run < max_runs; ++run) {
            int done = 0;
            app::CopyOptions options;
            options.batch_rows = rows;
            options.on_progress = [&](const app::CopyProgress& p) {
                return p.done ? true : ++done < batches;
            };
            auto copied = app::copy_database(src_, dst, options);
            if (copied.ok()) {
                ADD_FAILURE() << "run " << run << " finished the copy";
                return stopped_in;
            }
            const std::string& message = copied.error().message();
            EXPECT_EQ(copied.error().code(), ErrorCode::kUnavailable) << message;
            EXPECT_TRUE(contains(message, "run the same command again")) << message;
            const std::string prefix = "copy stopped in table ";
            if (message.rfind(prefix, 0) == 0) {
                const size_t end = message.find(' ', prefix.size());
                stopped_in.insert(message.substr(prefix.size(), end - prefix.size()));
            }
            if (run == 0) {
                // An unfinished copy is flagged by db check.
                ProcessResult r = check(dst);
                EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
                EXPECT_TRUE(contains(r.out, "copy.unfinished")) << r.out;
            }
            if (stopped_in.contains("cursors")) break;
        }
        ProcessResult r = paperboy({"db", "copy", src_, dst, "--batch-rows", "5"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_TRUE(contains(r.err, "resumed an interrupted copy")) << r.err;
        return stopped_in;
    }

    TempDir dir_;
    std::string src_ = dir_.file("source.db");
    Dump source_;
};

TEST_F(DbToolsTest, TheSourceHasRowsInEveryTableAndChecksClean) {
    for (const store::Table& table : store::tables()) {
        EXPECT_FALSE(source_.at(std::string(table.name)).empty()) << table.name;
    }
    ProcessResult r = check(src_);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "papers ")) << r.out;
    EXPECT_TRUE(contains(r.out, "ok: ")) << r.out;
    r = check(src_, /*json=*/true);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "\"ok\": true")) << r.out;
    EXPECT_TRUE(contains(r.out, "\"rate_counters\": 1")) << r.out;
}

TEST_F(DbToolsTest, CopiesSqliteToPostgresAndBackRowForRow) {
    PAPERBOY_REQUIRE_POSTGRES(pg);
    ProcessResult r = paperboy({"db", "copy", src_, pg, "--batch-rows", "10"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "rows/s")) << r.err;
    EXPECT_TRUE(contains(r.err, "daily_entries")) << r.err;
    EXPECT_TRUE(contains(r.err, "copied")) << r.err;
    r = check(pg, /*json=*/true);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "\"backend\": \"postgresql\"")) << r.out;
    expect_same_rows(source_, dump(pg), "SQLite -> PostgreSQL");
    // As PostgreSQL itself reads them: bytes, an empty string apart from NULL, booleans.
    EXPECT_EQ(pg_query(pg, "SELECT encode(body, 'hex') FROM comments ORDER BY id LIMIT 1"),
              hex_of(kOddBody));
    EXPECT_EQ(pg_query(pg, "SELECT confirm_nonce IS NULL FROM subscriptions WHERE id = 100"), "f");
    EXPECT_EQ(pg_query(pg, "SELECT length(confirm_nonce) FROM subscriptions WHERE id = 100"), "0");
    EXPECT_EQ(pg_query(pg, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NULL"), "2");
    EXPECT_EQ(pg_query(pg, "SELECT COUNT(*) FROM papers WHERE deleted"), "1");
    EXPECT_EQ(pg_query(pg, "SELECT value FROM cursors WHERE key = 'test.odd'"),
              "tab\there\nline\r\\back \\N \xc3\xa9\xe2\x9c\x93 '\"");

    const std::string back = "sqlite:" + dir_.file("back.db");
    r = paperboy({"db", "copy", pg, back, "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    r = check(back);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_same_rows(source_, dump(back), "PostgreSQL -> SQLite");
    const std::string back_file = dir_.file("back.db");
    EXPECT_EQ(sqlite_query(back_file, "SELECT lower(hex(body)) FROM comments ORDER BY id LIMIT 1"),
              hex_of(kOddBody));
    EXPECT_EQ(
        sqlite_query(back_file, "SELECT quote(confirm_nonce) FROM subscriptions WHERE id = 100"),
        "''");
    EXPECT_EQ(
        sqlite_query(back_file, "SELECT quote(confirm_sent_at) FROM subscriptions WHERE id = 100"),
        "NULL");
    EXPECT_EQ(
        sqlite_query(back_file, "SELECT typeof(deleted) || deleted FROM papers WHERE deleted"),
        "integer1");

    expect_continues_as_store(pg, source_);
    expect_continues_as_store(back, source_);
}

TEST_F(DbToolsTest, CopiesSqliteToSqliteAndPostgresToPostgres) {
    const std::string copy = dir_.file("copy.db");
    ProcessResult r = paperboy({"db", "copy", src_, copy, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_same_rows(source_, dump(copy), "SQLite -> SQLite");
    expect_continues_as_store(copy, source_);

    PAPERBOY_REQUIRE_POSTGRES(pg1);
    PAPERBOY_REQUIRE_POSTGRES(pg2);
    r = paperboy({"db", "copy", src_, pg1, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = paperboy({"db", "copy", pg1, pg2, "-q", "--batch-rows", "3"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_same_rows(source_, dump(pg2), "PostgreSQL -> PostgreSQL");
    expect_continues_as_store(pg2, source_);
}

TEST_F(DbToolsTest, AnInterruptedCopyToPostgresResumes) {
    PAPERBOY_REQUIRE_POSTGRES(pg);
    // 4 runs of 25 batches of 2 rows: they stop in papers, daily_entries and changes.
    const std::set<std::string> stopped = interrupted_copy(pg, 4, 25, 2);
    EXPECT_EQ(stopped, (std::set<std::string>{"papers", "daily_entries", "changes"}));
    expect_same_rows(source_, dump(pg), "resumed SQLite -> PostgreSQL");
    ProcessResult r = check(pg);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_continues_as_store(pg, source_);
}

TEST_F(DbToolsTest, AnInterruptedCopyToSqliteResumesAtEveryKindOfStop) {
    const std::string dst = dir_.file("resumed.db");
    // Runs of one batch of 3 rows: the copy stops in every table, cursors (copied last) too.
    const std::set<std::string> stopped = interrupted_copy(dst, 1000, 1, 3);
    for (const store::Table& table : store::tables()) {
        EXPECT_TRUE(stopped.contains(std::string(table.name))) << table.name;
    }
    expect_same_rows(source_, dump(dst), "resumed SQLite -> SQLite");
    ProcessResult r = check(dst);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

    // A stop right after a table is complete resumes with the next.
    const std::string dst2 = dir_.file("resumed2.db");
    app::CopyOptions options;
    options.on_progress = [](const app::CopyProgress& p) {
        return !(p.done && p.table == "votes");
    };
    auto halted = app::copy_database(src_, dst2, options);
    ASSERT_FALSE(halted.ok());
    EXPECT_TRUE(contains(halted.error().message(), "after table votes"))
        << halted.error().message();
    auto finished = app::copy_database(src_, dst2);
    ASSERT_OK(finished);
    EXPECT_TRUE(finished->resumed);
    for (const app::TableCopy& t : finished->tables) {
        if (t.table == "papers" || t.table == "votes") {
            EXPECT_EQ(t.copied, 0) << t.table;
        }
        if (t.table == "comments") {
            EXPECT_EQ(t.copied, t.rows) << t.table;
        }
    }
    expect_same_rows(source_, dump(dst2), "resumed after a table");
}

TEST_F(DbToolsTest, RefusesADestinationThatHoldsData) {
    // Another instance's database.
    const std::string other = dir_.file("other.db");
    ProcessResult r = paperboy({"ingest", "--db", other, "-q", kTestdata + "/json/seed_page.json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Dump before = dump(other);
    r = paperboy({"db", "copy", src_, other});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "holds data (table papers is not empty)")) << r.err;
    expect_same_rows(before, dump(other), "the refused destination");

    // An interrupted copy of another source.
    const std::string half = dir_.file("half.db");
    app::CopyOptions stop_at_once;
    stop_at_once.on_progress = [](const app::CopyProgress&) { return false; };
    ASSERT_FALSE(app::copy_database(other, half, stop_at_once).ok());
    r = paperboy({"db", "copy", src_, half});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "interrupted copy of another database")) << r.err;

    // A finished copy, and the source itself.
    const std::string done = dir_.file("done.db");
    ASSERT_EQ(paperboy({"db", "copy", src_, done, "-q"}).exit_code, 0);
    r = paperboy({"db", "copy", src_, done});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "finished copy of SRC")) << r.err;
    r = paperboy({"db", "copy", src_, "sqlite:" + src_});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "same database")) << r.err;
    // A copy of an unfinished copy would copy half a database.
    r = paperboy({"db", "copy", half, dir_.file("quarter.db")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "unfinished copy")) << r.err;

    PAPERBOY_REQUIRE_POSTGRES(pg);
    ASSERT_EQ(paperboy({"db", "copy", other, pg, "-q"}).exit_code, 0);
    r = paperboy({"db", "copy", src_, pg});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "holds data")) << r.err;
}

TEST_F(DbToolsTest, CheckFindsDamageInSqliteAndSaysWhere) {
    const std::string hidden_feed_paper =
        std::get<std::string>(source_.at("papers")[1][0]);  // its feed entry goes
    const int64_t last_comment = greatest(source_, "comments", 0);
    sqlite_exec(src_,
                "PRAGMA foreign_keys = OFF;"
                "DELETE FROM changes WHERE entity = 'paper' AND paper_id = '" +
                    hidden_feed_paper +
                    "';"
                    "INSERT INTO votes (user_id, paper_id, created_at) VALUES (1, '9999.99999', "
                    "'2024-01-01T00:00:00Z');"
                    "UPDATE comments SET parent_id = 4242 WHERE id = " +
                    std::to_string(last_comment) +
                    ";"
                    "INSERT INTO digest_sends (subscription_id, period, state, message_id, "
                    "papers, created_at, updated_at) VALUES (777, 'daily:2024-01-01', 'sent', "
                    "'<x@y>', '', 'now', 'now');"
                    "UPDATE sqlite_sequence SET seq = 5 WHERE name = 'changes';");
    ProcessResult r = check(src_);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "papers id=" + hidden_feed_paper +
                                    ": has no entry on the change feed "
                                    "[feed.paper_without_change]"))
        << r.out;
    EXPECT_TRUE(contains(r.out,
                         "votes user_id=1 paper_id=9999.99999: names a paper (paper_id) that does "
                         "not exist in papers [ref.votes.paper_id]"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "comments id=" + std::to_string(last_comment) +
                                    " parent_id=4242: names a comment (parent_id)"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "digest_sends subscription_id=777 period=daily:2024-01-01"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "sqlite_sequence hands out 6 next")) << r.out;
    EXPECT_TRUE(contains(r.out, "5 problems in 5 checks")) << r.out;

    r = check(src_, /*json=*/true);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "\"ok\": false")) << r.out;
    EXPECT_EQ(count_of(r.out, "\"check\": "), 5) << r.out;
    for (const char* name :
         {"feed.paper_without_change", "ref.votes.paper_id", "ref.comments.parent_id",
          "ref.digest_sends.subscription_id", "counter.changes.seq"}) {
        EXPECT_TRUE(contains(r.out, std::string("\"check\": \"") + name + "\"")) << name;
    }
}

TEST_F(DbToolsTest, CheckFindsDamageInPostgres) {
    PAPERBOY_REQUIRE_POSTGRES(pg);
    ASSERT_EQ(paperboy({"db", "copy", src_, pg, "-q"}).exit_code, 0);
    const Row& entry = source_.at("daily_entries")[0];
    const std::string date = std::get<std::string>(entry[0]);
    const std::string paper = std::get<std::string>(entry[1]);
    pg_exec(pg, "DELETE FROM changes WHERE entity = 'daily_entry' AND date = '" + date +
                    "' AND paper_id = '" + paper + "'");
    pg_exec(pg, "ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey");
    pg_exec(pg,
            "INSERT INTO sessions VALUES ('orphan-session', 4242, '2024-01-01T00:00:00Z', "
            "'2099-01-01T00:00:00Z')");
    pg_exec(pg, "UPDATE papers SET seq = seq + 100000 WHERE id = '" + paper + "'");
    pg_exec(pg, "SELECT setval(pg_get_serial_sequence('users', 'id'), 1)");
    ProcessResult r = check(pg);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "daily_entries date=" + date + " paper_id=" + paper +
                                    ": has no entry on the change feed"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "sessions token_digest=orphan-session user_id=4242: names a user"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "papers id=" + paper + " seq=")) << r.out;
    EXPECT_TRUE(contains(r.out, "[feed.paper_seq]")) << r.out;
    EXPECT_TRUE(contains(
        r.out, "users id=" + std::to_string(greatest(source_, "users", 0)) + ": is taken, but"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "4 problems in 4 checks")) << r.out;
}

TEST_F(DbToolsTest, BackupIsOneSnapshotWhileAnotherConnectionCommits) {
    auto writer = store::open_store(src_);
    ASSERT_OK(writer);
    const std::string out = dir_.file("backup.db");
    int steps = 0;
    bool written = false;
    app::BackupOptions options;
    options.pages_per_step = 1;
    options.on_progress = [&](const app::BackupProgress& p) {
        ++steps;
        EXPECT_LE(p.pages_done, p.pages_total);
        if (written) return;
        // A commit between two steps: the server does not wait for the backup, and the backup
        // (one snapshot) does not see it.
        store::WriteBatch batch;
        batch.put_paper(new_paper("2502.00002"));
        auto w = (*writer)->write(batch);
        EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message());
        written = true;
    };
    ASSERT_OK(app::backup_database(src_, out, options));
    EXPECT_GT(steps, 2);
    ASSERT_TRUE(written);
    EXPECT_TRUE(std::filesystem::exists(out));
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
        EXPECT_FALSE(contains(entry.path().string(), ".partial-")) << entry.path();
    }
    ProcessResult r = check(out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_same_rows(source_, dump(out), "the backup");
    auto in_source = (*writer)->get_paper(pid("2502.00002"));
    ASSERT_OK(in_source);
    EXPECT_TRUE(in_source->has_value());
}

TEST_F(DbToolsTest, BackupsByTheBinaryWhileAWriterRunsAreCompleteAndClean) {
    std::atomic<bool> stop{false};
    std::atomic<int> batches{0};
    std::thread writer([&] {
        auto s = store::open_store(src_);
        if (!s.ok()) {
            ADD_FAILURE() << s.error().message();
            return;
        }
        for (int n = 0; !stop.load(); ++n) {
            store::WriteBatch batch;
            for (int i = 0; i < 20; ++i) {
                char id[32];
                std::snprintf(id, sizeof id, "2503.%05d", n * 20 + i);
                batch.put_paper(new_paper(id));
            }
            auto w = (*s)->write(batch);
            if (!w.ok()) {
                ADD_FAILURE() << w.error().message();
                return;
            }
            ++batches;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    while (batches.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const int64_t papers_before = static_cast<int64_t>(source_.at("papers").size());
    std::vector<std::string> outs;
    for (int i = 0; i < 3; ++i) {
        outs.push_back(dir_.file("nightly-" + std::to_string(i) + ".db"));
        ProcessResult r = paperboy({"db", "backup", "--db", src_, outs.back()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_TRUE(contains(r.err, "backed up")) << r.err;
    }
    stop = true;
    writer.join();
    EXPECT_GT(batches.load(), 3);
    for (const std::string& out : outs) {
        ProcessResult r = check(out, /*json=*/true);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        // Whole batches only: the backup is a state the writer committed.
        const int64_t papers = static_cast<int64_t>(dump(out).at("papers").size());
        EXPECT_GE(papers, papers_before + 60) << out;
        EXPECT_EQ((papers - papers_before) % 20, 0) << out;
    }
}

TEST_F(DbToolsTest, BadInputsGiveClearErrors) {
    const std::string missing = dir_.file("missing.db");
    ProcessResult r = paperboy({"db", "copy", missing, dir_.file("x.db")});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_TRUE(contains(r.err, "SRC: database " + missing + " does not exist")) << r.err;
    EXPECT_FALSE(std::filesystem::exists(missing));

    r = paperboy({"db", "copy", src_, "mysql://db.example.org/papers"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "unknown scheme \"mysql\"")) << r.err;
    r = paperboy({"db", "copy", "postgres:papers", dir_.file("x.db")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "expected postgresql://")) << r.err;
    r = paperboy({"db", "copy", src_, "postgresql://nobody:secret@127.0.0.1:1/none"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(
        contains(r.err, "DST: cannot connect to database postgresql://nobody@127.0.0.1:1/none"))
        << r.err;
    EXPECT_FALSE(contains(r.err, "secret")) << r.err;

    r = check(missing);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_TRUE(contains(r.err, missing + " does not exist")) << r.err;
    const std::string text = dir_.write("notes.txt", "not a database at all, just some words\n");
    r = check(text);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_TRUE(contains(r.err, "is not a SQLite database")) << r.err;
    // A column the catalog does not know is never silently left out of a copy.
    const std::string drifted = dir_.file("drifted.db");
    ASSERT_EQ(paperboy({"db", "copy", src_, drifted, "-q"}).exit_code, 0);
    sqlite_exec(drifted, "ALTER TABLE papers ADD COLUMN extra TEXT");
    r = paperboy({"db", "copy", drifted, dir_.file("y.db")});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "table papers has the columns")) << r.err;

    r = paperboy(
        {"db", "backup", "--db", "postgresql://paperboy:pw@127.0.0.1:1/none", dir_.file("pg.db")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "pg_dump")) << r.err;
    EXPECT_TRUE(contains(r.err, "docs/deploy.md")) << r.err;
    r = paperboy({"db", "backup", "--db", missing, dir_.file("b.db")});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const std::string existing = dir_.write("existing.db", "precious");
    r = paperboy({"db", "backup", "--db", src_, existing});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "exists; refusing to overwrite it (--force replaces it)")) << r.err;
    EXPECT_EQ(testing::read_file(existing), "precious");
    r = paperboy({"db", "backup", "--db", src_, existing, "--force", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(check(existing).exit_code, 0);
    r = paperboy({"db", "backup", "--db", src_, src_, "--force"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "itself")) << r.err;
    r = paperboy({"db", "backup", "--db", src_, dir_.file("no/such/dir/b.db")});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "cannot create " + dir_.file("no/such/dir/b.db"))) << r.err;

    for (const char* sub : {"copy", "check", "backup"}) {
        r = paperboy({"db", sub, "--help"});
        EXPECT_EQ(r.exit_code, 0) << sub;
        EXPECT_TRUE(contains(r.out, "Examples:")) << sub << r.out;
    }
    r = paperboy({"db"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace paperboy
