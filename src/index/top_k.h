// index/top_k.h — the k best hits over all segments of a search.
//
// Order: higher score first, ties by paper id (ascending), so results do not depend on which
// segment holds a document. Single-threaded (one per search).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/paper_id.h"

namespace paperboy::index {

struct ScoredDoc {
    float score = 0;
    const PaperId* id = nullptr;  // owned by the segment, pinned by the search's snapshot
    uint32_t segment = 0;
    uint32_t doc = 0;
};

// True when a ranks before b.
inline bool ranks_before(const ScoredDoc& a, const ScoredDoc& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.id->str() < b.id->str();
}

class TopK {
  public:
    explicit TopK(size_t k) : k_(k) { heap_.reserve(k + 1); }

    bool full() const { return heap_.size() >= k_; }
    // The score a new document must reach (ties broken by id) once full; -inf before.
    float threshold() const {
        return full() && k_ > 0 ? heap_.front().score : -std::numeric_limits<float>::infinity();
    }

    // Offers a document; returns true when it entered the top k.
    bool push(const ScoredDoc& doc) {
        if (k_ == 0) return false;
        if (!full()) {
            heap_.push_back(doc);
            std::push_heap(heap_.begin(), heap_.end(), ranks_before);
            return true;
        }
        if (!ranks_before(doc, heap_.front())) return false;
        std::pop_heap(heap_.begin(), heap_.end(), ranks_before);
        heap_.back() = doc;
        std::push_heap(heap_.begin(), heap_.end(), ranks_before);
        return true;
    }

    // The documents, best first.
    std::vector<ScoredDoc> take_sorted() {
        std::sort_heap(heap_.begin(), heap_.end(), ranks_before);
        return std::move(heap_);
    }

  private:
    size_t k_;
    std::vector<ScoredDoc> heap_;  // a max-heap under ranks_before: front() is the worst
};

}  // namespace paperboy::index
