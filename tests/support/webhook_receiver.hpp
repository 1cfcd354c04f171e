// Test support: a webhook receiver on 127.0.0.1:0, in a thread of the test. It answers
// `fail_first` requests with 500 (or every one, until told otherwise), then 200, and
// records each request it got. Like a real receiver, it processes an event only once: a
// request whose Idempotency-Key it has already answered 200 is acknowledged and dropped.
// Given a certificate it speaks https only (OpenSSL, TLS 1.2+) and counts the handshakes
// that failed, e.g. because the client refused its certificate.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <openssl/types.h>

#include "support/test_pki.hpp"

namespace chipreg::testing {

struct ReceivedRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int answered = 0;         // the status it was given
  std::string server_name;  // over https: the SNI the client sent ("" for none)
};

class WebhookReceiver {
 public:
  // Answers 500 to the first `fail_first` requests (-1: to every request), then 200; over
  // https with `tls`, plain http without. Throws std::runtime_error if it cannot listen.
  explicit WebhookReceiver(int fail_first, const std::optional<CertFiles>& tls = std::nullopt);
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  ~WebhookReceiver();

  unsigned short port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;
  // From now on answer 200.
  void succeed() { fail_first_ = 0; }

  std::vector<ReceivedRequest> requests() const;
  // Over https: the connections whose handshake failed.
  int handshakes_failed() const { return handshakes_failed_.load(); }
  // Waits up to `ms` until `n` handshakes failed.
  bool wait_handshakes_failed(int n, int ms) const;
  // The events processed (first 200 for their Idempotency-Key), in order.
  std::vector<std::string> processed() const;
  // Waits up to `ms` until `n` events are processed; true when they are.
  bool wait_processed(std::size_t n, int ms) const;
  // Waits up to `ms` until `n` requests arrived.
  bool wait_requests(std::size_t n, int ms) const;

 private:
  void serve();

  SSL_CTX* tls_ = nullptr;  // null: plain http
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<int> fail_first_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> handshakes_failed_{0};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;  // guarded by mu_
  std::vector<std::string> processed_;     // guarded by mu_
  std::set<std::string> seen_;             // guarded by mu_
  std::thread thread_;
};

}  // namespace chipreg::testing
