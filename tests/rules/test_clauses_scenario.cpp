// The other clauses' facts and claims in a scenario: each bad value fails with a stable
// code and its full path; every fact and claim round-trips through its JSON shape; the
// evaluation output carries basis_fen and items[].
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "registry/domain/fact_json.hpp"
#include "rules/clauses_cast.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

Error error_of(const Scenario& s) {
  auto f = json_io::parse_scenario(s.text());
  REQUIRE_FALSE(f.ok());
  return f.error();
}

// One of every new fact, and a claim of every new rule.
Scenario everything() {
  auto s = clauses_scenario();
  s.rd(kEda, 2025, "eda", yuan(12'000'000), yuan(1))
      .signoff(kSignoff, "national", "2024-01-01", json::value("2026-12-31"))
      .contract("K1", kBuyer, kCenter, "2025-03-01", yuan(1'000'000), yuan(1))
      .trade("TR1", kExchange, caller(1), caller(2), "2025-02-01", yuan(300'000))
      .dataset("DS1", kOwner)
      .call("CALL1", "DS1", caller(1), "2025-05-01", yuan(500'000))
      .recognition(kPlatform, "provincial")
      .expense("X1", kPlatform, "2025-02-01", "venue_rent", yuan(2'000'000))
      .event("EV1", kOrganizer, "2025-09-10", json::value("2025-08-31"), yuan(1'500'000))
      .prior(kOwner, "dataset", 2025, 5, "dataset", "DS1")
      .prior(kOrganizer, "event", 2025, 5, "event", "EV1")
      .prior(kEda, "eda_rd", 2025, 5);
  for (const char* rule : {"eda_rd", "eda_purchase", "equipment_rd", "compute", "data_platform", "platform"}) {
    s.claim(std::string("C-") + rule, rule, kBuyer, 2025);
  }
  s.claim("C-dataset", "dataset", kOwner, 2025, "dataset", "DS1")
      .claim("C-event", "event", kOrganizer, 0, "event", "EV1");
  return s;
}

json::object& first(Scenario& s, const char* array) { return s.root[array].as_array()[0].as_object(); }

}  // namespace

TEST_CASE("clauses scenario: every new fact and claim round-trips through its JSON shape") {
  auto s = everything();
  auto f = json_io::parse_scenario(s.text());
  REQUIRE(f.ok());
  CHECK(json_io::to_json(f->rd_declarations.at(0)) == s.root["rd_declarations"].as_array()[0]);
  CHECK(json_io::to_json(f->signoff_participants.at(0)) == s.root["signoff_participants"].as_array()[0]);
  CHECK(json_io::to_json(f->compute_contracts.at(0)) == s.root["compute_contracts"].as_array()[0]);
  CHECK(json_io::to_json(f->data_trades.at(0)) == s.root["data_trades"].as_array()[0]);
  CHECK(json_io::to_json(f->datasets.at(0)) == s.root["datasets"].as_array()[0]);
  CHECK(json_io::to_json(f->dataset_calls.at(0)) == s.root["dataset_calls"].as_array()[0]);
  CHECK(json_io::to_json(f->platform_recognitions.at(0)) == s.root["platform_recognitions"].as_array()[0]);
  CHECK(json_io::to_json(f->platform_expenses.at(0)) == s.root["platform_expenses"].as_array()[0]);
  CHECK(json_io::to_json(f->events.at(0)) == s.root["events"].as_array()[0]);
  const auto& priors = s.root["prior_approvals"].as_array();
  for (std::size_t i = 0; i < priors.size(); ++i) CHECK(json_io::to_json(f->prior_approvals.at(i)) == priors[i]);
  const auto& claims = s.root["claims"].as_array();
  REQUIRE(f->claims.size() == claims.size());
  for (std::size_t i = 0; i < claims.size(); ++i) CHECK(json_io::to_json(f->claims[i]) == claims[i]);
  CHECK(f->products.at(0).kind == ProductKind::kEdaTool);
}

TEST_CASE("clauses scenario: the output of every new rule has basis_fen, and items where the rule counts them") {
  auto out = run(everything());
  REQUIRE(out.size() == 8);
  for (const auto& e : out) {
    auto o = rules::to_json(e);
    INFO(e.id);
    CHECK(o.contains("basis_fen"));
    CHECK(o.contains("items"));
    CHECK(o.at("trace").as_array().size() >= 3);
  }
  auto compute = rules::to_json(out[3]);
  const auto& item = compute.at("items").as_array().at(0).as_object();
  CHECK(item.at("id") == "K1");
  CHECK(item.at("qualifies") == true);
  CHECK(item.at("codes").as_array() == json::array{"VOUCHER_OFFSET"});
  CHECK(item.at("amount_fen") == yuan(1'000'000) - yuan(1));
  CHECK(item.at("voucher_fen") == yuan(1));
  CHECK(rules::to_json(out[7]).at("event") == "EV1");
  CHECK(rules::to_json(out[6]).at("dataset") == "DS1");
  // The first two rules keep their shape: no items.
  auto linkage = run([] {
    auto s = base_scenario();
    s.linkage_claim("L", kOem, 2025, "chip_module");
    return s;
  }());
  CHECK_FALSE(rules::to_json(linkage[0]).contains("items"));
}

TEST_CASE("clauses scenario: bad values fail with their code and full path") {
  struct Case {
    const char* array;
    const char* key;
    json::value value;
    const char* code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"rd_declarations", "field", "cad", "BAD_ENUM", "rd_declarations[0].field"},
      {"rd_declarations", "rd_fen", -1, "BAD_AMOUNT", "rd_declarations[0].rd_fen"},
      {"rd_declarations", "sales_fen", 1.5, "BAD_AMOUNT", "rd_declarations[0].sales_fen"},
      {"rd_declarations", "audit_ref", "", "BAD_VALUE", "rd_declarations[0].audit_ref"},
      {"rd_declarations", "year", 1066, "BAD_VALUE", "rd_declarations[0].year"},
      {"signoff_participants", "level", "county", "BAD_ENUM", "signoff_participants[0].level"},
      {"signoff_participants", "to", "2023-12-31", "BAD_VALUE", "signoff_participants[0].to"},
      {"compute_contracts", "provider", "91330108000000000X", "BAD_USCC", "compute_contracts[0].provider"},
      {"compute_contracts", "voucher_fen", -5, "BAD_AMOUNT", "compute_contracts[0].voucher_fen"},
      {"compute_contracts", "date", "2025-13-01", "BAD_DATE", "compute_contracts[0].date"},
      {"dataset_calls", "dataset", "NOPE", "UNKNOWN_REFERENCE", "dataset_calls[0].dataset"},
      {"dataset_calls", "income_fen", "100", "BAD_TYPE", "dataset_calls[0].income_fen"},
      {"platform_recognitions", "level", "city", "BAD_ENUM", "platform_recognitions[0].level"},
      {"platform_expenses", "kind", "salaries", "BAD_ENUM", "platform_expenses[0].kind"},
      {"events", "start", "2025-02-30", "BAD_DATE", "events[0].start"},
      {"events", "in_district", "yes", "BAD_TYPE", "events[0].in_district"},
      {"events", "venue_rent_fen", nullptr, "MISSING_FIELD", "events[0].venue_rent_fen"},
      {"events", "extra", 1, "UNKNOWN_FIELD", "events[0].extra"},
  };
  for (const auto& c : cases) {
    auto s = everything();
    first(s, c.array)[c.key] = c.value;
    INFO(c.array << "." << c.key);
    auto e = error_of(s);
    CHECK(e.code == c.code);
    CHECK(e.field == c.field);
  }
}

TEST_CASE("clauses scenario: references, duplicates and claim shapes are checked") {
  auto s = everything();
  s.trade("TR1", kExchange, caller(3), caller(4), "2025-02-01", 1);
  auto dup = error_of(s);
  CHECK(dup.code == "DUPLICATE");
  CHECK(dup.field == "data_trades[1].id");

  auto t = everything();
  first(t, "data_trades")["seller"] = uscc(999);
  CHECK(error_of(t).field == "data_trades[0].seller");

  auto same = everything();
  first(same, "data_trades")["seller"] = caller(1);
  CHECK(error_of(same).code == "BAD_VALUE");

  auto no_dataset = everything();
  no_dataset.root["claims"].as_array()[6].as_object().erase("dataset");
  auto nd = error_of(no_dataset);
  CHECK(nd.code == "MISSING_FIELD");
  CHECK(nd.field == "claims[6].dataset");

  auto unknown = everything();
  unknown.root["claims"].as_array()[6].as_object()["dataset"] = "NOPE";
  CHECK(error_of(unknown).field == "claims[6].dataset");

  auto year = everything();
  year.root["claims"].as_array()[7].as_object()["year"] = 2024;
  auto y = error_of(year);
  CHECK(y.code == "BAD_VALUE");
  CHECK(y.field == "claims[7].year");

  auto group = everything();
  group.root["claims"].as_array()[3].as_object()["group"] = "chip_module";
  auto g = error_of(group);
  CHECK(g.code == "UNKNOWN_FIELD");
  CHECK(g.field == "claims[3].group");

  auto no_year = everything();
  no_year.root["claims"].as_array()[3].as_object().erase("year");
  CHECK(error_of(no_year).field == "claims[3].year");

  auto prior = everything();
  prior.root["prior_approvals"].as_array()[1].as_object().erase("event");
  auto p = error_of(prior);
  CHECK(p.code == "MISSING_FIELD");
  CHECK(p.field == "prior_approvals[1].event");

  auto prior_extra = everything();
  prior_extra.root["prior_approvals"].as_array()[2].as_object()["dataset"] = "DS1";
  CHECK(error_of(prior_extra).code == "UNKNOWN_FIELD");
}

TEST_CASE("clauses scenario: the new parameters are checked like the others") {
  auto s = everything();
  s.parameter("equipment_rd.cap_scope", "forever");
  auto e = error_of(s);
  CHECK(e.code == "BAD_PARAMETER");
  CHECK(e.field == "parameters.equipment_rd.cap_scope");
  auto t = everything();
  t.parameter("dataset.more_than_callers", -1);
  CHECK(error_of(t).field == "parameters.dataset.more_than_callers");
  auto ok = everything();
  ok.parameter("dataset.more_than_callers", 0).parameter("data_platform.exclude", "also_affiliated_pairs");
  auto out = run(ok);
  CHECK(out.at(6).eligible);  // one caller > 0
  CHECK(rules::to_json(out.at(0)).at("parameters").at("dataset.count") == "affiliation_groups");
}
