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
// An https:// URL is POSTed over TLS 1.2+, the receiver's certificate verified against the
// system store and --webhook-ca-file, and its name against the URL's host
// (api/webhook_tls.hpp). The host is resolved at each attempt and only the addresses the
// policy admits are connected to (api/webhook_url.hpp connectable_endpoints: DNS rebinding).
// A 2xx answer delivers it. Anything else (another status, a refused connection, a
// timeout, a certificate that fails verification, a URL the policy now refuses) is a
// failed attempt: the next one waits
// retry_base × 2^(attempts−1) (at most retry_max); after max_attempts the delivery is dead
// (a dead letter, listed and re-queued by GET/POST /v1/webhooks/{uscc}/...).
//
// Bounds: at most one connection at a time; each attempt (resolve, connect, TLS handshake,
// write, read) within `timeout`; the receiver's answer read up to `max_response_body` bytes. State is
// in the store, so a restart resumes the queue; an attempt cut off by a crash after the
// receiver answered is made again, with the same Idempotency-Key (at least once).
//
// Thread-safety: start() and stop() from the owning thread; the worker's thread touches only
// the pool (itself thread-safe), the TLS context (used by that thread alone) and its own state.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api/db_pool.hpp"
#include "api/net.hpp"
#include "api/webhook_url.hpp"

namespace chipreg::api {

struct WebhookOptions {
  WebhookUrlPolicy urls;
  std::optional<std::string> ca_file;            // PEM trust anchors added to the system store
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
// `event_id` is the Idempotency-Key; `unix_seconds` the timestamp signed; `tls` the client
// context for https (make_webhook_tls). The resolved addresses are checked against o.urls.
AttemptResult deliver_once(const WebhookUrl& url, const std::string& secret, const std::string& event_id,
                           const std::string& body, long long unix_seconds, const WebhookOptions& o, ssl::context& tls);

// The signature header's value for a body at a timestamp: "v1=" + hex HMAC-SHA256.
std::string webhook_signature(const std::string& secret, long long unix_seconds, const std::string& body);

// The wait before the attempt after `attempts` failed ones: retry_base × 2^(attempts−1),
// at most retry_max. REQUIRES: attempts >= 1.
std::chrono::milliseconds retry_delay(int attempts, const WebhookOptions& o);

class WebhookWorker {
 public:
  // REQUIRES: `pool` and `tls` (make_webhook_tls) outlive the worker.
  WebhookWorker(DbPool& pool, WebhookOptions options, ssl::context& tls)
      : pool_(pool), options_(std::move(options)), tls_(tls) {}
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
  ssl::context& tls_;  // used by the worker's thread only
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace chipreg::api
