// tests/support/temp_dir.h — scratch directories and files for tests.
//
// A TempDir is a fresh directory under the system temp directory (mkdtemp), removed with its
// contents when the TempDir goes out of scope. Each test makes its own, so tests share no state.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace paperboy::testing {

// The whole content of a file, or "" when it cannot be read.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `data` to `path`, replacing it; false when it could not be written.
inline bool write_file(const std::string& path, std::string_view data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    return out.good();
}

class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "paperboy-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

    // Writes `data` to `name` in the directory and returns its path.
    std::string write(std::string_view name, std::string_view data) const {
        std::string p = file(name);
        if (!write_file(p, data)) throw std::runtime_error("cannot write " + p);
        return p;
    }

  private:
    std::string path_;
};

}  // namespace paperboy::testing
