// WriteQueue: batches of write requests, committed together (see write_queue.hpp).
#include "api/write_queue.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <string>

namespace chipreg::api {

void WriteQueue::submit(Request req, Done done) {
  bool start = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.emplace_back(std::move(req), std::move(done));
    start = !std::exchange(draining_, true);
  }
  if (start) asio::post(pool_, [this] { drain(); });
}

void WriteQueue::drain() {
  std::vector<std::pair<Request, Done>> batch;
  for (;;) {
    batch.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pending_.empty()) {
        draining_ = false;
        return;
      }
      const std::size_t n = std::min(pending_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.begin() + static_cast<std::ptrdiff_t>(n)));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    std::vector<const Request*> reqs;
    reqs.reserve(batch.size());
    for (const auto& item : batch) reqs.push_back(&item.first);
    std::vector<Response> answers;
    try {
      answers = handler_.handle_writes(reqs);
    } catch (const std::exception& e) {  // only allocation failure can get here
      answers.assign(batch.size(), error_response(500, "INTERNAL", std::string("internal error: ") + e.what()));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].second(std::move(batch[i].first), std::move(answers[i]));
  }
}

}  // namespace chipreg::api
