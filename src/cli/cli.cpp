#include "cli/cli.h"

namespace paperboy::cli {

int run(int /*argc*/, char** /*argv*/) { return 0; }

}  // namespace paperboy::cli
