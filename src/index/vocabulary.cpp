#include "index/vocabulary.h"

#include <algorithm>
#include <array>
#include <bit>
#include <mutex>

#include "index/binary_io.h"

namespace paperboy::index {
namespace {

// While the vocabulary has fewer words than this, every word is a candidate replacement.
constexpr uint32_t kSmallVocabulary = 100000;
constexpr size_t kMaxWordLength = 40;

uint64_t signature(std::string_view word) {
    uint64_t bits = 0;
    for (char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 'a' && u <= 'z') {
            bits |= uint64_t{1} << (u - 'a');
        } else {
            bits |= uint64_t{1} << (26 + u % 38);
        }
    }
    return bits;
}

}  // namespace

int bounded_edit_distance(std::string_view a, std::string_view b, int max_distance) {
    const int n = static_cast<int>(a.size());
    const int m = static_cast<int>(b.size());
    if (std::abs(n - m) > max_distance) return max_distance + 1;
    if (m > static_cast<int>(kMaxWordLength) || n > static_cast<int>(kMaxWordLength)) {
        return max_distance + 1;
    }
    // Three rows of the optimal-string-alignment table.
    std::array<int, kMaxWordLength + 1> two_back{};
    std::array<int, kMaxWordLength + 1> previous{};
    std::array<int, kMaxWordLength + 1> current{};
    for (int j = 0; j <= m; ++j) previous[j] = j;
    for (int i = 1; i <= n; ++i) {
        current[0] = i;
        int row_min = i;
        for (int j = 1; j <= m; ++j) {
            const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int d = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d = std::min(d, two_back[j - 2] + 1);
            }
            current[j] = d;
            row_min = std::min(row_min, d);
        }
        if (row_min > max_distance) return max_distance + 1;
        two_back = previous;
        previous = current;
    }
    return std::min(previous[m], max_distance + 1);
}

void Vocabulary::add_candidate(uint32_t id) {
    const std::string_view word = words_.get(id);
    if (word.size() > kMaxWordLength) return;
    if (by_length_.size() <= word.size()) by_length_.resize(word.size() + 1);
    Bucket& bucket = by_length_[word.size()];
    bucket.signatures.push_back(signature(word));
    bucket.ids.push_back(id);
    is_candidate_[id] = true;
    note_df(id, 0);
}

// Keeps a candidate's bucket statistics and frequent list up to date after its df grew from
// `old_df`.
void Vocabulary::note_df(uint32_t id, uint32_t old_df) {
    const std::string_view word = words_.get(id);
    Bucket& bucket = by_length_[word.size()];
    bucket.max_df = std::max(bucket.max_df, df_[id]);
    if (old_df < kFrequentDf && df_[id] >= kFrequentDf) {
        bucket.frequent_signatures.push_back(signature(word));
        bucket.frequent_ids.push_back(id);
    }
}

void Vocabulary::add(const WordCounts& counts) {
    std::unique_lock lock(mutex_);
    for (uint32_t i = 0; i < counts.words.size(); ++i) {
        bool added = false;
        const uint32_t id = words_.intern(counts.words.get(i), added);
        if (added) {
            df_.push_back(0);
            is_candidate_.push_back(false);
        }
        const uint32_t old_df = df_[id];
        df_[id] += counts.df[i];
        if (is_candidate_[id]) {
            note_df(id, old_df);
        } else if (df_[id] >= 2 || words_.size() <= kSmallVocabulary) {
            add_candidate(id);
        }
    }
}

uint32_t Vocabulary::df(std::string_view word) const {
    std::shared_lock lock(mutex_);
    const auto id = words_.find(word);
    return id ? df_[*id] : 0;
}

