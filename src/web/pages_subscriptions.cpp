// Email digests on the web (app/subscriptions.h has the rules): the banner's form (POST
// /subscribe, also a page of its own at GET /subscribe) and its JSON twin (POST
// /api/subscriptions), the confirmation link's page, the unsubscribe link's page with its
// RFC 8058 one-click POST, and the settings page's list of a member's subscriptions.
//
// Every answer to a subscription request says the same thing — "if the address is not
// subscribed yet, a confirmation went to it" — whether a mail went out, one went out within the
// hour, or the address is already confirmed, so that nobody learns who is subscribed.
//
// Forged requests. The banner is on every page, and anonymous pages are rendered once and
// served to everyone (site.cpp's response cache), so its form cannot carry a per-visitor CSRF
// token. An anonymous request needs none: it carries no authority, only asks for a
// confirmation mail to an address — which anyone may ask for directly, with the API and no
// cookie — and the per-address limit and "one confirmation an hour" bound what a forged one
// can do. A POST whose Origin (or, without one, Referer) names another site is still refused,
// like every form's. A logged-in visitor's pages are never cached, so their banner carries the
// session's CSRF token, and a request with the session cookie must carry it (the subscription is
// then linked to the account). The API asks a cookie-authenticated request for a same-site
// Origin, as its other writes do.
//
// Links from mail. The token in a confirmation or unsubscribe link is the authorization: the
// pages they open ask nothing else (no log-in, no CSRF token: a page that cannot know the token
// cannot forge the POST). A GET never changes anything, because mail scanners fetch links;
// the page's button POSTs to the same address. The answers are stored nowhere and send no
// Referer (mark_token_page), as the address holds the token.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/calendar.h"
#include "core/json_writer.h"
#include "core/timestamp.h"
#include "mail/address.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/forms.h"
#include "web/site_context.h"

