// index/slice_pool.h — many growing byte streams in one arena, for the segment builder.
//
// Each term of a segment being built appends its postings to its own stream. A std::vector per
// term costs a heap allocation per term and a copy at every growth; here streams are chains of
// slices (8 bytes, then 16, 32, ... up to 32 KB) carved from 1 MB blocks, each slice ending in
// the 4-byte offset of the next (the layout of Lucene's ByteBlockPool). Not thread-safe; one
// per builder.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace paperboy::index {

class SlicePool {
  public:
    static constexpr uint32_t kNone = UINT32_MAX;

    struct Stream {
        uint32_t head = kNone;  // offset of the first slice
        uint32_t write = 0;     // offset of the next byte to write
        uint32_t limit = 0;     // offset of the current slice's next-pointer
        uint8_t level = 0;
    };

    void put(Stream& s, uint8_t byte) {
        if (s.head == kNone) {
            s.head = allocate(0);
            s.write = s.head;
            s.limit = s.head + slice_size(0) - 4;
        } else if (s.write == s.limit) {
            const uint8_t level = s.level < kMaxLevel ? static_cast<uint8_t>(s.level + 1) : s.level;
            const uint32_t next = allocate(level);
            std::memcpy(at(s.limit), &next, 4);
            s.level = level;
            s.write = next;
            s.limit = next + slice_size(level) - 4;
        }
        *at(s.write++) = byte;
    }

    void put_varint(Stream& s, uint32_t value) {
        while (value >= 0x80) {
            put(s, static_cast<uint8_t>(value | 0x80));
            value >>= 7;
        }
        put(s, static_cast<uint8_t>(value));
    }

    // Reads a stream from its start.
    class Reader {
      public:
        Reader(const SlicePool& pool, const Stream& s)
            : pool_(pool),
              pos_(s.head),
              end_(s.head == kNone ? kNone : s.write),
              limit_(s.head == kNone ? kNone : s.head + slice_size(0) - 4) {}

        bool done() const { return pos_ == end_; }
        uint8_t get() {
            if (pos_ == limit_) {
                uint32_t next = 0;
                std::memcpy(&next, pool_.at(limit_), 4);
                level_ = level_ < kMaxLevel ? static_cast<uint8_t>(level_ + 1) : level_;
                pos_ = next;
                limit_ = next + slice_size(level_) - 4;
            }
            return *pool_.at(pos_++);
        }
        uint32_t get_varint() {
            uint32_t result = 0;
            int shift = 0;
            uint8_t b = 0;
            do {
                b = get();
                result |= static_cast<uint32_t>(b & 0x7F) << shift;
                shift += 7;
            } while (b >= 0x80);
            return result;
        }

      private:
        const SlicePool& pool_;
        uint32_t pos_;
        uint32_t end_;
        uint32_t limit_;
        uint8_t level_ = 0;
    };

    size_t memory_bytes() const { return blocks_.size() * kBlockSize; }

  private:
    static constexpr uint32_t kBlockBits = 20;
    static constexpr uint32_t kBlockSize = 1U << kBlockBits;
    static constexpr uint8_t kMaxLevel = 12;  // 8 << 12 = 32 KB

    static uint32_t slice_size(uint8_t level) { return 8U << level; }

    uint8_t* at(uint32_t offset) {
        return blocks_[offset >> kBlockBits].get() + (offset & (kBlockSize - 1));
    }
    const uint8_t* at(uint32_t offset) const {
        return blocks_[offset >> kBlockBits].get() + (offset & (kBlockSize - 1));
    }

    uint32_t allocate(uint8_t level) {
        const uint32_t size = slice_size(level);
        if (used_ + size > kBlockSize) {
            // 4096 blocks of 1 MB: a builder's segment is capped far below that (segment.h).
            if (blocks_.size() >= (size_t{1} << (32 - kBlockBits))) std::abort();
            blocks_.push_back(std::make_unique_for_overwrite<uint8_t[]>(kBlockSize));
            used_ = 0;
        }
        const uint32_t offset = static_cast<uint32_t>((blocks_.size() - 1) << kBlockBits) | used_;
        used_ += size;
        return offset;
    }

    std::vector<std::unique_ptr<uint8_t[]>> blocks_;
    uint32_t used_ = kBlockSize;
};

}  // namespace paperboy::index
