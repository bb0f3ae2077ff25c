// ingest/harvest/politeness.h — time, and how a harvester behaves towards a server.
//
// Clock is the time seam: harvesting code never reads the system clock or sleeps directly, so
// unit tests run a FakeClock whose sleeps only advance virtual time (a harvest that would wait
// minutes runs in microseconds, and the test asserts the exact instants of the requests).
//
// PoliteFetcher wraps an HttpFetcher with the etiquette arXiv asks of robots
// (https://info.arxiv.org/help/api/tou.html, .../help/oa/index.html): a User-Agent naming the
// instance and a contact, a minimum interval between requests (3 s), Retry-After honoured on
// 503 and 429, exponential backoff on network errors and other 5xx statuses, and a bounded
// number of retries ending in a clear error.
// Depends on core/ and http_fetcher.h. Not thread-safe: one harvest at a time per instance.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/harvest/http_fetcher.h"

namespace paperboy::ingest {

class Clock {
  public:
    using TimePoint = std::chrono::system_clock::time_point;

    virtual ~Clock() = default;
    // The current wall-clock instant (UTC).
    virtual TimePoint now() = 0;
    // Blocks for `duration` (a non-positive duration returns at once).
    virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// The system clock and a real sleep.
class RealClock : public Clock {
  public:
    TimePoint now() override;
    void sleep_for(std::chrono::milliseconds duration) override;
};

// Virtual time for tests: now() starts at `start` and only sleep_for() and advance() move it.
class FakeClock : public Clock {
  public:
    explicit FakeClock(TimePoint start) : now_(start) {}

    TimePoint now() override { return now_; }
    void sleep_for(std::chrono::milliseconds duration) override;

    void advance(std::chrono::milliseconds duration) { now_ += duration; }
    // Every positive sleep_for() duration, in order.
    const std::vector<std::chrono::milliseconds>& sleeps() const { return sleeps_; }

  private:
    TimePoint now_;
    std::vector<std::chrono::milliseconds> sleeps_;
};

struct PolitenessOptions {
    std::string service = "server";  // named in messages: "arXiv OAI-PMH"
    std::string user_agent;          // sent with every request; empty sends none
    // Between the end of one response and the start of the next request.
    std::chrono::milliseconds min_interval{3000};
    // Retries of one request after its first attempt; 5 means at most 6 attempts.
    int max_retries = 5;
    // Waits after the 1st, 2nd, 3rd ... failure without Retry-After: initial, 2x, 4x ...,
    // at most max_backoff. Deterministic (no jitter): one client per instance is the norm.
    std::chrono::milliseconds initial_backoff{5000};
    std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
    // A longer Retry-After is cut to this, so a misconfigured server cannot park us for a day.
    std::chrono::milliseconds max_retry_after{std::chrono::minutes(10)};
};

// What PoliteFetcher tells its observer before waiting to retry.
struct RetryNotice {
    std::string url;
    int attempt = 0;     // the attempt that failed, 1-based
    std::string reason;  // "503 Service Unavailable", or the network error
    std::chrono::milliseconds wait{0};
    bool from_retry_after = false;  // the wait is the server's Retry-After
};

// Parses a Retry-After value: delay-seconds ("120") or an HTTP-date ("Fri, 25 Oct 2024
// 12:00:00 GMT", relative to `now`; a date in the past is 0). nullopt when unparseable.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, Clock::TimePoint now);

class PoliteFetcher {
  public:
    // `fetcher` and `clock` must outlive this object.
    PoliteFetcher(HttpFetcher& fetcher, Clock& clock, PolitenessOptions options);

    // GETs `url` once the minimum interval since the previous response has passed, retrying as
    // described above, and returns the first 2xx response. Errors, each prefixed with
    // "<service> at <url>: ":
    //   kUnavailable "gave up after N attempts: <last failure>" when retries are exhausted;
    //   for a 4xx other than 408 and 429, at once: kInvalidArgument (400), kNotFound (404,
    //   410) or kUnavailable (others), "<status> <reason>" plus the body when it is short;
    //   any other HttpFetcher error (bad URL, body too large) at once, unchanged in code.
    Result<HttpResponse> get(const std::string& url);

    // The earliest instant the next request may start.
    Clock::TimePoint next_request_time() const { return next_allowed_; }

    // Called before each wait for a retry; may be empty.
    void set_retry_observer(std::function<void(const RetryNotice&)> observer) {
        on_retry_ = std::move(observer);
    }

    const PolitenessOptions& options() const { return options_; }

  private:
    std::chrono::milliseconds backoff(int failures) const;

    HttpFetcher& fetcher_;
    Clock& clock_;
    PolitenessOptions options_;
    Clock::TimePoint next_allowed_{};
    std::function<void(const RetryNotice&)> on_retry_;
};

}  // namespace paperboy::ingest
