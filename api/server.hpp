// The HTTP(S) service behind `chipreg serve`: options, and run_server, which listens,
// serves until SIGINT or SIGTERM, then stops accepting, lets requests in flight finish
// (closing idle keep-alive connections at once) and returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "api/webhook_worker.hpp"
#include "base/result.hpp"
#include "registry/store/objections.hpp"

namespace chipreg::api {

struct ServerOptions {
  std::string db_path;
  std::string host = "127.0.0.1";
  unsigned short port = 8080;                // 0: any free port (the real one is printed)
  int threads = 0;                           // network threads; 0: one per core
  int store_threads = 0;                     // threads running store-backed requests; 0: max(4, 2 x threads)
  std::optional<std::string> tls_cert;       // PEM chain; with tls_key, serve HTTPS only
  std::optional<std::string> tls_key;        // PEM private key
  std::size_t max_body = 1024 * 1024;        // larger bodies get 413
  std::size_t max_header = 16 * 1024;        // larger header sections get 431
  // Connections at once; 0: as many as RLIMIT_NOFILE allows (its soft limit is raised to the
  // hard one, less a reserve for the database). At the cap the longest-idle connection is
  // closed for a new one; only when all are busy is the new one closed at once.
  int max_connections = 0;
  int max_connections_per_peer = 0;          // per client IP address; 0: no per-peer cap
  // Writes (any method but GET and HEAD) per enterprise token: a token bucket refilled at
  // this many per minute, holding at most `burst`; an empty bucket answers 429 with
  // Retry-After. 0: no limit.
  int enterprise_writes_per_minute = 3000;
  int enterprise_write_burst = 200;
  std::chrono::milliseconds header_timeout{10000};  // idle keep-alive and header read
  std::chrono::milliseconds body_timeout{30000};    // reading one body
  std::chrono::milliseconds write_timeout{30000};   // writing one response
  std::chrono::milliseconds drain_timeout{20000};   // after a stop signal, for requests in flight
  bool access_log = true;                    // JSON lines on stderr
  // The eligibility job (免申即享, api/eligibility_schedule.hpp): every this often, for
  // `eligibility_years` (empty: the previous and the current year). 0: never.
  std::chrono::seconds eligibility_every{3600};
  std::vector<int> eligibility_years;
  // Objections (异议) to a decision are taken for this many days after it (0..365).
  int objection_days = store::kDefaultObjectionDays;
  // Webhook delivery (api/webhook_worker.hpp) and which URLs may be registered.
  WebhookOptions webhooks;
};

// Runs the service. On startup prints one line on stdout:
//   {"listening": "HOST:PORT", "tls": BOOL}
// and returns 0 after a signal-triggered drain, or an Error when it cannot start (bad
// address, port in use, unreadable certificate or --webhook-ca-file, database missing or of
// another version).
Status run_server(const ServerOptions& options);

}  // namespace chipreg::api
