// The digest scheduler of `paperboy serve`: which runs are due (a pure function of the time,
// the configuration and the last runs, table-driven), and the thread over an in-memory store
// with a recording mailer — it runs what is due, remembers it in the store so that a restart
// does not run again, and stops promptly.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/digest_scheduler.h"
#include "core/timestamp.h"

namespace paperboy::cli {
namespace {

using std::chrono::sys_seconds;
using Freq = Frequency;

sys_seconds at(const std::string& instant) { return *parse_instant(instant); }

TEST(DueRuns, FollowTheTimeOfDayTheWeeklyDayAndTheLastRuns) {
    const ScheduleConfig seven_monday;  // 07:00 UTC, weekly on Mondays
    ScheduleConfig wednesday_noon;
    wednesday_noon.time_of_day = std::chrono::hours(12);
    wednesday_noon.weekly_day = std::chrono::Wednesday;
    struct Case {
        const char* what;
        const char* now;
        ScheduleConfig config;
        ScheduleState state;
        std::vector<DueRun> due;
    };
    // 2024-10-25 is a Friday, 2024-10-28 a Monday, 2024-10-30 a Wednesday.
    const Case cases[] = {
        {"before the time of day, nothing", "2024-10-25T06:59:59Z", seven_monday, {}, {}},
        {"at the time, yesterday's daily digest",
         "2024-10-25T07:00:00Z",
         seven_monday,
         {},
         {{Freq::kDaily, "2024-10-24", "2024-10-25"}}},
        {"later the same day, still due when it did not run",
         "2024-10-25T23:59:59Z",
         seven_monday,
         {"2024-10-24", ""},
         {{Freq::kDaily, "2024-10-24", "2024-10-25"}}},
        {"ran today: nothing (a restart does not run again)",
         "2024-10-25T15:00:00Z",
         seven_monday,
         {"2024-10-25", ""},
         {}},
        {"a recorded day after today (the clock went back): nothing",
         "2024-10-25T15:00:00Z",
         seven_monday,
         {"2024-10-26", ""},
         {}},
        {"a missed day is not caught up: only yesterday",
         "2024-10-25T08:00:00Z",
         seven_monday,
         {"2024-10-20", ""},
         {{Freq::kDaily, "2024-10-24", "2024-10-25"}}},
        {"Saturday: Friday's daily digest",
         "2024-10-26T07:00:00Z",
         seven_monday,
         {},
         {{Freq::kDaily, "2024-10-25", "2024-10-26"}}},
        {"Monday: daily of Sunday and weekly of the week that ended",
         "2024-10-28T07:30:00Z",
         seven_monday,
         {"2024-10-27", "2024-10-21"},
         {{Freq::kDaily, "2024-10-27", "2024-10-28"}, {Freq::kWeekly, "2024-10-27", "2024-10-28"}}},
        {"Monday, weekly done, daily not",
         "2024-10-28T09:00:00Z",
         seven_monday,
         {"2024-10-27", "2024-10-28"},
         {{Freq::kDaily, "2024-10-27", "2024-10-28"}}},
        {"Monday before the time: nothing", "2024-10-28T06:00:00Z", seven_monday, {}, {}},
        {"Tuesday: no weekly",
         "2024-10-29T07:00:00Z",
         seven_monday,
         {"2024-10-28", "2024-10-28"},
         {{Freq::kDaily, "2024-10-28", "2024-10-29"}}},
        {"weekly on Wednesday: as of the Sunday before",
         "2024-10-30T12:00:00Z",
         wednesday_noon,
         {"2024-10-30", ""},
         {{Freq::kWeekly, "2024-10-27", "2024-10-30"}}},
        {"weekly on Wednesday, before noon: nothing",
         "2024-10-30T11:59:00Z",
         wednesday_noon,
         {},
         {}},
        {"a new year: the daily of 31 December",
         "2025-01-01T07:00:00Z",
         seven_monday,
         {},
         {{Freq::kDaily, "2024-12-31", "2025-01-01"}}},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(due_runs(at(c.now), c.config, c.state), c.due) << c.what;
    }
}

TEST(DueRuns, NextRunTimeIsTodaysTimeOfDayOrTomorrows) {
    const ScheduleConfig config;
    EXPECT_EQ(next_run_time(at("2024-10-25T06:00:00Z"), config), at("2024-10-25T07:00:00Z"));
    EXPECT_EQ(next_run_time(at("2024-10-25T07:00:00Z"), config), at("2024-10-26T07:00:00Z"));
    EXPECT_EQ(next_run_time(at("2024-10-25T23:00:00Z"), config), at("2024-10-26T07:00:00Z"));
}

TEST(DueRuns, DefaultAsOfIsYesterdayOrThePreviousIsoWeek) {
    EXPECT_EQ(default_as_of(Freq::kDaily, at("2024-10-25T00:30:00Z")), "2024-10-24");
    EXPECT_EQ(default_as_of(Freq::kWeekly, at("2024-10-28T10:00:00Z")), "2024-10-27");  // Mon
    EXPECT_EQ(default_as_of(Freq::kWeekly, at("2024-10-27T10:00:00Z")), "2024-10-20");  // Sun
    EXPECT_EQ(default_as_of(Freq::kWeekly, at("2024-10-30T10:00:00Z")), "2024-10-27");  // Wed
}

TEST(ScheduleFlags, ParseTimesAndWeekdays) {
    EXPECT_EQ(parse_time_of_day("07:00"), std::chrono::minutes(420));
    EXPECT_EQ(parse_time_of_day("00:00"), std::chrono::minutes(0));
    EXPECT_EQ(parse_time_of_day("23:59"), std::chrono::minutes(23 * 60 + 59));
    for (const char* bad : {"24:00", "7:00", "07:60", "0700", "07:00Z", "", "ab:cd"}) {
        EXPECT_FALSE(parse_time_of_day(bad)) << bad;
    }
    EXPECT_EQ(parse_weekday("mon"), std::chrono::Monday);
    EXPECT_EQ(parse_weekday("Sunday"), std::chrono::Sunday);
    EXPECT_EQ(parse_weekday("FRI"), std::chrono::Friday);
    for (const char* bad : {"", "mo", "monday ", "lundi", "7"}) {
        EXPECT_FALSE(parse_weekday(bad)) << bad;
    }
}

TEST(RunLine, IsOneJsonLineWithEveryCount) {
    app::DigestReport report;
    report.period = "daily:2024-10-24";
    report.sent = 12;
    report.permanent = 1;
    report.seconds = 0.25;
    const std::string line =
        format_run_line(std::chrono::system_clock::time_point(at("2024-10-25T07:00:00Z")),
                        {Freq::kDaily, "2024-10-24", "2024-10-25"}, report);
    EXPECT_EQ(line,
              R"({"ts":"2024-10-25T07:00:00.000Z","event":"digest","frequency":"daily",)"
              R"("as_of":"2024-10-24","period":"daily:2024-10-24","ok":true,)"
              R"("skipped_weekend":false,"candidates":0,"subscriptions":0,"sent":12,"resent":0,)"
              R"("already_done":0,"nothing_to_send":0,"transient":0,"permanent":1,)"
              R"("suspended":0,"topic_errors":0,"stopped":"","seconds":0.250})");
    const std::string error = format_run_line(
        std::chrono::system_clock::time_point(at("2024-10-25T07:00:00Z")),
        {Freq::kWeekly, "2024-10-27", "2024-10-28"}, Error(ErrorCode::kIo, "disk \"full\""));
    EXPECT_EQ(error, R"({"ts":"2024-10-25T07:00:00.000Z","event":"digest","frequency":"weekly",)"
                     R"("as_of":"2024-10-27","ok":false,"error":"disk \"full\""})");
}

// A mailer that records what it is given; thread-safe (the scheduler's thread sends).
class RecordingMailer final : public app::Mailer {
  public:
    mail::RetriedOutcome send(const mail::Message& message) override {
        std::lock_guard lock(mu_);
        sent_.push_back(message.to.address);
        return {mail::SendOutcome{}, 1};
    }
    std::vector<std::string> sent() {
        std::lock_guard lock(mu_);
        return sent_;
    }

