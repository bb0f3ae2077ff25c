// tests/ingest/temp_files.h — scratch files for the ingest tests.
//
// A TempDir is a fresh directory under the system temp directory, removed with its contents
// when the TempDir goes out of scope. Each test makes its own, so tests share no state.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace paperboy::testing {

class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("paperboy-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(std::string_view name) const { return (path_ / name).string(); }

    // Writes `data` to `name` in the directory and returns its path.
    std::string write(std::string_view name, std::string_view data) const {
        std::string path = file(name);
        std::ofstream out(path, std::ios::binary);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        EXPECT_TRUE(out.good()) << path;
        return path;
    }

    // Writes `data` gzip-compressed to `name` and returns its path.
    std::string write_gzip(std::string_view name, std::string_view data) const {
        std::string path = file(name);
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

  private:
    std::filesystem::path path_;
};

// The whole content of a file, or "" when it cannot be read.
inline std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace paperboy::testing
