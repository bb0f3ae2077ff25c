// store/mail.h — mail as the store keeps it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"
#include "core/result.h"
#include "core/subscription.h"

namespace paperboy::store {

// Digest subscriptions, the send log that makes each digest go out once, and the papers each
// address has received (docs/schema.md, "Mail"). The rules live in app/; the store makes each
// step atomic.
class Mail {
  public:
    virtual ~Mail() = default;

    // The subscription of (email, frequency, topic), created as pending at `now` when there is
    // none; an unsubscribed one becomes pending again (its confirmation fields cleared). A
    // non-zero `user_id` is recorded when the row has none. Other states are returned as they
    // are.
    virtual Result<Subscription> upsert_subscription(std::string_view email, Frequency frequency,
                                                     std::string_view topic, int64_t user_id,
                                                     std::string_view now) = 0;
    virtual Result<std::optional<Subscription>> subscription(int64_t id) = 0;
    // Every subscription of `email`, or of `user_id` when non-zero (either matches), by id.
    virtual Result<std::vector<Subscription>> subscriptions_of(std::string_view email,
                                                               int64_t user_id) = 0;
    // Confirmed subscriptions of a frequency with id > after_id, by id, at most `limit`.
    virtual Result<std::vector<Subscription>> confirmed_subscriptions(Frequency frequency,
                                                                      int64_t after_id,
                                                                      size_t limit) = 0;
    // Records a confirmation mail about to be sent with `nonce`, atomically, only when the
    // subscription is pending and its last confirmation was sent before `not_after` (or never):
    // at most one per period however many requests race. False when not recorded.
    virtual Result<bool> start_confirmation(int64_t id, std::string_view nonce,
                                            std::string_view now, std::string_view not_after) = 0;
    // Undoes start_confirmation() when the mail could not be sent (clears nonce and time if
    // they are still `nonce`'s).
    virtual Status cancel_confirmation(int64_t id, std::string_view nonce) = 0;
    // Pending with this nonce -> confirmed at `now`, nonce cleared (so a link works once). False
    // when the subscription is not pending with that nonce.
    virtual Result<bool> confirm_subscription(int64_t id, std::string_view nonce,
                                              std::string_view now) = 0;
    // Sets the status (unsubscribe, suspend, resume); failures reset to 0 on kConfirmed.
    // kNotFound for an unknown id.
    virtual Status set_subscription_status(int64_t id, SubscriptionStatus status,
                                           std::string_view now) = 0;

    // The send log row of (subscription, period), or nullopt.
    virtual Result<std::optional<DigestSend>> digest_send(int64_t subscription_id,
                                                          std::string_view period) = 0;
    // Inserts `send` as kClaimed unless (subscription, period) has a row: false then.
    virtual Result<bool> claim_digest(const DigestSend& send) = 0;
    // Records an attempt's outcome. kSent: state sent, the digest's papers recorded as received
    // by the subscription's address and its permanent failures reset, in one transaction.
    // kFailed: state failed and the subscription's permanent failures incremented; at
    // `suspend_after` failures it becomes suspended. kClaimed: attempts and last_error only (a
    // transient failure). Returns the subscription's permanent failures afterwards.
    virtual Result<int> finish_digest(int64_t subscription_id, std::string_view period,
                                      SendState state, std::string_view error, std::string_view now,
                                      int suspend_after) = 0;
    // For each of `papers`, in order, whether a sent digest already gave it to `email`.
    virtual Result<std::vector<bool>> papers_received(std::string_view email,
                                                      const std::vector<PaperId>& papers) = 0;
};

}  // namespace paperboy::store
