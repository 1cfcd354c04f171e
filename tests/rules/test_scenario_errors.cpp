// Bad scenarios fail with a stable code and the full path of the bad value; codecs
// round-trip (from_json(to_json(x)) == x in the scenario shapes).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

Error error_of(const std::string& text) {
  auto f = json_io::parse_scenario(text);
  REQUIRE_FALSE(f.ok());
  return f.error();
}

Scenario with_purchases() {
  Scenario s = base_scenario();
  s.purchase("I", 1, "2025-03-01", kOem, kSupplier, "P1", 100).purchase("I", 2, "2025-03-01", kOem, kSupplier, "P1", 100);
  s.purchase("I", 3, "2025-03-01", kOem, kSupplier, "P1", 100);
  s.linkage_claim("C1", kOem, 2025, "chip_module");
  return s;
}

}  // namespace

TEST_CASE("scenario: a purchase naming an unknown product fails at purchases[2].product") {
  Scenario s = with_purchases();
  s.root["purchases"].as_array()[2].as_object()["product"] = "NOPE";
  auto e = error_of(s.text());
  CHECK(e.code == "UNKNOWN_REFERENCE");
  CHECK(e.field == "purchases[2].product");
}

TEST_CASE("scenario: an impossible date fails with BAD_DATE at its path") {
  Scenario s = with_purchases();
  s.root["purchases"].as_array()[2].as_object()["date"] = "2025-02-29";
  auto e = error_of(s.text());
  CHECK(e.code == "BAD_DATE");
  CHECK(e.field == "purchases[2].date");
}

TEST_CASE("scenario: pct over 100 or zero is BAD_PERCENT, with five decimals BAD_PRECISION") {
  for (json::value pct : {json::value(100.5), json::value(101), json::value(0), json::value(25.00001)}) {
    Scenario s = base_scenario();
    s.equity(kOem, kSupplier, pct);
    auto e = error_of(s.text());
    // Five decimals are refused by the JSON reader itself, before the double rounds them.
    CHECK(e.code == (pct == json::value(25.00001) ? "BAD_PRECISION" : "BAD_PERCENT"));
    CHECK(e.field == "equity[0].pct");
  }
  Scenario ok = base_scenario();
  ok.equity(kOem, kSupplier, 100);
  CHECK(json_io::parse_scenario(ok.text()).ok());
}

TEST_CASE("scenario: negative cost and negative non-red amounts are BAD_AMOUNT, while red lines may be negative") {
  Scenario s = base_scenario();
  s.root["tapeouts"].as_array()[0].as_object()["cost_fen"] = -1;
  auto e = error_of(s.text());
  CHECK(e.code == "BAD_AMOUNT");
  CHECK(e.field == "tapeouts[0].cost_fen");

  Scenario p = base_scenario();
  p.purchase("I", 1, "2025-03-01", kOem, kSupplier, "P1", -5);
  CHECK(error_of(p.text()).field == "purchases[0].amount_fen");

  Scenario red = base_scenario();
  red.purchase("I", 1, "2025-03-01", kOem, kSupplier, "P1", 500, 65)
      .purchase("R", 1, "2025-04-01", kOem, kSupplier, "P1", -500, -65, json::object{{"invoice", "I"}, {"line", 1}});
  CHECK(json_io::parse_scenario(red.text()).ok());
}

TEST_CASE("scenario: money must be an integer of fen, and a string where a number is expected names the field") {
  Scenario s = with_purchases();
  s.root["purchases"].as_array()[1].as_object()["amount_fen"] = 1.5;
  CHECK(error_of(s.text()).code == "BAD_AMOUNT");
  s = with_purchases();
  s.root["purchases"].as_array()[1].as_object()["amount_fen"] = "100";
  auto e = error_of(s.text());
  CHECK(e.code == "BAD_TYPE");
  CHECK(e.field == "purchases[1].amount_fen");
  s = with_purchases();
  s.root["purchases"].as_array()[1].as_object()["amount_fen"] = json::parse("1e30");
  CHECK(error_of(s.text()).code == "BAD_AMOUNT");
}

TEST_CASE("scenario: an unknown rule or group is BAD_ENUM at the claim's path") {
  Scenario s = with_purchases();
  s.root["claims"].as_array()[0].as_object()["rule"] = "eda";
  auto e = error_of(s.text());
  CHECK(e.code == "BAD_ENUM");
  CHECK(e.field == "claims[0].rule");
  s = with_purchases();
  s.root["claims"].as_array()[0].as_object()["group"] = "software";
  CHECK(error_of(s.text()).field == "claims[0].group");
}

