// tests/store/contract_support.h — what every part of the Store contract shares: the backends
// each test runs against, and a fixture that opens a fresh store of the test's backend.
// A backend joins the whole contract by adding a row to kBackends.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace paperboy::store::contract {

using paperboy::testing::TempDir;

struct Backend {
    std::string name;
    // The URL of a fresh, empty database, given a directory the test owns; nullopt when the
    // backend is not available here (the test is skipped, saying why).
    std::optional<std::string> (*url)(const TempDir& dir);
    // Whether opening the URL again reaches the same database, as another process would.
    bool shared = false;
};

// Names the backend in failure messages instead of dumping its bytes.
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

inline const Backend kBackends[] = {
    {"sqlite_memory",
     [](const TempDir&) -> std::optional<std::string> { return "sqlite::memory:"; }, false},
    {"sqlite_file",
     [](const TempDir& dir) -> std::optional<std::string> {
         return "sqlite:" + dir.file("paperboy.db");
     },
     true},
    {"postgres", [](const TempDir&) { return paperboy::testing::fresh_database_url(); }, true},
};

// The backends whose databases several stores (processes) can share.
inline const Backend kSharedBackends[] = {kBackends[1], kBackends[2]};

// The test name suffix of a backend ("sqlite_file").
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param.name;
}

inline PaperId id_of(std::string_view text) {
    auto id = PaperId::parse(text);
    EXPECT_TRUE(id.ok()) << text;
    return *id;
}

// Sets the backend's test-only hook that runs inside write(), before its COMMIT.
inline void set_before_commit_hook(Store& store, std::function<void()> hook) {
    if (auto* s = dynamic_cast<sqlite::SqliteStore*>(&store)) {
        s->set_before_commit_hook_for_testing(std::move(hook));
    } else if (auto* p = dynamic_cast<postgres::PostgresStore*>(&store)) {
        p->set_before_commit_hook_for_testing(std::move(hook));
    } else {
        ADD_FAILURE() << "a store of an unknown backend";
    }
}

// A fresh store of the test's backend in store_, in a directory of its own; url_ opens the
// same database again when the backend is shared.
class BackendTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        std::optional<std::string> url = GetParam().url(dir_);
        if (!url) GTEST_SKIP() << paperboy::testing::postgres_skip_reason();
        url_ = *url;
        auto opened = open_store(url_);
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(opened).value();
    }

    TempDir dir_;
    std::string url_;
    std::unique_ptr<Store> store_;
};

}  // namespace paperboy::store::contract
