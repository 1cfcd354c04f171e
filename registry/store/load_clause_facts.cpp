// load_clause_facts: the rows of migration 6 that one claim of the other clauses needs,
// each query on the index made for it (schema.cpp).
#include "registry/store/load_clause_facts.hpp"

#include <boost/json.hpp>

#include <string>

#include "registry/domain/fact_json.hpp"

namespace chipreg::store {

namespace json = boost::json;

namespace {

// Runs `sql` with `bind` and appends each row's fact (column 0, canonical JSON) to `out`.
template <typename T, typename Parse, typename Bind>
Status load(Db& db, const char* sql, const char* table, Parse parse, Bind bind, std::vector<T>& out) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  bind(*st);
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    boost::system::error_code ec;
    json::value v = json::parse(st->text(0), ec);
    if (ec) return Error("CORRUPT_ROW", std::string(table) + ": a stored fact is not JSON");
    auto fact = parse(v);
    if (!fact) return Error("CORRUPT_ROW", std::string(table) + ": " + fact.error().message);
    out.push_back(std::move(*fact));
  }
}

std::string first_day(int year) { return std::to_string(year) + "-01-01"; }
std::string last_day(int year) { return std::to_string(year) + "-12-31"; }

}  // namespace

Status load_clause_facts(Db& db, const ClaimRequest& claim, Facts& f) {
  const std::string e = claim.claimant.str();
  const int y = claim.year;
  auto in_year = [&](Stmt& s) { s.bind(1, e).bind(2, first_day(y)).bind(3, last_day(y)); };
  switch (claim.rule) {
    case RuleId::kLinkage:
    case RuleId::kTapeout:
      return Status::Ok();
    case RuleId::kEdaRd:
    case RuleId::kEquipmentRd: {
      const char* field = claim.rule == RuleId::kEdaRd ? "eda" : "equipment_material";
      return load(
          db, "SELECT fact FROM rd_declarations WHERE enterprise = ? AND year = ? AND field = ? ORDER BY id",
          "rd_declarations", json_io::rd_declaration_from_json,
          [&](Stmt& s) { s.bind(1, e).bind(2, y).bind(3, field); }, f.rd_declarations);
    }
    case RuleId::kEdaPurchase:
      return load(db,
                  "SELECT s.fact FROM signoff_participants s WHERE s.enterprise IN "
                  "(SELECT DISTINCT pr.owner FROM purchases pu JOIN products pr ON pr.owner = pu.product_owner AND pr.id = pu.product "
                  " WHERE pu.buyer = ? AND pu.date BETWEEN ? AND ? AND pr.kind = 'eda_tool') ORDER BY s.id",
                  "signoff_participants", json_io::signoff_participant_from_json, in_year, f.signoff_participants);
    case RuleId::kCompute:
      return load(db,
                  "SELECT fact FROM compute_contracts WHERE customer = ? AND date BETWEEN ? AND ? ORDER BY date, id",
                  "compute_contracts", json_io::compute_contract_from_json, in_year, f.compute_contracts);
    case RuleId::kDataPlatform:
      return load(db, "SELECT fact FROM data_trades WHERE platform = ? AND date BETWEEN ? AND ? ORDER BY date, id",
                  "data_trades", json_io::data_trade_from_json, in_year, f.data_trades);
    case RuleId::kDataset: {
      const std::string id = claim.dataset.value_or("");
      auto by_id = [&](Stmt& s) { s.bind(1, id); };
      if (auto s = load(db, "SELECT fact FROM datasets WHERE id = ?", "datasets", json_io::dataset_from_json, by_id,
                        f.datasets);
          !s) {
        return s;
      }
      return load(
          db, "SELECT fact FROM dataset_calls WHERE dataset = ? AND date BETWEEN ? AND ? ORDER BY date, id",
          "dataset_calls", json_io::dataset_call_from_json,
          [&](Stmt& s) { s.bind(1, id).bind(2, first_day(y)).bind(3, last_day(y)); }, f.dataset_calls);
    }
    case RuleId::kPlatform:
      if (auto s = load(
              db, "SELECT fact FROM platform_recognitions WHERE enterprise = ? ORDER BY id", "platform_recognitions",
              json_io::platform_recognition_from_json, [&](Stmt& st) { st.bind(1, e); }, f.platform_recognitions);
          !s) {
        return s;
      }
      return load(db, "SELECT fact FROM platform_expenses WHERE enterprise = ? AND date BETWEEN ? AND ? ORDER BY row",
                  "platform_expenses", json_io::platform_expense_from_json, in_year, f.platform_expenses);
    case RuleId::kEvent:
      return load(
          db, "SELECT fact FROM events WHERE id = ?", "events", json_io::event_from_json,
          [&](Stmt& s) { s.bind(1, claim.event.value_or("")); }, f.events);
  }
  return Status::Ok();
}

}  // namespace chipreg::store
