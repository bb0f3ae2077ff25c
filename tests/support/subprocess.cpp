#include "support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace paperboy::testing {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
    return run_process(argv, {}, -1);
}

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          int input_fd) {
    TempDir dir;
    std::string out_path = dir.file("stdout"), err_path = dir.file("stderr");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    // input_fd < 0: no input given, the child inherits standard input.
    int pipe_read = -1, pipe_write = -1;
    if (input_fd >= 0) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        // Kept off the low descriptors, so that the dup2 below always makes a copy (which
        // clears close-on-exec) rather than a no-op.
        pipe_read = fcntl(fds[0], F_DUPFD_CLOEXEC, 64);
        close(fds[0]);
        pipe_write = fds[1];
        posix_spawn_file_actions_adddup2(&actions, pipe_read, input_fd);
    }
    pid_t pid = 0;
    auto args = c_argv(argv);
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (pipe_read >= 0) close(pipe_read);
    ProcessResult result;
    if (rc != 0) {
        if (pipe_write >= 0) close(pipe_write);
        result.err = "posix_spawn failed for " + argv[0];
        return result;
    }
    if (pipe_write >= 0) {
        // A child that stops reading early closes the pipe: stop writing, without SIGPIPE.
        signal(SIGPIPE, SIG_IGN);
        size_t done = 0;
        while (done < input.size()) {
            ssize_t n = write(pipe_write, input.data() + done, input.size() - done);
            if (n <= 0) break;
            done += static_cast<size_t>(n);
        }
        close(pipe_write);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = exit_code_of(status);
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    return result;
}

pid_t spawn_process(const std::vector<std::string>& argv, const std::string& log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    auto args = c_argv(argv);
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed for " + argv[0]);
    return pid;
}

}  // namespace paperboy::testing
