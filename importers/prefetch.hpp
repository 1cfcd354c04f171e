// Reads rows on a second thread, ahead of the importer: the xlsx sheet's inflate + XML
// parse (about as much CPU as the import's SQLite writes) overlaps the writes instead of
// adding to them.
//
// Prefetched<Reader> wraps any reader with `Result<bool> next(std::vector<std::string>&)` and
// `long record_line()` (CsvReader, XlsxReader) and offers the same calls. Rows travel in
// batches of kBatchRows through a queue of at most kBatches batches, so memory stays flat:
// the producer waits when the consumer is behind.
//
// Thread-safety: after construction the wrapped reader belongs to the producer thread;
// touch it again only after the Prefetched is destroyed. `fraction`, if given, is called on
// the producer thread after each batch; fraction() returns its last value on any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.hpp"

namespace chipreg::importers {

template <typename Reader>
class Prefetched {
 public:
  static constexpr std::size_t kBatchRows = 256;
  static constexpr std::size_t kBatches = 4;

  explicit Prefetched(Reader& reader, std::function<double()> fraction = {})
      : reader_(reader), fraction_(std::move(fraction)), thread_([this] { produce(); }) {}
  ~Prefetched() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Prefetched(const Prefetched&) = delete;
  Prefetched& operator=(const Prefetched&) = delete;

  // As Reader::next.
  Result<bool> next(std::vector<std::string>& cells) {
    if (pos_ == current_.size()) {
      if (done_) return false;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty(); });
      // The spent batch goes back for reuse (its strings keep their capacity).
      spare_ = std::move(current_);
      current_ = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      cv_.notify_all();
      pos_ = 0;
    }
    Row& row = current_[pos_++];
    line_ = row.line;
    if (row.end) {
      done_ = true;
      return false;
    }
    if (row.error) return *row.error;
    cells.swap(row.cells);
    return true;
  }

  long record_line() const { return line_; }
  void set_column_names(std::vector<std::string>) {}
  double fraction() const { return fraction_value_.load(std::memory_order_relaxed); }

 private:
  struct Row {
    long line = 0;
    bool end = false;
    std::optional<Error> error;
    std::vector<std::string> cells;
  };

  void produce() {
    std::vector<Row> batch;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        if (!spare_.empty()) batch = std::move(spare_), spare_.clear();
      }
      batch.resize(kBatchRows);
      std::size_t n = 0;
      bool end = false;
      while (n < kBatchRows && !end) {
        Row& row = batch[n++];
        row.error.reset();
        row.end = false;
        auto more = reader_.next(row.cells);
        row.line = reader_.record_line();
        if (!more)
          row.error = more.error();
        else if (!*more)
          row.end = end = true;
      }
      batch.resize(n);
      if (fraction_) fraction_value_.store(fraction_(), std::memory_order_relaxed);
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || queue_.size() < kBatches; });
      if (stop_) return;
      queue_.push_back(std::move(batch));
      batch = {};
      lock.unlock();
      cv_.notify_all();
      if (end) return;
    }
  }

  Reader& reader_;
  std::function<double()> fraction_;
  std::atomic<double> fraction_value_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<Row>> queue_;  // GUARDED_BY(mu_)
  std::vector<Row> spare_;              // GUARDED_BY(mu_)
  bool stop_ = false;                   // GUARDED_BY(mu_)

  // Consumer-side state (the importer's thread only).
  std::vector<Row> current_;
  std::size_t pos_ = 0;
  bool done_ = false;
  long line_ = 0;

  std::thread thread_;  // last: starts once everything above is built
};

}  // namespace chipreg::importers
