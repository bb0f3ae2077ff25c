// app/ingest_pipeline.h — files in, papers stored.
//
// The pipeline opens each file once, detects its format from the first bytes (unless told),
// without consuming them, so pipes and standard input work as well as files, parses it with
// the ingest/ parser on one thread and writes batches to the store on another, so that parsing
// and SQLite's work overlap on two cores. Each batch is one transaction: a crash or kill -9
// leaves the store consistent, and running the same ingest again completes the job without
// duplicates (writes are idempotent merges).
// Depends on core/, store/, ingest/. Not re-entrant per Store: one ingest at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "ingest/formats.h"
#include "ingest/record.h"
#include "store/store.h"

namespace paperboy::app {

struct IngestProgress {
    std::string file;
    int64_t records = 0;      // records parsed so far in this file
    int64_t failed = 0;       // records skipped so far in this file
    uint64_t position = 0;    // bytes of the file consumed
    uint64_t total_size = 0;  // 0 when unknown
    double seconds = 0;       // since the file was opened
};

struct IngestOptions {
    std::optional<ingest::Format> format;  // nullopt: detect per file from its content
    size_t batch_size = 2000;              // records per transaction
    // Called from the parsing thread about twice a second and once at the end of each file.
    std::function<void(const IngestProgress&)> on_progress;
    // Called for every malformed record that was skipped.
    std::function<void(const ingest::RecordError&)> on_error;
    // Called, on the calling thread, for every file given up (see ingest_files) before the next
    // file is read. The message names the file.
    std::function<void(const Error&)> on_file_error;
    // How far gzip input may expand before it is refused as a gzip bomb.
    ingest::GzipLimits gzip_limits;
};

struct IngestReport {
    store::WriteCounts counts;
    int64_t records = 0;              // records parsed (papers, deletions)
    int64_t failed = 0;               // records skipped as malformed
    int64_t files = 0;                // files tried, the failed ones included
    std::vector<Error> failed_files;  // one per file given up, in order; each names its file
    double seconds = 0;
};

// Ingests every file in order; "-" is standard input. A file is given up — recorded in
// failed_files, reported through on_file_error, and the next file ingested — when it cannot be
// opened, its format cannot be detected, it cannot be read to its end (I/O error, damaged or
// truncated gzip data, a gzip bomb, not the format at all), or it yields no record (neither a
// good nor a malformed one: an empty input, or bytes of which nothing was understood). The
// batches written from a file before it failed stay written. Malformed records are reported
// through on_error and counted, not fatal. Returns an error only for a store error, which ends
// the run (batches written before stay written).
Result<IngestReport> ingest_files(store::Store& store, const std::vector<std::string>& paths,
                                  const IngestOptions& options);

// Adds one parsed record to a batch: the paper (or its deletion) and its daily entry.
void add_to_batch(store::WriteBatch& batch, ingest::Record&& record);

}  // namespace paperboy::app
