// Opening SQLite databases: creation, reopening, schema upgrades and refusals, connection
// settings. Talks to the files with a raw sqlite3 handle where the test needs to see or forge
// what is on disk.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <string>

#include "store/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace paperboy::store {
namespace {

using paperboy::testing::TempDir;

// A raw connection for forging and inspecting database files.
class RawDb {
  public:
    explicit RawDb(const std::string& path) {
        EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK) << path;
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void exec(const std::string& sql) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
            << (error != nullptr ? error : "") << "\n"
            << sql;
        sqlite3_free(error);
    }
    // The primary result code of running `sql`.
    int try_exec(const std::string& sql) {
        return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) & 0xff;
    }
    // The first column of the first row, as text ("" when there is no row).
    std::string query(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
        std::string out;
        if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(stmt, 0);
            if (text != nullptr) out = reinterpret_cast<const char*>(text);
        }
        sqlite3_finalize(stmt);
        return out;
    }

  private:
    sqlite3* db_ = nullptr;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

PaperId id_of(std::string_view text) { return *PaperId::parse(text); }

const int kLatest = latest_schema_version();

TEST(SchemaMigrations, AreNumberedInOrderFromOne) {
    const auto steps = migrations();
    ASSERT_GE(steps.size(), 2u);
    for (size_t i = 0; i < steps.size(); ++i) {
        EXPECT_EQ(steps[i].version, static_cast<int>(i + 1));
    }
    EXPECT_EQ(kLatest, steps.back().version);
}

TEST(SchemaMigrations, NewDatabaseGetsTheLatestVersion) {
    TempDir dir;
    const std::string path = dir.file("new.db");
    {
        auto store = open_store(path);
        ASSERT_TRUE(store.ok()) << store.error().message();
        auto st = (*store)->stats();
        ASSERT_TRUE(st.ok());
        EXPECT_EQ(st->schema_version, kLatest);
    }
    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT MAX(version) FROM schema_version"), std::to_string(kLatest));
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_version"), std::to_string(kLatest));
}

TEST(SchemaMigrations, UpgradesAVersion1DatabaseInPlaceKeepingItsData) {
    TempDir dir;
    const std::string path = dir.file("v1.db");
    {
        RawDb raw(path);
        raw.exec(read_file(PAPERBOY_TESTDATA_DIR "/store/schema_v1.sql"));
    }

    auto opened = open_store("sqlite:" + path);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    Store& store = **opened;

    auto paper = store.get_paper(id_of("2401.00001"));
    ASSERT_TRUE(paper.ok()) << paper.error().message();
    ASSERT_TRUE(paper->has_value());
    const Paper& p = **paper;
    EXPECT_EQ(p.title, "Old Title");
    EXPECT_EQ(p.version, 2);
    ASSERT_EQ(p.authors.size(), 1u);
    EXPECT_EQ(p.authors[0].affiliations, std::vector<std::string>{"Analytical Engines"});
    EXPECT_EQ(p.categories, (std::vector<std::string>{"cs.CL", "cs.AI"}));

    auto entries = store.daily_entries("2024-01-06");
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ((*entries)[0].upvotes, 12);
    auto cursor = store.cursor("oai:last");
    ASSERT_TRUE(cursor.ok());
    EXPECT_EQ(*cursor, "2024-01-05");

    auto st = store.stats();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->schema_version, kLatest);
    EXPECT_EQ(st->papers_with_code, 1);
    EXPECT_EQ(st->last_sequence, 2);

    // A row from before content hashes is recognised as unchanged, and the feed continues
    // after the old sequence numbers.
    WriteBatch same;
    same.put_paper(p);
    auto counts = store.write(same);
    ASSERT_TRUE(counts.ok()) << counts.error().message();
    EXPECT_EQ(counts->papers_unchanged, 1);
    Paper newer = p;
    newer.version = 3;
    WriteBatch update;
    update.put_paper(newer);
    ASSERT_TRUE(store.write(update).ok());
    auto feed = store.changes_since(0, 10);
    ASSERT_TRUE(feed.ok());
    EXPECT_EQ(feed->back().seq, 3);

    opened->reset();
    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT MAX(version) FROM schema_version"), std::to_string(kLatest));
    EXPECT_NE(raw.query("SELECT content_hash FROM papers WHERE id = '2401.00001'"), "0");
}