namespace paperboy::web {
namespace {

// Larger than any subscription request (an address has at most 254 bytes, a topic 200), but
// large enough that an over-long value is refused with its reason rather than for its size.
constexpr size_t kMaxRequestBytes = 16 * 1024;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "The daily digest" from "the daily digest".
std::string capitalized(std::string text) {
    if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') {
        text[0] = static_cast<char>(text[0] - 'a' + 'A');
    }
    return text;
}

// What a subscription request asked for, in Subscriptions::describe()'s words ("the daily
// digest of papers matching “llm”"), before it is stored.
std::string requested_what(std::string_view frequency, std::string_view topic) {
    Subscription asked;
    asked.frequency = parse_frequency(frequency).value_or(Frequency::kDaily);
    asked.topic = echo(trim(topic), app::kMaxTopicBytes);
    return app::Subscriptions::describe(asked);
}

// The address as the confirmation went to it (normalized), or as typed when it is not one.
std::string shown_address(std::string_view email) {
    auto normalized = mail::normalize_address(email);
    return normalized.ok() ? *normalized : echo(trim(email), mail::kMaxAddressBytes);
}

// ---- when digests come ----

constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

// The first scheduled run after `now` that sends a digest of `frequency`: daily runs send the
// list of the day before (not Saturday's or Sunday's unless the schedule says so), weekly runs
// the week before, on the weekly day.
std::chrono::sys_seconds first_digest(std::chrono::sys_seconds now, Frequency frequency,
                                      const SiteOptions::DigestSchedule& schedule) {
    using std::chrono::days;
    std::chrono::sys_days day = std::chrono::floor<days>(now);
    for (int i = 0; i < 15; ++i, day += days(1)) {
        const std::chrono::sys_seconds at = std::chrono::sys_seconds(day) + schedule.time_of_day;
        if (at <= now) continue;
        if (frequency == Frequency::kWeekly) {
            if (std::chrono::weekday(day) == schedule.weekly_day) return at;
            continue;
        }
        const std::chrono::weekday listed(day - days(1));
        if (schedule.weekends ||
            (listed != std::chrono::Saturday && listed != std::chrono::Sunday)) {
            return at;
        }
    }
    return now;
}

// "Tuesday, Oct 29, 2024, at about 07:00 UTC".
std::string when_label(std::chrono::sys_seconds at) {
    const std::string instant = format_instant(at);  // YYYY-MM-DDTHH:MM:SSZ
    const std::chrono::weekday weekday(std::chrono::floor<std::chrono::days>(at));
    return std::string(kWeekdays[weekday.c_encoding()]) + ", " +
           display_day(instant.substr(0, 10)) + ", at about " + instant.substr(11, 5) + " UTC";
}

// What a new subscriber is told about their digest's rhythm and its first issue.
std::string schedule_text(const Site::Context& site, const Subscription& subscription) {
    const SiteOptions::DigestSchedule& schedule = site.options.digest_schedule;
    const std::string first =
        when_label(first_digest(site.now(), subscription.frequency, schedule));
    std::string text;
    if (subscription.frequency == Frequency::kWeekly) {
        text = "It brings the past week's trending papers every " +
               std::string(kWeekdays[schedule.weekly_day.c_encoding()]) +
               "; the first should come on " + first + ".";
    } else {
        text = std::string("It brings the trending papers of each ") +
               (schedule.weekends ? "day's" : "weekday's") +
               " list the next morning; the first should come on " + first + ".";
    }
    if (is_for_you(subscription)) {
        text +=
            " Instead of the trending papers, it brings recent papers like the ones you "
            "upvoted (the trending ones until you have upvoted a few).";
    } else {
        text += subscription.topic.empty()
                    ? " A day with nothing new sends nothing."
                    : " Only papers matching the topic are sent, and nothing when none does.";
    }
    return text;
}

// ---- subscribing ----

// The values of the subscription form (templates/subscribe.html).
struct SubscribeForm {
    std::string email;
    std::string frequency = "daily";
    std::string topic;
    std::string problem;
};

http::Response subscribe_page(Site::Context& site, const PageVisitor& visitor, int status,
                              const SubscribeForm& values) {
    Data data;
    data.set("email", values.email);
    data.set("topic", values.topic);
    data.set("weekly", Data(values.frequency == "weekly"));
    if (!values.problem.empty()) data.set("problem", values.problem);
    return private_page(site, status, "subscribe", data,
                        page_info(visitor, "Get trending papers by email"));
}

http::Response mail_unavailable(Site::Context& site, const PageVisitor& visitor) {
    return visitor_error(site, visitor, 503, "Email digests are not available",
                         "This instance cannot send mail. Follow the RSS or Atom feeds instead: "
                         "they carry the same daily and trending lists.");
}

// POST /subscribe: the banner's form, the subscription page's and the settings page's.
http::Response post_subscribe(const http::Request& request, Site::Context& site) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_post(request, site, visitor, form)) return *refused;
    // refuse_post judged a present Origin; without one, a Referer must not name another site.
    if (!request.header("Origin") && request.header("Referer") &&
        !from_this_site(request, site.options.public_url)) {
        return forged(site, visitor);
    }
    if (visitor.logged_in() && !session_token_matches(visitor, form)) return forged(site, visitor);
    if (site.options.mailer == nullptr) return mail_unavailable(site, visitor);

    SubscribeForm values;
    values.email = echo(field(form, "email"), mail::kMaxAddressBytes);
    values.topic = echo(field(form, "topic"), app::kMaxTopicBytes);
    const std::string& frequency = field(form, "frequency");
    if (!frequency.empty()) values.frequency = echo(frequency, 16);
    // The settings page's "For you" choice: the member's recommendations instead of a topic.
    const std::string topic =
        field(form, "digest") == "for_you" ? std::string(kForYouTopic) : field(form, "topic");
    auto outcome = site.subscriptions.subscribe(field(form, "email"), values.frequency, topic,
                                                visitor.logged_in() ? visitor.user->id : 0,
                                                request.remote_address);
    if (!outcome.ok()) {
        const Error& e = outcome.error();
        switch (e.code()) {
            case ErrorCode::kInvalidArgument:
                values.problem = sentence(e.message());
                return subscribe_page(site, visitor, 400, values);
            case ErrorCode::kLimitExceeded: {
                values.problem = sentence(e.message());
                http::Response response = subscribe_page(site, visitor, 429, values);
                response.set_header(
                    "Retry-After", std::to_string(std::max<int64_t>(
                                       site.subscriptions.retry_after(request.remote_address), 1)));
                return response;
            }
            case ErrorCode::kUnavailable: {
                http::Response response =
                    visitor_error(site, visitor, 503, "The confirmation could not be sent",
                                  sentence(e.message()));
                response.set_header("Retry-After", "300");
                return response;
            }
            default:
                throw Failure(e);
        }
    }
    // The same page for every outcome (see the top of this file).
    Data data;
    data.set("sent", Data(true));
    data.set("email", shown_address(field(form, "email")));
    data.set("what", requested_what(values.frequency, topic));
    return private_page(site, 200, "subscribe", data, page_info(visitor, "Check your inbox"));
}

