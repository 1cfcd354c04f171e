// Foundry keys:
//   POST /v1/foundry-keys                 admin  {"foundry", "alg", "public_key_pem", "valid_from", "valid_to"?}
//                                         → 201 {"keyid", ...the key}; the keyid is computed from the key
//   POST /v1/foundry-keys/{keyid}/revoke  admin  {"from": date, "confirm"?: bool} → 200 the key, with
//                                         "affected": {"tapeouts": [ids], "claims": [{"id", "status",
//                                         "rule", "tapeout"}]}: the accepted attestations this revocation
//                                         made untrusted and the submitted or approved claims relying on
//                                         them (store::revocation_impact). Moving an
//                                         existing revocation earlier needs "confirm": true (409
//                                         CONFIRM_REQUIRED otherwise, naming both dates and the impact).
//                                         A date on or after the existing one changes nothing.
//   GET  /v1/foundry-keys/{keyid}/revocation-impact?from=D   admin → {"keyid", "from",
//                                         "revoked_from" (now), "confirm_required", "affected"}:
//                                         what the revoke above would answer, without revoking
//                                         (the web app shows it before the admin confirms)
//   GET  /v1/foundry-keys/{keyid}         any token (public keys are public) → the key
//   GET  /v1/foundry-keys?foundry=USCC    any token → {"items": [...], "next": null}
#include "api/routes/common.hpp"
#include "registry/db/clock.hpp"
#include "registry/store/foundry_keys.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Response create_key(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  for (const char* k : {"foundry", "alg", "public_key_pem", "valid_from"}) {
    if (auto s = f.string(k); !s) return error_response(s.error());
  }
  if (auto s = f.opt_string("valid_to"); !s) return error_response(s.error());
  if (auto st = f.finish(); !st) return error_response(st.error());
  auto reg = store::key_registration_from_json(json::value(*body));
  if (!reg) return error_response(reg.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto keyid = store::register_foundry_key(db, *reg, db::now_utc());
    if (!keyid) return error_response(keyid.error());
    auto key = store::find_foundry_key(db, *keyid);
    if (!key) return error_response(key.error());
    json::object out = *key ? store::to_json(**key) : json::object{{"keyid", *keyid}};
    if (auto st = store::audit(db, actor(*ctx.caller), "foundry_key.register", *keyid,
                               json::object{{"foundry", reg->foundry}, {"alg", reg->alg}});
        !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

Response revoke_key(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto from = f.string("from");
  if (!from) return error_response(from.error());
  auto confirm = f.opt_boolean("confirm");
  if (!confirm) return error_response(confirm.error());
  if (auto st = f.finish(); !st) return error_response(st.error());
  auto date = Date::parse(*from);
  if (!date) return error_response(Error(date.error().code, date.error().message, "from"));
  const std::string& keyid = ctx.param("keyid");
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto impact = store::revoke_with_impact(db, keyid, *date, confirm->value_or(false), actor(*ctx.caller));
    if (!impact) {
      if (impact.error().code == "UNKNOWN_KEY") return not_found("foundry key " + keyid);
      if (impact.error().code == "CONFIRM_REQUIRED") {
        return error_response(409, "CONFIRM_REQUIRED", impact.error().message + " with \"confirm\": true", "confirm");
      }
      return error_response(impact.error());
    }
    auto key = store::find_foundry_key(db, keyid);
    if (!key) return error_response(key.error());
    json::object out = store::to_json(**key);
    out["affected"] = store::to_json(*impact);
    return ok(out);
  });
}

Response revocation_preview(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto from = ctx.query_value("from");
  if (!from) return error_response(400, "BAD_QUERY", "from (YYYY-MM-DD) is required", "from");
  auto date = Date::parse(*from);
  if (!date) return error_response(400, "BAD_QUERY", "from: " + date.error().message, "from");
  auto key = store::find_foundry_key(*ctx.db, ctx.param("keyid"));
  if (!key) return error_response(key.error());
  if (!*key) return not_found("foundry key " + ctx.param("keyid"));
  auto impact = store::revocation_impact(*ctx.db, **key, *date);
  if (!impact) return error_response(impact.error());
  const auto& before = (*key)->revoked_from;
  return ok(json::object{{"keyid", (*key)->keyid},
                         {"from", date->str()},
                         {"revoked_from", before ? json::value(before->str()) : json::value(nullptr)},
                         {"confirm_required", before && *date < *before},
                         {"affected", store::to_json(*impact)}});
}

}  // namespace

void add_foundry_key_routes(Router& r) {
  r.add("POST", "/v1/foundry-keys", Access::kToken, create_key);
  r.add("POST", "/v1/foundry-keys/{keyid}/revoke", Access::kToken, revoke_key);
  r.add("GET", "/v1/foundry-keys/{keyid}/revocation-impact", Access::kToken, revocation_preview);
  r.add("GET", "/v1/foundry-keys/{keyid}", Access::kToken, [](RouteContext& ctx) {
    auto key = store::find_foundry_key(*ctx.db, ctx.param("keyid"));
    if (!key) return error_response(key.error());
    if (!*key) return not_found("foundry key " + ctx.param("keyid"));
    return ok(store::to_json(**key));
  });
  r.add("GET", "/v1/foundry-keys", Access::kToken, [](RouteContext& ctx) {
    Result<std::vector<store::FoundryKey>> keys = std::vector<store::FoundryKey>();
    if (auto foundry = ctx.query_value("foundry")) {
      auto uscc = Uscc::parse(*foundry);
      if (!uscc) return error_response(400, "BAD_QUERY", "foundry must be a USCC", "foundry");
      keys = store::foundry_keys_of(*ctx.db, *uscc);
    } else {
      keys = store::all_foundry_keys(*ctx.db);
    }
    if (!keys) return error_response(keys.error());
    json::array items;
    for (const auto& k : *keys) items.push_back(store::to_json(k));
    return ok(page_json(std::move(items), std::nullopt));
  });
}

}  // namespace chipreg::api::routes
