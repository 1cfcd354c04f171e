// Webhook delivery (see the header).
#include "api/webhook_worker.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <vector>

#include <boost/json.hpp>

#include "api/net.hpp"
#include "api/webhook_tls.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hmac.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/store/notifications.hpp"

namespace chipreg::api {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void print_line(const boost::json::object& o) {
  const std::string line = boost::json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Runs `ioc` until its queued operation completes or `deadline` passes; then `cancel()`
// stops what is left and its handler runs with operation_aborted. True when it timed out.
template <typename Cancel>
bool run_step(asio::io_context& ioc, Clock::time_point deadline, Cancel cancel) {
  ioc.restart();
  ioc.run_until(deadline);
  if (ioc.stopped()) return false;
  cancel();
  ioc.run();
  return true;
}

std::string timed_out(const char* step, const WebhookOptions& o) {
  return std::string("timeout while ") + step + " (" + std::to_string(o.timeout.count()) + " ms)";
}

// Connects `stream` to the first of `endpoints` that answers; "" or why not.
std::string connect(asio::io_context& ioc, beast::tcp_stream& stream, const std::vector<tcp::endpoint>& endpoints,
                    const WebhookUrl& url, Clock::time_point deadline, const WebhookOptions& o) {
  beast::error_code ec;
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  if (run_step(ioc, deadline, [&] { stream.cancel(); })) return timed_out("connecting", o);
  if (ec) return "connect " + url.host + ":" + url.port + ": " + ec.message();
  return "";
}

http::request<http::string_body> make_request(const WebhookUrl& url, const std::string& secret,
                                              const std::string& event_id, const std::string& body,
                                              long long unix_seconds) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  const bool default_port = url.port == (url.scheme == "https" ? "443" : "80");
  const bool v6 = url.host.find(':') != std::string::npos;
  req.set(http::field::host, (v6 ? "[" + url.host + "]" : url.host) + (default_port ? "" : ":" + url.port));
  req.set(http::field::user_agent, "chipreg-webhook/1");
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", event_id);
  req.set("X-Chipreg-Event-Id", event_id);
  req.set("X-Chipreg-Timestamp", std::to_string(unix_seconds));
  req.set("X-Chipreg-Signature", webhook_signature(secret, unix_seconds, body));
  req.set(http::field::connection, "close");
  req.body() = body;
  req.prepare_payload();
  return req;
}

// Sends `req` on a connected `stream` (plain or TLS) and reads the answer, both before
// `deadline`; at most `max_response_body` bytes of its body are read.
template <typename Stream>
AttemptResult exchange(asio::io_context& ioc, Stream& stream, const http::request<http::string_body>& req,
                       Clock::time_point deadline, const WebhookOptions& o) {
  AttemptResult out;
  beast::error_code ec;
  const auto cancel = [&] { beast::get_lowest_layer(stream).cancel(); };
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
  if (run_step(ioc, deadline, cancel)) {
    out.error = timed_out("sending", o);
    return out;
  }
  if (ec) {
    out.error = "send: " + ec.message();
    return out;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(o.max_response_body);
  parser.header_limit(16 * 1024);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  if (run_step(ioc, deadline, cancel)) {
    if (!parser.is_header_done()) {
      out.error = timed_out("waiting for the answer", o);
      return out;
    }
  } else if (ec && !(ec == http::error::body_limit && parser.is_header_done())) {
    out.error = "read answer: " + ec.message();
    return out;
  }
  // The status decides; an answer body over the limit is not read further.
  const int status = static_cast<int>(parser.get().result_int());
  out.status = status;
  out.delivered = status >= 200 && status < 300;
  if (!out.delivered) out.error = "receiver answered HTTP " + std::to_string(status);
  return out;
}

}  // namespace

std::string webhook_signature(const std::string& secret, long long unix_seconds, const std::string& body) {
  const std::string ts = std::to_string(unix_seconds);
  return "v1=" + crypto::hex(crypto::hmac_sha256(secret, {ts, ".", body}));
}

std::chrono::milliseconds retry_delay(int attempts, const WebhookOptions& o) {
  std::chrono::milliseconds d = o.retry_base;
  for (int i = 1; i < attempts && d < o.retry_max; ++i) d *= 2;
  return std::min(d, o.retry_max);
}

AttemptResult deliver_once(const WebhookUrl& url, const std::string& secret, const std::string& event_id,
                           const std::string& body, long long unix_seconds, const WebhookOptions& o,
                           ssl::context& tls) {
  assert(url.scheme == "http" || url.scheme == "https");
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto deadline = Clock::now() + o.timeout;
  beast::error_code ec;
  const auto failed = [](std::string why) {
    AttemptResult out;
    out.error = std::move(why);
    return out;
  };

  tcp::resolver::results_type resolved;
  resolver.async_resolve(url.host, url.port, [&](beast::error_code e, tcp::resolver::results_type r) {
    ec = e;
    resolved = std::move(r);
  });
  if (run_step(ioc, deadline, [&] { resolver.cancel(); })) return failed(timed_out("resolving", o));
  if (ec) return failed("resolve " + url.host + ": " + ec.message());
  // Only the addresses checked here are connected to: the name is not resolved again.
  auto endpoints = connectable_endpoints(url, o.urls, resolved);
  if (!endpoints) return failed(endpoints.error().code + ": " + endpoints.error().message);

  const auto request = make_request(url, secret, event_id, body, unix_seconds);
  if (url.scheme == "http") {
    beast::tcp_stream stream(ioc);
    if (auto e = connect(ioc, stream, *endpoints, url, deadline, o); !e.empty()) return failed(e);
    AttemptResult out = exchange(ioc, stream, request, deadline, o);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  if (auto st = expect_peer(stream.native_handle(), url.host); !st) return failed(st.error().message);
  if (auto e = connect(ioc, beast::get_lowest_layer(stream), *endpoints, url, deadline, o); !e.empty()) {
    return failed(e);
  }
  stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  if (run_step(ioc, deadline, [&] { beast::get_lowest_layer(stream).cancel(); })) {
    return failed(timed_out("in the TLS handshake", o));
  }
  if (ec) return failed(tls_failure(stream.native_handle(), ec));
  // The request says Connection: close and the answer is read to its end, so the socket is
  // simply closed: waiting for the receiver's close_notify would only spend the deadline.
  return exchange(ioc, stream, request, deadline, o);
}

void WebhookWorker::start() {
  thread_ = std::thread([this] { loop(); });
}

void WebhookWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookWorker::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (wake_.wait_for(lock, options_.poll, [this] { return stopping_; })) return;
    lock.unlock();
    const bool go_on = run_once();
    lock.lock();
    if (!go_on) return;
  }
}

