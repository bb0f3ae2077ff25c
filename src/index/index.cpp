// The index: snapshots of immutable segments, one writer, any number of readers.
//
// Design (see also segment.h, postings.h, maxscore.h):
//  - A Snapshot is a list of (Segment, DeletedDocs) pairs plus the global statistics BM25F
//    needs (live documents, mean field lengths; document frequencies are summed over segments
//    at query time). Readers copy the current snapshot's shared_ptr under a mutex held for
//    that copy only, then search without any lock; a writer never changes a published
//    segment or deletion set, it builds new ones aside and swaps the pointer.
//  - upsert() turns a batch into one or two new segments (two threads, each analysing half the
//    batch into its own builder), marks the previous versions of the batch's papers deleted
//    (copy on write), merges segments per the policy below, then publishes.
//  - The writer maps each paper id to a dense key (StringTable) and each key to where its live
//    version is (segment, local doc), so replacing and removing never scan segments.
//  - Merge policy (log-structured, like Lucene's LogMergePolicy): when the newest segments
//    include kMergeFactor of one size class, they merge into one of the next class, so a
//    stream of one-paper upserts costs O(log n) copies per paper and a bulk load about two; a
//    segment more than a quarter deleted is rewritten; never more than kMaxSegments. Merges
//    copy whole posting blocks as bytes where no document of theirs was deleted.
//  - search() resolves the query against the snapshot (prefix expansion, global idf), then
//    per segment: builds the document filter (deletions, filters, must / must-not matches),
//    and scores with MaxScore into one top-k heap shared across segments, so a threshold
//    reached in one segment prunes the next.
#include "index/index.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "index/bm25f.h"
#include "index/clause_match.h"
#include "index/filters.h"
#include "index/index_impl.h"
#include "index/maxscore.h"
#include "index/segment.h"
#include "index/top_k.h"
#include "index/vocabulary.h"

