// Builds a Segment from documents: analysis, then an in-memory inversion.
//
// Every token is interned in a StringTable (term -> dense id); a document's (term id, field,
// position) triples are sorted as integers and appended to per-term growing buffers (doc gap,
// field mask, frequencies; positions apart). finish() sorts the dictionary and re-encodes each
// term's buffer into blocks (postings.h) with their score-bound metadata.
#include <algorithm>
#include <numeric>

#include "index/segment.h"
#include "index/slice_pool.h"
#include "index/varint.h"

namespace paperboy::index {
namespace {

struct TermBuffer {
    SlicePool::Stream post;  // per doc: varint doc gap, byte field mask, varint tf per field
    SlicePool::Stream pos;   // per doc, per field: position gaps
    uint32_t next_doc = 0;   // the previous doc + 1
    // The surface words of this term ("models", "model" for "model") with their document
    // counts: most tokens count their word here, by hash, without a lookup in the large word
    // table. An evicted variant's count is added to the table.
    struct Variant {
        uint32_t hash = 0;
        uint32_t word = UINT32_MAX;
        uint32_t df = 0;
        uint32_t last_doc = UINT32_MAX;
    };
    std::array<Variant, 2> variants;
};

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

constexpr uint32_t kMaxPosition = (1U << 28) - 1;

}  // namespace

struct SegmentBuilder::Impl {
    explicit Impl(const text::Analyzer& a) : analyzer(a) {}

    const text::Analyzer& analyzer;
    StringTable terms;
    std::vector<TermBuffer> buffers;
    SlicePool pool;
    WordCounts words;

    std::vector<PaperId> ids;
    std::vector<uint32_t> keys;
    std::vector<uint16_t> lens;
    std::vector<int32_t> days;
    std::vector<uint32_t> has_code;
    std::vector<uint32_t> on_daily_list;
    std::map<std::string, std::vector<uint32_t>, std::less<>> categories;
    std::map<std::string, std::vector<uint32_t>, std::less<>> organizations;
    std::map<std::string, std::string, std::less<>> folded_orgs;

    // Scratch, reused across documents.
    std::vector<text::Token> tokens;
    std::vector<uint64_t> entries;  // term id << 32 | field << 28 | position
    std::string word;

    void add(const IndexDoc& doc);
    uint32_t add_field(Field field, std::string_view text, uint32_t first_position,
                       bool collect_words, uint32_t doc, uint32_t& length);
    void count_word(std::string_view raw, uint32_t term, uint32_t doc);
    void flush_variant(TermBuffer::Variant& variant);
    void invert(uint32_t doc);
};

SegmentBuilder::SegmentBuilder(const text::Analyzer& analyzer)
    : impl_(std::make_unique<Impl>(analyzer)) {}
SegmentBuilder::~SegmentBuilder() = default;

void SegmentBuilder::add(const IndexDoc& doc, uint32_t key) {
    impl_->keys.push_back(key);
    impl_->add(doc);
}
uint32_t SegmentBuilder::size() const { return static_cast<uint32_t>(impl_->ids.size()); }
const WordCounts& SegmentBuilder::words() const { return impl_->words; }

void SegmentBuilder::Impl::count_word(std::string_view raw, uint32_t term, uint32_t doc) {
    // Suggestions offer real words: letters only, folded, unstemmed. ASCII is folded here
    // because calling the Unicode folder for every token would double the analysis cost.
    bool ascii = true;
    for (char c : raw) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii) {
        word.clear();
        for (char c : raw) {
            if (c >= 'A' && c <= 'Z') {
                word.push_back(static_cast<char>(c - 'A' + 'a'));
            } else if (c >= 'a' && c <= 'z') {
                word.push_back(c);
            } else {
                return;
            }
        }
    } else {
        word = analyzer.fold(raw);
        for (char c : word) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return;
        }
    }
    if (word.size() < 2) return;
    const auto hash = static_cast<uint32_t>(hash_bytes(word)) | 1U;
    auto& variants = buffers[term].variants;
    if (variants[0].hash != hash) {
        if (variants[1].hash == hash) {
            std::swap(variants[0], variants[1]);
        } else {
            flush_variant(variants[1]);
            variants[1] = variants[0];
            bool added = false;
            variants[0] = {hash, words.words.intern(word, added), 0, UINT32_MAX};
            if (added) words.df.push_back(0);
        }
    }
    if (variants[0].last_doc != doc) {
        variants[0].last_doc = doc;
        ++variants[0].df;
    }
}

