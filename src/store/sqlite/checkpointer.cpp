#include "store/sqlite/checkpointer.h"

namespace paperboy::store::sqlite {
namespace {

// WAL pages after which a background checkpoint starts (16 MiB at 16 KiB pages), and after
// which the writer checkpoints itself (64 MiB): the background thread normally keeps the WAL
// far below the second.
constexpr int kBackgroundPages = 1024;
constexpr int kWriterPages = 4 * kBackgroundPages;

}  // namespace

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(sqlite3* writer,
                                                          const std::string& path) {
    sqlite3* own = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        Error error(ErrorCode::kIo,
                    "opening a checkpoint connection to " + path + ": " +
                        (own != nullptr ? sqlite3_errmsg(own) : sqlite3_errstr(rc)));
        sqlite3_close_v2(own);
        return error;
    }
    sqlite3_busy_timeout(own, 5000);
    // The second connection must not checkpoint on its own commits (it makes none) nor differ
    // in durability from the writer.
    sqlite3_exec(own, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr);
    return std::unique_ptr<Checkpointer>(new Checkpointer(writer, own));
}

Checkpointer::Checkpointer(sqlite3* writer, sqlite3* own) : writer_(writer), own_(own) {
    thread_ = std::thread([this] { run(); });
    // Replaces SQLite's own automatic checkpoint, which is itself a WAL hook.
    sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
    sqlite3_close_v2(own_);
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
    auto* checkpointer = static_cast<Checkpointer*>(self);
    if (wal_pages >= kWriterPages) {
        // Backpressure. PASSIVE never waits for readers; it is SQLITE_BUSY when the background
        // checkpoint is running, which is progress as well.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (wal_pages >= kBackgroundPages) {
        {
            std::lock_guard lock(checkpointer->mu_);
            checkpointer->pending_ = true;
        }
        checkpointer->wake_.notify_one();
    }
    return SQLITE_OK;
}

void Checkpointer::run() {
    std::unique_lock lock(mu_);
    for (;;) {
        wake_.wait(lock, [this] { return pending_ || stop_; });
        if (stop_) return;
        pending_ = false;
        lock.unlock();
        // Failures (busy, I/O) are left for the next round or the writer's own checkpoint;
        // the data is safe in the WAL either way.
        sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        lock.lock();
    }
}

}  // namespace paperboy::store::sqlite
