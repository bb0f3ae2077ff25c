// cli/cli.h — the paperboy command line: the subcommand table, argv parsing (CLI11), and the
// one mapping from Result errors to exit codes and messages. The only module that knows argv.
#pragma once

namespace paperboy::cli {

// Runs the command line; returns the process exit status.
int run(int argc, char** argv);

}  // namespace paperboy::cli
