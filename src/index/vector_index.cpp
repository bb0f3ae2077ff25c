// The vector index: hnswlib's HNSW graph for large collections, exact scans for small ones and
// for short candidate lists, and snapshot files.
//
// hnswlib 0.6.2 (Debian's) has no filtered search and no slot reuse, but every member of
// HierarchicalNSW is public; this file walks the graph itself (the same algorithm as hnswlib's
// searchKnn, with a filter applied where a node would enter the result list, as hnswlib 0.7
// does) and reuses deleted slots through updatePoint, as 0.7's replace_deleted does. It also
// reads and writes the graph's arrays itself rather than through loadIndex, which trusts its
// file. hnswlib.h defines functions and globals that are not inline, so only this file may
// include it (and its manual vectorisation is turned off; see below).
//
// Slots: a paper's slot is its hnswlib internal id, and the graph's labels are the slots too
// (set after each insertion). hnswlib's label map is needed only while addPoint runs, so it is
// cleared after every batch.
#include "index/vector_index.h"

// Without hnswlib's SSE code: its distance functions are not used here (DotSpace below), and
// its prefetches read one link past the end of a full upper-level link list (a heap overflow
// AddressSanitizer reports in hnswlib 0.6.2's searchBaseLayer and repairConnectionsForUpdate).
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "index/binary_io.h"

namespace paperboy::index {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using Slot = hnswlib::tableint;

// The dot product of two n-float vectors, four independent 4-float sums at a time (GCC/Clang
// vector extensions: SSE on any x86-64, wider when the build targets it). Plain loops would not
// be vectorised without -ffast-math, since a single running sum is a serial dependency.
float dot(const float* a, const float* b, size_t n) {
    using V4 = float __attribute__((vector_size(16)));
    const auto load = [](const float* p) {
        V4 v;
        std::memcpy(&v, p, sizeof v);
        return v;
    };
    V4 s0 = {}, s1 = {}, s2 = {}, s3 = {};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 += load(a + i) * load(b + i);
        s1 += load(a + i + 4) * load(b + i + 4);
        s2 += load(a + i + 8) * load(b + i + 8);
        s3 += load(a + i + 12) * load(b + i + 12);
    }
    for (; i + 4 <= n; i += 4) s0 += load(a + i) * load(b + i);
    const V4 s = (s0 + s1) + (s2 + s3);
    float total = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < n; ++i) total += a[i] * b[i];
    return total;
}

// hnswlib's distance: smaller is nearer. The negated dot product, so that a score is exactly
// -distance and the graph and the exact scans agree to the bit.
float negative_dot(const void* a, const void* b, const void* dims) {
    return -dot(static_cast<const float*>(a), static_cast<const float*>(b),
                *static_cast<const size_t*>(dims));
}

class DotSpace : public hnswlib::SpaceInterface<float> {
  public:
    explicit DotSpace(size_t dims) : dims_(dims) {}
    size_t get_data_size() override { return dims_ * sizeof(float); }
    hnswlib::DISTFUNC<float> get_dist_func() override { return negative_dot; }
    void* get_dist_func_param() override { return &dims_; }

  private:
    size_t dims_;
};

// Checks a row and normalises it into `out`; an error message when it cannot be.
std::optional<std::string> normalise(const float* row, size_t dims, float* out) {
    double norm2 = 0;
    for (size_t i = 0; i < dims; ++i) {
        if (!std::isfinite(row[i])) {
            return std::string(std::isnan(row[i]) ? "NaN" : "an infinity") + " at position " +
                   std::to_string(i);
        }
        norm2 += static_cast<double>(row[i]) * row[i];
    }
    if (!(norm2 > 0) || !std::isfinite(norm2)) return "zero length";
    const double scale = 1.0 / std::sqrt(norm2);
    for (size_t i = 0; i < dims; ++i) out[i] = static_cast<float>(row[i] * scale);
    return std::nullopt;
}

// Result candidates: (score, slot).
using Scored = std::pair<float, Slot>;

// Keeps the k best of a stream of scored slots, equal scores broken by id.
class TopK {
  public:
    TopK(size_t k, const std::vector<std::optional<PaperId>>& ids) : k_(k), better_{&ids} {
        heap_.reserve(k);
    }

    void offer(float score, Slot slot) {
        if (heap_.size() < k_) {
            heap_.emplace_back(score, slot);
            std::push_heap(heap_.begin(), heap_.end(), better_);
        } else if (score >= heap_.front().first && better_(Scored{score, slot}, heap_.front())) {
            std::pop_heap(heap_.begin(), heap_.end(), better_);
            heap_.back() = Scored{score, slot};
            std::push_heap(heap_.begin(), heap_.end(), better_);
        }
    }
    // Best first.
    std::vector<Scored> take() {
        std::sort_heap(heap_.begin(), heap_.end(), better_);
        return std::move(heap_);
    }