// ---- the links in mail ----

http::Response bad_link(Site::Context& site, const PageVisitor& visitor, const Error& error) {
    if (error.code() != ErrorCode::kNotFound) throw Failure(error);
    http::Response response =
        visitor_error(site, visitor, 404, "This link does not work", sentence(error.message()));
    mark_token_page(response);
    return response;
}

http::Response token_page(Site::Context& site, const PageVisitor& visitor, std::string_view name,
                          const Data& data, std::string title) {
    http::Response response =
        private_page(site, 200, name, data, page_info(visitor, std::move(title)));
    mark_token_page(response);
    return response;
}

Data subscription_data(const Subscription& subscription, const std::string& token) {
    Data data;
    data.set("email", subscription.email);
    data.set("what", app::Subscriptions::describe(subscription));
    data.set("token", token);
    return data;
}

// GET and POST /subscriptions/confirm/{token}.
http::Response confirm_page(const http::Request& request, Site::Context& site,
                            const std::string& token) {
    const PageVisitor visitor = page_visitor(request, site);
    if (request.method != "POST") {
        // Only shows what the button would confirm: mail scanners follow links.
        auto pending = site.subscriptions.check_confirmation(token);
        if (!pending.ok()) return bad_link(site, visitor, pending.error());
        Data data = subscription_data(*pending, token);
        data.set("pending", Data(true));
        return token_page(site, visitor, "subscription_confirm", data, "Confirm your subscription");
    }
    // The token is the authorization: no CSRF token, no log-in.
    auto confirmed = site.subscriptions.confirm(token);
    if (!confirmed.ok()) return bad_link(site, visitor, confirmed.error());
    Data data = subscription_data(*confirmed, token);
    data.set("confirmed", Data(true));
    data.set("schedule", schedule_text(site, *confirmed));
    data.set("unsubscribe_url",
             "/unsubscribe/" + site.subscriptions.unsubscribe_token(confirmed->id));
    return token_page(site, visitor, "subscription_confirm", data, "You're subscribed");
}

