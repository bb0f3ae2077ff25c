// The mail part of the Store contract (store/subscriptions.h): digest subscriptions and their
// double opt-in, the digest send log, the papers each address has received, account mail
// tokens, email verification, password changes and instance secrets, for every backend. The
// races the contract promises to settle (one confirmation mail per period, one claim per digest,
// one use per token) are run from threads, each with its own connection to one file.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/contract_support.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace paperboy::store {
namespace {

using contract::id_of;
using contract::kBackends;
using paperboy::testing::TempDir;

constexpr std::string_view kT0 = "2024-10-25T08:00:00Z";
constexpr std::string_view kT1 = "2024-10-25T09:00:00Z";
constexpr std::string_view kT2 = "2024-10-25T10:00:00Z";
constexpr std::string_view kT3 = "2024-10-25T11:00:00Z";

class MailContract : public contract::BackendTest {
  protected:
    User add_user(const std::string& handle) {
        User u;
        u.handle = handle;
        u.email = handle + "@example.org";
        u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
        auto created = store_->create_user(u);
        EXPECT_TRUE(created.ok()) << created.error().message();
        return created.ok() ? *created : User{};
    }

    Subscription subscribe(std::string_view email, Frequency frequency = Frequency::kDaily,
                           std::string_view topic = "", int64_t user_id = 0,
                           std::string_view now = kT0) {
        auto sub = store_->upsert_subscription(email, frequency, topic, user_id, now);
        EXPECT_TRUE(sub.ok()) << sub.error().message();
        return sub.ok() ? *sub : Subscription{};
    }

    // A subscription confirmed at kT1.
    Subscription confirmed(std::string_view email, Frequency frequency = Frequency::kDaily,
                           std::string_view topic = "") {
        const Subscription sub = subscribe(email, frequency, topic);
        EXPECT_TRUE(*store_->start_confirmation(sub.id, "nonce", kT0, kT0));
        EXPECT_TRUE(*store_->confirm_subscription(sub.id, "nonce", kT1));
        return reread(sub.id);
    }

    Subscription reread(int64_t id) {
        auto sub = store_->subscription(id);
        EXPECT_TRUE(sub.ok() && sub->has_value()) << id;
        return sub.ok() && sub->has_value() ? **sub : Subscription{};
    }

