// app::Subscriptions, app::DigestJob and app::AccountMail over a real (in-memory) SQLite store
// and a recording Mailer: double opt-in, signed links, what a digest holds, the send log across
// interrupted runs, failures and suspension, and account mail. The same paths over a real SMTP
// server and a real HTTP server are in tests/integration/.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "app/account_mail.h"
#include "app/auth/crypto.h"
#include "app/digest_job.h"
#include "app/subscriptions.h"
#include "core/timestamp.h"

namespace paperboy::app {
namespace {

using Kind = mail::SendOutcome::Kind;

class RecordingMailer : public Mailer {
  public:
    mail::RetriedOutcome send(const mail::Message& message) override {
        mail::SendOutcome outcome;
        if (answer) outcome = answer(message);
        if (outcome.accepted()) sent.push_back(message);
        ++attempts;
        return {outcome, 1};
    }

    std::vector<mail::Message> sent;
    int attempts = 0;
    std::function<mail::SendOutcome(const mail::Message&)> answer;
};

// The first http(s) link of a text.
std::string first_link(const std::string& text) {
    const size_t at = text.find("http");
    if (at == std::string::npos) return {};
    const size_t end = text.find_first_of(" \n\r\t>", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string token_of(const std::string& url, const std::string& prefix) {
    const size_t at = url.find(prefix);
    return at == std::string::npos ? "" : url.substr(at + prefix.size());
}

std::string header(const mail::Message& m, const std::string& name) {
    for (const auto& [k, v] : m.headers) {
        if (k == name) return v;
    }
    return {};
}

class MailServicesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::move(store::open_store("sqlite::memory:")).value();
        // Thursday 24, Friday 25 and Saturday 26 October 2024.
        add_paper("2410.00001", "Graph networks for molecules", "We study graph networks.",
                  "2024-10-24", 30);
        add_paper("2410.00002", "Diffusion for images \xE2\x80\x94 revisited", "A diffusion model.",
                  "2024-10-24", 5);
        add_paper("2410.00003", "Scaling laws of language models", "Language models scale.",
                  "2024-10-25", 50);
        add_paper("2410.00004", "Graph transformers", "Attention on graph structure.", "2024-10-25",
                  10);
        add_entry("2410.00001", "2024-10-25", 31);  // listed again on Friday
        add_paper("2410.00005", "A Saturday paper", "Weekend work.", "2024-10-26", 3);
    }

    void add_paper(const std::string& id, const std::string& title, const std::string& abstract,
                   const std::string& day, int upvotes) {
        Paper p;
        p.id = *PaperId::parse(id);
        p.title = title;
        p.abstract = abstract;
        p.abstract_raw = abstract;
        p.published = day + "T00:00:00Z";
        p.authors = {Author{.name = "Ada Lovelace"}, Author{.name = "Émile Borel"},
                     Author{.name = "Grace Hopper"}, Author{.name = "Alan Turing"}};
        store::WriteBatch batch;
        batch.put_paper(p);
        ASSERT_TRUE(store_->write(batch).ok());
        add_entry(id, day, upvotes);
    }

    void add_entry(const std::string& id, const std::string& day, int upvotes) {
        DailyEntry e;
        e.date = day;
        e.paper_id = *PaperId::parse(id);
        e.submitted_by = "akhaliq";
        e.submitted_at = day + "T08:00:00Z";
        e.upvotes = upvotes;
        store::WriteBatch batch;
        batch.put_daily_entry(e);
        ASSERT_TRUE(store_->write(batch).ok());
    }

    MailIdentity identity() const {
        MailIdentity id;
        id.public_url = "https://papers.example.org/";
        id.site_name = "Paperboy";
        id.from = mail::Mailbox{"Paperboy", "digest@papers.example.org"};
        return id;
    }

    Subscriptions& subscriptions(Mailer* mailer) {
        SubscriptionsOptions options;
        options.identity = identity();
        options.now = [this] { return now_; };
        subscriptions_ = std::make_unique<Subscriptions>(*store_, mailer, options);
        return *subscriptions_;
    }

    // A confirmed subscription through the real double opt-in.
    Subscription confirmed(const std::string& email, const std::string& frequency = "daily",
                           const std::string& topic = "") {
        RecordingMailer mailer;
        Subscriptions& subs = subscriptions(&mailer);
        EXPECT_EQ(*subs.subscribe(email, frequency, topic, 0, ""),
                  SubscribeOutcome::kConfirmationSent);
        const std::string url = first_link(mailer.sent.at(0).text);
        auto done = subs.confirm(token_of(url, "/subscriptions/confirm/"));
        EXPECT_TRUE(done.ok()) << done.error().message();
        return *done;
    }

    DigestReport run(Mailer& mailer, Frequency frequency, const std::string& day,
                     DigestOptions options = {}, SearchService* search = nullptr) {
        Subscriptions& subs = subscriptions(nullptr);
        options.now = [this] { return now_; };
        DigestJob job(*store_, search, subs, mailer, options);
        auto report = job.run(frequency, day);
        EXPECT_TRUE(report.ok()) << report.error().message();
        return report.ok() ? *report : DigestReport{};
    }

    std::chrono::system_clock::time_point now_ =
        std::chrono::sys_seconds{*parse_instant("2024-10-26T07:00:00Z")};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Subscriptions> subscriptions_;
};

// --- Subscriptions ---

TEST_F(MailServicesTest, SubscribingSendsOneConfirmationWhoseFirstLinkConfirms) {
    RecordingMailer mailer;
    Subscriptions& subs = subscriptions(&mailer);
    auto outcome = subs.subscribe("  Ada@Example.ORG ", "daily", "", 0, "10.0.0.1");
    ASSERT_TRUE(outcome.ok()) << outcome.error().message();
    EXPECT_EQ(*outcome, SubscribeOutcome::kConfirmationSent);
    ASSERT_EQ(mailer.sent.size(), 1u);
    const mail::Message& m = mailer.sent[0];
    EXPECT_EQ(m.to.address, "ada@example.org");
    EXPECT_EQ(m.subject.rfind("Confirm", 0), 0u) << m.subject;
    const std::string url = first_link(m.text);
    EXPECT_EQ(url.rfind("https://papers.example.org/subscriptions/confirm/c.", 0), 0u) << url;
    const std::string token = token_of(url, "/subscriptions/confirm/");

    // Looking at the link does not confirm; confirming works once.
    auto looked = subs.check_confirmation(token);
    ASSERT_TRUE(looked.ok()) << looked.error().message();
    EXPECT_EQ(looked->status, SubscriptionStatus::kPending);
    auto done = subs.confirm(token);
    ASSERT_TRUE(done.ok()) << done.error().message();
    EXPECT_EQ(done->status, SubscriptionStatus::kConfirmed);
    EXPECT_EQ(subs.confirm(token).error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(subs.check_confirmation(token).error().code(), ErrorCode::kNotFound);

    // Already confirmed: nothing more is sent.
    EXPECT_EQ(*subs.subscribe("ada@example.org", "daily", "", 0, ""),
              SubscribeOutcome::kAlreadyConfirmed);
    EXPECT_EQ(mailer.sent.size(), 1u);
}

TEST_F(MailServicesTest, AtMostOneConfirmationAnHourAndTheNewestLinkWins) {
    RecordingMailer mailer;
    Subscriptions& subs = subscriptions(&mailer);
    ASSERT_EQ(*subs.subscribe("bob@example.org", "weekly", "", 0, ""),
              SubscribeOutcome::kConfirmationSent);
    now_ += std::chrono::minutes(59);
    EXPECT_EQ(*subs.subscribe("bob@example.org", "weekly", "", 0, ""),
              SubscribeOutcome::kConfirmationRecent);
    EXPECT_EQ(mailer.sent.size(), 1u);
    now_ += std::chrono::minutes(2);
    EXPECT_EQ(*subs.subscribe("bob@example.org", "weekly", "", 0, ""),
              SubscribeOutcome::kConfirmationSent);
    ASSERT_EQ(mailer.sent.size(), 2u);
    const std::string old_token =
        token_of(first_link(mailer.sent[0].text), "/subscriptions/confirm/");
    const std::string new_token =
        token_of(first_link(mailer.sent[1].text), "/subscriptions/confirm/");
    EXPECT_FALSE(subs.confirm(old_token).ok());
    EXPECT_TRUE(subs.confirm(new_token).ok());
}

TEST_F(MailServicesTest, ConfirmationLinksExpireAndCannotBeForged) {
    RecordingMailer mailer;
    Subscriptions& subs = subscriptions(&mailer);
    ASSERT_TRUE(subs.subscribe("eve@example.org", "daily", "", 0, "").ok());
    const std::string token = token_of(first_link(mailer.sent[0].text), "/subscriptions/confirm/");
    auto parsed = parse_link_token(token);
    ASSERT_TRUE(parsed);
    // Another id with the same signature, a changed signature, junk.
    std::string other_id =
        "c." + std::to_string(parsed->id + 1) + "." + parsed->nonce + "." + parsed->mac;
    std::string bad_mac = token;
    bad_mac.back() = bad_mac.back() == 'A' ? 'B' : 'A';
    for (const std::string& t : {other_id, bad_mac, std::string("c.1.x.y"), std::string(""),
                                 std::string("u.1.abc"), std::string(5000, 'c')}) {
        EXPECT_EQ(subs.check_confirmation(t).error().code(), ErrorCode::kNotFound) << t;
    }
    now_ += std::chrono::hours(24 * 7 + 1);
    EXPECT_EQ(subs.confirm(token).error().code(), ErrorCode::kNotFound);
}

TEST_F(MailServicesTest, BadRequestsAreRefusedWithReasons) {
    RecordingMailer mailer;
    Subscriptions& subs = subscriptions(&mailer);
    for (const std::string& email :
         {std::string("not-an-address"), std::string("a@b.com\r\nBcc: x@y.com"),
          std::string(10000, 'a') + "@example.org", std::string("")}) {
        auto r = subs.subscribe(email, "daily", "", 0, "");
        ASSERT_FALSE(r.ok()) << email;
        EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
    EXPECT_EQ(subs.subscribe("a@example.org", "hourly", "", 0, "").error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(subs.subscribe("a@example.org", "daily", std::string(201, 'x'), 0, "").error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(subs.subscribe("a@example.org", "daily", "llm\x01", 0, "").error().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_TRUE(mailer.sent.empty());

    // Per client address: ten an hour.
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(
            subs.subscribe("u" + std::to_string(i) + "@example.org", "daily", "", 0, "192.0.2.7")
                .ok());
    }
    EXPECT_EQ(subs.subscribe("u10@example.org", "daily", "", 0, "192.0.2.7").error().code(),
              ErrorCode::kLimitExceeded);
    EXPECT_TRUE(subs.subscribe("u10@example.org", "daily", "", 0, "192.0.2.8").ok());
}

TEST_F(MailServicesTest, WithoutAMailerOrWhenTheRelayFailsNothingIsRecordedAsSent) {
    Subscriptions& none = subscriptions(nullptr);
    EXPECT_EQ(none.subscribe("a@example.org", "daily", "", 0, "").error().code(),
              ErrorCode::kUnavailable);

    RecordingMailer mailer;
    mailer.answer = [](const mail::Message&) {
        return mail::SendOutcome{Kind::kTransient, 421, "421 try later"};
    };
    Subscriptions& subs = subscriptions(&mailer);
    EXPECT_EQ(subs.subscribe("a@example.org", "daily", "", 0, "").error().code(),
              ErrorCode::kUnavailable);
    mailer.answer = nullptr;
    // The failed attempt does not count against the hourly limit.
    EXPECT_EQ(*subs.subscribe("a@example.org", "daily", "", 0, ""),
              SubscribeOutcome::kConfirmationSent);
}

TEST_F(MailServicesTest, UnsubscribeLinksWorkWithoutLoggingInAndResubscribingStartsOver) {
    const Subscription sub = confirmed("carol@example.org");
    RecordingMailer mailer;
    Subscriptions& subs = subscriptions(&mailer);
    const std::string token = subs.unsubscribe_token(sub.id);
    EXPECT_EQ(subs.unsubscribe_url(sub.id), "https://papers.example.org/unsubscribe/" + token);
    EXPECT_EQ(subs.check_unsubscribe(token)->status, SubscriptionStatus::kConfirmed);
    EXPECT_EQ(subs.unsubscribe(token)->status, SubscriptionStatus::kUnsubscribed);
    EXPECT_EQ(subs.unsubscribe(token)->status, SubscriptionStatus::kUnsubscribed);
    std::string forged = token;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(subs.unsubscribe(forged).error().code(), ErrorCode::kNotFound);

    EXPECT_EQ(*subs.subscribe("carol@example.org", "daily", "", 0, ""),
              SubscribeOutcome::kConfirmationSent);
    EXPECT_EQ((*store_->subscription(sub.id))->status, SubscriptionStatus::kPending);
}

TEST_F(MailServicesTest, TheOperatorUnsubscribesOrResumesAWholeAddress) {
    const Subscription daily = confirmed("dora@example.org");
    const Subscription weekly = confirmed("dora@example.org", "weekly");
    const Subscription other = confirmed("eve@example.org");
    ASSERT_TRUE(store_
                    ->set_subscription_status(weekly.id, SubscriptionStatus::kSuspended,
                                              "2024-10-26T07:00:00Z")
                    .ok());
    Subscriptions& subs = subscriptions(nullptr);

    // Only suspended ones resume: the confirmed daily one is left as it is.
    auto resumed = subs.resume_address("dora@example.org");
    ASSERT_TRUE(resumed.ok()) << resumed.error().message();
    ASSERT_EQ(resumed->size(), 1u);
    EXPECT_EQ(resumed->at(0).id, weekly.id);
    EXPECT_EQ((*store_->subscription(weekly.id))->status, SubscriptionStatus::kConfirmed);
    EXPECT_TRUE(subs.resume_address("dora@example.org")->empty());

    auto left = subs.unsubscribe_address("dora@example.org");
    ASSERT_TRUE(left.ok()) << left.error().message();
    EXPECT_EQ(left->size(), 2u);
    for (int64_t id : {daily.id, weekly.id}) {
        EXPECT_EQ((*store_->subscription(id))->status, SubscriptionStatus::kUnsubscribed);
    }
    EXPECT_EQ((*store_->subscription(other.id))->status, SubscriptionStatus::kConfirmed);
    EXPECT_TRUE(subs.unsubscribe_address("dora@example.org")->empty());
    // An unsubscribed address is not the operator's to restart.
    EXPECT_TRUE(subs.resume_address("dora@example.org")->empty());
}

// --- Digests ---

TEST_F(MailServicesTest, ADailyDigestGoesOnceToConfirmedSubscribersOnly) {
    const Subscription ada = confirmed("ada@example.org");
    RecordingMailer confirmations;
    ASSERT_TRUE(
        subscriptions(&confirmations).subscribe("pending@example.org", "daily", "", 0, "").ok());

    RecordingMailer mailer;
    DigestReport report = run(mailer, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(report.period, "daily:2024-10-25");
    EXPECT_EQ(report.subscriptions, 1u);
    EXPECT_EQ(report.sent, 1u);
    ASSERT_EQ(mailer.sent.size(), 1u);
    const mail::Message& m = mailer.sent[0];
    EXPECT_EQ(m.to.address, "ada@example.org");
    // Friday's list by trending: 50, 31 and 10 upvotes, all submitted at the same time.
    const size_t a = m.text.find("Scaling laws of language models");
    const size_t b = m.text.find("Graph networks for molecules");
    const size_t c = m.text.find("Graph transformers");
    ASSERT_NE(a, std::string::npos);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(c, std::string::npos);
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_EQ(m.text.find("Diffusion"), std::string::npos);  // Thursday only
    EXPECT_NE(m.text.find("https://papers.example.org/papers/2410.00003"), std::string::npos);
    EXPECT_NE(m.text.find("Ada Lovelace, \xC3\x89mile Borel, Grace Hopper and 1 more"),
              std::string::npos);
    EXPECT_NE(m.html.find("https://papers.example.org/papers/2410.00003"), std::string::npos);
    EXPECT_EQ(m.subject, "[Paperboy] Scaling laws of language models (+2 more)");
    EXPECT_EQ(header(m, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    const std::string unsubscribe = header(m, "List-Unsubscribe");
    EXPECT_NE(unsubscribe.find("<https://papers.example.org/unsubscribe/u." +
                               std::to_string(ada.id) + "."),
              std::string::npos);
    EXPECT_NE(unsubscribe.find("<mailto:digest@papers.example.org?subject=unsubscribe"),
              std::string::npos);
    EXPECT_EQ(header(m, "List-Id"), "Paperboy daily digest <daily.papers.example.org>");
    EXPECT_EQ(m.message_id.rfind("<digest.", 0), 0u);
    EXPECT_NE(m.message_id.find("@papers.example.org>"), std::string::npos);

    // The same period again: nothing.
    RecordingMailer again;
    report = run(again, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(report.already_done, 1u);
    EXPECT_TRUE(again.sent.empty());
}

TEST_F(MailServicesTest, NoPaperIsSentTwiceAndAnEmptyPeriodSendsNothing) {
    confirmed("ada@example.org");
    confirmed("ada@example.org", "weekly");
    RecordingMailer mailer;
    run(mailer, Frequency::kDaily, "2024-10-24");  // Thursday: papers 1 and 2
    ASSERT_EQ(mailer.sent.size(), 1u);
    run(mailer, Frequency::kDaily, "2024-10-25");  // Friday: 3, 4 (1 again: not sent)
    ASSERT_EQ(mailer.sent.size(), 2u);
    EXPECT_EQ(mailer.sent[1].text.find("Graph networks for molecules"), std::string::npos);
    EXPECT_NE(mailer.sent[1].text.find("Graph transformers"), std::string::npos);
    // The week's digest has only the Saturday paper left for this address.
    DigestReport weekly = run(mailer, Frequency::kWeekly, "2024-10-27");
    EXPECT_EQ(weekly.period, "weekly:2024-W43");
    ASSERT_EQ(mailer.sent.size(), 3u);
    EXPECT_NE(mailer.sent[2].text.find("A Saturday paper"), std::string::npos);
    EXPECT_EQ(mailer.sent[2].text.find("Graph transformers"), std::string::npos);
    // A day without a list.
    DigestReport empty = run(mailer, Frequency::kDaily, "2024-10-28");
    EXPECT_EQ(empty.nothing_to_send, 1u);
    EXPECT_EQ(mailer.sent.size(), 3u);
}

TEST_F(MailServicesTest, DailyDigestsSkipWeekendsUnlessAsked) {
    confirmed("ada@example.org");
    RecordingMailer mailer;
    DigestReport saturday = run(mailer, Frequency::kDaily, "2024-10-26");
    EXPECT_TRUE(saturday.skipped_weekend);
    EXPECT_TRUE(mailer.sent.empty());
    DigestOptions options;
    options.weekends = true;
    saturday = run(mailer, Frequency::kDaily, "2024-10-26", options);
    EXPECT_FALSE(saturday.skipped_weekend);
    EXPECT_EQ(mailer.sent.size(), 1u);
}

TEST_F(MailServicesTest, ATopicTurnsTheDigestIntoAnAlert) {
    confirmed("graphs@example.org", "daily", "graph");
    confirmed("nothing@example.org", "daily", "quantum chromodynamics");
    auto search = SearchService::open(*store_);
    ASSERT_TRUE(search.ok()) << search.error().message();
    RecordingMailer mailer;
    DigestReport report = run(mailer, Frequency::kDaily, "2024-10-25", {}, search->get());
    EXPECT_EQ(report.sent, 1u);
    EXPECT_EQ(report.nothing_to_send, 1u);
    ASSERT_EQ(mailer.sent.size(), 1u);
    EXPECT_EQ(mailer.sent[0].to.address, "graphs@example.org");
    EXPECT_EQ(mailer.sent[0].text.find("Scaling laws"), std::string::npos);
    EXPECT_NE(mailer.sent[0].text.find("Graph transformers"), std::string::npos);
    EXPECT_EQ(mailer.sent[0].subject.rfind("[Paperboy] \xE2\x80\x9Cgraph\xE2\x80\x9D: ", 0), 0u)
        << mailer.sent[0].subject;

    // Without the search index, topic subscriptions are skipped and counted.
    RecordingMailer later;
    DigestReport blind = run(later, Frequency::kDaily, "2024-10-24");
    EXPECT_EQ(blind.topic_errors, 2u);
    EXPECT_TRUE(later.sent.empty());
}

TEST_F(MailServicesTest, AnInterruptedDigestIsSentAgainAsTheSameMessage) {
    const Subscription ada = confirmed("ada@example.org");
    RecordingMailer failing;
    failing.answer = [](const mail::Message&) {
        return mail::SendOutcome{Kind::kTransient, 0, "connection refused"};
    };
    DigestReport first = run(failing, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(first.transient, 1u);
    auto claim = store_->digest_send(ada.id, "daily:2024-10-25");
    ASSERT_TRUE(claim.ok() && *claim);
    EXPECT_EQ((*claim)->state, SendState::kClaimed);

    RecordingMailer mailer;
    DigestReport second = run(mailer, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(second.sent, 1u);
    EXPECT_EQ(second.resent, 1u);
    ASSERT_EQ(mailer.sent.size(), 1u);
    EXPECT_EQ(mailer.sent[0].message_id, (*claim)->message_id);
    EXPECT_EQ((*store_->digest_send(ada.id, "daily:2024-10-25"))->state, SendState::kSent);
}

TEST_F(MailServicesTest, ARelayThatKeepsFailingEndsTheRun) {
    for (int i = 0; i < 5; ++i) confirmed("s" + std::to_string(i) + "@example.org");
    RecordingMailer failing;
    failing.answer = [](const mail::Message&) {
        return mail::SendOutcome{Kind::kTransient, 0, "connection refused"};
    };
    DigestReport report = run(failing, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(report.transient, 3u);
    EXPECT_FALSE(report.stopped.empty());
    EXPECT_EQ(failing.attempts, 3);
    RecordingMailer mailer;
    report = run(mailer, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(report.sent, 5u);
    EXPECT_EQ(report.resent, 3u);
}

TEST_F(MailServicesTest, ARunAskedToStopEndsBeforeTheNextSubscription) {
    for (int i = 0; i < 4; ++i) confirmed("s" + std::to_string(i) + "@example.org");
    RecordingMailer mailer;
    DigestOptions options;
    options.should_stop = [&mailer] { return mailer.sent.size() == 2; };
    DigestReport report = run(mailer, Frequency::kDaily, "2024-10-25", options);
    EXPECT_EQ(report.sent, 2u);
    EXPECT_NE(report.stopped.find("stopped on request"), std::string::npos) << report.stopped;
    DigestReport rest = run(mailer, Frequency::kDaily, "2024-10-25");
    EXPECT_EQ(rest.sent, 2u);
    EXPECT_EQ(rest.already_done, 2u);
    EXPECT_EQ(rest.resent, 0u);
}

TEST_F(MailServicesTest, ARelayRefusingTheClientStopsTheRunAndSuspendsNobody) {
    for (int i = 0; i < 3; ++i) confirmed("s" + std::to_string(i) + "@example.org");
    RecordingMailer refusing;
    refusing.answer = [](const mail::Message&) {
        mail::SendOutcome out{Kind::kPermanent, 535, "535 5.7.8 authentication failed"};
        out.refused_client = true;
        return out;
    };
    DigestOptions options;
    options.weekends = true;
    for (const char* day : {"2024-10-24", "2024-10-25", "2024-10-26"}) {
        DigestReport report = run(refusing, Frequency::kDaily, day, options);
        EXPECT_EQ(report.permanent, 0u);
        EXPECT_EQ(report.transient, 1u);
        EXPECT_NE(report.stopped.find("refused this client"), std::string::npos) << report.stopped;
    }
    EXPECT_EQ(refusing.attempts, 3);
    auto subs = store_->confirmed_subscriptions(Frequency::kDaily, 0, 10);
    EXPECT_EQ(subs->size(), 3u);  // none suspended
    RecordingMailer mailer;
    EXPECT_EQ(run(mailer, Frequency::kDaily, "2024-10-25").sent, 3u);
}

TEST_F(MailServicesTest, ThreePermanentFailuresSuspendASubscription) {
    const Subscription bad = confirmed("gone@example.org");
    RecordingMailer refusing;
    refusing.answer = [](const mail::Message&) {
        return mail::SendOutcome{Kind::kPermanent, 550, "550 no such user"};
    };
    DigestOptions options;
    options.weekends = true;
    EXPECT_EQ(run(refusing, Frequency::kDaily, "2024-10-24", options).permanent, 1u);
    EXPECT_EQ(run(refusing, Frequency::kDaily, "2024-10-25", options).permanent, 1u);
    DigestReport third = run(refusing, Frequency::kDaily, "2024-10-26", options);
    EXPECT_EQ(third.permanent, 1u);
    EXPECT_EQ(third.suspended, 1u);
    EXPECT_EQ((*store_->subscription(bad.id))->status, SubscriptionStatus::kSuspended);
    EXPECT_EQ((*store_->digest_send(bad.id, "daily:2024-10-24"))->state, SendState::kFailed);
}

TEST_F(MailServicesTest, ADryRunSendsAndRecordsNothing) {
    const Subscription ada = confirmed("ada@example.org");
    RecordingMailer mailer;
    Subscriptions& subs = subscriptions(nullptr);
    DigestJob job(*store_, nullptr, subs, mailer);
    std::ostringstream out;
    auto report = job.run(Frequency::kDaily, "2024-10-25", /*dry_run=*/true, &out);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->sent, 1u);
    EXPECT_TRUE(mailer.sent.empty());
    EXPECT_NE(out.str().find("would send to ada@example.org"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("2410.00003"), std::string::npos);
    EXPECT_FALSE(*store_->digest_send(ada.id, "daily:2024-10-25"));
}

// --- Account mail ---

class AccountMailTest : public MailServicesTest {
  protected:
    AccountMail account_mail(Mailer* mailer) {
        AccountMailOptions options;
        options.identity = identity();
        options.now = [this] { return now_; };
        return AccountMail(*store_, mailer, options);
    }

    User sign_up() {
        AccountsOptions options;
        options.now = [this] { return now_; };
        Accounts accounts(*store_, options);
        auto user = accounts.sign_up("ada", "Ada@Example.org", "correct horse battery");
        EXPECT_TRUE(user.ok());
        return *user;
    }
};

TEST_F(AccountMailTest, VerificationLinksWorkOnce) {
    const User user = sign_up();
    EXPECT_EQ(user.email_verified_at, "");
    RecordingMailer mailer;
    AccountMail mail = account_mail(&mailer);
    ASSERT_TRUE(mail.send_verification(user).ok());
    ASSERT_EQ(mailer.sent.size(), 1u);
    const std::string url = first_link(mailer.sent[0].text);
    ASSERT_EQ(url.rfind("https://papers.example.org/account/verify/", 0), 0u) << url;
    const std::string token = token_of(url, "/account/verify/");
    auto verified = mail.verify(token);
    ASSERT_TRUE(verified.ok()) << verified.error().message();
    EXPECT_NE(verified->email_verified_at, "");
    EXPECT_EQ(mail.verify(token).error().code(), ErrorCode::kNotFound);
    // Three an hour per account.
    EXPECT_TRUE(mail.send_verification(user).ok());
    EXPECT_TRUE(mail.send_verification(user).ok());
    EXPECT_EQ(mail.send_verification(user).error().code(), ErrorCode::kLimitExceeded);
}

TEST_F(AccountMailTest, APasswordResetSetsThePasswordEndsSessionsAndSaysNothingOfStrangers) {
    const User user = sign_up();
    AccountsOptions options;
    options.now = [this] { return now_; };
    Accounts accounts(*store_, options);
    auto session = accounts.log_in("ada", "correct horse battery", "10.0.0.1");
    ASSERT_TRUE(session.ok() && session->outcome == LogIn::Outcome::kOk);

    RecordingMailer mailer;
    AccountMail mail = account_mail(&mailer);
    EXPECT_TRUE(mail.request_password_reset("nobody@example.org", "10.0.0.1").ok());
    EXPECT_TRUE(mailer.sent.empty());
    EXPECT_TRUE(mail.request_password_reset("ADA@example.org", "10.0.0.1").ok());
    ASSERT_EQ(mailer.sent.size(), 1u);
    const std::string token = token_of(first_link(mailer.sent[0].text), "/account/reset/");
    ASSERT_FALSE(token.empty());

    // A refused password leaves the link usable.
    EXPECT_EQ(mail.reset_password(token, "short").error().code(), ErrorCode::kInvalidArgument);
    auto reset = mail.reset_password(token, "a much better passphrase");
    ASSERT_TRUE(reset.ok()) << reset.error().message();
    EXPECT_FALSE(*accounts.session_user(session->session_token));
    EXPECT_EQ(accounts.log_in("ada", "correct horse battery", "10.0.0.2")->outcome,
              LogIn::Outcome::kWrongCredentials);
    EXPECT_EQ(accounts.log_in("ada", "a much better passphrase", "10.0.0.2")->outcome,
              LogIn::Outcome::kOk);
    EXPECT_EQ(mail.reset_password(token, "yet another passphrase").error().code(),
              ErrorCode::kNotFound);

    // Links expire after an hour.
    EXPECT_TRUE(mail.request_password_reset("ada@example.org", "10.0.0.1").ok());
    const std::string late = token_of(first_link(mailer.sent.back().text), "/account/reset/");
    now_ += std::chrono::minutes(61);
    EXPECT_EQ(mail.reset_password(late, "yet another passphrase").error().code(),
              ErrorCode::kNotFound);

    // Per client address: ten requests an hour, whatever the address asked for.
    for (int i = 0; i < 10; ++i) (void)mail.request_password_reset("x@example.org", "10.9.9.9");
    EXPECT_EQ(mail.request_password_reset("x@example.org", "10.9.9.9").error().code(),
              ErrorCode::kLimitExceeded);
}

TEST_F(AccountMailTest, InTheBackgroundAResetMailStillGoesOutOnce) {
    sign_up();
    RecordingMailer mailer;
    {
        AccountMailOptions options;
        options.identity = identity();
        options.now = [this] { return now_; };
        options.background_sends = true;
        AccountMail mail(*store_, &mailer, options);
        EXPECT_TRUE(mail.request_password_reset("nobody@example.org", "10.0.0.1").ok());
        EXPECT_TRUE(mail.request_password_reset("ada@example.org", "10.0.0.1").ok());
    }  // the destructor sends what is still queued
    ASSERT_EQ(mailer.sent.size(), 1u);
    EXPECT_EQ(mailer.sent[0].to.address, "Ada@example.org");
    EXPECT_NE(first_link(mailer.sent[0].text).find("/account/reset/"), std::string::npos);
}

TEST_F(AccountMailTest, AfterASignUpANewAccountIsAskedToVerifyAndATakenAddressIsOwnerTold) {
    const User ada = sign_up();
    RecordingMailer mailer;
    {
        AccountMailOptions options;
        options.identity = identity();
        options.now = [this] { return now_; };
        options.background_sends = true;
        AccountMail mail(*store_, &mailer, options);
        AccountsOptions accounts_options;
        accounts_options.now = [this] { return now_; };
        Accounts accounts(*store_, accounts_options);
        auto taken = accounts.sign_up_quietly("eve", "ada@example.org", "another passphrase");
        auto fresh = accounts.sign_up_quietly("fay", "fay@example.org", "another passphrase");
        ASSERT_TRUE(taken.ok() && fresh.ok());
        ASSERT_EQ(taken->outcome, SignUp::Outcome::kEmailTaken);
        ASSERT_EQ(fresh->outcome, SignUp::Outcome::kCreated);
        EXPECT_TRUE(mail.send_sign_up_mail(*taken).ok());
        EXPECT_TRUE(mail.send_sign_up_mail(*fresh).ok());
    }  // the destructor sends what is still queued
    ASSERT_EQ(mailer.sent.size(), 2u);
    EXPECT_EQ(mailer.sent[0].to.address, ada.email);
    EXPECT_EQ(first_link(mailer.sent[0].text), "https://papers.example.org/login");
    EXPECT_NE(mailer.sent[0].text.find("Someone tried to sign up"), std::string::npos)
        << mailer.sent[0].text;
    EXPECT_EQ(mailer.sent[1].to.address, "fay@example.org");
    EXPECT_NE(first_link(mailer.sent[1].text).find("/account/verify/"), std::string::npos);
}

}  // namespace
}  // namespace paperboy::app
