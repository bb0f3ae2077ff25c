// SHA-256 (embed/sha256.h) on the FIPS 180-4 / NIST example vectors, fed whole and in pieces
// that cross the 64-byte blocks.
#include <gtest/gtest.h>

#include <string>

#include "embed/sha256.h"

namespace paperboy::embed {
namespace {

TEST(Sha256, MatchesTheNistVectors) {
    struct Case {
        std::string message;
        const char* digest;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
         "lmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
        {std::string(1000000, 'a'),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(sha256_hex(c.message), c.digest) << c.message.size() << " bytes";
    }
}

TEST(Sha256, GivesTheSameDigestWhateverThePiecesAre) {
    std::string message;
    for (int i = 0; i < 1000; ++i) message.push_back(static_cast<char>(i * 7 + 3));
    const std::string whole = sha256_hex(message);
    for (size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
        Sha256 sha;
        for (size_t at = 0; at < message.size(); at += piece) {
            sha.update(std::string_view(message).substr(at, piece));
        }
        EXPECT_EQ(sha.finish_hex(), whole) << piece;
    }
}

}  // namespace
}  // namespace paperboy::embed
