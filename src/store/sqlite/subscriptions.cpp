// The mail part of SqliteStore (store/mail.h, docs/schema.md "Mail"): digest
// subscriptions, the digest send log, the papers each address has received, single-use account
// mail tokens and the instance's secrets, over the tables of schema step 8.
//
// Every step that callers may race for (sending a confirmation, confirming, claiming a digest,
// using a token) is one conditional statement, so that of any number of callers, in this process
// or in another one on the same file, exactly one wins; the mutex alone would not cover the
// other processes. Depends on store/sqlite/statement.h and SQLite.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_set>

#include "store/paper_codec.h"
#include "store/rules.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

int64_t clamp_limit(size_t limit) {
    return static_cast<int64_t>(
        std::min(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// The subscription of the statement's current row (columns as queries::kSubscriptionCols).
Result<Subscription> read_subscription(const Statement& s) {
    Subscription sub;
    sub.id = s.column_int64(0);
    sub.email = s.column_string(1);
    auto frequency = parse_frequency(s.column_text(2));
    auto status = parse_subscription_status(s.column_text(4));
    if (!frequency || !status) {
        return Error(ErrorCode::kCorruption,
                     "subscription " + std::to_string(sub.id) + " has an unknown frequency \"" +
                         s.column_string(2) + "\" or status \"" + s.column_string(4) + "\"");
    }
    sub.frequency = *frequency;
    sub.topic = s.column_string(3);
    sub.status = *status;
    sub.user_id = s.column_int64(5);
    sub.created_at = s.column_string(6);
    sub.confirmed_at = s.column_string(7);
    sub.confirm_nonce = s.column_string(8);
    sub.confirm_sent_at = s.column_string(9);
    sub.permanent_failures = s.column_int(10);
    sub.updated_at = s.column_string(11);
    return sub;
}

// The send log row of the statement's current row (columns as queries::kDigestSendCols).
Result<DigestSend> read_digest_send(const Statement& s) {
    DigestSend send;
    send.subscription_id = s.column_int64(0);
    send.period = s.column_string(1);
    const std::string where =
        "digest " + send.period + " of subscription " + std::to_string(send.subscription_id);
    auto state = parse_send_state(s.column_text(2));
    if (!state) {
        return Error(ErrorCode::kCorruption,
                     where + " has an unknown state \"" + s.column_string(2) + "\"");
    }
    send.state = *state;
    send.message_id = s.column_string(3);
    auto papers = split_paper_ids(s.column_text(4));
    if (!papers.ok()) {
        return Error(ErrorCode::kCorruption,
                     where + " names a paper id that does not parse: " + papers.error().message());
    }
    send.papers = std::move(papers).value();
    send.attempts = s.column_int(5);
    send.last_error = s.column_string(6);
    send.created_at = s.column_string(7);
    send.updated_at = s.column_string(8);
    return send;
}

std::string no_subscription(int64_t id) { return "no subscription " + std::to_string(id); }

}  // namespace

Result<std::vector<Subscription>> SqliteStore::read_subscriptions(Statement& s, bool first_only) {
    std::vector<Subscription> out;
    for (;;) {
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        auto sub = read_subscription(s);
        if (!sub.ok()) return sub.error().with_context(database_name(path_));
        out.push_back(std::move(sub).value());
        if (first_only) return out;
    }
}

Result<Subscription> SqliteStore::upsert_subscription(std::string_view email, Frequency frequency,
                                                      std::string_view topic, int64_t user_id,
                                                      std::string_view now) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    {
        auto upsert = statement(Query::kUpsertSubscription);
        if (!upsert.ok()) return upsert.error();
        ScopedReset reset(**upsert);
        (*upsert)->bind(1, email);
        (*upsert)->bind(2, frequency_name(frequency));
        (*upsert)->bind(3, topic);
        (*upsert)->bind(4, user_id);
        (*upsert)->bind(5, now);
        if (Status s = (*upsert)->run(); !s.ok()) {
            if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_FOREIGNKEY) {
                return Error(ErrorCode::kNotFound, "no user " + std::to_string(user_id));
            }
            return s.error();
        }
    }
    auto select = statement(Query::kSelectSubscriptionByKey);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, email);
    (*select)->bind(2, frequency_name(frequency));
    (*select)->bind(3, topic);
    auto found = read_subscriptions(**select, true);
    if (!found.ok()) return found.error();
    if (found->empty()) {
        return Error(ErrorCode::kInternal, "the subscription of " + std::string(email) +
                                               " was not there after it was written");
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    return std::move(found->front());
}

