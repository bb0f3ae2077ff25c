#include "store/table_io.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <system_error>

#include "store/migrations.h"

namespace paperboy::store {
namespace {

using T = ColumnType;

// The columns of each table, in the order of store/migrations.cpp (a step's ALTER TABLE adds
// its column at the end). check_catalog() compares them with the database at every open, so a
// new step that adds a column or a table without adding it here fails loudly instead of being
// left out of copies.
constexpr std::array kPapers = {
    Column{"id", T::kText},
    Column{"version", T::kInteger},
    Column{"title", T::kText},
    Column{"abstract_raw", T::kText},
    Column{"abstract", T::kText},
    Column{"authors", T::kText},
    Column{"author_count", T::kInteger},
    Column{"categories", T::kText},
    Column{"published", T::kText},
    Column{"updated", T::kText},
    Column{"submitter", T::kText},
    Column{"comments", T::kText},
    Column{"journal_ref", T::kText},
    Column{"doi", T::kText},
    Column{"report_no", T::kText},
    Column{"license", T::kText},
    Column{"github_url", T::kText},
    Column{"project_url", T::kText},
    Column{"organization", T::kText},
    Column{"deleted", T::kBoolean},
    Column{"seq", T::kInteger},
    Column{"content_hash", T::kInteger},
    Column{"votes", T::kInteger},
    Column{"comment_count", T::kInteger},
};
constexpr std::array kDailyEntries = {
    Column{"date", T::kText},         Column{"paper_id", T::kText},
    Column{"submitted_by", T::kText}, Column{"submitted_at", T::kText},
    Column{"upvotes", T::kInteger},   Column{"num_comments", T::kInteger},
    Column{"seq", T::kInteger},
};
constexpr std::array kChanges = {
    Column{"seq", T::kInteger}, Column{"entity", T::kText},     Column{"paper_id", T::kText},
    Column{"date", T::kText},   Column{"deleted", T::kBoolean},
};
constexpr std::array kCursors = {Column{"key", T::kText}, Column{"value", T::kText}};
constexpr std::array kUsers = {
    Column{"id", T::kInteger},
    Column{"handle", T::kText},
    Column{"email", T::kText},
    Column{"password_hash", T::kText},
    Column{"role", T::kText},
    Column{"created_at", T::kText},
    Column{"email_verified_at", T::kText, true},
};
constexpr std::array kSessions = {
    Column{"token_digest", T::kText},
    Column{"user_id", T::kInteger},
    Column{"created_at", T::kText},
    Column{"expires_at", T::kText},
};
constexpr std::array kApiTokens = {
    Column{"id", T::kInteger}, Column{"token_digest", T::kText}, Column{"user_id", T::kInteger},
    Column{"name", T::kText},  Column{"created_at", T::kText},   Column{"last_used_at", T::kText},
};
constexpr std::array kVotes = {
    Column{"user_id", T::kInteger},
    Column{"paper_id", T::kText},
    Column{"created_at", T::kText},
};
constexpr std::array kComments = {
    Column{"id", T::kInteger},      Column{"paper_id", T::kText},
    Column{"user_id", T::kInteger}, Column{"parent_id", T::kInteger, true},
    Column{"body", T::kBytes},      Column{"created_at", T::kText},
    Column{"updated_at", T::kText}, Column{"hidden", T::kBoolean},
    Column{"deleted", T::kBoolean},
};
constexpr std::array kOrganizations = {
    Column{"name", T::kText},
    Column{"full_name", T::kText},
    Column{"avatar_url", T::kText},
    Column{"updated_at", T::kText},
};
constexpr std::array kSubscriptions = {
    Column{"id", T::kInteger},
    Column{"email", T::kText},
    Column{"frequency", T::kText},
    Column{"topic", T::kText},
    Column{"status", T::kText},
    Column{"user_id", T::kInteger, true},
    Column{"created_at", T::kText},
    Column{"confirmed_at", T::kText, true},
    Column{"confirm_nonce", T::kText, true},
    Column{"confirm_sent_at", T::kText, true},
    Column{"permanent_failures", T::kInteger},
    Column{"updated_at", T::kText},
};
constexpr std::array kDigestSends = {
    Column{"subscription_id", T::kInteger},
    Column{"period", T::kText},
    Column{"state", T::kText},
    Column{"message_id", T::kText},
    Column{"papers", T::kText},
    Column{"attempts", T::kInteger},
    Column{"last_error", T::kText},
    Column{"created_at", T::kText},
    Column{"updated_at", T::kText},
};
constexpr std::array kPapersReceived = {
    Column{"email", T::kText},
    Column{"paper_id", T::kText},
    Column{"received_at", T::kText},
};
constexpr std::array kMailTokens = {
    Column{"digest", T::kText},     Column{"user_id", T::kInteger},
    Column{"purpose", T::kText},    Column{"created_at", T::kText},
    Column{"expires_at", T::kText}, Column{"used_at", T::kText, true},
};
constexpr std::array kInstanceSecrets = {Column{"name", T::kText}, Column{"value", T::kText}};
constexpr std::array kLeases = {
    Column{"name", T::kText},
    Column{"holder", T::kText},
    Column{"expires_at", T::kInteger},
};
constexpr std::array kRateCounters = {
    Column{"key", T::kText},
    Column{"window_start", T::kInteger},
    Column{"expires_at", T::kInteger},
    Column{"count", T::kInteger},
};
constexpr std::array kEmbeddingModels = {
    Column{"id", T::kInteger},         Column{"identity", T::kText},   Column{"spec", T::kText},
    Column{"dimensions", T::kInteger}, Column{"created_at", T::kText},
};
constexpr std::array kPaperVectors = {
    Column{"model_id", T::kInteger},  Column{"paper_id", T::kText},
    Column{"text_hash", T::kInteger}, Column{"paper_hash", T::kInteger},
    Column{"vector", T::kBytes},
};

// Copy order: referenced tables first (papers before entries, votes and comments; users before
// what names them; subscriptions before sends); cursors last, since a copy's destination keeps
// its own store.id there until the end.
constexpr std::array kTables = {
    Table{"papers", kPapers, 1, ""},
    Table{"daily_entries", kDailyEntries, 2, ""},
    Table{"changes", kChanges, 1, ""},
    Table{"users", kUsers, 1, "id"},
    Table{"sessions", kSessions, 1, ""},
    Table{"api_tokens", kApiTokens, 1, "id"},
    Table{"votes", kVotes, 2, ""},
    Table{"comments", kComments, 1, "id"},
    Table{"organizations", kOrganizations, 1, ""},
    Table{"embedding_models", kEmbeddingModels, 1, "id"},
    Table{"paper_vectors", kPaperVectors, 2, ""},
    Table{"subscriptions", kSubscriptions, 1, "id"},
    Table{"digest_sends", kDigestSends, 2, ""},
    Table{"papers_received", kPapersReceived, 2, ""},
    Table{"mail_tokens", kMailTokens, 1, ""},
    Table{"instance_secrets", kInstanceSecrets, 1, ""},
    Table{"leases", kLeases, 1, ""},
    Table{"rate_counters", kRateCounters, 2, ""},
    Table{"cursors", kCursors, 1, ""},
};

// A column that names a row of another table (or of its own).
struct Reference {
    std::string_view table;
    std::string_view column;
    std::string_view parent;
    std::string_view parent_column;
    std::string_view noun;  // what a parent row is, for messages
};
constexpr std::array kReferences = {
    Reference{"daily_entries", "paper_id", "papers", "id", "paper"},
    Reference{"votes", "paper_id", "papers", "id", "paper"},
    Reference{"comments", "paper_id", "papers", "id", "paper"},
    Reference{"papers_received", "paper_id", "papers", "id", "paper"},
    Reference{"votes", "user_id", "users", "id", "user"},
    Reference{"comments", "user_id", "users", "id", "user"},
    Reference{"sessions", "user_id", "users", "id", "user"},
    Reference{"api_tokens", "user_id", "users", "id", "user"},
    Reference{"mail_tokens", "user_id", "users", "id", "user"},
    Reference{"subscriptions", "user_id", "users", "id", "user"},
    Reference{"digest_sends", "subscription_id", "subscriptions", "id", "subscription"},
    Reference{"comments", "parent_id", "comments", "id", "comment"},
    Reference{"paper_vectors", "paper_id", "papers", "id", "paper"},
    Reference{"paper_vectors", "model_id", "embedding_models", "id", "model"},
};

std::string quoted(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

// The listing of the rows of `r.table` whose `r.column` names no row of `r.parent`.
IntegrityCheck reference_check(const Reference& r) {
    const Table* table = find_table(r.table);
    IntegrityCheck check;
    check.name = "ref." + std::string(r.table) + "." + std::string(r.column);
    check.table = std::string(r.table);
    check.problem = "names a " + std::string(r.noun) + " (" + std::string(r.column) +
                    ") that does not exist in " + std::string(r.parent);
    std::string select;
    std::string order;
    bool column_in_key = false;
    for (const Column& k : table->key()) {
        select += (select.empty() ? "" : ", ") + std::string("c.") + quoted(k.name);
        order += (order.empty() ? "" : ", ") + std::string("c.") + quoted(k.name);
        check.labels.emplace_back(k.name);
        column_in_key = column_in_key || k.name == r.column;
    }
    if (!column_in_key) {
        select += ", c." + quoted(r.column);
        check.labels.emplace_back(r.column);
    }
    check.sql = "SELECT " + select + " FROM " + quoted(r.table) + " c WHERE c." + quoted(r.column) +
                " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + quoted(r.parent) + " p WHERE p." +
                quoted(r.parent_column) + " = c." + quoted(r.column) + ") ORDER BY " + order;
    return check;
}

std::vector<IntegrityCheck> build_checks() {
    std::vector<IntegrityCheck> out = {
        {"feed.paper_without_change",
         "papers",
         "has no entry on the change feed",
         {"id"},
         "SELECT p.id FROM papers p WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE "
         "c.entity = 'paper' AND c.paper_id = p.id AND c.date = '') ORDER BY p.id"},
        {"feed.entry_without_change",
         "daily_entries",
         "has no entry on the change feed",
         {"date", "paper_id"},
         "SELECT e.date, e.paper_id FROM daily_entries e WHERE NOT EXISTS (SELECT 1 FROM "
         "changes c WHERE c.entity = 'daily_entry' AND c.paper_id = e.paper_id AND "
         "c.date = e.date) ORDER BY e.date, e.paper_id"},
        {"feed.paper_seq",
         "papers",
         "has a seq that differs from its change feed entry's",
         {"id", "seq", "feed seq"},
         "SELECT p.id, p.seq, c.seq FROM papers p JOIN changes c ON c.entity = 'paper' AND "
         "c.paper_id = p.id AND c.date = '' WHERE p.seq <> c.seq ORDER BY p.id"},
        {"feed.entry_seq",
         "daily_entries",
         "has a seq that differs from its change feed entry's",
         {"date", "paper_id", "seq", "feed seq"},
         "SELECT e.date, e.paper_id, e.seq, c.seq FROM daily_entries e JOIN changes c ON "
         "c.entity = 'daily_entry' AND c.paper_id = e.paper_id AND c.date = e.date WHERE "
         "e.seq <> c.seq ORDER BY e.date, e.paper_id"},
        {"feed.vector_without_change",
         "paper_vectors",
         "has no entry on the change feed",
         {"model_id", "paper_id"},
         "SELECT v.model_id, v.paper_id FROM paper_vectors v WHERE NOT EXISTS (SELECT 1 FROM "
         "changes c WHERE c.entity = 'vector' AND c.paper_id = v.paper_id AND c.date = '') "
         "ORDER BY v.model_id, v.paper_id"},
        {"feed.duplicate_record",
         "changes",
         "is on the change feed more than once",
         {"entity", "paper_id", "date", "rows"},
         "SELECT entity, paper_id, date, COUNT(*) FROM changes GROUP BY entity, paper_id, date "
         "HAVING COUNT(*) > 1 ORDER BY entity, paper_id, date"},
        {"feed.duplicate_seq",
         "changes",
         "is the seq of more than one feed entry",
         {"seq", "rows"},
         "SELECT seq, COUNT(*) FROM changes GROUP BY seq HAVING COUNT(*) > 1 ORDER BY seq"},
        // Papers are never removed (a deletion hides them), so every feed entry, a removed daily
        // entry's included, names a stored paper.
        {"feed.unknown_paper",
         "changes",
         "names a paper that does not exist in papers",
         {"seq", "entity", "paper_id"},
         "SELECT c.seq, c.entity, c.paper_id FROM changes c WHERE NOT EXISTS (SELECT 1 FROM "
         "papers p WHERE p.id = c.paper_id) ORDER BY c.seq"},
    };
    for (const Reference& r : kReferences) out.push_back(reference_check(r));
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::span<const Table> tables() { return kTables; }

const Table* find_table(std::string_view name) {
    for (const Table& t : kTables) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

std::string describe(const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) return "NULL";
    if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
    const std::string& s = std::get<std::string>(v);
    // Keys are short ids and dates; a long value is cut so that a message stays one line.
    constexpr size_t kMaxShown = 80;
    std::string shown = s.size() > kMaxShown ? s.substr(0, kMaxShown) + "..." : s;
    for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return shown;
}

std::string describe_key(const Table& table, std::span<const Value> key) {
    std::string out;
    for (size_t i = 0; i < key.size() && i < table.key_size; ++i) {
        if (!out.empty()) out += ' ';
        out += std::string(table.columns[i].name) + "=" + describe(key[i]);
    }
    return out;
}

const std::vector<IntegrityCheck>& integrity_checks() {
    static const std::vector<IntegrityCheck> checks = build_checks();
    return checks;
}

Result<DatabaseLocation> parse_database_url(std::string_view url) {
    if (url.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "empty database URL; expected PATH, sqlite:PATH or postgresql://...");
    }
    if (url == "sqlite::memory:" || url == ":memory:") {
        return Error(ErrorCode::kInvalidArgument,
                     "database URL " + std::string(url) +
                         ": an in-memory database lives only inside one process");
    }
    if (starts_with(url, "postgres://") || starts_with(url, "postgresql://")) {
        return DatabaseLocation{DatabaseLocation::Backend::kPostgres, std::string(url)};
    }
    if (starts_with(url, "postgres:") || starts_with(url, "postgresql:")) {
        return Error(ErrorCode::kInvalidArgument,
                     "database URL " + std::string(url) +
                         ": expected postgresql://[user@]host[:port]/database[?...]");
    }
    std::string_view path = url;
    // As open_store(): "sqlite://" before "sqlite:" so that "sqlite:///abs/file.db" keeps its
    // leading slash.
    if (starts_with(path, "sqlite://")) {
        path.remove_prefix(std::string_view("sqlite://").size());
    } else if (starts_with(path, "sqlite:")) {
        path.remove_prefix(std::string_view("sqlite:").size());
    } else if (size_t scheme_end = path.find("://"); scheme_end != std::string_view::npos) {
        return Error(ErrorCode::kInvalidArgument,
                     "database URL " + std::string(url) + ": unknown scheme \"" +
                         std::string(path.substr(0, scheme_end)) +
                         "\"; expected PATH, sqlite:PATH or postgresql://...");
    }
    if (path.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "database URL " + std::string(url) + ": no database path");
    }
    return DatabaseLocation{DatabaseLocation::Backend::kSqlite, std::string(path)};
}

Result<std::unique_ptr<TableIo>> open_table_io(std::string_view url,
                                               const TableIoOptions& options) {
    auto location = parse_database_url(url);
    if (!location.ok()) return location.error();
    if (location->backend == DatabaseLocation::Backend::kPostgres) {
        return postgres::open_table_io(location->target, options);
    }
    return sqlite::open_table_io(location->target, options);
}

Status check_catalog(const std::string& database,
                     const std::vector<std::pair<std::string, std::string>>& columns) {
    std::map<std::string, std::vector<std::string>> found;
    for (const auto& [table, column] : columns) {
        if (table == "schema_version") continue;
        found[table].push_back(column);
    }
    const std::string fix =
        " (the table catalog in src/store/table_io.cpp must follow "
        "src/store/migrations.cpp)";
    for (const auto& [table, names] : found) {
        const Table* t = find_table(table);
        if (t == nullptr) {
            return Error(ErrorCode::kInternal, database + " has a table " + table +
                                                   " that paperboy db cannot copy or check" + fix);
        }
        std::vector<std::string> expected;
        for (const Column& c : t->columns) expected.emplace_back(c.name);
        if (names != expected) {
            std::string have;
            for (const std::string& n : names) have += (have.empty() ? "" : ", ") + n;
            return Error(ErrorCode::kInternal, database + ": table " + table +
                                                   " has the columns (" + have +
                                                   "), not the ones paperboy db knows" + fix);
        }
    }
    for (const Table& t : kTables) {
        if (!found.contains(std::string(t.name))) {
            return Error(ErrorCode::kInternal,
                         database + " has no table " + std::string(t.name) + fix);
        }
    }
    return Status::ok_status();
}

Error schema_not_latest_error(const std::string& database, int version) {
    const int latest = latest_schema_version();
    if (version == 0) {
        return Error(ErrorCode::kNotFound, database + " holds no Paperboy schema");
    }
    if (version > latest) return newer_schema_error(database, version);
    return Error(ErrorCode::kVersionMismatch,
                 database + " has schema version " + std::to_string(version) +
                     " and this paperboy writes " + std::to_string(latest) +
                     "; upgrade it first by opening it once with this paperboy (for example "
                     "paperboy stats --db ...), then run this again");
}

}  // namespace paperboy::store
