// paperboy digest: email digests from the command line (docs/mail.md).
//   paperboy digest send   --db FILE --period daily|weekly [--as-of DAY] [--dry-run] ...
//   paperboy digest status --db FILE --period daily|weekly [--as-of DAY]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "app/digest_job.h"
#include "app/job_lease.h"
#include "app/subscriptions.h"
#include "cli/common.h"
#include "cli/console.h"
#include "cli/digest_scheduler.h"
#include "cli/mail_setup.h"
#include "cli/search_setup.h"
#include "core/calendar.h"
#include "mail/smtp.h"

namespace paperboy::cli {
namespace {

// How often the progress line is redrawn on a terminal, and printed anew elsewhere (a log).
constexpr std::chrono::milliseconds kTerminalProgressEvery{200};
constexpr std::chrono::milliseconds kLogProgressEvery{5000};

struct Options {
    std::string db;
    std::string period;
    std::string as_of;
    bool dry_run = false;
    MailFlags mail;
    std::string public_url;
    std::string site_name = "Daily Papers";
    size_t max_papers = 10;
    bool weekends = false;
    std::string index;
    bool quiet = false;
    bool json = false;
    int lease_ttl = 60;
};

// A mailer that must never be called: a dry run composes nothing.
class NoMailer final : public app::Mailer {
  public:
    mail::RetriedOutcome send(const mail::Message&) override {
        mail::RetriedOutcome outcome;
        outcome.outcome.kind = mail::SendOutcome::Kind::kPermanent;
        outcome.outcome.detail = "a dry run sends nothing";
        return outcome;
    }
};

Result<Frequency> frequency_from(const std::string& period) {
    auto frequency = parse_frequency(period);
    if (!frequency) {
        return Error(ErrorCode::kInvalidArgument,
                     "--period must be daily or weekly, not \"" + period + "\"");
    }
    return *frequency;
}

// The --as-of day, or the default (yesterday, UTC; for weekly digests the last day of the
// previous ISO week).
Result<std::string> as_of_day(const std::string& as_of, Frequency frequency) {
    if (as_of.empty()) {
        return default_as_of(
            frequency, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    }
    if (!is_valid_day(as_of)) {
        return Error(ErrorCode::kInvalidArgument,
                     "--as-of: expected a day YYYY-MM-DD, got \"" + as_of + "\"");
    }
    return as_of;
}

std::string rate(size_t n, double seconds) {
    return with_thousands(seconds > 0 ? static_cast<int64_t>(static_cast<double>(n) / seconds)
                                      : static_cast<int64_t>(n)) +
           "/s";
}

// "daily:2024-10-25: 300 subscriptions: 298 sent, 0 resent, ...; 29 papers in the period;
// 1.2 s (250/s)".
std::string summary(const app::DigestReport& r, bool dry_run) {
    auto n = [](size_t v) { return with_thousands(static_cast<int64_t>(v)); };
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f s", r.seconds);
    std::string line =
        r.period + ": " + plural(static_cast<int64_t>(r.subscriptions), "subscription") + ": ";
    line += n(r.sent) + (dry_run ? " would be sent" : " sent, " + n(r.resent) + " resent");
    line += ", " + n(r.already_done) + " done before, " + n(r.nothing_to_send) +
            " with nothing new, " + n(r.transient) + " transient failures, " + n(r.permanent) +
            " permanent (" + n(r.suspended) + " suspended), " + n(r.topic_errors) +
            " topic errors; " + plural(static_cast<int64_t>(r.candidates), "paper") +
            " in the period; " + seconds;
    if (!dry_run) line += " (" + rate(r.sent, r.seconds) + ")";
    return line;
}

int run_send(const Options& opts) {
    auto frequency = frequency_from(opts.period);
    if (!frequency.ok()) return fail(frequency.error());
    auto day = as_of_day(opts.as_of, *frequency);
    if (!day.ok()) return fail(day.error());
    if (!opts.dry_run) {
        Status checked = check_mail_flags(opts.mail);
        if (checked.ok()) checked = check_public_url(opts.public_url);
        if (!checked.ok()) return fail(checked.error());
    }
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());
    auto count = app::digest_progress(**store, *frequency);
    if (!count.ok()) return fail(count.error());

    // The index serves topic subscriptions only: without them it is not opened at all.
    std::unique_ptr<app::SearchService> search;
    if (count->with_topic > 0) {
        auto opened = open_search(**store, opts.db, opts.index);
        if (!opened.ok()) return fail(opened.error());
        search = std::move(*opened);
        save_search_snapshot(*search);
    }

    std::unique_ptr<app::Mailer> mailer;
    NoMailer no_mailer;
    if (!opts.dry_run) mailer = make_mailer(opts.mail);
    app::Mailer& sender = opts.dry_run ? static_cast<app::Mailer&>(no_mailer) : *mailer;

    app::SubscriptionsOptions subscriptions_options;
    subscriptions_options.identity = mail_identity(opts.mail, opts.public_url, opts.site_name);
    app::Subscriptions subscriptions(**store, opts.dry_run ? nullptr : mailer.get(),
                                     subscriptions_options);

    // A dry run prints its list on stdout: no progress lines to interleave with it.
    const bool show_progress = !opts.quiet && !opts.dry_run;
    Console console(stderr_is_terminal() && show_progress);
    const bool log_progress = show_progress && !console.draws_progress();
    const auto started = std::chrono::steady_clock::now();
    auto last_progress = started;
    const std::string total = with_thousands(static_cast<int64_t>(count->confirmed));
    app::DigestOptions options;
    options.max_papers = opts.max_papers;
    options.weekends = opts.weekends;
    options.progress = [&](const app::DigestReport& r) {
        const auto now = std::chrono::steady_clock::now();
        const std::chrono::milliseconds every =
            console.draws_progress() ? kTerminalProgressEvery : kLogProgressEvery;
        if (now - last_progress < every) return;
        last_progress = now;
        const double elapsed = std::chrono::duration<double>(now - started).count();
        const std::string line =
            "sent " + with_thousands(static_cast<int64_t>(r.sent)) + " / " + total + " (" +
            rate(r.sent, elapsed) + "), " + with_thousands(static_cast<int64_t>(r.subscriptions)) +
            " subscriptions looked at, " +
            with_thousands(static_cast<int64_t>(r.transient + r.permanent)) + " failed";
        if (console.draws_progress()) {
            console.progress(line);
        } else if (log_progress) {
            console.note(line);
        }
    };
    std::unique_ptr<app::JobLease> lease;
    if (!opts.dry_run) {
        std::optional<store::LeaseInfo> holder;
        auto taken = app::JobLease::try_acquire(**store, std::string(app::kDigestLease),
                                                std::chrono::seconds(opts.lease_ttl), &holder);
        if (!taken.ok()) return fail(taken.error());
        if (!*taken) {
            return fail(Error(ErrorCode::kUnavailable,
                              "another digest run is sending for this database (the scheduler "
                              "of `paperboy serve`, or another `digest send`: " +
                                  (holder ? holder->holder : std::string("another process")) +
                                  " holds the digest lease); try again when it has finished"));
        }
        lease = std::move(*taken);
        options.should_stop = [&lease] { return lease->lost(); };
    }
    app::DigestJob job(**store, search.get(), subscriptions, sender, options);
    auto report = job.run(*frequency, *day, opts.dry_run, &std::cout);
    console.finish();
    std::cout.flush();
    if (!report.ok()) return fail(report.error());
    const app::DigestReport& r = *report;
    if (opts.json) std::printf("%s\n", digest_report_json(r).c_str());
    if (r.skipped_weekend) {
        console.note(r.period +
                     " is a weekend day: daily digests skip weekends (--weekends "
                     "sends them); nothing sent");
        return kExitOk;
    }
    std::fprintf(stderr, "%s\n", summary(r, opts.dry_run).c_str());
    if (!r.stopped.empty()) {
        console.note("stopped early: " + r.stopped);
        return kExitFailure;
    }
    if (r.transient > 0) {
        console.note(plural(static_cast<int64_t>(r.transient), "digest") +
                     " could not be delivered yet: run the same command again to send them");
    }
    if (r.permanent > 0) {
        // Recorded and handled (three in a row suspend the subscription): not the run's failure,
        // or cron would complain about one bad address every day until then.
        console.note(plural(static_cast<int64_t>(r.permanent), "digest") +
                     " refused for good by the relay (see `paperboy digest status`)");
    }
    return r.transient + r.topic_errors > 0 ? kExitFailure : kExitOk;
}

int run_status(const Options& opts) {
    auto frequency = frequency_from(opts.period);
    if (!frequency.ok()) return fail(frequency.error());
    auto day = as_of_day(opts.as_of, *frequency);
    if (!day.ok()) return fail(day.error());
    auto period = app::DigestJob::period_of(*frequency, *day);
    if (!period.ok()) return fail(period.error());
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());

