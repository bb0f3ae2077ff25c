// app/ingest_pipeline.h — files in, papers stored.
//
// The pipeline detects each file's format (unless told), parses it with the ingest/ parser on
// one thread and writes batches to the store on another, so that parsing and SQLite's work
// overlap on two cores. Each batch is one transaction: a crash or kill -9 leaves the store
// consistent, and running the same ingest again completes the job without duplicates
// (writes are idempotent merges).
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
};

struct IngestReport {
    store::WriteCounts counts;
    int64_t records = 0;  // records parsed (papers, deletions)
    int64_t failed = 0;   // records skipped as malformed
    int64_t files = 0;
    double seconds = 0;
};

// Ingests every file in order. Stops at the first file that cannot be read or whose format
// cannot be detected, or at the first store error, returning it (batches written before stay
// written). Malformed records are reported through on_error and counted, not fatal.
Result<IngestReport> ingest_files(store::Store& store, const std::vector<std::string>& paths,
                                  const IngestOptions& options);

// Adds one parsed record to a batch: the paper (or its deletion) and its daily entry.
void add_to_batch(store::WriteBatch& batch, ingest::Record&& record);

}  // namespace paperboy::app
