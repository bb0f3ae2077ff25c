#include "support/test_database.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <utility>

#include "support/postgres_server.h"

namespace paperboy::testing {

std::optional<Backend> test_backend() {
    const char* env = getenv("PAPERBOY_TEST_BACKEND");
    const std::string_view name = env == nullptr ? "" : env;
    if (name.empty() || name == "sqlite") return Backend::kSqlite;
    if (name == "postgres" || name == "postgresql") return Backend::kPostgres;
    return std::nullopt;
}

std::vector<std::string> TestDatabase::index_args() const {
    if (!postgres()) return {};
    return {"--index", index};
}

std::vector<std::string> TestDatabase::with_index(std::vector<std::string> args) const {
    for (std::string& arg : index_args()) args.push_back(std::move(arg));
    return args;
}

std::string TestDatabase::missing(std::string_view name) const {
    if (!postgres()) return dir + "/" + std::string(name);
    // The URL's path is the database: swap it, keeping any query parameters.
    const size_t scheme = url.find("://");
    const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const size_t query = url.find('?');
    std::string out = path == std::string::npos ? url.substr(0, query) : url.substr(0, path);
    std::string db(name);
    for (char& c : db) {
        if (c == '.' || c == '-') c = '_';
    }
    return out + "/" + db + (query == std::string::npos ? "" : url.substr(query));
}

std::optional<TestDatabase> make_test_database(const TempDir& dir, std::string* why,
                                               std::string_view name) {
    const std::optional<Backend> backend = test_backend();
    if (!backend) {
        *why = "PAPERBOY_TEST_BACKEND=" + std::string(getenv("PAPERBOY_TEST_BACKEND")) +
               " is neither sqlite nor postgres";
        ADD_FAILURE() << *why;
        return std::nullopt;
    }
    TestDatabase db;
    db.backend = *backend;
    db.dir = dir.path();
    if (db.postgres()) {
        std::optional<std::string> url = fresh_database_url();
        if (!url) {
            *why = postgres_skip_reason();
            return std::nullopt;
        }
        db.url = *url;
        db.index = dir.file(std::string(name) + ".index");
    } else {
        db.url = dir.file(name);
        db.index = db.url + ".index";
    }
    return db;
}

}  // namespace paperboy::testing