  private:
    std::mutex mu_;
    std::vector<std::string> sent_;
};

// A mailer handed to the scheduler, which owns it, forwarding to a test-owned recorder.
class Forward final : public app::Mailer {
  public:
    explicit Forward(app::Mailer& to) : to_(to) {}
    mail::RetriedOutcome send(const mail::Message& message) override { return to_.send(message); }

  private:
    app::Mailer& to_;
};

class SchedulerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        Paper p;
        p.id = *PaperId::parse("2410.00001");
        p.title = "Graph networks for molecules";
        p.abstract = "We study graph networks.";
        p.published = "2024-10-24T00:00:00Z";
        DailyEntry e;
        e.date = "2024-10-24";
        e.paper_id = p.id;
        e.submitted_at = "2024-10-24T08:00:00Z";
        e.upvotes = 5;
        store::WriteBatch batch;
        batch.put_paper(p);
        batch.put_daily_entry(e);
        ASSERT_TRUE(store_->write(batch).ok());
        auto sub = store_->upsert_subscription("ada@example.org", Freq::kDaily, "", 0,
                                               "2024-10-01T00:00:00Z");
        ASSERT_TRUE(sub.ok());
        ASSERT_TRUE(store_
                        ->set_subscription_status(sub->id, SubscriptionStatus::kConfirmed,
                                                  "2024-10-01T00:00:00Z")
                        .ok());
        app::SubscriptionsOptions options;
        options.identity.public_url = "https://papers.example.org";
        options.identity.from = {"Paperboy", "papers@example.org"};
        subscriptions_ = std::make_unique<app::Subscriptions>(*store_, nullptr, options);
        log_ = std::tmpfile();
        ASSERT_NE(log_, nullptr);
    }
    void TearDown() override {
        if (log_ != nullptr) std::fclose(log_);
    }

    std::unique_ptr<DigestScheduler> scheduler(const std::string& now) {
        DigestScheduler::Options options;
        options.log = log_;
        const auto fixed = std::chrono::system_clock::time_point(at(now));
        options.now = [fixed] { return fixed; };
        return std::make_unique<DigestScheduler>(
            *store_, nullptr, *subscriptions_,
            [this](std::function<void(std::chrono::milliseconds)>) {
                return std::make_unique<Forward>(mailer_);
            },
            options);
    }

    std::string log_text() {
        std::fflush(log_);
        std::rewind(log_);
        std::string out;
        char buf[4096];
        size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, log_)) > 0) out.append(buf, n);
        return out;
    }

    // Waits up to 10 s for `lines` lines in the log.
    bool wait_for_lines(size_t lines) {
        for (int i = 0; i < 1000; ++i) {
            const std::string text = log_text();
            if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<app::Subscriptions> subscriptions_;
    RecordingMailer mailer_;
    std::FILE* log_ = nullptr;
};

TEST_F(SchedulerTest, RunsWhatIsDueOnceRemembersItAndStopsPromptly) {
    auto first = scheduler("2024-10-25T07:00:05Z");
    first->start();
    ASSERT_TRUE(wait_for_lines(1)) << log_text();
    const auto stopping = std::chrono::steady_clock::now();
    first->stop();  // it is waiting for tomorrow's run: stop() must not wait for it
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(1));
    EXPECT_EQ(mailer_.sent(), std::vector<std::string>{"ada@example.org"});
    const std::string line = log_text();
    EXPECT_NE(line.find(R"("period":"daily:2024-10-24","ok":true)"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("sent":1,)"), std::string::npos) << line;
    auto last = store_->cursor(app::kLastDailyRunCursor);
    ASSERT_TRUE(last.ok() && *last);
    EXPECT_EQ(**last, "2024-10-25");

    // A restart later the same day runs nothing: no second line, no second mail.
    auto second = scheduler("2024-10-25T09:00:00Z");
    second->start();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    second->stop();
    const std::string after = log_text();
    EXPECT_EQ(std::count(after.begin(), after.end(), '\n'), 1) << after;
    EXPECT_EQ(mailer_.sent().size(), 1u);
}

}  // namespace
}  // namespace paperboy::cli
