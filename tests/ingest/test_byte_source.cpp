// ByteSource over files (plain and gzip), pipes, standard input and memory, PeekableSource, and
// the LineReader on top of it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "ingest/byte_source.h"
#include "ingest/line_reader.h"
#include "ingest/pipe_feed.h"
#include "ingest/temp_files.h"

namespace paperboy::ingest {
namespace {

using paperboy::testing::newline_bomb;
using paperboy::testing::PipeFeed;
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

std::string gzip_of(const TempDir& dir, std::string_view data) {
    return paperboy::testing::read_file(write_gzip(dir, "gzip_of.gz", data));
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

TEST(FileSource, ReadsPlainAndGzipThroughAPipe) {
    TempDir dir;
    std::string text = sample_text();
    std::string gz = gzip_of(dir, text);
    for (const std::string& data : {text, gz}) {
        PipeFeed feed(data);
        auto source = open_file_source(feed.path());
        ASSERT_TRUE(source.ok()) << source.error().message();
        EXPECT_EQ((*source)->name(), feed.path());
        EXPECT_FALSE((*source)->total_size().has_value());
        EXPECT_EQ(read_all(**source, 1000), text);
        // A pipe has no offset to ask for; the count is the source's own.
        EXPECT_EQ((*source)->position(), data.size());
    }
}

TEST(FileSource, DashIsStandardInput) {
    std::string text = sample_text();
    PipeFeed feed(text);
    int saved = dup(STDIN_FILENO);
    ASSERT_GE(saved, 0);
    ASSERT_EQ(dup2(feed.fd(), STDIN_FILENO), STDIN_FILENO);
    auto source = open_file_source("-");
    dup2(saved, STDIN_FILENO);
    close(saved);
    ASSERT_TRUE(source.ok()) << source.error().message();
    EXPECT_EQ((*source)->name(), "<stdin>");
    EXPECT_EQ(read_all(**source, 4096), text);
}

TEST(FileSource, ConcatenatedGzipMembersAreOneStream) {
    TempDir dir;
    std::string path = dir.write("two.gz", gzip_of(dir, "first\n") + gzip_of(dir, "second\n"));
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok());
    EXPECT_EQ(read_all(**source), "first\nsecond\n");
}

TEST(FileSource, BytesAfterTheLastGzipMemberAreIgnored) {
    TempDir dir;
    std::string path = dir.write("padded.gz", gzip_of(dir, "text\n") + std::string(512, '\0'));
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok());
    EXPECT_EQ(read_all(**source), "text\n");
}

TEST(FileSource, DamagedGzipIsAParseErrorNamingFileAndPosition) {
    TempDir dir;
    std::string gz = gzip_of(dir, sample_text());
    for (size_t i = gz.size() / 2; i < gz.size() / 2 + 16; ++i) gz[i] = static_cast<char>(~gz[i]);
    std::string path = dir.write("damaged.gz", gz);
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok());
    std::string buf(1 << 16, '\0');
    for (int i = 0; i < 100; ++i) {
        auto got = (*source)->read(buf.data(), buf.size());
        if (!got.ok()) {
            EXPECT_EQ(got.error().code(), ErrorCode::kParse);
            EXPECT_NE(got.error().message().find(path), std::string::npos);
            EXPECT_NE(got.error().message().find("compressed byte"), std::string::npos)
                << got.error().message();
            return;
        }
        if (*got == 0) break;
    }
    ADD_FAILURE() << "damaged gzip data read without an error";
}

TEST(FileSource, GzipBombIsRefusedAfterABoundedAmount) {
    TempDir dir;
    const size_t expanded = size_t{200} << 20;
    std::string path = dir.write("bomb.jsonl.gz", newline_bomb(expanded));
    auto source = open_file_source(path);
    ASSERT_TRUE(source.ok());
    std::string buf(size_t{1} << 20, '\0');
    uint64_t read = 0;
    for (;;) {
        auto got = (*source)->read(buf.data(), buf.size());
        if (!got.ok()) {
            const std::string& message = got.error().message();
            EXPECT_EQ(got.error().code(), ErrorCode::kParse);
            EXPECT_NE(message.find(path), std::string::npos) << message;
            EXPECT_NE(message.find("expands more than 200-fold"), std::string::npos) << message;
            EXPECT_NE(message.find("gzip bomb"), std::string::npos) << message;
            break;
        }
        ASSERT_NE(*got, 0u) << "the whole bomb was read";
        read += *got;
    }
    // Refused once past the output allowed whatever the ratio, not at the end.
    EXPECT_LE(read, GzipLimits{}.ratio_free_bytes + buf.size());
    EXPECT_LT(read, expanded / 2);
    // The error stays.
    EXPECT_FALSE((*source)->read(buf.data(), buf.size()).ok());
}

