// Objections (异议) and recovery (追回), registry/store/objections.hpp and recoveries.hpp:
//   POST /v1/claims/{id}/objections   the claimant's enterprise token: {"text", "lines"?: [{"invoice",
//                                     "line"}], "reasons"?: ["CODE"], "evidence"?: [{"name", "sha256"}]}
//                                     → 201 the objection; anyone else: 404 as for an unknown claim;
//                                     after the deadline (serve --objection-days, default 15
//                                     days after the decision): 422 OBJECTION_LATE
//   GET  /v1/claims/{id}/objections   the claimant, reviewer, admin: the claim's objections
//   GET  /v1/objections               reviewer, admin: all; an enterprise token: its own.
//                                     ?status=open|answered|rejected, paging ?limit= ?after=
//   GET  /v1/objections/{id}          the claimant, reviewer, admin (else 404)
//   POST /v1/objections/{id}/answer   reviewer: {"answer": "fact_corrected", "note", "fact_log_index"}
//                                     | {"answer": "affiliation_finding", "note", "finding": {"a", "b",
//                                     "from", "to"?, "basis", "affiliated"}} | {"answer": "rejected",
//                                     "note"} → 200 the answered objection (the claim re-evaluated)
//   GET  /v1/recoveries               reviewer, admin: all; an enterprise token: its own.
//                                     ?status=due (default): series with money due;
//                                     ?status=recorded: the recoveries recorded; paging ?limit= ?after=
//   POST /v1/recoveries               reviewer, admin: {"claim", "amount_fen", "date", "reference",
//                                     "note"?} → 201 the recovery (a logged fact)
#include "registry/store/objections.hpp"
#include "api/routes/common.hpp"
#include "api/routes/routes.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/recoveries.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

Error bad(const std::string& field, const std::string& message) { return Error("BAD_TYPE", message, field); }

// Only `allowed` keys: UNKNOWN_FIELD otherwise.
Status only_keys(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto a : allowed) ok |= kv.key() == a;
    if (!ok) {
      return Error("UNKNOWN_FIELD", "unknown field '" + std::string(kv.key()).substr(0, 64) + "'",
                   std::string(kv.key()).substr(0, 64));
    }
  }
  return Status::Ok();
}

const json::array* opt_array(const json::object& o, const char* key, Status& st) {
  auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) {
    st = bad(key, std::string(key) + ": expected an array");
    return nullptr;
  }
  return &v->as_array();
}

Result<store::ObjectionFiling> read_objection(const json::object& o) {
  if (auto s = only_keys(o, {"text", "lines", "reasons", "evidence"}); !s) return s.error();
  store::ObjectionFiling f;
  auto* text = o.if_contains("text");
  if (text == nullptr || text->is_null()) return Error("MISSING_FIELD", "field 'text' is required", "text");
  if (!text->is_string()) return bad("text", "text: expected a string");
  f.text = std::string(text->as_string());
  Status st = Status::Ok();
  if (auto* lines = opt_array(o, "lines", st)) {
    for (std::size_t i = 0; i < lines->size(); ++i) {
      const std::string at = "lines[" + std::to_string(i) + "]";
      const auto* l = (*lines)[i].if_object();
      if (l == nullptr || !l->contains("invoice") || !l->contains("line") || !l->at("invoice").is_string() ||
          !l->at("line").is_int64()) {
        return bad(at, at + ": expected {\"invoice\": string, \"line\": integer}");
      }
      f.lines.push_back({std::string(l->at("invoice").as_string()), l->at("line").as_int64()});
    }
  }
  if (!st) return st.error();
  if (auto* reasons = opt_array(o, "reasons", st)) {
    for (std::size_t i = 0; i < reasons->size(); ++i) {
      if (!(*reasons)[i].is_string())
        return bad("reasons[" + std::to_string(i) + "]", "a reason is its code, a string");
      f.reasons.emplace_back((*reasons)[i].as_string());
    }
  }
  if (!st) return st.error();
  if (auto* evidence = opt_array(o, "evidence", st)) {
    for (std::size_t i = 0; i < evidence->size(); ++i) {
      const std::string at = "evidence[" + std::to_string(i) + "]";
      const auto* e = (*evidence)[i].if_object();
      if (e == nullptr || !e->contains("name") || !e->contains("sha256") || !e->at("name").is_string() ||
          !e->at("sha256").is_string() || e->size() != 2) {
        return bad(at, at + ": expected {\"name\": string, \"sha256\": hex}");
      }
      f.evidence.push_back({std::string(e->at("name").as_string()), std::string(e->at("sha256").as_string())});
    }
  }
  if (!st) return st.error();
  return f;
}

// 404 unless the caller may see objections on a claim of `claimant`.
bool may_see(const RouteContext& ctx, const std::string& claimant) {
  return is_bureau(*ctx.caller) || acts_for(*ctx.caller, claimant);
}

Response list_page(std::vector<store::ObjectionRecord> rows, int limit) {
  return ok(page_of(
      rows, limit, [&](const auto& r) { return store::to_json(r); }, [](const auto& r) { return r.id; }));
}

Response file(RouteContext& ctx, const store::ObjectionPolicy& policy) {
  const std::string& id = ctx.param("id");
  if (auto deny = require_role(ctx, {"enterprise"})) return *deny;
  auto claimant = store::claimant_of(*ctx.db, id);
  if (!claimant) return error_response(claimant.error());
  if (!*claimant || !acts_for(*ctx.caller, **claimant)) return not_found("claim " + id);
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  auto filing = read_objection(*body);
  if (!filing) return error_response(filing.error());
  filing->claim = id;
  filing->claimant = **claimant;
  auto today = Date::parse(db::today_shanghai());
  if (!today) return error_response(today.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto o = store::file_objection(db, *filing, actor(*ctx.caller), policy, *today);
    if (!o) return error_response(o.error());
    return created(store::to_json(*o));
  });
}

