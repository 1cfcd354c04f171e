// The transparency log, readable by anyone (no token):
//   GET /v1/log/checkpoint                       text/plain C2SP signed note
//   GET /v1/log/key                              text/plain note verifier key
//   GET /v1/log/entries/{index}                  {"index", "entry": b64 leaf bytes}
//   GET /v1/log/proof/inclusion?index=I&size=N   {"leaf_hash", "path"}
//   GET /v1/log/proof/consistency?from=M&to=N    {"path"}
// The answers are built by registry/log/store_log.hpp; this file only routes and maps
// BAD_REQUEST to 400, NOT_FOUND to 404 and anything else to 500.
#include "api/routes/common.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response log_error(const Error& e) {
  const int status = e.code == "BAD_REQUEST" ? 400 : e.code == "NOT_FOUND" ? 404 : e.code == "BUSY" ? 503 : 500;
  return error_response(status, e.code, e.message, e.field);
}

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

}  // namespace

void add_log_routes(Router& r, std::shared_ptr<const tlog::NoteSigner> signer) {
  r.add("GET", "/v1/log/checkpoint", Access::kPublicDb, [signer](RouteContext& ctx) {
    if (!signer) return error_response(503, "LOG_KEY_MISSING", "the log key is not loaded");
    auto note = tlog::checkpoint_response(*ctx.db, *signer);
    if (!note) return log_error(note.error());
    return text(std::move(*note));
  });
  r.add("GET", "/v1/log/key", Access::kPublic, [signer](RouteContext&) {
    if (!signer) return error_response(503, "LOG_KEY_MISSING", "the log key is not loaded");
    return text(tlog::key_response(*signer));
  });
  r.add("GET", "/v1/log/entries/{index}", Access::kPublicDb, [](RouteContext& ctx) {
    auto out = tlog::entry_response(*ctx.db, ctx.param("index"));
    if (!out) return log_error(out.error());
    return ok(*out);
  });
  r.add("GET", "/v1/log/proof/inclusion", Access::kPublicDb, [](RouteContext& ctx) {
    auto out = tlog::inclusion_response(*ctx.db, ctx.query_value("index").value_or(""), ctx.query_value("size").value_or(""));
    if (!out) return log_error(out.error());
    return ok(*out);
  });
  r.add("GET", "/v1/log/proof/consistency", Access::kPublicDb, [](RouteContext& ctx) {
    auto out = tlog::consistency_response(*ctx.db, ctx.query_value("from").value_or(""), ctx.query_value("to").value_or(""));
    if (!out) return log_error(out.error());
    return ok(*out);
  });
}

}  // namespace chipreg::api::routes
