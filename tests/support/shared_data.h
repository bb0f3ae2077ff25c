// tests/support/shared_data.h — the real-world samples that tests read from ../shared.
//
// The samples under ../shared/data and ../shared/models come from other public projects: tests
// may read them from there but the repository must not carry copies (a lint check enforces it).
// Every developer checkout and CI have ../shared beside the clone; a user's own clone may not.
// Tests that need a sample ask for it here and are skipped, with one line saying why, when it
// is absent:
//
//     PAPERBOY_REQUIRE_SHARED(path, "data/hf-daily-papers/daily_papers_2024-10-25.json");
//     ... read `path` ...
//
// The directory is PAPERBOY_SHARED_DIR when that is set (other layouts), else `shared` beside
// the repository (PAPERBOY_SOURCE_DIR/../shared). When PAPERBOY_SKIP_LOG names a file, each
// skip also appends a line to it, so that `make test` can list every skipped test at the end.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace paperboy::testing {

// The shared directory (whether or not it exists): PAPERBOY_SHARED_DIR, else ../shared.
inline std::filesystem::path shared_dir() {
    if (const char* env = getenv("PAPERBOY_SHARED_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return std::filesystem::path(PAPERBOY_SOURCE_DIR).parent_path() / "shared";
}

// The path of `relative` under the shared directory, or nothing when it is not there.
inline std::optional<std::string> shared_path(std::string_view relative) {
    std::filesystem::path p = shared_dir() / relative;
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return std::nullopt;
    return p.string();
}

// The one line a skipped test prints (and appends to PAPERBOY_SKIP_LOG).
inline std::string shared_skip_reason(std::string_view relative) {
    std::string reason = "needs " + (shared_dir() / relative).string() +
                         " (a real sample from ../shared, absent here; set PAPERBOY_SHARED_DIR "
                         "to its directory to run this test)";
    if (const char* log = getenv("PAPERBOY_SKIP_LOG"); log != nullptr && *log != '\0') {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::ofstream out(log, std::ios::app);
        if (info != nullptr) out << info->test_suite_name() << "." << info->name() << ": ";
        out << reason << "\n";
    }
    return reason;
}

}  // namespace paperboy::testing

// Declares `var` as the std::string path of the shared sample `relative`, or skips the current
// test (GTEST_SKIP, one line) when it is absent. Use at the top of a TEST or a fixture's SetUp.
#define PAPERBOY_REQUIRE_SHARED(var, relative)                                               \
    const std::optional<std::string> var##_opt = ::paperboy::testing::shared_path(relative); \
    if (!var##_opt) GTEST_SKIP() << ::paperboy::testing::shared_skip_reason(relative);       \
    const std::string& var = *var##_opt