Result<std::optional<Subscription>> SqliteStore::subscription(int64_t id) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectSubscription);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, id);
    auto found = read_subscriptions(**select, true);
    if (!found.ok()) return found.error();
    if (found->empty()) return std::optional<Subscription>();
    return std::optional<Subscription>(std::move(found->front()));
}

Result<std::vector<Subscription>> SqliteStore::subscriptions_of(std::string_view email,
                                                                int64_t user_id) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectSubscriptionsOf);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, email);
    (*select)->bind(2, user_id);
    return read_subscriptions(**select, false);
}

Result<std::vector<Subscription>> SqliteStore::confirmed_subscriptions(Frequency frequency,
                                                                       int64_t after_id,
                                                                       size_t limit) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectConfirmedSubscriptions);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, frequency_name(frequency));
    (*select)->bind(2, after_id);
    (*select)->bind(3, clamp_limit(limit));
    return read_subscriptions(**select, false);
}

Result<bool> SqliteStore::start_confirmation(int64_t id, std::string_view nonce,
                                             std::string_view now, std::string_view not_after) {
    if (nonce.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "an empty confirmation nonce for subscription " + std::to_string(id));
    }
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(Query::kStartConfirmation);
    if (!update.ok()) return update.error();
    ScopedReset reset(**update);
    (*update)->bind(1, id);
    (*update)->bind(2, nonce);
    (*update)->bind(3, now);
    (*update)->bind(4, not_after);
    auto changed = run_counting(**update);
    if (!changed.ok()) return changed.error();
    return *changed > 0;
}

Status SqliteStore::cancel_confirmation(int64_t id, std::string_view nonce) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(Query::kCancelConfirmation);
    if (!update.ok()) return update.error();
    ScopedReset reset(**update);
    (*update)->bind(1, id);
    (*update)->bind(2, nonce);
    return (*update)->run();
}

Result<bool> SqliteStore::confirm_subscription(int64_t id, std::string_view nonce,
                                               std::string_view now) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(Query::kConfirmSubscription);
    if (!update.ok()) return update.error();
    ScopedReset reset(**update);
    (*update)->bind(1, id);
    (*update)->bind(2, nonce);
    (*update)->bind(3, now);
    auto changed = run_counting(**update);
    if (!changed.ok()) return changed.error();
    return *changed > 0;
}

Status SqliteStore::set_subscription_status(int64_t id, SubscriptionStatus status,
                                            std::string_view now) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(Query::kUpdateSubscriptionStatus);
    if (!update.ok()) return update.error();
    ScopedReset reset(**update);
    (*update)->bind(1, id);
    (*update)->bind(2, subscription_status_name(status));
    (*update)->bind(3, now);
    auto changed = run_counting(**update);
    if (!changed.ok()) return changed.error();
    if (*changed == 0) return Error(ErrorCode::kNotFound, no_subscription(id));
    return Status::ok_status();
}

Result<std::optional<DigestSend>> SqliteStore::digest_send(int64_t subscription_id,
                                                           std::string_view period) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectDigestSend);
    if (!select.ok()) return select.error();
    Statement& s = **select;
    ScopedReset reset(s);
    s.bind(1, subscription_id);
    s.bind(2, period);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<DigestSend>();
    auto send = read_digest_send(s);
    if (!send.ok()) return send.error().with_context(database_name(path_));
    return std::optional<DigestSend>(std::move(send).value());
}

Result<bool> SqliteStore::claim_digest(const DigestSend& send) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto insert = statement(Query::kInsertDigestSend);
    if (!insert.ok()) return insert.error();
    Statement& s = **insert;
    ScopedReset reset(s);
    const std::string papers = join_paper_ids(send.papers);
    s.bind(1, send.subscription_id);
    s.bind(2, send.period);
    s.bind(3, send.message_id);
    s.bind(4, papers);
    s.bind(5, send.attempts);
    s.bind(6, send.last_error);
    s.bind(7, send.created_at);
    s.bind(8, send.updated_at.empty() ? send.created_at : send.updated_at);
    auto changed = run_counting(s);
    if (!changed.ok()) {
        if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_FOREIGNKEY) {
            return Error(ErrorCode::kNotFound, no_subscription(send.subscription_id));
        }
        return changed.error();
    }
    return *changed > 0;
}

