// WriteQueue: the HTTP service's group commit. Write requests (every method but GET on a
// store route) are queued here instead of each taking SQLite's write lock in turn; one
// drain job on the store pool takes everything queued so far (up to kMaxBatch) and runs it
// through Handler::handle_writes, which commits the whole batch at once. Under load many
// writers share one fsync; a lone writer is a batch of one and waits for nobody.
//
// Thread-safety: submit() may be called from any thread; at most one drain job runs at a
// time, so writes stay one at a time (SQLite admits one writer anyway), without tying up
// more than one store thread.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "api/handler.hpp"
#include "api/message.hpp"
#include "api/net.hpp"

namespace chipreg::api {

class WriteQueue {
 public:
  static constexpr std::size_t kMaxBatch = 64;
  // Called on a store thread with the request and its answer, after the commit.
  using Done = std::function<void(Request, Response)>;

  // `handler` and `pool` must outlive the queue's drain jobs (run_server joins the pool
  // before either goes away).
  WriteQueue(const Handler& handler, asio::thread_pool& pool) : handler_(handler), pool_(pool) {}
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  void submit(Request req, Done done);

 private:
  void drain();

  const Handler& handler_;
  asio::thread_pool& pool_;
  std::mutex mu_;
  std::vector<std::pair<Request, Done>> pending_;  // protected by mu_
  bool draining_ = false;                          // a drain job is queued or running; mu_
};

}  // namespace chipreg::api
