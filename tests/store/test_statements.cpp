// Every statement of each backend prepares against a fresh database of the latest schema: a
// typo in a table or column name, or a statement left behind by a migration, fails here rather
// than on the first request that runs it. (That each has text at all is checked at compile
// time: sqlite/queries.h and postgres/queries.h end in a static_assert.)
#include <gtest/gtest.h>

#include "store/postgres/postgres_store.h"
#include "store/postgres/queries.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"
#include "support/postgres_server.h"

namespace paperboy::store {
namespace {

TEST(Statements, EverySqliteStatementPrepares) {
    auto store = sqlite::SqliteStore::open(":memory:", OpenOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message();
    const Status prepared = (*store)->prepare_all_statements();
    EXPECT_TRUE(prepared.ok()) << prepared.error().message();
    EXPECT_GT(sqlite::kQueryCount, 80);
}

TEST(Statements, EveryPostgresStatementPrepares) {
    PAPERBOY_REQUIRE_POSTGRES(url);
    auto store = postgres::PostgresStore::open(url, OpenOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message();
    const Status prepared = (*store)->prepare_all_statements();
    EXPECT_TRUE(prepared.ok()) << prepared.error().message();
    EXPECT_GT(postgres::kQueryCount, 80);
}

TEST(Statements, TextIsJoinedAtCompileTime) {
    static_assert(sqlite::sql_text(sqlite::Query::kSelectPaper)
                      .starts_with("SELECT version, title, abstract_raw"));
    static_assert(postgres::sql_text(postgres::Query::kSelectPaper)
                      .ends_with("FROM papers WHERE id = $1 AND NOT deleted"));
    // The papers_received() chunk: ?2 .. ?101.
    constexpr std::string_view received = sqlite::sql_text(sqlite::Query::kSelectPapersReceived);
    static_assert(received.find("?2, ?3, ") != std::string_view::npos);
    static_assert(received.ends_with("?100, ?101)"));
    EXPECT_EQ(received.find("?102"), std::string_view::npos);
}

}  // namespace
}  // namespace paperboy::store
