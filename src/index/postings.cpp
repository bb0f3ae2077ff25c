#include "index/postings.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "index/varint.h"

namespace paperboy::index {
namespace {

// Reads one document's header (and frequency varints) from a tf section.
const uint8_t* read_tf(const uint8_t* p, std::array<uint32_t, kNumFields>& tf) {
    const uint32_t header = *p++;
    const uint32_t mask = header & 0x0F;
    const uint32_t inline_tf = header >> 4;
    tf = {0, 0, 0, 0};
    if (inline_tf != 0) {
        // Exactly one field, frequency inline: the common case of a word once in the abstract.
        tf[std::countr_zero(mask)] = inline_tf;
        return p;
    }
    for (int f = 0; f < kNumFields; ++f) {
        if ((mask >> f & 1U) != 0) p = get_varint(p, tf[f]);
    }
    return p;
}

void write_tf(std::vector<uint8_t>& out, const std::array<uint32_t, kNumFields>& tf) {
    uint32_t mask = 0;
    for (int f = 0; f < kNumFields; ++f) {
        if (tf[f] != 0) mask |= 1U << f;
    }
    if (std::popcount(mask) == 1) {
        const uint32_t value = tf[std::countr_zero(mask)];
        if (value <= 15) {
            out.push_back(static_cast<uint8_t>(mask | value << 4));
            return;
        }
    }
    out.push_back(static_cast<uint8_t>(mask));
    for (int f = 0; f < kNumFields; ++f) {
        if (tf[f] != 0) put_varint(out, tf[f]);
    }
}

uint32_t total_tf(const std::array<uint32_t, kNumFields>& tf) {
    return tf[0] + tf[1] + tf[2] + tf[3];
}

uint32_t checked_offset(size_t size) {
    // A segment is capped well below 4 GB of postings (see segment.h); exceeding it is a bug.
    if (size > UINT32_MAX) std::abort();
    return static_cast<uint32_t>(size);
}

}  // namespace

void decode_block(const PostingStore& store, uint32_t block, std::vector<BlockDoc>& out) {
    out.clear();
    const BlockMeta& meta = store.blocks[block];
    const uint8_t* p = store.doc_data.data() + meta.doc_offset;
    uint32_t count = 0;
    p = get_varint(p, count);
    out.resize(count);
    uint32_t doc = meta.first_doc;
    out[0].doc = doc;
    for (uint32_t i = 1; i < count; ++i) {
        uint32_t gap = 0;
        p = get_varint(p, gap);
        doc += gap;
        out[i].doc = doc;
    }
    const uint8_t* pos = store.pos_data.data() + meta.pos_offset;
    for (uint32_t i = 0; i < count; ++i) {
        p = read_tf(p, out[i].tf);
        const uint8_t* end = skip_varints(pos, total_tf(out[i].tf));
        out[i].positions = pos;
        out[i].positions_size = static_cast<size_t>(end - pos);
        pos = end;
    }
}

void PostingWriter::add(uint32_t doc, const std::array<uint32_t, kNumFields>& tf,
                        const uint8_t* positions, size_t positions_size) {
    pending_.push_back({doc, tf});
    pending_pos_.insert(pending_pos_.end(), positions, positions + positions_size);
    ++df_;
    if (pending_.size() == kBlockSize) flush();
}

void PostingWriter::flush() {
    if (pending_.empty()) return;
    BlockMeta meta;
    meta.first_doc = pending_.front().doc;
    meta.last_doc = pending_.back().doc;
    meta.doc_offset = checked_offset(store_.doc_data.size());
    meta.pos_offset = checked_offset(store_.pos_data.size());
    meta.min_len.fill(UINT16_MAX);
    auto& out = store_.doc_data;
    put_varint(out, static_cast<uint32_t>(pending_.size()));
    for (size_t i = 1; i < pending_.size(); ++i) {
        put_varint(out, pending_[i].doc - pending_[i - 1].doc);
    }
    for (const Pending& p : pending_) {
        write_tf(out, p.tf);
        meta.max_pseudo_tf = std::max(
            meta.max_pseudo_tf, bm25f_pseudo_tf(reference_, p.tf.data(),
                                                lens_.data() + size_t{p.doc} * kNumFields, 0xF));
        for (int f = 0; f < kNumFields; ++f) {
            if (p.tf[f] == 0) continue;
            const uint32_t capped = std::min<uint32_t>(p.tf[f], kMaxTfUnbounded);
            meta.max_tf[f] = std::max(meta.max_tf[f], static_cast<uint16_t>(capped));
            meta.min_len[f] = std::min(meta.min_len[f], lens_[size_t{p.doc} * kNumFields + f]);
        }
    }
    store_.pos_data.insert(store_.pos_data.end(), pending_pos_.begin(), pending_pos_.end());
    store_.blocks.push_back(meta);
    pending_.clear();
    pending_pos_.clear();
}

void PostingWriter::copy_block(const PostingStore& src, uint32_t block, uint32_t doc_shift,
                               uint32_t count, float bound_scale) {
    flush();
    BlockMeta meta = src.blocks[block];
    meta.max_pseudo_tf *= bound_scale;
    const size_t doc_begin = meta.doc_offset;
    const size_t pos_begin = meta.pos_offset;
    meta.first_doc += doc_shift;
    meta.last_doc += doc_shift;
    meta.doc_offset = checked_offset(store_.doc_data.size());
    meta.pos_offset = checked_offset(store_.pos_data.size());
    store_.doc_data.insert(store_.doc_data.end(), src.doc_data.begin() + doc_begin,
                           src.doc_data.begin() + src.doc_end(block));
    store_.pos_data.insert(store_.pos_data.end(), src.pos_data.begin() + pos_begin,
                           src.pos_data.begin() + src.pos_end(block));
    store_.blocks.push_back(meta);
    df_ += count;
}

PostingCursor::PostingCursor(const PostingStore& store, uint32_t first_block, uint32_t end_block)
    : store_(&store), first_block_(first_block), end_block_(end_block), block_(first_block) {
    if (first_block < end_block) {
        load_block(first_block);
    } else {
        doc_ = kNoMoreDocs;
    }
}

void PostingCursor::load_block(uint32_t block) {
    block_ = block;
    if (block >= end_block_) {
        doc_ = kNoMoreDocs;
        count_ = 0;
        return;
    }
    const BlockMeta& meta = store_->blocks[block];
    const uint8_t* p = store_->doc_data.data() + meta.doc_offset;
    p = get_varint(p, count_);
    uint32_t doc = meta.first_doc;
    docs_[0] = doc;
    for (uint32_t i = 1; i < count_; ++i) {
        uint32_t gap = 0;
        p = get_varint(p, gap);
        doc += gap;
        docs_[i] = doc;
    }
    tf_section_ = p;
    tf_decoded_ = false;
    pos_index_ = 0;
    pos_ptr_ = store_->pos_data.data() + meta.pos_offset;
    index_ = 0;
    doc_ = docs_[0];
}

void PostingCursor::decode_tfs() {
    const uint8_t* p = tf_section_;
    for (uint32_t i = 0; i < count_; ++i) p = read_tf(p, tfs_[i]);
    tf_decoded_ = true;
}

void PostingCursor::next() {
    if (doc_ == kNoMoreDocs) return;
    if (++index_ < count_) {
        doc_ = docs_[index_];
    } else {
        load_block(block_ + 1);
    }
}

uint32_t PostingCursor::gallop(uint32_t from, uint32_t target) const {
    // Targets mostly grow and are near: gallop forward (1, 2, 4, ... blocks ahead), then
    // search the last step's range, instead of halving the whole rest of the list each time.
    const BlockMeta* blocks = store_->blocks.data();
    uint32_t lo = from + 1;  // blocks before lo end before target
    uint32_t step = 1;
    uint32_t hi = lo;
    while (hi < end_block_ && blocks[hi].last_doc < target) {
        lo = hi + 1;
        hi = end_block_ - hi > step ? hi + step : end_block_;
        step *= 2;
    }
    const BlockMeta* it = std::partition_point(
        blocks + lo, blocks + hi, [target](const BlockMeta& m) { return m.last_doc < target; });
    return static_cast<uint32_t>(it - blocks);
}

void PostingCursor::seek(uint32_t target) {
    if (doc_ >= target) return;
    const uint32_t block = block_for(target);
    if (block != block_) {
        load_block(block);
        if (doc_ >= target) return;
    }
    // The target is inside the current block (its last doc is >= target).
    const uint32_t* it = std::lower_bound(docs_.data() + index_, docs_.data() + count_, target);
    index_ = static_cast<uint32_t>(it - docs_.data());
    doc_ = docs_[index_];
}

void PostingCursor::positions(int field, std::vector<uint32_t>& out) {
    if (!tf_decoded_) decode_tfs();
    if (pos_index_ > index_) {
        pos_index_ = 0;
        pos_ptr_ = store_->pos_data.data() + store_->blocks[block_].pos_offset;
    }
    while (pos_index_ < index_) {
        pos_ptr_ = skip_varints(pos_ptr_, total_tf(tfs_[pos_index_]));
        ++pos_index_;
    }
    const auto& tf = tfs_[index_];
    const uint8_t* p = pos_ptr_;
    for (int f = 0; f < field; ++f) p = skip_varints(p, tf[f]);
    uint32_t position = 0;
    for (uint32_t i = 0; i < tf[field]; ++i) {
        uint32_t gap = 0;
        p = get_varint(p, gap);
        position += gap;
        out.push_back(position);
    }
}

}  // namespace paperboy::index
