// cli/console.h — what long-running commands print on stderr: a progress line redrawn in place
// (only on a terminal), skipped-record messages (the first 50, then a count), and numbers in a
// readable form.
#pragma once

#include <cstdint>
#include <string>

#include "ingest/record.h"

namespace paperboy::cli {

// 1234567 -> "1,234,567".
std::string with_thousands(int64_t n);

// "1 page", "2 pages".
std::string plural(int64_t n, const std::string& noun);

class Console {
  public:
    // Progress lines are drawn only when `draw_progress` (stderr is a terminal and not --quiet).
    explicit Console(bool draw_progress) : draw_progress_(draw_progress) {}
    ~Console() { clear_progress(); }
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    bool draws_progress() const { return draw_progress_; }

    // Replaces the progress line with `line`.
    void progress(const std::string& line);
    // Prints a line of its own ("paperboy: <message>"), above the progress line.
    void note(const std::string& message);
    // Reports a skipped record; after the first 50 only counts them.
    void skipped(const ingest::RecordError& error);
    // Erases the progress line and says how many skipped records were not shown.
    void finish();

  private:
    void clear_progress();

    bool draw_progress_;
    bool progress_drawn_ = false;
    int64_t skipped_ = 0;
};

}  // namespace paperboy::cli