// A database as schema step `version` left it: the released steps up to it, applied as
// migrate() applies them.
void build_schema_up_to(RawDb& raw, int version) {
    for (const Migration& m : migrations()) {
        if (m.version > version) break;
        raw.exec(m.sqlite);
        raw.exec("INSERT INTO schema_version (version, description, applied_at) VALUES (" +
                 std::to_string(m.version) + ", 'step', '2024-01-01T00:00:00Z')");
    }
}

TEST(SchemaMigrations, UpgradesAVersion7DatabaseToMailKeepingUsersUnverified) {
    TempDir dir;
    const std::string path = dir.file("v7.db");
    {
        RawDb raw(path);
        build_schema_up_to(raw, 7);
        raw.exec(
            "INSERT INTO users (id, handle, email, password_hash, role, created_at) VALUES "
            "(1, 'ada', 'ada@example.org', 'hash-a', 'admin', '2024-01-01T00:00:00Z'), "
            "(2, 'grace', 'grace@example.org', 'hash-g', 'member', '2024-01-02T00:00:00Z');"
            "INSERT INTO sessions (token_digest, user_id, created_at, expires_at) VALUES "
            "('session', 1, '2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z');"
            "INSERT INTO papers (id, title, seq) VALUES ('2401.00001', 'Kept', 1);"
            "INSERT INTO changes (entity, paper_id) VALUES ('paper', '2401.00001');"
            "INSERT INTO votes (user_id, paper_id, created_at) VALUES "
            "(2, '2401.00001', '2024-01-03T00:00:00Z');"
            "INSERT INTO organizations (name, full_name, updated_at) VALUES "
            "('deepmind', 'Google DeepMind', '2024-01-01T00:00:00Z');");
        ASSERT_EQ(raw.query("SELECT MAX(version) FROM schema_version"), "7");
    }

    auto opened = open_store("sqlite:" + path);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    Store& store = **opened;
    EXPECT_EQ(store.stats()->schema_version, kLatest);

    auto ada = store.find_user("ada");
    ASSERT_TRUE(ada.ok() && ada->has_value());
    EXPECT_EQ((*ada)->id, 1);
    EXPECT_EQ((*ada)->email, "ada@example.org");
    EXPECT_EQ((*ada)->password_hash, "hash-a");
    EXPECT_EQ((*ada)->role, Role::kAdmin);
    EXPECT_EQ((*ada)->created_at, "2024-01-01T00:00:00Z");
    EXPECT_EQ((*ada)->email_verified_at, "");
    auto session = store.session_user("session", "2029-01-01T00:00:00Z");
    ASSERT_TRUE(session.ok() && session->has_value());
    EXPECT_EQ((*session)->email_verified_at, "");
    EXPECT_EQ((*store.user_by_id(2))->email_verified_at, "");
    EXPECT_EQ(*store.has_voted(2, {id_of("2401.00001")}), std::vector<bool>{true});
    EXPECT_EQ((*store.organization("DeepMind"))->full_name, "Google DeepMind");
    EXPECT_EQ((*store.get_paper(id_of("2401.00001")))->title, "Kept");

    // The new tables work.
    ASSERT_TRUE(store.set_email_verified(1, "2024-02-01T00:00:00Z").ok());
    EXPECT_EQ((*store.user_by_id(1))->email_verified_at, "2024-02-01T00:00:00Z");
    auto sub = store.upsert_subscription("ada@example.org", Frequency::kDaily, "", 1,
                                         "2024-02-01T00:00:00Z");
    ASSERT_TRUE(sub.ok()) << sub.error().message();
    EXPECT_EQ(sub->user_id, 1);
    EXPECT_EQ(*store.instance_secret("unsubscribe", "s3cret"), "s3cret");

    opened->reset();
    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT MAX(version) FROM schema_version"), std::to_string(kLatest));
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM users WHERE email_verified_at IS NULL"), "1");
    EXPECT_EQ(raw.query("PRAGMA foreign_key_check"), "");
}

