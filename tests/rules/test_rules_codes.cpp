// Each reason code of RULES.md, boundaries on both sides, red-letter netting, amount
// bases, cumulative caps and stacking.
#include <catch2/catch.hpp>

#include <algorithm>

#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

bool line_has(const rules::ClaimEvaluation& e, std::size_t i, const std::string& code) {
  const auto& c = e.lines.at(i).codes;
  return std::find(c.begin(), c.end(), code) != c.end();
}

rules::ClaimEvaluation one_line(Scenario s, const std::string& date = "2025-03-01", const std::string& product = "P1",
                                std::int64_t amount = yuan(3'200'000)) {
  s.purchase("INV1", 1, date, kOem, kSupplier, product, amount);
  s.linkage_claim("C1", kOem, product == "D1" ? 2025 : std::stoi(date.substr(0, 4)),
                  product == "D1" ? "device_material" : "chip_module");
  return run(s).at(0);
}

}  // namespace

TEST_CASE("linkage: a claimant that is not an OEM or system integrator is CLAIMANT_NOT_OEM") {
  Scenario s;
  s.enterprise(kOem, "A", {"other"}, false).enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 1);
  auto e = one_line(s);
  CHECK(e.has_reason("CLAIMANT_NOT_OEM"));
  CHECK(e.has_reason("CLAIMANT_NOT_IN_DISTRICT"));
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.qualifying->fen() == yuan(3'200'000));
}

TEST_CASE("linkage: a system integrator may claim") {
  Scenario s;
  s.enterprise(kOem, "A", {"system_integrator"}).enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 1);
  CHECK(one_line(s).award.fen() == yuan(960'000));
}

TEST_CASE("linkage: a supplier that is not an IC enterprise is SUPPLIER_NOT_IC_ENTERPRISE") {
  Scenario s = base_scenario();
  s.root["enterprises"].as_array()[1].as_object()["roles"] = json::array{"other"};
  auto e = one_line(s);
  CHECK(line_has(e, 0, "SUPPLIER_NOT_IC_ENTERPRISE"));
  CHECK(e.has_reason("SUPPLIER_NOT_IC_ENTERPRISE"));
}

TEST_CASE("linkage: a product the seller does not own is PRODUCT_NOT_OWNED_BY_SUPPLIER") {
  Scenario s = base_scenario();
  s.enterprise(uscc(9), "C", {"ic_design"}).product("PX", "module", uscc(9));
  CHECK(line_has(one_line(s, "2025-03-01", "PX"), 0, "PRODUCT_NOT_OWNED_BY_SUPPLIER"));
}

TEST_CASE("linkage: NOT_SELF_DEVELOPED, NO_FIRST_MARKET_DATE") {
  Scenario s = base_scenario();
  s.product("PN", "module", kSupplier, "2025-01-10", false).product("PD", "module", kSupplier, nullptr);
  CHECK(line_has(one_line(s, "2025-03-01", "PN"), 0, "NOT_SELF_DEVELOPED"));
  Scenario s2 = base_scenario();
  s2.product("PD", "module", kSupplier, nullptr);
  CHECK(line_has(one_line(s2, "2025-03-01", "PD"), 0, "NO_FIRST_MARKET_DATE"));
}

TEST_CASE("linkage: the 36-month window includes the day 36 months later and excludes the day after") {
  Scenario s = base_scenario();
  s.product("PW", "module", kSupplier, "2025-01-10");
  CHECK(one_line(s, "2028-01-10", "PW").lines.at(0).qualifies);
  Scenario s2 = base_scenario();
  s2.product("PW", "module", kSupplier, "2025-01-10");
  CHECK(line_has(one_line(s2, "2028-01-11", "PW"), 0, "NOT_FIRST_LISTED"));
  Scenario s3 = base_scenario();
  s3.product("PW", "module", kSupplier, "2025-01-10");
  CHECK(line_has(one_line(s3, "2025-01-09", "PW"), 0, "NOT_FIRST_LISTED"));
  Scenario s4 = base_scenario();
  s4.product("PW", "module", kSupplier, "2025-01-10");
  CHECK(one_line(s4, "2025-01-10", "PW").lines.at(0).qualifies);
}

TEST_CASE("linkage: a tape-out after the first market date is TAPEOUT_AFTER_MARKET") {
  Scenario s;
  s.enterprise(kOem, "A", {"oem"}).enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2025-01-11", 1);
  CHECK(line_has(one_line(s), 0, "TAPEOUT_AFTER_MARKET"));
}

TEST_CASE("linkage: a tape-out by an enterprise that is not a registered foundry does not count") {
  Scenario s;
  s.enterprise(kOem, "A", {"oem"}).enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"other"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 1);
  CHECK(line_has(one_line(s), 0, "CHIP_WITHOUT_TAPEOUT"));
}

