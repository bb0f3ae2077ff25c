// The mail part of PostgresStore (store/mail.h, store/people.h's mail tokens, store/settings.h;
// docs/schema.md "Mail"): digest subscriptions, the send log, the papers each address has
// received, single-use account mail tokens and the instance's secrets, over the tables of
// schema step 8.
//
// Every step that callers may race for (sending a confirmation, confirming, claiming a digest,
// using a token) is one conditional statement, so that of any number of callers on any number
// of nodes exactly one wins. finish_digest() locks the two rows it reads and decides with
// store/rules.h.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_set>

#include "store/paper_codec.h"
#include "store/postgres/connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/rules.h"

namespace paperboy::store::postgres {
namespace {

int64_t clamp_limit(size_t limit) {
    return static_cast<int64_t>(
        std::min(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// The subscription of `row` (columns as queries::kSubscriptionCols).
Result<Subscription> read_subscription(const PgResult& r, int row) {
    Subscription sub;
    sub.id = r.int64(row, 0);
    sub.email = r.string(row, 1);
    auto frequency = parse_frequency(r.text(row, 2));
    auto status = parse_subscription_status(r.text(row, 4));
    if (!frequency || !status) {
        return Error(ErrorCode::kCorruption, "subscription " + std::to_string(sub.id) +
                                                 " has an unknown frequency \"" + r.string(row, 2) +
                                                 "\" or status \"" + r.string(row, 4) + "\"");
    }
    sub.frequency = *frequency;
    sub.topic = r.string(row, 3);
    sub.status = *status;
    sub.user_id = r.int64(row, 5);
    sub.created_at = r.string(row, 6);
    sub.confirmed_at = r.string(row, 7);
    sub.confirm_nonce = r.string(row, 8);
    sub.confirm_sent_at = r.string(row, 9);
    sub.permanent_failures = r.integer(row, 10);
    sub.updated_at = r.string(row, 11);
    return sub;
}

Result<std::vector<Subscription>> read_subscriptions(const PgResult& r) {
    std::vector<Subscription> out;
    for (int row = 0; row < r.rows(); ++row) {
        auto sub = read_subscription(r, row);
        if (!sub.ok()) return sub.error();
        out.push_back(std::move(sub).value());
    }
    return out;
}

// The send log row of `row` (columns as queries::kDigestSendCols).
Result<DigestSend> read_digest_send(const PgResult& r, int row) {
    DigestSend send;
    send.subscription_id = r.int64(row, 0);
    send.period = r.string(row, 1);
    const std::string where =
        "digest " + send.period + " of subscription " + std::to_string(send.subscription_id);
    auto state = parse_send_state(r.text(row, 2));
    if (!state) {
        return Error(ErrorCode::kCorruption,
                     where + " has an unknown state \"" + r.string(row, 2) + "\"");
    }
    send.state = *state;
    send.message_id = r.string(row, 3);
    auto papers = split_paper_ids(r.text(row, 4));
    if (!papers.ok()) {
        return Error(ErrorCode::kCorruption,
                     where + " names a paper id that does not parse: " + papers.error().message());
    }
    send.papers = std::move(papers).value();
    send.attempts = r.integer(row, 5);
    send.last_error = r.string(row, 6);
    send.created_at = r.string(row, 7);
    send.updated_at = r.string(row, 8);
    return send;
}

std::string no_subscription(int64_t id) { return "no subscription " + std::to_string(id); }

// Runs a statement that changes rows and returns how many it changed.
Result<int64_t> changed(Connection& c, Query q, std::initializer_list<Param> params) {
    auto r = c.run(q, params);
    if (!r.ok()) return r.error();
    return r->affected();
}

}  // namespace

Result<Subscription> PostgresStore::upsert_subscription(std::string_view email, Frequency frequency,
                                                        std::string_view topic, int64_t user_id,
                                                        std::string_view now) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Subscription out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            Transaction transaction(c);
            PAPERBOY_RETURN_IF_ERROR(transaction.begin());
            auto upsert = c.run(Query::kUpsertSubscription,
                                {email, frequency_name(frequency), topic, user_id, now});
            if (!upsert.ok()) {
                if (c.last_sqlstate() == kForeignKeyViolation) {
                    return Error(ErrorCode::kNotFound, "no user " + std::to_string(user_id));
                }
                return upsert.error();
            }
            auto r =
                c.run(Query::kSelectSubscriptionByKey, {email, frequency_name(frequency), topic});
            if (!r.ok()) return r.error();
            if (r->rows() == 0) {
                return Error(ErrorCode::kInternal, "the subscription of " + std::string(email) +
                                                       " was not there after it was written");
            }
            auto sub = read_subscription(*r, 0);
            if (!sub.ok()) return sub.error();
            out = std::move(sub).value();
            return transaction.commit();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<Subscription>> PostgresStore::subscription(int64_t id) {
    std::optional<Subscription> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectSubscription, {id});
            if (!r.ok()) return r.error();
            if (r->rows() == 0) return Status::ok_status();
            auto sub = read_subscription(*r, 0);
            if (!sub.ok()) return sub.error();
            out = std::move(sub).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<Subscription>> PostgresStore::subscriptions_of(std::string_view email,
                                                                  int64_t user_id) {
    std::vector<Subscription> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectSubscriptionsOf, {email, user_id});
            if (!r.ok()) return r.error();
            auto subs = read_subscriptions(*r);
            if (!subs.ok()) return subs.error();
            out = std::move(subs).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<Subscription>> PostgresStore::confirmed_subscriptions(Frequency frequency,
                                                                         int64_t after_id,
                                                                         size_t limit) {
    std::vector<Subscription> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectConfirmedSubscriptions,
                           {frequency_name(frequency), after_id, clamp_limit(limit)});
            if (!r.ok()) return r.error();
            auto subs = read_subscriptions(*r);
            if (!subs.ok()) return subs.error();
            out = std::move(subs).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<bool> PostgresStore::start_confirmation(int64_t id, std::string_view nonce,
                                               std::string_view now, std::string_view not_after) {
    if (nonce.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "an empty confirmation nonce for subscription " + std::to_string(id));
    }
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    bool started = false;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto n = changed(c, Query::kStartConfirmation, {id, nonce, now, not_after});
            if (!n.ok()) return n.error();
            started = *n > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return started;
}

Status PostgresStore::cancel_confirmation(int64_t id, std::string_view nonce) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto n = changed(c, Query::kCancelConfirmation, {id, nonce});
        return n.ok() ? Status::ok_status() : Status(n.error());
    });
}

