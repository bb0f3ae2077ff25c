// app/subscriptions.h — subscribing to digests: double opt-in, confirmation and unsubscribe
// links, and a member's list of subscriptions (docs/mail.md).
//
// Rules:
//  - the address is checked and normalized (mail::normalize_address); the topic, a search
//    query, is at most 200 bytes of printable text ("" = every trending paper), or
//    kForYouTopic (core/subscription.h) for a member's "For you" digest, only with a member;
//  - nothing but the confirmation is ever sent to an address before it is confirmed, and at
//    most one confirmation an hour per subscription however often someone asks;
//  - at most 10 requests an hour from one client address (in memory, per process);
//  - links carry signed tokens (HMAC-SHA-256 under an instance secret kept in the store):
//    "c.<id>.<nonce>.<mac>" confirms once (the nonce is cleared) within 7 days of its mail;
//    "u.<id>.<mac>" unsubscribes, in every digest, without expiry and without logging in.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/accounts.h"
#include "app/mailer.h"
#include "core/result.h"
#include "store/store.h"

namespace paperboy::app {

struct SubscriptionsOptions {
    MailIdentity identity;
    std::chrono::seconds confirmation_interval{std::chrono::hours(1)};
    std::chrono::seconds confirmation_lifetime{std::chrono::hours(24 * 7)};
    int max_requests_per_address = 10;
    std::chrono::seconds request_window{std::chrono::hours(1)};
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
};

inline constexpr size_t kMaxTopicBytes = 200;

// What subscribe() did. Pages say the same thing in every case ("check your inbox") so that
// nobody learns whether an address is subscribed.
enum class SubscribeOutcome {
    kConfirmationSent,    // a confirmation mail went out
    kConfirmationRecent,  // pending, and a confirmation went out within the last hour: none sent
    kAlreadyConfirmed,    // nothing to do
};

class Subscriptions {
  public:
    // `mailer` may be null: subscribing then fails with kUnavailable ("mail is not set up").
    Subscriptions(store::Store& store, Mailer* mailer, SubscriptionsOptions options);

    // Subscribes `email` to the digest of `frequency` ("daily" or "weekly") about `topic`.
    // kInvalidArgument with the reason for a bad address, frequency or topic; kLimitExceeded
    // when `client` made too many requests; kUnavailable when the confirmation could not be
    // sent (nothing recorded as sent: the next request tries again). `user_id` (0 = none) links
    // the subscription to the member who asked while logged in.
    Result<SubscribeOutcome> subscribe(std::string_view email, std::string_view frequency,
                                       std::string_view topic, int64_t user_id,
                                       std::string_view client);

    // Seconds until `client` may ask again after kLimitExceeded (for Retry-After); 0 when it
    // may now.
    int64_t retry_after(std::string_view client);

    // The pending subscription a confirmation token is for, without confirming it (the page a
    // GET of the link shows). kNotFound for a bad, used or expired token.
    Result<Subscription> check_confirmation(std::string_view token);
    // Confirms: the subscription receives digests from the next run on. kNotFound as above.
    Result<Subscription> confirm(std::string_view token);

    // The subscription of an unsubscribe token (kNotFound for a bad one), and unsubscribing it
    // (idempotent: an unsubscribed one stays so).
    Result<Subscription> check_unsubscribe(std::string_view token);
    Result<Subscription> unsubscribe(std::string_view token);

    // The unsubscribe token and links of a subscription.
    std::string unsubscribe_token(int64_t subscription_id);
    std::string unsubscribe_url(int64_t subscription_id);
    std::string unsubscribe_mailto(int64_t subscription_id);

    // A member's subscriptions: those made while logged in and those of the member's address.
    Result<std::vector<Subscription>> of_user(const User& user);
    // Every subscription of a (normalized) address, by id (the operator's `subscription list`).
    Result<std::vector<Subscription>> of_address(const std::string& email);
    // Unsubscribes (or with `resume`, resubscribes a confirmed address to) one of the member's
    // subscriptions. kNotFound when it is not the member's.
    Status set_for_user(const User& user, int64_t subscription_id, bool active);
    // The operator's actions on a whole (normalized) address: every subscription not yet
    // unsubscribed is unsubscribed; or every suspended one (too many permanent delivery failures)
    // is confirmed again, not pending or unsubscribed ones, which are not the operator's to
    // restart. Both answer the subscriptions they changed, as they were before.
    Result<std::vector<Subscription>> unsubscribe_address(const std::string& email);
    Result<std::vector<Subscription>> resume_address(const std::string& email);

    // Human words for a subscription: "the daily digest", "the weekly digest of papers matching
    // “llm agents”".
    static std::string describe(const Subscription& subscription);

    const MailIdentity& identity() const { return options_.identity; }

  private:
    Result<std::string> secret();
    // Sets the subscriptions of `email` whose status is one of `from` to `to`; see
    // unsubscribe_address().
    Result<std::vector<Subscription>> set_for_address(
        const std::string& email, std::initializer_list<SubscriptionStatus> from,
        SubscriptionStatus to);
    std::string now_text() const;
    Result<Subscription> from_confirmation(std::string_view token);

    store::Store& store_;
    Mailer* mailer_;
    SubscriptionsOptions options_;
    FailureThrottle requests_;
    std::mutex secret_mu_;
    std::string secret_;
};

// Splits "c.<id>.<nonce>.<mac>" / "u.<id>.<mac>" tokens; exposed for tests.
struct LinkToken {
    char kind = 0;  // 'c' or 'u'
    int64_t id = 0;
    std::string nonce;  // 'c' only
    std::string mac;
};
std::optional<LinkToken> parse_link_token(std::string_view token);

}  // namespace paperboy::app
