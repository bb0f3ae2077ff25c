#include "store/store.h"

#include <string>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace paperboy::store {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

WriteCounts& WriteCounts::operator+=(const WriteCounts& o) {
    papers_inserted += o.papers_inserted;
    papers_updated += o.papers_updated;
    papers_unchanged += o.papers_unchanged;
    papers_deleted += o.papers_deleted;
    entries_inserted += o.entries_inserted;
    entries_updated += o.entries_updated;
    entries_unchanged += o.entries_unchanged;
    entries_removed += o.entries_removed;
    return *this;
}

Result<std::vector<std::optional<Paper>>> Catalog::get_papers(const std::vector<PaperId>& ids) {
    std::vector<std::optional<Paper>> out;
    out.reserve(ids.size());
    for (const PaperId& id : ids) {
        auto paper = get_paper(id);
        if (!paper.ok()) return paper.error();
        out.push_back(std::move(paper).value());
    }
    return out;
}

Result<std::vector<std::vector<DailyEntry>>> Catalog::entries_for_papers(
    const std::vector<PaperId>& ids) {
    std::vector<std::vector<DailyEntry>> out;
    out.reserve(ids.size());
    for (const PaperId& id : ids) {
        auto entries = entries_for_paper(id);
        if (!entries.ok()) return entries.error();
        out.push_back(std::move(entries).value());
    }
    return out;
}

Result<std::vector<std::optional<PaperCard>>> Store::paper_cards(const std::vector<PaperId>& ids) {
    auto papers = get_papers(ids);
    if (!papers.ok()) return papers.error();
    auto entries = entries_for_papers(ids);
    if (!entries.ok()) return entries.error();
    auto comments = comment_counts(ids);
    if (!comments.ok()) return comments.error();
    std::vector<std::optional<PaperCard>> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        if (!(*papers)[i]) continue;
        auto votes = paper_votes(ids[i]);
        if (!votes.ok()) return votes.error();
        out[i] =
            PaperCard{std::move(*(*papers)[i]), std::move((*entries)[i]), (*comments)[i], *votes};
    }
    return out;
}

Result<std::unique_ptr<Store>> open_store(std::string_view url, const OpenOptions& options) {
    if (url.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "empty store URL; expected sqlite:PATH, PATH or postgresql://...");
    }
    if (url == "sqlite::memory:" || url == ":memory:") {
        auto store = sqlite::SqliteStore::open(":memory:", options);
        if (!store.ok()) return store.error();
        return std::unique_ptr<Store>(std::move(store).value());
    }
    if (starts_with(url, "postgres://") || starts_with(url, "postgresql://")) {
        // libpq reads the URL itself (host, port, database, user, its query parameters).
        auto store = postgres::PostgresStore::open(std::string(url), options);
        if (!store.ok()) return store.error();
        return std::unique_ptr<Store>(std::move(store).value());
    }
    if (starts_with(url, "postgres:") || starts_with(url, "postgresql:")) {
        return Error(ErrorCode::kInvalidArgument,
                     "store URL " + std::string(url) +
                         ": expected postgresql://[user@]host[:port]/database[?...]");
    }
    std::string_view path = url;
    // "sqlite://" before "sqlite:" so that "sqlite:///abs/file.db" keeps its leading slash.
    if (starts_with(path, "sqlite://")) {
        path.remove_prefix(std::string_view("sqlite://").size());
    } else if (starts_with(path, "sqlite:")) {
        path.remove_prefix(std::string_view("sqlite:").size());
    } else if (size_t scheme_end = path.find("://"); scheme_end != std::string_view::npos) {
        return Error(ErrorCode::kInvalidArgument,
                     "store URL " + std::string(url) + ": unknown scheme \"" +
                         std::string(path.substr(0, scheme_end)) +
                         "\"; expected sqlite:PATH, PATH or postgresql://...");
    }
    if (path.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     "store URL " + std::string(url) + ": no database path");
    }
    auto store = sqlite::SqliteStore::open(std::string(path), options);
    if (!store.ok()) return store.error();
    return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace paperboy::store