  private:
    // Whether a is better than b: a higher score, or the same score and a smaller id. As the
    // heap's "less", it keeps the worst kept slot at the front.
    struct Better {
        const std::vector<std::optional<PaperId>>* ids;
        bool operator()(const Scored& a, const Scored& b) const {
            if (a.first != b.first) return a.first > b.first;
            return (*ids)[a.second]->str() < (*ids)[b.second]->str();
        }
    };
    size_t k_;
    Better better_;
    std::vector<Scored> heap_;
};

constexpr char kMagic[] = "PAPERBOY-VECTOR\n";
constexpr size_t kMagicSize = sizeof kMagic - 1;
// Bump when the layout of the file or of hnswlib's arrays changes.
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kByteOrderMark = 0x01020304;
// Bounds on what a snapshot may declare (hnswlib keeps list sizes in 16 bits).
constexpr uint64_t kMaxM = 1024;
constexpr uint64_t kMaxEfConstruction = 100000;
constexpr int32_t kMaxLevel = 64;

// Vectors per exclusive-lock hold: searches get in between chunks of a large batch. An
// insertion takes ~0.1-1 ms, a replacement (updatePoint relinks two hops of neighbours) a few.
constexpr size_t kChunk = 64;

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

Error bad_file(const std::string& path, const std::string& why) {
    return Error(ErrorCode::kCorruption, "vector index snapshot " + path + ": " + why);
}

}  // namespace

VectorFilter VectorFilter::only(std::vector<PaperId> ids) {
    VectorFilter filter;
    filter.ids_ = std::move(ids);
    return filter;
}

VectorFilter VectorFilter::where(Predicate accept) {
    VectorFilter filter;
    filter.accept_ = std::move(accept);
    return filter;
}

struct VectorIndex::Impl {
    Impl(int dimensions, std::string model_identity, VectorIndexOptions opts)
        : dims(static_cast<size_t>(dimensions)),
          model(std::move(model_identity)),
          options(opts),
          space(dims),
          ef_search(opts.ef_search) {
        options.M = std::clamp<size_t>(options.M, 2, kMaxM);
        graph = std::make_unique<Graph>(&space, std::max<size_t>(options.initial_capacity, 1),
                                        options.M, options.ef_construction);
    }

    const size_t dims;
    const std::string model;
    VectorIndexOptions options;
    DotSpace space;
    std::atomic<size_t> ef_search;

    // Readers hold `rw` shared; the writer holds `writer` for a whole call and `rw` exclusively
    // per chunk. `gate` gives waiting writers priority: a reader passes it before taking `rw`,
    // a writer holds it while it waits for `rw` (glibc's rwlock lets readers overtake writers).
    mutable std::shared_mutex rw;
    mutable std::mutex gate;
    mutable std::mutex writer;

    // Guarded by rw.
    std::unique_ptr<Graph> graph;
    std::vector<std::optional<PaperId>> ids;  // by slot; nullopt: a free (deleted) slot
    std::unordered_map<std::string, Slot> slot_of;
    std::vector<Slot> free_slots;

    struct ReadLock {
        explicit ReadLock(const Impl& impl) : rw(impl.rw) {
            std::lock_guard g(impl.gate);
            rw.lock_shared();
        }
        ~ReadLock() { rw.unlock_shared(); }
        ReadLock(const ReadLock&) = delete;
        ReadLock& operator=(const ReadLock&) = delete;
        std::shared_mutex& rw;
    };
    std::unique_lock<std::shared_mutex> write_lock() const {
        std::lock_guard g(gate);
        return std::unique_lock(rw);
    }

    const float* vec(Slot slot) const {
        return reinterpret_cast<const float*>(graph->getDataByInternalId(slot));
    }
    size_t live() const { return slot_of.size(); }

    // Makes room for `more` new slots, doubling the capacity.
    void reserve(size_t more) {
        const size_t needed = graph->cur_element_count + more;
        if (needed <= graph->max_elements_) return;
        graph->resizeIndex(std::max(needed, 2 * graph->max_elements_));
    }

    // Inserts rows as new graph nodes (in parallel when asked) and returns their slots.
    std::vector<Slot> insert_new(const std::vector<const float*>& rows) {
        std::vector<Slot> slots(rows.size());
        if (rows.empty()) return slots;
        reserve(rows.size());
        // Labels only need to be distinct while addPoint runs; base + i cannot collide with
        // the labels of this batch (the label map is cleared after every batch).
        const size_t base = graph->cur_element_count;
        size_t first = 0;
        if (graph->cur_element_count == 0) {
            // hnswlib's first insertion is not safe to run beside others.
            slots[0] = graph->addPoint(rows[0], base, -1);
            first = 1;
        }
        // A thread is worth starting for a few dozen insertions (each takes ~0.1-1 ms).
        const size_t threads =
            std::min<size_t>(std::max(options.build_threads, 1), (rows.size() - first) / 16);
        if (threads <= 1) {
            for (size_t i = first; i < rows.size(); ++i) {
                slots[i] = graph->addPoint(rows[i], base + i, -1);
            }
        } else {
            std::atomic<size_t> next{first};
            std::exception_ptr failure;
            std::mutex failure_mutex;
            const auto work = [&] {
                try {
                    for (size_t i = next++; i < rows.size(); i = next++) {
                        slots[i] = graph->addPoint(rows[i], base + i, -1);
                    }
                } catch (...) {
                    std::lock_guard lock(failure_mutex);
                    failure = std::current_exception();
                }
            };
            std::vector<std::thread> pool;
            for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
            work();
            for (std::thread& t : pool) t.join();
            if (failure) std::rethrow_exception(failure);
        }
        for (Slot slot : slots) graph->setExternalLabel(slot, slot);
        graph->label_lookup_.clear();
        return slots;
    }

