// PostgresStore::write(): a batch in a handful of statements (docs/schema.md, "Writes" and
// "PostgreSQL"). The batch's papers' stored hashes are read in one query (id = ANY($1)), the
// rows that must be merged in a second, its daily entries in a third; BatchPlan applies the
// ops in memory with store/rules.h; then, under the feed lock, the new and changed rows, the
// feed entries and a NOTIFY are written with one bulk statement each (arrays unnested into
// rows) and the transaction commits. Updates and deletions are guarded by the values the plan
// was made from, and inserts by the primary keys: a batch that raced another writer fails as a
// conflict and is planned again from a fresh read.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <variant>

#include "core/utf8.h"
#include "store/paper_codec.h"
#include "store/postgres/batch_plan.h"
#include "store/postgres/connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/rules.h"

namespace paperboy::store::postgres {
namespace {

// Tries of a batch that keeps racing other writers before write() gives up (kUnavailable).
constexpr int kWriteAttempts = 5;

// Batches of at least this many ops (bulk ingest and harvests) commit without waiting for
// their WAL to reach the disk: the wait was a quarter of an ingest's time. As with SQLite's
// synchronous=NORMAL, a crash of the server or machine may lose the last batches written (at
// most about 3 x wal_writer_delay, 0.6 s by default), never consistency: such batches are
// idempotent and carry their cursors, so the next ingest or harvest writes them again.
// Smaller writes (curation, and every other call) wait for the disk as usual.
constexpr size_t kAsyncCommitOps = 500;

// Whether `s` is plain ASCII without NUL bytes (most text), eight bytes at a time.
bool plain_ascii(std::string_view s) {
    constexpr uint64_t kLow = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, sizeof w);
        // A byte >= 0x80, or a zero byte ((w - 1) borrows into the high bit only there).
        if ((w & kHigh) != 0 || ((w - kLow) & ~w & kHigh) != 0) return false;
    }
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0 || c >= 0x80) return false;
    }
    return true;
}

// PostgreSQL's text holds valid UTF-8 without NUL bytes (SQLite's holds any bytes).
bool storable(std::string_view value) {
    return plain_ascii(value) ||
           (value.find('\0') == std::string_view::npos && is_valid_utf8(value));
}

// Refuses what PostgreSQL cannot store, naming the record and the field, rather than fail the
// batch with the server's message.
Status check_text(std::string_view what, std::string_view field, std::string_view value) {
    if (storable(value)) return Status::ok_status();
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": " + std::string(field) +
                     " is not valid UTF-8 text (PostgreSQL stores neither NUL bytes nor invalid "
                     "UTF-8)");
}

Status check_paper_text(const Paper& p) {
    const std::pair<std::string_view, const std::string*> fields[] = {
        {"title", &p.title},
        {"abstract_raw", &p.abstract_raw},
        {"abstract", &p.abstract},
        {"published", &p.published},
        {"updated", &p.updated},
        {"submitter", &p.submitter},
        {"comments", &p.comments},
        {"journal_ref", &p.journal_ref},
        {"doi", &p.doi},
        {"report_no", &p.report_no},
        {"license", &p.license},
        {"github_url", &p.github_url},
        {"project_url", &p.project_url},
        {"organization", &p.organization},
    };
    const std::string what = "paper " + p.id.str();
    for (const auto& [field, value] : fields) {
        if (!storable(*value)) return check_text(what, field, *value);
    }
    for (const std::string& c : p.categories) {
        if (!storable(c)) return check_text(what, "categories", c);
    }
    for (const Author& a : p.authors) {
        for (const std::string* s : {&a.name, &a.keyname, &a.forenames, &a.suffix}) {
            if (!storable(*s)) return check_text(what, "authors", *s);
        }
        for (const std::string& aff : a.affiliations) {
            if (!storable(aff)) return check_text(what, "authors", aff);
        }
    }
    return Status::ok_status();
}

