// app/digest_job.h — one run of the daily or weekly digest: for every confirmed subscription,
// the top trending papers of the period (only those matching its topic, by its words or by
// meaning; for a "For you" subscription the member's recommendations instead; never one the
// address already received), composed and sent, each digest exactly once (docs/mail.md).
//
// Exactly once, across crashes: a digest is claimed in the store's send log (subscription,
// period) with its Message-ID and papers before the first byte goes to the relay, and marked
// sent when the relay accepts it. A re-run skips what is sent or failed and sends a claimed
// digest again — the same message, same Message-ID — because the crash may have come before
// the relay took it. What no SMTP client can close is the instant between the relay's "250 OK"
// and the store's commit; there a re-run repeats the message with the same Message-ID, which
// receiving systems use to drop the copy.
//
// Retries: a transient failure (4xx, refused connection, timeout) is retried with backoff by
// the Mailer; still failing, the digest stays claimed for the next run. A permanent one (5xx)
// is recorded; after three in a row the subscription is suspended. A refusal of the client
// itself (bad credentials, untrusted TLS) ends the run at once and suspends nobody.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "app/library.h"
#include "app/mailer.h"
#include "app/recommendations.h"
#include "app/search_service.h"
#include "app/subscriptions.h"
#include "core/result.h"
#include "store/store.h"

namespace paperboy::app {

struct DigestOptions {
    size_t max_papers = 10;  // per digest
    bool weekends = false;   // daily digests for Saturday and Sunday lists too
    rank::TrendingParams trending;
    int suspend_after = 3;         // permanent failures in a row
    int stop_after_transient = 3;  // transient failures in a row that end the run
    size_t batch = 500;            // subscriptions read per store query
    // Topic alerts by meaning: when the search service has vectors, a topic matches the period's
    // papers that have all of its words and also those whose vector's cosine with the topic's
    // (embedded as a query, under the topic's filters) is at least this. 0.55 was chosen on
    // SciFact with the static model (docs/ranking.md, "Topic alerts by meaning"); above 1 turns
    // it off.
    double semantic_threshold = 0.55;
    // "For you" digests (kForYouTopic): the member's recommendations among the papers published
    // in this many days before the run (app/recommendations.h).
    int for_you_days = 14;
    // Called after each subscription with the counts so far (progress output).
    std::function<void(const struct DigestReport&)> progress;
    // Asked before each subscription; true ends the run there (report.stopped says so). The
    // rest goes out with the next run of the period.
    std::function<bool()> should_stop;
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
};

struct DigestReport {
    std::string period;  // "daily:2024-10-25", "weekly:2024-W43"
    bool skipped_weekend = false;
    size_t candidates = 0;        // papers of the period
    size_t subscriptions = 0;     // confirmed subscriptions looked at
    size_t sent = 0;              // accepted by the relay in this run
    size_t resent = 0;            //   of which claimed by an interrupted run before
    size_t already_done = 0;      // sent or failed by an earlier run
    size_t nothing_to_send = 0;   // no paper left for it: no mail
    size_t transient = 0;         // still failing after retries: left claimed for the next run
    size_t permanent = 0;         // refused for good in this run
    size_t suspended = 0;         //   of which reached the limit and were suspended
    size_t topic_errors = 0;      // topic subscriptions skipped because search was unavailable
    size_t semantic_matches = 0;  // papers topics matched by meaning only (summed over topics)
    size_t semantic_errors = 0;   // topics matched by words only: the model failed
    size_t for_you = 0;           // "For you" digests made from upvotes (not trending)
    // The run stopped after this many transient failures in a row (the relay looks down); the
    // digests not yet sent go out with the next run. "" when the run went through.
    std::string stopped;
    double seconds = 0;
};

class DigestJob {
  public:
    // `search` may be null: topic subscriptions are then skipped (counted in topic_errors).
    DigestJob(store::Store& store, SearchService* search, Subscriptions& subscriptions,
              Mailer& mailer, DigestOptions options = {});

    // The period of `frequency` that holds `day` ("YYYY-MM-DD"): "daily:<day>" or
    // "weekly:<ISO week>". kInvalidArgument for a bad day.
    static Result<std::string> period_of(Frequency frequency, std::string_view day);

    // Sends the digests of the period holding `day`. With `dry_run` nothing is claimed or sent:
    // what would be sent is written to `dry_run_out`, one block per subscription.
    Result<DigestReport> run(Frequency frequency, std::string_view day, bool dry_run = false,
                             std::ostream* dry_run_out = nullptr);

  private:
    store::Store& store_;
    SearchService* search_;
    Subscriptions& subscriptions_;
    Mailer& mailer_;
    DigestOptions options_;
    Library library_;
};

// Where the scheduler of `paperboy serve` remembers the day it last ran the digests of a
// frequency (a store cursor, so that every node and every restart agrees).
inline constexpr std::string_view kLastDailyRunCursor = "digest.daily.last_run";
inline constexpr std::string_view kLastWeeklyRunCursor = "digest.weekly.last_run";
// The store lease (app/job_lease.h) every digest sender of the instance holds while it sends:
// two senders at once would each take the other's fresh claims in the send log for ones left
// by a crash, and send them again.
inline constexpr std::string_view kDigestLease = "digest";

// The day the digests of `frequency` last ran to the end; nullopt when never.
Result<std::optional<std::string>> last_digest_run(store::Catalog& store, Frequency frequency);
// Records that the digests of `frequency` ran to the end on `day`.
Status record_digest_run(store::Catalog& store, Frequency frequency, std::string_view day);

// Where the digests of one period stand (`paperboy digest status`), or, with no period, how
// many confirmed subscriptions a run would go through (`paperboy digest send`'s estimate).
struct DigestProgress {
    size_t confirmed = 0;
    size_t with_topic = 0;  // of the confirmed ones ("For you" ones too: both need search)
    size_t sent = 0;
    size_t failed = 0;   // refused for good
    size_t claimed = 0;  // claimed, outcome unknown: the next run sends them
};
Result<DigestProgress> digest_progress(store::Mail& store, Frequency frequency,
                                       std::string_view period = {});

}  // namespace paperboy::app
