#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/timestamp.h"
#include "store/migrations.h"
#include "store/paper_codec.h"
#include "store/postgres/connection.h"
#include "store/postgres/listener.h"
#include "store/postgres/pool.h"
#include "store/postgres/rows.h"
#include "store/postgres/schema.h"

namespace paperboy::store::postgres {
namespace {

// Papers handed to for_each_paper's callback per read.
constexpr int64_t kScanPageSize = 512;

constexpr std::string_view kPaperEntity = "paper";
constexpr std::string_view kEntryEntity = "daily_entry";
constexpr std::string_view kVectorEntity = "vector";

std::string_view entity_name(Change::Entity entity) {
    switch (entity) {
        case Change::Entity::kPaper:
            return kPaperEntity;
        case Change::Entity::kDailyEntry:
            return kEntryEntity;
        case Change::Entity::kVector:
            return kVectorEntity;
    }
    return kPaperEntity;
}

// The authors' JSON decoder of this thread (it keeps its buffers between calls).
AuthorsJsonReader& authors_reader() {
    thread_local AuthorsJsonReader reader;
    return reader;
}

int64_t clamp_limit(size_t limit) {
    return static_cast<int64_t>(
        std::min(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

}  // namespace

Result<PaperId> stored_id(std::string_view text) {
    auto id = PaperId::parse(text);
    if (!id.ok()) {
        return Error(ErrorCode::kCorruption, "stored paper id \"" + std::string(text) +
                                                 "\" does not parse: " + id.error().message());
    }
    return id;
}

Result<Paper> read_paper(const PgResult& r, int row, int first, PaperId id) {
    Paper p;
    p.id = std::move(id);
    int i = first;
    p.version = r.integer(row, i++);
    p.title = r.string(row, i++);
    p.abstract_raw = r.string(row, i++);
    p.abstract = r.string(row, i++);
    auto authors = authors_reader().read(r.text(row, i++));
    if (!authors.ok()) return authors.error().with_context("paper " + p.id.str());
    p.authors = std::move(authors).value();
    p.author_count = r.integer(row, i++);
    p.categories = split_categories(r.text(row, i++));
    p.published = r.string(row, i++);
    p.updated = r.string(row, i++);
    p.submitter = r.string(row, i++);
    p.comments = r.string(row, i++);
    p.journal_ref = r.string(row, i++);
    p.doi = r.string(row, i++);
    p.report_no = r.string(row, i++);
    p.license = r.string(row, i++);
    p.github_url = r.string(row, i++);
    p.project_url = r.string(row, i++);
    p.organization = r.string(row, i++);
    return p;
}

Result<DailyEntry> read_entry(const PgResult& r, int row) {
    auto id = stored_id(r.text(row, 0));
    if (!id.ok()) return id.error();
    DailyEntry e;
    e.paper_id = std::move(id).value();
    e.date = r.string(row, 1);
    e.submitted_by = r.string(row, 2);
    e.submitted_at = r.string(row, 3);
    e.upvotes = r.integer(row, 4);
    e.num_comments = r.integer(row, 5);
    return e;
}

Result<std::vector<DailyEntry>> read_entries(const PgResult& r) {
    std::vector<DailyEntry> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        auto e = read_entry(r, row);
        if (!e.ok()) return e.error();
        out.push_back(std::move(e).value());
    }
    return out;
}

std::string id_array(const std::vector<PaperId>& ids) {
    ArrayBuilder array(ArrayBuilder::Type::kText, ids.size());
    for (const PaperId& id : ids) array.add(std::string_view(id.str()));
    return array.bytes();
}

std::string text_array(const std::vector<std::string>& items) {
    ArrayBuilder array(ArrayBuilder::Type::kText, items.size());
    for (const std::string& item : items) array.add(std::string_view(item));
    return array.bytes();
}

Result<int64_t> lock_feed(Connection& c) {
    if (auto locked = c.run(Query::kLockFeed); !locked.ok()) return locked.error();
    // A statement of its own: in read committed, its snapshot is taken after the lock was
    // granted, so it sees the previous holder's commit.
    auto top = c.run(Query::kFeedTop);
    if (!top.ok()) return top.error();
    return top->int64(0, 0) + 1;
}

namespace {

// Writes `changes` with `q` (the upsert, or the plain insert of first entries).
Status write_changes(Connection& c, Query q, const std::vector<BatchPlan::ChangeRecord>& changes,
                     bool first) {
    size_t n = 0;
    for (const BatchPlan::ChangeRecord& change : changes) n += change.first == first ? 1 : 0;
    if (n == 0) return Status::ok_status();
    ArrayBuilder seqs(ArrayBuilder::Type::kInt8, n);
    ArrayBuilder entities(ArrayBuilder::Type::kText, n);
    ArrayBuilder ids(ArrayBuilder::Type::kText, n);
    ArrayBuilder dates(ArrayBuilder::Type::kText, n);
    ArrayBuilder deleted(ArrayBuilder::Type::kBool, n);
    for (const BatchPlan::ChangeRecord& change : changes) {
        if (change.first != first) continue;
        seqs.add(change.seq);
        entities.add(entity_name(change.entity));
        ids.add(std::string_view(change.paper_id));
        dates.add(std::string_view(change.date));
        deleted.add(change.deleted);
    }
    auto written = c.run(q, {Param::binary(seqs.bytes()), Param::binary(entities.bytes()),
                             Param::binary(ids.bytes()), Param::binary(dates.bytes()),
                             Param::binary(deleted.bytes())});
    if (!written.ok()) return written.error();
    return Status::ok_status();
}

}  // namespace

Status record_changes(Connection& c, const std::vector<BatchPlan::ChangeRecord>& changes) {
    if (changes.empty()) return Status::ok_status();
    PAPERBOY_RETURN_IF_ERROR(write_changes(c, Query::kInsertChanges, changes, true));
    PAPERBOY_RETURN_IF_ERROR(write_changes(c, Query::kRecordChanges, changes, false));
    int64_t top = 0;
    for (const BatchPlan::ChangeRecord& change : changes) top = std::max(top, change.seq);
    const std::string payload = std::to_string(top);
    auto notified = c.run(Query::kNotifyChanges, {payload});
    if (!notified.ok()) return notified.error();
    return Status::ok_status();
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url,
                                                           const OpenOptions& options) {
    const std::string name = database_name(url);
    ConnectSettings settings;
    settings.url = url;
    settings.connect_timeout_s = std::max(2, (options.connect_timeout_ms + 999) / 1000);
    settings.read_only = options.read_only;
    auto pool = std::make_unique<Pool>(settings, name, options.pool_size);

    int version = 0;
    {
        auto lease = pool->acquire();
        if (!lease.ok()) return lease.error();
        Connection& c = **lease;
        const int latest = latest_schema_version();
        if (options.read_only || !options.create_if_missing) {
            auto found = read_schema_version(c, name);
            if (!found.ok()) return found.error();
            version = *found;
            if (version == 0) {
                return Error(ErrorCode::kNotFound, name + " is empty (no Paperboy schema)");
            }
            if (version > latest) return newer_schema_error(name, version);
            if (options.read_only && version < latest) {
                return older_schema_read_only_error(name, version);
            }
        }
        if (!options.read_only) {
            auto migrated = migrate(c, name);
            if (!migrated.ok()) return migrated.error();
            version = *migrated;
        }
    }
    return std::unique_ptr<PostgresStore>(new PostgresStore(
        url, name, std::move(pool), version, options.read_only, settings.connect_timeout_s));
}

PostgresStore::PostgresStore(std::string url, std::string name, std::unique_ptr<Pool> pool,
                             int schema_version, bool read_only, int connect_timeout_s)
    : url_(std::move(url)),
      name_(std::move(name)),
      pool_(std::move(pool)),
      schema_version_(schema_version),
      read_only_(read_only),
      connect_timeout_s_(connect_timeout_s) {}

PostgresStore::~PostgresStore() = default;

Status PostgresStore::with_connection(const std::function<Status(Connection&)>& fn) {
    for (int attempt = 0;; ++attempt) {
        auto lease = pool_->acquire();
        if (!lease.ok()) return lease.error();
        Status s = fn(**lease);
        if (s.ok()) return s;
        const bool stale = lease->reused() && (*lease)->broken() &&
                           (*lease)->statements_this_lease() == 1 && attempt == 0;
        if (!stale) return s;
    }
}

Status PostgresStore::check_writable() const {
    if (read_only_) return Error(ErrorCode::kInvalidArgument, name_ + " was opened read-only");
    return Status::ok_status();
}

void PostgresStore::set_before_commit_hook_for_testing(std::function<void()> hook) {
    std::lock_guard lock(hook_mu_);
    before_commit_hook_ = std::move(hook);
}

Status PostgresStore::prepare_all_statements() {
    return with_connection([&](Connection& c) -> Status {
        // As the unnamed statement: what is checked is that each text prepares against the
        // schema, whatever the connection has prepared already.
        for (int q = 0; q < kQueryCount; ++q) {
            PgResult prepared(
                PQprepare(c.raw(), "", sql_text(static_cast<Query>(q)).data(), 0, nullptr));
            if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
                return Error(ErrorCode::kInternal,
                             name_ + ": preparing statement " + std::to_string(q) + " (\"" +
                                 std::string(sql_text(static_cast<Query>(q)).substr(0, 60)) +
                                 "\"): " + PQresultErrorMessage(prepared.get()));
            }
        }
        return Status::ok_status();
    });
}

Result<std::optional<Paper>> PostgresStore::get_paper(const PaperId& id) {
    std::optional<Paper> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectPaper, {id.str()});
            if (!r.ok()) return r.error();
            if (r->rows() == 0) return Status::ok_status();
            auto paper = read_paper(*r, 0, 0, id);
            if (!paper.ok()) return paper.error();
            out = std::move(paper).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<std::optional<Paper>>> PostgresStore::get_papers(
    const std::vector<PaperId>& ids) {
    std::vector<std::optional<Paper>> out(ids.size());
    if (ids.empty()) return out;
    const std::string array = id_array(ids);
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectPapers, {Param::binary(array)});
            if (!r.ok()) return r.error();
            std::unordered_map<std::string_view, int> row_of;
            for (int row = 0; row < r->rows(); ++row) row_of[r->text(row, 0)] = row;
            for (size_t i = 0; i < ids.size(); ++i) {
                const auto it = row_of.find(ids[i].str());
                if (it == row_of.end()) continue;
                auto paper = read_paper(*r, it->second, 1, ids[i]);
                if (!paper.ok()) return paper.error();
                out[i] = std::move(paper).value();
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::for_each_paper(const std::function<bool(const Paper&)>& fn) {
    // Keyset paging: each page is one short read starting after the last id seen, and no
    // connection is held while fn runs (fn may call this store).
    std::string after;
    std::vector<Paper> page;
    for (;;) {
        PAPERBOY_RETURN_IF_ERROR(with_connection([&](Connection& c) -> Status {
            page.clear();
            auto r = c.run(Query::kSelectPaperPage, {after, kScanPageSize});
            if (!r.ok()) return r.error();
            for (int row = 0; row < r->rows(); ++row) {
                auto id = stored_id(r->text(row, 0));
                if (!id.ok()) return id.error();
                auto paper = read_paper(*r, row, 1, std::move(id).value());
                if (!paper.ok()) return paper.error();
                page.push_back(std::move(paper).value());
            }
            return Status::ok_status();
        }));
        for (const Paper& p : page) {
            if (!fn(p)) return Status::ok_status();
        }
        if (static_cast<int64_t>(page.size()) < kScanPageSize) return Status::ok_status();
        after = page.back().id.str();
    }
}

namespace {

// Runs an entry-list statement and reads its rows.
Result<std::vector<DailyEntry>> entries_of(Connection& c, Query q,
                                           std::initializer_list<Param> params) {
    auto r = c.run(q, params);
    if (!r.ok()) return r.error();
    return read_entries(*r);
}

}  // namespace

Result<std::vector<DailyEntry>> PostgresStore::daily_entries(std::string_view date) {
    std::vector<DailyEntry> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto e = entries_of(c, Query::kSelectDailyEntries, {date});
            if (!e.ok()) return e.error();
            out = std::move(e).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<DailyEntry>> PostgresStore::daily_entries_between(std::string_view first_date,
                                                                     std::string_view last_date) {
    std::vector<DailyEntry> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto e = entries_of(c, Query::kSelectDailyEntriesBetween, {first_date, last_date});
            if (!e.ok()) return e.error();
            out = std::move(e).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<DailyEntry>> PostgresStore::entries_for_paper(const PaperId& id) {
    std::vector<DailyEntry> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto e = entries_of(c, Query::kSelectEntriesForPaper, {id.str()});
            if (!e.ok()) return e.error();
            out = std::move(e).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<std::vector<DailyEntry>>> PostgresStore::entries_for_papers(
    const std::vector<PaperId>& ids) {
    std::vector<std::vector<DailyEntry>> out(ids.size());
    if (ids.empty()) return out;
    const std::string array = id_array(ids);
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto all = entries_of(c, Query::kSelectEntriesForPapers, {Param::binary(array)});
            if (!all.ok()) return all.error();
            std::unordered_map<std::string, std::vector<DailyEntry>> by_paper;
            for (DailyEntry& e : *all) by_paper[e.paper_id.str()].push_back(std::move(e));
            for (size_t i = 0; i < ids.size(); ++i) {
                const auto it = by_paper.find(ids[i].str());
                out[i] = it == by_paper.end() ? std::vector<DailyEntry>{} : it->second;
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<std::optional<PaperCard>>> PostgresStore::paper_cards(
    const std::vector<PaperId>& ids) {
    std::vector<std::optional<PaperCard>> out(ids.size());
    if (ids.empty()) return out;
    const std::string array = id_array(ids);
    if (Status done = with_connection([&](Connection& c) -> Status {
            // The papers and their entries as of one snapshot.
            Transaction snapshot(c);
            PAPERBOY_RETURN_IF_ERROR(snapshot.begin(Query::kBeginSnapshot));
            auto r = c.run(Query::kSelectPaperCards, {Param::binary(array)});
            if (!r.ok()) return r.error();
            auto all = entries_of(c, Query::kSelectEntriesForPapers, {Param::binary(array)});
            if (!all.ok()) return all.error();
            PAPERBOY_RETURN_IF_ERROR(snapshot.commit());
            std::unordered_map<std::string, std::vector<DailyEntry>> by_paper;
            for (DailyEntry& e : *all) by_paper[e.paper_id.str()].push_back(std::move(e));
            std::unordered_map<std::string_view, int> row_of;
            for (int row = 0; row < r->rows(); ++row) row_of[r->text(row, 0)] = row;
            constexpr int kCountCol = 1 + queries::kPaperColumnCount;
            for (size_t i = 0; i < ids.size(); ++i) {
                out[i].reset();
                const auto it = row_of.find(ids[i].str());
                if (it == row_of.end()) continue;
                auto paper = read_paper(*r, it->second, 1, ids[i]);
                if (!paper.ok()) return paper.error();
                const auto entries = by_paper.find(ids[i].str());
                out[i] = PaperCard{
                    std::move(paper).value(),
                    entries == by_paper.end() ? std::vector<DailyEntry>{} : entries->second,
                    r->integer(it->second, kCountCol), r->integer(it->second, kCountCol + 1)};
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::vector<Change>> PostgresStore::changes_since(int64_t after_seq, size_t limit) {
    std::vector<Change> out;
    if (limit == 0) return out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            out.clear();
            auto r = c.run(Query::kSelectChanges, {after_seq, clamp_limit(limit)});
            if (!r.ok()) return r.error();
            out.reserve(static_cast<size_t>(r->rows()));
            for (int row = 0; row < r->rows(); ++row) {
                auto id = stored_id(r->text(row, 2));
                if (!id.ok()) return id.error();
                Change& change = out.emplace_back();
                change.seq = r->int64(row, 0);
                const std::string_view entity = r->text(row, 1);
                change.entity = entity == kEntryEntity    ? Change::Entity::kDailyEntry
                                : entity == kVectorEntity ? Change::Entity::kVector
                                                          : Change::Entity::kPaper;
                change.paper_id = std::move(id).value();
                change.date = r->string(row, 3);
                change.deleted = r->boolean(row, 4);
            }
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<std::string>> PostgresStore::adjacent_daily_date(std::string_view date,
                                                                      bool later) {
    std::optional<std::string> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(later ? Query::kSelectNextDate : Query::kSelectPreviousDate, {date});
            if (!r.ok()) return r.error();
            if (r->rows() > 0) out = r->string(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<std::optional<std::string>> PostgresStore::cursor(std::string_view key) {
    std::optional<std::string> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectCursor, {key});
            if (!r.ok()) return r.error();
            if (r->rows() > 0) out = r->string(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<StoreStats> PostgresStore::stats() {
    StoreStats st;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kStats);
            if (!r.ok()) return r.error();
            st.papers = r->int64(0, 0);
            st.deleted_papers = r->int64(0, 1);
            st.papers_with_code = r->int64(0, 2);
            st.daily_entries = r->int64(0, 3);
            st.daily_dates = r->int64(0, 4);
            st.first_daily_date = r->string(0, 5);
            st.last_daily_date = r->string(0, 6);
            st.last_sequence = r->int64(0, 7);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    st.schema_version = schema_version_;
    return st;
}

Result<std::vector<DailyEntry>> PostgresStore::entries_submitted_by(std::string_view handle,
                                                                    size_t limit) {
    std::vector<DailyEntry> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto e = entries_of(c, Query::kSelectEntriesBySubmitter, {handle, clamp_limit(limit)});
            if (!e.ok()) return e.error();
            out = std::move(e).value();
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Status PostgresStore::put_organization(const Organization& organization) {
    PAPERBOY_RETURN_IF_ERROR(check_writable());
    const std::string now = now_timestamp();
    return with_connection([&](Connection& c) -> Status {
        auto r = c.run(Query::kUpsertOrganization,
                       {organization.name, organization.full_name, organization.avatar_url, now});
        if (!r.ok()) return r.error();
        return Status::ok_status();
    });
}

Result<std::optional<Organization>> PostgresStore::organization(std::string_view name) {
    std::optional<Organization> out;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kSelectOrganization, {name});
            if (!r.ok()) return r.error();
            if (r->rows() > 0)
                out = Organization{r->string(0, 0), r->string(0, 1), r->string(0, 2)};
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return out;
}

Result<int64_t> PostgresStore::feed_top() {
    int64_t top = 0;
    if (Status done = with_connection([&](Connection& c) -> Status {
            auto r = c.run(Query::kFeedTop);
            if (!r.ok()) return r.error();
            top = r->int64(0, 0);
            return Status::ok_status();
        });
        !done.ok()) {
        return done.error();
    }
    return top;
}

Result<bool> PostgresStore::wait_for_changes(int64_t after_seq, std::chrono::milliseconds timeout) {
    using std::chrono::steady_clock;
    const auto deadline = steady_clock::now() + timeout;
    ChangeListener* listener = nullptr;
    {
        std::lock_guard lock(listener_mu_);
        if (listener_ == nullptr) {
            ConnectSettings settings;
            settings.url = url_;
            settings.connect_timeout_s = connect_timeout_s_;
            listener_ = std::make_unique<ChangeListener>(std::move(settings), name_);
        }
        listener = listener_.get();
    }
    for (;;) {
        // Note the generation before reading the feed, so that a notification in between is
        // not lost.
        const ChangeListener::State seen = listener->state();
        if (seen.top > after_seq) return true;
        auto top = feed_top();
        if (!top.ok()) return top.error();
        if (*top > after_seq) return true;
        const auto now = steady_clock::now();
        if (now >= deadline) return false;
        const auto until =
            seen.listening ? deadline : std::min(deadline, now + kChangePollInterval);
        listener->wait(seen.generation, until);
    }
}

}  // namespace paperboy::store::postgres
