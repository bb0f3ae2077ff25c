#include "store/merge.h"

#include <algorithm>
#include <string>
#include <vector>

namespace paperboy::store {
namespace {

// The rule for one field when the incoming record is newer: a non-empty incoming value wins,
// an empty one means "this source does not carry the field".
template <typename T>
void take_if_present(T& into, const T& incoming) {
    if (!incoming.empty()) into = incoming;
}

// The rule for one field when the incoming record is not newer: it may only fill a gap.
template <typename T>
void fill_if_missing(T& into, const T& incoming) {
    if (into.empty()) into = incoming;
}

// Timestamps are stored as "YYYY-MM-DDTHH:MM:SSZ", which sorts as it reads, so string order is
// time order. Empty means unknown and never wins.
std::string earliest(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return std::min(a, b);
}

std::string latest(const std::string& a, const std::string& b) { return std::max(a, b); }

// Whether `incoming` describes a later state of the paper than `stored`: a higher version when
// both name one, else a later update time when both carry one, else whether only the incoming
// record is dated at all (an arXiv record after an undated Hugging Face one). A record that is
// not newer — the same record again, or another source's view of the same version — only fills
// gaps. That makes ingest converge: after one pass over any set of sources, another pass over
// the same sources changes nothing, whatever their order.
bool is_newer(const Paper& stored, const Paper& incoming) {
    if (stored.version != 0 && incoming.version != 0 && stored.version != incoming.version) {
        return incoming.version > stored.version;
    }
    if (!stored.updated.empty() && !incoming.updated.empty() &&
        stored.updated != incoming.updated) {
        return incoming.updated > stored.updated;
    }
    bool stored_dated = stored.version != 0 || !stored.updated.empty();
    bool incoming_dated = incoming.version != 0 || !incoming.updated.empty();
    return !stored_dated && incoming_dated;
}

}  // namespace

Paper merge_paper(const Paper& stored, const Paper& incoming) {
    Paper merged = stored;
    if (!is_newer(stored, incoming)) {
        fill_if_missing(merged.title, incoming.title);
        fill_if_missing(merged.abstract_raw, incoming.abstract_raw);
        fill_if_missing(merged.abstract, incoming.abstract);
        fill_if_missing(merged.authors, incoming.authors);
        if (merged.author_count == 0) merged.author_count = incoming.author_count;
        fill_if_missing(merged.categories, incoming.categories);
        fill_if_missing(merged.submitter, incoming.submitter);
        fill_if_missing(merged.comments, incoming.comments);
        fill_if_missing(merged.journal_ref, incoming.journal_ref);
        fill_if_missing(merged.doi, incoming.doi);
        fill_if_missing(merged.report_no, incoming.report_no);
        fill_if_missing(merged.license, incoming.license);
        fill_if_missing(merged.github_url, incoming.github_url);
        fill_if_missing(merged.project_url, incoming.project_url);
        fill_if_missing(merged.organization, incoming.organization);
    } else {
        take_if_present(merged.title, incoming.title);
        take_if_present(merged.abstract_raw, incoming.abstract_raw);
        take_if_present(merged.abstract, incoming.abstract);
        take_if_present(merged.authors, incoming.authors);
        if (incoming.author_count != 0) merged.author_count = incoming.author_count;
        take_if_present(merged.categories, incoming.categories);
        take_if_present(merged.submitter, incoming.submitter);
        take_if_present(merged.comments, incoming.comments);
        take_if_present(merged.journal_ref, incoming.journal_ref);
        take_if_present(merged.doi, incoming.doi);
        take_if_present(merged.report_no, incoming.report_no);
        take_if_present(merged.license, incoming.license);
        take_if_present(merged.github_url, incoming.github_url);
        take_if_present(merged.project_url, incoming.project_url);
        take_if_present(merged.organization, incoming.organization);
    }

    // These three are order-independent (max / min / max), so whichever record arrives first,
    // the result is the same.
    merged.version = std::max(stored.version, incoming.version);
    merged.published = earliest(stored.published, incoming.published);
    merged.updated = latest(stored.updated, incoming.updated);
    return merged;
}

DailyEntry merge_daily_entry(const DailyEntry& stored, const DailyEntry& incoming) {
    DailyEntry merged = stored;
    take_if_present(merged.submitted_by, incoming.submitted_by);
    take_if_present(merged.submitted_at, incoming.submitted_at);
    merged.upvotes = incoming.upvotes;
    merged.num_comments = incoming.num_comments;
    return merged;
}

}  // namespace paperboy::store
