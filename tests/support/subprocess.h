// tests/support/subprocess.h — running the real paperboy binary (and helper servers) from tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.h"

namespace paperboy::testing {

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    std::string out;
    std::string err;
};

// Runs `argv` to completion, capturing stdout and stderr. argv[0] is a path.
ProcessResult run_process(const std::vector<std::string>& argv);

// Runs `argv` like run_process with `input` fed through a pipe: on standard input when
// `input_fd` is 0, or else on descriptor `input_fd` (3 or more), which argv can name as
// /dev/fd/<input_fd> — what bash's process substitution does.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          int input_fd = 0);

// Starts `argv` in the background with stdout and stderr sent to `log_path`; returns its pid.
pid_t spawn_process(const std::vector<std::string>& argv, const std::string& log_path);

}  // namespace paperboy::testing
