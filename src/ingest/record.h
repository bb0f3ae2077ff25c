// ingest/record.h — what parsers produce and how they hand it over.
//
// Every source format is parsed by one function that reads a ByteSource to its end and hands
// each record to a RecordSink, as it goes (streaming: memory stays bounded by one record, so a
// multi-gigabyte file never has to fit in memory). A malformed record is reported to the sink
// with its position and skipped; the parse goes on. Only a source that is unusable as a whole
// (unreadable, or not in the format at all) ends the parse with an error Status.
// Depends on core/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/paper.h"

namespace paperboy::ingest {

struct Record {
    enum class Kind { kPaper, kDeletion };

    Kind kind = Kind::kPaper;
    Paper paper;                      // for kDeletion only paper.id is meaningful
    std::optional<DailyEntry> daily;  // set when the source puts the paper on a daily list
    std::string datestamp;            // OAI-PMH header datestamp ("YYYY-MM-DD"), when any
};

// Where a bad record was and why it was skipped.
struct RecordError {
    std::string source;   // file name or URL
    uint64_t line = 0;    // 1-based line where the record starts; 0 when unknown
    uint64_t record = 0;  // 1-based record number within the source; 0 when unknown
    std::string reason;   // "field \"id\" missing", "invalid paper id \"abc\": ..."

    // "corpus.jsonl line 1832: field \"id\" missing" (or "record 12" when the line is unknown).
    std::string message() const;
};

// Information about the whole response rather than one record (OAI-PMH and Atom envelopes).
struct FeedInfo {
    std::string resumption_token;     // OAI-PMH: empty when the list is complete
    int64_t complete_list_size = -1;  // OAI-PMH completeListSize, -1 when absent
    int64_t total_results = -1;       // Atom opensearch:totalResults, -1 when absent
    int64_t start_index = -1;         // Atom opensearch:startIndex
    std::string response_date;        // OAI-PMH responseDate ("YYYY-MM-DDTHH:MM:SSZ")
};

class RecordSink {
  public:
    virtual ~RecordSink() = default;
    virtual void on_record(Record&& record) = 0;
    virtual void on_error(RecordError&& error) = 0;
    // Called at most once per source, after its records, when the format has an envelope.
    virtual void on_feed_info(const FeedInfo& /*info*/) {}
};

}  // namespace paperboy::ingest
