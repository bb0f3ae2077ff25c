// Merges segments into one, dropping deleted documents.
//
// Documents keep their order, so a posting block none of whose id range was deleted moves as
// bytes (PostingWriter::copy_block) with shifted ids; only blocks touched by deletions, and
// small blocks that fit together into one, are decoded and re-encoded. The term dictionaries
// are merged k-way (k is small: the merge policy merges a handful of segments at a time).
#include <algorithm>

#include "index/segment.h"
#include "index/varint.h"

namespace paperboy::index {
namespace {

constexpr uint32_t kGone = UINT32_MAX;

std::vector<uint32_t> to_vector(const Roaring& bitmap) {
    std::vector<uint32_t> out(bitmap.cardinality());
    if (!out.empty()) bitmap.toUint32Array(out.data());
    return out;
}

uint32_t block_count(const PostingStore& store, uint32_t block) {
    uint32_t count = 0;
    get_varint(store.doc_data.data() + store.blocks[block].doc_offset, count);
    return count;
}

}  // namespace

std::shared_ptr<const Segment> merge_segments(const std::vector<SegmentWithDeletions>& parts) {
    auto merged = std::make_shared<Segment>();
    Segment& out = *merged;

    // Doc ids: old -> new, kGone for deleted documents.
    std::vector<std::vector<uint32_t>> remap(parts.size());
    for (size_t p = 0; p < parts.size(); ++p) {
        const Segment& s = *parts[p].segment;
        const DeletedDocs* deleted = parts[p].deleted.get();
        remap[p].assign(s.num_docs, kGone);
        for (uint32_t d = 0; d < s.num_docs; ++d) {
            if (deleted != nullptr && deleted->contains(d)) continue;
            remap[p][d] = out.num_docs++;
            out.ids.push_back(s.ids[d]);
            out.keys.push_back(s.keys[d]);
            out.days.push_back(s.days[d]);
            const uint16_t* lens = s.doc_lens(d);
            out.lens.insert(out.lens.end(), lens, lens + kNumFields);
            for (int f = 0; f < kNumFields; ++f) out.sum_len[f] += lens[f];
        }
    }

    // Filter bitmaps.
    const auto remap_bitmap = [&](size_t p, const Roaring& bitmap, std::vector<uint32_t>& into) {
        for (uint32_t d : to_vector(bitmap)) {
            if (remap[p][d] != kGone) into.push_back(remap[p][d]);
        }
    };
    std::vector<uint32_t> has_code;
    std::vector<uint32_t> on_daily;
    std::map<std::string, std::vector<uint32_t>, std::less<>> categories;
    std::map<std::string, std::vector<uint32_t>, std::less<>> organizations;
    for (size_t p = 0; p < parts.size(); ++p) {
        const Segment& s = *parts[p].segment;
        remap_bitmap(p, s.has_code, has_code);
        remap_bitmap(p, s.on_daily_list, on_daily);
        for (const auto& [name, bitmap] : s.categories) remap_bitmap(p, bitmap, categories[name]);
        for (const auto& [name, bitmap] : s.organizations) {
            remap_bitmap(p, bitmap, organizations[name]);
        }
    }
    out.has_code = Roaring(has_code.size(), has_code.data());
    out.on_daily_list = Roaring(on_daily.size(), on_daily.data());
    for (auto& [name, docs] : categories) {
        if (!docs.empty()) out.categories.emplace(name, Roaring(docs.size(), docs.data()));
    }
    for (auto& [name, docs] : organizations) {
        if (!docs.empty()) out.organizations.emplace(name, Roaring(docs.size(), docs.data()));
    }

    // Postings, term by term in dictionary order.
    size_t doc_bytes = 0;
    size_t pos_bytes = 0;
    for (const auto& part : parts) {
        doc_bytes += part.segment->postings.doc_data.size();
        pos_bytes += part.segment->postings.pos_data.size();
    }
    out.postings.doc_data.reserve(doc_bytes);
    out.postings.pos_data.reserve(pos_bytes);
    out.reference_len = Segment::mean_lengths(out.sum_len, out.num_docs);
    std::vector<float> scales;
    for (const auto& part : parts) {
        scales.push_back(bound_scale(part.segment->reference_len, out.reference_len));
    }
    PostingWriter writer(out.postings, out.lens, out.reference_norms());
    std::vector<uint32_t> next_term(parts.size(), 0);
    std::vector<BlockDoc> decoded;
    while (true) {
        std::string_view term;
        bool any = false;
        for (size_t p = 0; p < parts.size(); ++p) {
            const Segment& s = *parts[p].segment;
            if (next_term[p] >= s.num_terms()) continue;
            if (!any || s.term(next_term[p]) < term) term = s.term(next_term[p]);
            any = true;
        }
        if (!any) break;
        size_t holders = 0;
        for (size_t p = 0; p < parts.size(); ++p) {
            const Segment& s = *parts[p].segment;
            if (next_term[p] < s.num_terms() && s.term(next_term[p]) == term) ++holders;
        }
        const auto term_offset = static_cast<uint32_t>(out.term_chars.size());
        const auto first_block = static_cast<uint32_t>(out.postings.blocks.size());
        writer.reset_df();
        for (size_t p = 0; p < parts.size(); ++p) {
            const Segment& s = *parts[p].segment;
            if (next_term[p] >= s.num_terms() || s.term(next_term[p]) != term) continue;
            const uint32_t t = next_term[p]++;
            const std::vector<uint32_t>& map = remap[p];
            for (uint32_t b = s.term_first_block[t]; b < s.term_first_block[t + 1]; ++b) {
                const BlockMeta& meta = s.postings.blocks[b];
                const uint32_t count = block_count(s.postings, b);
                const bool intact =
                    map[meta.first_doc] != kGone && map[meta.last_doc] != kGone &&
                    map[meta.last_doc] - map[meta.first_doc] == meta.last_doc - meta.first_doc;
                // Small blocks of several parts are coalesced; a term of one part (most rare
                // terms) keeps its blocks as they are.
                if (intact && (writer.pending() + count > kBlockSize ||
                               (holders == 1 && writer.pending() == 0))) {
                    writer.copy_block(s.postings, b, map[meta.first_doc] - meta.first_doc, count,
                                      scales[p]);
                    continue;
                }
                decode_block(s.postings, b, decoded);
                for (const BlockDoc& doc : decoded) {
                    if (map[doc.doc] == kGone) continue;
                    writer.add(map[doc.doc], doc.tf, doc.positions, doc.positions_size);
                }
            }
        }
        writer.flush();
        if (writer.df() == 0) continue;  // every document with the term was deleted
        out.term_chars.append(term);
        out.term_offsets.push_back(term_offset);
        out.term_first_block.push_back(first_block);
        out.term_df.push_back(writer.df());
    }
    out.term_offsets.push_back(static_cast<uint32_t>(out.term_chars.size()));
    out.term_first_block.push_back(static_cast<uint32_t>(out.postings.blocks.size()));
    out.postings.doc_data.shrink_to_fit();
    out.postings.pos_data.shrink_to_fit();
    out.postings.blocks.shrink_to_fit();
    out.term_chars.shrink_to_fit();
    out.index_terms();
    return merged;
}

}  // namespace paperboy::index