Response of_claim(RouteContext& ctx) {
  const std::string& id = ctx.param("id");
  auto claimant = store::claimant_of(*ctx.db, id);
  if (!claimant) return error_response(claimant.error());
  if (!*claimant || !may_see(ctx, **claimant)) return not_found("claim " + id);
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  store::ObjectionFilter f;
  f.claim = id;
  f.after_id = page->after;
  f.limit = page->limit + 1;
  auto rows = store::list_objections(*ctx.db, f);
  if (!rows) return error_response(rows.error());
  return list_page(std::move(*rows), page->limit);
}

Response list(RouteContext& ctx) {
  const auto& who = *ctx.caller;
  if (!is_bureau(who) && who.role != "enterprise") return forbidden("a " + who.role + " token may not list objections");
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  store::ObjectionFilter f;
  f.status = ctx.query_value("status");
  if (f.status && *f.status != "open" && *f.status != "answered" && *f.status != "rejected") {
    return error_response(400, "BAD_QUERY", "status must be open, answered or rejected", "status");
  }
  if (who.role == "enterprise") f.claimant = *who.enterprise;
  f.after_id = page->after;
  f.limit = page->limit + 1;
  auto rows = store::list_objections(*ctx.db, f);
  if (!rows) return error_response(rows.error());
  return list_page(std::move(*rows), page->limit);
}

Response get(RouteContext& ctx) {
  const std::string& id = ctx.param("id");
  auto o = store::get_objection(*ctx.db, id);
  if (!o) return error_response(o.error());
  if (!*o || !may_see(ctx, (*o)->claimant)) return not_found("objection " + id);
  return ok(store::to_json(**o));
}

Response answer(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"reviewer"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  if (auto s = only_keys(*body, {"answer", "note", "fact_log_index", "finding"}); !s) return error_response(s.error());
  FieldReader f(*body);
  auto kind = f.string("answer");
  if (!kind) return error_response(kind.error());
  auto note = f.opt_string("note");
  if (!note) return error_response(note.error());
  auto leaf = f.opt_int64("fact_log_index");
  if (!leaf) return error_response(leaf.error());
  store::ObjectionAnswerInput in;
  auto parsed = store::parse_answer_kind(*kind);
  if (!parsed) return error_response(parsed.error());
  in.kind = *parsed;
  in.note = note->value_or("");
  in.fact_log_index = *leaf;
  if (auto* finding = body->if_contains("finding"); finding && !finding->is_null()) {
    auto m = json_io::manual_affiliation_from_json(*finding);
    if (!m) return error_response(m.error().at("finding"));
    in.finding = *m;
  }
  const std::string& id = ctx.param("id");
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto o = store::answer_objection(db, id, in, actor(*ctx.caller));
    if (!o) return error_response(o.error());
    return ok(store::to_json(*o));
  });
}

Response recoveries(RouteContext& ctx) {
  const auto& who = *ctx.caller;
  if (!is_bureau(who) && who.role != "enterprise") return forbidden("a " + who.role + " token may not list recoveries");
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  std::optional<std::string> claimant;
  if (who.role == "enterprise") claimant = *who.enterprise;
  const std::string status = ctx.query_value("status").value_or("due");
  if (status == "due") {
    auto due = store::list_recoveries_due(*ctx.db, claimant, page->after, page->limit);
    if (!due) return error_response(due.error());
    json::array items;
    for (const auto& d : due->items) items.push_back(store::to_json(d));
    return ok(page_json(std::move(items), due->next));
  }
  if (status != "recorded") return error_response(400, "BAD_QUERY", "status must be due or recorded", "status");
  std::int64_t after = 0;
  if (page->after) {
    auto a = parse_id(*page->after);
    if (!a) return bad_cursor();
    after = *a;
  }
  auto rows = store::list_recoveries(*ctx.db, claimant, after, page->limit + 1);
  if (!rows) return error_response(rows.error());
  return ok(page_of(
      *rows, page->limit, [&](const auto& r) { return store::to_json(r); },
      [](const auto& r) { return std::to_string(r.id); }));
}

Response record(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"reviewer", "admin"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto claim = f.string("claim");
  if (!claim) return error_response(claim.error());
  auto amount = f.int64("amount_fen");
  if (!amount) return error_response(amount.error());
  auto date = f.string("date");
  if (!date) return error_response(date.error());
  auto reference = f.string("reference");
  if (!reference) return error_response(reference.error());
  auto note = f.opt_string("note");
  if (!note) return error_response(note.error());
  if (auto st = f.finish(); !st) return error_response(st.error());
  auto d = Date::parse(*date);
  if (!d) return error_response(d.error().at("date"));
  store::RecoveryInput in{*claim, *amount, *d, *reference, note->value_or("")};
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto r = store::record_recovery(db, in, actor(*ctx.caller));
    if (!r) return error_response(r.error());
    return created(store::to_json(*r));
  });
}

}  // namespace

void add_objection_routes(Router& r, const store::ObjectionPolicy& policy) {
  r.add("POST", "/v1/claims/{id}/objections", Access::kToken,
        [policy](RouteContext& ctx) { return file(ctx, policy); });
  r.add("GET", "/v1/claims/{id}/objections", Access::kToken, of_claim);
  r.add("GET", "/v1/objections", Access::kToken, list);
  r.add("GET", "/v1/objections/{id}", Access::kToken, get);
  r.add("POST", "/v1/objections/{id}/answer", Access::kToken, answer);
  r.add("GET", "/v1/recoveries", Access::kToken, recoveries);
  r.add("POST", "/v1/recoveries", Access::kToken, record);
}

}  // namespace chipreg::api::routes