Status check_batch_text(const WriteBatch& batch) {
    for (const WriteBatch::Op& op : batch.ops()) {
        if (const auto* put = std::get_if<WriteBatch::PutPaper>(&op)) {
            Paper scratch;  // the form stored: invalid UTF-8 in authors is repaired already
            PAPERBOY_RETURN_IF_ERROR(check_paper_text(rules::storage_form(put->paper, scratch)));
        } else if (const auto* entry = std::get_if<WriteBatch::PutDailyEntry>(&op)) {
            const std::string what = "daily entry " + entry->entry.paper_id.str();
            PAPERBOY_RETURN_IF_ERROR(check_text(what, "submitted_by", entry->entry.submitted_by));
            PAPERBOY_RETURN_IF_ERROR(check_text(what, "submitted_at", entry->entry.submitted_at));
        } else if (const auto* org = std::get_if<WriteBatch::SetOrganization>(&op)) {
            PAPERBOY_RETURN_IF_ERROR(
                check_text("paper " + org->paper_id.str(), "organization", org->organization));
        } else if (const auto* cursor = std::get_if<WriteBatch::SetCursor>(&op)) {
            PAPERBOY_RETURN_IF_ERROR(check_text("cursor " + cursor->key, "value", cursor->value));
        }
    }
    return Status::ok_status();
}

// Column arrays, one ArrayBuilder each, and the statement parameters over them.
class Columns {
  public:
    ArrayBuilder& add(ArrayBuilder::Type type, size_t count) {
        return columns_.emplace_back(type, count);
    }
    std::vector<Param> params() const {
        std::vector<Param> out;
        out.reserve(columns_.size());
        for (const ArrayBuilder& c : columns_) out.push_back(Param::binary(c.bytes()));
        return out;
    }

  private:
    std::deque<ArrayBuilder> columns_;  // stable addresses as columns are added
};

// The 22 arrays of queries::kPaperArrays for `rows`, and with `guard` the old hash and old
// deleted flag that kUpdatePapers matches.
std::vector<Param> paper_params(Columns& columns, const std::vector<BatchPlan::PaperRow>& rows,
                                bool guard) {
    using T = ArrayBuilder::Type;
    const size_t n = rows.size();
    ArrayBuilder& id = columns.add(T::kText, n);
    ArrayBuilder& version = columns.add(T::kInt4, n);
    ArrayBuilder& title = columns.add(T::kText, n);
    ArrayBuilder& abstract_raw = columns.add(T::kText, n);
    ArrayBuilder& abstract = columns.add(T::kText, n);
    ArrayBuilder& authors = columns.add(T::kText, n);
    ArrayBuilder& author_count = columns.add(T::kInt4, n);
    ArrayBuilder& categories = columns.add(T::kText, n);
    ArrayBuilder& published = columns.add(T::kText, n);
    ArrayBuilder& updated = columns.add(T::kText, n);
    ArrayBuilder& submitter = columns.add(T::kText, n);
    ArrayBuilder& comments = columns.add(T::kText, n);
    ArrayBuilder& journal_ref = columns.add(T::kText, n);
    ArrayBuilder& doi = columns.add(T::kText, n);
    ArrayBuilder& report_no = columns.add(T::kText, n);
    ArrayBuilder& license = columns.add(T::kText, n);
    ArrayBuilder& github_url = columns.add(T::kText, n);
    ArrayBuilder& project_url = columns.add(T::kText, n);
    ArrayBuilder& organization = columns.add(T::kText, n);
    ArrayBuilder& deleted = columns.add(T::kBool, n);
    ArrayBuilder& seq = columns.add(T::kInt8, n);
    ArrayBuilder& hash = columns.add(T::kInt8, n);
    ArrayBuilder* old_hash = guard ? &columns.add(T::kInt8, n) : nullptr;
    ArrayBuilder* old_deleted = guard ? &columns.add(T::kBool, n) : nullptr;
    // The long columns, sized once rather than grown copy by copy.
    size_t long_text[3] = {0, 0, 0};
    for (const BatchPlan::PaperRow& row : rows) {
        long_text[0] += row.paper->title.size() + 4;
        long_text[1] += row.paper->abstract_raw.size() + 4;
        long_text[2] += row.paper->abstract.size() + 4;
    }
    title.reserve(long_text[0]);
    abstract_raw.reserve(long_text[1]);
    abstract.reserve(long_text[2]);
    authors.reserve(n * 256);
    for (const BatchPlan::PaperRow& row : rows) {
        const Paper& p = *row.paper;
        id.add(std::string_view(p.id.str()));
        version.add(static_cast<int64_t>(p.version));
        title.add(std::string_view(p.title));
        abstract_raw.add(std::string_view(p.abstract_raw));
        abstract.add(std::string_view(p.abstract));
        authors.add(std::string_view(authors_to_json(p.authors)));
        author_count.add(static_cast<int64_t>(p.author_count));
        categories.add(std::string_view(join_categories(p.categories)));
        published.add(std::string_view(p.published));
        updated.add(std::string_view(p.updated));
        submitter.add(std::string_view(p.submitter));
        comments.add(std::string_view(p.comments));
        journal_ref.add(std::string_view(p.journal_ref));
        doi.add(std::string_view(p.doi));
        report_no.add(std::string_view(p.report_no));
        license.add(std::string_view(p.license));
        github_url.add(std::string_view(p.github_url));
        project_url.add(std::string_view(p.project_url));
        organization.add(std::string_view(p.organization));
        deleted.add(row.deleted);
        seq.add(row.seq);
        hash.add(to_column(row.hash));
        if (guard) {
            old_hash->add(to_column(row.old_hash));
            old_deleted->add(row.old_deleted);
        }
    }
    return columns.params();
}

