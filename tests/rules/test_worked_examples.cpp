// Every worked example of RULES.md (L1–L12, T1–T6) as a specification: exact award and codes.
#include <catch2/catch.hpp>

#include <algorithm>

#include "rules/scenario_builder.hpp"

using namespace chipreg::testing;
using chipreg::rules::ClaimEvaluation;

namespace {

Scenario chips(std::vector<std::int64_t> amounts_yuan, const std::string& kind = "P1") {
  Scenario s = base_scenario();
  int line = 1;
  for (auto a : amounts_yuan) {
    s.purchase("INV1", line, "2025-03-0" + std::to_string(line), kOem, kSupplier, kind, yuan(a));
    ++line;
  }
  s.linkage_claim("C1", kOem, 2025, kind == "D1" ? "device_material" : "chip_module");
  return s;
}

bool line_has(const ClaimEvaluation& e, const std::string& code) {
  for (const auto& l : e.lines) {
    if (std::find(l.codes.begin(), l.codes.end(), code) != l.codes.end()) return true;
  }
  return false;
}

ClaimEvaluation tapeout_of(std::int64_t cost_fen, const std::string& date = "2024-09-01", const std::string& kind = "mpw") {
  Scenario s;
  s.enterprise(kSupplier, "芯片设计B", {"ic_design"}).enterprise(kFoundry, "晶圆厂F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, date, cost_fen, kind);
  s.tapeout_claim("C2", kSupplier, "TO1");
  return run(s).at(0);
}

}  // namespace

TEST_CASE("L1: chips 1,200,000 + 2,000,000 yuan reach the threshold and pay 30% = 960,000.00") {
  auto e = run(chips({1'200'000, 2'000'000})).at(0);
  CHECK(e.eligible);
  CHECK(e.qualifying->fen() == yuan(3'200'000));
  CHECK(e.computed.fen() == yuan(960'000));
  CHECK(e.award.fen() == yuan(960'000));
  CHECK(e.reasons.empty());
  auto it = std::find_if(e.trace.begin(), e.trace.end(), [](const std::string& t) {
    return t.find("3,200,000.00 元 ≥ 3,000,000.00 元; 30.00% = 960,000.00 元") != std::string::npos;
  });
  CHECK(it != e.trace.end());
}

TEST_CASE("L2: chips 2,999,999.99 yuan are below the threshold: 0, BELOW_THRESHOLD") {
  Scenario s = base_scenario();
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", 299'999'999).linkage_claim("C1", kOem, 2025, "chip_module");
  auto e = run(s).at(0);
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.has_reason("BELOW_THRESHOLD"));
}

TEST_CASE("L3: chips 6,000,000 yuan compute 1,800,000 and are capped at 1,500,000.00") {
  auto e = run(chips({6'000'000})).at(0);
  CHECK(e.eligible);
  CHECK(e.computed.fen() == yuan(1'800'000));
  CHECK(e.award.fen() == yuan(1'500'000));
  CHECK(e.has_reason("CAPPED"));
}

TEST_CASE("L4: devices 12,300,000 yuan pay 2 x 100,000 = 200,000.00") {
  auto e = run(chips({12'300'000}, "D1")).at(0);
  CHECK(e.award.fen() == yuan(200'000));
  CHECK(e.computed.fen() == yuan(200'000));
}

TEST_CASE("L5: devices of exactly 5,000,000.00 yuan pay 100,000.00 (以上 includes the number)") {
  auto e = run(chips({5'000'000}, "D1")).at(0);
  CHECK(e.eligible);
  CHECK(e.award.fen() == yuan(100'000));
  auto below = base_scenario();
  below.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "D1", yuan(5'000'000) - 1)
      .linkage_claim("C1", kOem, 2025, "device_material");
  auto b = run(below).at(0);
  CHECK(b.award.fen() == 0);
  CHECK(b.has_reason("BELOW_THRESHOLD"));
}

TEST_CASE("L6: an OEM holding 25.00% of the supplier is affiliated: the purchase is excluded") {
  auto s = chips({3'200'000});
  s.equity(kOem, kSupplier, 25);
  auto e = run(s).at(0);
  CHECK(line_has(e, "AFFILIATED"));
  CHECK_FALSE(e.lines.at(0).qualifies);
  CHECK(e.has_reason("AFFILIATED"));
  CHECK(e.award.fen() == 0);
  REQUIRE(e.lines.at(0).affiliation);
  CHECK(e.lines.at(0).affiliation->find("25.00%") != std::string::npos);
}

TEST_CASE("L7: an OEM holding 24.99% of the supplier is not affiliated") {
  auto s = chips({3'200'000});
  s.equity(kOem, kSupplier, 24.99);
  auto e = run(s).at(0);
  CHECK(e.lines.at(0).qualifies);
  CHECK(e.award.fen() == yuan(960'000));
}

TEST_CASE("L8: a person holding 30% of the OEM and 40% of the supplier makes them affiliated") {
  auto s = chips({3'200'000});
  s.person("P").equity("P", kOem, 30).equity("P", kSupplier, 40);
  auto e = run(s).at(0);
  CHECK(line_has(e, "AFFILIATED"));
  CHECK(e.award.fen() == 0);
}

TEST_CASE("L9: OEM and supplier each holding 30% of a joint venture are not affiliated") {
  auto s = chips({3'200'000});
  s.equity(kOem, uscc(50), 30).equity(kSupplier, uscc(50), 30);
  auto e = run(s).at(0);
  CHECK(e.lines.at(0).qualifies);
  CHECK(e.award.fen() == yuan(960'000));
}

TEST_CASE("L10: 30% of M which holds 15% of the supplier, plus 10% directly, is 25%: AFFILIATED") {
  auto s = chips({3'200'000});
  const std::string m = uscc(60);
  s.equity(kOem, m, 30).equity(m, kSupplier, 15).equity(kOem, kSupplier, 10);
  auto e = run(s).at(0);
  CHECK(line_has(e, "AFFILIATED"));
  REQUIRE(e.lines.at(0).affiliation);
  CHECK(e.lines.at(0).affiliation->find("10.00% directly + 15.00% through") != std::string::npos);
}

TEST_CASE("L11: a chip with no tape-out attestation is excluded: CHIP_WITHOUT_TAPEOUT") {
  Scenario s;
  s.enterprise(kOem, "整机厂A", {"oem"}).enterprise(kSupplier, "芯片设计B", {"ic_design"});
  s.product("P1", "chip", kSupplier).purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(3'200'000));
  s.linkage_claim("C1", kOem, 2025, "chip_module");
  auto e = run(s).at(0);
  CHECK(line_has(e, "CHIP_WITHOUT_TAPEOUT"));
  CHECK(e.award.fen() == 0);
}

TEST_CASE("L12: 960,000 computed with 500,000 already granted by the city pays 460,000.00") {
  auto s = chips({1'200'000, 2'000'000});
  s.other_award("C1", "city", yuan(500'000));
  auto e = run(s).at(0);
  CHECK(e.computed.fen() == yuan(960'000));
  CHECK(e.award.fen() == yuan(460'000));
  CHECK(e.has_reason("OTHER_LEVEL_OFFSET"));
  CHECK(e.eligible);
}

TEST_CASE("T1: a first tape-out costing 8,000,000 yuan pays 2,400,000.00") {
  auto e = tapeout_of(yuan(8'000'000));
  CHECK(e.eligible);
  CHECK(e.award.fen() == yuan(2'400'000));
  CHECK(e.branch == chipreg::TapeoutBranch::kSmall);
}

TEST_CASE("T2: a first tape-out costing 12,000,000 yuan pays 15% = 1,800,000.00") {
  auto e = tapeout_of(yuan(12'000'000));
  CHECK(e.award.fen() == yuan(1'800'000));
  CHECK(e.branch == chipreg::TapeoutBranch::kLarge);
}

TEST_CASE("T3: exactly 10,000,000.00 yuan pays the favorable 3,000,000.00 with BOUNDARY_AMBIGUOUS") {
  auto e = tapeout_of(yuan(10'000'000));
  CHECK(e.award.fen() == yuan(3'000'000));
  CHECK(e.has_reason("BOUNDARY_AMBIGUOUS"));
  CHECK(e.branch == chipreg::TapeoutBranch::kSmall);
}

TEST_CASE("T4: 150,000,000 yuan computes 22,500,000 and is capped at 20,000,000.00") {
  auto e = tapeout_of(yuan(150'000'000));
  CHECK(e.computed.fen() == yuan(22'500'000));
  CHECK(e.award.fen() == yuan(20'000'000));
  CHECK(e.has_reason("CAPPED"));
}

TEST_CASE("T5: a production tape-out pays 0: PRODUCTION_TAPEOUT") {
  auto e = tapeout_of(yuan(8'000'000), "2024-09-01", "production");
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.has_reason("PRODUCTION_TAPEOUT"));
}

TEST_CASE("T6: a tape-out dated 2024-06-24, the day before the policy, pays 0: POLICY_NOT_IN_FORCE") {
  auto e = tapeout_of(yuan(8'000'000), "2024-06-24");
  CHECK(e.award.fen() == 0);
  CHECK(e.has_reason("POLICY_NOT_IN_FORCE"));
  auto on_day = tapeout_of(yuan(8'000'000), "2024-06-25");
  CHECK(on_day.award.fen() == yuan(2'400'000));
}
