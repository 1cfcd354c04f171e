// CSV <-> the other clauses' facts, through their scenario objects (clause_csv.hpp).
#include "importers/clause_csv.hpp"

#include <boost/json.hpp>

#include "registry/domain/fact_json.hpp"
#include "registry/store/clause_facts.hpp"

namespace chipreg::importers {

namespace json = boost::json;

namespace {

// How a column's text becomes a JSON value.
enum class Type { kText, kInt, kBool };

struct Column {
  const char* name;
  Type type;
};

const std::vector<Column>& columns_of(ImportKind kind) {
  static const std::vector<Column> kNone;
  static const std::vector<Column> kRd = {{"enterprise", Type::kText}, {"year", Type::kInt},
                                          {"field", Type::kText},      {"rd_fen", Type::kInt},
                                          {"sales_fen", Type::kInt},   {"audit_ref", Type::kText}};
  static const std::vector<Column> kLevelled = {
      {"enterprise", Type::kText}, {"level", Type::kText}, {"from", Type::kText}, {"to", Type::kText}};
  static const std::vector<Column> kContract = {{"id", Type::kText},        {"customer", Type::kText},
                                                {"provider", Type::kText},  {"date", Type::kText},
                                                {"amount_fen", Type::kInt}, {"voucher_fen", Type::kInt}};
  static const std::vector<Column> kTrade = {{"id", Type::kText},    {"platform", Type::kText},
                                             {"buyer", Type::kText}, {"seller", Type::kText},
                                             {"date", Type::kText},  {"amount_fen", Type::kInt}};
  static const std::vector<Column> kDataset = {{"id", Type::kText}, {"owner", Type::kText}};
  static const std::vector<Column> kCall = {{"id", Type::kText},
                                            {"dataset", Type::kText},
                                            {"caller", Type::kText},
                                            {"date", Type::kText},
                                            {"income_fen", Type::kInt}};
  static const std::vector<Column> kExpense = {{"id", Type::kText},
                                               {"enterprise", Type::kText},
                                               {"date", Type::kText},
                                               {"kind", Type::kText},
                                               {"amount_fen", Type::kInt}};
  static const std::vector<Column> kEvent = {{"id", Type::kText},           {"organizer", Type::kText},
                                             {"start", Type::kText},        {"in_district", Type::kBool},
                                             {"focus_area", Type::kText},   {"approval_date", Type::kText},
                                             {"approval_ref", Type::kText}, {"venue_rent_fen", Type::kInt}};
  switch (kind) {
    case ImportKind::kRdDeclarations:
      return kRd;
    case ImportKind::kSignoffParticipants:
    case ImportKind::kPlatformRecognitions:
      return kLevelled;
    case ImportKind::kComputeContracts:
      return kContract;
    case ImportKind::kDataTrades:
      return kTrade;
    case ImportKind::kDatasets:
      return kDataset;
    case ImportKind::kDatasetCalls:
      return kCall;
    case ImportKind::kPlatformExpenses:
      return kExpense;
    case ImportKind::kEvents:
      return kEvent;
    default:
      return kNone;
  }
}

std::string cell_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return json::serialize(v);
}

}  // namespace

bool is_clause_kind(ImportKind kind) { return !columns_of(kind).empty(); }

Result<json::value> clause_row_json(ImportKind kind, const CsvRow& row) {
  json::object o;
  const auto& cols = columns_of(kind);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const std::string_view text = row.cell(i);
    if (text.empty()) continue;  // absent: the parser says whether it may be
    switch (cols[i].type) {
      case Type::kText:
        o[cols[i].name] = text;
        break;
      case Type::kInt: {
        auto n = parse_int64(text, cols[i].name);
        if (!n) return n.error();
        o[cols[i].name] = *n;
        break;
      }
      case Type::kBool:
        if (text != "true" && text != "false" && text != "1" && text != "0") {
          return Error("BAD_TYPE", std::string(cols[i].name) + ": expected true or false", cols[i].name);
        }
        o[cols[i].name] = text == "true" || text == "1";
        break;
    }
  }
  return json::value(std::move(o));
}

Status insert_clause_fact(db::Db& db, ImportKind kind, const json::value& v) {
  auto via = [&](auto parse, auto insert) -> Status {
    auto fact = parse(v);
    if (!fact) return fact.error();
    return insert(db, *fact);
  };
  switch (kind) {
    case ImportKind::kRdDeclarations:
      return via(json_io::rd_declaration_from_json, store::insert_rd_declaration);
    case ImportKind::kSignoffParticipants:
      return via(json_io::signoff_participant_from_json, store::insert_signoff_participant);
    case ImportKind::kComputeContracts:
      return via(json_io::compute_contract_from_json, store::insert_compute_contract);
    case ImportKind::kDataTrades:
      return via(json_io::data_trade_from_json, store::insert_data_trade);
    case ImportKind::kDatasets:
      return via(json_io::dataset_from_json, store::insert_dataset);
    case ImportKind::kDatasetCalls:
      return via(json_io::dataset_call_from_json, store::insert_dataset_call);
    case ImportKind::kPlatformRecognitions:
      return via(json_io::platform_recognition_from_json, store::insert_platform_recognition);
    case ImportKind::kPlatformExpenses:
      return via(json_io::platform_expense_from_json, store::insert_platform_expense);
    case ImportKind::kEvents:
      return via(json_io::event_from_json, store::insert_event);
    default:
      return Error("USAGE", "not a fact kind of the other clauses");
  }
}

Status export_clause_kind(db::Db& db, ImportKind kind, const std::function<void(std::vector<std::string>)>& record) {
  const auto& cols = columns_of(kind);
  auto emit = [&](const auto& fact) {
    const json::object o = json_io::to_json(fact);
    std::vector<std::string> cells;
    for (const auto& c : cols) {
      const json::value* v = o.if_contains(c.name);
      cells.push_back(v ? cell_text(*v) : "");
    }
    record(std::move(cells));
    return Status::Ok();
  };
  switch (kind) {
    case ImportKind::kRdDeclarations:
      return store::for_each_rd_declaration(db, emit);
    case ImportKind::kSignoffParticipants:
      return store::for_each_signoff_participant(db, emit);
    case ImportKind::kComputeContracts:
      return store::for_each_compute_contract(db, emit);
    case ImportKind::kDataTrades:
      return store::for_each_data_trade(db, emit);
    case ImportKind::kDatasets:
      return store::for_each_dataset(db, emit);
    case ImportKind::kDatasetCalls:
      return store::for_each_dataset_call(db, emit);
    case ImportKind::kPlatformRecognitions:
      return store::for_each_platform_recognition(db, emit);
    case ImportKind::kPlatformExpenses:
      return store::for_each_platform_expense(db, emit);
    case ImportKind::kEvents:
      return store::for_each_event(db, emit);
    default:
      return Error("USAGE", "not a fact kind of the other clauses");
  }
}

}  // namespace chipreg::importers
