// Tokens:
//   POST /v1/tokens              admin   {"role", "enterprise"?, "label"?} → 201 {"token", "id", "role", "enterprise"}
//   POST /v1/tokens/{id}/revoke  admin   → 200 {"id", "revoked": true}; 404 if no live token has that id
//   GET  /v1/whoami              anyone with a token → {"id", "role", "enterprise"}
// A foundry token must name an enterprise registered with the foundry role; an enterprise
// token any registered enterprise; admin and reviewer tokens none.
#include "api/routes/common.hpp"
#include "registry/store/tokens.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response create_token(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto role = f.string("role");
  if (!role) return error_response(role.error());
  auto enterprise = f.opt_string("enterprise");
  if (!enterprise) return error_response(enterprise.error());
  auto label = f.opt_string("label");
  if (!label) return error_response(label.error());
  if (auto st = f.finish(); !st) return error_response(st.error());

  db::Db& db = *ctx.db;
  if (auto st = store::check_token_grant(db, *role, *enterprise); !st) return error_response(st.error());
  return in_transaction(db, [&] {
    auto token = store::create_token(db, *role, *enterprise, label->value_or(""));
    if (!token) return error_response(token.error());
    const std::int64_t id = db.last_insert_rowid();
    json::object detail{{"role", *role}};
    if (*enterprise) detail["enterprise"] = **enterprise;
    if (auto st = store::audit(db, actor(*ctx.caller), "token.create", std::to_string(id), detail); !st) {
      return error_response(st.error());
    }
    json::object out{{"token", *token}, {"id", id}, {"role", *role}};
    out["enterprise"] = *enterprise ? json::value(**enterprise) : json::value(nullptr);
    return created(out);
  });
}

Response revoke_token(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto id = parse_id(ctx.param("id"));
  if (!id) return not_found("token");
  if (!ctx.req.body.empty()) {
    auto body = parse_object(ctx.req.body);
    if (!body) return error_response(body.error());
    if (auto st = FieldReader(*body).finish(); !st) return error_response(st.error());
  }
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto done = store::revoke_token(db, *id);
    if (!done) return error_response(done.error());
    if (!*done) return not_found("live token " + std::to_string(*id));
    if (auto st = store::audit(db, actor(*ctx.caller), "token.revoke", std::to_string(*id)); !st) {
      return error_response(st.error());
    }
    return ok(json::object{{"id", *id}, {"revoked", true}});
  });
}

}  // namespace

void add_token_routes(Router& r) {
  r.add("POST", "/v1/tokens", Access::kToken, create_token);
  r.add("POST", "/v1/tokens/{id}/revoke", Access::kToken, revoke_token);
  r.add("GET", "/v1/whoami", Access::kToken, [](RouteContext& ctx) {
    const auto& who = *ctx.caller;
    json::object out{{"id", who.id}, {"role", who.role}};
    out["enterprise"] = who.enterprise ? json::value(*who.enterprise) : json::value(nullptr);
    return ok(out);
  });
}

}  // namespace chipreg::api::routes