// GET and POST /unsubscribe/{token}. A POST is the page's button or an RFC 8058 one-click
// request from a mail program ("List-Unsubscribe=One-Click", form-encoded or multipart): it
// needs no cookie and no CSRF token, its body is not read, and it is idempotent.
http::Response unsubscribe_page(const http::Request& request, Site::Context& site,
                                const std::string& token) {
    const PageVisitor visitor = page_visitor(request, site);
    if (request.method != "POST") {
        auto subscription = site.subscriptions.check_unsubscribe(token);
        if (!subscription.ok()) return bad_link(site, visitor, subscription.error());
        Data data = subscription_data(*subscription, token);
        const bool gone = subscription->status == SubscriptionStatus::kUnsubscribed;
        data.set(gone ? "done" : "active", Data(true));
        if (gone) data.set("already", Data(true));
        return token_page(site, visitor, "unsubscribe", data,
                          gone ? "You are unsubscribed" : "Unsubscribe");
    }
    auto subscription = site.subscriptions.unsubscribe(token);
    if (!subscription.ok()) return bad_link(site, visitor, subscription.error());
    Data data = subscription_data(*subscription, token);
    data.set("done", Data(true));
    return token_page(site, visitor, "unsubscribe", data, "You are unsubscribed");
}

// ---- the settings page ----

// POST /settings/subscriptions/{id} with action=unsubscribe or action=resume.
http::Response post_subscription_setting(const http::Request& request, Site::Context& site,
                                         const std::string& id_text) {
    const PageVisitor visitor = page_visitor(request, site);
    Fields form;
    if (auto refused = refuse_settings_post(request, site, visitor, form)) return *refused;
    const std::string& action = field(form, "action");
    if (action != "unsubscribe" && action != "resume") {
        SettingsMessages messages;
        messages.problem = "Choose to unsubscribe or to resume.";
        return settings_page(site, visitor, 400, messages);
    }
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    Status done = Error(ErrorCode::kNotFound, "no such subscription of yours");
    if (ec == std::errc() && end == id_text.data() + id_text.size() && id > 0) {
        done = site.subscriptions.set_for_user(*visitor.user, id, action == "resume");
    }
    if (!done.ok()) {
        const ErrorCode code = done.error().code();
        if (code != ErrorCode::kNotFound && code != ErrorCode::kInvalidArgument) {
            throw Failure(done.error());
        }
        SettingsMessages messages;
        messages.problem = code == ErrorCode::kNotFound
                               ? "You have no subscription with this number."
                               : sentence(done.error().message());
        return settings_page(site, visitor, code == ErrorCode::kNotFound ? 404 : 400, messages);
    }
    return see_other(action == "resume" ? "/settings?notice=resumed#digests"
                                        : "/settings?notice=unsubscribed#digests");
}

}  // namespace

void mark_token_page(http::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_header("Referrer-Policy", "no-referrer");
}

void add_subscription_settings(Site::Context& site, const User& user, Data& data) {
    auto mine = site.subscriptions.of_user(user);
    if (!mine.ok()) throw Failure(mine.error());
    Data list(Data::type::list);
    for (const Subscription& s : *mine) {
        Data item;
        item.set("id", std::to_string(s.id));
        item.set("what", capitalized(app::Subscriptions::describe(s)));
        item.set("email", s.email);
        item.set("status", std::string(subscription_status_name(s.status)));
        const bool active =
            s.status == SubscriptionStatus::kPending || s.status == SubscriptionStatus::kConfirmed;
        item.set(active ? "can_stop" : "can_resume", Data(true));
        list.push_back(item);
    }
    data.set("subscriptions", list);
    data.set("has_subscriptions", Data(!mine->empty()));
    data.set("can_subscribe", Data(site.options.mailer != nullptr));
}