TEST_CASE("linkage: lines before the policy's effective date are POLICY_NOT_IN_FORCE") {
  Scenario s = base_scenario();
  s.product("PO", "module", kSupplier, "2024-01-10");
  s.purchase("I", 1, "2024-06-24", kOem, kSupplier, "PO", yuan(3'000'000))
      .purchase("I", 2, "2024-06-25", kOem, kSupplier, "PO", yuan(3'000'000));
  s.linkage_claim("C1", kOem, 2024, "chip_module");
  auto e = run(s).at(0);
  CHECK(line_has(e, 0, "POLICY_NOT_IN_FORCE"));
  CHECK(e.lines.at(1).qualifies);
  CHECK(e.award.fen() == yuan(900'000));
}

TEST_CASE("linkage: a line counted in another claim is ALREADY_CLAIMED") {
  Scenario s = base_scenario();
  s.root["claimed_lines"] = json::array{json::object{{"invoice", "INV1"}, {"line", 1}}};
  auto e = one_line(s);
  CHECK(line_has(e, 0, "ALREADY_CLAIMED"));
  CHECK(e.award.fen() == 0);
}

TEST_CASE("linkage: the chip threshold is inclusive: 3,000,000.00 qualifies, one fen less does not") {
  Scenario s = base_scenario();
  auto at = one_line(s, "2025-03-01", "P1", yuan(3'000'000));
  CHECK(at.eligible);
  CHECK(at.award.fen() == yuan(900'000));
  Scenario s2 = base_scenario();
  auto below = one_line(s2, "2025-03-01", "P1", yuan(3'000'000) - 1);
  CHECK_FALSE(below.eligible);
  CHECK(below.has_reason("BELOW_THRESHOLD"));
}

TEST_CASE("linkage: awards round down to the fen") {
  Scenario s = base_scenario();
  auto e = one_line(s, "2025-03-01", "P1", yuan(3'000'000) + 1);  // 30% of 300000001 fen = 90000000.3
  CHECK(e.award.fen() == 90'000'000);
}

TEST_CASE("linkage: amount basis tax_inclusive by default, tax_exclusive by parameter") {
  Scenario s = base_scenario();
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(2'700'000), yuan(351'000));
  s.linkage_claim("C1", kOem, 2025, "chip_module");
  auto inc = run(s).at(0);
  CHECK(inc.qualifying->fen() == yuan(3'051'000));
  CHECK(inc.award.fen() == yuan(915'300));
  s.parameter("linkage.amount_basis", "tax_exclusive");
  auto exc = run(s).at(0);
  CHECK(exc.qualifying->fen() == yuan(2'700'000));
  CHECK(exc.has_reason("BELOW_THRESHOLD"));
  CHECK(exc.trace.at(0).find("linkage.amount_basis") != std::string::npos);
}

TEST_CASE("linkage: red-letter invoice nets against the line it reverses") {
  Scenario s = base_scenario();
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(3'500'000))
      .purchase("RED1", 1, "2026-01-15", kOem, kSupplier, "P1", -yuan(600'000), 0,
                json::object{{"invoice", "INV1"}, {"line", 1}});
  s.linkage_claim("C1", kOem, 2025, "chip_module").linkage_claim("C2", kOem, 2026, "chip_module");
  auto r = run(s);
  // The red line dated 2026 nets in 2025, the year of the line it reverses.
  CHECK(r.at(0).qualifying->fen() == yuan(2'900'000));
  CHECK(r.at(0).has_reason("BELOW_THRESHOLD"));
  CHECK(r.at(0).lines.size() == 2);
  CHECK(r.at(1).lines.empty());
}

TEST_CASE("linkage: a red line reversing a non-qualifying line changes nothing") {
  Scenario s = base_scenario();
  s.equity(kOem, kSupplier, 30);
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(1'000'000))
      .purchase("RED1", 1, "2025-04-01", kOem, kSupplier, "P1", -yuan(1'000'000), 0,
                json::object{{"invoice", "INV1"}, {"line", 1}});
  s.linkage_claim("C1", kOem, 2025, "chip_module");
  auto e = run(s).at(0);
  CHECK(e.qualifying->fen() == 0);
  CHECK(line_has(e, 1, "AFFILIATED"));
}

TEST_CASE("linkage: a later claim pays only what exceeds earlier approvals of the year, within the cap") {
  Scenario s = base_scenario();
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(4'000'000));
  s.prior_linkage(kOem, 2025, "chip_module", yuan(960'000)).linkage_claim("C1", kOem, 2025, "chip_module");
  auto e = run(s).at(0);
  CHECK(e.computed.fen() == yuan(1'200'000));
  CHECK(e.award.fen() == yuan(240'000));
  Scenario big = base_scenario();
  big.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(9'000'000));
  big.prior_linkage(kOem, 2025, "chip_module", yuan(1'400'000)).linkage_claim("C1", kOem, 2025, "chip_module");
  auto b = run(big).at(0);
  CHECK(b.award.fen() == yuan(100'000));
  CHECK(b.has_reason("CAPPED"));
  // Other groups and years do not count.
  Scenario other = base_scenario();
  other.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(4'000'000));
  other.prior_linkage(kOem, 2025, "device_material", yuan(960'000)).prior_linkage(kOem, 2024, "chip_module", 5);
  other.linkage_claim("C1", kOem, 2025, "chip_module");
  CHECK(run(other).at(0).award.fen() == yuan(1'200'000));
}

TEST_CASE("linkage: the device cap is 1,000,000.00 per year") {
  Scenario s = base_scenario();
  CHECK(one_line(s, "2025-03-01", "D1", yuan(60'000'000)).award.fen() == yuan(1'000'000));
}

TEST_CASE("stacking: exclusive pays nothing once another level granted anything") {
  Scenario s = base_scenario();
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(3'200'000)).linkage_claim("C1", kOem, 2025, "chip_module");
  s.other_award("C1", "province", 1).parameter("stacking", "exclusive");
  auto e = run(s).at(0);
  CHECK(e.award.fen() == 0);
  CHECK(e.eligible);
  CHECK(e.has_reason("OTHER_LEVEL_OFFSET"));
}

TEST_CASE("stacking: other levels above the computed award leave 0") {
  Scenario s = base_scenario();
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(3'200'000)).linkage_claim("C1", kOem, 2025, "chip_module");
  s.other_award("C1", "city", yuan(500'000)).other_award("C1", "province", yuan(500'000));
  CHECK(run(s).at(0).award.fen() == 0);
}

TEST_CASE("tapeout: NOT_DESIGN_OWNER, CLAIMANT_NOT_IN_DISTRICT, NOT_KEY_AREA") {
  Scenario s;
  s.enterprise(kSupplier, "B", {"ic_design"}, false).enterprise(kFoundry, "F", {"foundry"}).enterprise(kOem, "A", {"oem"});
  s.product("P1", "chip", kSupplier, "2025-01-10", true, "biotech");
  s.tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", yuan(1'000'000));
  s.tapeout_claim("C1", kSupplier, "TO1").tapeout_claim("C2", kOem, "TO1");
  auto r = run(s);
  CHECK(r.at(0).has_reason("CLAIMANT_NOT_IN_DISTRICT"));
  CHECK(r.at(0).has_reason("NOT_KEY_AREA"));
  CHECK_FALSE(r.at(0).has_reason("NOT_DESIGN_OWNER"));
  CHECK(r.at(1).has_reason("NOT_DESIGN_OWNER"));
  CHECK(r.at(0).award.fen() == 0);
}

TEST_CASE("tapeout: only the earliest tape-out of a product or a design digest is first") {
  Scenario s;
  s.enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"}).enterprise(uscc(7), "G", {"foundry"});
  s.product("P1", "chip", kSupplier).product("P2", "chip", kSupplier);
  s.tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", yuan(1'000'000), "mpw", 'a');
  s.tapeout("TO2", "P1", uscc(7), kSupplier, "2024-10-01", yuan(1'000'000), "engineering", 'b');
  s.tapeout("TO3", "P2", uscc(7), kSupplier, "2024-11-01", yuan(1'000'000), "mpw", 'a');  // same digest as TO1
  s.tapeout_claim("C1", kSupplier, "TO1").tapeout_claim("C2", kSupplier, "TO2").tapeout_claim("C3", kSupplier, "TO3");
  auto r = run(s);
  CHECK(r.at(0).award.fen() == yuan(300'000));
  CHECK(r.at(1).has_reason("NOT_FIRST_TAPEOUT"));
  CHECK(r.at(2).has_reason("NOT_FIRST_TAPEOUT"));
}

TEST_CASE("tapeout: the 10,000,000.00 boundary, one fen either side") {
  auto one = [](std::int64_t cost) {
    Scenario s;
    s.enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
    s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", cost);
    s.tapeout_claim("C1", kSupplier, "TO1");
    return run(s).at(0);
  };
  auto below = one(yuan(10'000'000) - 1);
  CHECK(below.branch == TapeoutBranch::kSmall);
  CHECK(below.award.fen() == yuan(3'000'000) - 1);  // 30% of 999,999,999 fen = 299,999,999.7
  CHECK(below.has_reason("CAPPED") == false);
  auto above = one(yuan(10'000'000) + 1);
  CHECK(above.branch == TapeoutBranch::kLarge);
  CHECK(above.award.fen() == 150'000'000);
  CHECK_FALSE(above.has_reason("BOUNDARY_AMBIGUOUS"));
}

TEST_CASE("tapeout: at the boundary, favorable picks the large row when the small cap is used up") {
  Scenario s;
  s.enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", yuan(10'000'000));
  s.prior_tapeout(kSupplier, 2024, "small", yuan(2'000'000)).tapeout_claim("C1", kSupplier, "TO1");
  auto e = run(s).at(0);
  CHECK(e.award.fen() == yuan(1'500'000));
  CHECK(e.branch == TapeoutBranch::kLarge);
  CHECK(e.has_reason("BOUNDARY_AMBIGUOUS"));
  s.parameter("tapeout.boundary", "small");
  auto small = run(s).at(0);
  CHECK(small.award.fen() == yuan(1'000'000));
  CHECK(small.branch == TapeoutBranch::kSmall);
}

TEST_CASE("tapeout: earlier approvals of the year count against the 20,000,000.00 cap") {
  Scenario s;
  s.enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2025-09-01", yuan(100'000'000));
  s.prior_tapeout(kSupplier, 2025, "large", yuan(12'000'000)).prior_tapeout(kSupplier, 2025, "small", yuan(3'000'000));
  s.prior_tapeout(kSupplier, 2024, "large", yuan(20'000'000));
  s.tapeout_claim("C1", kSupplier, "TO1");
  auto e = run(s).at(0);
  CHECK(e.computed.fen() == yuan(15'000'000));
  CHECK(e.award.fen() == yuan(5'000'000));
  CHECK(e.has_reason("CAPPED"));
}

TEST_CASE("linkage and tapeout: a tape-out a revocation made untrusted counts for no rule, and findings name it") {
  // The chip's only tape-out is untrusted: CHIP_WITHOUT_TAPEOUT, and the finding says why.
  Scenario s;
  s.enterprise(kOem, "A", {"oem"}).enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 1);
  s.arr("tapeouts").back().as_object()["keyid"] = std::string(64, 'c');
  s.arr("tapeouts").back().as_object()["untrusted_from"] = "2024-08-15";
  auto e = one_line(s);
  CHECK(line_has(e, 0, "CHIP_WITHOUT_TAPEOUT"));
  CHECK_FALSE(e.eligible);
  bool named = false;
  for (const auto& step : e.trace) {
    if (step.find("CHIP_WITHOUT_TAPEOUT") != std::string::npos &&
        step.find("流片证明 TO1 (2024-09-01, 签名密钥 " + std::string(64, 'c') + ") 因该密钥自 2024-08-15 起吊销而不再采信") !=
            std::string::npos) {
      named = true;
    }
  }
  CHECK(named);

  // The same scenario without the mark qualifies: the mark alone made the difference.
  Scenario trusted;
  trusted.enterprise(kOem, "A", {"oem"}).enterprise(kSupplier, "B", {"ic_design"}).enterprise(kFoundry, "F", {"foundry"});
  trusted.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 1);
  CHECK(one_line(trusted).lines.at(0).qualifies);

  // An earlier untrusted tape-out of the design does not make a later trusted one not first.
  Scenario t = base_scenario();
  t.tapeout("TO0", "P1", kFoundry, kSupplier, "2024-08-01", 800000000);
  t.arr("tapeouts").back().as_object()["untrusted_from"] = "2024-07-01";
  t.tapeout_claim("C3", kSupplier, "TO1");
  auto first = run(t).at(0);
  CHECK_FALSE(first.has_reason("NOT_FIRST_TAPEOUT"));
  CHECK(first.eligible);
  Scenario control = base_scenario();
  control.tapeout("TO0", "P1", kFoundry, kSupplier, "2024-08-01", 800000000);
  control.tapeout_claim("C3", kSupplier, "TO1");
  CHECK(run(control).at(0).has_reason("NOT_FIRST_TAPEOUT"));
}