void SegmentBuilder::Impl::flush_variant(TermBuffer::Variant& variant) {
    if (variant.word != UINT32_MAX) words.df[variant.word] += variant.df;
    variant = {};
}

uint32_t SegmentBuilder::Impl::add_field(Field field, std::string_view text,
                                         uint32_t first_position, bool collect_words, uint32_t doc,
                                         uint32_t& length) {
    tokens.clear();
    analyzer.analyze(text, tokens, first_position);
    uint32_t last = first_position;
    for (const text::Token& token : tokens) {
        bool added = false;
        const uint32_t id = terms.intern(token.term, added);
        if (added) buffers.emplace_back();
        const uint32_t position = std::min(token.position, kMaxPosition);
        entries.push_back(uint64_t{id} << 32 | uint64_t{static_cast<uint32_t>(field)} << 28 |
                          position);
        last = std::max(last, token.position);
        if (!token.is_compound_whole) {
            ++length;
            if (collect_words && token.end > token.begin && token.end <= text.size()) {
                count_word(text.substr(token.begin, token.end - token.begin), id, doc);
            }
        }
    }
    return last;
}

void SegmentBuilder::Impl::add(const IndexDoc& doc) {
    const auto local = static_cast<uint32_t>(ids.size());
    ids.push_back(doc.id);
    days.push_back(doc.published_day);
    entries.clear();
    std::array<uint32_t, kNumFields> length{};
    add_field(Field::kTitle, doc.title, 0, true, local, length[0]);
    add_field(Field::kAbstract, doc.abstract, 0, false, local, length[1]);
    // A gap of one position between names and between categories keeps phrases inside one.
    uint32_t next = 0;
    for (const std::string& author : doc.authors) {
        next = add_field(Field::kAuthors, author, next, true, local, length[2]) + 2;
    }
    next = 0;
    for (const std::string& category : doc.categories) {
        next = add_field(Field::kCategories, category, next, false, local, length[3]) + 2;
        categories[ascii_lower(category)].push_back(local);
    }
    for (uint32_t len : length) lens.push_back(static_cast<uint16_t>(std::min(len, 65535U)));
    if (doc.has_code) has_code.push_back(local);
    if (doc.on_daily_list) on_daily_list.push_back(local);
    if (!doc.organization.empty()) {
        auto it = folded_orgs.find(doc.organization);
        if (it == folded_orgs.end()) {
            it = folded_orgs.emplace(doc.organization, analyzer.fold(doc.organization)).first;
        }
        if (!it->second.empty()) {
            auto& list = organizations[it->second];
            if (list.empty() || list.back() != local) list.push_back(local);
        }
    }
    invert(local);
}

void SegmentBuilder::Impl::invert(uint32_t doc) {
    std::sort(entries.begin(), entries.end());
    size_t i = 0;
    while (i < entries.size()) {
        const auto id = static_cast<uint32_t>(entries[i] >> 32);
        size_t end = i;
        std::array<uint32_t, kNumFields> tf{};
        while (end < entries.size() && (entries[end] >> 32) == id) {
            ++tf[(entries[end] >> 28) & 0xF];
            ++end;
        }
        TermBuffer& buffer = buffers[id];
        pool.put_varint(buffer.post, doc - buffer.next_doc);
        buffer.next_doc = doc + 1;
        uint8_t mask = 0;
        for (int f = 0; f < kNumFields; ++f) {
            if (tf[f] != 0) mask = static_cast<uint8_t>(mask | 1U << f);
        }
        pool.put(buffer.post, mask);
        for (int f = 0; f < kNumFields; ++f) {
            if (tf[f] != 0) pool.put_varint(buffer.post, tf[f]);
        }
        uint32_t previous_field = UINT32_MAX;
        uint32_t previous = 0;
        for (size_t k = i; k < end; ++k) {
            const auto field = static_cast<uint32_t>((entries[k] >> 28) & 0xF);
            const auto position = static_cast<uint32_t>(entries[k] & kMaxPosition);
            if (field != previous_field) {
                previous_field = field;
                previous = 0;
            }
            pool.put_varint(buffer.pos, position - previous);
            previous = position;
        }
        i = end;
    }
}

