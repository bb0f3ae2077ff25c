#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <charconv>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "core/timestamp.h"
#include "store/merge.h"
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

// The stored columns of a paper after its id, in the order every query below reads and binds
// them.
constexpr std::array<std::string_view, 18> kPaperColumns = {
    "version",    "title",     "abstract_raw", "abstract",   "authors",     "author_count",
    "categories", "published", "updated",      "submitter",  "comments",    "journal_ref",
    "doi",        "report_no", "license",      "github_url", "project_url", "organization",
};
constexpr int kPaperColumnCount = static_cast<int>(kPaperColumns.size());

std::string paper_column_list() {
    std::string out;
    for (std::string_view c : kPaperColumns) {
        if (!out.empty()) out += ", ";
        out += c;
    }
    return out;
}

// ?first, ?first+1, ... one per paper column.
std::string paper_placeholders(int first) {
    std::string out;
    for (int i = 0; i < kPaperColumnCount; ++i) {
        if (i > 0) out += ", ";
        out += "?" + std::to_string(first + i);
    }
    return out;
}

std::string paper_assignments(int first) {
    std::string out;
    for (int i = 0; i < kPaperColumnCount; ++i) {
        if (i > 0) out += ", ";
        out +=
            std::string(kPaperColumns[static_cast<size_t>(i)]) + " = ?" + std::to_string(first + i);
    }
    return out;
}

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

