// The other clauses' facts (RULES.md "The other clauses of the seed"), in scenario object
// shapes; each answers 201 with the fact as stored. Who may file what:
//   POST /v1/rd-declarations          admin, or the declaring enterprise (`enterprise`)
//   POST /v1/signoff-participants     admin (the bureau records a centre's participants)
//   POST /v1/compute-contracts        admin, or the customer (`customer`)
//   POST /v1/data-trades              admin, or the platform (`platform`)
//   POST /v1/datasets                 admin, or the owner (`owner`)
//   POST /v1/dataset-calls            admin, or the owner of the called dataset
//   POST /v1/platform-recognitions    admin (a recognition is the bureau's record)
//   POST /v1/platform-expenses        admin, or the platform (`enterprise`)
//   POST /v1/events                   admin, or the organizer (`organizer`)
// Another enterprise: 403. Validation is the shared one: fact_json parses each field (400,
// 422 with the field), store/clause_facts.hpp checks references (422 UNKNOWN_ENTERPRISE,
// UNKNOWN_DATASET) and ids (409 DUPLICATE), as `chipreg import` does.
#include <optional>

#include "api/routes/common.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/clause_facts.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

// POST one fact: parse, check that the caller is admin or the enterprise `about(fact)`
// names (nullopt: admin only), insert, audit `action`, answer 201.
template <typename Parse, typename About, typename Insert>
Response post_clause_fact(RouteContext& ctx, const char* action, Parse parse, About about, Insert insert) {
  if (auto deny = require_role(ctx, {"admin", "enterprise"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  auto fact = parse(json::value(*body));
  if (!fact) return error_response(fact.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    if (ctx.caller->role == "enterprise") {
      auto who = about(db, *fact);
      if (!who) return error_response(who.error());
      if (!*who) return forbidden(std::string(action) + ": only an admin records this fact");
      if (!acts_for(*ctx.caller, **who)) {
        return forbidden("an enterprise token files only facts about its own enterprise (" + *ctx.caller->enterprise +
                         ")");
      }
    }
    if (auto st = insert(db, *fact); !st) return error_response(st.error());
    json::object out = json_io::to_json(*fact);
    // The audit subject: the fact's id, else the enterprise it is about.
    std::string subject;
    for (const char* key : {"id", "enterprise"}) {
      const json::value* v = out.if_contains(key);
      if (subject.empty() && v != nullptr && v->is_string()) subject = std::string(v->get_string());
    }
    if (auto st = store::audit(db, actor(*ctx.caller), action, subject, out); !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

// The enterprise a fact is about, for the access check above.
template <typename T>
auto party(const Uscc T::*member) {
  return [member](db::Db&, const T& fact) -> Result<std::optional<std::string>> {
    return std::optional<std::string>((fact.*member).str());
  };
}
template <typename T>
Result<std::optional<std::string>> admin_only(db::Db&, const T&) {
  return std::optional<std::string>();
}

Result<std::optional<std::string>> dataset_owner(db::Db& db, const DatasetCall& c) {
  auto st = db.prepare("SELECT owner FROM datasets WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, c.dataset);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error("UNKNOWN_DATASET", "dataset: unknown dataset '" + c.dataset.substr(0, 80) + "'", "dataset");
  return std::optional<std::string>(st->text(0));
}

}  // namespace

void add_clause_fact_routes(Router& r) {
  r.add("POST", "/v1/rd-declarations", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "rd_declaration.create", json_io::rd_declaration_from_json,
                            party(&RdDeclaration::enterprise), store::insert_rd_declaration);
  });
  r.add("POST", "/v1/signoff-participants", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "signoff_participant.create", json_io::signoff_participant_from_json,
                            admin_only<SignoffParticipant>, store::insert_signoff_participant);
  });
  r.add("POST", "/v1/compute-contracts", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "compute_contract.create", json_io::compute_contract_from_json,
                            party(&ComputeContract::customer), store::insert_compute_contract);
  });
  r.add("POST", "/v1/data-trades", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "data_trade.create", json_io::data_trade_from_json, party(&DataTrade::platform),
                            store::insert_data_trade);
  });
  r.add("POST", "/v1/datasets", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "dataset.create", json_io::dataset_from_json, party(&Dataset::owner),
                            store::insert_dataset);
  });
  r.add("POST", "/v1/dataset-calls", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "dataset_call.create", json_io::dataset_call_from_json, dataset_owner,
                            store::insert_dataset_call);
  });
  r.add("POST", "/v1/platform-recognitions", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "platform_recognition.create", json_io::platform_recognition_from_json,
                            admin_only<PlatformRecognition>, store::insert_platform_recognition);
  });
  r.add("POST", "/v1/platform-expenses", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "platform_expense.create", json_io::platform_expense_from_json,
                            party(&PlatformExpense::enterprise), store::insert_platform_expense);
  });
  r.add("POST", "/v1/events", Access::kToken, [](RouteContext& ctx) {
    return post_clause_fact(ctx, "event.create", json_io::event_from_json, party(&Event::organizer),
                            store::insert_event);
  });
}

}  // namespace chipreg::api::routes
