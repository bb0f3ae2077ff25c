// Index snapshot files: the whole index written to disk, so that a restart loads it in seconds
// instead of analysing every paper again.
//
// Layout (binary_io.h): a header (magic, format version, byte order, the analyzer's
// fingerprint, the caller's label), the vocabulary, then each segment with its deletions, and
// a checksum of everything before it. Segments are written as they are in memory, so loading
// is mostly reading large arrays; the writer's id map and locations are rebuilt from the
// segments' paper ids. A file is written beside its destination and renamed over it, so a
// crash leaves either the old snapshot or the new one, never half of one.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <roaring/roaring.hh>
#include <stdexcept>

#include "index/binary_io.h"
#include "index/index.h"
#include "index/index_impl.h"
#include "index/segment.h"

namespace paperboy::index {
namespace {

constexpr char kMagic[16] = "PAPERBOY-INDEX\n";
// Bump when the layout of a segment, the postings or the vocabulary changes.
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kByteOrderMark = 0x01020304;

// Terms the analyzer makes of a probe text: a snapshot written by a build whose analysis
// differs (stemmer, stopwords, tokenizer rules) would answer queries with the wrong terms.
std::string analyzer_fingerprint(const text::Analyzer& analyzer) {
    std::string out;
    for (const std::string& term :
         analyzer.terms("The GPT-4 state-of-the-art Transformers; k-NN 3D Llama2 Mistral-7B "
                        "naïve ﬁne-tuning of F1-scores running Vaswani et al. über")) {
        out += term;
        out += ' ';
    }
    return out;
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

void write_bitmap(BinaryWriter& out, const Roaring& bitmap) {
    std::vector<char> bytes(bitmap.getSizeInBytes(true));
    bitmap.write(bytes.data(), true);
    out.vec(bytes);
}

bool read_bitmap(BinaryReader& in, Roaring& bitmap) {
    std::vector<char> bytes;
    if (!in.vec(bytes)) return false;
    try {
        bitmap = Roaring::readSafe(bytes.data(), bytes.size());
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

void write_bitmaps(BinaryWriter& out, const std::map<std::string, Roaring, std::less<>>& map) {
    out.pod(uint64_t{map.size()});
    for (const auto& [name, bitmap] : map) {
        out.str(name);
        write_bitmap(out, bitmap);
    }
}

bool read_bitmaps(BinaryReader& in, std::map<std::string, Roaring, std::less<>>& map) {
    uint64_t n = 0;
    if (!in.pod(n) || n > in.remaining()) return false;
    for (uint64_t i = 0; i < n; ++i) {
        std::string name;
        Roaring bitmap;
        if (!in.str(name) || !read_bitmap(in, bitmap)) return false;
        map.emplace(std::move(name), std::move(bitmap));
    }
    return true;
}

void write_segment(BinaryWriter& out, const SegmentWithDeletions& s) {
    const Segment& seg = *s.segment;
    out.pod(seg.num_docs);
    std::string ids;
    std::vector<uint32_t> id_lengths;
    for (const PaperId& id : seg.ids) {
        ids += id.str();
        id_lengths.push_back(static_cast<uint32_t>(id.str().size()));
    }
    out.str(ids);
    out.vec(id_lengths);
    out.vec(seg.lens);
    out.vec(seg.days);
    out.pod(seg.sum_len);
    out.pod(seg.reference_len);
    write_bitmap(out, seg.has_code);
    write_bitmap(out, seg.on_daily_list);
    write_bitmaps(out, seg.categories);
    write_bitmaps(out, seg.organizations);
    out.str(seg.term_chars);
    out.vec(seg.term_offsets);
    out.vec(seg.term_df);
    out.vec(seg.term_first_block);
    out.vec(seg.postings.doc_data);
    out.vec(seg.postings.pos_data);
    out.vec(seg.postings.blocks);

    static const DeletedDocs kNone;
    const DeletedDocs& deleted = s.deleted ? *s.deleted : kNone;
    out.vec(deleted.bits);
    out.pod(deleted.count);
    out.pod(deleted.sum_len);
}

template <typename T>
bool non_decreasing(const std::vector<T>& v) {
    for (size_t i = 1; i < v.size(); ++i) {
        if (v[i] < v[i - 1]) return false;
    }
    return true;
}

// The structure a search relies on, so that even a file that passes the checksum by accident
// cannot make a reader step outside an array.
bool consistent(const Segment& seg, const DeletedDocs& deleted) {
    const size_t docs = seg.num_docs;
    if (seg.ids.size() != docs || seg.lens.size() != docs * kNumFields || seg.days.size() != docs) {
        return false;
    }
    const size_t terms = seg.term_df.size();
    if (seg.term_offsets.size() != terms + 1 || seg.term_first_block.size() != terms + 1 ||
        seg.term_offsets.front() != 0 || seg.term_offsets.back() != seg.term_chars.size() ||
        seg.term_first_block.front() != 0 ||
        seg.term_first_block.back() != seg.postings.blocks.size() ||
        !non_decreasing(seg.term_offsets) || !non_decreasing(seg.term_first_block)) {
        return false;
    }
    uint32_t prev_doc = 0;
    uint32_t prev_pos = 0;
    for (const BlockMeta& b : seg.postings.blocks) {
        if (b.doc_offset < prev_doc || b.pos_offset < prev_pos ||
            b.doc_offset > seg.postings.doc_data.size() ||
            b.pos_offset > seg.postings.pos_data.size() || b.first_doc > b.last_doc ||
            b.last_doc >= docs) {
            return false;
        }
        prev_doc = b.doc_offset;
        prev_pos = b.pos_offset;
    }
    return deleted.bits.size() <= (docs + 63) / 64 && deleted.count <= docs;
}

std::shared_ptr<Segment> read_segment(BinaryReader& in, std::shared_ptr<DeletedDocs>& deleted) {
    auto seg = std::make_shared<Segment>();
    std::string ids;
    std::vector<uint32_t> id_lengths;
    if (!in.pod(seg->num_docs) || !in.str(ids) || !in.vec(id_lengths) ||
        id_lengths.size() != seg->num_docs) {
        return nullptr;
    }
    seg->ids.reserve(seg->num_docs);
    size_t at = 0;
    for (uint32_t length : id_lengths) {
        if (length > ids.size() - at) return nullptr;
        auto id = PaperId::parse(std::string_view(ids).substr(at, length));
        if (!id.ok()) return nullptr;
        seg->ids.push_back(std::move(id).value());
        at += length;
    }
    auto d = std::make_shared<DeletedDocs>();
    if (!in.vec(seg->lens) || !in.vec(seg->days) || !in.pod(seg->sum_len) ||
        !in.pod(seg->reference_len) || !read_bitmap(in, seg->has_code) ||
        !read_bitmap(in, seg->on_daily_list) || !read_bitmaps(in, seg->categories) ||
        !read_bitmaps(in, seg->organizations) || !in.str(seg->term_chars) ||
        !in.vec(seg->term_offsets) || !in.vec(seg->term_df) || !in.vec(seg->term_first_block) ||
        !in.vec(seg->postings.doc_data) || !in.vec(seg->postings.pos_data) ||
        !in.vec(seg->postings.blocks) || !in.vec(d->bits) || !in.pod(d->count) ||
        !in.pod(d->sum_len) || !consistent(*seg, *d)) {
        return nullptr;
    }
    deleted = d->count > 0 ? std::move(d) : nullptr;
    seg->index_terms();
    return seg;
}

Error bad_file(const std::string& path, const std::string& why) {
    return Error(ErrorCode::kCorruption, "index snapshot " + path + " " + why);
}

}  // namespace

Status Index::save(const std::string& path, std::string_view label) const {
    const Impl& impl = *impl_;
    // The published snapshot is immutable: writing it needs no writer lock, and a concurrent
    // upsert only means the file describes the index as it was when this call began.
    std::shared_ptr<const Snapshot> snap = impl.load();
    const std::string tmp = path + ".tmp";
    {
        File file(std::fopen(tmp.c_str(), "wb"));
        if (!file) {
            return Error(ErrorCode::kIo,
                         "cannot write index snapshot " + tmp + ": " + std::strerror(errno));
        }
        BinaryWriter out(file.get());
        out.bytes(kMagic, sizeof kMagic);
        out.pod(kFormatVersion);
        out.pod(kByteOrderMark);
        out.str(analyzer_fingerprint(impl.analyzer));
        out.str(label);
        impl.vocabulary.save(out);
        out.pod(uint64_t{snap->segments.size()});
        for (const SegmentWithDeletions& s : snap->segments) write_segment(out, s);
        out.finish();
        if (!out.ok() || std::fflush(file.get()) != 0 || ::fsync(fileno(file.get())) != 0) {
            const std::string why = std::strerror(errno);
            file.reset();
            std::remove(tmp.c_str());
            return Error(ErrorCode::kIo, "cannot write index snapshot " + tmp + ": " + why);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return Error(ErrorCode::kIo,
                     "cannot rename index snapshot " + tmp + " to " + path + ": " + ec.message());
    }
    return Status::ok_status();
}

Result<std::string> Index::load(const std::string& path) {
    Impl& impl = *impl_;
    std::lock_guard writer(impl.writer_mutex);
    if (!impl.segments.empty() || impl.keys.size() > 0) {
        return Error(ErrorCode::kInvalidArgument, "an index can only load into an empty index");
    }
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) return Error(ErrorCode::kNotFound, "no index snapshot " + path + ": " + ec.message());
    File file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return Error(ErrorCode::kIo,
                     "cannot read index snapshot " + path + ": " + std::strerror(errno));
    }
    if (size < sizeof kMagic + sizeof(uint64_t)) return bad_file(path, "is truncated");
    BinaryReader in(file.get(), size - sizeof(uint64_t));

    char magic[sizeof kMagic] = {};
    uint32_t version = 0;
    uint32_t byte_order = 0;
    std::string fingerprint;
    std::string label;
    if (!in.bytes(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
        return bad_file(path, "is not a Paperboy index snapshot");
    }
    if (!in.pod(version) || version != kFormatVersion || !in.pod(byte_order) ||
        byte_order != kByteOrderMark) {
        return Error(ErrorCode::kVersionMismatch,
                     "index snapshot " + path + " has format version " + std::to_string(version) +
                         " but this paperboy writes version " + std::to_string(kFormatVersion));
    }
    if (!in.str(fingerprint) || fingerprint != analyzer_fingerprint(impl.analyzer)) {
        return Error(ErrorCode::kVersionMismatch,
                     "index snapshot " + path + " was built with a different text analyzer");
    }

    // Segments are read aside and installed only once the checksum has matched.
    std::vector<SegmentWithDeletions> segments;
    uint64_t count = 0;
    bool read =
        in.str(label) && impl.vocabulary.load(in) && in.pod(count) && count <= in.remaining();
    for (uint64_t i = 0; read && i < count; ++i) {
        std::shared_ptr<DeletedDocs> deleted;
        std::shared_ptr<Segment> segment = read_segment(in, deleted);
        if (!segment) {
            read = false;
            break;
        }
        segments.push_back({std::move(segment), std::move(deleted)});
    }
    if (!read || !in.finish()) {
        impl.vocabulary.clear();
        return bad_file(path, "is truncated or corrupted");
    }

    for (SegmentWithDeletions& s : segments) {
        auto* segment = const_cast<Segment*>(s.segment.get());  // not yet shared with anyone
        segment->keys.resize(segment->num_docs);
        for (uint32_t d = 0; d < segment->num_docs; ++d) {
            bool added = false;
            segment->keys[d] = impl.keys.intern(segment->ids[d].str(), added);
            if (added) impl.locations.emplace_back();
            if (!s.deleted || !s.deleted->contains(d)) {
                impl.locations[segment->keys[d]] = {segment, d};
            }
        }
    }
    impl.segments = std::move(segments);
    impl.publish();
    return label;
}

}  // namespace paperboy::index