// The text of each cached statement. Only column names and parameter numbers are pieced
// together here; every value is bound.
std::string SqliteStore::sql_text(Query query) {
    const std::string cols = paper_column_list();
    // The entry columns read by read_entries(); upvotes count the paper's community votes.
    const std::string entry_cols =
        "e.paper_id, e.date, e.submitted_by, e.submitted_at, e.upvotes + p.votes, e.num_comments";
    switch (query) {
        case kBegin:
            return "BEGIN IMMEDIATE";
        case kBeginRead:
            return "BEGIN";
        case kCommit:
            return "COMMIT";
        case kRollback:
            return "ROLLBACK";
        case kSelectPaperForWrite:
            return "SELECT content_hash, deleted, " + cols + " FROM papers WHERE id = ?1";
        case kInsertPaper:
            return "INSERT INTO papers (id, " + cols +
                   ", deleted, seq, content_hash) VALUES (?1, " + paper_placeholders(2) +
                   ", 0, ?20, ?21)";
        case kUpdatePaper:
            return "UPDATE papers SET " + paper_assignments(2) +
                   ", deleted = 0, seq = ?20, content_hash = ?21 WHERE id = ?1";
        case kUpdatePaperHash:
            return "UPDATE papers SET content_hash = ?2 WHERE id = ?1";
        case kSelectPaperDeleted:
            return "SELECT deleted FROM papers WHERE id = ?1";
        case kHidePaper:
            return "UPDATE papers SET deleted = 1, seq = ?2 WHERE id = ?1";
        case kRecordChange:
            // REPLACE removes the record's previous entry, so each record appears once, at its
            // latest seq; AUTOINCREMENT never hands out a seq twice, even after that removal.
            return "INSERT OR REPLACE INTO changes (entity, paper_id, date, deleted) "
                   "VALUES (?1, ?2, ?3, ?4)";
        case kSelectEntry:
            return "SELECT submitted_by, submitted_at, upvotes, num_comments FROM daily_entries "
                   "WHERE date = ?1 AND paper_id = ?2";
        case kInsertEntry:
            return "INSERT INTO daily_entries (date, paper_id, submitted_by, submitted_at, "
                   "upvotes, num_comments, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        case kUpdateEntry:
            return "UPDATE daily_entries SET submitted_by = ?3, submitted_at = ?4, upvotes = ?5, "
                   "num_comments = ?6, seq = ?7 WHERE date = ?1 AND paper_id = ?2";
        case kUpsertCursor:
            return "INSERT INTO cursors (key, value) VALUES (?1, ?2) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        case kSelectPaper:
            return "SELECT " + cols + " FROM papers WHERE id = ?1 AND deleted = 0";
        case kSelectPaperCard:
            return "SELECT " + cols +
                   ", comment_count, votes FROM papers WHERE id = ?1 AND deleted = 0";
        case kSelectPaperPage:
            // "+deleted" keeps the planner on the primary key (already in id order) rather than
            // papers_by_visibility followed by a sort.
            return "SELECT id, " + cols +
                   " FROM papers WHERE +deleted = 0 AND id > ?1 ORDER BY id LIMIT ?2";
        case kSelectDailyEntries:
            // Unknown submission times sort after known ones.
            return "SELECT " + entry_cols +
                   " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date = ?1 AND p.deleted = 0 "
                   "ORDER BY e.upvotes + p.votes DESC, e.submitted_at = '', e.submitted_at, "
                   "e.paper_id";
        case kSelectDailyEntriesBetween:
            return "SELECT " + entry_cols +
                   " FROM daily_entries e JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date BETWEEN ?1 AND ?2 AND p.deleted = 0 ORDER BY e.date, "
                   "e.upvotes + p.votes DESC, e.submitted_at = '', e.submitted_at, e.paper_id";
        case kSelectEntriesForPaper:
            // CROSS JOIN: the paper's entries (usually none) drive. The planner's own order
            // read the paper's row first, for every paper of a result page.
            return "SELECT " + entry_cols +
                   " FROM daily_entries e CROSS JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.paper_id = ?1 AND p.deleted = 0 ORDER BY e.date DESC";
        case kSelectChanges:
            return "SELECT seq, entity, paper_id, date, deleted FROM changes WHERE seq > ?1 "
                   "ORDER BY seq LIMIT ?2";
        case kSelectCursor:
            return "SELECT value FROM cursors WHERE key = ?1";
        case kSelectPreviousDate:
            // Walks the (date, paper_id) key backwards and stops at the first visible paper.
            return "SELECT e.date FROM daily_entries e CROSS JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date < ?1 AND p.deleted = 0 ORDER BY e.date DESC LIMIT 1";
        case kSelectNextDate:
            return "SELECT e.date FROM daily_entries e CROSS JOIN papers p ON p.id = e.paper_id "
                   "WHERE e.date > ?1 AND p.deleted = 0 ORDER BY e.date LIMIT 1";
        case kStatsPapers:
            return "SELECT deleted, github_url <> '', COUNT(*) FROM papers "
                   "GROUP BY deleted, github_url <> ''";
        case kStatsEntries:
            // CROSS JOIN fixes the loop order: the few entries drive, rather than the planner
            // walking every visible paper to probe for entries.
            return "SELECT COUNT(*), COUNT(DISTINCT e.date), COALESCE(MIN(e.date), ''), "
                   "COALESCE(MAX(e.date), '') FROM daily_entries e "
                   "CROSS JOIN papers p ON p.id = e.paper_id WHERE p.deleted = 0";
        case kStatsSequence:
            return "SELECT COALESCE(MAX(seq), 0) FROM changes";
        case kQueryCount:
            break;
        default:
            return accounts_sql_text(query);
    }
    return "";
}

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
    std::lock_guard lock(mu_);
    WriteCounts counts;
    if (read_only_) {
        return Error(ErrorCode::kInvalidArgument, database_name(path_) + " was opened read-only");
    }
    if (batch.empty()) return counts;

    auto begin = statement(kBegin);
    if (!begin.ok()) return begin.error();
    PAPERBOY_RETURN_IF_ERROR((*begin)->run());
    (*begin)->reset();

    auto rollback = [this](const Error& error) -> Error {
        if (auto rb = statement(kRollback); rb.ok()) {
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

    auto commit = statement(kCommit);
    if (!commit.ok()) return rollback(commit.error());
    Status committed = (*commit)->run();
    (*commit)->reset();
    if (!committed.ok()) return rollback(committed.error().with_context("committing a batch"));
    return counts;
}

Result<int64_t> SqliteStore::record_change(std::string_view entity, std::string_view paper_id,
                                           std::string_view date, bool deleted) {
    auto s = statement(kRecordChange);
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
    // Store the form that reads back identically, so that re-putting a record compares equal.
    const Paper* incoming = &given;
    Paper canonical;
    if (!is_storage_canonical(given)) {
        canonical = given;
        make_storage_canonical(canonical);
        incoming = &canonical;
    }
    const std::string& id = incoming->id.str();
    const uint64_t incoming_hash = content_hash(*incoming);

    auto select = statement(kSelectPaperForWrite);
    if (!select.ok()) return select.error();
    Statement& sel = **select;
    ScopedReset reset_select(sel);
    sel.bind(1, id);
    auto found = sel.step();
    if (!found.ok()) return found.error();

    if (!*found) {
        auto parsed = PaperId::parse(id);
        if (!parsed.ok() || *parsed != incoming->id) {
            return Error(ErrorCode::kInvalidArgument,
                         "paper id \"" + id + "\" is not a canonical paper id");
        }
        auto seq = record_change(kPaperEntity, id, "", false);
        if (!seq.ok()) return seq.error();
        auto insert = statement(kInsertPaper);
        if (!insert.ok()) return insert.error();
        ScopedReset reset_insert(**insert);
        const std::string authors = authors_to_json(incoming->authors);
        const std::string categories = join_categories(incoming->categories);
        (*insert)->bind(1, id);
        bind_paper_columns(**insert, 2, *incoming, authors, categories);
        (*insert)->bind(20, *seq);
        (*insert)->bind(21, to_column(incoming_hash));
        PAPERBOY_RETURN_IF_ERROR((*insert)->run());
        ++counts.papers_inserted;
        return Status::ok_status();
    }

    const uint64_t stored_hash = from_column(sel.column_int64(0));
    const bool was_deleted = sel.column_int(1) != 0;
    // The fast path of re-ingestion: the same record again. Equal hashes mean equal papers, and
    // merging a paper into itself gives itself.
    if (!was_deleted && stored_hash == incoming_hash) {
        ++counts.papers_unchanged;
        return Status::ok_status();
    }

    auto stored = read_paper_columns(sel, 2, incoming->id, authors_reader_);
    if (!stored.ok()) return stored.error();
    sel.reset();
    const Paper merged = merge_paper(*stored, *incoming);

    if (merged == *stored && !was_deleted) {
        ++counts.papers_unchanged;
        // A row from before content hashes (schema 1), or a partial record that added nothing:
        // keep the hash current so that the next identical full record takes the fast path.
        const uint64_t actual = content_hash(*stored);
        if (actual != stored_hash) {
            auto fix = statement(kUpdatePaperHash);
            if (!fix.ok()) return fix.error();
            ScopedReset reset_fix(**fix);
            (*fix)->bind(1, id);
            (*fix)->bind(2, to_column(actual));
            PAPERBOY_RETURN_IF_ERROR((*fix)->run());
        }
        return Status::ok_status();
    }

    return update_paper_row(merged, counts);
}

Status SqliteStore::update_paper_row(const Paper& paper, WriteCounts& counts) {
    const std::string& id = paper.id.str();
    auto seq = record_change(kPaperEntity, id, "", false);
    if (!seq.ok()) return seq.error();
    auto update = statement(kUpdatePaper);
    if (!update.ok()) return update.error();
    ScopedReset reset_update(**update);
    const std::string authors = authors_to_json(paper.authors);
    const std::string categories = join_categories(paper.categories);
    (*update)->bind(1, id);
    bind_paper_columns(**update, 2, paper, authors, categories);
    (*update)->bind(20, *seq);
    (*update)->bind(21, to_column(content_hash(paper)));
    PAPERBOY_RETURN_IF_ERROR((*update)->run());
    ++counts.papers_updated;
    return Status::ok_status();
}

Status SqliteStore::apply_set_organization(const PaperId& id, const std::string& organization,
                                           WriteCounts& counts) {
    auto select = statement(kSelectPaperForWrite);
    if (!select.ok()) return select.error();
    Statement& sel = **select;
    ScopedReset reset_select(sel);
    sel.bind(1, id.str());
    auto found = sel.step();
    if (!found.ok()) return found.error();
    if (!*found || sel.column_int(1) != 0) {
        return Error(ErrorCode::kNotFound, "no paper " + id.str());
    }
    auto stored = read_paper_columns(sel, 2, id, authors_reader_);
    if (!stored.ok()) return stored.error();
    sel.reset();
    if (stored->organization == organization) {
        ++counts.papers_unchanged;
        return Status::ok_status();
    }
    Paper changed = std::move(stored).value();
    changed.organization = organization;
    return update_paper_row(changed, counts);
}

Status SqliteStore::apply_delete_paper(const PaperId& id, WriteCounts& counts) {
    auto select = statement(kSelectPaperDeleted);
    if (!select.ok()) return select.error();
    ScopedReset reset_select(**select);
    (*select)->bind(1, id.str());
    auto found = (*select)->step();
    if (!found.ok()) return found.error();
    // Unknown or already hidden: nothing to hide and nothing for the feed. No tombstone is kept
    // for an unknown id, so a later put_paper() of it is a plain insert.
    if (!*found || (*select)->column_int(0) != 0) return Status::ok_status();
    (*select)->reset();

    auto seq = record_change(kPaperEntity, id.str(), "", true);
    if (!seq.ok()) return seq.error();
    auto hide = statement(kHidePaper);
    if (!hide.ok()) return hide.error();
    ScopedReset reset_hide(**hide);
    (*hide)->bind(1, id.str());
    (*hide)->bind(2, *seq);
    PAPERBOY_RETURN_IF_ERROR((*hide)->run());
    ++counts.papers_deleted;
    return Status::ok_status();
}

Status SqliteStore::apply_put_daily_entry(const DailyEntry& incoming, WriteCounts& counts) {
    const std::string& id = incoming.paper_id.str();
    const std::string what = "daily entry " + incoming.date + " " + id;
    if (auto day = normalize_date(incoming.date); !day || *day != incoming.date) {
        return Error(ErrorCode::kInvalidArgument,
                     what + ": date \"" + incoming.date + "\" is not of the form YYYY-MM-DD");
    }

    {
        auto paper = statement(kSelectPaperDeleted);
        if (!paper.ok()) return paper.error();
        ScopedReset reset_paper(**paper);
        (*paper)->bind(1, id);
        auto exists = (*paper)->step();
        if (!exists.ok()) return exists.error();
        if (!*exists) {
            return Error(ErrorCode::kInvalidArgument,
                         what + ": paper " + id + " is not in the store; put the paper first");
        }
    }

    auto select = statement(kSelectEntry);
    if (!select.ok()) return select.error();
    Statement& sel = **select;
    ScopedReset reset_select(sel);
    sel.bind(1, incoming.date);
    sel.bind(2, id);
    auto found = sel.step();
    if (!found.ok()) return found.error();

    if (!*found) {
        auto seq = record_change(kEntryEntity, id, incoming.date, false);
        if (!seq.ok()) return seq.error();
        auto insert = statement(kInsertEntry);
        if (!insert.ok()) return insert.error();
        ScopedReset reset_insert(**insert);
        bind_entry(**insert, incoming, *seq);
        PAPERBOY_RETURN_IF_ERROR((*insert)->run());
        ++counts.entries_inserted;
        return Status::ok_status();
    }

    DailyEntry stored;
    stored.date = incoming.date;
    stored.paper_id = incoming.paper_id;
    stored.submitted_by = sel.column_string(0);
    stored.submitted_at = sel.column_string(1);
    stored.upvotes = sel.column_int(2);
    stored.num_comments = sel.column_int(3);
    sel.reset();

    const DailyEntry merged = merge_daily_entry(stored, incoming);
    if (merged == stored) {
        ++counts.entries_unchanged;
        return Status::ok_status();
    }
    auto seq = record_change(kEntryEntity, id, incoming.date, false);
    if (!seq.ok()) return seq.error();
    auto update = statement(kUpdateEntry);
    if (!update.ok()) return update.error();
    ScopedReset reset_update(**update);
    bind_entry(**update, merged, *seq);
    PAPERBOY_RETURN_IF_ERROR((*update)->run());
    ++counts.entries_updated;
    return Status::ok_status();
}

Status SqliteStore::apply_set_cursor(const std::string& key, const std::string& value) {
    auto upsert = statement(kUpsertCursor);
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
    auto select = statement(kSelectPaper);
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
            auto select = statement(kSelectPaperPage);
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
    auto select = statement(kSelectDailyEntries);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, date);
    return read_entries(**select);
}

