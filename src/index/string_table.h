// index/string_table.h — an insert-only hash table from strings to dense ids 0, 1, 2, ...
//
// The segment builder looks up every token of every document here, so it avoids
// std::unordered_map's node per entry: keys live back to back in one buffer and the table is
// open addressing over (hash, id) slots. Not thread-safe; one per builder thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paperboy::index {

inline uint64_t hash_bytes(std::string_view s) {
    // A multiply-xorshift over 8-byte words: fast for the short keys of a term dictionary.
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    uint64_t h = s.size() * kMul;
    const char* p = s.data();
    size_t n = s.size();
    while (n >= 8) {
        uint64_t w = 0;
        std::memcpy(&w, p, 8);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    }
    h *= kMul;
    return h ^ (h >> 32);
}

class StringTable {
  public:
    StringTable() { rehash(1024); }

    // The id of `key`, adding it if new (`added` says which).
    uint32_t intern(std::string_view key, bool& added) {
        const uint64_t h = hash_bytes(key);
        const uint32_t tag = make_tag(h, key.size());
        const uint64_t head = head_of(key);
        // Frequent keys (most tokens: word frequencies are Zipfian) are answered from a small
        // direct-mapped cache that stays in L2, sparing a cache miss in the big table.
        Recent& recent = recent_[(h >> 20) & (kRecent - 1)];
        if (recent.hash == h && recent.head == head && recent.tag == tag &&
            (key.size() <= 8 || get(recent.id) == key)) {
            added = false;
            return recent.id;
        }
        size_t slot = h & mask_;
        while (true) {
            Slot& s = slots_[slot];
            if (s.tag == 0) {
                added = true;
                const uint32_t id = size();
                s.tag = tag;
                s.id = id;
                s.head = head;
                recent = {h, head, tag, id};
                offsets_.push_back(static_cast<uint32_t>(chars_.size()));
                chars_.append(key);
                if (size_t{size()} * 2 > slots_.size()) rehash(slots_.size() * 2);
                return id;
            }
            if (matches(s, tag, head, key)) {
                added = false;
                recent = {h, head, tag, s.id};
                return s.id;
            }
            slot = (slot + 1) & mask_;
        }
    }

    // The id of `key`, if present.
    std::optional<uint32_t> find(std::string_view key) const {
        const uint64_t h = hash_bytes(key);
        const uint32_t tag = make_tag(h, key.size());
        const uint64_t head = head_of(key);
        size_t slot = h & mask_;
        while (true) {
            const Slot& s = slots_[slot];
            if (s.tag == 0) return std::nullopt;
            if (matches(s, tag, head, key)) return s.id;
            slot = (slot + 1) & mask_;
        }
    }

    size_t memory_bytes() const {
        return slots_.capacity() * sizeof(Slot) + chars_.capacity() +
               offsets_.capacity() * sizeof(uint32_t);
    }

    uint32_t size() const { return static_cast<uint32_t>(offsets_.size()); }

    std::string_view get(uint32_t id) const {
        const uint32_t begin = offsets_[id];
        const uint32_t end =
            id + 1 < offsets_.size() ? offsets_[id + 1] : static_cast<uint32_t>(chars_.size());
        return std::string_view(chars_).substr(begin, end - begin);
    }

  private:
    // A slot keeps the key's first 8 bytes and its length (in the tag), so most lookups of
    // short keys are settled without reading the key buffer (one cache miss instead of three).
    struct Slot {
        uint32_t tag = 0;  // 0: empty
        uint32_t id = 0;
        uint64_t head = 0;
    };

    static uint32_t make_tag(uint64_t h, size_t length) {
        const auto len = static_cast<uint32_t>(length < 255 ? length : 255);
        return (static_cast<uint32_t>(h >> 32) & 0xFFFFFE00U) | 0x100U | len;
    }
    static uint64_t head_of(std::string_view key) {
        uint64_t head = 0;
        std::memcpy(&head, key.data(), key.size() < 8 ? key.size() : 8);
        return head;
    }
    bool matches(const Slot& s, uint32_t tag, uint64_t head, std::string_view key) const {
        return s.tag == tag && s.head == head && (key.size() <= 8 || get(s.id) == key);
    }

    void rehash(size_t capacity) {
        std::vector<Slot> slots(capacity);
        mask_ = capacity - 1;
        for (const Slot& s : slots_) {
            if (s.tag == 0) continue;
            size_t slot = hash_bytes(get(s.id)) & mask_;
            while (slots[slot].tag != 0) slot = (slot + 1) & mask_;
            slots[slot] = s;
        }
        slots_ = std::move(slots);
    }

    struct Recent {
        uint64_t hash = 0;
        uint64_t head = 0;
        uint32_t tag = 0;
        uint32_t id = 0;
    };
    static constexpr size_t kRecent = 4096;

    std::vector<Slot> slots_;
    std::vector<Recent> recent_ = std::vector<Recent>(kRecent);
    size_t mask_ = 0;
    std::string chars_;
    std::vector<uint32_t> offsets_;
};

}  // namespace paperboy::index