TEST(FileSource, GzipLimitsAreTheCallers) {
    TempDir dir;
    std::string path = dir.write("lines.gz", newline_bomb(size_t{4} << 20));
    // Small output is allowed whatever the ratio.
    auto plenty = open_file_source(path);
    ASSERT_TRUE(plenty.ok());
    EXPECT_EQ(read_all(**plenty, 1 << 16).size(), size_t{4} << 20);
    // A tighter limit refuses it; no limit reads it all.
    auto tight = open_file_source(path, GzipLimits{10, 1 << 20});
    ASSERT_TRUE(tight.ok());
    std::string buf(1 << 16, '\0');
    Result<size_t> got = size_t{0};
    do {
        got = (*tight)->read(buf.data(), buf.size());
    } while (got.ok() && *got > 0);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().message().find("more than 10-fold"), std::string::npos);
    auto unlimited = open_file_source(path, GzipLimits{0, 0});
    ASSERT_TRUE(unlimited.ok());
    EXPECT_EQ(read_all(**unlimited, 1 << 16).size(), size_t{4} << 20);
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

TEST(PeekableSource, PeekedBytesAreReadAgain) {
    TempDir dir;
    std::string text = sample_text();
    for (const std::string& path : {dir.write("s.txt", text), write_gzip(dir, "s.gz", text)}) {
        SCOPED_TRACE(path);
        auto file = open_file_source(path);
        ASSERT_TRUE(file.ok());
        PeekableSource source(std::move(*file));
        auto head = source.peek(100);
        ASSERT_TRUE(head.ok());
        EXPECT_EQ(*head, text.substr(0, 100));
        EXPECT_EQ(source.name(), path);
        EXPECT_EQ(read_all(source, 33), text);
        EXPECT_EQ(source.bytes_read(), text.size());
    }
}

TEST(PeekableSource, PeekPastTheEndGivesWhatThereIs) {
    PeekableSource source(memory_source("abc", "mem"));
    auto head = source.peek(100);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, "abc");
    EXPECT_EQ(read_all(source), "abc");
    EXPECT_EQ(source.bytes_read(), 3u);
}

TEST(PeekableSource, TruncatedGzipStillHasAHeadAndTheErrorComesAfterIt) {
    TempDir dir;
    std::string text = sample_text();
    std::string gz = paperboy::testing::read_file(write_gzip(dir, "full.gz", text));
    std::string path = dir.write("cut.gz", gz.substr(0, gz.size() / 2));
    auto file = open_file_source(path);
    ASSERT_TRUE(file.ok());
    PeekableSource source(std::move(*file));
    auto head = source.peek(1 << 20);
    ASSERT_TRUE(head.ok());
    ASSERT_GT(head->size(), 100u);
    EXPECT_EQ(*head, text.substr(0, head->size()));
    size_t peeked = head->size();
    std::string buf(peeked, '\0');
    auto got = source.read(buf.data(), buf.size());
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, peeked);
    auto after = source.read(buf.data(), buf.size());
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().code(), ErrorCode::kParse);
    EXPECT_NE(after.error().message().find(path), std::string::npos) << after.error().message();
}

TEST(PeekableSource, UnreadableFileIsAnErrorAtOnce) {
    TempDir dir;
    std::string path = dir.write("bad.gz", std::string("\x1f\x8b", 2) + "not deflate data");
    auto file = open_file_source(path);
    ASSERT_TRUE(file.ok());
    PeekableSource source(std::move(*file));
    auto head = source.peek(100);
    ASSERT_FALSE(head.ok());
    EXPECT_NE(head.error().message().find("bad.gz"), std::string::npos);
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
