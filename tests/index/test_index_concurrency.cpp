// Readers search while a writer upserts and removes: every hit must be consistent with a state
// the writer published. Run under ThreadSanitizer too (the tsan preset).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "index/index.h"
#include "index/index_test_util.h"
#include "text/analyzer.h"

namespace paperboy::index {
namespace {

using testing::make_doc;
using testing::or_query;

// Each paper's text carries a marker word of its own number, and the shared word "common"; a
// version marker says which generation of the paper it is. Markers are letters only, so the
// analyzer keeps them whole.
std::string marker(std::string_view prefix, int n) {
    std::string word(prefix);
    do {
        word.push_back(static_cast<char>('a' + n % 26));
        n /= 26;
    } while (n > 0);
    return word + "q";  // no English suffix, so the stemmer leaves it alone
}

std::string id_of(int n) {
    char id[16];
    std::snprintf(id, sizeof id, "2402.%05d", n);
    return id;
}

IndexDoc paper(int n, int generation) {
    IndexDoc doc = make_doc(id_of(n), "common paper " + marker("mk", n),
                            "generation " + marker("gen", generation) + " common words",
                            {"Author Name"}, {"cs.LG"});
    doc.published_day = 19000 + n;
    doc.has_code = n % 2 == 0;
    return doc;
}

TEST(IndexConcurrency, ReadersSeeConsistentSnapshotsWhileAWriterUpdates) {
    text::Analyzer analyzer;
    Index index(analyzer);
    constexpr int kPapers = 3000;
    std::vector<IndexDoc> initial;
    for (int n = 0; n < kPapers; ++n) initial.push_back(paper(n, 0));
    index.upsert(initial);

    // Ids removed for good: once remove() returned, no search may return them. `removing`
    // holds them from just before remove() is called.
    std::mutex removed_mutex;
    std::set<std::string> removed;
    std::set<std::string> removing;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> searches{0};
    std::atomic<int> failures{0};

    const auto reader = [&](int seed) {
        uint32_t state = static_cast<uint32_t>(seed) * 2654435761U;
        while (!stop.load()) {
            state = state * 1664525U + 1013904223U;
            const int n = static_cast<int>(state % kPapers);
            std::set<std::string> removed_before;
            {
                std::lock_guard lock(removed_mutex);
                removed_before = removed;
            }
            // A paper's own marker finds that paper only (unless removed).
            const SearchResult own = index.search(or_query(analyzer, marker("mk", n)));
            for (const Hit& hit : own.hits) {
                if (hit.id.str() != id_of(n)) ++failures;
            }
            if (own.hits.empty() && removed_before.count(id_of(n)) == 0) {
                // Not removed at the time of the search: it must be found.
                std::lock_guard lock(removed_mutex);
                if (removing.count(id_of(n)) == 0) ++failures;
            }
            // A broad query: no removed paper, no duplicates, scores in order.
            SearchOptions options;
            options.limit = 50;
            Query broad = or_query(analyzer, "common generation");
            if (state % 3 == 0) broad.filters.has_code = true;
            const SearchResult result = index.search(broad, options);
            std::set<std::string> seen;
            for (size_t i = 0; i < result.hits.size(); ++i) {
                const std::string& id = result.hits[i].id.str();
                if (!seen.insert(id).second) ++failures;
                if (removed_before.count(id) != 0) ++failures;
                if (i > 0 && result.hits[i].score > result.hits[i - 1].score) ++failures;
            }
            ++searches;
        }
    };

    std::vector<std::thread> readers;
    for (int r = 0; r < 4; ++r) readers.emplace_back(reader, r + 1);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    int generation = 1;
    int next_removed = kPapers - 1;
    while (std::chrono::steady_clock::now() < deadline && next_removed > kPapers / 2) {
        // Replace a handful of papers with a new generation, one small batch at a time.
        std::vector<IndexDoc> batch;
        for (int n = generation % 7; n < next_removed; n += 37)
            batch.push_back(paper(n, generation));
        index.upsert(batch);
        const SearchResult gen = index.search(or_query(analyzer, marker("gen", generation)));
        EXPECT_FALSE(gen.hits.empty());
        // Remove one paper for good.
        {
            std::lock_guard lock(removed_mutex);
            removing.insert(id_of(next_removed));
        }
        index.remove({PaperId::parse(id_of(next_removed)).value()});
        {
            std::lock_guard lock(removed_mutex);
            removed.insert(id_of(next_removed));
        }
        --next_removed;
        ++generation;
    }
    stop = true;
    for (std::thread& t : readers) t.join();

    EXPECT_EQ(failures.load(), 0);
    EXPECT_GT(searches.load(), 100U);
    EXPECT_GT(generation, 5);
    EXPECT_EQ(index.stats().documents, static_cast<uint64_t>(next_removed + 1));
    // Replaced versions are gone: paper 0 was replaced by every generation divisible by 7.
    Query old;
    old.must.push_back(testing::term_clause(analyzer.terms(marker("mk", 0))[0]));
    old.must.push_back(testing::term_clause(analyzer.terms(marker("gen", 0))[0]));
    EXPECT_TRUE(index.search(old).hits.empty());
}

}  // namespace
}  // namespace paperboy::index
