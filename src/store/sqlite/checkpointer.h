// store/sqlite/checkpointer.h — background WAL checkpoints for a SqliteStore file.
//
// In WAL mode a commit appends pages to the -wal file; a checkpoint copies them into the
// database and fsyncs it. SQLite's automatic checkpoint runs inside the commit that crosses the
// threshold, stalling the writer on disk. The Checkpointer does that work on its own thread and
// connection instead, so that the fsyncs overlap the writer's next batch. The writer still
// checkpoints itself when the WAL grows past a hard limit (the background one cannot keep up
// or is starved), which bounds the -wal file. Thread-safe; owned by SqliteStore.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"

namespace paperboy::store::sqlite {

class Checkpointer {
  public:
    // Opens a second connection to the database at `path` and installs a WAL hook on `writer`
    // (the store's connection) that wakes the thread after commits. `writer` must outlive
    // the Checkpointer.
    static Result<std::unique_ptr<Checkpointer>> start(sqlite3* writer, const std::string& path);

    // Removes the hook, stops and joins the thread, closes the second connection.
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

  private:
    Checkpointer(sqlite3* writer, sqlite3* own);
    static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
    void run();

    sqlite3* writer_;
    sqlite3* own_;
    std::mutex mu_;
    std::condition_variable wake_;
    bool pending_ = false;  // guarded by mu_
    bool stop_ = false;     // guarded by mu_
    std::thread thread_;
};

}  // namespace paperboy::store::sqlite
