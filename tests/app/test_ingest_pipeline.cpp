// The ingest pipeline over our own fixtures: every format read from a pipe as fully as from the
// file (detection must not consume the input), the files after a failed one still ingested, and
// inputs that yield nothing reported as failures, never as an empty success.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/ingest_pipeline.h"
#include "ingest/pipe_feed.h"
#include "ingest/temp_files.h"
#include "store/store.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace paperboy::app {
namespace {

using paperboy::testing::PipeFeed;
using paperboy::testing::read_file;
using paperboy::testing::TempDir;

const std::string kTestdata = PAPERBOY_TESTDATA_DIR;
const std::string& kSnapshot = paperboy::testing::kFixtureSnapshot;
const std::string& kHfDaily = paperboy::testing::kFixtureHfDay;

using paperboy::testing::every_format_fixture;

std::unique_ptr<store::Store> memory_store() {
    auto store = store::open_store("sqlite::memory:");
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
}

int64_t papers_in(store::Store& store) {
    auto stats = store.stats();
    return stats.ok() ? stats->papers : -1;
}

TEST(IngestFiles, ReadsEveryFormatFromAPipeAsFullyAsFromTheFile) {
    TempDir dir;
    for (const std::string& file : every_format_fixture()) {
        SCOPED_TRACE(file);
        auto direct_store = memory_store();
        auto direct = ingest_files(*direct_store, {file}, {});
        ASSERT_TRUE(direct.ok()) << direct.error().message();
        ASSERT_TRUE(direct->failed_files.empty()) << direct->failed_files[0].message();
        ASSERT_GT(direct->records, 0);

        for (bool gzip : {false, true}) {
            SCOPED_TRACE(gzip ? "gzip" : "plain");
            std::string data = read_file(file);
            if (gzip) data = read_file(write_gzip(dir, "input.gz", data));
            auto store = memory_store();
            PipeFeed feed(data);
            auto piped = ingest_files(*store, {feed.path()}, {});
            ASSERT_TRUE(piped.ok()) << piped.error().message();
            EXPECT_TRUE(piped->failed_files.empty()) << piped->failed_files[0].message();
            EXPECT_EQ(piped->records, direct->records);
            EXPECT_EQ(piped->failed, direct->failed);
            EXPECT_EQ(papers_in(*store), papers_in(*direct_store));
        }
    }
}

TEST(IngestFiles, GoesOnAfterAFileThatFailsAndReportsEach) {
    TempDir dir;
    std::string garbage = dir.write("garbage.bin", "\x01\x02\x03 not a paper format");
    std::string gz = read_file(write_gzip(dir, "full.gz", read_file(kSnapshot)));
    std::string cut = dir.write("cut.jsonl.gz", gz.substr(0, gz.size() / 2));
    auto store = memory_store();
    std::vector<std::string> reported;
    IngestOptions options;
    options.on_file_error = [&](const Error& e) { reported.push_back(e.message()); };

    auto report = ingest_files(*store, {garbage, cut, kHfDaily}, options);
    ASSERT_TRUE(report.ok()) << report.error().message();
    EXPECT_EQ(report->files, 3);
    ASSERT_EQ(report->failed_files.size(), 2u);
    ASSERT_EQ(reported.size(), 2u);
    EXPECT_EQ(reported[0], report->failed_files[0].message());
    EXPECT_EQ(reported[0].find(garbage + ": cannot detect the format"), 0u) << reported[0];
    EXPECT_EQ(report->failed_files[0].code(), ErrorCode::kParse);
    // The file is named once.
    EXPECT_EQ(reported[1].find("cannot read " + cut + ": unexpected end of file"), 0u)
        << reported[1];
    // The last file came through, and so did the records of the truncated one before its cut.
    auto last = store->get_paper(*PaperId::parse("2410.61842"));
    ASSERT_TRUE(last.ok());
    EXPECT_TRUE(last->has_value());
    auto first = store->get_paper(*PaperId::parse("0705.4412"));
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first->has_value());
}

TEST(IngestFiles, AnInputWithoutRecordsFailsInsteadOfSucceedingEmpty) {
    TempDir dir;
    auto store = memory_store();
    IngestOptions jsonl;
    jsonl.format = ingest::Format::kArxivJsonl;
    std::string empty = dir.write("empty.jsonl", "");
    std::string blank = dir.write("blank.jsonl", "\n  \n\n");
    std::string none = dir.write("none.json", "[]\n");

    auto report = ingest_files(*store, {empty, blank}, jsonl);
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->failed_files.size(), 2u);
    EXPECT_EQ(report->failed_files[0].message(), empty + ": empty input, no records");
    EXPECT_EQ(report->failed_files[1].message(),
              blank + ": no records in 5 bytes of arxiv-jsonl input");

    auto detected = ingest_files(*store, {none, empty}, {});
    ASSERT_TRUE(detected.ok());
    ASSERT_EQ(detected->failed_files.size(), 2u);
    EXPECT_EQ(detected->failed_files[0].message(),
              none + ": no records in 3 bytes of hf-daily input");
    EXPECT_NE(detected->failed_files[1].message().find(empty + ": cannot detect the format of an "
                                                               "empty input"),
              std::string::npos);

    PipeFeed nothing("");
    auto piped = ingest_files(*store, {nothing.path()}, jsonl);
    ASSERT_TRUE(piped.ok());
    ASSERT_EQ(piped->failed_files.size(), 1u);
    EXPECT_EQ(piped->failed_files[0].message(), nothing.path() + ": empty input, no records");
}

TEST(IngestFiles, GzipBombFailsItsFileNotTheRun) {
    TempDir dir;
    std::string bomb = dir.write("bomb.jsonl.gz", paperboy::testing::newline_bomb(8 << 20));
    auto store = memory_store();
    IngestOptions options;
    options.gzip_limits = ingest::GzipLimits{10, 1 << 20};
    // Detected, it fails sooner: its first 64 KiB are white space.
    options.format = ingest::Format::kArxivJsonl;
    auto report = ingest_files(*store, {bomb, kSnapshot}, options);
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->failed_files.size(), 1u);
    const std::string& message = report->failed_files[0].message();
    EXPECT_EQ(message.find("cannot read " + bomb + ": gzip data expands more than 10-fold"), 0u)
        << message;
    EXPECT_EQ(papers_in(*store), 12);
}

}  // namespace
}  // namespace paperboy::app
