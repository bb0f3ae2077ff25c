#include "cli/digest_scheduler.h"

#include <atomic>
#include <cctype>
#include <cstdio>

#include "app/job_lease.h"
#include "core/calendar.h"
#include "core/json_writer.h"
#include "core/timestamp.h"

namespace paperboy::cli {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

std::string day_text(sys_days day) { return format_instant(sys_seconds(day)).substr(0, 10); }

// "2026-11-27T06:30:00.123Z", as the access log writes its times.
std::string format_ts(std::chrono::system_clock::time_point now) {
    const auto ms = std::chrono::floor<std::chrono::milliseconds>(now);
    const auto seconds = std::chrono::floor<std::chrono::seconds>(ms);
    std::string ts = format_instant(seconds);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>((ms - seconds).count()));
    ts.insert(ts.size() - 1, fraction);
    return ts;
}

}  // namespace

std::vector<DueRun> due_runs(sys_seconds now, const ScheduleConfig& config,
                             const ScheduleState& state) {
    std::vector<DueRun> due;
    const sys_days today = std::chrono::floor<days>(now);
    if (now < sys_seconds(today) + config.time_of_day) return due;
    const std::string today_text = day_text(today);
    // Days compare as text ("YYYY-MM-DD"); a recorded day after today (the clock went back) also
    // counts as done.
    if (state.last_daily < today_text) {
        due.push_back({Frequency::kDaily, default_as_of(Frequency::kDaily, now), today_text});
    }
    const std::chrono::weekday weekday{today};
    if (weekday == config.weekly_day && state.last_weekly < today_text) {
        due.push_back({Frequency::kWeekly, default_as_of(Frequency::kWeekly, now), today_text});
    }
    return due;
}

sys_seconds next_run_time(sys_seconds now, const ScheduleConfig& config) {
    const sys_days today = std::chrono::floor<days>(now);
    const sys_seconds at = sys_seconds(today) + config.time_of_day;
    return at > now ? at : at + days(1);
}

std::optional<std::chrono::minutes> parse_time_of_day(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    for (size_t i : {0, 1, 3, 4}) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || minutes > 59) return std::nullopt;
    return std::chrono::minutes(hours * 60 + minutes);
}

std::optional<std::chrono::weekday> parse_weekday(std::string_view text) {
    static constexpr std::string_view kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                  "thursday", "friday", "saturday"};
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (unsigned i = 0; i < 7; ++i) {
        if (lower == kNames[i] || lower == kNames[i].substr(0, 3)) return std::chrono::weekday(i);
    }
    return std::nullopt;
}

std::string default_as_of(Frequency frequency, sys_seconds now) {
    const sys_days today = std::chrono::floor<days>(now);
    if (frequency == Frequency::kDaily) return day_text(today - days(1));
    const unsigned since_monday = std::chrono::weekday{today}.iso_encoding() - 1;
    return day_text(today - days(since_monday + 1));
}

std::string digest_report_json(const app::DigestReport& r) {
    JsonWriter w;
    auto count = [](size_t n) { return static_cast<int64_t>(n); };
    w.begin_object()
        .field("period", r.period)
        .field("ok", r.stopped.empty() && r.transient == 0)
        .field("skipped_weekend", r.skipped_weekend)
        .field("candidates", count(r.candidates))
        .field("subscriptions", count(r.subscriptions))
        .field("sent", count(r.sent))
        .field("resent", count(r.resent))
        .field("already_done", count(r.already_done))
        .field("nothing_to_send", count(r.nothing_to_send))
        .field("transient", count(r.transient))
        .field("permanent", count(r.permanent))
        .field("suspended", count(r.suspended))
        .field("topic_errors", count(r.topic_errors))
        .field("stopped", r.stopped);
    // Seconds with three decimals (JsonWriter prints doubles with 17 significant digits).
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", r.seconds);
    return w.take() + ",\"seconds\":" + seconds + "}";
}

std::string format_run_line(std::chrono::system_clock::time_point now, const DueRun& run,
                            const Result<app::DigestReport>& report) {
    JsonWriter w;
    w.begin_object()
        .field("ts", format_ts(now))
        .field("event", "digest")
        .field("frequency", frequency_name(run.frequency))
        .field("as_of", run.as_of);
    if (!report.ok()) {
        w.field("ok", false).field("error", report.error().message()).end_object();
        return w.take();
    }
    // Both objects are open: the report's fields continue this one.
    return w.take() + "," + digest_report_json(*report).substr(1);
}

// The scheduler's mailer: once stop() is called it refuses every message as a transient
// failure, so that the run in progress stops after a few subscriptions (DigestJob ends a run
// after transient failures in a row) and leaves the rest to the next run.
class DigestScheduler::StoppableMailer final : public app::Mailer {
  public:
    StoppableMailer(std::unique_ptr<app::Mailer> inner, const std::atomic<bool>& stopping)
        : inner_(std::move(inner)), stopping_(stopping) {}