std::shared_ptr<const Segment> SegmentBuilder::finish() {
    Impl& b = *impl_;
    auto segment = std::make_shared<Segment>();
    Segment& s = *segment;
    s.num_docs = static_cast<uint32_t>(b.ids.size());
    s.ids = std::move(b.ids);
    s.lens = std::move(b.lens);
    s.days = std::move(b.days);
    for (uint32_t d = 0; d < s.num_docs; ++d) {
        for (int f = 0; f < kNumFields; ++f) s.sum_len[f] += s.doc_lens(d)[f];
    }
    s.keys = std::move(b.keys);
    s.has_code = Roaring(b.has_code.size(), b.has_code.data());
    s.on_daily_list = Roaring(b.on_daily_list.size(), b.on_daily_list.data());
    for (auto& [name, docs] : b.categories) {
        s.categories.emplace(name, Roaring(docs.size(), docs.data()));
    }
    for (auto& [name, docs] : b.organizations) {
        s.organizations.emplace(name, Roaring(docs.size(), docs.data()));
    }

    std::vector<uint32_t> order(b.terms.size());
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(),
              [&b](uint32_t x, uint32_t y) { return b.terms.get(x) < b.terms.get(y); });
    s.postings.doc_data.reserve(b.pool.memory_bytes() / 2);
    s.postings.pos_data.reserve(b.pool.memory_bytes() / 2);
    s.term_offsets.reserve(order.size() + 1);
    s.term_df.reserve(order.size());
    s.term_first_block.reserve(order.size() + 1);

    for (TermBuffer& buffer : b.buffers) {
        for (TermBuffer::Variant& variant : buffer.variants) b.flush_variant(variant);
    }
    s.reference_len = Segment::mean_lengths(s.sum_len, s.num_docs);
    PostingWriter writer(s.postings, s.lens, s.reference_norms());
    std::vector<uint8_t> positions;
    for (uint32_t id : order) {
        TermBuffer& buffer = b.buffers[id];
        s.term_offsets.push_back(static_cast<uint32_t>(s.term_chars.size()));
        s.term_chars.append(b.terms.get(id));
        s.term_first_block.push_back(static_cast<uint32_t>(s.postings.blocks.size()));
        writer.reset_df();
        SlicePool::Reader post(b.pool, buffer.post);
        SlicePool::Reader pos(b.pool, buffer.pos);
        uint32_t doc = 0;
        while (!post.done()) {
            doc += post.get_varint();
            const uint8_t mask = post.get();
            std::array<uint32_t, kNumFields> tf{};
            uint32_t total = 0;
            for (int f = 0; f < kNumFields; ++f) {
                if ((mask >> f & 1U) != 0) {
                    tf[f] = post.get_varint();
                    total += tf[f];
                }
            }
            positions.clear();
            for (uint32_t i = 0; i < total; ++i) put_varint(positions, pos.get_varint());
            writer.add(doc, tf, positions.data(), positions.size());
            ++doc;
        }
        writer.flush();
        s.term_df.push_back(writer.df());
    }
    s.term_offsets.push_back(static_cast<uint32_t>(s.term_chars.size()));
    s.term_first_block.push_back(static_cast<uint32_t>(s.postings.blocks.size()));
    s.postings.doc_data.shrink_to_fit();
    s.postings.pos_data.shrink_to_fit();
    s.postings.blocks.shrink_to_fit();
    s.term_chars.shrink_to_fit();
    s.index_terms();
    return segment;
}

}  // namespace paperboy::index
