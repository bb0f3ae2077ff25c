#include "core/subscription.h"

namespace paperboy {

std::string_view frequency_name(Frequency frequency) {
    switch (frequency) {
        case Frequency::kWeekly:
            return "weekly";
        case Frequency::kDaily:
            break;
    }
    return "daily";
}

std::optional<Frequency> parse_frequency(std::string_view name) {
    for (Frequency frequency : {Frequency::kDaily, Frequency::kWeekly}) {
        if (frequency_name(frequency) == name) return frequency;
    }
    return std::nullopt;
}

std::string_view subscription_status_name(SubscriptionStatus status) {
    switch (status) {
        case SubscriptionStatus::kConfirmed:
            return "confirmed";
        case SubscriptionStatus::kUnsubscribed:
            return "unsubscribed";
        case SubscriptionStatus::kSuspended:
            return "suspended";
        case SubscriptionStatus::kPending:
            break;
    }
    return "pending";
}

std::optional<SubscriptionStatus> parse_subscription_status(std::string_view name) {
    for (SubscriptionStatus status :
         {SubscriptionStatus::kPending, SubscriptionStatus::kConfirmed,
          SubscriptionStatus::kUnsubscribed, SubscriptionStatus::kSuspended}) {
        if (subscription_status_name(status) == name) return status;
    }
    return std::nullopt;
}

std::string_view send_state_name(SendState state) {
    switch (state) {
        case SendState::kSent:
            return "sent";
        case SendState::kFailed:
            return "failed";
        case SendState::kClaimed:
            break;
    }
    return "claimed";
}

}  // namespace paperboy
