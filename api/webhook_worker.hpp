// Webhook delivery inside `chipreg serve` (issue 21): a thread of its own that every poll
// period takes the pending deliveries that are due (store/notifications.hpp) and POSTs
// each event to its enterprise's webhook, one at a time. It never runs on the network or
// store threads, so a slow receiver delays only other deliveries, never a request.
//
// One attempt, on the wire:
//   POST <url target>  Content-Type: application/json   body: the event (store::to_json)
//   Idempotency-Key: <event id>        the same on every attempt: receivers drop repeats
//   X-Chipreg-Event-Id: <event id>
//   X-Chipreg-Timestamp: <Unix seconds of this attempt>
//   X-Chipreg-Signature: v1=<hex HMAC-SHA256(secret, timestamp "." body)>
// A 2xx answer delivers it. Anything else (another status, a refused connection, a
// timeout, a URL the policy now refuses) is a failed attempt: the next one waits
// retry_base × 2^(attempts−1) (at most retry_max); after max_attempts the delivery is dead
// (a dead letter, listed and re-queued by GET/POST /v1/webhooks/{uscc}/...).
//
// Bounds: at most one connection at a time; each attempt (resolve, connect, write, read)
// within `timeout`; the receiver's answer read up to `max_response_body` bytes. State is
// in the store, so a restart resumes the queue; an attempt cut off by a crash after the
// receiver answered is made again, with the same Idempotency-Key (at least once).
//
// Thread-safety: start() and stop() from the owning thread; the worker's thread touches only
// the pool (itself thread-safe) and its own state.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api/db_pool.hpp"
#include "api/webhook_url.hpp"

namespace chipreg::api {

struct WebhookOptions {
  WebhookUrlPolicy urls;
  std::chrono::milliseconds poll{250};           // how often the queue is looked at
  std::chrono::milliseconds timeout{5000};       // one attempt, end to end
  std::chrono::milliseconds retry_base{5000};    // the wait after the first failure
  std::chrono::milliseconds retry_max{3600000};  // the longest wait between attempts
  int max_attempts = 8;                          // then dead
  std::size_t max_response_body = 64 * 1024;     // bytes of the receiver's answer read
  int batch = 32;                                // deliveries taken per poll
};

// The outcome of one attempt.
struct AttemptResult {
  bool delivered = false;
  std::optional<int> status;  // the receiver's HTTP status, when it answered
  std::string error;          // why it failed ("" when delivered)
};

// Sends `body` (an event's JSON) to `url` once, signed with `secret`, as described above.
// `event_id` is the Idempotency-Key; `unix_seconds` the timestamp signed.
AttemptResult deliver_once(const WebhookUrl& url, const std::string& secret, const std::string& event_id,
                           const std::string& body, long long unix_seconds, const WebhookOptions& o);

// The signature header's value for a body at a timestamp: "v1=" + hex HMAC-SHA256.
std::string webhook_signature(const std::string& secret, long long unix_seconds, const std::string& body);

// The wait before the attempt after `attempts` failed ones: retry_base × 2^(attempts−1),
// at most retry_max. REQUIRES: attempts >= 1.
std::chrono::milliseconds retry_delay(int attempts, const WebhookOptions& o);

class WebhookWorker {
 public:
  // REQUIRES: `pool` outlives the worker.
  WebhookWorker(DbPool& pool, WebhookOptions options) : pool_(pool), options_(std::move(options)) {}
  WebhookWorker(const WebhookWorker&) = delete;
  WebhookWorker& operator=(const WebhookWorker&) = delete;
  ~WebhookWorker() { stop(); }

  void start();
  // Wakes the thread and joins it; an attempt in progress ends within `timeout`.
  void stop();

 private:
  void loop();
  // Delivers what is due now; false when stopping.
  bool run_once();

  DbPool& pool_;
  const WebhookOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace chipreg::api
