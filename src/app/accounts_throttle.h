// app/accounts_throttle.h — how fast log-ins may fail: per account and client address together,
// and per client address over all accounts (docs/accounts.md, "Log-in throttling").
//
// Throttling per account alone would let anyone lock any account: a few wrong passwords from
// anywhere and the owner waits too. So the wait belongs to the pair (account, address): after
// `free_failures` failures of one account from one address, each further attempt from there
// waits first_delay, then twice that after the next failure, and so on up to max_delay. The
// owner, from their own address, is not slowed by what strangers do elsewhere. One address that
// tries many accounts is stopped by its own limit: max_failures_per_address within
// address_window, over all accounts. IPv6 addresses count by their /64 (a host has a whole /64
// to draw from); IPv4-mapped IPv6 addresses as the IPv4 address.
//
// An attempt counts as a failure from the moment it is let through (begin()), so that many
// attempts at once cannot all pass before the first one fails; a success or a withdrawal takes
// it back. In memory, per process, bounded. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace paperboy::app {

struct LoginThrottleOptions {
    int free_failures = 3;
    std::chrono::seconds first_delay{1};
    std::chrono::seconds max_delay{std::chrono::minutes(15)};
    // A pair whose last failure is this old starts afresh.
    std::chrono::seconds forget_after{std::chrono::hours(1)};
    int max_failures_per_address = 20;
    std::chrono::seconds address_window{std::chrono::minutes(15)};
    // Pairs and addresses remembered at most; past it, those not seen for forget_after (pairs)
    // or address_window (addresses) are forgotten, then, if need be, the older half.
    size_t max_entries = 100000;
};

class LoginThrottle {
  public:
    using Clock = std::chrono::system_clock;

    explicit LoginThrottle(LoginThrottleOptions options = {});

    // Lets an attempt on `account` from `address` go ahead (0), counting it as a failure until
    // succeeded() or withdrawn() says otherwise; or the seconds to wait before one may (and
    // nothing is counted).
    int64_t begin(std::string_view account, std::string_view address, Clock::time_point now);
    // The attempt begun at `now` had the right password: the pair starts afresh, and the
    // address's count loses the attempt.
    void succeeded(std::string_view account, std::string_view address, Clock::time_point now);
    // The attempt begun at `now` was not made (the password hasher was busy): uncounted.
    void withdrawn(std::string_view account, std::string_view address, Clock::time_point now);

  private:
    using Times = std::deque<Clock::time_point>;

    std::string pair_key(std::string_view account, std::string_view address) const;
    Clock::duration delay_after(size_t failures) const;
    // Forgets what no longer counts at `now`; when still over max_entries, the older half.
    void prune(Clock::time_point now);
    // Takes one entry equal to `at` out of `times` (the newest such).
    static void take_back(Times& times, Clock::time_point at);

    LoginThrottleOptions options_;
    std::mutex mu_;
    std::map<std::string, Times> pairs_;      // failures of (account, address), newest last
    std::map<std::string, Times> addresses_;  // failures of an address within its window
};

}  // namespace paperboy::app
