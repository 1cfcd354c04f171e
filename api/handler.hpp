// Handler: the whole request → response function of the service. It authenticates the
// bearer token, routes, runs the route inside one database connection and turns any escaped
// exception into a 500 envelope. It does no network I/O, so tests and a fuzzer can call
// handle() directly; the sessions (session.hpp) only move bytes.
//
// Thread-safety: handle() may run on many threads at once; the route table is immutable
// after construction, DbPool and Metrics lock internally.
#pragma once

#include "api/db_pool.hpp"
#include "api/message.hpp"
#include "api/metrics.hpp"
#include "api/rate_limit.hpp"
#include "api/router.hpp"
#include "api/webhook_url.hpp"
#include "registry/log/note.hpp"
#include "registry/store/objections.hpp"

#include <memory>
#include <vector>

namespace chipreg::api {

// The service's parameters that routes apply (serve options; defaults as documented there).
struct HandlerOptions {
  store::ObjectionPolicy objections;  // --objection-days
  WebhookUrlPolicy webhook_urls;      // --webhook-allow-http-host
};

class Handler {
 public:
  // `pool` and `metrics` must outlive the handler. `log_signer` signs checkpoints (null:
  // the checkpoint and key endpoints answer 503).
  Handler(DbPool& pool, const Metrics& metrics, std::shared_ptr<const tlog::NoteSigner> log_signer,
          const HandlerOptions& options = {});
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  Response handle(const Request& req) const;

  // Limits an enterprise token's writes (see RateLimiter); off until called. REQUIRES: called
  // before the handler serves requests.
  void set_write_limit(int per_minute, int burst) { write_limit_ = std::make_unique<RateLimiter>(per_minute, burst); }

  // The write requests `reqs` as one group commit (group_commit.hpp) on one connection of
  // the pool; every request gets 503 UNAVAILABLE when none can be had. Answers in the order
  // of `reqs`.
  std::vector<Response> handle_writes(const std::vector<const Request*>& reqs) const;

  // What handle(req) would do with the database, so the server can run it in the right
  // place: kNone for public routes such as /healthz and for requests that match no route
  // (answered on the network thread), kRead for GETs of store routes (the store pool, many
  // at once), kWrite for every other method on a store route (the store pool, one at a time:
  // SQLite admits one writer, and writers queued behind it would only occupy threads),
  // kOwnWrite for a write route that owns its transactions (an upload: the store pool, on a
  // connection of its own, outside the group commit).
  enum class StoreUse { kNone, kRead, kWrite, kOwnWrite };
  StoreUse store_use(const Request& req) const;

  // The route table, read-only (tests compare it with the OpenAPI document).
  const Router& router() const { return router_; }

 private:
  // handle() on `db` when given, else on a connection of the pool.
  Response handle_on(const Request& req, db::Db* db) const;

  DbPool& pool_;
  Router router_;
  std::unique_ptr<RateLimiter> write_limit_;  // null: no limit
};

}  // namespace chipreg::api