Result<int> SqliteStore::finish_digest(int64_t subscription_id, std::string_view period,
                                       SendState state, std::string_view error,
                                       std::string_view now, int suspend_after) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    const std::string which =
        "digest " + std::string(period) + " of subscription " + std::to_string(subscription_id);
    DigestSend send;
    {
        auto select = statement(Query::kSelectDigestSend);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, subscription_id);
        (*select)->bind(2, period);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (!*row) return Error(ErrorCode::kNotFound, "no " + which);
        auto read = read_digest_send(**select);
        if (!read.ok()) return read.error().with_context(database_name(path_));
        send = std::move(read).value();
    }
    Subscription sub;
    {
        // There is one: the send log row's foreign key cascades the subscription's deletion.
        auto select = statement(Query::kSelectSubscription);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, subscription_id);
        auto found = read_subscriptions(**select, true);
        if (!found.ok()) return found.error();
        if (found->empty()) return Error(ErrorCode::kNotFound, no_subscription(subscription_id));
        sub = std::move(found->front());
    }
    {
        auto update = statement(Query::kFinishDigestSend);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, subscription_id);
        (*update)->bind(2, period);
        (*update)->bind(3, send_state_name(state));
        (*update)->bind(4, error);
        (*update)->bind(5, now);
        PAPERBOY_RETURN_IF_ERROR((*update)->run());
    }
    int failures = sub.permanent_failures;
    if (state == SendState::kSent) {
        for (const PaperId& paper : send.papers) {
            auto insert = statement(Query::kInsertPaperReceived);
            if (!insert.ok()) return insert.error();
            ScopedReset reset(**insert);
            (*insert)->bind(1, sub.email);
            (*insert)->bind(2, paper.str());
            (*insert)->bind(3, now);
            PAPERBOY_RETURN_IF_ERROR((*insert)->run());
        }
        auto reset_failures = statement(Query::kResetFailures);
        if (!reset_failures.ok()) return reset_failures.error();
        ScopedReset reset(**reset_failures);
        (*reset_failures)->bind(1, subscription_id);
        (*reset_failures)->bind(2, now);
        PAPERBOY_RETURN_IF_ERROR((*reset_failures)->run());
        failures = 0;
    } else if (state == SendState::kFailed) {
        // Decided from the row read in this transaction, which holds the write lock.
        const rules::FailureOutcome outcome = rules::after_permanent_failure(sub, suspend_after);
        auto set = statement(Query::kSetFailures);
        if (!set.ok()) return set.error();
        ScopedReset reset(**set);
        (*set)->bind(1, subscription_id);
        (*set)->bind(2, outcome.permanent_failures);
        (*set)->bind(3, subscription_status_name(outcome.status));
        (*set)->bind(4, now);
        PAPERBOY_RETURN_IF_ERROR((*set)->run());
        failures = outcome.permanent_failures;
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    return failures;
}

Result<std::vector<bool>> SqliteStore::papers_received(std::string_view email,
                                                       const std::vector<PaperId>& papers) {
    std::lock_guard lock(mu_);
    std::unordered_set<std::string> received;
    for (size_t first = 0; first < papers.size(); first += kReceivedChunk) {
        const size_t end = std::min(papers.size(), first + kReceivedChunk);
        auto select = statement(Query::kSelectPapersReceived);
        if (!select.ok()) return select.error();
        Statement& s = **select;
        ScopedReset reset(s);
        s.bind(1, email);
        for (size_t i = first; i < end; ++i)
            s.bind(static_cast<int>(i - first) + 2, papers[i].str());
        for (;;) {
            auto row = s.step();
            if (!row.ok()) return row.error();
            if (!*row) break;
            received.insert(s.column_string(0));
        }
    }
    std::vector<bool> out;
    out.reserve(papers.size());
    for (const PaperId& paper : papers) out.push_back(received.count(paper.str()) > 0);
    return out;
}

Status SqliteStore::add_mail_token(std::string_view token_digest, int64_t user_id,
                                   MailTokenPurpose purpose, std::string_view created_at,
                                   std::string_view expires_at) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto insert = statement(Query::kInsertMailToken);
    if (!insert.ok()) return insert.error();
    ScopedReset reset(**insert);
    (*insert)->bind(1, token_digest);
    (*insert)->bind(2, user_id);
    (*insert)->bind(3, mail_token_purpose_name(purpose));
    (*insert)->bind(4, created_at);
    (*insert)->bind(5, expires_at);
    if (Status s = (*insert)->run(); !s.ok()) {
        const int code = sqlite3_extended_errcode(db_);
        if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
            return Error(ErrorCode::kNotFound, "no user " + std::to_string(user_id));
        }
        if (code == SQLITE_CONSTRAINT_PRIMARYKEY) {
            return Error(ErrorCode::kAlreadyExists, "a mail token with this digest exists");
        }
        return s.error();
    }
    return Status::ok_status();
}

