// tests/ingest/temp_files.h — gzip files for the ingest tests (plain files: support/temp_dir.h).
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <string_view>

#include "support/temp_dir.h"

namespace paperboy::testing {

// Writes `data` gzip-compressed to `name` in `dir` and returns its path.
inline std::string write_gzip(const TempDir& dir, std::string_view name, std::string_view data) {
    std::string path = dir.file(name);
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr) << path;
    if (gz == nullptr) return path;
    if (!data.empty()) {
        EXPECT_EQ(gzwrite(gz, data.data(), static_cast<unsigned>(data.size())),
                  static_cast<int>(data.size()));
    }
    EXPECT_EQ(gzclose(gz), Z_OK);
    return path;
}

}  // namespace paperboy::testing