std::vector<Param> entry_params(Columns& columns, const std::vector<BatchPlan::EntryRow>& rows,
                                bool guard) {
    using T = ArrayBuilder::Type;
    const size_t n = rows.size();
    ArrayBuilder& date = columns.add(T::kText, n);
    ArrayBuilder& paper_id = columns.add(T::kText, n);
    ArrayBuilder& submitted_by = columns.add(T::kText, n);
    ArrayBuilder& submitted_at = columns.add(T::kText, n);
    ArrayBuilder& upvotes = columns.add(T::kInt4, n);
    ArrayBuilder& num_comments = columns.add(T::kInt4, n);
    ArrayBuilder& seq = columns.add(T::kInt8, n);
    ArrayBuilder* old_seq = guard ? &columns.add(T::kInt8, n) : nullptr;
    for (const BatchPlan::EntryRow& row : rows) {
        const DailyEntry& e = row.entry;
        date.add(std::string_view(e.date));
        paper_id.add(std::string_view(e.paper_id.str()));
        submitted_by.add(std::string_view(e.submitted_by));
        submitted_at.add(std::string_view(e.submitted_at));
        upvotes.add(static_cast<int64_t>(e.upvotes));
        num_comments.add(static_cast<int64_t>(e.num_comments));
        seq.add(row.seq);
        if (guard) old_seq->add(row.old_seq);
    }
    return columns.params();
}

// A guarded bulk statement matched fewer rows than it was given: another writer changed them
// after the batch read them.
Error raced(std::string_view what) {
    return Error(ErrorCode::kUnavailable,
                 std::string(what) + " changed under the batch (a concurrent writer)");
}

bool is_conflict(const Connection& c) {
    const std::string& state = c.last_sqlstate();
    return state == kUniqueViolation || state == kSerializationFailure ||
           state == kDeadlockDetected;
}

}  // namespace

Result<WriteCounts> PostgresStore::write(const WriteBatch& batch) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    WriteCounts counts;
    if (batch.empty()) return counts;
    PAPERBOY_RETURN_IF_ERROR(check_batch_text(batch));
    for (int attempt = 1;; ++attempt) {
        bool conflict = false;
        Status s = with_connection([&](Connection& c) -> Status {
            counts = WriteCounts{};
            conflict = false;
            // A batch that raced another writer is read again under the feed lock: every
            // writer of these rows holds it, so nothing changes them until this one commits.
            return write_once(c, batch, counts, conflict, /*lock_first=*/attempt > 1);
        });
        if (s.ok()) return counts;
        if (!conflict || attempt >= kWriteAttempts) return s.error();
    }
}