    DigestSend send_of(int64_t subscription_id, std::string period,
                       std::vector<PaperId> papers = {}) {
        DigestSend send;
        send.subscription_id = subscription_id;
        send.period = std::move(period);
        send.message_id = "<digest." + send.period + "@paperboy.test>";
        send.papers = std::move(papers);
        send.created_at = std::string(kT0);
        send.updated_at = std::string(kT0);
        return send;
    }
};

INSTANTIATE_TEST_SUITE_P(Backends, MailContract, ::testing::ValuesIn(kBackends),
                         contract::backend_name);

// --- Subscriptions ---

TEST_P(MailContract, ASubscriptionStartsPendingAndASecondRequestReturnsItUnchanged) {
    const Subscription sub = subscribe("ada@example.org", Frequency::kWeekly, "diffusion");
    EXPECT_GT(sub.id, 0);
    EXPECT_EQ(sub.email, "ada@example.org");
    EXPECT_EQ(sub.frequency, Frequency::kWeekly);
    EXPECT_EQ(sub.topic, "diffusion");
    EXPECT_EQ(sub.status, SubscriptionStatus::kPending);
    EXPECT_EQ(sub.user_id, 0);
    EXPECT_EQ(sub.created_at, kT0);
    EXPECT_EQ(sub.updated_at, kT0);
    EXPECT_EQ(sub.confirmed_at, "");
    EXPECT_EQ(sub.confirm_nonce, "");
    EXPECT_EQ(sub.confirm_sent_at, "");
    EXPECT_EQ(sub.permanent_failures, 0);
    EXPECT_EQ(reread(sub.id), sub);

    const Subscription again =
        subscribe("ada@example.org", Frequency::kWeekly, "diffusion", 0, kT2);
    EXPECT_EQ(again, sub);  // not even updated_at moves

    // Another frequency, topic or address is another subscription.
    EXPECT_NE(subscribe("ada@example.org", Frequency::kDaily, "diffusion").id, sub.id);
    EXPECT_NE(subscribe("ada@example.org", Frequency::kWeekly, "").id, sub.id);
    EXPECT_NE(subscribe("grace@example.org", Frequency::kWeekly, "diffusion").id, sub.id);

    auto missing = store_->subscription(sub.id + 100);
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
}

TEST_P(MailContract, AMemberIsRecordedOnASubscriptionThatHasNone) {
    const User ada = add_user("ada");
    const User grace = add_user("grace");
    const Subscription anonymous = subscribe("ada@example.org");
    EXPECT_EQ(anonymous.user_id, 0);

    const Subscription claimed = subscribe("ada@example.org", Frequency::kDaily, "", ada.id, kT1);
    EXPECT_EQ(claimed.id, anonymous.id);
    EXPECT_EQ(claimed.user_id, ada.id);
    EXPECT_EQ(claimed.updated_at, kT1);
    EXPECT_EQ(claimed.status, SubscriptionStatus::kPending);

    // A row that has a member keeps it.
    const Subscription kept = subscribe("ada@example.org", Frequency::kDaily, "", grace.id, kT2);
    EXPECT_EQ(kept.user_id, ada.id);
    EXPECT_EQ(kept, claimed);

    auto unknown =
        store_->upsert_subscription("x@example.org", Frequency::kDaily, "", grace.id + 100, kT0);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(store_->subscriptions_of("x@example.org", 0)->empty());
}

TEST_P(MailContract, SubscriptionsOfAnAddressOrAMemberById) {
    const User ada = add_user("ada");
    const Subscription a1 = subscribe("ada@example.org");
    const Subscription g1 = subscribe("grace@example.org");
    const Subscription a2 = subscribe("ada@work.example", Frequency::kWeekly, "", ada.id);
    const Subscription a3 = subscribe("ada@example.org", Frequency::kWeekly, "llm");

    auto by_email = store_->subscriptions_of("ada@example.org", 0);
    ASSERT_TRUE(by_email.ok());
    ASSERT_EQ(by_email->size(), 2u);
    EXPECT_EQ((*by_email)[0], a1);
    EXPECT_EQ((*by_email)[1], a3);

    auto either = store_->subscriptions_of("ada@example.org", ada.id);
    ASSERT_TRUE(either.ok());
    ASSERT_EQ(either->size(), 3u);
    EXPECT_EQ((*either)[0].id, a1.id);
    EXPECT_EQ((*either)[1].id, a2.id);
    EXPECT_EQ((*either)[2].id, a3.id);

    auto by_user = store_->subscriptions_of("", ada.id);
    ASSERT_TRUE(by_user.ok());
    ASSERT_EQ(by_user->size(), 1u);
    EXPECT_EQ((*by_user)[0].id, a2.id);

    EXPECT_TRUE(store_->subscriptions_of("nobody@example.org", 0)->empty());
    EXPECT_EQ(store_->subscriptions_of("grace@example.org", 0)->front().id, g1.id);
}

TEST_P(MailContract, ConfirmedSubscriptionsArePagedByIdPerFrequency) {
    std::vector<int64_t> daily;
    for (int i = 0; i < 5; ++i) {
        daily.push_back(confirmed("reader" + std::to_string(i) + "@example.org").id);
    }
    confirmed("weekly@example.org", Frequency::kWeekly);
    subscribe("pending@example.org");
    const Subscription gone = confirmed("gone@example.org");
    ASSERT_TRUE(
        store_->set_subscription_status(gone.id, SubscriptionStatus::kUnsubscribed, kT2).ok());

    auto page = store_->confirmed_subscriptions(Frequency::kDaily, 0, 3);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 3u);
    EXPECT_EQ((*page)[0].id, daily[0]);
    EXPECT_EQ((*page)[2].id, daily[2]);
    page = store_->confirmed_subscriptions(Frequency::kDaily, page->back().id, 3);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].id, daily[3]);
    EXPECT_EQ((*page)[1].id, daily[4]);
    EXPECT_TRUE(store_->confirmed_subscriptions(Frequency::kDaily, daily[4], 3)->empty());
    EXPECT_TRUE(store_->confirmed_subscriptions(Frequency::kDaily, 0, 0)->empty());

    auto weekly = store_->confirmed_subscriptions(Frequency::kWeekly, 0, 100);
    ASSERT_TRUE(weekly.ok());
    ASSERT_EQ(weekly->size(), 1u);
    EXPECT_EQ((*weekly)[0].email, "weekly@example.org");
    EXPECT_EQ((*weekly)[0].status, SubscriptionStatus::kConfirmed);
}

