#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <charconv>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "core/timestamp.h"
#include "store/migrations.h"
#include "store/rules.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/read_snapshot.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/statement.h"

namespace paperboy::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Papers handed to for_each_paper's callback per locked read.
constexpr int64_t kScanPageSize = 512;

constexpr std::string_view kPaperEntity = "paper";
constexpr std::string_view kEntryEntity = "daily_entry";
constexpr std::string_view kVectorEntity = "vector";

constexpr int kPaperColumnCount = queries::kPaperColumnCount;

// Stored hashes are unsigned 64-bit values kept in a signed INTEGER column; C++20 defines both
// conversions as modular, so they round-trip.
int64_t to_column(uint64_t hash) { return static_cast<int64_t>(hash); }
uint64_t from_column(int64_t value) { return static_cast<uint64_t>(value); }

void bind_paper_columns(Statement& s, int first, const Paper& p, const std::string& authors,
                        const std::string& categories) {
    int i = first;
    s.bind(i++, p.version);
    s.bind(i++, p.title);
    s.bind(i++, p.abstract_raw);
    s.bind(i++, p.abstract);
    s.bind(i++, authors);
    s.bind(i++, p.author_count);
    s.bind(i++, categories);
    s.bind(i++, p.published);
    s.bind(i++, p.updated);
    s.bind(i++, p.submitter);
    s.bind(i++, p.comments);
    s.bind(i++, p.journal_ref);
    s.bind(i++, p.doi);
    s.bind(i++, p.report_no);
    s.bind(i++, p.license);
    s.bind(i++, p.github_url);
    s.bind(i++, p.project_url);
    s.bind(i++, p.organization);
}

Result<Paper> read_paper_columns(const Statement& s, int first, PaperId id,
                                 AuthorsJsonReader& reader) {
    Paper p;
    p.id = std::move(id);
    int i = first;
    p.version = s.column_int(i++);
    p.title = s.column_string(i++);
    p.abstract_raw = s.column_string(i++);
    p.abstract = s.column_string(i++);
    auto authors = reader.read(s.column_text(i++));
    if (!authors.ok()) return authors.error().with_context("paper " + p.id.str());
    p.authors = std::move(authors).value();
    p.author_count = s.column_int(i++);
    p.categories = split_categories(s.column_text(i++));
    p.published = s.column_string(i++);
    p.updated = s.column_string(i++);
    p.submitter = s.column_string(i++);
    p.comments = s.column_string(i++);
    p.journal_ref = s.column_string(i++);
    p.doi = s.column_string(i++);
    p.report_no = s.column_string(i++);
    p.license = s.column_string(i++);
    p.github_url = s.column_string(i++);
    p.project_url = s.column_string(i++);
    p.organization = s.column_string(i++);
    return p;
}

Result<PaperId> stored_id(std::string_view text) {
    auto id = PaperId::parse(text);
    if (!id.ok()) {
        return Error(ErrorCode::kCorruption, "stored paper id \"" + std::string(text) +
                                                 "\" does not parse: " + id.error().message());
    }
    return id;
}

void bind_entry(Statement& s, const DailyEntry& e, int64_t seq) {
    s.bind(1, e.date);
    s.bind(2, e.paper_id.str());
    s.bind(3, e.submitted_by);
    s.bind(4, e.submitted_at);
    s.bind(5, e.upvotes);
    s.bind(6, e.num_comments);
    s.bind(7, seq);
}

struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

// Runs a pragma that returns its new value (journal_mode does) and returns that value.
Result<std::string> pragma_value(sqlite3* db, const char* sql) {
    auto stmt = Statement::prepare(db, sql, false);
    if (!stmt.ok()) return stmt.error();
    auto row = stmt->step();
    if (!row.ok()) return row.error();
    return *row ? stmt->column_string(0) : std::string();
}