    // Replaces the vector of a slot (live, or deleted and being reused).
    void replace(Slot slot, const float* row) {
        if (graph->isMarkedDeleted(slot)) graph->unmarkDeletedInternal(slot);
        graph->updatePoint(row, slot, 1.0f);
    }

    // The graph walk: greedy descent through the upper levels, then a best-first search of
    // level 0 keeping the `ef` nearest accepted nodes. Rejected and deleted nodes are walked
    // through but not kept, so a selective filter makes the walk long.
    template <typename Accept>
    std::vector<Scored> graph_search(const float* query, size_t ef, const Accept& accept) const {
        const Graph& g = *graph;
        std::vector<Scored> out;
        if (g.cur_element_count == 0) return out;
        Slot current = g.enterpoint_node_;
        float current_distance = -dot(query, vec(current), dims);
        for (int level = g.maxlevel_; level > 0; --level) {
            bool changed = true;
            while (changed) {
                changed = false;
                unsigned int* list = g.get_linklist(current, level);
                const size_t count = g.getListCount(list);
                const Slot* links = list + 1;
                for (size_t i = 0; i < count; ++i) {
                    const float d = -dot(query, vec(links[i]), dims);
                    if (d < current_distance) {
                        current_distance = d;
                        current = links[i];
                        changed = true;
                    }
                }
            }
        }

        hnswlib::VisitedList* visited_list = g.visited_list_pool_->getFreeVisitedList();
        hnswlib::vl_type* visited = visited_list->mass;
        const hnswlib::vl_type tag = visited_list->curV;
        // Max-heap of the kept nodes by distance; the candidates as a max-heap of -distance.
        std::priority_queue<std::pair<float, Slot>> kept;
        std::priority_queue<std::pair<float, Slot>> candidates;
        const auto keeps = [&](Slot slot) { return !g.isMarkedDeleted(slot) && accept(slot); };
        float bound = std::numeric_limits<float>::max();
        if (keeps(current)) {
            kept.emplace(current_distance, current);
            bound = current_distance;
        }
        candidates.emplace(-current_distance, current);
        visited[current] = tag;
        while (!candidates.empty()) {
            const auto [negative_distance, node] = candidates.top();
            if (-negative_distance > bound && kept.size() >= ef) break;
            candidates.pop();
            unsigned int* list = g.get_linklist0(node);
            const size_t count = g.getListCount(list);
            const Slot* links = list + 1;
            for (size_t i = 0; i < count; ++i) {
                const Slot next = links[i];
                if (i + 1 < count) __builtin_prefetch(vec(links[i + 1]));
                if (visited[next] == tag) continue;
                visited[next] = tag;
                const float d = -dot(query, vec(next), dims);
                if (kept.size() < ef || d < bound) {
                    candidates.emplace(-d, next);
                    if (keeps(next)) {
                        kept.emplace(d, next);
                        if (kept.size() > ef) kept.pop();
                        bound = kept.top().first;
                    }
                }
            }
        }
        g.visited_list_pool_->releaseVisitedList(visited_list);

        out.reserve(kept.size());
        while (!kept.empty()) {
            out.emplace_back(-kept.top().first, kept.top().second);
            kept.pop();
        }
        return out;
    }

    std::vector<VectorHit> rank(const std::vector<Scored>& scored, size_t k) const {
        TopK top(k, ids);
        for (const auto& [score, slot] : scored) top.offer(score, slot);
        std::vector<VectorHit> hits;
        for (const auto& [score, slot] : top.take()) hits.push_back(VectorHit{*ids[slot], score});
        return hits;
    }

    template <typename Accept>
    std::vector<VectorHit> exact_all(const float* query, size_t k, const Accept& accept) const {
        TopK top(k, ids);
        const size_t n = graph->cur_element_count;
        for (Slot slot = 0; slot < n; ++slot) {
            if (!ids[slot] || !accept(slot)) continue;
            top.offer(dot(query, vec(slot), dims), slot);
        }
        std::vector<VectorHit> hits;
        for (const auto& [score, slot] : top.take()) hits.push_back(VectorHit{*ids[slot], score});
        return hits;
    }

