#include "cli/cli.h"

int main(int argc, char** argv) { return paperboy::cli::run(argc, argv); }
