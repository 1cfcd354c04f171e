// The worked examples E1–V2 of RULES.md (the other clauses of the seed) as specifications:
// exact award in fen and the codes each must carry.
#include <catch2/catch.hpp>

#include "rules/clauses_cast.hpp"

using namespace chipreg::testing;
using chipreg::rules::ClaimEvaluation;

namespace {

ClaimEvaluation only(const Scenario& s) { return run(s).at(0); }

Scenario eda_rd(std::int64_t rd_fen, std::int64_t sales_fen) {
  auto s = clauses_scenario();
  s.rd(kEda, 2025, "eda", rd_fen, sales_fen).claim("C", "eda_rd", kEda, 2025);
  return s;
}

Scenario eda_tools(const std::string& level) {
  auto s = clauses_scenario();
  s.signoff(kSignoff, level).purchase("EDA1", 1, "2025-04-01", kBuyer, kSignoff, "T1", yuan(3'000'000));
  s.claim("C", "eda_purchase", kBuyer, 2025);
  return s;
}

Scenario dataset_with_callers(int n) {
  auto s = clauses_scenario();
  s.dataset("DS1", kOwner);
  for (int i = 1; i <= n; ++i)
    s.call("CALL" + std::to_string(i), "DS1", caller(i), "2025-05-0" + std::to_string(i), yuan(500'000));
  s.claim("C", "dataset", kOwner, 2025, "dataset", "DS1");
  return s;
}

Scenario event_approved(const std::string& approval) {
  auto s = clauses_scenario();
  s.event("EV1", kOrganizer, "2025-09-10", json::value(approval), yuan(1'500'000))
      .claim("C", "event", kOrganizer, 0, "event", "EV1");
  return s;
}

}  // namespace

TEST_CASE("E1: an EDA firm with R&D 12,000,000 and sales 3,000,000 gets 15% = 1,800,000.00") {
  auto e = only(eda_rd(yuan(12'000'000), yuan(3'000'000)));
  CHECK(e.eligible);
  CHECK(e.basis->fen() == yuan(12'000'000));
  CHECK(e.computed.fen() == yuan(1'800'000));
  CHECK(e.award.fen() == yuan(1'800'000));
  CHECK(e.reasons.empty());
  CHECK(trace_has(e, "第2条 计算: 基数 12,000,000.00 元 × 15.00% (eda_rd.rate) = 1,800,000.00 元"));
}

TEST_CASE("E2: R&D of 9,999,999.99 is below the threshold: 0, BELOW_THRESHOLD") {
  auto e = only(eda_rd(yuan(10'000'000) - 1, yuan(3'000'000)));
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.computed.fen() == 0);
  CHECK(e.has_reason("BELOW_THRESHOLD"));
  CHECK(e.reasons.size() == 1);
  // Exactly 10,000,000.00 reaches it (以上 includes the number).
  auto at = only(eda_rd(yuan(10'000'000), 1));
  CHECK(at.eligible);
  CHECK(at.award.fen() == yuan(1'500'000));
}

TEST_CASE("E3: R&D 150,000,000 without sales: 0, NO_ACTUAL_SALES") {
  auto e = only(eda_rd(yuan(150'000'000), 0));
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.has_reason("NO_ACTUAL_SALES"));
  CHECK_FALSE(e.has_reason("BELOW_THRESHOLD"));
  CHECK_FALSE(e.has_reason("CAPPED"));
}

TEST_CASE("E4: EDA tools 3,000,000 from a provincial sign-off participant pay 50% = 1,500,000.00") {
  auto e = only(eda_tools("provincial"));
  CHECK(e.eligible);
  CHECK(e.basis->fen() == yuan(3'000'000));
  CHECK(e.award.fen() == yuan(1'500'000));
  REQUIRE(e.items.size() == 1);
  CHECK(e.items[0].qualifies);
  CHECK(e.items[0].codes.empty());
  CHECK(e.items[0].ref->invoice == "EDA1");
}

TEST_CASE("E5: the same tools from a participant of a municipal centre only: 0, SELLER_NOT_SIGNOFF_PARTICIPANT") {
  auto e = only(eda_tools("municipal"));
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.has_reason("SELLER_NOT_SIGNOFF_PARTICIPANT"));
  REQUIRE(e.items.size() == 1);
  CHECK_FALSE(e.items[0].qualifies);
  CHECK(e.items[0].codes == std::vector<std::string>{"SELLER_NOT_SIGNOFF_PARTICIPANT"});
  CHECK(trace_has(e, "仅参与市级签核中心"));
}