    std::vector<VectorHit> exact_listed(const float* query, size_t k,
                                        const std::vector<Slot>& slots) const {
        TopK top(k, ids);
        for (Slot slot : slots) top.offer(dot(query, vec(slot), dims), slot);
        std::vector<VectorHit> hits;
        for (const auto& [score, slot] : top.take()) hits.push_back(VectorHit{*ids[slot], score});
        return hits;
    }

    // How many live papers `accept` takes, from a sample of evenly spaced slots.
    template <typename Accept>
    double estimate_accepted(const Accept& accept) const {
        constexpr size_t kSample = 512;
        const size_t n = graph->cur_element_count;
        const size_t step = std::max<size_t>(1, n / kSample);
        size_t sampled = 0;
        size_t accepted = 0;
        for (size_t slot = step / 2; slot < n; slot += step) {
            if (!ids[slot]) continue;
            ++sampled;
            accepted += accept(static_cast<Slot>(slot)) ? 1 : 0;
        }
        if (sampled == 0) return 0;
        return static_cast<double>(live()) * static_cast<double>(accepted) /
               static_cast<double>(sampled);
    }

    Result<std::string> load_locked(const std::string& path);
};

VectorIndex::VectorIndex(int dimensions, std::string model, VectorIndexOptions options) {
    assert(dimensions >= 1 && dimensions <= kMaxVectorDimensions);
    impl_ = std::make_unique<Impl>(dimensions, std::move(model), options);
}

VectorIndex::~VectorIndex() = default;

Status VectorIndex::upsert(std::span<const PaperId> ids, std::span<const float> vectors) {
    Impl& impl = *impl_;
    const size_t dims = impl.dims;
    if (vectors.size() != ids.size() * dims) {
        return Error(ErrorCode::kInvalidArgument,
                     "vector index upsert: " + std::to_string(ids.size()) + " ids need " +
                         std::to_string(ids.size() * dims) + " floats (" + std::to_string(dims) +
                         " each), got " + std::to_string(vectors.size()));
    }
    std::vector<float> rows(vectors.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        if (auto why = normalise(&vectors[i * dims], dims, &rows[i * dims])) {
            return Error(ErrorCode::kInvalidArgument, "vector index upsert: the vector of " +
                                                          ids[i].str() + " (row " +
                                                          std::to_string(i) + ") has " + *why);
        }
    }
    // The last row of each id, in the order of those rows.
    std::unordered_map<std::string_view, size_t> last;
    for (size_t i = 0; i < ids.size(); ++i) last[ids[i].str()] = i;
    std::vector<size_t> order;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (last[ids[i].str()] == i) order.push_back(i);
    }

    std::lock_guard writer(impl.writer);
    for (size_t begin = 0; begin < order.size(); begin += kChunk) {
        const size_t end = std::min(order.size(), begin + kChunk);
        auto lock = impl.write_lock();
        try {
            std::vector<size_t> fresh;  // rows of papers that need a new slot
            for (size_t at = begin; at < end; ++at) {
                const size_t row = order[at];
                const float* data = &rows[row * dims];
                auto found = impl.slot_of.find(ids[row].str());
                if (found != impl.slot_of.end()) {
                    impl.replace(found->second, data);
                } else if (!impl.free_slots.empty()) {
                    const Slot slot = impl.free_slots.back();
                    impl.replace(slot, data);
                    impl.free_slots.pop_back();
                    impl.ids[slot] = ids[row];
                    impl.slot_of.emplace(ids[row].str(), slot);
                } else {
                    fresh.push_back(row);
                }
            }
            std::vector<const float*> data;
            for (size_t row : fresh) data.push_back(&rows[row * dims]);
            const std::vector<Slot> slots = impl.insert_new(data);
            impl.ids.resize(impl.graph->cur_element_count);
            for (size_t i = 0; i < fresh.size(); ++i) {
                impl.ids[slots[i]] = ids[fresh[i]];
                impl.slot_of.emplace(ids[fresh[i]].str(), slots[i]);
            }
        } catch (const std::exception& e) {
            // hnswlib throws when it cannot allocate, or on an internal inconsistency.
            return Error(ErrorCode::kInternal, std::string("vector index upsert: ") + e.what());
        }
    }
    return Status::ok_status();
}

void VectorIndex::remove(std::span<const PaperId> ids) {
    Impl& impl = *impl_;
    std::lock_guard writer(impl.writer);
    auto lock = impl.write_lock();
    for (const PaperId& id : ids) {
        auto found = impl.slot_of.find(id.str());
        if (found == impl.slot_of.end()) continue;
        const Slot slot = found->second;
        impl.graph->markDeletedInternal(slot);
        impl.ids[slot].reset();
        impl.free_slots.push_back(slot);
        impl.slot_of.erase(found);
    }
}

namespace {

// The most candidates that are scanned exactly rather than searched in the graph.
template <typename Impl>
double few_candidates(const Impl& impl, size_t live) {
    return std::max(static_cast<double>(impl.options.exact_candidates),
                    impl.options.exact_fraction * static_cast<double>(live));
}

}  // namespace