Result<http::Response> subscribe_api(const http::Request& request, Site::Context& site) {
    auto visitor = identify(request, site.accounts);
    if (!visitor.ok()) return visitor.error();
    if (visitor->user && !visitor->by_bearer && !from_this_site(request, site.options.public_url)) {
        return api_error(403, "cross_site",
                         "a request authenticated by the session cookie must come from this site "
                         "(its Origin header does not name it)");
    }
    if (request.body.size() > kMaxRequestBytes) {
        return api_error(413, "too_large",
                         "a subscription request has at most " +
                             std::to_string(kMaxRequestBytes / 1024) + " KB");
    }
    constexpr std::string_view kShape =
        "the body must be a JSON object such as {\"email\": \"you@example.org\", \"frequency\": "
        "\"daily\", \"topic\": \"diffusion\"} (frequency \"daily\" or \"weekly\", topic "
        "optional)";
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    if (parser.parse(request.body).get(body) != simdjson::SUCCESS || !body.is_object()) {
        return api_error(400, "bad_parameter", kShape);
    }
    std::string_view email;
    if (body["email"].get_string().get(email) != simdjson::SUCCESS) {
        return api_error(400, "bad_parameter", "email must be a string: the address to send to");
    }
    // Optional strings: absent or null is the default, another type is refused.
    std::string_view frequency = "daily";
    std::string_view topic;
    const std::pair<std::string_view, std::string_view*> optional[] = {{"frequency", &frequency},
                                                                       {"topic", &topic}};
    for (const auto& [name, value] : optional) {
        simdjson::dom::element element;
        if (body[name].get(element) != simdjson::SUCCESS || element.is_null()) continue;
        if (element.get_string().get(*value) != simdjson::SUCCESS) {
            return api_error(400, "bad_parameter", std::string(name) + " must be a string");
        }
    }
    const int64_t user_id = visitor->user ? visitor->user->id : 0;
    auto outcome =
        site.subscriptions.subscribe(email, frequency, topic, user_id, request.remote_address);
    if (!outcome.ok()) {
        const Error& e = outcome.error();
        switch (e.code()) {
            case ErrorCode::kInvalidArgument:
                return api_error(400, "bad_parameter", e.message());
            case ErrorCode::kLimitExceeded: {
                http::Response response = api_error(429, "rate_limited", e.message());
                response.set_header(
                    "Retry-After", std::to_string(std::max<int64_t>(
                                       site.subscriptions.retry_after(request.remote_address), 1)));
                return response;
            }
            case ErrorCode::kUnavailable: {
                http::Response response = api_error(503, "mail_unavailable", e.message());
                if (site.options.mailer != nullptr) response.set_header("Retry-After", "300");
                return response;
            }
            default:
                return e;  // a store failure: api_route logs it and answers 500
        }
    }
    // The same answer for every outcome (see the top of this file).
    JsonWriter w;
    w.begin_object()
        .field("status", "pending")
        .field("message",
               "if this address is not subscribed yet, a mail with a link to confirm the "
               "subscription was sent to it; nothing else is sent before the link is followed")
        .end_object();
    http::Response response = http::Response::json(202, w.take());
    response.set_header("Cache-Control", "no-store");
    return response;
}

void add_subscription_routes(Router& router, Site::Context& site) {
    router.add("GET", "/subscribe", "subscribe",
               [&site](const http::Request& request, const PathParams&) {
                   const PageVisitor visitor = page_visitor(request, site);
                   if (site.options.mailer == nullptr) return mail_unavailable(site, visitor);
                   SubscribeForm values;
                   if (visitor.logged_in()) values.email = visitor.user->email;
                   return subscribe_page(site, visitor, 200, values);
               });
    router.add("POST", "/subscribe", "subscribe",
               [&site](const http::Request& request, const PathParams&) {
                   return post_subscribe(request, site);
               });
    for (const char* method : {"GET", "POST"}) {
        router.add(method, "/subscriptions/confirm/{token}", "subscription_confirm",
                   [&site](const http::Request& request, const PathParams& params) {
                       return confirm_page(request, site, params.at("token"));
                   });
        router.add(method, "/unsubscribe/{token}", "unsubscribe",
                   [&site](const http::Request& request, const PathParams& params) {
                       return unsubscribe_page(request, site, params.at("token"));
                   });
    }
    router.add("POST", "/settings/subscriptions/{id}", "settings_subscription",
               [&site](const http::Request& request, const PathParams& params) {
                   return post_subscription_setting(request, site, params.at("id"));
               });
}

}  // namespace paperboy::web
