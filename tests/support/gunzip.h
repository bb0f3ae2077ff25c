// tests/support/gunzip.h — decompresses gzip data with zlib, to check what a server sent.
#pragma once

#include <zlib.h>

#include <optional>
#include <string>
#include <string_view>

namespace paperboy::testing {

// The decompressed content of one gzip member, or nullopt when `data` is not valid gzip.
inline std::optional<std::string> gunzip(std::string_view data) {
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    std::string out;
    int rc = Z_OK;
    while (rc == Z_OK) {
        char chunk[16384];
        stream.next_out = reinterpret_cast<Bytef*>(chunk);
        stream.avail_out = sizeof chunk;
        rc = inflate(&stream, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - stream.avail_out);
    }
    inflateEnd(&stream);
    if (rc != Z_STREAM_END) return std::nullopt;
    return out;
}

}  // namespace paperboy::testing
