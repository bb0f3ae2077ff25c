#include "cli/common.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace paperboy::cli {

int exit_code_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return kExitUsage;
        case ErrorCode::kNotFound:
            return kExitNotFound;
        case ErrorCode::kCorruption:
        case ErrorCode::kVersionMismatch:
            return kExitData;
        case ErrorCode::kParse:
        case ErrorCode::kAlreadyExists:
        case ErrorCode::kIo:
        case ErrorCode::kUnavailable:
        case ErrorCode::kInternal:
        case ErrorCode::kLimitExceeded:
            return kExitFailure;
    }
    return kExitFailure;
}

int fail(const Error& error) {
    std::fprintf(stderr, "paperboy: %s\n", error.message().c_str());
    return exit_code_for(error.code());
}

CLI::Option* add_db_option(CLI::App* cmd, std::string& db, std::string_view what) {
    std::string help =
        "Database: a SQLite file (PATH or sqlite:PATH) or PostgreSQL "
        "(postgresql://USER@HOST:PORT/DB)";
    if (!what.empty()) help += ", " + std::string(what);
    help += "; default $PAPERBOY_DB";
    return cmd->add_option("--db", db, help)->envname("PAPERBOY_DB")->required();
}

Result<std::unique_ptr<store::Store>> open_db(const std::string& db, bool must_exist,
                                              int pool_size) {
    // A plain path must exist for read-only commands: creating an empty database there would
    // hide a typo behind "0 papers".
    bool is_path = db.find(':') == std::string::npos;
    if (must_exist && is_path && !std::filesystem::exists(db)) {
        return Error(ErrorCode::kNotFound, "database " + db + " does not exist");
    }
    store::OpenOptions options;
    options.create_if_missing = !must_exist;
    options.pool_size = pool_size;
    return store::open_store(db, options);
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

}  // namespace paperboy::cli
