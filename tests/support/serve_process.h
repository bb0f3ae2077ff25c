// tests/support/serve_process.h — a real `paperboy serve` process on an ephemeral loopback port,
// for integration tests: started, waited for until it says where it listens, stopped with a
// signal (whose exit status the test can check).
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "support/listening_process.h"

namespace paperboy::testing {

class ServeProcess : public ListeningProcess {
  public:
    // Starts `binary serve --db db --listen 127.0.0.1:0 extra...`, logging to log_path.
    ServeProcess(const std::string& binary, const std::string& db, const std::string& log_path,
                 const std::vector<std::string>& extra = {})
        : ListeningProcess(argv(binary, db, extra), log_path,
                           std::regex(R"(serving .* at http://127\.0\.0\.1:(\d+)/)")) {}

  private:
    static std::vector<std::string> argv(const std::string& binary, const std::string& db,
                                         const std::vector<std::string>& extra) {
        std::vector<std::string> out = {binary, "serve", "--db", db, "--listen", "127.0.0.1:0"};
        out.insert(out.end(), extra.begin(), extra.end());
        return out;
    }
};

}  // namespace paperboy::testing