// Settings of the connection. WAL lets other processes read while we write; NORMAL
// synchronisation is durable across process crashes and consistent across power loss in WAL
// mode. A ~3 KB arXiv row takes a whole 4 KiB page but packs five to a 16 KiB one; that halved
// bulk-ingestion time in bench/store_bench (page_size only acts on a new file). The larger page
// cache keeps the papers' id index hot. Reads go through a memory map (up to 2 GiB, SQLite's
// default ceiling): a page of results reads ten rows at random, and a read() per page plus the
// copy cost the search API 12% of its throughput.
Status configure(sqlite3* db, bool read_only) {
    if (!read_only) {
        PAPERBOY_RETURN_IF_ERROR(exec(db, "PRAGMA page_size = 16384", "setting the page size"));
        auto mode = pragma_value(db, "PRAGMA journal_mode = WAL");
        if (!mode.ok()) return mode.error();
    }
    PAPERBOY_RETURN_IF_ERROR(exec(db, "PRAGMA synchronous = NORMAL", "setting synchronous"));
    PAPERBOY_RETURN_IF_ERROR(exec(db, "PRAGMA foreign_keys = ON", "enabling foreign keys"));
    PAPERBOY_RETURN_IF_ERROR(exec(db, "PRAGMA cache_size = -65536", "setting the cache size"));
    PAPERBOY_RETURN_IF_ERROR(exec(db, "PRAGMA temp_store = MEMORY", "setting temp_store"));
    PAPERBOY_RETURN_IF_ERROR(exec(db, "PRAGMA mmap_size = 2147418112", "setting mmap_size"));
    return Status::ok_status();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const OpenOptions& options) {
    const bool in_memory = path == ":memory:";
    const std::string name = database_name(path);
    if (!in_memory && !options.create_if_missing) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            return Error(ErrorCode::kNotFound, name + " does not exist");
        }
    }
    int flags = SQLITE_OPEN_NOMUTEX;  // SqliteStore serialises access itself
    if (options.read_only) {
        flags |= SQLITE_OPEN_READONLY;
    } else {
        flags |= SQLITE_OPEN_READWRITE;
        if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    SqliteHandle db(raw);
    if (rc != SQLITE_OK) {
        return Error(ErrorCode::kIo,
                     "cannot open " + name + ": " +
                         (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

    // SQLite reads the file lazily, so a file that is not a database shows up here, at the
    // first statement that touches it.
    if (Status s = configure(db.get(), options.read_only); !s.ok()) {
        if (s.error().code() == ErrorCode::kCorruption) {
            return Error(
                ErrorCode::kCorruption,
                name + " is not a SQLite database or is damaged (" + s.error().message() + ")");
        }
        return s.error().with_context("opening " + name);
    }

    int version = 0;
    if (options.read_only) {
        auto found = read_schema_version(db.get(), path);
        if (!found.ok()) return found.error();
        version = *found;
        const int latest = latest_schema_version();
        if (version == 0) {
            return Error(ErrorCode::kNotFound, name + " is empty (no Paperboy schema)");
        }
        if (version > latest) {
            return Error(ErrorCode::kVersionMismatch,
                         name + " has schema version " + std::to_string(version) +
                             " but this paperboy supports up to " + std::to_string(latest) +
                             "; upgrade paperboy");
        }
        if (version < latest) {
            return Error(ErrorCode::kVersionMismatch,
                         name + " has schema version " + std::to_string(version) +
                             " and needs upgrading to " + std::to_string(latest) +
                             "; open it once without read-only");
        }
    } else {
        auto migrated = migrate(db.get(), path);
        if (!migrated.ok()) return migrated.error();
        version = *migrated;
    }
    std::unique_ptr<Checkpointer> checkpointer;
    if (!options.read_only && !in_memory) {
        auto started = Checkpointer::start(db.get(), path);
        if (!started.ok()) return started.error();
        checkpointer = std::move(started).value();
    }
    auto store = std::unique_ptr<SqliteStore>(
        new SqliteStore(db.release(), path, version, options.read_only));
    store->checkpointer_ = std::move(checkpointer);
    return store;
}

SqliteStore::SqliteStore(sqlite3* db, std::string path, int schema_version, bool read_only)
    : db_(db), path_(std::move(path)), schema_version_(schema_version), read_only_(read_only) {}

SqliteStore::~SqliteStore() {
    checkpointer_.reset();                  // its hook points into db_
    for (auto& s : statements_) s.reset();  // statements must be finalised before the close
    sqlite3_close_v2(db_);
}

Result<Statement*> SqliteStore::statement(Query q) {
    auto& slot = statements_[static_cast<size_t>(q)];
    if (slot == nullptr) {
        auto prepared = Statement::prepare(db_, sql_text(q));
        if (!prepared.ok()) return prepared.error().with_context(database_name(path_));
        slot = std::make_unique<Statement>(std::move(prepared).value());
    }
    return slot.get();
}

Result<WriteCounts> SqliteStore::write(const WriteBatch& batch) {
    std::unique_lock lock(mu_);
    WriteCounts counts;
    if (read_only_) {
        return Error(ErrorCode::kInvalidArgument, database_name(path_) + " was opened read-only");
    }
    if (batch.empty()) return counts;

    auto begin = statement(Query::kBegin);
    if (!begin.ok()) return begin.error();
    PAPERBOY_RETURN_IF_ERROR((*begin)->run());
    (*begin)->reset();

    auto rollback = [this](const Error& error) -> Error {
        if (auto rb = statement(Query::kRollback); rb.ok()) {
            (void)(*rb)->run();
            (*rb)->reset();
        }
        return error;
    };

    size_t index = 0;
    for (const WriteBatch::Op& op : batch.ops()) {
        Status s = std::visit(
            [&](const auto& o) -> Status {
                using T = std::decay_t<decltype(o)>;
                if constexpr (std::is_same_v<T, WriteBatch::PutPaper>) {
                    return apply_put_paper(o.paper, counts);
                } else if constexpr (std::is_same_v<T, WriteBatch::DeletePaper>) {
                    return apply_delete_paper(o.id, counts);
                } else if constexpr (std::is_same_v<T, WriteBatch::PutDailyEntry>) {
                    return apply_put_daily_entry(o.entry, counts);
                } else if constexpr (std::is_same_v<T, WriteBatch::RemoveDailyEntry>) {
                    return apply_remove_daily_entry(o.date, o.paper_id, counts);
                } else if constexpr (std::is_same_v<T, WriteBatch::SetOrganization>) {
                    return apply_set_organization(o.paper_id, o.organization, counts);
                } else {
                    return apply_set_cursor(o.key, o.value);
                }
            },
            op);
        if (!s.ok()) {
            return rollback(s.error().with_context("write batch op " + std::to_string(index + 1) +
                                                   " of " + std::to_string(batch.size())));
        }
        ++index;
    }

    if (before_commit_hook_) before_commit_hook_();
    auto commit = statement(Query::kCommit);
    if (!commit.ok()) return rollback(commit.error());
    Status committed = (*commit)->run();
    (*commit)->reset();
    if (!committed.ok()) return rollback(committed.error().with_context("committing a batch"));
    lock.unlock();
    feed_written();
    return counts;
}

void SqliteStore::set_before_commit_hook_for_testing(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    before_commit_hook_ = std::move(hook);
}

Status SqliteStore::prepare_all_statements() {
    std::lock_guard lock(mu_);
    for (int q = 0; q < kQueryCount; ++q) {
        auto prepared = statement(static_cast<Query>(q));
        if (!prepared.ok()) return prepared.error();
    }
    return Status::ok_status();
}

Result<int64_t> SqliteStore::record_change(std::string_view entity, std::string_view paper_id,
                                           std::string_view date, bool deleted) {
    auto s = statement(Query::kRecordChange);
    if (!s.ok()) return s.error();
    ScopedReset reset(**s);
    (*s)->bind(1, entity);
    (*s)->bind(2, paper_id);
    (*s)->bind(3, date);
    (*s)->bind(4, deleted ? 1 : 0);
    PAPERBOY_RETURN_IF_ERROR((*s)->run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status SqliteStore::apply_put_paper(const Paper& given, WriteCounts& counts) {
    Paper scratch;
    const Paper& incoming = rules::storage_form(given, scratch);
    const std::string& id = incoming.id.str();
    const uint64_t incoming_hash = content_hash(incoming);

    auto select = statement(Query::kSelectPaperForWrite);
    if (!select.ok()) return select.error();
    Statement& sel = **select;
    ScopedReset reset_select(sel);
    sel.bind(1, id);
    auto found = sel.step();
    if (!found.ok()) return found.error();
    std::optional<rules::StoredHead> head;
    if (*found) head = rules::StoredHead{from_column(sel.column_int64(0)), sel.column_int(1) != 0};

    // The row is decoded only when the rules ask for it (not on the equal-hash fast path).
    auto decision = rules::decide_put_paper(incoming, incoming_hash, head, [&]() {
        return read_paper_columns(sel, 2, incoming.id, authors_reader_);
    });
    if (!decision.ok()) return decision.error();
    sel.reset();
    rules::count_put(decision->action, counts);

    switch (decision->action) {
        case rules::PutAction::kUnchanged:
            return Status::ok_status();
        case rules::PutAction::kFixHash: {
            auto fix = statement(Query::kUpdatePaperHash);
            if (!fix.ok()) return fix.error();
            ScopedReset reset_fix(**fix);
            (*fix)->bind(1, id);
            (*fix)->bind(2, to_column(decision->hash));
            return (*fix)->run();
        }
        case rules::PutAction::kInsert:
            return write_paper_row(Query::kInsertPaper, incoming, decision->hash);
        case rules::PutAction::kUpdate:
            return write_paper_row(Query::kUpdatePaper, decision->paper, decision->hash);
    }
    return Status::ok_status();
}

Status SqliteStore::write_paper_row(Query query, const Paper& paper, uint64_t hash) {
    const std::string& id = paper.id.str();
    auto seq = record_change(kPaperEntity, id, "", false);
    if (!seq.ok()) return seq.error();
    auto write = statement(query);
    if (!write.ok()) return write.error();
    ScopedReset reset(**write);
    const std::string authors = authors_to_json(paper.authors);
    const std::string categories = join_categories(paper.categories);
    (*write)->bind(1, id);
    bind_paper_columns(**write, 2, paper, authors, categories);
    (*write)->bind(20, *seq);
    (*write)->bind(21, to_column(hash));
    return (*write)->run();
}

Status SqliteStore::apply_set_organization(const PaperId& id, const std::string& organization,
                                           WriteCounts& counts) {
    auto select = statement(Query::kSelectPaperForWrite);
    if (!select.ok()) return select.error();
    Statement& sel = **select;
    ScopedReset reset_select(sel);
    sel.bind(1, id.str());
    auto found = sel.step();
    if (!found.ok()) return found.error();
    std::optional<Paper> stored;
    bool deleted = false;
    if (*found) {
        deleted = sel.column_int(1) != 0;
        auto read = read_paper_columns(sel, 2, id, authors_reader_);
        if (!read.ok()) return read.error();
        stored = std::move(read).value();
    }
    sel.reset();
    auto changed = rules::decide_set_organization(id, stored, deleted, organization);
    if (!changed.ok()) return changed.error();
    if (!*changed) {
        ++counts.papers_unchanged;
        return Status::ok_status();
    }
    ++counts.papers_updated;
    return write_paper_row(Query::kUpdatePaper, **changed, content_hash(**changed));
}

Status SqliteStore::apply_delete_paper(const PaperId& id, WriteCounts& counts) {
    auto select = statement(Query::kSelectPaperDeleted);
    if (!select.ok()) return select.error();
    ScopedReset reset_select(**select);
    (*select)->bind(1, id.str());
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    std::optional<rules::StoredHead> head;
    if (*found) head = rules::StoredHead{0, (*select)->column_int(0) != 0};
    (*select)->reset();
    // No tombstone is kept for an unknown id, so a later put_paper() of it is a plain insert.
    if (!rules::should_hide(head)) return Status::ok_status();

    auto seq = record_change(kPaperEntity, id.str(), "", true);
    if (!seq.ok()) return seq.error();
    auto hide = statement(Query::kHidePaper);
    if (!hide.ok()) return hide.error();
    ScopedReset reset_hide(**hide);
    (*hide)->bind(1, id.str());
    (*hide)->bind(2, *seq);
    PAPERBOY_RETURN_IF_ERROR((*hide)->run());
    ++counts.papers_deleted;
    return Status::ok_status();
}

Status SqliteStore::apply_put_daily_entry(const DailyEntry& incoming, WriteCounts& counts) {
    PAPERBOY_RETURN_IF_ERROR(rules::check_entry(incoming));
    const std::string& id = incoming.paper_id.str();
    {
        auto paper = statement(Query::kSelectPaperDeleted);
        if (!paper.ok()) return paper.error();
        ScopedReset reset_paper(**paper);
        (*paper)->bind(1, id);
        auto exists = (*paper)->step();
        if (!exists.ok()) return exists.error();
        if (!*exists) return rules::entry_paper_missing(incoming);
    }

    std::optional<DailyEntry> stored;
    {
        auto select = statement(Query::kSelectEntry);
        if (!select.ok()) return select.error();
        Statement& sel = **select;
        ScopedReset reset_select(sel);
        sel.bind(1, incoming.date);
        sel.bind(2, id);
        auto found = sel.step();
        if (!found.ok()) return found.error();
        if (*found) {
            DailyEntry& e = stored.emplace();
            e.date = incoming.date;
            e.paper_id = incoming.paper_id;
            e.submitted_by = sel.column_string(0);
            e.submitted_at = sel.column_string(1);
            e.upvotes = sel.column_int(2);
            e.num_comments = sel.column_int(3);
        }
    }

    const rules::EntryDecision decision = rules::decide_put_entry(stored, incoming);
    rules::count_entry(decision.action, counts);
    if (decision.action == rules::EntryAction::kUnchanged) return Status::ok_status();
    auto seq = record_change(kEntryEntity, id, incoming.date, false);
    if (!seq.ok()) return seq.error();
    auto write = statement(decision.action == rules::EntryAction::kInsert ? Query::kInsertEntry
                                                                          : Query::kUpdateEntry);
    if (!write.ok()) return write.error();
    ScopedReset reset_write(**write);
    bind_entry(**write, decision.entry, *seq);
    return (*write)->run();
}

Status SqliteStore::apply_set_cursor(const std::string& key, const std::string& value) {
    auto upsert = statement(Query::kUpsertCursor);
    if (!upsert.ok()) return upsert.error();
    ScopedReset reset(**upsert);
    (*upsert)->bind(1, key);
    (*upsert)->bind(2, value);
    return (*upsert)->run();
}

Result<std::optional<Paper>> SqliteStore::get_paper(const PaperId& id) {
    std::lock_guard lock(mu_);
    return read_paper_locked(id);
}

Result<std::vector<std::optional<Paper>>> SqliteStore::get_papers(const std::vector<PaperId>& ids) {
    // One lock and one read transaction for the whole page: under concurrent searches, ten
    // lock hand-offs and ten snapshots per page cost more than the reads.
    std::lock_guard lock(mu_);
    const ReadSnapshot snapshot(*this);
    std::vector<std::optional<Paper>> out;
    out.reserve(ids.size());
    for (const PaperId& id : ids) {
        auto paper = read_paper_locked(id);
        if (!paper.ok()) return paper.error();
        out.push_back(std::move(paper).value());
    }
    return out;
}

Result<std::optional<Paper>> SqliteStore::read_paper_locked(const PaperId& id) {
    auto select = statement(Query::kSelectPaper);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, id.str());
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    if (!*found) return std::optional<Paper>();
    auto paper = read_paper_columns(**select, 0, id, authors_reader_);
    if (!paper.ok()) return paper.error();
    return std::optional<Paper>(std::move(paper).value());
}

Status SqliteStore::for_each_paper(const std::function<bool(const Paper&)>& fn) {
    // Keyset paging: each page is one short locked read starting after the last id seen, so a
    // long scan neither blocks writers nor keeps a read transaction open, and fn may call back
    // into the store.
    std::string after;
    std::vector<Paper> page;
    for (;;) {
        page.clear();
        {
            std::lock_guard lock(mu_);
            auto select = statement(Query::kSelectPaperPage);
            if (!select.ok()) return select.error();
            Statement& s = **select;
            ScopedReset reset(s);
            s.bind(1, after);
            s.bind(2, kScanPageSize);
            for (;;) {
                auto row = s.step();
                if (!row.ok()) return row.error();
                if (!*row) break;
                auto id = stored_id(s.column_text(0));
                if (!id.ok()) return id.error();
                auto paper = read_paper_columns(s, 1, std::move(id).value(), authors_reader_);
                if (!paper.ok()) return paper.error();
                page.push_back(std::move(paper).value());
            }
        }
        for (const Paper& p : page) {
            if (!fn(p)) return Status::ok_status();
        }
        if (static_cast<int64_t>(page.size()) < kScanPageSize) return Status::ok_status();
        after = page.back().id.str();
    }
}

Result<std::vector<DailyEntry>> SqliteStore::read_entries(Statement& s) {
    std::vector<DailyEntry> out;
    for (;;) {
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        auto id = stored_id(s.column_text(0));
        if (!id.ok()) return id.error();
        DailyEntry& e = out.emplace_back();
        e.paper_id = std::move(id).value();
        e.date = s.column_string(1);
        e.submitted_by = s.column_string(2);
        e.submitted_at = s.column_string(3);
        e.upvotes = s.column_int(4);
        e.num_comments = s.column_int(5);
    }
}

Result<std::vector<DailyEntry>> SqliteStore::daily_entries(std::string_view date) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectDailyEntries);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, date);
    return read_entries(**select);
}

Result<std::vector<DailyEntry>> SqliteStore::daily_entries_between(std::string_view first_date,
                                                                   std::string_view last_date) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectDailyEntriesBetween);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, first_date);
    (*select)->bind(2, last_date);
    return read_entries(**select);
}