std::optional<Vocabulary::Neighbour> Vocabulary::nearest(std::string_view word,
                                                         uint32_t min_df) const {
    constexpr int kMaxDistance = 2;
    if (word.empty() || word.size() > kMaxWordLength) return std::nullopt;
    std::shared_lock lock(mutex_);
    const uint64_t sig = signature(word);
    std::optional<Neighbour> best;
    const size_t lo = word.size() > kMaxDistance ? word.size() - kMaxDistance : 1;
    const size_t hi = std::min(word.size() + kMaxDistance, by_length_.size() - 1);
    for (size_t len = lo; len <= hi && len < by_length_.size(); ++len) {
        const Bucket& bucket = by_length_[len];
        // A common word asks for a far more common neighbour, which most buckets cannot have.
        if (bucket.max_df < min_df) continue;
        const bool frequent_only = min_df >= kFrequentDf;
        const std::vector<uint64_t>& signatures =
            frequent_only ? bucket.frequent_signatures : bucket.signatures;
        const std::vector<uint32_t>& ids = frequent_only ? bucket.frequent_ids : bucket.ids;
        for (size_t i = 0; i < ids.size(); ++i) {
            if (std::popcount(signatures[i] ^ sig) > 2 * kMaxDistance) continue;
            const uint32_t id = ids[i];
            const uint32_t df = df_[id];
            if (df < min_df) continue;
            const std::string_view candidate = words_.get(id);
            const int limit = best ? best->distance : kMaxDistance;
            const int distance = bounded_edit_distance(word, candidate, limit);
            if (distance == 0 || distance > limit) continue;
            if (!best || distance < best->distance || df > best->df ||
                (df == best->df && candidate < best->word)) {
                best = Neighbour{std::string(candidate), df, distance};
            }
        }
    }
    return best;
}

size_t Vocabulary::memory_bytes() const {
    std::shared_lock lock(mutex_);
    size_t bytes =
        words_.memory_bytes() + df_.capacity() * sizeof(uint32_t) + is_candidate_.capacity() / 8;
    for (const Bucket& b : by_length_) {
        bytes += b.signatures.capacity() * sizeof(uint64_t) + b.ids.capacity() * sizeof(uint32_t) +
                 b.frequent_signatures.capacity() * sizeof(uint64_t) +
                 b.frequent_ids.capacity() * sizeof(uint32_t);
    }
    return bytes;
}

void Vocabulary::save(BinaryWriter& out) const {
    std::shared_lock lock(mutex_);
    std::string chars;
    std::vector<uint32_t> lengths(words_.size());
    for (uint32_t i = 0; i < words_.size(); ++i) {
        chars.append(words_.get(i));
        lengths[i] = static_cast<uint32_t>(words_.get(i).size());
    }
    out.str(chars);
    out.vec(lengths);
    out.vec(df_);
    // The candidates bucket by bucket, in the order nearest() meets them.
    out.pod(uint64_t{by_length_.size()});
    for (const Bucket& b : by_length_) out.vec(b.ids);
}

void Vocabulary::clear() {
    std::unique_lock lock(mutex_);
    words_ = StringTable();
    df_.clear();
    is_candidate_.clear();
    by_length_.clear();
}

bool Vocabulary::load(BinaryReader& in) {
    std::unique_lock lock(mutex_);
    std::string chars;
    std::vector<uint32_t> lengths;
    if (!in.str(chars) || !in.vec(lengths) || !in.vec(df_) || df_.size() != lengths.size()) {
        return false;
    }
    size_t at = 0;
    for (uint32_t length : lengths) {
        if (length > chars.size() - at) return false;
        bool added = false;
        words_.intern(std::string_view(chars).substr(at, length), added);
        if (!added) return false;  // a word twice: not a file we wrote
        at += length;
    }
    is_candidate_.assign(df_.size(), false);
    uint64_t buckets = 0;
    if (!in.pod(buckets) || buckets > kMaxWordLength + 1) return false;
    by_length_.assign(buckets, {});
    std::vector<uint32_t> ids;
    for (uint64_t length = 0; length < buckets; ++length) {
        if (!in.vec(ids)) return false;
        for (uint32_t id : ids) {
            if (id >= df_.size() || words_.get(id).size() != length || is_candidate_[id]) {
                return false;
            }
            add_candidate(id);
        }
    }
    return true;
}

}  // namespace paperboy::index