TEST(SchemaMigrations, MailRowsFollowTheirUsersAndSubscriptions) {
    // No Store call deletes users or subscriptions yet; the schema says what a deletion does.
    TempDir dir;
    const std::string path = dir.file("mail.db");
    int64_t sub_id = 0;
    {
        auto opened = open_store(path);
        ASSERT_TRUE(opened.ok());
        Store& store = **opened;
        User u;
        u.handle = "ada";
        u.email = "ada@example.org";
        u.password_hash = "x";
        auto ada = store.create_user(u);
        ASSERT_TRUE(ada.ok());
        auto sub = store.upsert_subscription("ada@example.org", Frequency::kDaily, "", ada->id,
                                             "2024-10-25T08:00:00Z");
        ASSERT_TRUE(sub.ok());
        sub_id = sub->id;
        ASSERT_TRUE(store
                        .add_mail_token("t", ada->id, MailTokenPurpose::kVerifyEmail,
                                        "2024-10-25T08:00:00Z", "2030-01-01T00:00:00Z")
                        .ok());
        DigestSend send;
        send.subscription_id = sub_id;
        send.period = "daily:2024-10-25";
        send.papers = {id_of("2410.13848"), id_of("hep-th/9901001")};
        send.created_at = "2024-10-25T08:00:00Z";
        ASSERT_TRUE(*store.claim_digest(send));
    }
    RawDb raw(path);
    raw.exec("PRAGMA foreign_keys = ON");
    // The digest's papers as documented in docs/schema.md: canonical ids, one space apart.
    EXPECT_EQ(raw.query("SELECT papers FROM digest_sends"), "2410.13848 hep-th/9901001");
    raw.exec("DELETE FROM users");
    // A subscription outlives its member's account (the address still asked for it); the
    // member's tokens do not.
    EXPECT_EQ(raw.query("SELECT COALESCE(user_id, 0) FROM subscriptions"), "0");
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM mail_tokens"), "0");
    raw.exec("DELETE FROM subscriptions WHERE id = " + std::to_string(sub_id));
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM digest_sends"), "0");
    EXPECT_EQ(raw.try_exec("INSERT INTO subscriptions (email, frequency, status, created_at, "
                           "updated_at) VALUES ('a@b', 'monthly', 'pending', '', '')"),
              SQLITE_CONSTRAINT);
}

TEST(SchemaMigrations, RefusesADatabaseFromANewerPaperboy) {
    TempDir dir;
    const std::string path = dir.file("future.db");
    { ASSERT_TRUE(open_store(path).ok()); }
    {
        RawDb raw(path);
        raw.exec(
            "INSERT INTO schema_version (version, description, applied_at) "
            "VALUES (99, 'from the future', '2030-01-01T00:00:00Z')");
    }
    auto opened = open_store(path);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kVersionMismatch);
    const std::string& message = opened.error().message();
    EXPECT_NE(message.find("version 99"), std::string::npos) << message;
    EXPECT_NE(message.find("up to " + std::to_string(kLatest)), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;

    OpenOptions read_only;
    read_only.read_only = true;
    auto read = open_store(path, read_only);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), ErrorCode::kVersionMismatch);

    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT MAX(version) FROM schema_version"), "99");  // left as it was
}

TEST(SchemaMigrations, RefusesAFileThatIsNotASqliteDatabase) {
    TempDir dir;
    const std::string path = dir.file("garbage.db");
    {
        std::ofstream out(path);
        for (int i = 0; i < 200; ++i) out << "this is not a database, just some text\n";
    }
    auto opened = open_store(path);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kCorruption);
    EXPECT_NE(opened.error().message().find(path), std::string::npos) << opened.error().message();
    EXPECT_NE(opened.error().message().find("not a SQLite database"), std::string::npos)
        << opened.error().message();
}

TEST(SchemaMigrations, RefusesASqliteDatabaseThatIsNotPaperboys) {
    TempDir dir;
    const std::string path = dir.file("other.db");
    {
        RawDb raw(path);
        raw.exec("CREATE TABLE notes (body TEXT)");
    }
    auto opened = open_store(path);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kCorruption);
    EXPECT_NE(opened.error().message().find(path), std::string::npos) << opened.error().message();
    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM sqlite_master"), "1");  // untouched
}

TEST(SqliteStoreOpen, ReopeningAFileKeepsItsData) {
    TempDir dir;
    const std::string path = dir.file("keep.db");
    Paper p;
    p.id = id_of("2401.00001");
    p.title = "Kept";
    {
        auto store = open_store(path);
        ASSERT_TRUE(store.ok());
        WriteBatch b;
        b.put_paper(p);
        b.set_cursor("k", "v");
        ASSERT_TRUE((*store)->write(b).ok());
    }
    auto store = open_store("sqlite:" + path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto got = (*store)->get_paper(p.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, p);
    auto c = (*store)->cursor("k");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c, "v");
    auto feed = (*store)->changes_since(0, 10);
    ASSERT_TRUE(feed.ok());
    EXPECT_EQ(feed->size(), 1u);
}

