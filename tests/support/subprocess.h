// tests/support/subprocess.h — running the real paperboy binary (and helper servers) from tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace paperboy::testing {

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    std::string out;
    std::string err;
};

// Runs `argv` to completion, capturing stdout and stderr. argv[0] is a path.
ProcessResult run_process(const std::vector<std::string>& argv);

// Starts `argv` in the background with stdout and stderr sent to `log_path`; returns its pid.
pid_t spawn_process(const std::vector<std::string>& argv, const std::string& log_path);

// A fresh temporary directory, removed with its contents when the object dies.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// Reads a whole file; empty when it cannot be read.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace paperboy::testing