Status PostgresStore::write_once(Connection& c, const WriteBatch& batch, WriteCounts& counts,
                                 bool& conflict, bool lock_first) {
    Transaction transaction(c);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    if (batch.size() >= kAsyncCommitOps) {
        if (auto async = c.run(Query::kAsyncCommit); !async.ok()) return async.error();
    }
    BatchPlan plan(batch);
    // With the lock taken now, the feed's top cannot move before the commit.
    std::optional<int64_t> locked_seq;
    if (lock_first) {
        auto seq = lock_feed(c);
        if (!seq.ok()) return seq.error();
        locked_seq = *seq;
    }

    // What the batch touches, as committed now. No row locks: the writes below are guarded by
    // what is read here, and every lock on these rows is taken under the feed lock.
    if (!plan.paper_ids().empty()) {
        const std::string ids = text_array(plan.paper_ids());
        auto heads = c.run(Query::kSelectPaperHeads, {Param::binary(ids)});
        if (!heads.ok()) return heads.error();
        for (int row = 0; row < heads->rows(); ++row) {
            plan.set_head(
                heads->string(row, 0),
                rules::StoredHead{from_column(heads->int64(row, 1)), heads->boolean(row, 2)});
        }
    }
    if (const std::vector<std::string> wanted = plan.rows_to_read(); !wanted.empty()) {
        const std::string ids = text_array(wanted);
        auto rows = c.run(Query::kSelectPaperRows, {Param::binary(ids)});
        if (!rows.ok()) return rows.error();
        for (int row = 0; row < rows->rows(); ++row) {
            auto id = stored_id(rows->text(row, 0));
            if (!id.ok()) return id.error();
            auto paper = read_paper(*rows, row, 1, std::move(id).value());
            if (!paper.ok()) return paper.error();
            plan.set_row(std::move(paper).value());
        }
    }
    if (!plan.entry_keys().empty()) {
        Columns keys;
        ArrayBuilder& dates = keys.add(ArrayBuilder::Type::kText, plan.entry_keys().size());
        ArrayBuilder& ids = keys.add(ArrayBuilder::Type::kText, plan.entry_keys().size());
        for (const auto& [date, id] : plan.entry_keys()) {
            dates.add(std::string_view(date));
            ids.add(std::string_view(id));
        }
        const std::vector<Param> params = keys.params();
        auto entries = c.run(Query::kSelectEntriesForWrite, params);
        if (!entries.ok()) return entries.error();
        for (int row = 0; row < entries->rows(); ++row) {
            auto id = stored_id(entries->text(row, 1));
            if (!id.ok()) return id.error();
            DailyEntry e;
            e.date = entries->string(row, 0);
            e.paper_id = std::move(id).value();
            e.submitted_by = entries->string(row, 2);
            e.submitted_at = entries->string(row, 3);
            e.upvotes = entries->integer(row, 4);
            e.num_comments = entries->integer(row, 5);
            plan.set_entry(std::move(e), entries->int64(row, 6));
        }
    }

    PAPERBOY_RETURN_IF_ERROR(plan.apply());
    counts = plan.counts();

    // From here to the commit, feed writers go one at a time (docs/schema.md). Every row lock
    // a feed writer takes (cursors included) is taken after this, so none waits for the lock
    // while holding a row another holder needs.
    int64_t first_seq = locked_seq.value_or(0);
    if (plan.change_count() > 0 && !locked_seq) {
        auto seq = lock_feed(c);
        if (!seq.ok()) return seq.error();
        first_seq = *seq;
    }
    const BatchPlan::Outcome out = plan.finish(first_seq);
    if (!plan.cursors().empty()) {
        Columns columns;
        ArrayBuilder& keys = columns.add(ArrayBuilder::Type::kText, plan.cursors().size());
        ArrayBuilder& values = columns.add(ArrayBuilder::Type::kText, plan.cursors().size());
        for (const auto& [key, value] : plan.cursors()) {
            keys.add(std::string_view(key));
            values.add(std::string_view(value));
        }
        const std::vector<Param> params = columns.params();
        if (auto r = c.run(Query::kUpsertCursors, params); !r.ok()) return r.error();
    }

    auto guarded = [&](Query q, const std::vector<Param>& params, size_t expected,
                       std::string_view what) -> Status {
        auto r = c.run(q, params);
        if (!r.ok()) {
            conflict = is_conflict(c);
            return r.error();
        }
        if (static_cast<size_t>(r->affected()) != expected) {
            conflict = true;
            return raced(what);
        }
        return Status::ok_status();
    };
    if (!out.paper_inserts.empty()) {
        Columns columns;
        PAPERBOY_RETURN_IF_ERROR(guarded(Query::kInsertPapers,
                                         paper_params(columns, out.paper_inserts, false),
                                         out.paper_inserts.size(), "new papers"));
    }
    if (!out.paper_updates.empty()) {
        Columns columns;
        PAPERBOY_RETURN_IF_ERROR(guarded(Query::kUpdatePapers,
                                         paper_params(columns, out.paper_updates, true),
                                         out.paper_updates.size(), "papers"));
    }
    if (!out.paper_flags.empty()) {
        Columns columns;
        const size_t n = out.paper_flags.size();
        ArrayBuilder& ids = columns.add(ArrayBuilder::Type::kText, n);
        ArrayBuilder& deleted = columns.add(ArrayBuilder::Type::kBool, n);
        ArrayBuilder& seqs = columns.add(ArrayBuilder::Type::kInt8, n);
        ArrayBuilder& old_hash = columns.add(ArrayBuilder::Type::kInt8, n);
        ArrayBuilder& old_deleted = columns.add(ArrayBuilder::Type::kBool, n);
        for (const BatchPlan::PaperFlags& f : out.paper_flags) {
            ids.add(std::string_view(f.id));
            deleted.add(f.deleted);
            seqs.add(f.seq);
            old_hash.add(to_column(f.old_hash));
            old_deleted.add(f.old_deleted);
        }
        PAPERBOY_RETURN_IF_ERROR(
            guarded(Query::kUpdatePaperFlags, columns.params(), n, "hidden papers"));
    }
    if (!out.hash_fixes.empty()) {
        // Only a cache of the content: a row another writer changed meanwhile keeps its hash.
        Columns columns;
        const size_t n = out.hash_fixes.size();
        ArrayBuilder& ids = columns.add(ArrayBuilder::Type::kText, n);
        ArrayBuilder& hashes = columns.add(ArrayBuilder::Type::kInt8, n);
        ArrayBuilder& old_hashes = columns.add(ArrayBuilder::Type::kInt8, n);
        for (const BatchPlan::HashFix& f : out.hash_fixes) {
            ids.add(std::string_view(f.id));
            hashes.add(to_column(f.hash));
            old_hashes.add(to_column(f.old_hash));
        }
        if (auto r = c.run(Query::kUpdatePaperHashes, columns.params()); !r.ok()) {
            return r.error();
        }
    }
    if (!out.entry_deletes.empty()) {
        Columns columns;
        const size_t n = out.entry_deletes.size();
        ArrayBuilder& dates = columns.add(ArrayBuilder::Type::kText, n);
        ArrayBuilder& ids = columns.add(ArrayBuilder::Type::kText, n);
        ArrayBuilder& old_seqs = columns.add(ArrayBuilder::Type::kInt8, n);
        for (const BatchPlan::EntryRow& e : out.entry_deletes) {
            dates.add(std::string_view(e.entry.date));
            ids.add(std::string_view(e.entry.paper_id.str()));
            old_seqs.add(e.old_seq);
        }
        PAPERBOY_RETURN_IF_ERROR(
            guarded(Query::kDeleteEntries, columns.params(), n, "removed daily entries"));
    }
    if (!out.entry_updates.empty()) {
        Columns columns;
        PAPERBOY_RETURN_IF_ERROR(guarded(Query::kUpdateEntries,
                                         entry_params(columns, out.entry_updates, true),
                                         out.entry_updates.size(), "daily entries"));
    }
    if (!out.entry_inserts.empty()) {
        Columns columns;
        PAPERBOY_RETURN_IF_ERROR(guarded(Query::kInsertEntries,
                                         entry_params(columns, out.entry_inserts, false),
                                         out.entry_inserts.size(), "new daily entries"));
    }
    PAPERBOY_RETURN_IF_ERROR(record_changes(c, out.changes));

    std::function<void()> hook;
    {
        std::lock_guard lock(hook_mu_);
        hook = before_commit_hook_;
    }
    if (hook) hook();
    if (Status s = transaction.commit(); !s.ok()) {
        conflict = is_conflict(c);
        return s.error().with_context("committing a batch");
    }
    return Status::ok_status();
}

}  // namespace paperboy::store::postgres