    mail::RetriedOutcome send(const mail::Message& message) override {
        if (stopping_.load()) {
            mail::RetriedOutcome refused;
            refused.outcome.kind = mail::SendOutcome::Kind::kTransient;
            refused.outcome.detail = "the server is stopping";
            return refused;
        }
        return inner_->send(message);
    }

  private:
    std::unique_ptr<app::Mailer> inner_;
    const std::atomic<bool>& stopping_;
};

DigestScheduler::DigestScheduler(
    store::Store& store, app::SearchService* search, app::Subscriptions& subscriptions,
    std::function<std::unique_ptr<app::Mailer>(std::function<void(std::chrono::milliseconds)>)>
        make_mailer,
    Options options)
    : store_(store),
      search_(search),
      subscriptions_(subscriptions),
      make_mailer_(std::move(make_mailer)),
      options_(std::move(options)) {}

DigestScheduler::~DigestScheduler() { stop(); }

void DigestScheduler::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { loop(); });
}

void DigestScheduler::stop() {
    {
        // Under the lock, so that a waiter cannot miss the notification between its check of
        // the flag and its wait.
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool DigestScheduler::wait_until(std::chrono::system_clock::time_point until) {
    std::unique_lock lock(mu_);
    // The wait is measured on the steady clock; a clock change is corrected at the next check.
    const auto remaining = until - options_.now();
    if (remaining > std::chrono::system_clock::duration::zero()) {
        wake_.wait_for(lock, remaining, [this] { return stopping_.load(); });
    }
    return !stopping_;
}

ScheduleState DigestScheduler::read_state() {
    ScheduleState state;
    auto daily = app::last_digest_run(store_, Frequency::kDaily);
    if (daily.ok() && *daily) state.last_daily = **daily;
    auto weekly = app::last_digest_run(store_, Frequency::kWeekly);
    if (weekly.ok() && *weekly) state.last_weekly = **weekly;
    return state;
}

DigestScheduler::RunOutcome DigestScheduler::run_due(const DueRun& run) {
    std::optional<store::LeaseInfo> holder;
    auto lease = app::JobLease::try_acquire(store_, std::string(app::kDigestLease),
                                            options_.lease_ttl, &holder);
    if (!lease.ok() || !*lease) {
        const Result<app::DigestReport> busy =
            !lease.ok() ? Result<app::DigestReport>(lease.error())
                        : Error(ErrorCode::kUnavailable,
                                "another sender holds the digest lease (" +
                                    (holder ? holder->holder : std::string("someone")) + ")");
        const std::string line = format_run_line(options_.now(), run, busy) + "\n";
        std::fputs(line.c_str(), options_.log);
        std::fflush(options_.log);
        // Tried again when that lease has been given up or has run out.
        return lease.ok() ? RunOutcome::kBusy : RunOutcome::kFailed;
    }
    // Another node may have finished this run while this one waited for the lease.
    auto last = app::last_digest_run(store_, run.frequency);
    if (last.ok() && *last && **last >= run.run_day) return RunOutcome::kDone;
    StoppableMailer mailer(make_mailer_([this](std::chrono::milliseconds delay) {
                               std::unique_lock lock(mu_);
                               wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
                           }),
                           stopping_);
    app::DigestOptions digest = options_.digest;
    const app::JobLease& held = **lease;
    digest.should_stop = [this, &held] { return stopping_.load() || held.lost(); };
    app::DigestJob job(store_, search_, subscriptions_, mailer, digest);
    Result<app::DigestReport> report = job.run(run.frequency, run.as_of);
    bool done = report.ok() && report->stopped.empty() && report->transient == 0;
    if (done) {
        // Remembered only when everything went out: a run that stopped early runs again (and
        // sends only what is left: the send log knows the rest).
        Status written = app::record_digest_run(store_, run.frequency, run.run_day);
        if (!written.ok()) {
            report = written.error().with_context("recording the digest run");
            done = false;
        }
    }
    const std::string line = format_run_line(options_.now(), run, report) + "\n";
    std::fputs(line.c_str(), options_.log);  // one call: lines from other threads never mix
    std::fflush(options_.log);
    return done ? RunOutcome::kDone : RunOutcome::kFailed;
}

void DigestScheduler::loop() {
    while (!stopping_) {
        const auto now = options_.now();
        const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now);
        bool failed = false;
        bool busy = false;
        for (const DueRun& run : due_runs(now_seconds, options_.schedule, read_state())) {
            if (stopping_) return;
            const RunOutcome outcome = run_due(run);
            failed = failed || outcome == RunOutcome::kFailed;
            busy = busy || outcome == RunOutcome::kBusy;
        }
        auto next =
            std::chrono::system_clock::time_point(next_run_time(now_seconds, options_.schedule));
        if (failed) next = std::min(next, now + options_.retry_after);
        // Another node is sending: look again once its lease could have run out.
        if (busy) next = std::min(next, now + options_.lease_ttl);
        if (!wait_until(next)) return;
    }
}

}  // namespace paperboy::cli