Result<std::vector<DailyEntry>> SqliteStore::entries_for_paper(const PaperId& id) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectEntriesForPaper);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, id.str());
    return read_entries(**select);
}

Result<std::vector<std::vector<DailyEntry>>> SqliteStore::entries_for_papers(
    const std::vector<PaperId>& ids) {
    std::lock_guard lock(mu_);  // once for the page, as in get_papers()
    const ReadSnapshot snapshot(*this);
    std::vector<std::vector<DailyEntry>> out;
    out.reserve(ids.size());
    for (const PaperId& id : ids) {
        auto select = statement(Query::kSelectEntriesForPaper);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, id.str());
        auto entries = read_entries(**select);
        if (!entries.ok()) return entries.error();
        out.push_back(std::move(entries).value());
    }
    return out;
}

Result<std::vector<std::optional<PaperCard>>> SqliteStore::paper_cards(
    const std::vector<PaperId>& ids) {
    // One lock and one read transaction for the page, and the comment count and votes from
    // the paper's own row: the three calls of the default take the lock three times and look
    // each paper's row up again for its count.
    std::lock_guard lock(mu_);
    const ReadSnapshot snapshot(*this);
    std::vector<std::optional<PaperCard>> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        {
            auto select = statement(Query::kSelectPaperCard);
            if (!select.ok()) return select.error();
            ScopedReset reset(**select);
            (*select)->bind(1, ids[i].str());
            auto found = (*select)->step();
            if (!found.ok()) return found.error();
            if (!*found) continue;
            auto paper = read_paper_columns(**select, 0, ids[i], authors_reader_);
            if (!paper.ok()) return paper.error();
            out[i] = PaperCard{std::move(paper).value(),
                               {},
                               (*select)->column_int(kPaperColumnCount),
                               (*select)->column_int(kPaperColumnCount + 1)};
        }
        auto select = statement(Query::kSelectEntriesForPaper);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        (*select)->bind(1, ids[i].str());
        auto entries = read_entries(**select);
        if (!entries.ok()) return entries.error();
        out[i]->entries = std::move(entries).value();
    }
    return out;
}

