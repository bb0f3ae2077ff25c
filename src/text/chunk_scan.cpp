#include "text/chunk_scan.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace paperboy::text::detail {
namespace {

constexpr size_t kBlock = 64;

// The byte classes of one 64-byte block, one bit per byte.
struct Classes {
    uint64_t letter = 0;  // ASCII, either case
    uint64_t digit = 0;
    uint64_t space = 0;      // ' ', '\t', '\n', '\v', '\f', '\r'
    uint64_t non_ascii = 0;  // >= 0x80
};

// A block read byte by byte.
class PortableBlock {
  public:
    explicit PortableBlock(const char* bytes) {
        for (size_t i = 0; i < kBlock; ++i) {
            const auto b = static_cast<unsigned char>(bytes[i]);
            lower_[i] = static_cast<unsigned char>(b | 0x20U);
            const uint64_t bit = uint64_t{1} << i;
            if (lower_[i] >= 'a' && lower_[i] <= 'z') classes_.letter |= bit;
            if (b >= '0' && b <= '9') classes_.digit |= bit;
            if (b == ' ' || (b >= '\t' && b <= '\r')) classes_.space |= bit;
            if (b >= 0x80) classes_.non_ascii |= bit;
        }
    }
    const Classes& classes() const { return classes_; }
    uint64_t equal(char c) const {
        uint64_t mask = 0;
        for (size_t i = 0; i < kBlock; ++i) {
            if (lower_[i] == static_cast<unsigned char>(c)) mask |= uint64_t{1} << i;
        }
        return mask;
    }

  private:
    unsigned char lower_[kBlock];
    Classes classes_;
};

#if defined(__SSE2__)
// A block read 16 bytes at a time; each comparison yields 16 bits through movemask.
class Sse2Block {
  public:
    explicit Sse2Block(const char* bytes) {
        const __m128i fold = _mm_set1_epi8(0x20);
        for (int k = 0; k < 4; ++k) {
            raw_[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + 16 * k));
            lower_[k] = _mm_or_si128(raw_[k], fold);
        }
        // Signed byte comparisons: bytes >= 0x80 are negative, so below every bound used here.
        classes_.letter = gather([&](int k) {
            return _mm_and_si128(_mm_cmpgt_epi8(lower_[k], _mm_set1_epi8('a' - 1)),
                                 _mm_cmplt_epi8(lower_[k], _mm_set1_epi8('z' + 1)));
        });
        classes_.digit = gather([&](int k) {
            return _mm_and_si128(_mm_cmpgt_epi8(raw_[k], _mm_set1_epi8('0' - 1)),
                                 _mm_cmplt_epi8(raw_[k], _mm_set1_epi8('9' + 1)));
        });
        classes_.space = gather([&](int k) {
            return _mm_or_si128(_mm_cmpeq_epi8(raw_[k], _mm_set1_epi8(' ')),
                                _mm_and_si128(_mm_cmpgt_epi8(raw_[k], _mm_set1_epi8('\t' - 1)),
                                              _mm_cmplt_epi8(raw_[k], _mm_set1_epi8('\r' + 1))));
        });
        classes_.non_ascii = gather([&](int k) { return raw_[k]; });
    }
    const Classes& classes() const { return classes_; }
    uint64_t equal(char c) const {
        const __m128i wanted = _mm_set1_epi8(c);
        return gather([&](int k) { return _mm_cmpeq_epi8(lower_[k], wanted); });
    }

  private:
    // The high bits of four 16-byte vectors as one 64-bit mask.
    template <typename Vector>
    static uint64_t gather(Vector vector) {
        uint64_t mask = 0;
        for (int k = 0; k < 4; ++k) {
            mask |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(vector(k))))
                    << (16 * k);
        }
        return mask;
    }

    __m128i raw_[4];
    __m128i lower_[4];
    Classes classes_;
};
#endif

template <typename Block>
void scan(std::string_view text, const std::vector<TermPair>& pairs, ChunkMasks& out) {
    const size_t n = text.size();
    const size_t words = (n + kBlock - 1) / kBlock;
    out.space.assign(words, 0);
    out.candidate.assign(words, 0);
    // Each mask shifted by one byte ("the byte before") carries the last bit of the block
    // before it.
    uint64_t alnum_carry = 0;
    uint64_t letter_carry = 0;
    uint64_t digit_carry = 0;
    std::vector<uint64_t> first_carry(pairs.size(), 0);
    char tail[kBlock];
    for (size_t w = 0; w < words; ++w) {
        const char* bytes = text.data() + w * kBlock;
        if (n - w * kBlock < kBlock) {
            // Zero padding reads as punctuation past the end; the chunk walk stops at n.
            std::memset(tail, 0, kBlock);
            std::memcpy(tail, bytes, n - w * kBlock);
            bytes = tail;
        }
        const Block block(bytes);
        const Classes& c = block.classes();
        const uint64_t alnum = c.letter | c.digit;
        const uint64_t alnum_before = alnum << 1 | alnum_carry;
        const uint64_t letter_before = c.letter << 1 | letter_carry;
        const uint64_t digit_before = c.digit << 1 | digit_carry;
        alnum_carry = alnum >> 63;
        letter_carry = c.letter >> 63;
        digit_carry = c.digit >> 63;
        const uint64_t part_start =
            alnum & (~alnum_before | (c.letter & digit_before) | (c.digit & letter_before));
        const uint64_t punctuation = ~(alnum | c.space);

        uint64_t candidate = c.non_ascii;
        for (size_t t = 0; t < pairs.size(); ++t) {
            const uint64_t first = part_start & block.equal(pairs[t].first);
            const uint64_t first_before = first << 1 | first_carry[t];
            first_carry[t] = first >> 63;
            if (first_before == 0) continue;
            uint64_t second = block.equal(pairs[t].second);
            if (pairs[t].y_for_i) second |= block.equal('y');
            candidate |= first_before & (second | punctuation);
        }
        out.space[w] = c.space;
        out.candidate[w] = candidate;
    }
}

}  // namespace

void scan_chunk_masks_portable(std::string_view text, const std::vector<TermPair>& pairs,
                               ChunkMasks& out) {
    scan<PortableBlock>(text, pairs, out);
}

void scan_chunk_masks(std::string_view text, const std::vector<TermPair>& pairs, ChunkMasks& out) {
#if defined(__SSE2__)
    scan<Sse2Block>(text, pairs, out);
#else
    scan<PortableBlock>(text, pairs, out);
#endif
}

}  // namespace paperboy::text::detail
