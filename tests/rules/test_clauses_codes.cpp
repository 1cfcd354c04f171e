// The other clauses, code by code: each reason code of RULES.md, both sides of every
// threshold, the boundary of 超过3家, affiliation through chains, families and common
// holders (clauses 7 and 8), the voucher offset, series and stacking.
#include <catch2/catch.hpp>

#include "rules/clauses_cast.hpp"

using namespace chipreg::testing;
using chipreg::rules::ClaimEvaluation;

namespace {

ClaimEvaluation only(const Scenario& s) { return run(s).at(0); }

ClaimEvaluation equipment(std::int64_t rd_fen, std::int64_t sales_fen = yuan(1)) {
  auto s = clauses_scenario();
  s.rd(kEquipment, 2025, "equipment_material", rd_fen, sales_fen).claim("C", "equipment_rd", kEquipment, 2025);
  return only(s);
}

// A dataset of kOwner called once by each of callers 1..n on 2025-05-0i, 500,000 each.
Scenario calls(int n) {
  auto s = clauses_scenario();
  s.dataset("DS1", kOwner);
  for (int i = 1; i <= n; ++i) {
    s.call("CALL" + std::to_string(i), "DS1", caller(i), "2025-05-0" + std::to_string(i), yuan(500'000));
  }
  s.claim("C", "dataset", kOwner, 2025, "dataset", "DS1");
  return s;
}

// Platform trades: TR1 between callers 1 and 2 (300,000), TR2 between callers 3 and 4 (700,000).
Scenario trades() {
  auto s = clauses_scenario();
  s.trade("TR1", kExchange, caller(1), caller(2), "2025-02-01", yuan(300'000))
      .trade("TR2", kExchange, caller(3), caller(4), "2025-03-01", yuan(700'000))
      .claim("C", "data_platform", kExchange, 2025);
  return s;
}

const chipreg::rules::ItemVerdict& item(const ClaimEvaluation& e, const std::string& id) {
  for (const auto& v : e.items) {
    if (v.id == id) return v;
  }
  throw std::runtime_error("no item " + id);
}

}  // namespace

// ---- thresholds and sales

TEST_CASE("equipment_rd: 50,000,000.00 of R&D reaches the threshold, 49,999,999.99 does not") {
  auto at = equipment(yuan(50'000'000));
  CHECK(at.eligible);
  CHECK(at.award.fen() == yuan(7'500'000));
  auto below = equipment(yuan(50'000'000) - 1);
  CHECK_FALSE(below.eligible);
  CHECK(below.award.fen() == 0);
  CHECK(below.has_reason("BELOW_THRESHOLD"));
}

TEST_CASE("equipment_rd: no actual sales is NO_ACTUAL_SALES, one fen of sales is enough") {
  CHECK(equipment(yuan(60'000'000), 0).has_reason("NO_ACTUAL_SALES"));
  CHECK(equipment(yuan(60'000'000), 1).award.fen() == yuan(9'000'000));
}

TEST_CASE("eda_rd: without a declaration for the year the claim is BELOW_THRESHOLD at 0") {
  auto s = clauses_scenario();
  s.rd(kEda, 2024, "eda", yuan(20'000'000), yuan(1)).claim("C", "eda_rd", kEda, 2025);
  auto e = only(s);
  CHECK_FALSE(e.eligible);
  CHECK(e.has_reason("BELOW_THRESHOLD"));
  CHECK(e.basis->fen() == 0);
}

TEST_CASE("eda_rd: a later declaration for the same year and field replaces the earlier one") {
  auto s = clauses_scenario();
  s.rd(kEda, 2025, "eda", yuan(9'000'000), yuan(1), "A-1").rd(kEda, 2025, "eda", yuan(11'000'000), yuan(1), "A-2");
  s.rd(kEda, 2025, "equipment_material", yuan(90'000'000), yuan(1), "OTHER-FIELD");
  s.claim("C", "eda_rd", kEda, 2025);
  auto e = only(s);
  CHECK(e.eligible);
  CHECK(e.award.fen() == yuan(1'650'000));
  CHECK(trace_has(e, "A-1 被其后的申报 A-2 替换"));
}

TEST_CASE("eda_rd: the 2024 declaration counts in full, 2023 is before the policy") {
  auto s = clauses_scenario();
  s.rd(kEda, 2024, "eda", yuan(10'000'000), yuan(1)).rd(kEda, 2023, "eda", yuan(10'000'000), yuan(1));
  s.claim("C24", "eda_rd", kEda, 2024).claim("C23", "eda_rd", kEda, 2023);
  auto out = run(s);
  CHECK(out[0].award.fen() == yuan(1'500'000));
  CHECK(out[1].award.fen() == 0);
  CHECK(out[1].has_reason("POLICY_NOT_IN_FORCE"));
}

// ---- claimants

TEST_CASE("claimants: the rule's role is required (CLAIMANT_ROLE) and the district always (CLAIMANT_NOT_IN_DISTRICT)") {
  auto s = clauses_scenario();
  s.enterprise(uscc(300), "区外EDA", {"eda"}, false);
  s.rd(kBuyer, 2025, "eda", yuan(20'000'000), yuan(1)).rd(uscc(300), 2025, "eda", yuan(20'000'000), yuan(1));
  s.rd(kBuyer, 2025, "equipment_material", yuan(60'000'000), yuan(1));
  s.trade("TR1", kBuyer, caller(1), caller(2), "2025-02-01", yuan(1'000'000));
  s.dataset("DS1", kOwner).event("EV1", kOrganizer, "2025-09-10", json::value("2025-09-01"), yuan(100'000));
  s.claim("A", "eda_rd", kBuyer, 2025)
      .claim("B", "eda_rd", uscc(300), 2025)
      .claim("Q", "equipment_rd", kBuyer, 2025)
      .claim("D", "data_platform", kBuyer, 2025)
      .claim("S", "dataset", kBuyer, 2025, "dataset", "DS1")
      .claim("V", "event", kBuyer, 0, "event", "EV1");
  auto out = run(s);
  CHECK(out[0].has_reason("CLAIMANT_ROLE"));
  CHECK_FALSE(out[0].has_reason("CLAIMANT_NOT_IN_DISTRICT"));
  CHECK(out[1].has_reason("CLAIMANT_NOT_IN_DISTRICT"));
  CHECK_FALSE(out[1].has_reason("CLAIMANT_ROLE"));
  for (std::size_t i = 2; i < out.size(); ++i) {
    INFO(out[i].id);
    CHECK(out[i].has_reason("CLAIMANT_ROLE"));
    CHECK_FALSE(out[i].eligible);
    CHECK(out[i].award.fen() == 0);
  }
}

TEST_CASE("claimants: any district enterprise may claim compute, but not from outside the district") {
  auto s = clauses_scenario();
  s.enterprise(uscc(300), "区外企业", {"oem"}, false);
  s.contract("K1", uscc(300), kCenter, "2025-03-01", yuan(100'000)).claim("C", "compute", uscc(300), 2025);
  auto e = only(s);
  CHECK(e.has_reason("CLAIMANT_NOT_IN_DISTRICT"));
  CHECK_FALSE(e.has_reason("CLAIMANT_ROLE"));
  CHECK(e.award.fen() == 0);
  CHECK(e.items.at(0).qualifies);  // the contract itself qualifies
}

// ---- clause 2b

TEST_CASE("eda_purchase: the participation must be valid on the purchase date") {
  auto s = clauses_scenario();
  s.signoff(kSignoff, "national", "2024-01-01", "2025-03-31")
      .purchase("I1", 1, "2025-03-31", kBuyer, kSignoff, "T1", yuan(1'000'000))
      .purchase("I2", 1, "2025-04-01", kBuyer, kSignoff, "T1", yuan(2'000'000))
      .claim("C", "eda_purchase", kBuyer, 2025);
  auto e = only(s);
  CHECK(e.basis->fen() == yuan(1'000'000));
  CHECK(e.award.fen() == yuan(500'000));
  CHECK(e.items.at(0).qualifies);
  CHECK(e.items.at(1).codes == std::vector<std::string>{"SELLER_NOT_SIGNOFF_PARTICIPANT"});
  CHECK(e.has_reason("SELLER_NOT_SIGNOFF_PARTICIPANT"));
}

TEST_CASE("eda_purchase: red lines net, tax counts by default, eda_purchase.amount_basis = tax_exclusive drops it") {
  auto s = clauses_scenario();
  s.signoff(kSignoff, "provincial")
      .purchase("I1", 1, "2025-03-01", kBuyer, kSignoff, "T1", yuan(1'000'000), yuan(60'000))
      .purchase("R1", 1, "2025-04-01", kBuyer, kSignoff, "T1", -yuan(200'000), -yuan(12'000),
                json::object{{"invoice", "I1"}, {"line", 1}})
      .purchase("M1", 1, "2025-03-01", kBuyer, kSupplier, "M1", yuan(9'000'000))  // not an EDA tool
      .claim("C", "eda_purchase", kBuyer, 2025);
  s.enterprise(kSupplier, "芯片设计B", {"ic_design"}).product("M1", "module", kSupplier);
  auto e = only(s);
  CHECK(e.items.size() == 2);
  CHECK(e.basis->fen() == yuan(848'000));
  CHECK(e.award.fen() == yuan(424'000));
  s.parameter("eda_purchase.amount_basis", "tax_exclusive");
  auto x = only(s);
  CHECK(x.basis->fen() == yuan(800'000));
  CHECK(trace_has(x, "eda_purchase.amount_basis = tax_exclusive"));
}

TEST_CASE("eda_purchase: a red line of a non-qualifying line changes nothing; a full reversal nets to 0") {
  auto s = clauses_scenario();
  s.signoff(kSignoff, "provincial", "2025-01-01")
      .purchase("I1", 1, "2025-03-01", kBuyer, kSignoff, "T1", yuan(100'000))
      .purchase("R1", 1, "2025-04-01", kBuyer, kSignoff, "T1", -yuan(100'000), 0,
                json::object{{"invoice", "I1"}, {"line", 1}})
      .purchase("I2", 1, "2025-05-01", kBuyer, kSignoff, "T1", yuan(300'000))
      .purchase("I0", 1, "2024-12-01", kBuyer, kSignoff, "T1", yuan(50'000))
      .claim("C", "eda_purchase", kBuyer, 2025);
  auto e = only(s);
  CHECK(e.basis->fen() == yuan(300'000));
  CHECK(e.items.size() == 3);
}

TEST_CASE("eda_purchase: a red line reversing more than its blue line is refused at intake, as the store refuses it") {
  // One owner of the reversal rule (registry/domain/purchase_rules.hpp): the scenario
  // parser, the importers and the repository give the same code for the same line.
  auto s = clauses_scenario();
  s.signoff(kSignoff, "provincial", "2025-01-01")
      .purchase("I1", 1, "2025-03-01", kBuyer, kSignoff, "T1", yuan(100'000))
      .purchase("R1", 1, "2025-04-01", kBuyer, kSignoff, "T1", -yuan(150'000), 0,
                json::object{{"invoice", "I1"}, {"line", 1}})
      .claim("C", "eda_purchase", kBuyer, 2025);
  auto facts = chipreg::json_io::parse_scenario(s.text());
  REQUIRE_FALSE(facts);
  CHECK(facts.error().code == "BAD_REVERSAL");
  CHECK(facts.error().field == "purchases[1].amount_fen");
}

// ---- clause 6

TEST_CASE("compute: a provider that is not the designated centre is NOT_DESIGNATED_CENTER") {
  auto s = clauses_scenario();
  s.contract("K1", kBuyer, kCenter, "2025-03-01", yuan(100'000))
      .contract("K2", kBuyer, kOwner, "2025-03-01", yuan(900'000))
      .claim("C", "compute", kBuyer, 2025);
  auto e = only(s);
  CHECK(e.award.fen() == yuan(50'000));
  CHECK(item(e, "K2").codes == std::vector<std::string>{"NOT_DESIGNATED_CENTER"});
  CHECK(e.has_reason("NOT_DESIGNATED_CENTER"));
  CHECK(e.eligible);
}

TEST_CASE("compute: a voucher above its contract brings that contract to 0, never below") {
  auto s = clauses_scenario();
  s.contract("K1", kBuyer, kCenter, "2025-03-01", yuan(100'000), yuan(150'000))
      .contract("K2", kBuyer, kCenter, "2025-04-01", yuan(400'000), yuan(100'000))
      .claim("C", "compute", kBuyer, 2025);
  auto e = only(s);
  CHECK(item(e, "K1").amount.fen() == 0);
  CHECK(e.basis->fen() == yuan(300'000));
  CHECK(e.award.fen() == yuan(150'000));
  CHECK(e.has_reason("VOUCHER_OFFSET"));
  CHECK(e.reasons.size() == 1);
}

TEST_CASE("compute: contracts before 2024-06-25 do not count, 1,000,000.00 caps the year") {
  auto s = clauses_scenario();
  s.contract("K0", kBuyer, kCenter, "2024-06-24", yuan(1'000'000))
      .contract("K1", kBuyer, kCenter, "2024-06-25", yuan(3'000'000))
      .claim("C", "compute", kBuyer, 2024);
  auto e = only(s);
  CHECK(item(e, "K0").codes == std::vector<std::string>{"POLICY_NOT_IN_FORCE"});
  CHECK(e.computed.fen() == yuan(1'500'000));
  CHECK(e.award.fen() == yuan(1'000'000));
  CHECK(e.has_reason("CAPPED"));
}

TEST_CASE("compute: a claim with no qualifying contract is ineligible with the contracts' codes") {
  auto s = clauses_scenario();
  s.contract("K2", kBuyer, kOwner, "2025-03-01", yuan(900'000)).claim("C", "compute", kBuyer, 2025);
  auto e = only(s);
  CHECK_FALSE(e.eligible);
  CHECK(e.has_reason("NOT_DESIGNATED_CENTER"));
  CHECK(e.has_reason("NO_QUALIFYING_ITEMS"));
}

// ---- clause 7

TEST_CASE("data_platform: a trade with the platform as a party is not turnover") {
  auto s = trades();
  s.trade("TR3", kExchange, kExchange, caller(5), "2025-04-01", yuan(5'000'000));
  auto e = only(s);
  CHECK(e.basis->fen() == yuan(1'000'000));
  CHECK(item(e, "TR3").codes == std::vector<std::string>{"AFFILIATED"});
}

TEST_CASE("data_platform: a common holder of the platform and the buyer excludes the trade") {
  auto s = trades();
  s.person("T").equity("T", kExchange, 30).equity("T", caller(1), 25);
  auto e = only(s);
  CHECK(e.basis->fen() == yuan(700'000));
  CHECK(e.award.fen() == yuan(7'000));
  REQUIRE(item(e, "TR1").affiliation);
  CHECK(item(e, "TR1").affiliation->find("买方与平台关联") != std::string::npos);
}

TEST_CASE("data_platform: a chain platform -> M -> seller of 10% + 15% is 25%, affiliated") {
  auto s = trades();
  s.enterprise(uscc(310), "中间公司M", {"other"});
  s.equity(kExchange, uscc(310), 30).equity(uscc(310), caller(4), 15).equity(kExchange, caller(4), 10);
  auto e = only(s);
  CHECK(item(e, "TR2").codes == std::vector<std::string>{"AFFILIATED"});
  CHECK(e.basis->fen() == yuan(300'000));
  s.root["equity"].as_array().back().as_object()["pct"] = 9.99;
  CHECK(only(s).basis->fen() == yuan(1'000'000));
}

TEST_CASE("data_platform: a family holding of the platform and the seller is affiliated") {
  auto s = trades();
  s.person("H")
      .person("W")
      .family("H", "W")
      .equity("H", kExchange, 15)
      .equity("W", kExchange, 10)
      .equity("W", caller(2), 25);
  auto e = only(s);
  CHECK(item(e, "TR1").codes == std::vector<std::string>{"AFFILIATED"});
  CHECK(e.basis->fen() == yuan(700'000));
}

TEST_CASE("data_platform: affiliation is judged on the trade date") {
  auto s = trades();
  s.equity(kExchange, caller(3), 30, "2025-03-02");
  CHECK(only(s).basis->fen() == yuan(1'000'000));
  s.root["equity"].as_array().back().as_object()["from"] = "2025-03-01";
  CHECK(only(s).basis->fen() == yuan(300'000));
}

TEST_CASE(
    "data_platform.exclude: buyer and seller affiliated only with each other count by default, not with "
    "also_affiliated_pairs") {
  auto s = trades();
  s.equity(caller(1), caller(2), 40);
  auto e = only(s);
  CHECK(e.basis->fen() == yuan(1'000'000));
  CHECK(trace_has(e, "data_platform.exclude = platform_affiliates: 不排除"));
  s.parameter("data_platform.exclude", "also_affiliated_pairs");
  auto x = only(s);
  CHECK(x.basis->fen() == yuan(700'000));
  CHECK(item(x, "TR1").codes == std::vector<std::string>{"AFFILIATED"});
  CHECK(trace_has(x, "data_platform.exclude = also_affiliated_pairs"));
}

TEST_CASE("data_platform: 1% rounds down to the fen and the year caps at 5,000,000.00") {
  auto s = clauses_scenario();
  s.trade("TR1", kExchange, caller(1), caller(2), "2025-02-01", 199).claim("C", "data_platform", kExchange, 2025);
  CHECK(only(s).award.fen() == 1);
  auto big = clauses_scenario();
  big.trade("TR1", kExchange, caller(1), caller(2), "2025-02-01", yuan(600'000'000))
      .claim("C", "data_platform", kExchange, 2025);
  auto e = only(big);
  CHECK(e.computed.fen() == yuan(6'000'000));
  CHECK(e.award.fen() == yuan(5'000'000));
}

// ---- clause 8

TEST_CASE("dataset: 超过3家 — 4 callers of whom two are affiliated with each other are 3 groups: NOT_ENOUGH_CALLERS") {
  auto s = calls(4);
  s.equity(caller(1), caller(2), 25);
  auto e = only(s);
  CHECK_FALSE(e.eligible);
  CHECK(e.has_reason("NOT_ENOUGH_CALLERS"));
  CHECK(e.extra.at("callers_counted").as_int64() == 3);
  CHECK(trace_has(e, "调用方之间关联"));
  CHECK(trace_has(e, "按另一读法 (callers) 结论相反"));
  // dataset.count = callers counts each caller: 4 > 3.
  s.parameter("dataset.count", "callers");
  auto x = only(s);
  CHECK(x.eligible);
  CHECK(x.award.fen() == yuan(200'000));
  // A fifth caller makes 4 groups.
  auto five = calls(5);
  five.equity(caller(1), caller(2), 25);
  auto f = only(five);
  CHECK(f.eligible);
  CHECK(f.award.fen() == yuan(250'000));  // every qualifying caller's circulations earn
}

TEST_CASE("dataset: callers are grouped transitively (1~2, 2~3, 1 not ~ 3 is one group)") {
  auto s = calls(6);
  s.equity(caller(1), caller(2), 30).equity(caller(3), caller(2), 30);
  auto e = only(s);
  CHECK(e.extra.at("callers_counted").as_int64() == 4);
  const auto& groups = e.extra.at("caller_groups").as_array();
  CHECK(groups.size() == 4);
  CHECK(groups.at(0).as_array().size() == 3);
  CHECK(e.eligible);
}

TEST_CASE("dataset: affiliation between callers is judged on the later of their call dates") {
  auto s = calls(4);
  // Caller 1 called on 05-01, caller 4 on 05-04; they become affiliated on 05-04.
  s.equity(caller(1), caller(4), 50, "2025-05-04");
  CHECK_FALSE(only(s).eligible);
  s.root["equity"].as_array().back().as_object()["from"] = "2025-05-05";
  CHECK(only(s).eligible);
}

TEST_CASE("dataset: a caller affiliated with the owner on its call date, or outside the district, does not count") {
  auto s = calls(5);
  s.person("P").equity("P", kOwner, 30).equity("P", caller(5), 30, "2025-01-01", json::value("2025-05-31"));
  s.call("CALL6", "DS1", caller(5), "2025-06-01", yuan(100'000));  // no longer affiliated
  auto e = only(s);
  CHECK(item(e, "CALL5").codes == std::vector<std::string>{"AFFILIATED"});
  CHECK(item(e, "CALL6").qualifies);
  CHECK(e.basis->fen() == yuan(2'100'000));
  auto o = calls(4);
  o.enterprise(uscc(320), "区外调用方", {"other"}, false).call("CALL9", "DS1", uscc(320), "2025-06-01", yuan(500'000));
  auto x = only(o);
  CHECK(item(x, "CALL9").codes == std::vector<std::string>{"CALLER_NOT_IN_DISTRICT"});
  CHECK(x.has_reason("CALLER_NOT_IN_DISTRICT"));
  CHECK(x.award.fen() == yuan(200'000));
}

TEST_CASE("dataset: a chain and a family make a caller affiliated with the owner") {
  auto s = calls(5);
  s.enterprise(uscc(330), "中间公司M", {"other"});
  s.equity(kOwner, uscc(330), 25).equity(uscc(330), caller(5), 25);
  s.person("A")
      .person("B")
      .family("A", "B", "sibling")
      .equity("A", kOwner, 20)
      .equity("B", kOwner, 5)
      .equity("B", caller(4), 25);
  auto e = only(s);
  CHECK(item(e, "CALL5").codes == std::vector<std::string>{"AFFILIATED"});
  CHECK(item(e, "CALL4").codes == std::vector<std::string>{"AFFILIATED"});
  CHECK(e.has_reason("NOT_ENOUGH_CALLERS"));
}

TEST_CASE("dataset: the 1,000,000.00 cap holds per owner per year across all its datasets") {
  auto s = calls(4);
  s.prior(kOwner, "dataset", 2025, yuan(900'000), "dataset", "DS-OTHER");
  s.prior(kOwner, "dataset", 2024, yuan(900'000), "dataset", "DS-OLD");
  auto e = only(s);
  CHECK(e.computed.fen() == yuan(200'000));
  CHECK(e.award.fen() == yuan(100'000));
  CHECK(e.has_reason("CAPPED"));
  CHECK(e.prior_approved.fen() == yuan(900'000));
}

TEST_CASE("dataset: a series pays what exceeds its approvals") {
  auto s = calls(4);
  s.prior(kOwner, "dataset", 2025, yuan(150'000), "dataset", "DS1");
  auto e = only(s);
  CHECK(e.eligible);
  CHECK(e.award.fen() == yuan(50'000));
}

// ---- clause 16

TEST_CASE(
    "platform: a municipal recognition is NOT_HIGH_LEVEL_PLATFORM, expenses outside the recognition do not count") {
  auto s = clauses_scenario();
  s.recognition(kPlatform, "municipal").expense("X1", kPlatform, "2025-02-01", "venue_rent", yuan(100'000));
  s.claim("C", "platform", kPlatform, 2025);
  auto e = only(s);
  CHECK_FALSE(e.eligible);
  CHECK(e.has_reason("NOT_HIGH_LEVEL_PLATFORM"));
  auto t = clauses_scenario();
  t.recognition(kPlatform, "national", "2025-03-01")
      .expense("X1", kPlatform, "2025-02-28", "venue_rent", yuan(100'000))
      .expense("X2", kPlatform, "2025-03-01", "construction", yuan(300'000))
      .claim("C", "platform", kPlatform, 2025);
  auto x = only(t);
  CHECK(x.eligible);
  CHECK(item(x, "X1").codes == std::vector<std::string>{"NOT_HIGH_LEVEL_PLATFORM"});
  CHECK(x.award.fen() == yuan(300'000));
  t.parameter("platform.rate", 50);
  CHECK(only(t).award.fen() == yuan(150'000));
}

TEST_CASE("event: no approval, outside the district, off the key direction, before the policy") {
  auto s = clauses_scenario();
  s.event("E0", kOrganizer, "2025-09-10", nullptr, yuan(100'000))
      .event("E1", kOrganizer, "2025-09-10", json::value("2025-09-09"), yuan(100'000), false)
      .event("E2", kOrganizer, "2025-09-10", json::value("2025-09-09"), yuan(100'000), true, "tourism")
      .event("E3", kOrganizer, "2024-06-24", json::value("2024-05-01"), yuan(100'000))
      .event("E4", kOrganizer, "2024-06-25", json::value("2024-05-01"), yuan(3'000'000));
  for (int i = 0; i <= 4; ++i)
    s.claim("C" + std::to_string(i), "event", kOrganizer, 0, "event", "E" + std::to_string(i));
  auto out = run(s);
  CHECK(out[0].has_reason("NO_PRIOR_APPROVAL"));
  CHECK(out[1].has_reason("NOT_IN_DISTRICT"));
  CHECK(out[2].has_reason("NOT_KEY_AREA"));
  CHECK(out[3].has_reason("POLICY_NOT_IN_FORCE"));
  for (int i = 0; i <= 3; ++i) CHECK(out[i].award.fen() == 0);
  CHECK(out[4].eligible);  // its approval may be older than the policy
  CHECK(out[4].award.fen() == yuan(1'000'000));
  CHECK(out[4].has_reason("CAPPED"));
}

TEST_CASE("event: each event is its own series") {
  auto s = clauses_scenario();
  s.event("E1", kOrganizer, "2025-09-10", json::value("2025-08-01"), yuan(1'000'000))
      .event("E2", kOrganizer, "2025-10-10", json::value("2025-08-01"), yuan(1'000'000))
      .prior(kOrganizer, "event", 2025, yuan(300'000), "event", "E1")
      .claim("C1", "event", kOrganizer, 0, "event", "E1")
      .claim("C2", "event", kOrganizer, 2025, "event", "E2");
  auto out = run(s);
  CHECK(out[0].award.fen() == yuan(200'000));
  CHECK(out[1].award.fen() == yuan(500'000));
}

// ---- series, caps and stacking

TEST_CASE("series: a later eda_rd claim of the year pays the remainder within the cap") {
  auto s = clauses_scenario();
  s.rd(kEda, 2025, "eda", yuan(200'000'000), yuan(1)).prior(kEda, "eda_rd", 2025, yuan(15'000'000));
  s.prior(kEda, "eda_rd", 2024, yuan(20'000'000)).claim("C", "eda_rd", kEda, 2025);
  auto e = only(s);
  CHECK(e.computed.fen() == yuan(30'000'000));
  CHECK(e.award.fen() == yuan(5'000'000));
  CHECK(e.has_reason("CAPPED"));
}

TEST_CASE("equipment_rd.cap_scope: year ignores other years' approvals, lifetime counts them") {
  auto s = clauses_scenario();
  s.rd(kEquipment, 2025, "equipment_material", yuan(100'000'000), yuan(1));
  s.prior(kEquipment, "equipment_rd", 2024, yuan(45'000'000)).claim("C", "equipment_rd", kEquipment, 2025);
  auto y = only(s);
  CHECK(y.award.fen() == yuan(15'000'000));
  CHECK(trace_has(y, "equipment_rd.cap_scope = year"));
  s.parameter("equipment_rd.cap_scope", "lifetime");
  auto l = only(s);
  CHECK(l.award.fen() == yuan(5'000'000));
  CHECK(l.has_reason("CAPPED"));
  CHECK(trace_has(l, "equipment_rd.cap_scope = lifetime"));
}

TEST_CASE("stacking: other levels' awards offset each claim of one enterprise on its own, clause 12 and 3 included") {
  auto s = base_scenario();  // kOem buys chips; kSupplier tapes out
  s.enterprise(kCenter, "杭州人工智能计算中心", {"compute_center"});
  s.purchase("INV1", 1, "2025-03-01", kOem, kSupplier, "P1", yuan(3'200'000))
      .contract("K1", kOem, kCenter, "2025-03-01", yuan(1'000'000))
      .contract("K2", kSupplier, kCenter, "2025-03-01", yuan(400'000))
      .linkage_claim("L", kOem, 2025, "chip_module")
      .claim("K", "compute", kOem, 2025)
      .tapeout_claim("T", kSupplier, "TO1")
      .claim("K2", "compute", kSupplier, 2025)
      .other_award("K", "province", yuan(300'000))
      .other_award("T", "city", yuan(400'000));
  auto out = run(s);
  CHECK(out[0].award.fen() == yuan(960'000));  // the linkage claim keeps its own award
  CHECK(out[1].award.fen() == yuan(200'000));  // 500,000 − 300,000
  CHECK(out[1].has_reason("OTHER_LEVEL_OFFSET"));
  CHECK(out[2].award.fen() == yuan(2'000'000));  // 2,400,000 − 400,000
  CHECK(out[3].award.fen() == yuan(200'000));
  CHECK_FALSE(out[3].has_reason("OTHER_LEVEL_OFFSET"));
  s.parameter("stacking", "exclusive");
  auto ex = run(s);
  CHECK(ex[1].award.fen() == 0);
  CHECK(ex[1].eligible);
  CHECK(ex[3].award.fen() == yuan(200'000));
}

TEST_CASE("eda_purchase: a voided invoice counts for nothing, a voided red invoice no longer nets") {
  auto s = clauses_scenario();
  s.signoff(kSignoff, "provincial")
      .purchase("I1", 1, "2025-03-01", kBuyer, kSignoff, "T1", yuan(1'000'000))
      .purchase("R1", 1, "2025-04-01", kBuyer, kSignoff, "T1", -yuan(400'000), 0, json::object{{"invoice", "I1"}, {"line", 1}})
      .purchase("I2", 1, "2025-05-01", kBuyer, kSignoff, "T1", yuan(300'000))
      .claim("C", "eda_purchase", kBuyer, 2025);
  CHECK(run(s).at(0).basis->fen() == yuan(900'000));
  s.arr("voids").push_back(json::object{{"invoice", "R1"}, {"date", "2025-06-01"}, {"source", "test"}});
  s.arr("voids").push_back(json::object{{"invoice", "I2"}, {"date", "2025-06-01"}, {"source", "test"}});
  auto e = run(s).at(0);
  CHECK(e.basis->fen() == yuan(1'000'000));
  CHECK(e.has_reason("INVOICE_VOIDED"));
}