    auto progress = app::digest_progress(**store, *frequency, *period);
    if (!progress.ok()) return fail(progress.error());
    const size_t confirmed = progress->confirmed, sent = progress->sent, failed = progress->failed,
                 claimed = progress->claimed;
    auto last_run = app::last_digest_run(**store, *frequency);
    if (!last_run.ok()) return fail(last_run.error());
    auto n = [](size_t v) { return with_thousands(static_cast<int64_t>(v)); };
    std::printf(
        "%s: %s confirmed subscriptions; sent %s, failed for good %s, unfinished %s "
        "(claimed, outcome unknown: the next run sends them), not sent %s\n",
        period->c_str(), n(confirmed).c_str(), n(sent).c_str(), n(failed).c_str(),
        n(claimed).c_str(), n(confirmed - sent - failed - claimed).c_str());
    std::printf("the scheduler in serve last ran %s digests on %s\n",
                std::string(frequency_name(*frequency)).c_str(),
                *last_run ? (*last_run)->c_str() : "(never)");
    return kExitOk;
}

void add_common(CLI::App* cmd, Options& opts) {
    add_db_option(cmd, opts.db);
    cmd->add_option("--period", opts.period, "daily or weekly")->required();
    cmd->add_option("--as-of", opts.as_of,
                    "A day (YYYY-MM-DD) of the period: the daily list of that day, or the ISO "
                    "week holding it (default: yesterday, UTC; weekly: the previous week)");
}

}  // namespace

