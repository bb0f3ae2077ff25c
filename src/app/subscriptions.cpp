#include "app/subscriptions.h"

#include <algorithm>
#include <charconv>

#include "app/auth/crypto.h"
#include "core/timestamp.h"
#include "core/utf8.h"
#include "mail/address.h"
#include "mail/compose.h"

namespace paperboy::app {
namespace {

constexpr std::string_view kSecretName = "mail-links";

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

// The topic as stored: trimmed, inner runs of white space collapsed; or why it is refused.
Result<std::string> clean_topic(std::string_view topic) {
    topic = trim(topic);
    if (topic.size() > kMaxTopicBytes) {
        return Error(ErrorCode::kInvalidArgument, "a topic has at most 200 bytes");
    }
    if (!is_valid_utf8(topic)) {
        return Error(ErrorCode::kInvalidArgument, "the topic is not valid UTF-8");
    }
    std::string out;
    bool space = false;
    for (char c : topic) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (u < 0x20 || u == 0x7f) {
            return Error(ErrorCode::kInvalidArgument, "the topic has control characters");
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string confirm_message(int64_t id, std::string_view nonce) {
    return "confirm:" + std::to_string(id) + ":" + std::string(nonce);
}

std::string unsubscribe_message(int64_t id) { return "unsubscribe:" + std::to_string(id); }

// The throttle's key for a client address.
std::string client_key_of(std::string_view client) { return "subscribe:" + std::string(client); }

Error bad_link() {
    return Error(ErrorCode::kNotFound,
                 "this link is not valid: it may have been used already, have expired, or be "
                 "incomplete");
}

}  // namespace

std::optional<LinkToken> parse_link_token(std::string_view token) {
    if (token.size() < 4 || token.size() > 200 || token[1] != '.') return std::nullopt;
    LinkToken out;
    out.kind = token[0];
    if (out.kind != 'c' && out.kind != 'u') return std::nullopt;
    std::string_view rest = token.substr(2);
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    const std::string_view id = rest.substr(0, dot);
    const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), out.id);
    if (ec != std::errc() || end != id.data() + id.size() || out.id <= 0) return std::nullopt;
    rest.remove_prefix(dot + 1);
    if (out.kind == 'c') {
        const size_t dot2 = rest.find('.');
        if (dot2 == std::string_view::npos || dot2 == 0) return std::nullopt;
        out.nonce = std::string(rest.substr(0, dot2));
        rest.remove_prefix(dot2 + 1);
    }
    if (rest.empty() || rest.find('.') != std::string_view::npos) return std::nullopt;
    out.mac = std::string(rest);
    return out;
}

Subscriptions::Subscriptions(store::Store& store, Mailer* mailer, SubscriptionsOptions options)
    : store_(store), mailer_(mailer), options_(std::move(options)) {}

std::string Subscriptions::now_text() const {
    return format_instant(std::chrono::floor<std::chrono::seconds>(options_.now()));
}

Result<std::string> Subscriptions::secret() {
    std::lock_guard lock(secret_mu_);
    if (secret_.empty()) {
        auto value = store_.instance_secret(kSecretName, auth::random_token());
        if (!value.ok()) return value.error();
        secret_ = std::move(*value);
    }
    return secret_;
}

int64_t Subscriptions::retry_after(std::string_view client) {
    if (client.empty()) return 0;
    return requests_.retry_after(client_key_of(client), options_.max_requests_per_address,
                                 options_.request_window, options_.now());
}

std::string Subscriptions::describe(const Subscription& subscription) {
    std::string out = "the ";
    out += frequency_name(subscription.frequency);
    if (is_for_you(subscription)) {
        return out + " \xE2\x80\x9C" + "For you" + "\xE2\x80\x9D digest";
    }
    out += " digest";
    if (!subscription.topic.empty()) {
        out += " of papers matching \xE2\x80\x9C" + subscription.topic + "\xE2\x80\x9D";
    }
    return out;
}

Result<SubscribeOutcome> Subscriptions::subscribe(std::string_view email,
                                                  std::string_view frequency,
                                                  std::string_view topic, int64_t user_id,
                                                  std::string_view client) {
    auto address = mail::normalize_address(email);
    if (!address.ok()) return address.error();
    const auto parsed_frequency = parse_frequency(frequency);
    if (!parsed_frequency) {
        return Error(ErrorCode::kInvalidArgument, "the frequency is \"daily\" or \"weekly\"");
    }
    auto cleaned_topic = clean_topic(topic);
    if (!cleaned_topic.ok()) return cleaned_topic.error();
    if (*cleaned_topic == kForYouTopic && user_id == 0) {
        return Error(ErrorCode::kInvalidArgument,
                     std::string("a \xE2\x80\x9C") + "For you" +
                         "\xE2\x80\x9D digest is made from a "
                         "member's upvotes: log in to subscribe to it");
    }

    const auto now = options_.now();
    if (!client.empty()) {
        if (const int64_t wait =
                requests_.take(client_key_of(client), options_.max_requests_per_address,
                               options_.request_window, now)) {
            return rate_limited("too many subscription requests from this address", wait);
        }
    }
    if (mailer_ == nullptr) {
        return Error(ErrorCode::kUnavailable,
                     "this instance cannot send mail (no SMTP relay is configured)");
    }
    auto key = secret();
    if (!key.ok()) return key.error();

    const std::string now_iso = now_text();
    auto subscription =
        store_.upsert_subscription(*address, *parsed_frequency, *cleaned_topic, user_id, now_iso);
    if (!subscription.ok()) return subscription.error();
    if (subscription->status == SubscriptionStatus::kConfirmed) {
        return SubscribeOutcome::kAlreadyConfirmed;
    }
    if (subscription->status == SubscriptionStatus::kSuspended) {
        // Mail to it bounced for good; a fresh confirmation is the way back.
        if (Status s = store_.set_subscription_status(subscription->id,
                                                      SubscriptionStatus::kPending, now_iso);
            !s.ok()) {
            return s.error();
        }
    }

    const std::string nonce = auth::random_token().substr(0, 22);
    const std::string not_after = format_instant(std::chrono::floor<std::chrono::seconds>(
        now - options_.confirmation_interval + std::chrono::seconds(1)));
    auto started = store_.start_confirmation(subscription->id, nonce, now_iso, not_after);
    if (!started.ok()) return started.error();
    if (!*started) return SubscribeOutcome::kConfirmationRecent;

    const std::string token = "c." + std::to_string(subscription->id) + "." + nonce + "." +
                              auth::sign(*key, confirm_message(subscription->id, nonce));
    mail::ConfirmationContent content;
    content.site_name = options_.identity.site_name;
    content.email = *address;
    content.what = describe(*subscription);
    content.confirm_url = options_.identity.link("/subscriptions/confirm/" + token);
    const mail::Bodies bodies = mail::compose_confirmation(content);

    mail::Message message;
    message.from = options_.identity.from;
    message.to = mail::Mailbox{"", *address};
    message.subject = "Confirm your subscription to " + options_.identity.site_name;
    message.message_id = new_message_id(options_.identity, "confirm");
    message.text = bodies.text;
    message.html = bodies.html;
    const mail::RetriedOutcome sent = mailer_->send(message);
    if (!sent.outcome.accepted()) {
        (void)store_.cancel_confirmation(subscription->id, nonce);
        return Error(ErrorCode::kUnavailable, "the confirmation mail could not be sent (" +
                                                  sent.outcome.detail +
                                                  "); please try again later");
    }
    return SubscribeOutcome::kConfirmationSent;
}

Result<Subscription> Subscriptions::from_confirmation(std::string_view token) {
    const auto parsed = parse_link_token(token);
    if (!parsed || parsed->kind != 'c') return bad_link();
    auto key = secret();
    if (!key.ok()) return key.error();
    if (!auth::verify_signature(*key, confirm_message(parsed->id, parsed->nonce), parsed->mac)) {
        return bad_link();
    }
    auto subscription = store_.subscription(parsed->id);
    if (!subscription.ok()) return subscription.error();
    if (!*subscription || (*subscription)->confirm_nonce != parsed->nonce ||
        (*subscription)->status != SubscriptionStatus::kPending) {
        return bad_link();
    }
    const auto sent_at = parse_instant((*subscription)->confirm_sent_at);
    if (!sent_at || *sent_at + options_.confirmation_lifetime <
                        std::chrono::floor<std::chrono::seconds>(options_.now())) {
        return bad_link();
    }
    return std::move(**subscription);
}

Result<Subscription> Subscriptions::check_confirmation(std::string_view token) {
    return from_confirmation(token);
}

Result<Subscription> Subscriptions::confirm(std::string_view token) {
    auto subscription = from_confirmation(token);
    if (!subscription.ok()) return subscription.error();
    const std::string now_iso = now_text();
    auto confirmed =
        store_.confirm_subscription(subscription->id, subscription->confirm_nonce, now_iso);
    if (!confirmed.ok()) return confirmed.error();
    if (!*confirmed) return bad_link();  // another request used it first
    auto fresh = store_.subscription(subscription->id);
    if (!fresh.ok()) return fresh.error();
    if (!*fresh) return bad_link();
    return std::move(**fresh);
}

std::string Subscriptions::unsubscribe_token(int64_t subscription_id) {
    auto key = secret();
    if (!key.ok()) return {};
    return "u." + std::to_string(subscription_id) + "." +
           auth::sign(*key, unsubscribe_message(subscription_id));
}

std::string Subscriptions::unsubscribe_url(int64_t subscription_id) {
    return options_.identity.link("/unsubscribe/" + unsubscribe_token(subscription_id));
}

std::string Subscriptions::unsubscribe_mailto(int64_t subscription_id) {
    return "mailto:" + options_.identity.from.address + "?subject=unsubscribe%20" +
           unsubscribe_token(subscription_id);
}

Result<Subscription> Subscriptions::check_unsubscribe(std::string_view token) {
    const auto parsed = parse_link_token(token);
    if (!parsed || parsed->kind != 'u') return bad_link();
    auto key = secret();
    if (!key.ok()) return key.error();
    if (!auth::verify_signature(*key, unsubscribe_message(parsed->id), parsed->mac)) {
        return bad_link();
    }
    auto subscription = store_.subscription(parsed->id);
    if (!subscription.ok()) return subscription.error();
    if (!*subscription) return bad_link();
    return std::move(**subscription);
}

Result<Subscription> Subscriptions::unsubscribe(std::string_view token) {
    auto subscription = check_unsubscribe(token);
    if (!subscription.ok()) return subscription.error();
    if (subscription->status != SubscriptionStatus::kUnsubscribed) {
        const std::string now_iso = now_text();
        if (Status s = store_.set_subscription_status(subscription->id,
                                                      SubscriptionStatus::kUnsubscribed, now_iso);
            !s.ok()) {
            return s.error();
        }
        subscription->status = SubscriptionStatus::kUnsubscribed;
        subscription->updated_at = now_iso;
    }
    return subscription;
}

Result<std::vector<Subscription>> Subscriptions::of_user(const User& user) {
    auto address = mail::normalize_address(user.email);
    return store_.subscriptions_of(address.ok() ? *address : user.email, user.id);
}

Result<std::vector<Subscription>> Subscriptions::of_address(const std::string& email) {
    return store_.subscriptions_of(email, 0);
}

Status Subscriptions::set_for_user(const User& user, int64_t subscription_id, bool active) {
    auto mine = of_user(user);
    if (!mine.ok()) return mine.error();
    for (const Subscription& s : *mine) {
        if (s.id != subscription_id) continue;
        if (!active) {
            if (s.status == SubscriptionStatus::kUnsubscribed) return {};
            return store_.set_subscription_status(s.id, SubscriptionStatus::kUnsubscribed,
                                                  now_text());
        }
        // Resuming without a new opt-in only for the member's own, verified address that
        // confirmed this subscription once; anything else starts over with a confirmation.
        const auto address = mail::normalize_address(user.email);
        if (s.confirmed_at.empty() || user.email_verified_at.empty() || !address.ok() ||
            *address != s.email) {
            return Error(ErrorCode::kInvalidArgument,
                         "subscribe again to get a confirmation mail at this address");
        }
        return store_.set_subscription_status(s.id, SubscriptionStatus::kConfirmed, now_text());
    }
    return Error(ErrorCode::kNotFound, "no such subscription of yours");
}

Result<std::vector<Subscription>> Subscriptions::set_for_address(
    const std::string& email, std::initializer_list<SubscriptionStatus> from,
    SubscriptionStatus to) {
    auto all = store_.subscriptions_of(email, 0);
    if (!all.ok()) return all.error();
    std::vector<Subscription> changed;
    for (const Subscription& s : *all) {
        if (std::find(from.begin(), from.end(), s.status) == from.end()) continue;
        PAPERBOY_RETURN_IF_ERROR(store_.set_subscription_status(s.id, to, now_text()));
        changed.push_back(s);
    }
    return changed;
}

Result<std::vector<Subscription>> Subscriptions::unsubscribe_address(const std::string& email) {
    return set_for_address(email,
                           {SubscriptionStatus::kPending, SubscriptionStatus::kConfirmed,
                            SubscriptionStatus::kSuspended},
                           SubscriptionStatus::kUnsubscribed);
}

Result<std::vector<Subscription>> Subscriptions::resume_address(const std::string& email) {
    return set_for_address(email, {SubscriptionStatus::kSuspended}, SubscriptionStatus::kConfirmed);
}

}  // namespace paperboy::app