Result<std::vector<DailyEntry>> SqliteStore::daily_entries_between(std::string_view first_date,
                                                                   std::string_view last_date) {
    std::lock_guard lock(mu_);
    auto select = statement(kSelectDailyEntriesBetween);
    if (!select.ok()) return select.error();
    ScopedReset reset(**select);
    (*select)->bind(1, first_date);
    (*select)->bind(2, last_date);
    return read_entries(**select);
}

Result<std::vector<DailyEntry>> SqliteStore::entries_for_paper(const PaperId& id) {
    std::lock_guard lock(mu_);
    auto select = statement(kSelectEntriesForPaper);
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
        auto select = statement(kSelectEntriesForPaper);
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
            auto select = statement(kSelectPaperCard);
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
        auto select = statement(kSelectEntriesForPaper);
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
    auto select = statement(kSelectChanges);
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
        c.entity =
            s.column_text(1) == kEntryEntity ? Change::Entity::kDailyEntry : Change::Entity::kPaper;
        c.paper_id = std::move(id).value();
        c.date = s.column_string(3);
        c.deleted = s.column_int(4) != 0;
    }
}

Result<std::optional<std::string>> SqliteStore::adjacent_daily_date(std::string_view date,
                                                                    bool later) {
    std::lock_guard lock(mu_);
    auto select = statement(later ? kSelectNextDate : kSelectPreviousDate);
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
    auto select = statement(kSelectCursor);
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
        auto select = statement(kStatsPapers);
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
        auto select = statement(kStatsEntries);
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
        auto select = statement(kStatsSequence);
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