TEST_CASE("Q1: equipment R&D 400,000,000 with sales computes 60,000,000, capped at 50,000,000.00") {
  auto s = clauses_scenario();
  s.rd(kEquipment, 2025, "equipment_material", yuan(400'000'000), yuan(1)).claim("C", "equipment_rd", kEquipment, 2025);
  auto e = only(s);
  CHECK(e.eligible);
  CHECK(e.computed.fen() == yuan(60'000'000));
  CHECK(e.award.fen() == yuan(50'000'000));
  CHECK(e.has_reason("CAPPED"));
}

TEST_CASE("K1: compute contracts 1,600,000 less vouchers 200,000 pay 50% = 700,000.00, VOUCHER_OFFSET") {
  auto s = clauses_scenario();
  s.contract("K-A", kBuyer, kCenter, "2025-03-01", yuan(1'000'000), yuan(200'000))
      .contract("K-B", kBuyer, kCenter, "2025-06-01", yuan(600'000))
      .claim("C", "compute", kBuyer, 2025);
  auto e = only(s);
  CHECK(e.eligible);
  CHECK(e.basis->fen() == yuan(1'400'000));
  CHECK(e.award.fen() == yuan(700'000));
  CHECK(e.has_reason("VOUCHER_OFFSET"));
  REQUIRE(e.items.size() == 2);
  CHECK(e.items[0].codes == std::vector<std::string>{"VOUCHER_OFFSET"});
  CHECK(e.items[0].qualifies);
  CHECK(e.items[1].codes.empty());
}

TEST_CASE(
    "D1: turnover 300,000,000 of which 50,000,000 with a 30%-held subsidiary pays 1% of 250,000,000 = 2,500,000.00") {
  auto s = clauses_scenario();
  const std::string sub = caller(1);
  s.equity(kExchange, sub, 30)
      .trade("TR1", kExchange, caller(2), caller(3), "2025-02-01", yuan(250'000'000))
      .trade("TR2", kExchange, sub, caller(4), "2025-03-01", yuan(50'000'000))
      .claim("C", "data_platform", kExchange, 2025);
  auto e = only(s);
  CHECK(e.eligible);
  CHECK(e.basis->fen() == yuan(250'000'000));
  CHECK(e.award.fen() == yuan(2'500'000));
  CHECK(e.has_reason("AFFILIATED"));
  REQUIRE(e.items.size() == 2);
  CHECK(e.items[1].id == "TR2");
  CHECK(e.items[1].codes == std::vector<std::string>{"AFFILIATED"});
  REQUIRE(e.items[1].affiliation);
  CHECK(e.items[1].affiliation->find("30.00%") != std::string::npos);
}

TEST_CASE("S1: a dataset called by 4 non-affiliated district enterprises, 500,000 each, pays 4 x 50,000 = 200,000.00") {
  auto e = only(dataset_with_callers(4));
  CHECK(e.eligible);
  CHECK(e.basis->fen() == yuan(2'000'000));
  CHECK(e.award.fen() == yuan(200'000));
  CHECK(e.items.size() == 4);
  CHECK(e.extra.at("callers_counted").as_int64() == 4);
}

TEST_CASE("S2: the same with exactly 3 callers: 0, NOT_ENOUGH_CALLERS (超过3家 excludes 3)") {
  auto e = only(dataset_with_callers(3));
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.computed.fen() == 0);
  CHECK(e.has_reason("NOT_ENOUGH_CALLERS"));
  CHECK(e.reasons.size() == 1);
}

TEST_CASE("P1: a provincial platform spending 7,000,000 on rent and construction is capped at 5,000,000.00") {
  auto s = clauses_scenario();
  s.recognition(kPlatform, "provincial", "2024-07-01")
      .expense("X1", kPlatform, "2025-02-01", "venue_rent", yuan(2'000'000))
      .expense("X2", kPlatform, "2025-05-01", "construction", yuan(5'000'000))
      .claim("C", "platform", kPlatform, 2025);
  auto e = only(s);
  CHECK(e.eligible);
  CHECK(e.basis->fen() == yuan(7'000'000));
  CHECK(e.computed.fen() == yuan(7'000'000));
  CHECK(e.award.fen() == yuan(5'000'000));
  CHECK(e.has_reason("CAPPED"));
  CHECK(trace_has(e, "100.00% (platform.rate)"));
}

TEST_CASE("V1: event rent 1,500,000 approved 10 days before it starts pays 750,000.00") {
  auto e = only(event_approved("2025-08-31"));
  CHECK(e.eligible);
  CHECK(e.year == 2025);
  CHECK(e.award.fen() == yuan(750'000));
  CHECK(e.reasons.empty());
}

TEST_CASE("V2: the same event approved on its first day: 0, NO_PRIOR_APPROVAL") {
  auto e = only(event_approved("2025-09-10"));
  CHECK_FALSE(e.eligible);
  CHECK(e.award.fen() == 0);
  CHECK(e.has_reason("NO_PRIOR_APPROVAL"));
  CHECK(e.reasons.size() == 1);
}
