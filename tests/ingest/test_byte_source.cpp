// ByteSource over files (plain and gzip) and memory, and the LineReader on top of it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/byte_source.h"
#include "ingest/line_reader.h"
#include "ingest/temp_files.h"

namespace paperboy::ingest {
namespace {

using paperboy::testing::TempDir;

std::string read_all(ByteSource& source, size_t chunk = 7) {
    std::string out;
    std::string buf(chunk, '\0');
    for (;;) {
        auto got = source.read(buf.data(), buf.size());
        EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message());
        if (!got.ok() || *got == 0) break;
        out.append(buf, 0, *got);
    }
    return out;
}

std::string sample_text() {
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + " of the sample\n";
    return text;
}

TEST(FileSource, ReadsPlainFile) {
    TempDir dir;
    std::string text = sample_text();
    std::string path = dir.write("plain.txt", text);
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok()) << source.error().message();
    EXPECT_EQ((*source)->name(), path);
    EXPECT_EQ((*source)->total_size(), text.size());
    EXPECT_EQ((*source)->position(), 0u);
    EXPECT_EQ(read_all(**source, 4096), text);
    EXPECT_EQ((*source)->position(), text.size());
}

TEST(FileSource, DecompressesGzipTransparently) {
    TempDir dir;
    std::string text = sample_text();
    std::string path = write_gzip(dir, "sample.txt.gz", text);
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok()) << source.error().message();
    uint64_t compressed = *(*source)->total_size();
    EXPECT_LT(compressed, text.size());
    EXPECT_EQ(read_all(**source, 1000), text);
    // Progress counts compressed bytes, so it ends at the file size.
    EXPECT_EQ((*source)->position(), compressed);
}

TEST(FileSource, MissingFileIsNotFoundAndNamesThePath) {
    auto source = open_file_source("/nonexistent/dir/foo.json");
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(source.error().message(),
              "cannot open /nonexistent/dir/foo.json: No such file or directory");
}

TEST(FileSource, DirectoryIsAnIoError) {
    TempDir dir;
    auto source = open_file_source(dir.file(""));
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.error().code(), ErrorCode::kIo);
}

TEST(FileSource, TruncatedGzipIsReportedNotSilentlyShort) {
    TempDir dir;
    std::string text = sample_text();
    std::string gz = paperboy::testing::read_file(write_gzip(dir, "full.gz", text));
    std::string path = dir.write("cut.gz", gz.substr(0, gz.size() / 2));
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok());
    std::string buf(1 << 16, '\0');
    bool failed = false;
    for (int i = 0; i < 100; ++i) {
        auto got = (*source)->read(buf.data(), buf.size());
        if (!got.ok()) {
            failed = true;
            EXPECT_NE(got.error().message().find(path), std::string::npos);
            break;
        }
        if (*got == 0) break;
    }
    EXPECT_TRUE(failed);
}

TEST(FileSource, EmptyFileReadsNothing) {
    TempDir dir;
    auto source = open_file_source(dir.write("empty", ""));
    ASSERT_TRUE(source.ok());
    EXPECT_EQ(read_all(**source), "");
    EXPECT_EQ((*source)->total_size(), 0u);
}

TEST(MemorySource, ReadsInChunksAndTracksPosition) {
    auto source = memory_source("hello world", "mem");
    EXPECT_EQ(source->name(), "mem");
    EXPECT_EQ(source->total_size(), 11u);
    char buf[4];
    auto got = source->read(buf, 4);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, 4u);
    EXPECT_EQ(source->position(), 4u);
    EXPECT_EQ(read_all(*source), "o world");
    EXPECT_EQ(*source->read(buf, 4), 0u);
}

TEST(ReadFileHead, ReadsDecompressedPrefix) {
    TempDir dir;
    std::string text = sample_text();
    auto head = read_file_head(write_gzip(dir, "s.gz", text), 100);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, text.substr(0, 100));
    auto whole = read_file_head(dir.write("small", "abc"), 100);
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(*whole, "abc");
    EXPECT_FALSE(read_file_head(dir.file("missing"), 10).ok());
}

struct Line {
    uint64_t number;
    std::string text;
    bool too_long;
    friend bool operator==(const Line&, const Line&) = default;
};

std::vector<Line> all_lines(std::string data, size_t max_line = LineReader::kDefaultMaxLine,
                            size_t buffer = LineReader::kDefaultBufferSize) {
    auto source = memory_source(std::move(data), "mem");
    LineReader reader(*source, max_line, buffer);
    std::vector<Line> out;
    for (;;) {
        auto line = reader.next();
        EXPECT_TRUE(line.ok());
        if (!line.ok() || !line->has_value()) break;
        out.push_back({(*line)->number, std::string((*line)->text), (*line)->too_long});
    }
    return out;
}

TEST(LineReader, NumbersLinesAndStripsLineEnds) {
    EXPECT_EQ(
        all_lines("a\r\nbb\n\nccc"),
        (std::vector<Line>{{1, "a", false}, {2, "bb", false}, {3, "", false}, {4, "ccc", false}}));
    EXPECT_EQ(all_lines(""), std::vector<Line>{});
    EXPECT_EQ(all_lines("\n"), (std::vector<Line>{{1, "", false}}));
    EXPECT_EQ(all_lines("x\r"), (std::vector<Line>{{1, "x", false}}));
}

TEST(LineReader, HandlesLinesLongerThanTheBuffer) {
    std::string long_line(10000, 'x');
    auto lines = all_lines("a\n" + long_line + "\nb\n", 1 << 20, 64);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1].text, long_line);
    EXPECT_EQ(lines[2], (Line{3, "b", false}));
}

TEST(LineReader, SkipsOversizeLineWithoutBufferingIt) {
    std::string huge(100000, 'y');
    auto lines = all_lines("first\n" + huge + "\nlast", 1000, 256);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], (Line{1, "first", false}));
    EXPECT_EQ(lines[1].number, 2u);
    EXPECT_TRUE(lines[1].too_long);
    EXPECT_TRUE(lines[1].text.empty());
    EXPECT_EQ(lines[2], (Line{3, "last", false}));
}

TEST(LineReader, ManySmallLinesAcrossBufferBoundaries) {
    std::string text = sample_text();
    auto lines = all_lines(text, 1000, 100);
    ASSERT_EQ(lines.size(), 5000u);
    EXPECT_EQ(lines[4999], (Line{5000, "line 4999 of the sample", false}));
}

}  // namespace
}  // namespace paperboy::ingest
