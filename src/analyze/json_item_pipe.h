// The hand-over between the streaming JSON reader's parsing thread and the caller's thread
// (json_item_stream.cc): batches of parsed items, a bounded number in flight.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "analyze/json_stream_parser.h"
#include "common/result.h"

namespace deshim::analyze::json_stream {

/// Batches of items from the parsing thread to the caller's, at most `max_batches` waiting.
/// The parser's own outcome (success, or the syntax error that ended it) comes after its last
/// batch, so the caller sees every item before the error, as without the thread.
class item_pipe {
 public:
  static constexpr std::size_t batch_size = 64;
  static constexpr std::size_t max_batches = 8;

  /// Hands `batch` over (leaving it empty); false when the caller stopped reading.
  bool push(std::vector<raw_item>& batch) {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return stopped_ || batches_.size() < max_batches; });
    if (stopped_) return false;
    batches_.push_back(std::move(batch));
    batch.clear();
    ready_.notify_one();
    return true;
  }

  /// The parser is done, with `outcome`.
  void close(result<void> outcome) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    outcome_ = std::move(outcome);
    ready_.notify_one();
  }

  /// The next batch into `batch`; false once the parser closed and every batch was taken.
  bool pop(std::vector<raw_item>& batch) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return false;
    batch = std::move(batches_.front());
    batches_.pop_front();
    space_.notify_one();
    return true;
  }

  /// The caller stops reading: the parser's next push fails and it ends.
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    space_.notify_one();
  }

  result<void> parser_outcome() {
    std::lock_guard lock(mutex_);
    return outcome_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::vector<raw_item>> batches_;
  bool closed_ = false;
  bool stopped_ = false;
  result<void> outcome_;
};

}  // namespace deshim::analyze::json_stream