TEST_CASE("scenario: unknown fields, bad USCCs, unknown parameters and duplicates are rejected") {
  Scenario s = with_purchases();
  s.root["purchases"].as_array()[0].as_object()["colour"] = "red";
  auto e = error_of(s.text());
  CHECK(e.code == "UNKNOWN_FIELD");
  CHECK(e.field == "purchases[0].colour");

  s = with_purchases();
  std::string bad = kOem;
  bad.back() = bad.back() == '0' ? '1' : '0';
  s.root["enterprises"].as_array()[0].as_object()["uscc"] = bad;
  CHECK(error_of(s.text()).code == "BAD_USCC");

  s = with_purchases();
  s.parameter("linkage.bogus", 1);
  e = error_of(s.text());
  CHECK(e.code == "UNKNOWN_PARAMETER");
  CHECK(e.field == "parameters.linkage.bogus");
  s = with_purchases();
  s.parameter("stacking", "sometimes");
  CHECK(error_of(s.text()).code == "BAD_PARAMETER");

  s = with_purchases();
  s.purchase("I", 1, "2025-03-01", kOem, kSupplier, "P1", 100);
  e = error_of(s.text());
  CHECK(e.code == "DUPLICATE");
  CHECK(e.field == "purchases[3].line");
}

TEST_CASE("scenario: malformed JSON is BAD_JSON with line and column, and deep nesting does not crash") {
  auto e = error_of("{\n  \"enterprises\": [\n    {,}\n  ]\n}");
  CHECK(e.code == "BAD_JSON");
  CHECK(e.line == 3);
  CHECK(e.message.find("line 3, column 6") != std::string::npos);
  CHECK(error_of("{} trailing").code == "BAD_JSON");
  CHECK(error_of(std::string(100000, '[')).code == "BAD_JSON");
  CHECK(error_of("[]").code == "BAD_TYPE");
  CHECK(error_of("{\"claims\": 7}").field == "claims");
}

TEST_CASE("scenario: every fact round-trips through to_json and back") {
  Scenario s = base_scenario();
  s.person("P").person("Q").family("P", "Q", "sibling").equity("P", kOem, 24.99, "2020-01-01", "2030-12-31");
  s.manual(kOem, kSupplier).purchase("I", 1, "2025-03-01", kOem, kSupplier, "P1", 500, 65);
  s.purchase("R", 1, "2025-04-01", kOem, kSupplier, "P1", -500, -65, json::object{{"invoice", "I"}, {"line", 1}});
  s.linkage_claim("C1", kOem, 2025, "chip_module").tapeout_claim("C2", kSupplier, "TO1").other_award("C1", "city", 5);
  s.prior_linkage(kOem, 2025, "chip_module", 7).prior_tapeout(kSupplier, 2024, "small", 9);
  s.root["products"].as_array()[0].as_object()["model"] = "XC-100";
  auto f = json_io::parse_scenario(s.text());
  REQUIRE(f.ok());
  json::object again;
  auto put = [&](const char* key, const auto& items) {
    json::array a;
    for (const auto& x : items) a.push_back(json_io::to_json(x));
    again[key] = a;
  };
  put("enterprises", f->enterprises);
  put("persons", f->persons);
  put("family", f->family);
  put("equity", f->equity);
  put("manual_affiliations", f->manual_affiliations);
  put("products", f->products);
  put("tapeouts", f->tapeouts);
  put("purchases", f->purchases);
  put("other_awards", f->other_awards);
  put("prior_approvals", f->prior_approvals);
  put("claims", f->claims);
  auto g = json_io::scenario_from_json(again);
  REQUIRE(g.ok());
  CHECK(g->equity[0].pct == Rate::units(249'900));
  CHECK(g->equity[0].holder_is_person);
  CHECK(g->purchases[1].reverses->invoice == "I");
  CHECK(g->products[0].model == std::optional<std::string>("XC-100"));
  for (const char* key : {"enterprises", "equity", "products", "tapeouts", "purchases", "prior_approvals", "claims"}) {
    INFO(key);
    CHECK(again[key] == s.root[key]);
  }
}
