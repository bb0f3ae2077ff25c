// core/subscription.h — mail's records: digest subscriptions, the send log's rows that make
// each digest go out once, and the purposes of single-use account mail tokens.
//
// The rules (double opt-in, rate limits, what a digest holds, retries) live in app/; the store
// only makes each step atomic. Plain values; depends on core/paper.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paper.h"

namespace paperboy {

enum class Frequency { kDaily, kWeekly };

// "daily", "weekly".
std::string_view frequency_name(Frequency frequency);
std::optional<Frequency> parse_frequency(std::string_view name);

enum class SubscriptionStatus {
    kPending,       // asked for, not confirmed: nothing but the confirmation is ever sent
    kConfirmed,     // receives digests
    kUnsubscribed,  // left; a new subscribe() starts over as pending
    kSuspended,     // too many permanent delivery failures
};

// "pending", "confirmed", "unsubscribed", "suspended".
std::string_view subscription_status_name(SubscriptionStatus status);
std::optional<SubscriptionStatus> parse_subscription_status(std::string_view name);

// One address's digest of one frequency and topic; (email, frequency, topic) is unique.
struct Subscription {
    int64_t id = 0;
    std::string email;  // normalized by app/ (lower case), compared exactly
    Frequency frequency = Frequency::kDaily;
    std::string topic;  // a search query; "" = every trending paper; kForYouTopic: "For you"
    SubscriptionStatus status = SubscriptionStatus::kPending;
    int64_t user_id = 0;          // the member who subscribed while logged in; 0 = none
    std::string created_at;       // timestamps are YYYY-MM-DDTHH:MM:SSZ
    std::string confirmed_at;     // "" until confirmed
    std::string confirm_nonce;    // of the outstanding confirmation link; "" = none
    std::string confirm_sent_at;  // the last confirmation mail; "" = none
    int permanent_failures = 0;   // 5xx answers since the last delivered digest
    std::string updated_at;

    friend bool operator==(const Subscription&, const Subscription&) = default;
};

// The topic of a "For you" digest: the papers recommended to the member who subscribed
// (Subscription::user_id) from their upvotes (app/recommendations.h), rather than those
// matching a search. A member chooses it (the settings page's choice sends it as the topic);
// app::Subscriptions refuses it without a member. Kept in the topic column, so (email,
// frequency, topic) still says one digest of each kind per address and needs no schema step.
inline constexpr std::string_view kForYouTopic = "@for-you";
inline bool is_for_you(const Subscription& subscription) {
    return subscription.topic == kForYouTopic;
}

enum class SendState {
    kClaimed,  // written before the first byte goes to the relay; its outcome is unknown
    kSent,     // the relay accepted it
    kFailed,   // the relay refused it for good (5xx)
};

std::string_view send_state_name(SendState state);

// One digest of one subscription for one period ("daily:2024-10-25", "weekly:2024-W43"): the
// send log's row. A claim fixes the message (its id and papers), so that a re-run after a crash
// sends the same message again, never a second, different one.
struct DigestSend {
    int64_t subscription_id = 0;
    std::string period;
    SendState state = SendState::kClaimed;
    std::string message_id;       // "<...@host>", the same for every attempt
    std::vector<PaperId> papers;  // in the digest's order
    int attempts = 0;
    std::string last_error;  // the relay's last answer when not accepted
    std::string created_at;
    std::string updated_at;

    friend bool operator==(const DigestSend&, const DigestSend&) = default;
};

}  // namespace paperboy
