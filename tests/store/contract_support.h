// tests/store/contract_support.h — what every part of the Store contract shares: the backends
// each test runs against, and a fixture that opens a fresh store of the test's backend.
// A backend joins the whole contract by adding a row to kBackends.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "store/store.h"
#include "support/temp_dir.h"

namespace paperboy::store::contract {

using paperboy::testing::TempDir;

struct Backend {
    std::string name;
    // The URL to open, given a fresh directory the test owns.
    std::string (*url)(const TempDir& dir);
};

// Names the backend in failure messages instead of dumping its bytes.
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

inline const Backend kBackends[] = {
    {"sqlite_memory", [](const TempDir&) { return std::string("sqlite::memory:"); }},
    {"sqlite_file", [](const TempDir& dir) { return "sqlite:" + dir.file("paperboy.db"); }},
};

// The test name suffix of a backend ("sqlite_file").
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param.name;
}

inline PaperId id_of(std::string_view text) {
    auto id = PaperId::parse(text);
    EXPECT_TRUE(id.ok()) << text;
    return *id;
}

// A fresh store of the test's backend in store_, in a directory of its own.
class BackendTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        auto opened = open_store(GetParam().url(dir_));
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        store_ = std::move(opened).value();
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
};

}  // namespace paperboy::store::contract
