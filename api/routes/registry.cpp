// The bureau's reference facts, written by admins only (scenario object shapes):
//   POST /v1/enterprises            admin → 201 the enterprise
//   POST /v1/persons                admin → 201 the person
//   POST /v1/family                 admin → 201 {"id", ...the link}
//   POST /v1/equity                 admin → 201 {"id", ...the edge}
//   POST /v1/manual-affiliations    admin → 201 {"id", ...the affiliation}
//   GET  /v1/enterprises/{uscc}     admin, reviewer, or a token of that enterprise (else 404)
//   GET  /v1/persons/{id}           admin, reviewer
// Validation is the shared one: fact_json parses each field, the repository checks
// references and duplicates (409), exactly as `chipreg import` does.
#include "api/routes/common.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/repository.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

// POST a fact: admin only, parse with `parse`, insert with `insert` (which returns a
// Status or a row id), audit `action`, answer 201.
template <typename Parse, typename Insert, typename Subject>
Response post_fact(RouteContext& ctx, const char* action, Parse parse, Insert insert, Subject subject) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  auto fact = parse(json::value(*body));
  if (!fact) return error_response(fact.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto inserted = insert(db, *fact);
    if (!inserted) return error_response(inserted.error());
    json::object out = json_io::to_json(*fact);
    std::string subj;
    if constexpr (std::is_same_v<std::decay_t<decltype(inserted)>, Status>) {
      subj = subject(*fact);
    } else {
      out["id"] = *inserted;
      subj = std::string(action) + "#" + std::to_string(*inserted);
    }
    if (auto st = store::audit(db, actor(*ctx.caller), action, subj, out); !st) return error_response(st.error());
    return created(out);
  });
}

}  // namespace

void add_registry_routes(Router& r) {
  r.add("POST", "/v1/enterprises", Access::kToken, [](RouteContext& ctx) {
    return post_fact(
        ctx, "enterprise.create", json_io::enterprise_from_json,
        [](db::Db& db, const Enterprise& e) { return store::insert_enterprise(db, e); },
        [](const Enterprise& e) { return e.uscc.str(); });
  });
  r.add("POST", "/v1/persons", Access::kToken, [](RouteContext& ctx) {
    return post_fact(
        ctx, "person.create", json_io::person_from_json,
        [](db::Db& db, const Person& p) { return store::insert_person(db, p); },
        [](const Person& p) { return p.id; });
  });
  r.add("POST", "/v1/family", Access::kToken, [](RouteContext& ctx) {
    return post_fact(
        ctx, "family.create", json_io::family_link_from_json,
        [](db::Db& db, const FamilyLink& f) { return store::insert_family_link(db, f); },
        [](const FamilyLink&) { return std::string(); });
  });
  r.add("POST", "/v1/equity", Access::kToken, [](RouteContext& ctx) {
    return post_fact(
        ctx, "equity.create", json_io::equity_from_json,
        [](db::Db& db, const EquityEdge& e) { return store::insert_equity(db, e); },
        [](const EquityEdge&) { return std::string(); });
  });
  r.add("POST", "/v1/manual-affiliations", Access::kToken, [](RouteContext& ctx) {
    return post_fact(
        ctx, "manual_affiliation.create", json_io::manual_affiliation_from_json,
        [](db::Db& db, const ManualAffiliation& m) { return store::insert_manual_affiliation(db, m); },
        [](const ManualAffiliation&) { return std::string(); });
  });

  r.add("GET", "/v1/enterprises/{uscc}", Access::kToken, [](RouteContext& ctx) {
    const auto& who = *ctx.caller;
    const std::string& code = ctx.param("uscc");
    if (!is_bureau(who) && (!who.enterprise || *who.enterprise != code)) return not_found("enterprise " + code);
    auto uscc = Uscc::parse(code);
    if (!uscc) return not_found("enterprise " + code);
    auto e = store::get_enterprise(*ctx.db, *uscc);
    if (!e) return error_response(e.error());
    if (!*e) return not_found("enterprise " + code);
    return ok(json_io::to_json(**e));
  });
  r.add("GET", "/v1/persons/{id}", Access::kToken, [](RouteContext& ctx) {
    if (auto deny = require_role(ctx, {"admin", "reviewer"})) return *deny;
    auto p = store::get_person(*ctx.db, ctx.param("id"));
    if (!p) return error_response(p.error());
    if (!*p) return not_found("person " + ctx.param("id"));
    return ok(json_io::to_json(**p));
  });
}

}  // namespace chipreg::api::routes