TEST_P(MailContract, OneConfirmationMailPerPeriod) {
    const Subscription sub = subscribe("ada@example.org");
    // Never sent: recorded.
    auto started = store_->start_confirmation(sub.id, "n1", kT1, kT0);
    ASSERT_TRUE(started.ok()) << started.error().message();
    EXPECT_TRUE(*started);
    Subscription now = reread(sub.id);
    EXPECT_EQ(now.confirm_nonce, "n1");
    EXPECT_EQ(now.confirm_sent_at, kT1);
    EXPECT_EQ(now.updated_at, kT1);

    // Sent at kT1, which is not before kT1: refused, and the first nonce stays.
    EXPECT_FALSE(*store_->start_confirmation(sub.id, "n2", kT2, kT1));
    EXPECT_EQ(reread(sub.id).confirm_nonce, "n1");
    // Once the period is over, a new mail with a new nonce.
    EXPECT_TRUE(*store_->start_confirmation(sub.id, "n3", kT3, kT2));
    now = reread(sub.id);
    EXPECT_EQ(now.confirm_nonce, "n3");
    EXPECT_EQ(now.confirm_sent_at, kT3);

    // Not pending, unknown: refused.
    const Subscription other = confirmed("grace@example.org");
    EXPECT_FALSE(*store_->start_confirmation(other.id, "n4", kT3, kT3));
    EXPECT_FALSE(*store_->start_confirmation(sub.id + 100, "n5", kT3, kT3));

    auto empty = store_->start_confirmation(sub.id, "", kT3, kT3);
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(MailContract, ACancelledConfirmationLeavesNoLinkAndNoRateLimit) {
    const Subscription sub = subscribe("ada@example.org");
    ASSERT_TRUE(*store_->start_confirmation(sub.id, "n1", kT1, kT0));

    // Another nonce's cancellation does nothing.
    ASSERT_TRUE(store_->cancel_confirmation(sub.id, "n0").ok());
    EXPECT_EQ(reread(sub.id).confirm_nonce, "n1");

    ASSERT_TRUE(store_->cancel_confirmation(sub.id, "n1").ok());
    const Subscription now = reread(sub.id);
    EXPECT_EQ(now.confirm_nonce, "");
    EXPECT_EQ(now.confirm_sent_at, "");
    EXPECT_EQ(now.status, SubscriptionStatus::kPending);
    EXPECT_FALSE(*store_->confirm_subscription(sub.id, "n1", kT2));
    // The mail was never sent, so the next request may send one at once.
    EXPECT_TRUE(*store_->start_confirmation(sub.id, "n2", kT1, kT0));

    EXPECT_TRUE(store_->cancel_confirmation(sub.id + 100, "n2").ok());  // unknown: no-op
}

TEST_P(MailContract, AConfirmationLinkWorksOnceAndOnlyWithItsNonce) {
    const Subscription sub = subscribe("ada@example.org");
    EXPECT_FALSE(*store_->confirm_subscription(sub.id, "", kT1));  // no link sent yet
    ASSERT_TRUE(*store_->start_confirmation(sub.id, "n1", kT1, kT0));
    EXPECT_FALSE(*store_->confirm_subscription(sub.id, "n2", kT2));
    EXPECT_FALSE(*store_->confirm_subscription(sub.id, "", kT2));
    EXPECT_EQ(reread(sub.id).status, SubscriptionStatus::kPending);

    auto confirmed_now = store_->confirm_subscription(sub.id, "n1", kT2);
    ASSERT_TRUE(confirmed_now.ok()) << confirmed_now.error().message();
    EXPECT_TRUE(*confirmed_now);
    const Subscription now = reread(sub.id);
    EXPECT_EQ(now.status, SubscriptionStatus::kConfirmed);
    EXPECT_EQ(now.confirmed_at, kT2);
    EXPECT_EQ(now.confirm_nonce, "");
    EXPECT_EQ(now.confirm_sent_at, kT1);
    EXPECT_EQ(now.updated_at, kT2);

    EXPECT_FALSE(*store_->confirm_subscription(sub.id, "n1", kT3));
    EXPECT_EQ(reread(sub.id).confirmed_at, kT2);
    EXPECT_FALSE(*store_->confirm_subscription(sub.id + 100, "n1", kT3));
}

TEST_P(MailContract, StatusChangesAndUnknownSubscriptions) {
    const Subscription sub = confirmed("ada@example.org");
    ASSERT_TRUE(store_->set_subscription_status(sub.id, SubscriptionStatus::kSuspended, kT2).ok());
    Subscription now = reread(sub.id);
    EXPECT_EQ(now.status, SubscriptionStatus::kSuspended);
    EXPECT_EQ(now.updated_at, kT2);

    auto missing =
        store_->set_subscription_status(sub.id + 100, SubscriptionStatus::kConfirmed, kT2);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(MailContract, ResubscribingAfterUnsubscribingStartsOverAsPending) {
    const Subscription sub = confirmed("ada@example.org");
    ASSERT_TRUE(store_->claim_digest(send_of(sub.id, "daily:2024-10-25")).ok());
    ASSERT_EQ(*store_->finish_digest(sub.id, "daily:2024-10-25", SendState::kFailed, "550", kT2, 3),
              1);
    ASSERT_TRUE(
        store_->set_subscription_status(sub.id, SubscriptionStatus::kUnsubscribed, kT2).ok());
    EXPECT_EQ(reread(sub.id).status, SubscriptionStatus::kUnsubscribed);
    EXPECT_TRUE(store_->confirmed_subscriptions(Frequency::kDaily, 0, 10)->empty());

    const Subscription again = subscribe("ada@example.org", Frequency::kDaily, "", 0, kT3);
    EXPECT_EQ(again.id, sub.id);
    EXPECT_EQ(again.status, SubscriptionStatus::kPending);
    EXPECT_EQ(again.confirmed_at, "");
    EXPECT_EQ(again.confirm_nonce, "");
    EXPECT_EQ(again.confirm_sent_at, "");
    EXPECT_EQ(again.permanent_failures, 0);
    EXPECT_EQ(again.created_at, sub.created_at);
    EXPECT_EQ(again.updated_at, kT3);
    // The old link does not work; a new confirmation goes out at once.
    EXPECT_FALSE(*store_->confirm_subscription(sub.id, "nonce", kT3));
    EXPECT_TRUE(*store_->start_confirmation(sub.id, "fresh", kT3, kT0));
    EXPECT_TRUE(*store_->confirm_subscription(sub.id, "fresh", kT3));
}

TEST_P(MailContract, SuspendedAndConfirmedSubscriptionsAreNotResetByASubscribe) {
    const Subscription active = confirmed("ada@example.org");
    EXPECT_EQ(subscribe("ada@example.org", Frequency::kDaily, "", 0, kT3), active);

    const Subscription suspended = confirmed("grace@example.org");
    ASSERT_TRUE(
        store_->set_subscription_status(suspended.id, SubscriptionStatus::kSuspended, kT2).ok());
    const Subscription before = reread(suspended.id);
    EXPECT_EQ(subscribe("grace@example.org", Frequency::kDaily, "", 0, kT3), before);
}

// --- The send log ---

TEST_P(MailContract, ADigestIsClaimedOnceAndTheClaimIsNeverOverwritten) {
    const Subscription sub = confirmed("ada@example.org");
    EXPECT_FALSE(store_->digest_send(sub.id, "daily:2024-10-25")->has_value());

    DigestSend send =
        send_of(sub.id, "daily:2024-10-25",
                {id_of("2410.13848"), id_of("hep-th/9901001"), *PaperId::local("a-local-paper")});
    send.state = SendState::kSent;  // ignored: a claim is a claim
    auto claimed = store_->claim_digest(send);
    ASSERT_TRUE(claimed.ok()) << claimed.error().message();
    EXPECT_TRUE(*claimed);

    auto stored = store_->digest_send(sub.id, "daily:2024-10-25");
    ASSERT_TRUE(stored.ok()) << stored.error().message();
    ASSERT_TRUE(stored->has_value());
    DigestSend expected = send;
    expected.state = SendState::kClaimed;
    EXPECT_EQ(**stored, expected);

    DigestSend second = send_of(sub.id, "daily:2024-10-25", {id_of("2401.00001")});
    second.message_id = "<another@paperboy.test>";
    EXPECT_FALSE(*store_->claim_digest(second));
    EXPECT_EQ(**store_->digest_send(sub.id, "daily:2024-10-25"), expected);

    // Another period, an empty digest.
    EXPECT_TRUE(*store_->claim_digest(send_of(sub.id, "daily:2024-10-26")));
    EXPECT_TRUE((*store_->digest_send(sub.id, "daily:2024-10-26"))->papers.empty());

    auto unknown = store_->claim_digest(send_of(sub.id + 100, "daily:2024-10-25"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_P(MailContract, ATransientFailureCountsAnAttemptOnly) {
    const Subscription sub = confirmed("ada@example.org");
    ASSERT_TRUE(*store_->claim_digest(send_of(sub.id, "daily:2024-10-25", {id_of("2410.13848")})));
    auto failures =
        store_->finish_digest(sub.id, "daily:2024-10-25", SendState::kClaimed, "421 busy", kT2, 3);
    ASSERT_TRUE(failures.ok()) << failures.error().message();
    EXPECT_EQ(*failures, 0);
    const DigestSend send = **store_->digest_send(sub.id, "daily:2024-10-25");
    EXPECT_EQ(send.state, SendState::kClaimed);
    EXPECT_EQ(send.attempts, 1);
    EXPECT_EQ(send.last_error, "421 busy");
    EXPECT_EQ(send.updated_at, kT2);
    EXPECT_EQ(send.created_at, kT0);
    EXPECT_EQ(reread(sub.id).permanent_failures, 0);
    EXPECT_EQ(*store_->papers_received("ada@example.org", {id_of("2410.13848")}),
              std::vector<bool>{false});
}

TEST_P(MailContract, ASentDigestRecordsItsPapersAndClearsFailures) {
    const Subscription sub = confirmed("ada@example.org");
    ASSERT_TRUE(*store_->claim_digest(send_of(sub.id, "daily:2024-10-24")));
    ASSERT_EQ(
        *store_->finish_digest(sub.id, "daily:2024-10-24", SendState::kFailed, "550 no", kT1, 3),
        1);
    const std::vector<PaperId> papers = {id_of("2410.13848"), id_of("hep-th/9901001")};
    ASSERT_TRUE(*store_->claim_digest(send_of(sub.id, "daily:2024-10-25", papers)));
    EXPECT_EQ(*store_->papers_received("ada@example.org", papers),
              (std::vector<bool>{false, false}));

    auto failures = store_->finish_digest(sub.id, "daily:2024-10-25", SendState::kSent, "", kT2, 3);
    ASSERT_TRUE(failures.ok()) << failures.error().message();
    EXPECT_EQ(*failures, 0);
    EXPECT_EQ(reread(sub.id).permanent_failures, 0);
    const DigestSend send = **store_->digest_send(sub.id, "daily:2024-10-25");
    EXPECT_EQ(send.state, SendState::kSent);
    EXPECT_EQ(send.attempts, 1);
    EXPECT_EQ(send.updated_at, kT2);

    auto received = store_->papers_received(
        "ada@example.org", {id_of("hep-th/9901001"), id_of("2401.00001"), id_of("2410.13848")});
    ASSERT_TRUE(received.ok()) << received.error().message();
    EXPECT_EQ(*received, (std::vector<bool>{true, false, true}));
    // Received by the address, not by its other subscriptions' addresses.
    EXPECT_EQ(*store_->papers_received("grace@example.org", papers),
              (std::vector<bool>{false, false}));
    // The same address's weekly digest knows them too.
    confirmed("ada@example.org", Frequency::kWeekly);
    EXPECT_EQ(*store_->papers_received("ada@example.org", papers), (std::vector<bool>{true, true}));

    // A repeated outcome (a re-run after a crash) is harmless.
    EXPECT_EQ(*store_->finish_digest(sub.id, "daily:2024-10-25", SendState::kSent, "", kT3, 3), 0);
    EXPECT_EQ((*store_->digest_send(sub.id, "daily:2024-10-25"))->attempts, 2);
}

TEST_P(MailContract, ThreePermanentFailuresSuspendASubscription) {
    const Subscription sub = confirmed("ada@example.org");
    const char* periods[] = {"daily:2024-10-23", "daily:2024-10-24", "daily:2024-10-25"};
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(*store_->claim_digest(send_of(sub.id, periods[i], {id_of("2410.13848")})));
        auto failures = store_->finish_digest(sub.id, periods[i], SendState::kFailed,
                                              "550 unknown user", kT2, 3);
        ASSERT_TRUE(failures.ok()) << failures.error().message();
        EXPECT_EQ(*failures, i + 1);
        const Subscription now = reread(sub.id);
        EXPECT_EQ(now.permanent_failures, i + 1);
        EXPECT_EQ(now.status,
                  i < 2 ? SubscriptionStatus::kConfirmed : SubscriptionStatus::kSuspended)
            << "after " << i + 1 << " failures";
        const DigestSend send = **store_->digest_send(sub.id, periods[i]);
        EXPECT_EQ(send.state, SendState::kFailed);
        EXPECT_EQ(send.last_error, "550 unknown user");
    }
    EXPECT_TRUE(store_->confirmed_subscriptions(Frequency::kDaily, 0, 10)->empty());
    EXPECT_EQ(*store_->papers_received("ada@example.org", {id_of("2410.13848")}),
              std::vector<bool>{false});

    // Resuming clears the failures.
    ASSERT_TRUE(store_->set_subscription_status(sub.id, SubscriptionStatus::kConfirmed, kT3).ok());
    const Subscription resumed = reread(sub.id);
    EXPECT_EQ(resumed.status, SubscriptionStatus::kConfirmed);
    EXPECT_EQ(resumed.permanent_failures, 0);
    EXPECT_EQ(resumed.confirmed_at, kT1);  // when the address was confirmed
}

TEST_P(MailContract, AFailureDoesNotSuspendAnUnsubscribedAddress) {
    const Subscription sub = confirmed("ada@example.org");
    ASSERT_TRUE(*store_->claim_digest(send_of(sub.id, "daily:2024-10-25")));
    ASSERT_TRUE(
        store_->set_subscription_status(sub.id, SubscriptionStatus::kUnsubscribed, kT2).ok());
    EXPECT_EQ(*store_->finish_digest(sub.id, "daily:2024-10-25", SendState::kFailed, "550", kT2, 1),
              1);
    EXPECT_EQ(reread(sub.id).status, SubscriptionStatus::kUnsubscribed);
}

TEST_P(MailContract, FinishingAnUnknownDigestIsNotFound) {
    const Subscription sub = confirmed("ada@example.org");
    for (auto [id, period] :
         {std::pair{sub.id, "daily:2024-10-25"}, std::pair{sub.id + 100, "daily:2024-10-25"}}) {
        auto r = store_->finish_digest(id, period, SendState::kSent, "", kT2, 3);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
    }
    EXPECT_FALSE(store_->digest_send(sub.id + 100, "daily:2024-10-25")->has_value());
}

TEST_P(MailContract, PapersReceivedAnswersHundredsInOrder) {
    const Subscription sub = confirmed("ada@example.org");
    std::vector<PaperId> digest;
    std::vector<PaperId> asked;
    std::vector<bool> expected;
    for (int i = 0; i < 350; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "2410.%05d", i + 1);
        asked.push_back(id_of(id));
        expected.push_back(i % 3 == 1);
        if (i % 3 == 1) digest.push_back(id_of(id));
    }
    ASSERT_TRUE(*store_->claim_digest(send_of(sub.id, "daily:2024-10-25", digest)));
    ASSERT_EQ(*store_->finish_digest(sub.id, "daily:2024-10-25", SendState::kSent, "", kT2, 3), 0);
    auto received = store_->papers_received("ada@example.org", asked);
    ASSERT_TRUE(received.ok()) << received.error().message();
    EXPECT_EQ(*received, expected);

    // Repeated ids, and none at all.
    EXPECT_EQ(*store_->papers_received("ada@example.org", {asked[1], asked[0], asked[1]}),
              (std::vector<bool>{true, false, true}));
    EXPECT_TRUE(store_->papers_received("ada@example.org", {})->empty());
}

// --- Account mail ---

TEST_P(MailContract, AMailTokenWorksOnceForItsPurposeBeforeItExpires) {
    const User ada = add_user("ada");
    const std::string expires = "2024-10-26T08:00:00Z";
    ASSERT_TRUE(
        store_->add_mail_token("verify", ada.id, MailTokenPurpose::kVerifyEmail, kT0, expires)
            .ok());
    ASSERT_TRUE(
        store_->add_mail_token("reset", ada.id, MailTokenPurpose::kResetPassword, kT0, expires)
            .ok());

    // Looking does not use a token up; the wrong purpose finds nothing.
    EXPECT_EQ(store_->mail_token_user("verify", MailTokenPurpose::kVerifyEmail, kT1)->value_or(0),
              ada.id);
    EXPECT_EQ(store_->mail_token_user("verify", MailTokenPurpose::kVerifyEmail, kT1)->value_or(0),
              ada.id);
    EXPECT_FALSE(
        store_->mail_token_user("verify", MailTokenPurpose::kResetPassword, kT1)->has_value());
    EXPECT_FALSE(
        store_->mail_token_user("reset", MailTokenPurpose::kResetPassword, expires)->has_value());

    // The wrong purpose neither works nor uses the token up.
    EXPECT_FALSE(
        store_->use_mail_token("verify", MailTokenPurpose::kResetPassword, kT1)->has_value());
    auto used = store_->use_mail_token("verify", MailTokenPurpose::kVerifyEmail, kT1);
    ASSERT_TRUE(used.ok()) << used.error().message();
    ASSERT_TRUE(used->has_value());
    EXPECT_EQ(**used, ada.id);
    EXPECT_FALSE(
        store_->use_mail_token("verify", MailTokenPurpose::kVerifyEmail, kT2)->has_value());
    EXPECT_FALSE(
        store_->mail_token_user("verify", MailTokenPurpose::kVerifyEmail, kT2)->has_value());

    // Expired at its expiry time.
    EXPECT_FALSE(
        store_->use_mail_token("reset", MailTokenPurpose::kResetPassword, expires)->has_value());
    EXPECT_TRUE(
        store_->use_mail_token("reset", MailTokenPurpose::kResetPassword, "2024-10-26T07:59:59Z")
            ->has_value());
    EXPECT_FALSE(
        store_->use_mail_token("unknown", MailTokenPurpose::kVerifyEmail, kT1)->has_value());
}

TEST_P(MailContract, MailTokensAreCountedPerPurposeSinceATime) {
    const User ada = add_user("ada");
    const User grace = add_user("grace");
    const std::string expires = "2030-01-01T00:00:00Z";
    ASSERT_TRUE(
        store_->add_mail_token("a", ada.id, MailTokenPurpose::kVerifyEmail, kT0, expires).ok());
    ASSERT_TRUE(
        store_->add_mail_token("b", ada.id, MailTokenPurpose::kVerifyEmail, kT2, expires).ok());
    ASSERT_TRUE(
        store_->add_mail_token("c", ada.id, MailTokenPurpose::kResetPassword, kT2, expires).ok());
    ASSERT_TRUE(
        store_->add_mail_token("d", grace.id, MailTokenPurpose::kVerifyEmail, kT2, expires).ok());
    ASSERT_TRUE(store_->use_mail_token("b", MailTokenPurpose::kVerifyEmail, kT3)->has_value());

    EXPECT_EQ(*store_->mail_tokens_since(ada.id, MailTokenPurpose::kVerifyEmail, kT0), 2);
    EXPECT_EQ(*store_->mail_tokens_since(ada.id, MailTokenPurpose::kVerifyEmail, kT1), 1);
    EXPECT_EQ(*store_->mail_tokens_since(ada.id, MailTokenPurpose::kVerifyEmail, kT2), 1);
    EXPECT_EQ(*store_->mail_tokens_since(ada.id, MailTokenPurpose::kVerifyEmail, kT3), 0);
    EXPECT_EQ(*store_->mail_tokens_since(ada.id, MailTokenPurpose::kResetPassword, kT0), 1);
    EXPECT_EQ(*store_->mail_tokens_since(grace.id + 100, MailTokenPurpose::kVerifyEmail, kT0), 0);
}

TEST_P(MailContract, MailTokensNeedAUserAndAFreshDigest) {
    const User ada = add_user("ada");
    auto unknown =
        store_->add_mail_token("x", ada.id + 100, MailTokenPurpose::kVerifyEmail, kT0, kT3);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
    ASSERT_TRUE(store_->add_mail_token("x", ada.id, MailTokenPurpose::kVerifyEmail, kT0, kT3).ok());
    auto again = store_->add_mail_token("x", ada.id, MailTokenPurpose::kResetPassword, kT0, kT3);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

TEST_P(MailContract, EveryUserReadCarriesTheVerificationTime) {
    const User ada = add_user("ada");
    EXPECT_EQ(ada.email_verified_at, "");
    EXPECT_EQ((*store_->user_by_id(ada.id))->email_verified_at, "");
    ASSERT_TRUE(store_->add_session("session", ada.id, "2030-01-01T00:00:00Z").ok());
    ASSERT_TRUE(store_->add_api_token(ada.id, "api", "laptop").ok());

    ASSERT_TRUE(store_->set_email_verified(ada.id, kT1).ok());
    EXPECT_EQ((*store_->user_by_id(ada.id))->email_verified_at, kT1);
    EXPECT_EQ((*store_->find_user("ADA"))->email_verified_at, kT1);
    EXPECT_EQ((*store_->find_user("ada@example.org"))->email_verified_at, kT1);
    EXPECT_EQ((*store_->session_user("session", kT2))->email_verified_at, kT1);
    EXPECT_EQ((*store_->api_token_user("api", kT2))->email_verified_at, kT1);

    auto missing = store_->set_email_verified(ada.id + 100, kT1);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

    // A user created verified (an administrator made by the command line) stays so.
    User grace;
    grace.handle = "grace";
    grace.email = "grace@example.org";
    grace.password_hash = "x";
    grace.email_verified_at = std::string(kT0);
    auto created = store_->create_user(grace);
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->email_verified_at, kT0);
    EXPECT_EQ(**store_->user_by_id(created->id), *created);
}

TEST_P(MailContract, ANewPasswordEndsEverySessionButKeepsApiTokens) {
    const User ada = add_user("ada");
    const User grace = add_user("grace");
    for (const char* digest : {"s1", "s2"}) {
        ASSERT_TRUE(store_->add_session(digest, ada.id, "2030-01-01T00:00:00Z").ok());
    }
    ASSERT_TRUE(store_->add_session("g1", grace.id, "2030-01-01T00:00:00Z").ok());
    ASSERT_TRUE(store_->add_api_token(ada.id, "api", "laptop").ok());

    ASSERT_TRUE(store_->set_password(ada.id, "$argon2id$new").ok());
    EXPECT_EQ((*store_->user_by_id(ada.id))->password_hash, "$argon2id$new");
    EXPECT_FALSE(store_->session_user("s1", kT1)->has_value());
    EXPECT_FALSE(store_->session_user("s2", kT1)->has_value());
    EXPECT_TRUE(store_->session_user("g1", kT1)->has_value());
    EXPECT_TRUE(store_->api_token_user("api", kT1)->has_value());
    EXPECT_EQ((*store_->user_by_id(grace.id))->password_hash, grace.password_hash);

    auto missing = store_->set_password(grace.id + 100, "x");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(store_->session_user("g1", kT1)->has_value());
}

TEST_P(MailContract, TheFirstInstanceSecretWins) {
    auto first = store_->instance_secret("unsubscribe", "aaaa");
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(*first, "aaaa");
    EXPECT_EQ(*store_->instance_secret("unsubscribe", "bbbb"), "aaaa");
    EXPECT_EQ(*store_->instance_secret("csrf", "cccc"), "cccc");
    auto empty = store_->instance_secret("other", "");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);

    if (GetParam().shared) {
        // Every process of the instance agrees.
        auto other = open_store(url_);
        ASSERT_TRUE(other.ok());
        EXPECT_EQ(*(*other)->instance_secret("unsubscribe", "dddd"), "aaaa");
        OpenOptions read_only;
        read_only.read_only = true;
        auto reader = open_store(url_, read_only);
        ASSERT_TRUE(reader.ok());
        EXPECT_EQ(*(*reader)->instance_secret("csrf", "eeee"), "cccc");
        auto absent = (*reader)->instance_secret("absent", "ffff");
        EXPECT_FALSE(absent.ok());
    }
}

// --- Races: one database, one store per thread, as separate processes would have ---

class MailRaces : public ::testing::TestWithParam<contract::Backend> {
  protected:
    static constexpr int kThreads = 8;

    void SetUp() override {
        std::optional<std::string> url = GetParam().url(dir_);
        if (!url) GTEST_SKIP() << paperboy::testing::postgres_skip_reason();
        url_ = *url;
        for (int i = 0; i < kThreads; ++i) {
            auto opened = open_store(url_);
            ASSERT_TRUE(opened.ok()) << opened.error().message();
            stores_.push_back(std::move(opened).value());
        }
    }

    // Runs fn(thread index) on every thread at once; returns how many returned true.
    template <typename Fn>
    int race(Fn fn) {
        std::atomic<bool> go{false};
        std::atomic<int> wins{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                if (fn(t)) ++wins;
            });
        }
        go = true;
        for (std::thread& th : threads) th.join();
        return wins.load();
    }

    Store& store(int t) { return *stores_[static_cast<size_t>(t)]; }

    TempDir dir_;
    std::string url_;
    std::vector<std::unique_ptr<Store>> stores_;
};

