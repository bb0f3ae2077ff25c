#include "app/ingest_pipeline.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace paperboy::app {
namespace {

using Clock = std::chrono::steady_clock;

// A bounded hand-off of batches from the parsing thread to the writing thread. Two batches in
// flight keep both cores busy without letting a fast parser run far ahead of the store.
class BatchQueue {
  public:
    explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

    // Blocks while full. Returns false when the consumer has failed and stopped.
    bool push(store::WriteBatch batch) {
        std::unique_lock lock(mu_);
        not_full_.wait(lock, [&] { return queue_.size() < capacity_ || stopped_; });
        if (stopped_) return false;
        queue_.push_back(std::move(batch));
        not_empty_.notify_one();
        return true;
    }

    // Blocks until a batch or the end. Returns false at the end.
    bool pop(store::WriteBatch& out) {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return false;
        out = std::move(queue_.front());
        queue_.pop_front();
        not_full_.notify_one();
        return true;
    }

    // The producer has no more batches.
    void close() {
        std::lock_guard lock(mu_);
        closed_ = true;
        not_empty_.notify_all();
    }

    // The consumer gives up (store error): wake and refuse the producer.
    void stop() {
        std::lock_guard lock(mu_);
        stopped_ = true;
        not_full_.notify_all();
    }

  private:
    std::mutex mu_;
    std::condition_variable not_full_, not_empty_;
    std::deque<store::WriteBatch> queue_;
    size_t capacity_;
    bool closed_ = false;
    bool stopped_ = false;
};

// Collects parsed records into batches and hands full ones to the queue.
class BatchingSink : public ingest::RecordSink {
  public:
    BatchingSink(BatchQueue& queue, const IngestOptions& options, IngestProgress& progress,
                 ingest::ByteSource& source)
        : queue_(queue), options_(options), progress_(progress), source_(source) {}

    void on_record(ingest::Record&& record) override {
        ++progress_.records;
        add_to_batch(batch_, std::move(record));
        if (batch_.size() >= options_.batch_size) flush();
        maybe_report();
    }

    void on_error(ingest::RecordError&& error) override {
        ++progress_.failed;
        if (options_.on_error) options_.on_error(error);
        maybe_report();
    }

    // Sends the last partial batch. Returns false when the writer has stopped.
    bool flush() {
        if (batch_.empty()) return !refused_;
        if (!queue_.push(std::move(batch_))) refused_ = true;
        batch_ = store::WriteBatch();
        return !refused_;
    }

    bool refused() const { return refused_; }

    void report_now() {
        progress_.position = source_.position();
        progress_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
        if (options_.on_progress) options_.on_progress(progress_);
    }

  private:
    void maybe_report() {
        // Checking the clock on every record would cost more than the record; every 256th
        // suffices at tens of thousands of records a second.
        if ((progress_.records + progress_.failed) % 256 != 0) return;
        auto now = Clock::now();
        if (now - last_report_ < std::chrono::milliseconds(500)) return;
        last_report_ = now;
        report_now();
    }

    BatchQueue& queue_;
    const IngestOptions& options_;
    IngestProgress& progress_;
    ingest::ByteSource& source_;
    store::WriteBatch batch_;
    bool refused_ = false;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_report_ = Clock::now();
};

// Detection looks at this much of the decompressed start of a file.
constexpr size_t kDetectionBytes = 64 * 1024;

// Errors of sources and parsers mostly name the file already ("cannot read f.gz: ...",
// "f.xml line 3: ..."); the others get its name in front.
Error naming_file(const Error& error, const std::string& name) {
    const std::string& message = error.message();
    if (message.starts_with(name + ":") || message.starts_with(name + " ") ||
        message.find(" " + name + ":") != std::string::npos) {
        return error;
    }
    return error.with_context(name);
}

// Ingests one file. Returns why the file was given up, if it was; a store error goes to
// `store_error` instead (the caller stops there).
Status ingest_file(store::Store& store, const std::string& path, const IngestOptions& options,
                   IngestReport& report, std::optional<Error>& store_error) {
    auto opened = ingest::open_file_source(path, options.gzip_limits);
    if (!opened.ok()) return opened.error();
    // Detection peeks, and the parser then reads the peeked bytes first: the file is opened
    // and read once, which is all a pipe allows.
    ingest::PeekableSource source(std::move(*opened));
    const std::string& name = source.name();
    ingest::Format format{};
    if (options.format) {
        format = *options.format;
    } else {
        auto head = source.peek(kDetectionBytes);
        if (!head.ok()) return naming_file(head.error(), name);
        auto detected = ingest::detect_format(*head);
        if (!detected.ok()) return detected.error().with_context(name);
        format = *detected;
    }

    IngestProgress progress;
    progress.file = name;
    progress.total_size = source.total_size().value_or(0);

    BatchQueue queue(2);
    std::thread writer([&] {
        store::WriteBatch batch;
        while (queue.pop(batch)) {
            auto counts = store.write(batch);
            if (!counts.ok()) {
                store_error = counts.error().with_context("writing " + name);
                queue.stop();
                return;
            }
            report.counts += *counts;
        }
    });

    BatchingSink sink(queue, options, progress, source);
    Status parsed = ingest::parse(format, source, sink);
    sink.flush();
    queue.close();
    writer.join();
    sink.report_now();

    report.records += progress.records;
    report.failed += progress.failed;
    if (store_error) return Status::ok_status();
    if (!parsed.ok()) return naming_file(parsed.error(), name);
    if (progress.records == 0 && progress.failed == 0) {
        // Nothing understood is a failure, not "0 records": the wrong --format, or a producer
        // upstream of a pipe that failed, would otherwise pass for an empty success.
        if (source.bytes_read() == 0) {
            return Error(ErrorCode::kParse, name + ": empty input, no records");
        }
        return Error(ErrorCode::kParse, name + ": no records in " +
                                            std::to_string(source.bytes_read()) + " bytes of " +
                                            std::string(ingest::format_name(format)) + " input");
    }
    return Status::ok_status();
}

}  // namespace

void add_to_batch(store::WriteBatch& batch, ingest::Record&& record) {
    if (record.kind == ingest::Record::Kind::kDeletion) {
        batch.delete_paper(std::move(record.paper.id));
        return;
    }
    std::optional<DailyEntry> daily = std::move(record.daily);
    batch.put_paper(std::move(record.paper));
    if (daily) batch.put_daily_entry(std::move(*daily));
}

Result<IngestReport> ingest_files(store::Store& store, const std::vector<std::string>& paths,
                                  const IngestOptions& options) {
    IngestReport report;
    auto started = Clock::now();
    for (const std::string& path : paths) {
        ++report.files;
        std::optional<Error> store_error;
        Status status = ingest_file(store, path, options, report, store_error);
        if (store_error) return *store_error;
        if (!status.ok()) {
            report.failed_files.push_back(status.error());
            if (options.on_file_error) options.on_file_error(status.error());
        }
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace paperboy::app
