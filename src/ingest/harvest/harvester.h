// ingest/harvest/harvester.h — harvest loops over arXiv OAI-PMH, the arXiv API and Hugging
// Face's daily papers.
//
// A harvest is a sequence of requests, each answered by one page of records; the loop follows
// the source's paging (OAI-PMH resumption tokens, the API's start offset, one request per day
// for hf-daily) and hands each parsed page to a PageSink together with a cursor: the value to
// keep so that a later run can resume right after that page. The harvester knows nothing of
// the store; app/harvest_job.h writes each page and its cursor in one transaction.
// Requests go through a PoliteFetcher (politeness.h), so a harvest waits between requests,
// honours Retry-After and retries with backoff.
// Depends on core/, ingest/ parsers, http_fetcher.h, politeness.h. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/harvest/http_fetcher.h"
#include "ingest/harvest/politeness.h"
#include "ingest/record.h"

namespace paperboy::ingest {

enum class HarvestSource {
    kArxivOai,  // OAI-PMH ListRecords at export.arxiv.org/oai2
    kArxivApi,  // the search API at export.arxiv.org/api/query (Atom)
    kHfDaily,   // huggingface.co/api/daily_papers?date=... (JSON)
};

// "arxiv-oai", "arxiv-api", "hf-daily" (the command-line names).
std::string_view harvest_source_name(HarvestSource source);
std::optional<HarvestSource> parse_harvest_source(std::string_view name);
// The service named in messages: "arXiv OAI-PMH", "arXiv API", "Hugging Face daily papers".
std::string_view harvest_service_name(HarvestSource source);
// The public endpoint used when HarvestRequest::base_url is empty.
std::string_view default_base_url(HarvestSource source);

struct HarvestRequest {
    HarvestSource source = HarvestSource::kArxivOai;
    std::string base_url;  // empty: default_base_url(source)

    // arxiv-oai: the datestamp range (inclusive). hf-daily: the days to fetch; both empty means
    // today (UTC, by the Clock), only `from` means from then to today, only `until` that day.
    std::string from;   // "YYYY-MM-DD" or empty
    std::string until;  // "YYYY-MM-DD" or empty

    // arxiv-oai
    std::string metadata_prefix = "arXiv";  // arXiv, arXivRaw or oai_dc
    std::string set;                        // "cs", "physics:hep-th"; empty: every set

    // arxiv-api: at least one of the two.
    std::string search_query;  // "cat:cs.CL", "ti:transformer AND au:vaswani"
    std::string id_list;       // "2401.12345,2402.00001"
    int page_size = 100;       // max_results per request, 1..2000
    int64_t max_results = 0;   // stop at this offset; 0: no cap
    // Results come newest first (sortBy=submittedDate): the harvest stops after the first page
    // that reaches a paper published at or before this instant. Empty: no such stop.
    std::string stop_at_published;

    // A HarvestPage::next_cursor of an earlier run: the harvest continues after that page.
    // arxiv-oai: a resumption token (when the server has forgotten it, answering
    // badResumptionToken, the harvest starts over from `from`, see HarvestStats::restarted);
    // arxiv-api: the next start offset; hf-daily: the last day done. Empty: from the start.
    std::string resume_cursor;
};

struct HarvestPage {
    int64_t number = 0;  // 1-based within this run
    std::string url;     // the request that produced the page
    std::vector<Record> records;
    std::vector<RecordError> errors;  // records skipped as malformed
    FeedInfo feed;                    // the envelope (OAI-PMH and Atom), when any
    std::string date;                 // hf-daily: the day whose list this is
    // Where a rerun resumes after this page (HarvestRequest::resume_cursor); empty when last.
    std::string next_cursor;
    bool last = false;  // the harvest is complete with this page
};

struct HarvestProgress {
    int64_t pages = 0;                // pages done so far
    int64_t records = 0;              // records on them
    int64_t failed = 0;               // malformed records on them
    std::string url;                  // the next request
    Clock::TimePoint next_request{};  // when it will be sent, at the earliest
    std::string message;              // set on retries: "503 Service Unavailable; retrying in 5 s"
};

struct HarvestStats {
    int64_t pages = 0;
    int64_t records = 0;
    int64_t failed = 0;
    bool restarted = false;  // the resume token had expired; the list was harvested anew
};

// Receives each page in order. It may move the records out. An error stops the harvest and is
// returned by harvest() unchanged.
using PageSink = std::function<Status(HarvestPage& page)>;
using HarvestProgressFn = std::function<void(const HarvestProgress&)>;

// Checks a request before any traffic: dates in "YYYY-MM-DD" form and from <= until, a known
// metadata prefix, a query for arxiv-api, a page size in range. kInvalidArgument naming the
// field otherwise.
Status validate_harvest_request(const HarvestRequest& request);

// Runs the harvest described by `request`, fetching through `fetcher` with `politeness`
// (its `service` is replaced by harvest_service_name()). Every source produces at least one
// page, the last with `last` set, so a sink always sees the end of a complete harvest.
// Errors: those of validate_harvest_request(); PoliteFetcher's (kUnavailable after retries,
// kInvalidArgument / kNotFound for client errors); kParse when a body is not in the expected
// format; kInvalidArgument for an OAI-PMH error other than noRecordsMatch (e.g.
// "badArgument"); the sink's error. Pages handed to the sink before an error stay handed.
Result<HarvestStats> harvest(HttpFetcher& fetcher, Clock& clock, const HarvestRequest& request,
                             const PolitenessOptions& politeness, const PageSink& sink,
                             const HarvestProgressFn& on_progress = {});

// The URL of the first request of an OAI-PMH ListRecords harvest, and of a follow-up request
// with a resumption token (which carries only the verb and the URL-encoded token).
std::string oai_list_records_url(const HarvestRequest& request);
std::string oai_resumption_url(std::string_view base_url, std::string_view token);

}  // namespace paperboy::ingest
