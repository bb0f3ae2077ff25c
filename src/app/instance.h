// app/instance.h — the services of one instance over its store: what web/ and cli/ reach the
// store through. Neither includes a store/ header (scripts/check-layering.py), so every rule
// about who may do what is checked here, in app/, once for the site, the API and the CLI.
//
// An Instance is a reference to the store, cheap to copy; each service it makes is a small
// value over the same store. The store must outlive the Instance and its services. Whoever
// opened the store (cli/) hands it to the services that start with one (search, ingest,
// harvest, digests, the index's follower); the Instance itself never gives it out.
// Depends on store/ and the services it makes.
#pragma once

#include "app/account_mail.h"
#include "app/accounts.h"
#include "app/comments.h"
#include "app/curation.h"
#include "app/library.h"
#include "app/recommendations.h"
#include "app/subscriptions.h"
#include "app/votes.h"
#include "store/store.h"

namespace paperboy::app {

class Instance {
  public:
    explicit Instance(store::Store& store) : store_(&store) {}

    Library library() const { return Library(*store_); }
    Votes votes() const { return Votes(*store_); }
    Comments comments(CommentsOptions options = {}) const {
        return Comments(*store_, std::move(options));
    }
    Curation curation(CurationOptions options) const {
        return Curation(*store_, std::move(options));
    }
    Accounts accounts(AccountsOptions options = {}) const {
        return Accounts(*store_, std::move(options));
    }
    Subscriptions subscriptions(Mailer* mailer, SubscriptionsOptions options = {}) const {
        return Subscriptions(*store_, mailer, std::move(options));
    }
    AccountMail account_mail(Mailer* mailer, AccountMailOptions options) const {
        return AccountMail(*store_, mailer, std::move(options));
    }
    // `search` may be null (no vectors: trending for everyone).
    Recommendations recommendations(SearchService* search,
                                    RecommendationsOptions options = {}) const {
        return Recommendations(*store_, search, std::move(options));
    }

  private:
    store::Store* store_;
};

}  // namespace paperboy::app
