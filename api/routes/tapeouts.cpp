// Signed tape-out attestations:
//   POST /v1/tapeouts        foundry token; the body is the DSSE envelope, signed with a key
//                            registered for the token's foundry → 201 {"id", "first", "log_index", ...}
//                            (checks and error codes: registry/store/tapeouts.hpp; a statement
//                            for another foundry or signed by its key: 403 WRONG_FOUNDRY;
//                            bad signature, unknown key: 422; same statement again: 409)
//   GET  /v1/tapeouts/{id}   admin, reviewer, the foundry, the design owner or the product's
//                            owner (else 404) → the attestation with its envelope
#include "api/routes/common.hpp"
#include "registry/db/clock.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response submit(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"foundry"})) return *deny;
  auto submitter = Uscc::parse(ctx.caller->enterprise.value_or(""));
  if (!submitter) return error_response(submitter.error());
  // Malformed JSON is the request's shape (400) before it is an envelope's content.
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto accepted = store::submit_tapeout(db, ctx.req.body, *submitter, db::now_utc());
    if (!accepted) return error_response(accepted.error());
    json::object out = store::to_json(*accepted);
    if (auto st = store::audit(db, actor(*ctx.caller), "tapeout.submit", accepted->id, out); !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

Response get(RouteContext& ctx) {
  auto rec = store::find_tapeout(*ctx.db, ctx.param("id"));
  if (!rec) return error_response(rec.error());
  if (!*rec) return not_found("tape-out " + ctx.param("id"));
  auto visible = may_read_tapeout(ctx, **rec);
  if (!visible) return error_response(visible.error());
  if (!*visible) return not_found("tape-out " + ctx.param("id"));
  return ok(store::to_json(**rec));
}

}  // namespace

Result<bool> may_read_tapeout(RouteContext& ctx, const store::TapeoutRecord& r) {
  const auto& who = *ctx.caller;
  if (is_bureau(who)) return true;
  if (!who.enterprise) return false;
  const std::string& mine = *who.enterprise;
  return r.fact.foundry.str() == mine || r.fact.design_owner.str() == mine || r.product_owner == mine;
}

void add_tapeout_routes(Router& r) {
  r.add("POST", "/v1/tapeouts", Access::kToken, submit);
  r.add("GET", "/v1/tapeouts/{id}", Access::kToken, get);
}

}  // namespace chipreg::api::routes