Result<bool> PostgresStore::confirm_subscription(int64_t id, std::string_view nonce,
                                                 std::string_view now) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    bool confirmed = false;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto n = changed(c, Query::kConfirmSubscription, {id, nonce, now});
            if (!n.ok()) return n.error();
            confirmed = *n > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return confirmed;
}

Status PostgresStore::set_subscription_status(int64_t id, SubscriptionStatus status,
                                              std::string_view now) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto n = changed(c, Query::kUpdateSubscriptionStatus,
                         {id, subscription_status_name(status), now});
        if (!n.ok()) return n.error();
        if (*n == 0) return Error(ErrorCode::kNotFound, no_subscription(id));
        return Status::ok_status();
    });
}

Result<std::optional<DigestSend>> PostgresStore::digest_send(int64_t subscription_id,
                                                             std::string_view period) {
    std::optional<DigestSend> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectDigestSend, {subscription_id, period});
            if (!r.ok()) return r.error();
            if (r->rows() == 0) return Status::ok_status();
            auto send = read_digest_send(*r, 0);
            if (!send.ok()) return send.error().with_context(name_);
            out = std::move(send).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<bool> PostgresStore::claim_digest(const DigestSend& send) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string papers = join_paper_ids(send.papers);
    const std::string& updated_at = send.updated_at.empty() ? send.created_at : send.updated_at;
    bool claimed = false;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto n = changed(c, Query::kInsertDigestSend,
                             {send.subscription_id, send.period, send.message_id, papers,
                              send.attempts, send.last_error, send.created_at, updated_at});
            if (!n.ok()) {
                if (c.last_sqlstate() == kForeignKeyViolation) {
                    return Error(ErrorCode::kNotFound, no_subscription(send.subscription_id));
                }
                return n.error();
            }
            claimed = *n > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return claimed;
}

Result<int> PostgresStore::finish_digest(int64_t subscription_id, std::string_view period,
                                         SendState state, std::string_view error,
                                         std::string_view now, int suspend_after) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    int failures = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            Transaction transaction(c);
            PAPERBOY_RETURN_IF_ERROR(transaction.begin());
            const std::string which = "digest " + std::string(period) + " of subscription " +
                                      std::to_string(subscription_id);
            auto send_row = c.run(Query::kSelectDigestSendForUpdate, {subscription_id, period});
            if (!send_row.ok()) return send_row.error();
            if (send_row->rows() == 0) return Error(ErrorCode::kNotFound, "no " + which);
            auto send = read_digest_send(*send_row, 0);
            if (!send.ok()) return send.error().with_context(name_);
            // There is one: the send log row's foreign key cascades the subscription's deletion.
            auto sub_row = c.run(Query::kSelectSubscriptionForUpdate, {subscription_id});
            if (!sub_row.ok()) return sub_row.error();
            if (sub_row->rows() == 0)
                return Error(ErrorCode::kNotFound, no_subscription(subscription_id));
            auto sub = read_subscription(*sub_row, 0);
            if (!sub.ok()) return sub.error();

            auto finished = c.run(Query::kFinishDigestSend,
                                  {subscription_id, period, send_state_name(state), error, now});
            if (!finished.ok()) return finished.error();
            failures = sub->permanent_failures;
            if (state == SendState::kSent) {
                ArrayBuilder papers(ArrayBuilder::Type::kText, send->papers.size());
                for (const PaperId& paper : send->papers) papers.add(std::string_view(paper.str()));
                auto received = c.run(Query::kInsertPapersReceived,
                                      {sub->email, Param::binary(papers.bytes()), now});
                if (!received.ok()) return received.error();
                auto reset = c.run(Query::kResetFailures, {subscription_id, now});
                if (!reset.ok()) return reset.error();
                failures = 0;
            } else if (state == SendState::kFailed) {
                const rules::FailureOutcome outcome =
                    rules::after_permanent_failure(*sub, suspend_after);
                auto set =
                    c.run(Query::kSetFailures, {subscription_id, outcome.permanent_failures,
                                                subscription_status_name(outcome.status), now});
                if (!set.ok()) return set.error();
                failures = outcome.permanent_failures;
            }
            return transaction.commit();
        });
        !done.ok()) {
        return done.error();
    }
    return failures;
}

