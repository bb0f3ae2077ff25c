// app/curation.h — members put papers on today's list; curators take them off.
//
// submit(): a member submits an arXiv id to today's list (UTC). A paper the store does not have
// yet is fetched from the arXiv API (through the harvest client, politely) and stored. Rules, as
// on huggingface.co/papers: only papers first published at most `max_age_days` ago (14 by
// default), once per day per paper ("already on today's list"), at most
// `daily_limit_per_user` submissions a day per member. remove(): curators and admins take an
// entry off a day's list.
// Depends on core/, store/, ingest/harvest. Thread-safe as far as the store and fetcher are.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/paper.h"
#include "core/result.h"
#include "ingest/harvest/http_fetcher.h"
#include "ingest/harvest/politeness.h"
#include "store/store.h"

namespace paperboy::app {

struct CurationOptions {
    int max_age_days = 14;
    int daily_limit_per_user = 10;
    // Where unknown papers come from; null: only papers already in the store can be submitted.
    ingest::HttpFetcher* fetcher = nullptr;
    std::string arxiv_api_url;       // empty: the public arXiv API
    ingest::Clock* clock = nullptr;  // for the fetcher's waits; null: the real clock
    // A member waits for the answer: one retry, short waits.
    ingest::PolitenessOptions politeness = [] {
        ingest::PolitenessOptions p;
        p.service = "arXiv API";
        p.user_agent = "paperboy (a self-hosted Daily Papers instance)";
        p.max_retries = 1;
        p.initial_backoff = std::chrono::seconds(1);
        p.max_retry_after = std::chrono::seconds(5);
        return p;
    }();
    std::function<std::chrono::sys_seconds()> now = [] {
        return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    };
};

struct Submitted {
    DailyEntry entry;
    Paper paper;
    bool fetched = false;  // the paper came from arXiv just now
};

class Curation {
  public:
    Curation(store::Store& store, CurationOptions options);

    // Errors, each with a message for the member: kInvalidArgument (not an arXiv id, or too
    // old), kNotFound (arXiv has no such paper), kAlreadyExists (already on today's list),
    // kLimitExceeded (the day's submissions are used up), kUnavailable (arXiv unreachable).
    Result<Submitted> submit(const User& user, std::string_view arxiv_id);

    // Takes `paper` off the list of `date`. kInvalidArgument unless `user` is a curator or an
    // admin (the caller shows it as 403); kNotFound when the paper is not on that list.
    Status remove(const User& user, std::string_view date, const PaperId& paper);

    // Creates or replaces an organization (admins only; kInvalidArgument otherwise).
    Status put_organization(const User& user, const Organization& organization);

    // Sets the organization of `paper` to the one called `name` ("" removes it) and returns the
    // name as stored (its spelling). Admins only (kInvalidArgument otherwise); kNotFound for an
    // unknown organization or an unknown or hidden paper.
    Result<std::string> assign_organization(const User& user, const PaperId& paper,
                                            std::string_view name);

  private:
    Result<Paper> fetch(const PaperId& id);

    store::Store& store_;
    CurationOptions options_;
};

}  // namespace paperboy::app