Result<VectorSearchResult> VectorIndex::search(std::span<const float> query, size_t k,
                                               const VectorFilter* filter) const {
    return search(query, VectorSearchOptions{.k = k, .filter = filter});
}

Result<VectorSearchResult> VectorIndex::search(std::span<const float> query,
                                               const VectorSearchOptions& options) const {
    const Impl& impl = *impl_;
    if (query.size() != impl.dims) {
        return Error(ErrorCode::kInvalidArgument,
                     "vector search: the query has " + std::to_string(query.size()) +
                         " dimensions, the index " + std::to_string(impl.dims));
    }
    if (options.k > kMaxVectorK) {
        return Error(ErrorCode::kInvalidArgument, "vector search: k " + std::to_string(options.k) +
                                                      " is above the limit " +
                                                      std::to_string(kMaxVectorK));
    }
    std::vector<float> q(impl.dims);
    if (auto why = normalise(query.data(), impl.dims, q.data())) {
        return Error(ErrorCode::kInvalidArgument, "vector search: the query has " + *why);
    }
    VectorSearchResult result;
    const size_t k = options.k;
    const VectorFilter* filter = options.filter;
    const size_t ef = std::max(options.ef != 0 ? options.ef : impl.ef_search.load(), k);

    Impl::ReadLock lock(impl);
    const size_t live = impl.live();
    if (k == 0 || live == 0) {
        result.exact = true;
        return result;
    }
    const bool small = options.exact || live < impl.options.exact_below;
    const auto all = [](Slot) { return true; };

    if (filter != nullptr && filter->ids_) {
        std::vector<Slot> slots;
        slots.reserve(filter->ids_->size());
        for (const PaperId& id : *filter->ids_) {
            auto found = impl.slot_of.find(id.str());
            if (found != impl.slot_of.end()) slots.push_back(found->second);
        }
        std::sort(slots.begin(), slots.end());
        slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
        if (small || static_cast<double>(slots.size()) <= few_candidates(impl, live)) {
            result.hits = impl.exact_listed(q.data(), k, slots);
            result.exact = true;
            return result;
        }
        std::vector<uint64_t> bits((impl.graph->cur_element_count + 63) / 64);
        for (Slot slot : slots) bits[slot / 64] |= uint64_t{1} << (slot % 64);
        const auto listed = [&bits](Slot slot) { return (bits[slot / 64] >> (slot % 64)) & 1; };
        result.hits = impl.rank(impl.graph_search(q.data(), ef, listed), k);
        return result;
    }
    if (filter != nullptr && filter->accept_) {
        const auto accepts = [&impl, filter](Slot slot) {
            return filter->accept_(*impl.ids[slot]);
        };
        // A predicate of unknown selectivity: estimated on a sample of slots. A filter that
        // accepts few papers sends the graph walk through most of the graph, while a scan
        // with the predicate reads only the accepted vectors.
        if (small || impl.estimate_accepted(accepts) <= few_candidates(impl, live)) {
            result.hits = impl.exact_all(q.data(), k, accepts);
            result.exact = true;
        } else {
            result.hits = impl.rank(impl.graph_search(q.data(), ef, accepts), k);
        }
        return result;
    }
    if (small) {
        result.hits = impl.exact_all(q.data(), k, all);
        result.exact = true;
    } else {
        result.hits = impl.rank(impl.graph_search(q.data(), ef, all), k);
    }
    return result;
}

bool VectorIndex::contains(const PaperId& id) const {
    Impl::ReadLock lock(*impl_);
    return impl_->slot_of.count(id.str()) > 0;
}

std::vector<std::optional<float>> VectorIndex::similarities(std::span<const PaperId> ids,
                                                            std::span<const float> query) const {
    const Impl& impl = *impl_;
    std::vector<std::optional<float>> out(ids.size());
    if (query.size() != impl.dims) return out;
    double norm = 0;
    for (float x : query) norm += static_cast<double>(x) * x;
    if (!(norm > 0) || !std::isfinite(norm)) return out;
    const float scale = static_cast<float>(1.0 / std::sqrt(norm));
    std::vector<float> unit(query.begin(), query.end());
    for (float& x : unit) x *= scale;
    Impl::ReadLock lock(impl);
    for (size_t i = 0; i < ids.size(); ++i) {
        auto found = impl.slot_of.find(ids[i].str());
        if (found == impl.slot_of.end()) continue;
        out[i] = dot(unit.data(), impl.vec(found->second), impl.dims);
    }
    return out;
}

std::optional<std::vector<float>> VectorIndex::vector(const PaperId& id) const {
    const Impl& impl = *impl_;
    Impl::ReadLock lock(impl);
    auto found = impl.slot_of.find(id.str());
    if (found == impl.slot_of.end()) return std::nullopt;
    const float* data = impl.vec(found->second);
    return std::vector<float>(data, data + impl.dims);
}

