// tests/support/fixtures.h — the project's own input fixtures (tests/testdata, data/demo), by
// what tests use them for. They run everywhere; real samples come from shared_data.h instead.
#pragma once

#include <string>
#include <vector>

namespace paperboy::testing {

inline const std::string kFixtureSnapshot =
    std::string(PAPERBOY_TESTDATA_DIR) + "/json/handmade_arxiv_snapshot.jsonl";
inline const std::string kFixtureHfDay =
    std::string(PAPERBOY_TESTDATA_DIR) + "/json/handmade_hf_daily_2024-10-25.json";

// One fixture of every input format and form the detector tells apart.
inline const std::vector<std::string>& every_format_fixture() {
    static const std::vector<std::string> files = {
        kFixtureSnapshot,
        std::string(PAPERBOY_TESTDATA_DIR) + "/atom/feed_current.xml",
        std::string(PAPERBOY_TESTDATA_DIR) + "/oai/list_records_arxiv.xml",
        std::string(PAPERBOY_TESTDATA_DIR) + "/oai/list_records_arxivraw.xml",
        std::string(PAPERBOY_TESTDATA_DIR) + "/oai/list_records_oai_dc.xml",
        kFixtureHfDay,
        std::string(PAPERBOY_TESTDATA_DIR) + "/beir/handmade/corpus.jsonl",
        std::string(PAPERBOY_SOURCE_DIR) + "/data/demo/seed-page-2025-11-03.json",
    };
    return files;
}

}  // namespace paperboy::testing
