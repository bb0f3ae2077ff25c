// store/sqlite/read_snapshot.h — one read transaction around a page of reads (internal to
// the SQLite store).
#pragma once

#include <sqlite3.h>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {

// Every statement outside a transaction starts and ends a read transaction of its own: a WAL
// snapshot, shared-memory locks, a commit. A page of reads shares one instead (and sees one
// state of the database). Nothing happens when a transaction is already open.
class SqliteStore::ReadSnapshot {
  public:
    explicit ReadSnapshot(SqliteStore& store) : store_(store) {
        if (sqlite3_get_autocommit(store_.db_) == 0) return;
        auto begin = store_.statement(Query::kBeginRead);
        open_ = begin.ok() && (*begin)->run().ok();
        if (begin.ok()) (*begin)->reset();
    }
    ~ReadSnapshot() {
        if (!open_) return;
        auto commit = store_.statement(Query::kCommit);
        if (commit.ok()) {
            (void)(*commit)->run();
            (*commit)->reset();
        }
        // A read transaction that would not end must not pin the snapshot for ever.
        if (sqlite3_get_autocommit(store_.db_) == 0)
            (void)exec(store_.db_, "ROLLBACK", "ending a read");
    }
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  private:
    SqliteStore& store_;
    bool open_ = false;
};

}  // namespace paperboy::store::sqlite
