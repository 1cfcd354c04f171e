// Handler: authentication, routing and the exception boundary of the HTTP service.
#include "api/handler.hpp"

#include <cctype>
#include <exception>
#include <string>

#include "api/auth.hpp"
#include "api/group_commit.hpp"
#include "api/routes/routes.hpp"
#include "registry/store/audit.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace chipreg::api {

Handler::Handler(DbPool& pool, const Metrics& metrics, std::shared_ptr<const tlog::NoteSigner> log_signer,
                 const HandlerOptions& options)
    : pool_(pool) {
  routes::add_health_routes(router_, metrics);
  routes::add_openapi_routes(router_);
  routes::add_token_routes(router_);
  routes::add_registry_routes(router_);
  routes::add_product_routes(router_);
  routes::add_foundry_key_routes(router_);
  routes::add_tapeout_routes(router_);
  routes::add_purchase_routes(router_);
  routes::add_award_routes(router_);
  routes::add_claim_routes(router_);
  routes::add_objection_routes(router_, options.objections);
  routes::add_notification_routes(router_, options.webhook_urls);
  routes::add_entitlement_routes(router_);
  routes::add_clause_fact_routes(router_);
  routes::add_audit_routes(router_);
  routes::add_list_routes(router_);
  routes::add_import_routes(router_);
  routes::add_web_routes(router_);
  routes::add_log_routes(router_, std::move(log_signer));
}

namespace {

// HEAD is routed as GET (the session drops the body, RFC 9110 §9.3.2).
std::string_view routed_method(const Request& req) { return req.method == "HEAD" ? std::string_view("GET") : req.method; }

// A JSON media type: application/json or application/*+json, parameters allowed
// ("application/json; charset=utf-8"), case-insensitive.
bool is_json_media_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  std::string lower;
  for (char c : ct) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/json") return true;
  return lower.rfind("application/", 0) == 0 && lower.size() > 17 && lower.ends_with("+json");
}

// 503 when the pool cannot open a connection.
Response db_unavailable(const Error& e) { return error_response(503, "UNAVAILABLE", "database unavailable: " + e.message); }

// The audit row of a write the registry refused: who, which route, the status and the
// reason code and field of the answer. Best effort: failing to record it does not change
// the answer the caller gets (which already says nothing was written).
void record_refusal(db::Db& db, const store::TokenInfo& who, const Request& req, const Route& route,
                    const Response& resp) {
  boost::json::object detail{{"method", req.method}, {"route", route.pattern}, {"status", resp.status}};
  boost::system::error_code ec;
  const auto body = boost::json::parse(resp.body, ec);
  if (!ec && body.is_object()) {
    if (const auto* err = body.as_object().if_contains("error"); err != nullptr && err->is_object()) {
      for (const char* key : {"code", "field"}) {
        if (const auto* v = err->as_object().if_contains(key)) detail[key] = *v;
      }
    }
  }
  const std::string path = req.target.substr(0, std::min(req.target.find('?'), std::size_t{200}));
  (void)store::audit(db, actor(who), "refused", path, detail);
}

}  // namespace

Handler::StoreUse Handler::store_use(const Request& req) const {
  std::string_view path = req.target;
  path = path.substr(0, path.find('?'));
  const auto match = router_.match(routed_method(req), path);
  if (match.route == nullptr || match.route->access == Access::kPublic) return StoreUse::kNone;
  if (!match.route->batched) return StoreUse::kOwnWrite;
  return routed_method(req) == "GET" || match.route->reads_only ? StoreUse::kRead : StoreUse::kWrite;
}

Response Handler::handle(const Request& req) const { return handle_on(req, nullptr); }

std::vector<Response> Handler::handle_writes(const std::vector<const Request*>& reqs) const {
  auto lease = pool_.acquire();
  if (!lease) return std::vector<Response>(reqs.size(), db_unavailable(lease.error()));
  db::Db& db = lease->db();
  return group_commit(db, reqs, [this, &db](const Request& req) { return handle_on(req, &db); });
}

Response Handler::handle_on(const Request& req, db::Db* db) const {
  std::string_view target = req.target;
  if (target.empty() || target.front() != '/') {
    return error_response(400, "BAD_REQUEST", "request target must be an absolute path");
  }
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  auto query = parse_query(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (!query) return error_response(400, "BAD_QUERY", "malformed percent-escape or invalid UTF-8 in the query string");

  auto match = router_.match(routed_method(req), path);
  if (match.route == nullptr) {
    if (!match.allow.empty()) {
      Response r = error_response(405, "METHOD_NOT_ALLOWED", req.method + " is not allowed here (allowed: " + match.allow + ")");
      r.headers.emplace_back("Allow", match.allow);
      return r;
    }
    return error_response(404, "NOT_FOUND", "no such endpoint");
  }
  const Route& route = *match.route;
  // Bodies are JSON. No Content-Type is read as JSON; any other type is refused rather than
  // parsed as if it were (RFC 9110 §15.5.16). An upload's body is a file of any type.
  if (!route.file_body && !req.body.empty() && !req.content_type.empty() && !is_json_media_type(req.content_type)) {
    Response r = error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                                "request bodies are JSON (Content-Type: application/json), not '" +
                                    req.content_type.substr(0, 80) + "'");
    r.route = route.pattern;
    return r;
  }

  Response resp;
  try {
    RouteContext ctx{req, std::move(match.params), std::move(*query), std::nullopt, nullptr};
    std::optional<DbPool::Lease> lease;
    if (route.access != Access::kPublic && db != nullptr) {
      ctx.db = db;  // a connection the caller holds (a write batch)
    } else if (route.access != Access::kPublic) {
      auto l = pool_.acquire();
      if (!l) {
        resp = db_unavailable(l.error());
        resp.route = route.pattern;
        return resp;
      }
      lease.emplace(std::move(*l));
      ctx.db = &lease->db();
    }
    if (route.access == Access::kToken) {
      auto who = authenticate(*ctx.db, req.authorization);
      if (!who) {
        resp = error_response(who.error());
        resp.route = route.pattern;
        return resp;
      }
      ctx.caller = std::move(*who);
      if (write_limit_ && ctx.caller->role == "enterprise" && routed_method(req) != "GET") {
        if (const int wait = write_limit_->take(ctx.caller->id, RateLimiter::Clock::now()); wait > 0) {
          resp = error_response(429, "RATE_LIMITED",
                                "too many writes with this token; try again in " + std::to_string(wait) + " s");
          resp.headers.emplace_back("Retry-After", std::to_string(wait));
          resp.route = route.pattern;
          return resp;
        }
      }
    }
    resp = route.fn(ctx);
    // A write refused to a token goes into the audit trail with its reason, in the batch's
    // transaction (the request's own savepoint is already undone). Not for a peer without
    // a token, nor a 429: either would let a caller grow the trail at the request rate.
    if (db != nullptr && ctx.caller && resp.status >= 400 && resp.status < 500 && resp.status != 429) {
      record_refusal(*db, *ctx.caller, req, route, resp);
    }
  } catch (const std::exception& e) {
    resp = error_response(500, "INTERNAL", std::string("internal error: ") + e.what());
  }
  resp.route = route.pattern;
  return resp;
}

}  // namespace chipreg::api