TEST_P(MailRaces, ExactlyOneConfirmationMailWinsARace) {
    for (int round = 0; round < 10; ++round) {
        auto sub = store(0).upsert_subscription("reader" + std::to_string(round) + "@example.org",
                                                Frequency::kDaily, "", 0, kT0);
        ASSERT_TRUE(sub.ok()) << sub.error().message();
        std::atomic<int> errors{0};
        const int wins = race([&](int t) {
            auto started =
                store(t).start_confirmation(sub->id, "nonce-" + std::to_string(t), kT1, kT0);
            if (!started.ok()) ++errors;
            return started.ok() && *started;
        });
        EXPECT_EQ(errors.load(), 0);
        EXPECT_EQ(wins, 1) << "round " << round;
        const Subscription now = **store(0).subscription(sub->id);
        EXPECT_EQ(now.confirm_sent_at, kT1);
        EXPECT_EQ(now.confirm_nonce.rfind("nonce-", 0), 0u) << now.confirm_nonce;
    }
}

TEST_P(MailRaces, ExactlyOneClaimAndOneTokenUseWinARace) {
    auto sub = store(0).upsert_subscription("ada@example.org", Frequency::kDaily, "", 0, kT0);
    ASSERT_TRUE(sub.ok());
    User ada;
    ada.handle = "ada";
    ada.email = "ada@example.org";
    ada.password_hash = "x";
    auto user = store(0).create_user(ada);
    ASSERT_TRUE(user.ok());
    for (int round = 0; round < 10; ++round) {
        const std::string period = "daily:2024-10-" + std::to_string(10 + round);
        const int claims = race([&](int t) {
            DigestSend send;
            send.subscription_id = sub->id;
            send.period = period;
            send.message_id = "<" + std::to_string(t) + "@paperboy.test>";
            send.created_at = std::string(kT0);
            auto claimed = store(t).claim_digest(send);
            return claimed.ok() && *claimed;
        });
        EXPECT_EQ(claims, 1) << period;

        const std::string token = "token-" + std::to_string(round);
        ASSERT_TRUE(store(0)
                        .add_mail_token(token, user->id, MailTokenPurpose::kResetPassword, kT0,
                                        "2030-01-01T00:00:00Z")
                        .ok());
        const int uses = race([&](int t) {
            auto used = store(t).use_mail_token(token, MailTokenPurpose::kResetPassword, kT1);
            return used.ok() && used->has_value() && **used == user->id;
        });
        EXPECT_EQ(uses, 1) << token;
    }
}