bool WebhookWorker::run_once() {
  auto lease = pool_.acquire();
  if (!lease) {
    print_line({{"webhook_error", lease.error().message}});
    return true;
  }
  db::Db& db = lease->db();
  auto due = store::due_deliveries(db, unix_ms_now(), options_.batch);
  if (!due) {
    print_line({{"webhook_error", due.error().message}, {"code", due.error().code}});
    return true;
  }
  for (const auto& d : *due) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return false;
    }
    const std::string body = boost::json::serialize(store::to_json(d.event));
    const std::string id = std::to_string(d.event.id);
    AttemptResult r;
    auto url = check_webhook_url(d.url, options_.urls);
    if (!url) {
      r.error = url.error().code + ": " + url.error().message;
    } else {
      r = deliver_once(*url, d.secret, id, body, unix_ms_now() / 1000, options_, tls_);
    }
    const int attempts = d.attempts + 1;
    const bool dead = !r.delivered && attempts >= options_.max_attempts;
    auto tx = db::Tx::begin(db);
    if (!tx) {
      print_line({{"webhook_error", tx.error().message}, {"code", tx.error().code}});
      return true;
    }
    Status st = r.delivered ? store::record_delivered(db, d.event.id, *r.status)
                            : store::record_failed(db, d.event.id, r.error, r.status, dead,
                                                   unix_ms_now() + retry_delay(attempts, options_).count());
    if (st) st = tx->commit();
    if (!st) {
      print_line({{"webhook_error", st.error().message}, {"code", st.error().code}});
      return true;
    }
    boost::json::object line{{"notification", d.event.id},
                             {"enterprise", d.event.enterprise},
                             {"attempt", attempts},
                             {"state", r.delivered ? "delivered"
                                       : dead      ? "dead"
                                                   : "pending"}};
    if (r.status) line["status"] = *r.status;
    if (!r.error.empty()) line["error"] = r.error;
    print_line({{"webhook", line}});
  }
  return true;
}

}  // namespace chipreg::api
