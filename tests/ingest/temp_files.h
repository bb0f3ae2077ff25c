// tests/ingest/temp_files.h — gzip files for the ingest tests (plain files: support/temp_dir.h).
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "support/temp_dir.h"

namespace paperboy::testing {

// Writes `data` gzip-compressed to `name` in `dir` and returns its path.
inline std::string write_gzip(const TempDir& dir, std::string_view name, std::string_view data) {
    std::string path = dir.file(name);
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr) << path;
    if (gz == nullptr) return path;
    if (!data.empty()) {
        EXPECT_EQ(gzwrite(gz, data.data(), static_cast<unsigned>(data.size())),
                  static_cast<int>(data.size()));
    }
    EXPECT_EQ(gzclose(gz), Z_OK);
    return path;
}

// One gzip member of `n` line breaks deflated at level 9: the classic gzip bomb, which expands
// about 1000-fold. Made 1 MiB at a time, so that the expanded text is never held in memory.
inline std::string newline_bomb(size_t n) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
    const std::string chunk(size_t{1} << 20, '\n');
    std::string out;
    std::string buf(size_t{1} << 16, '\0');
    for (size_t left = n;;) {
        size_t take = std::min(left, chunk.size());
        left -= take;
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
        zs.avail_in = static_cast<uInt>(take);
        int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        int rc = Z_OK;
        do {
            zs.next_out = reinterpret_cast<Bytef*>(buf.data());
            zs.avail_out = static_cast<uInt>(buf.size());
            rc = deflate(&zs, flush);
            out.append(buf, 0, buf.size() - zs.avail_out);
        } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
        if (left == 0) break;
    }
    deflateEnd(&zs);
    return out;
}

}  // namespace paperboy::testing