INSTANTIATE_TEST_SUITE_P(SharedBackends, MailRaces, ::testing::ValuesIn(contract::kSharedBackends),
                         contract::backend_name);

TEST(MailNames, RoundTrip) {
    for (Frequency f : {Frequency::kDaily, Frequency::kWeekly}) {
        EXPECT_EQ(parse_frequency(frequency_name(f)), f);
    }
    for (SubscriptionStatus s :
         {SubscriptionStatus::kPending, SubscriptionStatus::kConfirmed,
          SubscriptionStatus::kUnsubscribed, SubscriptionStatus::kSuspended}) {
        EXPECT_EQ(parse_subscription_status(subscription_status_name(s)), s);
    }
    EXPECT_EQ(frequency_name(Frequency::kWeekly), "weekly");
    EXPECT_EQ(subscription_status_name(SubscriptionStatus::kUnsubscribed), "unsubscribed");
    EXPECT_EQ(send_state_name(SendState::kClaimed), "claimed");
    EXPECT_EQ(send_state_name(SendState::kSent), "sent");
    EXPECT_EQ(send_state_name(SendState::kFailed), "failed");
    EXPECT_FALSE(parse_frequency("Daily").has_value());
    EXPECT_FALSE(parse_frequency("monthly").has_value());
    EXPECT_FALSE(parse_subscription_status("active").has_value());
}

}  // namespace
}  // namespace paperboy::store
