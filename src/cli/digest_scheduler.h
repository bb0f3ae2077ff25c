// cli/digest_scheduler.h — the digest runs inside `paperboy serve` (docs/mail.md, "The
// scheduler"): every day at a configured time (UTC) the daily digest of yesterday, and on the
// weekly day the weekly digest of the ISO week that ended before today.
//
// Which runs are due is a pure function of the time, the configuration and the last day each
// kind ran (kept in the store as cursors, so a restart does not run again and a run missed
// while the server was down happens at start-up — on the same day only). The DigestScheduler
// thread asks it, runs what is due with app::DigestJob, records the day when a run went through
// (a run that stopped early is tried again after a pause; the send log keeps that from sending
// anything twice), and writes one JSON line per run.
// Thread-safety: a DigestScheduler is started and stopped from one thread; its own thread is
// the only one that runs digests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/digest_job.h"
#include "app/mailer.h"
#include "app/search_service.h"
#include "app/subscriptions.h"

namespace paperboy::cli {

struct ScheduleConfig {
    std::chrono::minutes time_of_day{7 * 60};  // after midnight UTC
    std::chrono::weekday weekly_day = std::chrono::Monday;
};

// The day ("YYYY-MM-DD", UTC) each kind of run last went through; "" = never.
struct ScheduleState {
    std::string last_daily;
    std::string last_weekly;
};

struct DueRun {
    Frequency frequency = Frequency::kDaily;
    std::string as_of;    // the day whose period is sent (DigestJob::run's `day`)
    std::string run_day;  // today: recorded as the last run when it goes through

    friend bool operator==(const DueRun&, const DueRun&) = default;
};

// The runs due at `now`: none before today's time of day; after it, the daily run (as of
// yesterday) unless one already went through today, and on the weekly day the weekly run (as of
// the Sunday before today, the last day of the previous ISO week) unless one went through
// today. Daily first.
std::vector<DueRun> due_runs(std::chrono::sys_seconds now, const ScheduleConfig& config,
                             const ScheduleState& state);

// The first scheduled time strictly after `now` (today's or tomorrow's time of day).
std::chrono::sys_seconds next_run_time(std::chrono::sys_seconds now, const ScheduleConfig& config);

// "07:00" -> 420 minutes; nullopt unless HH:MM with HH 00-23 and MM 00-59.
std::optional<std::chrono::minutes> parse_time_of_day(std::string_view text);
// "mon", "Monday", "TUE", ... -> the weekday; nullopt for anything else.
std::optional<std::chrono::weekday> parse_weekday(std::string_view text);

// The day a run at `now` is about: yesterday for daily digests; for weekly ones the Sunday
// before today, the last day of the previous ISO week (yesterday on a Monday).
std::string default_as_of(Frequency frequency, std::chrono::sys_seconds now);

// A digest run's report as a JSON object: the period, "ok" (no transient failure left, not
// stopped early) and every count.
std::string digest_report_json(const app::DigestReport& report);

// One JSON line about a run (without the newline): the time, the period and every count of the
// report, or the error.
std::string format_run_line(std::chrono::system_clock::time_point now, const DueRun& run,
                            const Result<app::DigestReport>& report);

class DigestScheduler {
  public:
    struct Options {
        ScheduleConfig schedule;
        app::DigestOptions digest;
        // After a run that failed or stopped early, how long until it is tried again.
        std::chrono::seconds retry_after{std::chrono::minutes(10)};
        std::FILE* log = stderr;
        // Every sender of the instance (this scheduler on every node, `paperboy digest send`)
        // holds the store's lease "digest" while it sends (app/job_lease.h). A node that dies
        // mid-run loses it after this long, and another node's scheduler finishes the run.
        std::chrono::seconds lease_ttl{60};
        std::function<std::chrono::system_clock::time_point()> now = [] {
            return std::chrono::system_clock::now();
        };
    };

    // `make_mailer` builds the scheduler's own connection to the relay; it is given the sleep
    // to use between retries (one that returns early when stop() is called). `search` may be
    // null (topic subscriptions are then skipped). Everything must outlive the scheduler.
    DigestScheduler(
        store::Store& store, app::SearchService* search, app::Subscriptions& subscriptions,
        std::function<std::unique_ptr<app::Mailer>(std::function<void(std::chrono::milliseconds)>)>
            make_mailer,
        Options options);
    ~DigestScheduler();
    DigestScheduler(const DigestScheduler&) = delete;
    DigestScheduler& operator=(const DigestScheduler&) = delete;

    void start();
    // Returns promptly: a run in progress ends after the message being sent (the rest of it is
    // sent by the next run of the same period, from the send log).
    void stop();

  private:
    class StoppableMailer;

    enum class RunOutcome { kDone, kFailed, kBusy };

    void loop();
    RunOutcome run_due(const DueRun& run);
    ScheduleState read_state();
    // Waits until `until` or stop(); false when stopping.
    bool wait_until(std::chrono::system_clock::time_point until);

    store::Store& store_;
    app::SearchService* search_;
    app::Subscriptions& subscriptions_;
    std::function<std::unique_ptr<app::Mailer>(std::function<void(std::chrono::milliseconds)>)>
        make_mailer_;
    Options options_;
    std::mutex mu_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};  // also read by the mailer, without the lock
    std::thread thread_;
};

}  // namespace paperboy::cli
