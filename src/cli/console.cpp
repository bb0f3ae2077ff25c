#include "cli/console.h"

#include <cstdio>

namespace paperboy::cli {
namespace {

// Messages for the first malformed records; after that only a count, so that a file of a
// million bad lines does not bury the summary.
constexpr int64_t kMaxSkippedLines = 50;

}  // namespace

std::string with_thousands(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string plural(int64_t n, const std::string& noun) {
    return with_thousands(n) + " " + noun + (n == 1 ? "" : "s");
}

void Console::clear_progress() {
    if (progress_drawn_) std::fprintf(stderr, "\r\033[K");
    progress_drawn_ = false;
}

void Console::progress(const std::string& line) {
    if (!draw_progress_) return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    progress_drawn_ = true;
}

void Console::note(const std::string& message) {
    clear_progress();
    std::fprintf(stderr, "paperboy: %s\n", message.c_str());
}

void Console::skipped(const ingest::RecordError& error) {
    if (skipped_++ >= kMaxSkippedLines) return;
    note("skipped " + error.message());
}

void Console::finish() {
    clear_progress();
    if (skipped_ > kMaxSkippedLines) {
        note("... and " + with_thousands(skipped_ - kMaxSkippedLines) + " more skipped records");
    }
}

}  // namespace paperboy::cli
