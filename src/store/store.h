// store/store.h — the system of record, and how to open one.
//
// The store is split by capability, one small interface each, so that a caller (an app/
// service) names only what it uses and a new capability adds an interface rather than growing
// one large one:
//   Catalog   papers, daily lists, organizations, the change feed    store/catalog.h
//   People    members, sessions, API and mail tokens                 store/people.h
//   Votes     members' upvotes                                      store/votes.h
//   Comments  members' comments                                     store/comments.h
//   Mail      subscriptions, the send log, papers received           store/mail.h
//   Settings  instance secrets                                      store/settings.h
//   Coordination  leases, shared counters, waiting for the feed     store/coordination.h
//   Vectors   embedding models and papers' vectors                  store/vectors.h
// A backend implements all of them as one Store: store/sqlite/ over one SQLite file (the
// embedded default), store/postgres/ over PostgreSQL. Only those backend folders include a
// database driver header, and a backend only runs statements: the decisions (merging, hashing,
// suspending) are made once for every backend (store/rules.h). Callers open a store with
// open_store().
//
// Thread-safety: a Store may be called from several threads; implementations serialise what
// their driver requires.
// Depends on core/.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "store/catalog.h"
#include "store/comments.h"
#include "store/coordination.h"
#include "store/mail.h"
#include "store/people.h"
#include "store/settings.h"
#include "store/vectors.h"
#include "store/votes.h"

namespace paperboy::store {

class Store : public Catalog,
              public People,
              public Votes,
              public Comments,
              public Mail,
              public Settings,
              public Coordination,
              public Vectors {
  public:
    ~Store() override = default;

    // Catalog::paper_cards() by the other interfaces: get_papers(), entries_for_papers(),
    // comment_counts() and paper_votes(). Backends may do it in one consistent read.
    Result<std::vector<std::optional<PaperCard>>> paper_cards(
        const std::vector<PaperId>& ids) override;
};

struct OpenOptions {
    bool create_if_missing = true;
    bool read_only = false;
    int pool_size = 4;              // PostgreSQL: connections kept open (at least 1)
    int connect_timeout_ms = 2000;  // PostgreSQL: per connection attempt (whole seconds, >= 2 s)
};

// Opens a store by URL: "sqlite:PATH", a plain PATH (SQLite), "sqlite::memory:" (a private
// in-memory database, for tests), or "postgresql://user@host:port/db?..." / "postgres://..."
// (PostgreSQL; the URL goes to libpq as it is, so libpq's parameters and environment apply).
// A database written by a newer Paperboy is refused with kVersionMismatch; an older one is
// upgraded in place. PostgreSQL: the database must exist (create_if_missing creates the schema,
// not the database); kUnavailable when the server cannot be reached.
Result<std::unique_ptr<Store>> open_store(std::string_view url, const OpenOptions& options = {});

}  // namespace paperboy::store