Result<std::vector<Change>> SqliteStore::changes_since(int64_t after_seq, size_t limit) {
    std::lock_guard lock(mu_);
    std::vector<Change> out;
    if (limit == 0) return out;
    auto select = statement(Query::kSelectChanges);
    if (!select.ok()) return select.error();
    Statement& s = **select;
    ScopedReset reset(s);
    s.bind(1, after_seq);
    const auto max_limit = static_cast<size_t>(std::numeric_limits<int64_t>::max());
    s.bind(2, static_cast<int64_t>(std::min(limit, max_limit)));
    for (;;) {
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (!*row) return out;
        auto id = stored_id(s.column_text(2));
        if (!id.ok()) return id.error();
        Change& c = out.emplace_back();
        c.seq = s.column_int64(0);
        const std::string_view entity = s.column_text(1);
        c.entity = entity == kEntryEntity    ? Change::Entity::kDailyEntry
                   : entity == kVectorEntity ? Change::Entity::kVector
                                             : Change::Entity::kPaper;
        c.paper_id = std::move(id).value();
        c.date = s.column_string(3);
        c.deleted = s.column_int(4) != 0;
    }
}

Result<std::optional<std::string>> SqliteStore::adjacent_daily_date(std::string_view date,
                                                                    bool later) {
    std::lock_guard lock(mu_);
    auto select = statement(later ? Query::kSelectNextDate : Query::kSelectPreviousDate);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, date);
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    if (!*found) return std::optional<std::string>();
    return std::optional<std::string>((*select)->column_string(0));
}