Result<std::vector<bool>> PostgresStore::papers_received(std::string_view email,
                                                         const std::vector<PaperId>& papers) {
    std::vector<bool> out(papers.size(), false);
    if (papers.empty()) return out;
    const std::string array = id_array(papers);
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectPapersReceived, {email, Param::binary(array)});
            if (!r.ok()) return r.error();
            std::unordered_set<std::string_view> received;
            for (int row = 0; row < r->rows(); ++row) received.insert(r->text(row, 0));
            for (size_t i = 0; i < papers.size(); ++i) out[i] = received.count(papers[i].str()) > 0;
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::add_mail_token(std::string_view token_digest, int64_t user_id,
                                     MailTokenPurpose purpose, std::string_view created_at,
                                     std::string_view expires_at) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(
            Query::kInsertMailToken,
            {token_digest, user_id, mail_token_purpose_name(purpose), created_at, expires_at});
        if (r.ok()) return Status::ok_status();
        if (c.last_sqlstate() == kForeignKeyViolation) {
            return Error(ErrorCode::kNotFound, "no user " + std::to_string(user_id));
        }
        if (c.last_sqlstate() == kUniqueViolation) {
            return Error(ErrorCode::kAlreadyExists, "a mail token with this digest exists");
        }
        return r.error();
    });
}

Result<std::optional<int64_t>> PostgresStore::mail_token_user(std::string_view token_digest,
                                                              MailTokenPurpose purpose,
                                                              std::string_view now) {
    std::optional<int64_t> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r =
                c.run(Query::kPeekMailToken, {token_digest, mail_token_purpose_name(purpose), now});
            if (!r.ok()) return r.error();
            if (r->rows() > 0) out = r->int64(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<int64_t>> PostgresStore::use_mail_token(std::string_view token_digest,
                                                             MailTokenPurpose purpose,
                                                             std::string_view now) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    std::optional<int64_t> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r =
                c.run(Query::kUseMailToken, {token_digest, mail_token_purpose_name(purpose), now});
            if (!r.ok()) return r.error();
            if (r->rows() > 0) out = r->int64(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<int> PostgresStore::mail_tokens_since(int64_t user_id, MailTokenPurpose purpose,
                                             std::string_view since) {
    int count = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r =
                c.run(Query::kCountMailTokens, {user_id, mail_token_purpose_name(purpose), since});
            if (!r.ok()) return r.error();
            count = r->integer(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return count;
}

Status PostgresStore::set_email_verified(int64_t user_id, std::string_view now) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        auto n = changed(c, Query::kUpdateEmailVerified, {user_id, now});
        if (!n.ok()) return n.error();
        if (*n == 0) {
            return Error(ErrorCode::kNotFound, "no user with id " + std::to_string(user_id));
        }
        return Status::ok_status();
    });
}

Status PostgresStore::set_password(int64_t user_id, std::string_view password_hash) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    return with_connection([&](Connection& c) -> Status {
        Transaction transaction(c);
        PAPERBOY_RETURN_IF_ERROR(transaction.begin());
        auto n = changed(c, Query::kUpdatePassword, {user_id, password_hash});
        if (!n.ok()) return n.error();
        if (*n == 0) {
            return Error(ErrorCode::kNotFound, "no user with id " + std::to_string(user_id));
        }
        auto removed = c.run(Query::kDeleteUserSessions, {user_id});
        if (!removed.ok()) return removed.error();
        return transaction.commit();
    });
}

Result<std::string> PostgresStore::instance_secret(std::string_view name,
                                                   std::string_view generated) {
    if (generated.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "an empty value offered for the instance secret " + std::string(name));
    }
    std::string out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            // A read-only store reads the secret a writer stored, and cannot store one itself.
            if (!read_only_) {
                auto inserted = c.run(Query::kInsertInstanceSecret, {name, generated});
                if (!inserted.ok()) return inserted.error();
            }
            auto r = c.run(Query::kSelectInstanceSecret, {name});
            if (!r.ok()) return r.error();
            if (r->rows() == 0) {
                const std::string missing = name_ + " has no instance secret " + std::string(name);
                if (read_only_) {
                    return Error(ErrorCode::kNotFound, missing + " and was opened read-only");
                }
                return Error(ErrorCode::kInternal, missing + " after storing it");
            }
            out = r->string(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

}  // namespace paperboy::store::postgres