Result<std::optional<int64_t>> SqliteStore::mail_token_user(std::string_view token_digest,
                                                            MailTokenPurpose purpose,
                                                            std::string_view now) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kPeekMailToken);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, token_digest);
    (*select)->bind(2, mail_token_purpose_name(purpose));
    (*select)->bind(3, now);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<int64_t>();
    return std::optional<int64_t>((*select)->column_int64(0));
}

Result<std::optional<int64_t>> SqliteStore::use_mail_token(std::string_view token_digest,
                                                           MailTokenPurpose purpose,
                                                           std::string_view now) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    // The UPDATE decides (one caller marks the token used); the transaction keeps the user read
    // with it.
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    {
        auto update = statement(Query::kUseMailToken);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, token_digest);
        (*update)->bind(2, mail_token_purpose_name(purpose));
        (*update)->bind(3, now);
        auto changed = run_counting(**update);
        if (!changed.ok()) return changed.error();
        if (*changed == 0) return std::optional<int64_t>();
    }
    int64_t user_id = 0;
    {
        auto select = statement(Query::kSelectMailTokenUser);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, token_digest);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (!*row) return Error(ErrorCode::kInternal, "a mail token vanished while being used");
        user_id = (*select)->column_int64(0);
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    return std::optional<int64_t>(user_id);
}

Result<int> SqliteStore::mail_tokens_since(int64_t user_id, MailTokenPurpose purpose,
                                           std::string_view since) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kCountMailTokens);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, user_id);
    (*select)->bind(2, mail_token_purpose_name(purpose));
    (*select)->bind(3, since);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    return *row ? (*select)->column_int(0) : 0;
}

Status SqliteStore::set_email_verified(int64_t user_id, std::string_view now) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    auto update = statement(Query::kUpdateEmailVerified);
    if (!update.ok()) return update.error();
    ScopedReset reset(**update);
    (*update)->bind(1, user_id);
    (*update)->bind(2, now);
    auto changed = run_counting(**update);
    if (!changed.ok()) return changed.error();
    if (*changed == 0) {
        return Error(ErrorCode::kNotFound, "no user with id " + std::to_string(user_id));
    }
    return Status::ok_status();
}

Status SqliteStore::set_password(int64_t user_id, std::string_view password_hash) {
    std::lock_guard lock(mu_);
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    Transaction transaction(db_);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    {
        auto update = statement(Query::kUpdatePassword);
        if (!update.ok()) return update.error();
        ScopedReset reset(**update);
        (*update)->bind(1, user_id);
        (*update)->bind(2, password_hash);
        auto changed = run_counting(**update);
        if (!changed.ok()) return changed.error();
        if (*changed == 0) {
            return Error(ErrorCode::kNotFound, "no user with id " + std::to_string(user_id));
        }
    }
    {
        auto del = statement(Query::kDeleteUserSessions);
        if (!del.ok()) return del.error();
        ScopedReset reset(**del);
        (*del)->bind(1, user_id);
        PAPERBOY_RETURN_IF_ERROR((*del)->run());
    }
    return transaction.commit();
}

Result<std::string> SqliteStore::instance_secret(std::string_view name,
                                                 std::string_view generated) {
    if (generated.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "an empty value offered for the instance secret " + std::string(name));
    }
    std::lock_guard lock(mu_);
    // A read-only store reads the secret a writer stored, and cannot store one itself.
    if (!read_only_) {
        auto insert = statement(Query::kInsertInstanceSecret);
        if (!insert.ok()) return insert.error();
        ScopedReset reset(**insert);
        (*insert)->bind(1, name);
        (*insert)->bind(2, generated);
        PAPERBOY_RETURN_IF_ERROR((*insert)->run());
    }
    auto select = statement(Query::kSelectInstanceSecret);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, name);
    auto row = (*select)->step();
    if (!row.ok()) return row.error();
    if (!*row) {
        const std::string missing =
            database_name(path_) + " has no instance secret " + std::string(name);
        if (read_only_) return Error(ErrorCode::kNotFound, missing + " and was opened read-only");
        return Error(ErrorCode::kInternal, missing + " after storing it");
    }
    return (*select)->column_string(0);
}

}  // namespace paperboy::store::sqlite