Result<std::optional<std::string>> SqliteStore::cursor(std::string_view key) {
    std::lock_guard lock(mu_);
    auto select = statement(Query::kSelectCursor);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, key);
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    if (!*found) return std::optional<std::string>();
    return std::optional<std::string>((*select)->column_string(0));
}

Result<StoreStats> SqliteStore::stats() {
    std::lock_guard lock(mu_);
    StoreStats st;
    st.schema_version = schema_version_;
    {
        auto select = statement(Query::kStatsPapers);
        if (!select.ok()) return select.error();
        Statement& s = **select;
        ScopedReset reset(s);
        for (;;) {
            auto row = s.step();
            if (!row.ok()) return row.error();
            if (!*row) break;
            const bool deleted = s.column_int(0) != 0;
            const bool has_code = s.column_int(1) != 0;
            const int64_t n = s.column_int64(2);
            if (deleted) {
                st.deleted_papers += n;
            } else {
                st.papers += n;
                if (has_code) st.papers_with_code += n;
            }
        }
    }
    {
        auto select = statement(Query::kStatsEntries);
        if (!select.ok()) return select.error();
        Statement& s = **select;
        ScopedReset reset(s);
        auto row = s.step();
        if (!row.ok()) return row.error();
        if (*row) {
            st.daily_entries = s.column_int64(0);
            st.daily_dates = s.column_int64(1);
            st.first_daily_date = s.column_string(2);
            st.last_daily_date = s.column_string(3);
        }
    }
    {
        auto select = statement(Query::kStatsSequence);
        if (!select.ok()) return select.error();
        ScopedReset reset(**select);
        auto row = (*select)->step();
        if (!row.ok()) return row.error();
        if (*row) st.last_sequence = (*select)->column_int64(0);
    }
    return st;
}

Result<SqliteStore::ConnectionSettings> SqliteStore::connection_settings() {
    std::lock_guard lock(mu_);
    ConnectionSettings settings;
    auto read = [this](const char* sql) { return pragma_value(db_, sql); };
    auto to_int = [](const std::string& s) {
        int v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return v;
    };
    auto mode = read("PRAGMA journal_mode");
    if (!mode.ok()) return mode.error();
    settings.journal_mode = *mode;
    auto sync = read("PRAGMA synchronous");
    if (!sync.ok()) return sync.error();
    settings.synchronous = to_int(*sync);
    auto fk = read("PRAGMA foreign_keys");
    if (!fk.ok()) return fk.error();
    settings.foreign_keys = *fk == "1";
    auto timeout = read("PRAGMA busy_timeout");
    if (!timeout.ok()) return timeout.error();
    settings.busy_timeout_ms = to_int(*timeout);
    auto mmap = read("PRAGMA mmap_size");
    if (!mmap.ok()) return mmap.error();
    std::from_chars(mmap->data(), mmap->data() + mmap->size(), settings.mmap_size);
    return settings;
}

}  // namespace paperboy::store::sqlite
