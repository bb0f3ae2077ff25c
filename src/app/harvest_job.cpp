#include "app/harvest_job.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "app/ingest_pipeline.h"
#include "app/job_lease.h"
#include "core/url.h"

namespace paperboy::app {

namespace {

// How long a harvest's lease outlives a run that died (renewed every third of it meanwhile).
constexpr std::chrono::seconds kHarvestLeaseTtl{60};

using ingest::HarvestSource;

// The state of an interrupted run, as kept in "harvest.resume:<scope>".
struct ResumeState {
    std::string from;
    std::string until;
    std::string cursor;
    std::string seen;
};

std::string encode_resume(const ResumeState& state) {
    return "from=" + url_encode(state.from) + "&until=" + url_encode(state.until) +
           "&cursor=" + url_encode(state.cursor) + "&seen=" + url_encode(state.seen);
}

// Returns nullopt for "" (no interrupted run) and for a value this version cannot read, which
// then only costs a fresh start.
std::optional<ResumeState> decode_resume(std::string_view text) {
    if (text.empty()) return std::nullopt;
    ResumeState state;
    while (!text.empty()) {
        size_t amp = text.find('&');
        std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        size_t eq = pair.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        std::string_view name = pair.substr(0, eq);
        std::string value = url_decode(pair.substr(eq + 1));
        if (name == "from") state.from = std::move(value);
        if (name == "until") state.until = std::move(value);
        if (name == "cursor") state.cursor = std::move(value);
        if (name == "seen") state.seen = std::move(value);
    }
    if (state.cursor.empty()) return std::nullopt;
    return state;
}

Result<std::string> read_cursor(store::Store& store, const std::string& key) {
    auto value = store.cursor(key);
    if (!value.ok()) return value.error().with_context("reading harvest cursor " + key);
    return value->value_or("");
}

// What a page contributes to harvest.last (see harvest_job.h).
void note_seen(HarvestSource source, const ingest::HarvestPage& page, std::string& seen) {
    auto raise = [&](const std::string& value) {
        if (value > seen) seen = value;
    };
    switch (source) {
        case HarvestSource::kArxivOai:
            for (const auto& record : page.records) raise(record.datestamp);
            break;
        case HarvestSource::kArxivApi:
            for (const auto& record : page.records) raise(record.paper.published);
            break;
        case HarvestSource::kHfDaily:
            raise(page.date);
            break;
    }
}

}  // namespace

std::string harvest_scope(const ingest::HarvestRequest& request) {
    std::string scope(ingest::harvest_source_name(request.source));
    scope += ':';
    scope += request.base_url.empty() ? ingest::default_base_url(request.source)
                                      : std::string_view(request.base_url);
    std::string query;
    auto add = [&](std::string_view name, const std::string& value) {
        if (value.empty()) return;
        query += query.empty() ? '?' : '&';
        query += name;
        query += '=';
        query += url_encode(value);
    };
    switch (request.source) {
        case HarvestSource::kArxivOai:
            add("metadataPrefix", request.metadata_prefix);
            add("set", request.set);
            break;
        case HarvestSource::kArxivApi:
            add("search_query", request.search_query);
            add("id_list", request.id_list);
            break;
        case HarvestSource::kHfDaily:
            break;
    }
    return scope + query;
}

std::string harvest_last_key(const ingest::HarvestRequest& request) {
    return "harvest.last:" + harvest_scope(request);
}

std::string harvest_resume_key(const ingest::HarvestRequest& request) {
    return "harvest.resume:" + harvest_scope(request);
}

Result<HarvestReport> run_harvest(store::Store& store, ingest::HttpFetcher& fetcher,
                                  ingest::Clock& clock, const HarvestOptions& options) {
    PAPERBOY_RETURN_IF_ERROR(ingest::validate_harvest_request(options.request));
    const std::string last_key = harvest_last_key(options.request);
    const std::string resume_key = harvest_resume_key(options.request);

    // One run of a harvest at a time on the whole instance (cron on two nodes, a run started
    // by hand during the nightly one): the store's lease of its scope. A run that dies loses
    // it after kHarvestLeaseTtl; the next one resumes from the store's cursors.
    std::optional<store::LeaseInfo> holder;
    auto lease = JobLease::try_acquire(store, "harvest:" + harvest_scope(options.request),
                                       kHarvestLeaseTtl, &holder);
    if (!lease.ok()) return lease.error();
    if (!*lease) {
        return Error(ErrorCode::kUnavailable,
                     "another run of this harvest is in progress (" +
                         (holder ? holder->holder : std::string("another process")) +
                         " holds its lease); try again when it has finished");
    }

    // Read even under --full: a full run must not move harvest.last backwards.
    auto last = read_cursor(store, last_key);
    if (!last.ok()) return last.error();
    const std::string remembered_last = std::move(*last);
    std::optional<ResumeState> saved;
    if (!options.full) {
        auto resume = read_cursor(store, resume_key);
        if (!resume.ok()) return resume.error();
        saved = decode_resume(*resume);
    }

    ingest::HarvestRequest request = options.request;
    request.resume_cursor.clear();
    request.stop_at_published.clear();
    const HarvestSource source = request.source;
    if (!options.full) {
        if (source == HarvestSource::kArxivApi) {
            request.stop_at_published = remembered_last;
        } else if (request.from.empty()) {
            request.from = remembered_last;
        }
    }

    HarvestReport report;
    report.from = request.from;
    // The run's high-water mark so far; a resumed run continues the interrupted one's.
    std::string seen;
    if (saved && saved->from == request.from && saved->until == request.until) {
        request.resume_cursor = saved->cursor;
        seen = saved->seen;
        report.resumed = true;
    }

    std::string new_last = remembered_last;
    auto sink = [&](ingest::HarvestPage& page) -> Status {
        if ((*lease)->lost()) {
            return Error(ErrorCode::kUnavailable,
                         "stopped: the harvest's lease could not be renewed (another run may "
                         "have taken over)");
        }
        note_seen(source, page, seen);
        store::WriteBatch batch;
        for (auto& record : page.records) add_to_batch(batch, std::move(record));
        for (auto& error : page.errors) {
            if (options.on_error) options.on_error(error);
        }
        report.failed += static_cast<int64_t>(page.errors.size());
        report.records += static_cast<int64_t>(page.records.size());
        ++report.pages;
        if (page.last) {
            // Only a complete list moves the incremental start: the records of an interrupted
            // OAI-PMH list are not ordered by datestamp, so a partial maximum could skip some.
            new_last = std::max(remembered_last, seen);
            if (new_last != remembered_last) batch.set_cursor(last_key, new_last);
            batch.set_cursor(resume_key, "");
        } else {
            batch.set_cursor(resume_key,
                             encode_resume({request.from, request.until, page.next_cursor, seen}));
        }
        auto counts = store.write(batch);
        if (!counts.ok()) {
            return counts.error().with_context("writing page " + std::to_string(page.number) +
                                               " of " + page.url);
        }
        report.counts += *counts;
        return Status();
    };

    auto stats =
        ingest::harvest(fetcher, clock, request, options.politeness, sink, options.on_progress);
    if (!stats.ok()) return stats.error();
    report.restarted = stats->restarted;
    report.last = new_last;
    return report;
}

}  // namespace paperboy::app
