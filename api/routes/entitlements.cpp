// 免申即享 (store/entitlements.hpp): what the registry found each enterprise's facts qualify
// for, filing from it, and the bureau's automatic filing.
//   GET  /v1/entitlements?year=Y      reviewer, admin: all; an enterprise token: its own only
//                                     (?enterprise= naming another: 403); a foundry: 403.
//                                     Filters ?enterprise= ?rule= ?claimed=true|false (false: owed,
//                                     award_fen > 0, and not claimed: the reviewer's list)
//                                     ?eligible=true (default) | false | all; paging ?limit= ?after=
//                                     → {"items": [entitlement...], "next"}
//   POST /v1/entitlements/file        an enterprise token: {"year", "rule", "group"? | "tapeout"? |
//                                     "dataset"? | "event"?} names one of its entitlements → 201 the
//                                     claim, filed as POST /v1/claims would (same review); 404 when the
//                                     job found no such entitlement, 422 NOT_ENTITLED when it owes
//                                     nothing, 409 when it is already claimed
//   GET  /v1/entitlements/auto-filing reviewer, admin → {"items": [{"rule", "enabled", "set_by", "set_at"}]}
//   POST /v1/entitlements/auto-filing admin {"rule", "enabled"} → 200 the setting (audited); the job
//                                     then files that rule's owed, unclaimed entitlements itself,
//                                     marked "proactive": true
#include "registry/store/entitlements.hpp"
#include "api/routes/common.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Result<std::optional<bool>> query_bool(const RouteContext& ctx, const std::string& name, bool allow_all) {
  auto v = ctx.query_value(name);
  if (!v) return std::optional<bool>();
  if (*v == "true") return std::optional<bool>(true);
  if (*v == "false") return std::optional<bool>(false);
  if (allow_all && *v == "all") return std::optional<bool>();
  return Error("BAD_QUERY", name + " must be true or false" + std::string(allow_all ? " or all" : ""), name);
}

Response list(RouteContext& ctx) {
  const auto& who = *ctx.caller;
  if (!is_bureau(who) && who.role != "enterprise")
    return forbidden("a " + who.role + " token may not list entitlements");
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  auto year = query_int(ctx, "year");
  if (!year) return error_response(year.error());
  if (!*year) return error_response(400, "BAD_QUERY", "year is required: ?year=Y", "year");
  if (**year < 1900 || **year > 9999) return error_response(400, "BAD_QUERY", "year must be 1900..9999", "year");
  store::EntitlementFilter f;
  f.year = static_cast<int>(**year);
  f.limit = page->limit + 1;
  f.after = page->after;
  f.enterprise = ctx.query_value("enterprise");
  if (who.role == "enterprise") {
    if (f.enterprise && *f.enterprise != *who.enterprise)
      return forbidden("an enterprise token lists only its own entitlements");
    f.enterprise = *who.enterprise;
  }
  if (auto rule = ctx.query_value("rule")) {
    auto r = parse_enum<RuleId>(*rule);
    if (!r) return error_response(400, "BAD_QUERY", r.error().message, "rule");
    f.rule = *r;
  }
  auto claimed = query_bool(ctx, "claimed", false);
  if (!claimed) return error_response(claimed.error());
  f.claimed = *claimed;
  auto eligible = query_bool(ctx, "eligible", true);
  if (!eligible) return error_response(eligible.error());
  f.eligible = ctx.query_value("eligible") ? *eligible : std::optional<bool>(true);
  auto rows = store::list_entitlements(*ctx.db, f);
  if (!rows) return rows.error().code == "BAD_CURSOR" ? bad_cursor() : error_response(rows.error());
  return ok(page_of(
      *rows, page->limit, [&](const auto& r) { return store::to_json(r); },
      [](const auto& r) { return store::cursor_of(r); }));
}

Response file(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"enterprise"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto year = f.int64("year");
  if (!year) return error_response(year.error());
  auto rule = f.string("rule");
  if (!rule) return error_response(rule.error());
  std::optional<std::string> subject;
  for (const char* name : {"group", "tapeout", "dataset", "event"}) {
    auto v = f.opt_string(name);
    if (!v) return error_response(v.error());
    if (*v) {
      if (subject) return error_response(422, "BAD_VALUE", "an entitlement names one series", name);
      subject = **v;
    }
  }
  if (auto st = f.finish(); !st) return error_response(st.error());
  auto r = parse_enum<RuleId>(*rule);
  if (!r) return error_response(r.error().at("rule"));
  if (*year < 1900 || *year > 9999) return error_response(422, "BAD_VALUE", "year must be 1900..9999", "year");
  store::EntitlementKey key{static_cast<int>(*year), *ctx.caller->enterprise, *r, subject.value_or("")};
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto claim = store::file_entitlement(db, key, actor(*ctx.caller), /*proactive=*/false);
    if (!claim) return error_response(claim.error());
    Response resp;
    resp.status = 201;
    resp.body = store::to_json_text(*claim);
    return resp;
  });
}

json::object auto_json(const store::AutoFiling& a) {
  return json::object{{"rule", to_string(a.rule)}, {"enabled", a.enabled}, {"set_by", a.set_by}, {"set_at", a.set_at}};
}

Response auto_list(RouteContext& ctx) {
  if (!is_bureau(*ctx.caller)) return forbidden("the automatic-filing settings are the bureau's");
  auto all = store::auto_filing_rules(*ctx.db);
  if (!all) return error_response(all.error());
  json::array items;
  for (const auto& a : *all) items.push_back(auto_json(a));
  return ok(json::object{{"items", std::move(items)}});
}

Response auto_set(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto rule = f.string("rule");
  if (!rule) return error_response(rule.error());
  auto enabled = f.boolean("enabled");
  if (!enabled) return error_response(enabled.error());
  if (auto st = f.finish(); !st) return error_response(st.error());
  auto r = parse_enum<RuleId>(*rule);
  if (!r) return error_response(r.error().at("rule"));
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto a = store::set_auto_filing(db, *r, *enabled, actor(*ctx.caller));
    if (!a) return error_response(a.error());
    return ok(auto_json(*a));
  });
}

}  // namespace

void add_entitlement_routes(Router& r) {
  r.add("GET", "/v1/entitlements", Access::kToken, list);
  r.add("POST", "/v1/entitlements/file", Access::kToken, file);
  r.add("GET", "/v1/entitlements/auto-filing", Access::kToken, auto_list);
  r.add("POST", "/v1/entitlements/auto-filing", Access::kToken, auto_set);
}

}  // namespace chipreg::api::routes
