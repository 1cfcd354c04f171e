// A reviewer's finding of non-affiliation (异议, registry/rules/affiliation.hpp): it decides
// before every holding on the days it covers, only on those days, and a scenario carries it
// as a manual affiliation with "affiliated": false.
#include <catch2/catch.hpp>

#include "registry/rules/affiliation.hpp"
#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

Scenario with_finding(const std::string& from, json::value to) {
  Scenario s = base_scenario();
  s.equity(kOem, kSupplier, 30);  // L6-like: the registry shows the OEM holding 30%
  s.arr("manual_affiliations")
      .push_back(json::object{{"a", kOem}, {"b", kSupplier}, {"from", from}, {"to", to},
                              {"basis", "股权已于2024-12-31转让"}, {"affiliated", false}});
  return s;
}

}  // namespace

TEST_CASE("non-affiliation: a finding overrides the holdings only on the days it covers") {
  auto f = json_io::parse_scenario(with_finding("2025-01-01", "2025-06-30").text());
  REQUIRE(f);
  affiliation::Graph g(*f);
  const Rate t = Rate::percent(25);
  auto inside = g.affiliated(kOem, kSupplier, Date::ymd(2025, 3, 1), t);
  CHECK_FALSE(inside.affiliated);
  CHECK(inside.basis == affiliation::Basis::kFoundNotAffiliated);
  CHECK(inside.proof.find("股权已于2024-12-31转让") != std::string::npos);
  CHECK(inside.chain.at(0).at("not_affiliated").as_string() == "股权已于2024-12-31转让");
  // The last day is included; the next day the holding decides again, as before the first.
  CHECK_FALSE(g.affiliated(kSupplier, kOem, Date::ymd(2025, 6, 30), t).affiliated);
  CHECK(g.affiliated(kOem, kSupplier, Date::ymd(2025, 7, 1), t).affiliated);
  CHECK(g.affiliated(kOem, kSupplier, Date::ymd(2024, 12, 31), t).affiliated);
  // The whole-graph oracle agrees.
  CHECK_FALSE(g.affiliated_reference(kOem, kSupplier, Date::ymd(2025, 3, 1), t).affiliated);
  CHECK(g.affiliated_reference(kOem, kSupplier, Date::ymd(2025, 7, 1), t).affiliated);
}

TEST_CASE("non-affiliation: an AFFILIATED line qualifies under a finding, and the award is exact") {
  Scenario s = with_finding("2025-01-01", nullptr);
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "M1", yuan(4'000'000));
  s.arr("claims").push_back(json::object{{"id", "C1"}, {"rule", "linkage"}, {"claimant", kOem}, {"year", 2025},
                                         {"group", "chip_module"}});
  auto e = run(s);
  REQUIRE(e.size() == 1);
  CHECK(e[0].eligible);
  CHECK(e[0].award.fen() == yuan(1'200'000));
  // Without the finding the same line is AFFILIATED (L6).
  Scenario plain = base_scenario();
  plain.equity(kOem, kSupplier, 30).purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "M1", yuan(4'000'000));
  plain.arr("claims").push_back(json::object{{"id", "C1"}, {"rule", "linkage"}, {"claimant", kOem}, {"year", 2025},
                                             {"group", "chip_module"}});
  auto p = run(plain);
  CHECK_FALSE(p[0].eligible);
  CHECK(p[0].award.fen() == 0);
}

TEST_CASE("non-affiliation: the scenario field round-trips, and is absent for an affiliation") {
  auto f = json_io::parse_scenario(with_finding("2025-01-01", nullptr).text());
  REQUIRE(f);
  REQUIRE(f->manual_affiliations.size() == 1);
  CHECK_FALSE(f->manual_affiliations[0].affiliated);
  auto out = json_io::to_scenario_json(*f);
  CHECK(out.at("manual_affiliations").at(0).at("affiliated") == json::value(false));
  ManualAffiliation m = f->manual_affiliations[0];
  m.affiliated = true;
  CHECK_FALSE(json_io::to_json(m).contains("affiliated"));
  Scenario bad = base_scenario();
  bad.arr("manual_affiliations")
      .push_back(json::object{{"a", kOem}, {"b", kSupplier}, {"from", "2025-01-01"}, {"to", nullptr}, {"basis", "x"},
                              {"affiliated", "no"}});
  auto refused = json_io::parse_scenario(bad.text());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "BAD_TYPE");
}
