#include "store/postgres/schema.h"

#include "core/timestamp.h"
#include "store/migrations.h"

namespace paperboy::store::postgres {

std::string database_name(std::string_view url) {
    std::string out(url);
    // postgresql://user:secret@host/db -> postgresql://user@host/db
    if (const size_t scheme = out.find("://"); scheme != std::string::npos) {
        const size_t authority = scheme + 3;
        const size_t end = out.find_first_of("/?", authority);
        const size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
        if (at != std::string::npos && at > authority) {
            const size_t colon = out.find(':', authority);
            if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
        }
    }
    // ...?password=secret&sslmode=require -> ...?sslmode=require
    for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=")) {
        if (p == 0 || (out[p - 1] != '?' && out[p - 1] != '&')) break;
        size_t end = out.find('&', p);
        end = end == std::string::npos ? out.size() : end + 1;
        out.erase(p, end - p);
        if (!out.empty() && (out.back() == '&' || out.back() == '?')) out.pop_back();
    }
    return "database " + out;
}

Result<int> read_schema_version(Connection& c, std::string_view name) {
    auto has_version = c.run(Query::kHasSchemaVersion);
    if (!has_version.ok()) return has_version.error();
    if (!has_version->boolean(0, 0)) {
        auto has_tables = c.run(Query::kHasTables);
        if (!has_tables.ok()) return has_tables.error();
        if (has_tables->boolean(0, 0)) {
            return Error(ErrorCode::kCorruption,
                         std::string(name) +
                             " has tables but is not a Paperboy database (no schema_version "
                             "table); refusing to modify it");
        }
        return 0;
    }
    auto version = c.run(Query::kSchemaVersion);
    if (!version.ok()) return version.error();
    return version->integer(0, 0);
}

Result<int> migrate(Connection& c, std::string_view name) {
    Transaction transaction(c);
    PAPERBOY_RETURN_IF_ERROR(transaction.begin());
    // Held until the commit: a second opener waits here, then finds the schema up to date.
    if (auto locked = c.run(Query::kLockMigration); !locked.ok()) return locked.error();

    auto current = read_schema_version(c, name);
    if (!current.ok()) return current.error();
    const int latest = latest_schema_version();
    if (*current > latest) return newer_schema_error(name, *current);
    if (*current == latest) {
        PAPERBOY_RETURN_IF_ERROR(transaction.commit());
        return latest;
    }
    const std::string applied_at = now_timestamp();
    for (const Migration& m : migrations()) {
        if (m.version <= *current) continue;
        const std::string context =
            "upgrading " + std::string(name) + " to schema version " + std::to_string(m.version);
        PAPERBOY_RETURN_IF_ERROR(c.exec_script(m.postgres, context));
        auto recorded = c.run(Query::kRecordMigration,
                              {static_cast<int64_t>(m.version), m.description, applied_at});
        if (!recorded.ok()) return recorded.error().with_context(context);
    }
    PAPERBOY_RETURN_IF_ERROR(transaction.commit());
    return latest;
}

}  // namespace paperboy::store::postgres
