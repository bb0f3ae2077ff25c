// app/harvest_job.h — harvesting into the store: where to start, and remembering where we got.
//
// run_harvest() runs an ingest/ harvest and writes each page's records together with the
// harvest's cursor in one store transaction, so a run killed at any point leaves the store
// consistent and the next run resumes right after the last page written.
//
// Cursors (Store::cursor keys). Each harvest has a scope, "<source>:<base URL>?<what>", where
// <what> is "metadataPrefix=P&set=S" (arxiv-oai), "search_query=Q&id_list=I" (arxiv-api) or
// empty (hf-daily), values URL-encoded, empty parameters left out:
//   "harvest.last:<scope>"   what the last *completed* run reached, the start of the next
//                            incremental run: arxiv-oai the greatest OAI header datestamp seen
//                            ("YYYY-MM-DD"; the next run asks from=that day, inclusive, since
//                            OAI-PMH datestamps are days); arxiv-api the newest "published"
//                            instant seen (the next run stops paging once it reaches it);
//                            hf-daily the last day fetched (fetched again next time: a day's
//                            list grows while the day lasts, and upvotes change).
//   "harvest.resume:<scope>" an interrupted run, "" when none: form-encoded
//                            "from=F&until=U&cursor=C&seen=X", C being the page cursor
//                            (resumption token, next start offset, last day done) and X the
//                            run's "last" value so far.
// A saved run is resumed when the new run asks for the same from/until (which it does when
// rerun with the same flags); --full ignores both cursors.
// Depends on core/, store/, ingest/. One run of a harvest (one scope) at a time on the whole
// instance: run_harvest() holds the store lease "harvest:<scope>" (app/job_lease.h) while it runs
// and answers kUnavailable, naming the holder, when another run holds it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "ingest/harvest/harvester.h"
#include "ingest/harvest/http_fetcher.h"
#include "ingest/harvest/politeness.h"
#include "ingest/record.h"
#include "store/store.h"

namespace paperboy::app {

struct HarvestOptions {
    // What to harvest. `from` empty means "incremental": from harvest.last when remembered.
    // resume_cursor and stop_at_published are set by run_harvest() from the store.
    ingest::HarvestRequest request;
    ingest::PolitenessOptions politeness;
    bool full = false;  // ignore remembered cursors: no resume, no incremental start
    std::function<void(const ingest::HarvestProgress&)> on_progress;
    std::function<void(const ingest::RecordError&)> on_error;  // each malformed record
};

struct HarvestReport {
    store::WriteCounts counts;
    int64_t pages = 0;
    int64_t records = 0;
    int64_t failed = 0;      // malformed records skipped
    bool resumed = false;    // continued an interrupted run
    bool restarted = false;  // its resumption token had expired; started over
    std::string from;        // the from-date the run used ("" = from the beginning/today)
    std::string last;        // harvest.last after the run
};

// Cursor keys of a request's scope (see above).
std::string harvest_scope(const ingest::HarvestRequest& request);
std::string harvest_last_key(const ingest::HarvestRequest& request);
std::string harvest_resume_key(const ingest::HarvestRequest& request);

// Harvests into `store`, deciding where to start from its cursors as described above. On error
// the pages written so far stay written, with the cursor to resume after them; the error is
// the harvester's (kUnavailable, kInvalidArgument, kParse, ...) or the store's.
Result<HarvestReport> run_harvest(store::Store& store, ingest::HttpFetcher& fetcher,
                                  ingest::Clock& clock, const HarvestOptions& options);

}  // namespace paperboy::app