size_t VectorIndex::size() const {
    Impl::ReadLock lock(*impl_);
    return impl_->live();
}

int VectorIndex::dimensions() const { return static_cast<int>(impl_->dims); }

const std::string& VectorIndex::model() const { return impl_->model; }

void VectorIndex::set_ef_search(size_t ef) { impl_->ef_search.store(std::max<size_t>(ef, 1)); }

uint64_t VectorIndex::memory_bytes() const {
    const Impl& impl = *impl_;
    Impl::ReadLock lock(impl);
    const Graph& g = *impl.graph;
    const uint64_t capacity = g.max_elements_;
    uint64_t bytes = capacity * g.size_data_per_element_;  // level 0: links, vector, label
    for (size_t i = 0; i < g.cur_element_count; ++i) {
        if (g.element_levels_[i] > 0) {
            bytes += g.size_links_per_element_ * static_cast<uint64_t>(g.element_levels_[i]) + 1;
        }
    }
    bytes += capacity * (sizeof(int) + sizeof(char*) + sizeof(std::mutex));  // levels, locks
    bytes += Graph::max_update_element_locks * sizeof(std::mutex);
    bytes += capacity * sizeof(hnswlib::vl_type);  // one visited list (one more per
                                                   // concurrent search)
    // Id maps: the slot table, and a hash node per paper (key string, slot, next pointer,
    // cached hash) plus its bucket.
    bytes += impl.ids.capacity() * sizeof(std::optional<PaperId>);
    for (const auto& [key, slot] : impl.slot_of) {
        const uint64_t heap = key.size() > 15 ? key.size() + 1 : 0;  // beyond SSO
        bytes += 2 * heap;  // the map's key and the slot table's PaperId
        bytes += sizeof(std::string) + 2 * sizeof(void*) + sizeof(Slot) + sizeof(size_t);
    }
    bytes += impl.slot_of.bucket_count() * sizeof(void*);
    bytes += impl.free_slots.capacity() * sizeof(Slot);
    return bytes;
}

