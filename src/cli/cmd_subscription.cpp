// paperboy subscription: an operator's view of digest subscriptions — what an address is
// subscribed to, and unsubscribing it (for the mailto: unsubscribes that arrive at the From
// address, which Paperboy does not read: docs/mail.md, "Unsubscribing").
//   paperboy subscription list        --db FILE --email ADDR [--json]
//   paperboy subscription unsubscribe --db FILE (--email ADDR | --token TOKEN)
//   paperboy subscription resume      --db FILE --email ADDR   (suspended ones only)
#include <cstdio>
#include <string>

#include "app/subscriptions.h"
#include "cli/common.h"
#include "core/json_writer.h"
#include "mail/address.h"

namespace paperboy::cli {
namespace {

struct Options {
    std::string db;
    std::string email;
    std::string token;
    bool json = false;
};

Result<std::string> address_from(const std::string& email) {
    auto address = mail::normalize_address(email);
    if (!address.ok()) {
        return Error(ErrorCode::kInvalidArgument,
                     "--email \"" + email + "\": " + address.error().message());
    }
    return *address;
}

// The token of an unsubscribe link or mailto: the token itself, the link's last path segment,
// or the mail's subject ("unsubscribe u.12.abc").
std::string token_from(std::string text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    if (const size_t space = text.rfind(' '); space != std::string::npos) {
        text = text.substr(space + 1);
    }
    if (const size_t slash = text.rfind('/'); slash != std::string::npos) {
        text = text.substr(slash + 1);
    }
    return text;
}

int run_list(const Options& opts) {
    auto address = address_from(opts.email);
    if (!address.ok()) return fail(address.error());
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());
    auto subscriptions = app::Subscriptions(**store, nullptr, {}).of_address(*address);
    if (!subscriptions.ok()) return fail(subscriptions.error());
    if (opts.json) {
        JsonWriter w(/*pretty=*/true);
        w.begin_array();
        for (const Subscription& s : *subscriptions) {
            w.begin_object()
                .field("id", s.id)
                .field("email", s.email)
                .field("frequency", frequency_name(s.frequency))
                .field("topic", s.topic)
                .field("status", subscription_status_name(s.status))
                .field("createdAt", s.created_at)
                .field("confirmedAt", s.confirmed_at)
                .field("permanentFailures", s.permanent_failures)
                .end_object();
        }
        w.end_array();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    if (subscriptions->empty()) {
        std::printf("%s has no subscriptions\n", address->c_str());
        return kExitOk;
    }
    for (const Subscription& s : *subscriptions) {
        std::printf(
            "%6lld  %-12s  %-6s  %s%s  (since %s%s)\n", static_cast<long long>(s.id),
            std::string(subscription_status_name(s.status)).c_str(),
            std::string(frequency_name(s.frequency)).c_str(),
            s.topic.empty() ? "every trending paper" : ("topic: " + s.topic).c_str(),
            s.permanent_failures > 0
                ? (", " + std::to_string(s.permanent_failures) + " delivery failures").c_str()
                : "",
            s.created_at.c_str(),
            s.confirmed_at.empty() ? "" : (", confirmed " + s.confirmed_at).c_str());
    }
    return kExitOk;
}

int run_unsubscribe(const Options& opts) {
    if (opts.email.empty() == opts.token.empty()) {
        return fail(Error(ErrorCode::kInvalidArgument, "pass either --email or --token"));
    }
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());
    app::Subscriptions subscriptions(**store, nullptr, {});
    if (!opts.token.empty()) {
        auto left = subscriptions.unsubscribe(token_from(opts.token));
        if (!left.ok()) {
            return fail(left.error().code() == ErrorCode::kNotFound
                            ? Error(ErrorCode::kNotFound,
                                    "not an unsubscribe token of this instance: " + opts.token)
                            : left.error());
        }
        std::printf("unsubscribed %s from %s\n", left->email.c_str(),
                    app::Subscriptions::describe(*left).c_str());
        return kExitOk;
    }
    auto address = address_from(opts.email);
    if (!address.ok()) return fail(address.error());
    auto changed = subscriptions.unsubscribe_address(*address);
    if (!changed.ok()) return fail(changed.error());
    for (const Subscription& s : *changed) {
        std::printf("unsubscribed %s from %s\n", s.email.c_str(),
                    app::Subscriptions::describe(s).c_str());
    }
    if (changed->empty()) std::printf("%s has no active subscriptions\n", address->c_str());
    return kExitOk;
}

// Suspended subscriptions (too many permanent delivery failures) of an address become confirmed
// again, their failure count reset; see app::Subscriptions::resume_address().
int run_resume(const Options& opts) {
    auto address = address_from(opts.email);
    if (!address.ok()) return fail(address.error());
    auto store = open_db(opts.db, /*must_exist=*/true);
    if (!store.ok()) return fail(store.error());
    app::Subscriptions subscriptions(**store, nullptr, {});
    auto changed = subscriptions.resume_address(*address);
    if (!changed.ok()) return fail(changed.error());
    for (const Subscription& s : *changed) {
        std::printf("resumed %s for %s\n", app::Subscriptions::describe(s).c_str(),
                    s.email.c_str());
    }
    if (changed->empty()) {
        return fail(Error(ErrorCode::kNotFound, *address + " has no suspended subscription"));
    }
    return kExitOk;
}

}  // namespace

void add_subscription_command(CLI::App& app, Action& action) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd =
        app.add_subcommand("subscription", "Digest subscriptions: look one up, unsubscribe");
    cmd->require_subcommand(1);

    CLI::App* list = cmd->add_subcommand("list", "An address's subscriptions and their state");
    add_db_option(list, opts->db);
    list->add_option("--email", opts->email, "The address")->required();
    list->add_flag("--json", opts->json, "Print JSON");
    list->footer("Example:\n  paperboy subscription list --db papers.db --email ada@example.org");
    list->callback([opts, &action] { action = [opts] { return run_list(*opts); }; });

    CLI::App* unsubscribe = cmd->add_subcommand(
        "unsubscribe", "Stop digests: every subscription of an address, or one by its token");
    add_db_option(unsubscribe, opts->db);
    unsubscribe->add_option("--email", opts->email, "Unsubscribe every subscription of it");
    unsubscribe->add_option("--token", opts->token,
                            "Unsubscribe one subscription: the token of its unsubscribe link, the "
                            "link itself, or the subject of a mailto: unsubscribe");
    unsubscribe->footer(
        "Mail clients send one-click unsubscribes as mail to the From address (the mailto: of\n"
        "List-Unsubscribe, subject \"unsubscribe TOKEN\"); Paperboy does not read that mailbox.\n"
        "Pass such a subject to --token, or the sender's address to --email.\n\n"
        "Examples:\n"
        "  paperboy subscription unsubscribe --db papers.db --email ada@example.org\n"
        "  paperboy subscription unsubscribe --db papers.db --token 'unsubscribe u.12.k3Jx...'");
    unsubscribe->callback([opts, &action] { action = [opts] { return run_unsubscribe(*opts); }; });

    CLI::App* resume = cmd->add_subcommand(
        "resume", "Send digests again to an address suspended after delivery failures");
    add_db_option(resume, opts->db);
    resume->add_option("--email", opts->email, "The address")->required();
    resume->footer(
        "A subscription is suspended after three digests in a row were refused for good (5xx).\n"
        "Resume it once the address works again; its failure count starts over.\n\n"
        "Example:\n  paperboy subscription resume --db papers.db --email ada@example.org");
    resume->callback([opts, &action] { action = [opts] { return run_resume(*opts); }; });
}

}  // namespace paperboy::cli
