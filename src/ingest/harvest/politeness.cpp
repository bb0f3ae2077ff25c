#include "ingest/harvest/politeness.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>

#include "core/timestamp.h"

namespace paperboy::ingest {
namespace {

using std::chrono::milliseconds;

bool is_retryable_status(int status) {
    // 408 and 429 say "not now" rather than "never"; every 5xx may be a passing overload or
    // restart (arXiv answers 503 with Retry-After as flow control).
    return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

std::string status_text(int status) {
    std::string text = std::to_string(status);
    std::string_view reason = http_reason_phrase(status);
    if (!reason.empty()) {
        text += ' ';
        text += reason;
    }
    return text;
}

// A short error body (an OAI-PMH or API message) helps the user; an HTML error page does not.
std::string short_body(std::string_view body) {
    static constexpr size_t kMaxShown = 300;
    std::string collapsed;
    bool space = false;
    for (char c : body) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = !collapsed.empty();
            continue;
        }
        if (space) collapsed += ' ';
        space = false;
        collapsed += c;
    }
    if (collapsed.empty() || collapsed.size() > kMaxShown) return "";
    return collapsed;
}

// Parses "YYYY-MM-DDTHH:MM:SSZ" (the output of normalize_timestamp).
std::optional<std::chrono::sys_seconds> parse_instant(std::string_view text) {
    auto number = [&](size_t pos, size_t len) {
        int value = 0;
        auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, value);
        return (ec == std::errc() && end == text.data() + pos + len) ? value : -1;
    };
    if (text.size() != 20) return std::nullopt;
    int year = number(0, 4), month = number(5, 2), day = number(8, 2);
    int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
        return std::nullopt;
    }
    int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return std::chrono::sys_seconds(
        std::chrono::seconds(days * 86400 + hour * 3600 + minute * 60 + second));
}

// Drops the "GET <url>: " that CurlFetcher puts before its message; ours names the URL already.
std::string without_url_prefix(const std::string& message, const std::string& url) {
    std::string prefix = "GET " + url + ": ";
    if (message.starts_with(prefix)) return message.substr(prefix.size());
    return message;
}

}  // namespace

Clock::TimePoint RealClock::now() { return std::chrono::system_clock::now(); }

void RealClock::sleep_for(milliseconds duration) {
    if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

void FakeClock::sleep_for(milliseconds duration) {
    if (duration.count() <= 0) return;
    sleeps_.push_back(duration);
    now_ += duration;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      Clock::TimePoint now) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
        value.remove_prefix(1);
    }
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
        value.remove_suffix(1);
    }
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        int64_t seconds = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec == std::errc::result_out_of_range) return std::chrono::seconds::max();
        if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
        return std::chrono::seconds(seconds);
    }
    auto normalized = normalize_timestamp(value);
    if (!normalized) return std::nullopt;
    auto when = parse_instant(*normalized);
    if (!when) return std::nullopt;
    auto delta = std::chrono::ceil<std::chrono::seconds>(*when - now);
    return std::max(delta, std::chrono::seconds(0));
}

PoliteFetcher::PoliteFetcher(HttpFetcher& fetcher, Clock& clock, PolitenessOptions options)
    : fetcher_(fetcher), clock_(clock), options_(std::move(options)) {}

milliseconds PoliteFetcher::backoff(int failures) const {
    milliseconds wait = options_.initial_backoff;
    for (int i = 1; i < failures && wait < options_.max_backoff; ++i) wait *= 2;
    return std::min(wait, options_.max_backoff);
}

Result<HttpResponse> PoliteFetcher::get(const std::string& url) {
    const std::string context = options_.service + " at " + url;
    HttpRequest request;
    request.url = url;
    if (!options_.user_agent.empty())
        request.headers.emplace_back("User-Agent", options_.user_agent);

    const int max_attempts = std::max(options_.max_retries, 0) + 1;
    std::string last_failure;
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        auto wait = std::chrono::duration_cast<milliseconds>(next_allowed_ - clock_.now());
        clock_.sleep_for(wait);

        auto fetched = fetcher_.get(request);
        const Clock::TimePoint finished = clock_.now();
        next_allowed_ = finished + options_.min_interval;

        milliseconds delay{0};
        bool from_retry_after = false;
        if (!fetched.ok()) {
            if (fetched.error().code() != ErrorCode::kUnavailable) {
                return Error(fetched.error().code(),
                             context + ": " + without_url_prefix(fetched.error().message(), url));
            }
            last_failure = without_url_prefix(fetched.error().message(), url);
            delay = backoff(attempt);
        } else {
            const int status = fetched->status;
            if (status >= 200 && status <= 299) return std::move(*fetched);
            if (!is_retryable_status(status)) {
                ErrorCode code = ErrorCode::kUnavailable;
                if (status == 400) code = ErrorCode::kInvalidArgument;
                if (status == 404 || status == 410) code = ErrorCode::kNotFound;
                std::string message = context + ": " + status_text(status);
                std::string body = short_body(fetched->body);
                if (!body.empty()) message += ": " + body;
                return Error(code, message);
            }
            last_failure = status_text(status);
            std::optional<std::chrono::seconds> retry_after;
            if (status == 503 || status == 429) {
                if (auto value = fetched->header("Retry-After")) {
                    retry_after = parse_retry_after(*value, finished);
                }
            }
            if (retry_after) {
                // Compare in seconds first: a huge Retry-After would overflow milliseconds.
                auto cap =
                    std::chrono::duration_cast<std::chrono::seconds>(options_.max_retry_after);
                delay = std::chrono::duration_cast<milliseconds>(std::min(*retry_after, cap));
                from_retry_after = true;
            } else {
                delay = backoff(attempt);
            }
        }
        if (attempt == max_attempts) break;
        next_allowed_ = std::max(next_allowed_, finished + delay);
        if (on_retry_) {
            on_retry_(
                RetryNotice{url, attempt, last_failure,
                            std::chrono::duration_cast<milliseconds>(next_allowed_ - finished),
                            from_retry_after});
        }
    }
    return Error(ErrorCode::kUnavailable,
                 context + ": gave up after " + std::to_string(max_attempts) +
                     (max_attempts == 1 ? " attempt: " : " attempts: ") + last_failure);
}

}  // namespace paperboy::ingest