Status VectorIndex::save(const std::string& path, std::string_view label) const {
    const Impl& impl = *impl_;
    const std::string tmp = path + ".tmp";
    {
        // Only the writer changes the index, so excluding it is enough for a consistent file;
        // searches go on meanwhile (a reader lock would hold them up behind a waiting writer).
        std::lock_guard writer(impl.writer);
        const Graph& g = *impl.graph;
        File file(std::fopen(tmp.c_str(), "wb"));
        if (!file) {
            return Error(ErrorCode::kIo,
                         "cannot write vector index snapshot " + tmp + ": " + std::strerror(errno));
        }
        BinaryWriter out(file.get());
        out.bytes(kMagic, kMagicSize);
        out.pod(kFormatVersion);
        out.pod(kByteOrderMark);
        out.pod(static_cast<uint32_t>(impl.dims));
        out.str(impl.model);
        out.str(label);
        out.pod(uint64_t{g.M_});
        out.pod(uint64_t{g.ef_construction_});
        const uint64_t count = g.cur_element_count;
        out.pod(count);
        out.pod(int32_t{g.maxlevel_});
        out.pod(uint32_t{g.enterpoint_node_});
        std::string id_text;
        std::vector<uint32_t> id_lengths(count, 0);
        for (size_t slot = 0; slot < count; ++slot) {
            if (!impl.ids[slot]) continue;
            id_text += impl.ids[slot]->str();
            id_lengths[slot] = static_cast<uint32_t>(impl.ids[slot]->str().size());
        }
        out.str(id_text);
        out.vec(id_lengths);
        std::vector<int32_t> levels(g.element_levels_.begin(),
                                    g.element_levels_.begin() + static_cast<ptrdiff_t>(count));
        out.vec(levels);
        out.pod(uint64_t{g.size_data_per_element_});
        out.bytes(g.data_level0_memory_, count * g.size_data_per_element_);
        for (size_t slot = 0; slot < count; ++slot) {
            if (levels[slot] > 0) {
                out.bytes(g.linkLists_[slot],
                          g.size_links_per_element_ * static_cast<size_t>(levels[slot]));
            }
        }
        out.finish();
        if (!out.ok() || std::fflush(file.get()) != 0 || ::fsync(fileno(file.get())) != 0) {
            const std::string why = std::strerror(errno);
            file.reset();
            std::remove(tmp.c_str());
            return Error(ErrorCode::kIo, "cannot write vector index snapshot " + tmp + ": " + why);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return Error(ErrorCode::kIo, "cannot rename vector index snapshot " + tmp + " to " + path +
                                         ": " + ec.message());
    }
    return Status::ok_status();
}

Result<std::string> VectorIndex::load(const std::string& path) {
    Impl& impl = *impl_;
    std::lock_guard writer(impl.writer);
    auto lock = impl.write_lock();
    if (impl.graph->cur_element_count != 0) {
        return Error(ErrorCode::kInvalidArgument,
                     "a vector index can only load into an empty index");
    }
    Result<std::string> loaded = impl.load_locked(path);
    if (!loaded.ok()) {
        // Whatever was read is dropped: an empty index of this index's own parameters.
        impl.ids.clear();
        impl.slot_of.clear();
        impl.free_slots.clear();
        impl.graph =
            std::make_unique<Graph>(&impl.space, std::max<size_t>(impl.options.initial_capacity, 1),
                                    impl.options.M, impl.options.ef_construction);
    }
    return loaded;
}

Result<std::string> VectorIndex::Impl::load_locked(const std::string& path) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) {
        return Error(ErrorCode::kNotFound,
                     "no vector index snapshot " + path + ": " + ec.message());
    }
    File file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return Error(ErrorCode::kIo,
                     "cannot read vector index snapshot " + path + ": " + std::strerror(errno));
    }
    if (size < kMagicSize + sizeof(uint64_t)) return bad_file(path, "is truncated");
    BinaryReader in(file.get(), size - sizeof(uint64_t));  // the checksum follows

    char magic[kMagicSize];
    if (!in.bytes(magic, kMagicSize) || std::memcmp(magic, kMagic, kMagicSize) != 0) {
        return bad_file(path, "is not a vector index snapshot (bad magic)");
    }
    uint32_t version = 0;
    uint32_t bom = 0;
    uint32_t file_dims = 0;
    if (!in.pod(version) || !in.pod(bom)) return bad_file(path, "is truncated in its header");
    if (version != kFormatVersion) {
        return Error(ErrorCode::kVersionMismatch,
                     "vector index snapshot " + path + " has format version " +
                         std::to_string(version) + ", this build reads " +
                         std::to_string(kFormatVersion));
    }
    if (bom != kByteOrderMark) return bad_file(path, "was written with another byte order");
    std::string file_model;
    std::string label;
    if (!in.pod(file_dims) || !in.str(file_model) || !in.str(label)) {
        return bad_file(path, "is truncated in its header");
    }
    if (file_dims != dims) {
        return Error(ErrorCode::kInvalidArgument,
                     "vector index snapshot " + path + " holds " + std::to_string(file_dims) +
                         "-dimensional vectors, this index " + std::to_string(dims));
    }
    if (file_model != model) {
        return Error(ErrorCode::kInvalidArgument, "vector index snapshot " + path +
                                                      " holds vectors of model \"" + file_model +
                                                      "\", this index is for \"" + model + "\"");
    }

    uint64_t m = 0;
    uint64_t ef_construction = 0;
    uint64_t count = 0;
    int32_t max_level = 0;
    uint32_t entry = 0;
    if (!in.pod(m) || !in.pod(ef_construction) || !in.pod(count) || !in.pod(max_level) ||
        !in.pod(entry)) {
        return bad_file(path, "is truncated in its graph header");
    }
    if (m < 2 || m > kMaxM || ef_construction < 1 || ef_construction > kMaxEfConstruction) {
        return bad_file(path, "has implausible graph parameters M=" + std::to_string(m) +
                                  " ef_construction=" + std::to_string(ef_construction));
    }
    // Every slot takes at least its level-0 bytes in the file.
    const size_t maxM0 = 2 * m;
    const uint64_t per_slot =
        (maxM0 + 1) * sizeof(Slot) + dims * sizeof(float) + sizeof(hnswlib::labeltype);
    if (count > in.remaining() / per_slot || count >= UINT32_MAX) {
        return bad_file(
            path, "declares " + std::to_string(count) + " vectors, more than the file can hold");
    }
    if (count == 0 ? (max_level != -1 || entry != UINT32_MAX)
                   : (max_level < 0 || max_level > kMaxLevel || entry >= count)) {
        return bad_file(path, "has an invalid graph entry point");
    }

    std::string id_text;
    std::vector<uint32_t> id_lengths;
    std::vector<int32_t> levels;
    if (!in.str(id_text) || !in.vec(id_lengths) || !in.vec(levels)) {
        return bad_file(path, "is truncated in its slot table");
    }
    if (id_lengths.size() != count || levels.size() != count) {
        return bad_file(path, "has a slot table of the wrong size");
    }
    std::vector<std::optional<PaperId>> new_ids(count);
    std::unordered_map<std::string, Slot> new_slot_of;
    std::vector<Slot> new_free;
    size_t at = 0;
    for (size_t slot = 0; slot < count; ++slot) {
        const uint32_t length = id_lengths[slot];
        if (length > id_text.size() - at) return bad_file(path, "has a broken slot table");
        if (length == 0) {
            new_free.push_back(static_cast<Slot>(slot));
            continue;
        }
        const std::string_view text = std::string_view(id_text).substr(at, length);
        at += length;
        auto id = PaperId::parse(text);
        if (!id.ok() || id->str() != text) {
            return bad_file(path, "has an invalid paper id \"" + std::string(text) + "\"");
        }
        if (!new_slot_of.emplace(id->str(), static_cast<Slot>(slot)).second) {
            return bad_file(path, "lists paper " + id->str() + " twice");
        }
        new_ids[slot] = std::move(id).value();
    }
    if (at != id_text.size()) return bad_file(path, "has a broken slot table");
    uint64_t upper_links = 0;
    for (int32_t level : levels) {
        if (level < 0 || level > max_level) return bad_file(path, "has an invalid node level");
        upper_links += static_cast<uint64_t>(level);
    }
    if (count > 0 && levels[entry] != max_level) {
        return bad_file(path, "has an invalid graph entry point");
    }

    // The graph, built empty at the file's parameters and filled in place.
    auto g = std::make_unique<Graph>(&space, std::max<size_t>(count, options.initial_capacity), m,
                                     ef_construction);
    uint64_t element_size = 0;
    if (!in.pod(element_size)) return bad_file(path, "is truncated in its graph");
    if (element_size != g->size_data_per_element_ || g->maxM0_ != maxM0) {
        return bad_file(path, "has graph nodes of " + std::to_string(element_size) +
                                  " bytes, expected " + std::to_string(g->size_data_per_element_));
    }
    if (count * element_size > in.remaining() ||
        upper_links * g->size_links_per_element_ > in.remaining() - count * element_size) {
        return bad_file(path, "is truncated in its graph");
    }
    if (!in.bytes(g->data_level0_memory_, count * element_size)) {
        return bad_file(path, "is truncated in its graph");
    }
    for (size_t slot = 0; slot < count; ++slot) {
        // The destructor frees the upper-level lists of slots below cur_element_count.
        g->element_levels_[slot] = levels[slot];
        g->linkLists_[slot] = nullptr;
        g->cur_element_count = slot + 1;
        if (levels[slot] == 0) continue;
        const size_t bytes = g->size_links_per_element_ * static_cast<size_t>(levels[slot]);
        g->linkLists_[slot] = static_cast<char*>(std::calloc(bytes + 1, 1));
        if (g->linkLists_[slot] == nullptr) {
            return Error(ErrorCode::kInternal, "out of memory loading " + path);
        }
        if (!in.bytes(g->linkLists_[slot], bytes)) return bad_file(path, "is truncated");
    }
    if (!in.finish()) {
        return bad_file(path, "is torn or corrupted (its checksum does not match its contents)");
    }

    // The structure a graph walk relies on, so that even a file that passes the checksum by
    // accident cannot make a search step outside an array.
    size_t deleted = 0;
    for (size_t slot = 0; slot < count; ++slot) {
        for (int level = 0; level <= levels[slot]; ++level) {
            unsigned int* list = g->get_linklist_at_level(static_cast<Slot>(slot), level);
            const size_t links = g->getListCount(list);
            const unsigned char flags = reinterpret_cast<const unsigned char*>(list)[2];
            const unsigned char spare = reinterpret_cast<const unsigned char*>(list)[3];
            if (links > (level == 0 ? g->maxM0_ : g->maxM_) || spare != 0 ||
                (level == 0 ? (flags & ~Graph::DELETE_MARK) != 0 : flags != 0)) {
                return bad_file(path, "has a broken link list at slot " + std::to_string(slot));
            }
            const Slot* to = list + 1;
            for (size_t i = 0; i < links; ++i) {
                if (to[i] >= count || to[i] == slot || levels[to[i]] < level) {
                    return bad_file(path,
                                    "has a link to a missing node at slot " + std::to_string(slot));
                }
            }
        }
        const bool is_deleted = g->isMarkedDeleted(static_cast<Slot>(slot));
        if (is_deleted != !new_ids[slot].has_value()) {
            return bad_file(path, "disagrees with itself about slot " + std::to_string(slot));
        }
        deleted += is_deleted ? 1 : 0;
        const float* v =
            reinterpret_cast<const float*>(g->getDataByInternalId(static_cast<Slot>(slot)));
        double norm2 = 0;
        for (size_t i = 0; i < dims; ++i) {
            if (!std::isfinite(v[i])) {
                return bad_file(path, "has a non-finite vector at slot " + std::to_string(slot));
            }
            norm2 += static_cast<double>(v[i]) * v[i];
        }
        if (!is_deleted && std::abs(norm2 - 1) > 1e-3) {
            return bad_file(path, "has a vector of length " + std::to_string(std::sqrt(norm2)) +
                                      " at slot " + std::to_string(slot));
        }
        g->setExternalLabel(static_cast<Slot>(slot), slot);
    }
    g->num_deleted_ = deleted;
    g->enterpoint_node_ = count == 0 ? static_cast<Slot>(-1) : entry;
    g->maxlevel_ = max_level;

    graph = std::move(g);
    ids = std::move(new_ids);
    slot_of = std::move(new_slot_of);
    free_slots = std::move(new_free);
    return label;
}

}  // namespace paperboy::index
