// index/postings.h — compressed posting lists with per-field frequencies and positions.
//
// A term's posting list is a run of blocks of at most kBlockSize documents. Each block has a
// BlockMeta (first and last doc id, where its bytes start, per field the largest term
// frequency and the smallest field length of its documents, from which a valid upper bound of
// the block's BM25F score is computed at query time for any parameters and statistics, and a
// tighter stored bound for the default parameters) and two byte ranges:
//   doc bytes:  varint count; count-1 doc id gaps (varint); then per document a header byte
//               (low nibble: which fields hold the term; high nibble: the frequency when one
//               field holds it at most 15 times, else 0 and one varint per present field).
//   pos bytes:  per document, per present field in field order, tf positions: the first
//               absolute, the others as gaps (varint).
// Positions live apart from doc ids and frequencies so that ranking never touches them.
// Doc ids inside a block are relative to BlockMeta::first_doc, so a merge whose documents keep
// their order copies whole blocks as bytes and only rewrites the metadata.
//
// Pure data and a cursor; no locking (segments are immutable once built).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "index/bm25f.h"
#include "index/query.h"

namespace paperboy::index {

inline constexpr uint32_t kBlockSize = 128;
inline constexpr uint32_t kNoMoreDocs = UINT32_MAX;
// A frequency this large or larger is stored in BlockMeta::max_tf as "unbounded".
inline constexpr uint16_t kMaxTfUnbounded = UINT16_MAX;

struct BlockMeta {
    uint32_t first_doc = 0;
    uint32_t last_doc = 0;
    uint32_t doc_offset = 0;  // into PostingStore::doc_data
    uint32_t pos_offset = 0;  // into PostingStore::pos_data
    std::array<uint16_t, kNumFields> max_tf{};
    std::array<uint16_t, kNumFields> min_len{};
    // The largest BM25F pseudo-frequency (bm25f.h) of the block's documents under the default
    // parameters and the segment's reference mean field lengths (Segment::reference_len): a
    // tight bound, rescaled at query time for the current means (maxscore.cpp).
    float max_pseudo_tf = 0;
};

// The postings of one segment: every term's blocks, in term order, back to back.
struct PostingStore {
    std::vector<uint8_t> doc_data;
    std::vector<uint8_t> pos_data;
    std::vector<BlockMeta> blocks;

    size_t doc_end(uint32_t block) const {
        return block + 1 < blocks.size() ? blocks[block + 1].doc_offset : doc_data.size();
    }
    size_t pos_end(uint32_t block) const {
        return block + 1 < blocks.size() ? blocks[block + 1].pos_offset : pos_data.size();
    }
    size_t memory_bytes() const {
        return doc_data.capacity() + pos_data.capacity() + blocks.capacity() * sizeof(BlockMeta);
    }
};

// One document of a block, decoded.
struct BlockDoc {
    uint32_t doc = 0;
    std::array<uint32_t, kNumFields> tf{};
    const uint8_t* positions = nullptr;  // this document's pos bytes
    size_t positions_size = 0;
};

// Decodes every document of `block` into `out` (cleared first).
void decode_block(const PostingStore& store, uint32_t block, std::vector<BlockDoc>& out);

// Appends one term's posting list to a PostingStore. Documents must come in increasing order.
// `lens` are the field lengths of the segment being written (kNumFields per doc), for
// BlockMeta::min_len.
class PostingWriter {
  public:
    // `reference` is the length normalisation BlockMeta::max_pseudo_tf is computed with.
    PostingWriter(PostingStore& store, const std::vector<uint16_t>& lens,
                  const FieldNorms& reference)
        : store_(store), lens_(lens), reference_(reference) {}

    void add(uint32_t doc, const std::array<uint32_t, kNumFields>& tf, const uint8_t* positions,
             size_t positions_size);

    // Appends block `block` of `src` unchanged but for its doc ids, which move by `doc_shift`
    // (every document of the block, and every id between its first and last, moves by the
    // same amount), and its max_pseudo_tf, multiplied by `bound_scale` (for the change of
    // reference lengths). Cheap: a byte copy. Adds the block's documents to `df`.
    void copy_block(const PostingStore& src, uint32_t block, uint32_t doc_shift, uint32_t count,
                    float bound_scale);

    // Closes the pending block (if any).
    void flush();

    size_t pending() const { return pending_.size(); }
    uint32_t df() const { return df_; }
    void reset_df() { df_ = 0; }

  private:
    PostingStore& store_;
    const std::vector<uint16_t>& lens_;
    FieldNorms reference_;
    struct Pending {
        uint32_t doc;
        std::array<uint32_t, kNumFields> tf;
    };
    std::vector<Pending> pending_;
    std::vector<uint8_t> pending_pos_;
    uint32_t df_ = 0;
};

// Iterates one term's posting list (blocks [first_block, end_block) of a store).
class PostingCursor {
  public:
    PostingCursor(const PostingStore& store, uint32_t first_block, uint32_t end_block);

    uint32_t doc() const { return doc_; }  // kNoMoreDocs at the end
    void next();
    // Moves to the first document >= target.
    void seek(uint32_t target);

    // Per-field frequencies of the current document.
    const uint32_t* tf() {
        if (!tf_decoded_) decode_tfs();
        return tfs_[index_].data();
    }
    // Appends the positions of the current document in `field` to `out`.
    void positions(int field, std::vector<uint32_t>& out);

    // The block holding the current document, and the block a seek(target) would land in
    // (without decoding it): for block-level score bounds.
    uint32_t block() const { return block_; }
    uint32_t block_for(uint32_t target) const {
        // Start from the last answer when it is past the current block and still before
        // `target` (the blocks before it end earlier): a cursor that is only probed for bounds
        // (a non-essential term) does not move, and its targets run ahead of it.
        uint32_t from = block_;
        if (hint_ > from && store_->blocks[hint_ - 1].last_doc < target) from = hint_;
        if (from < end_block_ && store_->blocks[from].last_doc < target)
            from = gallop(from, target);
        hint_ = from;
        return from;
    }
    const BlockMeta& meta(uint32_t block) const { return store_->blocks[block]; }
    uint32_t first_block() const { return first_block_; }
    uint32_t end_block() const { return end_block_; }

  private:
    void load_block(uint32_t block);
    uint32_t gallop(uint32_t from, uint32_t target) const;  // the block for target after `from`
    void decode_tfs();

    const PostingStore* store_;
    uint32_t first_block_;
    uint32_t end_block_;
    uint32_t block_;
    mutable uint32_t hint_ = 0;  // block_for()'s last answer
    uint32_t count_ = 0;
    uint32_t index_ = 0;
    uint32_t doc_ = kNoMoreDocs;
    bool tf_decoded_ = false;
    const uint8_t* tf_section_ = nullptr;
    uint32_t pos_index_ = 0;
    const uint8_t* pos_ptr_ = nullptr;
    std::array<uint32_t, kBlockSize> docs_{};
    std::array<std::array<uint32_t, kNumFields>, kBlockSize> tfs_{};
};

}  // namespace paperboy::index