namespace paperboy::index {
namespace {

// Below this many documents a batch is built on the calling thread alone.
constexpr size_t kParallelBuildMin = 2000;
constexpr size_t kMaxBuilderDocs = 250000;
// Segments of one size class (a power of kMergeFactor in live documents) merge when there are
// kMergeFactor of them: every document is copied about log_8(n / batch) times.
constexpr size_t kMergeFactor = 8;
constexpr size_t kMaxSegments = 24;
// A merge never makes a segment whose postings approach the 4 GB of 32-bit offsets.
constexpr size_t kMaxSegmentPostingBytes = size_t{3} << 30;
constexpr size_t kMaxPrefixExpansions = 64;
// The candidate-driven path is used when the filtered set is this many times smaller than the
// postings the union would walk.
constexpr uint64_t kCandidateRatio = 4;

uint32_t live_docs(const SegmentWithDeletions& s) {
    return s.segment->num_docs - (s.deleted ? s.deleted->count : 0);
}

unsigned field_mask(const Clause& clause) {
    return clause.field ? 1U << static_cast<unsigned>(*clause.field) : 0xFU;
}

// The live documents of `s` with each field non-empty: a scan of its field lengths.
std::array<uint32_t, kNumFields> count_field_docs(const SegmentWithDeletions& s) {
    std::array<uint32_t, kNumFields> count{};
    for (uint32_t d = 0; d < s.segment->num_docs; ++d) {
        if (s.deleted && s.deleted->contains(d)) continue;
        const uint16_t* lens = s.segment->doc_lens(d);
        for (int f = 0; f < kNumFields; ++f) count[f] += lens[f] != 0 ? 1 : 0;
    }
    return count;
}

}  // namespace

void Index::Impl::publish() {
    auto next = std::make_shared<Snapshot>();
    next->segments = segments;
    // Field document counts are carried over from the published snapshot for each segment
    // whose deletions did not change: a batch rescans only the segments it touched. (The
    // published snapshot holds its segments and deletion sets, so no new one can reuse their
    // addresses.)
    std::shared_ptr<const Snapshot> previous = load();
    std::array<uint64_t, kNumFields> sum_len{};
    std::array<uint64_t, kNumFields> field_docs{};
    for (const SegmentWithDeletions& s : segments) {
        next->live_docs += live_docs(s);
        next->deleted += s.deleted ? s.deleted->count : 0;
        for (int f = 0; f < kNumFields; ++f) {
            sum_len[f] += s.segment->sum_len[f] - (s.deleted ? s.deleted->sum_len[f] : 0);
        }
        std::optional<std::array<uint32_t, kNumFields>> counted;
        for (size_t i = 0; i < previous->segments.size() && !counted; ++i) {
            if (previous->segments[i].segment == s.segment &&
                previous->segments[i].deleted == s.deleted) {
                counted = previous->field_docs[i];
            }
        }
        next->field_docs.push_back(counted ? *counted : count_field_docs(s));
        for (int f = 0; f < kNumFields; ++f) field_docs[f] += next->field_docs.back()[f];
    }
    for (int f = 0; f < kNumFields; ++f) {
        next->avg_len[f] =
            field_docs[f] > 0 ? static_cast<double>(sum_len[f]) / static_cast<double>(field_docs[f])
                              : 0.0;
    }
    next->norms = make_field_norms(params, next->avg_len);
    next->writer_bytes = keys.memory_bytes() + locations.capacity() * sizeof(Location);
    fresh_deletions.clear();
    std::lock_guard lock(snapshot_mutex);
    snapshot = std::move(next);
}

void Index::Impl::mark_deleted(uint32_t key) {
    Location& location = locations[key];
    if (location.segment == nullptr) return;
    for (SegmentWithDeletions& s : segments) {
        if (s.segment.get() != location.segment) continue;
        std::shared_ptr<DeletedDocs>& fresh = fresh_deletions[location.segment];
        if (!fresh) {
            fresh = s.deleted ? std::make_shared<DeletedDocs>(*s.deleted)
                              : std::make_shared<DeletedDocs>();
            s.deleted = fresh;
        }
        fresh->add(location.doc, s.segment->doc_lens(location.doc));
        break;
    }
    location.segment = nullptr;
}

void Index::Impl::add_segment(std::shared_ptr<const Segment> segment) {
    for (uint32_t d = 0; d < segment->num_docs; ++d) {
        locations[segment->keys[d]] = {segment.get(), d};
    }
    segments.push_back({std::move(segment), nullptr});
}

void Index::Impl::merge(size_t first, size_t last) {
    std::vector<SegmentWithDeletions> parts(segments.begin() + static_cast<ptrdiff_t>(first),
                                            segments.begin() + static_cast<ptrdiff_t>(last));
    std::shared_ptr<const Segment> merged = merge_segments(parts);
    for (const SegmentWithDeletions& part : parts) fresh_deletions.erase(part.segment.get());
    segments.erase(segments.begin() + static_cast<ptrdiff_t>(first),
                   segments.begin() + static_cast<ptrdiff_t>(last));
    for (uint32_t d = 0; d < merged->num_docs; ++d) {
        locations[merged->keys[d]] = {merged.get(), d};
    }
    if (merged->num_docs > 0) {
        segments.insert(segments.begin() + static_cast<ptrdiff_t>(first), {merged, nullptr});
    }
}

void Index::Impl::apply_merge_policy() {
    const auto postings_bytes = [this](size_t first, size_t last) {
        size_t bytes = 0;
        for (size_t i = first; i < last; ++i) {
            bytes += segments[i].segment->postings.doc_data.size() +
                     segments[i].segment->postings.pos_data.size();
        }
        return bytes;
    };
    // Mostly deleted segments are rewritten.
    for (size_t i = 0; i < segments.size();) {
        const SegmentWithDeletions& s = segments[i];
        if (s.deleted && s.deleted->count * 4 > s.segment->num_docs) {
            merge(i, i + 1);
            i = 0;
        } else {
            ++i;
        }
    }
    // Log-structured tiers: kMergeFactor segments of one size class merge into one of the next.
    const auto level = [this](size_t i) {
        int l = 0;
        for (uint64_t live = live_docs(segments[i]); live >= kMergeFactor; live /= kMergeFactor) {
            ++l;
        }
        return l;
    };
    bool merged = true;
    while (merged) {
        merged = false;
        const size_t n = segments.size();
        size_t first = n;
        while (first > 0 && level(first - 1) == level(n - 1)) --first;
        if (n - first >= kMergeFactor && postings_bytes(first, n) <= kMaxSegmentPostingBytes) {
            merge(first, n);
            merged = true;
        }
    }
    while (segments.size() > kMaxSegments) {
        size_t best = 0;
        size_t best_size = SIZE_MAX;
        for (size_t i = 0; i + 1 < segments.size(); ++i) {
            const size_t size = postings_bytes(i, i + 2);
            if (size < best_size) {
                best = i;
                best_size = size;
            }
        }
        if (best_size > kMaxSegmentPostingBytes) break;
        merge(best, best + 2);
    }
}

Index::Index(const text::Analyzer& analyzer) : impl_(std::make_unique<Impl>(analyzer)) {}
Index::~Index() = default;

void Index::upsert(const std::vector<IndexDoc>& docs) {
    Impl& impl = *impl_;
    std::lock_guard writer(impl.writer_mutex);

    // Keys; within the batch the last version of a paper wins.
    std::vector<uint32_t> doc_keys(docs.size());
    for (size_t i = 0; i < docs.size(); ++i) {
        bool added = false;
        doc_keys[i] = impl.keys.intern(docs[i].id.str(), added);
        if (added) impl.locations.emplace_back();
    }
    std::vector<size_t> chosen;
    chosen.reserve(docs.size());
    std::unordered_set<uint32_t> seen;
    for (size_t i = docs.size(); i-- > 0;) {
        if (seen.insert(doc_keys[i]).second) chosen.push_back(i);
    }
    std::reverse(chosen.begin(), chosen.end());
    for (size_t i : chosen) impl.mark_deleted(doc_keys[i]);

    // Analysis dominates the cost of a batch; large batches use two threads, each building its
    // own segment. Very large batches are cut so that one builder's memory stays bounded.
    std::vector<std::unique_ptr<SegmentBuilder>> builders;
    for (size_t begin = 0; begin < chosen.size(); begin += 2 * kMaxBuilderDocs) {
        const size_t end = std::min(chosen.size(), begin + 2 * kMaxBuilderDocs);
        const size_t parts = end - begin >= kParallelBuildMin ? 2 : 1;
        std::vector<std::shared_ptr<const Segment>> built(parts);
        const size_t first_builder = builders.size();
        for (size_t p = 0; p < parts; ++p) {
            builders.push_back(std::make_unique<SegmentBuilder>(impl.analyzer));
        }
        const auto build = [&](size_t part) {
            SegmentBuilder& builder = *builders[first_builder + part];
            const size_t from = begin + (end - begin) * part / parts;
            const size_t to = begin + (end - begin) * (part + 1) / parts;
            for (size_t i = from; i < to; ++i) builder.add(docs[chosen[i]], doc_keys[chosen[i]]);
            built[part] = builder.finish();
        };
        if (parts == 2) {
            std::thread helper(build, 1);
            build(0);
            helper.join();
        } else {
            build(0);
        }
        for (auto& segment : built) {
            if (segment->num_docs > 0) impl.add_segment(std::move(segment));
        }
    }
    impl.apply_merge_policy();
    impl.publish();
    for (auto& builder : builders) impl.vocabulary.add(builder->words());
}

void Index::remove(const std::vector<PaperId>& ids) {
    Impl& impl = *impl_;
    std::lock_guard writer(impl.writer_mutex);
    for (const PaperId& id : ids) {
        if (auto key = impl.keys.find(id.str())) impl.mark_deleted(*key);
    }
    impl.apply_merge_policy();
    impl.publish();
}

std::vector<std::pair<std::string_view, uint64_t>> Index::Impl::expand_prefix(
    const Snapshot& snap, const Clause& clause) const {
    std::vector<std::pair<std::string_view, uint64_t>> out;
    if (clause.terms.empty() || clause.terms[0].empty()) return out;
    // The prefix is unstemmed ("transformer*") while terms are stems ("transform"): expand
    // both the prefix and its stem.
    std::vector<std::string> prefixes = {clause.terms[0]};
    std::string stemmed = analyzer.stem(clause.terms[0]);
    if (!stemmed.empty() && stemmed != prefixes[0]) prefixes.push_back(std::move(stemmed));
    std::unordered_map<std::string_view, uint64_t> df;
    for (const SegmentWithDeletions& s : snap.segments) {
        for (const std::string& prefix : prefixes) {
            auto [lo, hi] = s.segment->prefix_range(prefix);
            for (uint32_t t = lo; t < hi; ++t) df[s.segment->term(t)] += s.segment->term_df[t];
        }
    }
    out.assign(df.begin(), df.end());
    const auto better = [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    if (out.size() > kMaxPrefixExpansions) {
        std::nth_element(out.begin(), out.begin() + kMaxPrefixExpansions, out.end(), better);
        out.resize(kMaxPrefixExpansions);
    }
    std::sort(out.begin(), out.end(), better);
    return out;
}

SearchResult Index::search(const Query& query, const SearchOptions& options) const {
    const Impl& impl = *impl_;
    const std::shared_ptr<const Snapshot> snap = impl.load();
    SearchResult result;
    if (query.empty() || snap->live_docs == 0) return result;

    // Resolve the clauses: scoring terms (deduplicated by term and fields) and match sets.
    struct QueryTerm {
        std::string term;
        unsigned field_mask;
        uint32_t qtf = 0;  // how many times the query has it (bm25f.h)
        uint64_t df = 0;
        float idf = 0;                             // times the query term weight
        std::vector<std::optional<uint32_t>> ids;  // its term id in each segment, if there
    };
    std::vector<QueryTerm> terms;
    std::unordered_map<std::string, size_t> term_slots;  // field mask + term -> index in terms
    const auto add_term = [&terms, &term_slots](std::string_view term, unsigned mask,
                                                uint32_t count) {
        std::string key(1, static_cast<char>(mask));
        key += term;
        auto [it, added] = term_slots.try_emplace(std::move(key), terms.size());
        if (added) terms.push_back({std::string(term), mask});
        terms[it->second].qtf += count;
    };
    const auto to_match = [&](const Clause& clause) {
        MatchClause match;
        match.field_mask = field_mask(clause);
        if (clause.kind == Clause::Kind::kPrefix) {
            match.kind = MatchClause::Kind::kAnyTerm;
            for (const auto& [term, df] : impl.expand_prefix(*snap, clause)) {
                match.terms.emplace_back(term);
            }
        } else {
            match.kind = MatchClause::Kind::kPhrase;
            match.terms = clause.terms;
            match.offsets = clause.positions;
        }
        return match;
    };
    std::vector<MatchClause> musts;
    std::vector<MatchClause> must_nots;
    for (const Clause& clause : query.must) musts.push_back(to_match(clause));
    for (const Clause& clause : query.must_not) must_nots.push_back(to_match(clause));
    for (const Clause& clause : query.should) {
        if (clause.kind == Clause::Kind::kPrefix) {
            for (const auto& [term, df] : impl.expand_prefix(*snap, clause)) {
                add_term(term, field_mask(clause), clause.count);
            }
        } else {
            for (const std::string& term : clause.terms) {
                add_term(term, field_mask(clause), clause.count);
            }
        }
    }
    for (size_t i = 0; i < musts.size(); ++i) {
        for (const std::string& term : musts[i].terms) {
            add_term(term, musts[i].field_mask, query.must[i].count);
        }
    }
    for (QueryTerm& t : terms) {
        t.ids.reserve(snap->segments.size());
        for (const SegmentWithDeletions& s : snap->segments) {
            t.ids.push_back(s.segment->find_term(t.term));
            if (t.ids.back()) t.df += s.segment->term_df[*t.ids.back()];
        }
        t.idf = bm25f_idf(static_cast<double>(snap->live_docs), static_cast<double>(t.df)) *
                bm25_query_weight(impl.params, t.qtf);
    }
    // Terms in no document score nothing; past kMaxScoredTerms, the lowest-weight terms are
    // left out (ties: the later one). The rest keep their query order, the order scores sum in.
    std::erase_if(terms, [](const QueryTerm& t) { return t.df == 0; });
    if (terms.size() > kMaxScoredTerms) {
        std::vector<size_t> by_weight(terms.size());
        for (size_t i = 0; i < by_weight.size(); ++i) by_weight[i] = i;
        std::stable_sort(by_weight.begin(), by_weight.end(),
                         [&terms](size_t a, size_t b) { return terms[a].idf > terms[b].idf; });
        std::vector<bool> keep(terms.size(), false);
        for (size_t i = 0; i < kMaxScoredTerms; ++i) keep[by_weight[i]] = true;
        size_t next = 0;
        for (size_t i = 0; i < terms.size(); ++i) {
            if (!keep[i]) continue;
            if (next != i) terms[next] = std::move(terms[i]);
            ++next;
        }
        terms.resize(next);
    }
    const bool filter_only = query.should.empty() && query.must.empty();
    const FieldNorms& norms = snap->norms;

    TopK top(options.offset + options.limit);
    for (uint32_t si = 0; si < snap->segments.size(); ++si) {
        const Segment& segment = *snap->segments[si].segment;
        DocFilter filter =
            make_doc_filter(segment, snap->segments[si].deleted.get(), query.filters);
        for (const MatchClause& match : musts) {
            if (filter.include && filter.include->isEmpty()) break;
            filter.restrict_to(matching_docs(segment, match));
        }
        if (filter.include && filter.include->isEmpty()) continue;
        for (const MatchClause& match : must_nots) {
            Roaring docs = matching_docs(segment, match);
            if (filter.exclude) {
                *filter.exclude |= docs;
            } else {
                filter.exclude = std::move(docs);
            }
        }

        if (filter_only) {
            // Newest first: the day is the key (hits report score 0).
            const auto offer = [&](uint32_t doc) {
                if (!filter.accepts(doc)) return;
                ++result.matched;
                top.push({static_cast<float>(segment.days[doc]), &segment.ids[doc], si, doc});
            };
            if (filter.include) {
                std::vector<uint32_t> docs(filter.include->cardinality());
                if (!docs.empty()) filter.include->toUint32Array(docs.data());
                for (uint32_t doc : docs) offer(doc);
            } else {
                for (uint32_t doc = 0; doc < segment.num_docs; ++doc) offer(doc);
            }
            continue;
        }

        std::vector<TermScorer> scorers;
        scorers.reserve(terms.size());  // a scorer holds a decoded block: not moved about
        uint64_t postings = 0;
        for (size_t slot = 0; slot < terms.size(); ++slot) {
            const QueryTerm& t = terms[slot];
            const std::optional<uint32_t> id = t.ids[si];
            if (!id) continue;
            scorers.push_back({segment.cursor(*id), t.idf, t.field_mask, static_cast<int>(slot)});
            postings += segment.term_df[*id];
        }
        if (scorers.empty()) continue;
        // Stored block bounds hold for the default parameters only.
        const float stored_scale = impl.params == kDefaultBm25fParams
                                       ? bound_scale(segment.reference_len, snap->avg_len)
                                       : 0.0F;
        const SegmentScoring scoring{
            &segment, si, &norms, &filter, static_cast<int>(terms.size()), stored_scale};
        ScoringOutcome outcome;
        if (filter.include && filter.include->cardinality() * kCandidateRatio < postings) {
            outcome = score_candidates(scoring, scorers, *filter.include, top);
        } else {
            outcome = score_union(scoring, scorers, options.exhaustive, top);
        }
        result.matched += outcome.matched;
        if (outcome.pruned) result.matched_is_exact = false;
    }

    std::vector<ScoredDoc> best = top.take_sorted();
    for (size_t i = options.offset; i < best.size(); ++i) {
        result.hits.push_back({*best[i].id, filter_only ? 0.0F : best[i].score});
    }
    return result;
}

uint64_t Index::document_frequency(std::string_view term) const {
    const std::shared_ptr<const Snapshot> snap = impl_->load();
    uint64_t df = 0;
    for (const SegmentWithDeletions& s : snap->segments) {
        if (auto id = s.segment->find_term(term)) df += s.segment->term_df[*id];
    }
    return df;
}

IndexStats Index::stats() const {
    const Impl& impl = *impl_;
    const std::shared_ptr<const Snapshot> snap = impl.load();
    IndexStats stats;
    stats.documents = snap->live_docs;
    stats.deleted = snap->deleted;
    stats.segments = snap->segments.size();
    for (const SegmentWithDeletions& s : snap->segments) {
        stats.terms = std::max<uint64_t>(stats.terms, s.segment->num_terms());
        stats.memory_bytes += s.segment->memory_bytes();
        if (s.deleted) stats.memory_bytes += s.deleted->bits.capacity() * sizeof(uint64_t);
    }
    stats.memory_bytes += snap->writer_bytes;
    stats.memory_bytes += impl.vocabulary.memory_bytes();
    return stats;
}

}  // namespace paperboy::index