TEST(SqliteStoreOpen, UsesWalForeignKeysABusyTimeoutAndAMemoryMap) {
    TempDir dir;
    const std::string path = dir.file("settings.db");
    auto store = sqlite::SqliteStore::open(path, OpenOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto settings = (*store)->connection_settings();
    ASSERT_TRUE(settings.ok());
    EXPECT_EQ(settings->journal_mode, "wal");
    EXPECT_EQ(settings->synchronous, 1);
    EXPECT_TRUE(settings->foreign_keys);
    EXPECT_EQ(settings->busy_timeout_ms, 5000);
    EXPECT_EQ(settings->mmap_size, 2147418112);  // SQLite's default ceiling, 0x7fff0000

    // WAL is a property of the file: another connection sees it too.
    RawDb raw(path);
    EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStoreOpen, SchemaRefusesADailyEntryWithoutItsPaper) {
    // The store checks for the paper itself, for a clear message; the schema's foreign key is
    // the second line of defence, active on any connection that enables foreign keys as the
    // store's does (see UsesWalForeignKeysAndABusyTimeout).
    TempDir dir;
    const std::string path = dir.file("fk.db");
    { ASSERT_TRUE(open_store(path).ok()); }
    RawDb raw(path);
    raw.exec("PRAGMA foreign_keys = ON");
    EXPECT_EQ(raw.try_exec("INSERT INTO daily_entries (date, paper_id, seq) "
                           "VALUES ('2024-01-01', '2499.00001', 1)"),
              SQLITE_CONSTRAINT);
}

TEST(SqliteStoreOpen, MissingFileWithoutCreateIsNotFound) {
    TempDir dir;
    OpenOptions options;
    options.create_if_missing = false;
    auto store = open_store(dir.file("absent.db"), options);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code(), ErrorCode::kNotFound);
}

TEST(SqliteStoreOpen, UnopenablePathIsAnIoError) {
    TempDir dir;
    auto store = open_store(dir.file("no/such/dir/x.db"));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code(), ErrorCode::kIo);
    EXPECT_NE(store.error().message().find("no/such/dir"), std::string::npos);
}

TEST(SqliteStoreOpen, ReadOnlyStoreReadsButRefusesWrites) {
    TempDir dir;
    const std::string path = dir.file("ro.db");
    Paper p;
    p.id = id_of("2401.00001");
    p.title = "Read me";
    {
        auto store = open_store(path);
        ASSERT_TRUE(store.ok());
        WriteBatch b;
        b.put_paper(p);
        ASSERT_TRUE((*store)->write(b).ok());
    }
    OpenOptions options;
    options.read_only = true;
    auto store = open_store(path, options);
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto got = (*store)->get_paper(p.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, p);
    WriteBatch b;
    b.put_paper(p);
    auto written = (*store)->write(b);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code(), ErrorCode::kInvalidArgument);
}

TEST(OpenStore, RejectsUrlsItCannotServe) {
    auto pg = open_store("postgres:paperboy");  // not a URL libpq reads
    ASSERT_FALSE(pg.ok());
    EXPECT_EQ(pg.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(pg.error().message().find("postgresql://"), std::string::npos);

    auto unknown = open_store("mysql://localhost/paperboy");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(unknown.error().message().find("mysql"), std::string::npos);

    for (const char* bad : {"", "sqlite:"}) {
        auto empty = open_store(bad);
        ASSERT_FALSE(empty.ok()) << bad;
        EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
    }
}

TEST(OpenStore, InMemoryStoresArePrivate) {
    auto a = open_store("sqlite::memory:");
    auto b = open_store("sqlite::memory:");
    ASSERT_TRUE(a.ok() && b.ok());
    WriteBatch batch;
    Paper p;
    p.id = id_of("2401.00001");
    batch.put_paper(p);
    ASSERT_TRUE((*a)->write(batch).ok());
    auto in_b = (*b)->get_paper(p.id);
    ASSERT_TRUE(in_b.ok());
    EXPECT_EQ(*in_b, std::nullopt);
}

}  // namespace
}  // namespace paperboy::store
