#include "app/ingest_pipeline.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
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

Result<ingest::Format> format_of(const std::string& path, const IngestOptions& options) {
    if (options.format) return *options.format;
    auto head = ingest::read_file_head(path, 64 * 1024);
    if (!head.ok()) return head.error();
    auto format = ingest::detect_format(*head);
    if (!format.ok()) return format.error().with_context(path);
    return *format;
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
        auto format = format_of(path, options);
        if (!format.ok()) return format.error();
        auto source = ingest::open_file_source(path);
        if (!source.ok()) return source.error();

        IngestProgress progress;
        progress.file = path;
        progress.total_size = (*source)->total_size().value_or(0);

        BatchQueue queue(2);
        std::optional<Error> write_error;
        std::thread writer([&] {
            store::WriteBatch batch;
            while (queue.pop(batch)) {
                auto counts = store.write(batch);
                if (!counts.ok()) {
                    write_error = counts.error();
                    queue.stop();
                    return;
                }
                report.counts += *counts;
            }
        });

        BatchingSink sink(queue, options, progress, **source);
        Status parsed = ingest::parse(*format, **source, sink);
        sink.flush();
        queue.close();
        writer.join();
        sink.report_now();

        report.records += progress.records;
        report.failed += progress.failed;
        ++report.files;
        if (write_error) return write_error->with_context("writing " + path);
        if (!parsed.ok()) return parsed.error().with_context(path);
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace paperboy::app