void add_digest_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* digest = app.add_subcommand("digest", "Email digests: send a period's, or check one");
    digest->require_subcommand(1);

    CLI::App* send = digest->add_subcommand(
        "send", "Send the daily or weekly digest to every confirmed subscriber, exactly once");
    add_common(send, *opts);
    send->add_flag("--dry-run", opts->dry_run,
                   "Print what would be sent to whom; send and record nothing");
    send->add_option("--lease-ttl", opts->lease_ttl,
                     "Seconds the digest lease outlives this process if it dies mid-run (then "
                     "another sender may finish the run)")
        ->check(CLI::Range(2, 3600))
        ->capture_default_str();
    add_mail_options(send, opts->mail);
    send->add_option("--public-url", opts->public_url,
                     "The site's public base URL: links in the mail point there")
        ->envname("PAPERBOY_PUBLIC_URL");
    send->add_option("--site-name", opts->site_name, "The site's name in the mail")
        ->envname("PAPERBOY_SITE_NAME")
        ->capture_default_str();
    send->add_option("--max-papers", opts->max_papers, "Papers per digest at most")
        ->envname("PAPERBOY_DIGEST_MAX_PAPERS")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    send->add_flag("--weekends", opts->weekends,
                   "Daily digests for Saturday's and Sunday's lists too (skipped by default)")
        ->envname("PAPERBOY_DIGEST_WEEKENDS");
    add_index_option(send, opts->index);
    send->add_flag("-q,--quiet", opts->quiet, "No progress lines");
    send->add_flag("--json", opts->json, "Also print the report as JSON on stdout");
    send->footer(
        "Each digest holds the period's top trending papers (those matching the subscription's\n"
        "topic, if it has one) that the address has not received before; a subscription with\n"
        "nothing new gets no mail. Each (subscription, period) is sent once: a second run of the\n"
        "same period sends nothing new, and a run after a crash or kill sends what is left. The\n"
        "search index (the database file + .index) is opened only for topic subscriptions.\n\n"
        "Exit status: 0 when every digest went out (or had nothing to send); 1 when some failed\n"
        "or the run stopped early because the relay kept failing (run it again: nothing is sent\n"
        "twice); 2 for bad flags.\n\n"
        "Examples:\n"
        "  export PAPERBOY_SMTP_URL=smtp://127.0.0.1:25 PAPERBOY_MAIL_FROM=papers@example.org\n"
        "  export PAPERBOY_PUBLIC_URL=https://papers.example.org\n"
        "  paperboy digest send --db papers.db --period daily\n"
        "  paperboy digest send --db papers.db --period weekly --as-of 2024-10-27\n"
        "  paperboy digest send --db papers.db --period daily --as-of 2024-10-25 --dry-run");
    send->callback([opts, &action] { action = [opts] { return run_send(*opts); }; });

    CLI::App* status =
        digest->add_subcommand("status", "How far a period's digests went: sent, failed, left");
    add_common(status, *opts);
    status->footer(
        "Example:\n  paperboy digest status --db papers.db --period daily --as-of "
        "2024-10-25");
    status->callback([opts, &action] { action = [opts] { return run_status(*opts); }; });
}

}  // namespace paperboy::cli
