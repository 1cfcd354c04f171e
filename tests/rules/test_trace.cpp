// The trace of clauses 12 and 3 as rules/trace.cpp narrates it, pinned word for word on a
// scenario that reaches most of its sentences (tests/data/scenarios/trace_pinned.json): a
// line excluded for five reasons, a 已红冲-部分 line, a voided blue and a voided red
// invoice, an over-reversal, a line claimed elsewhere, a series approval, another level's
// grant; a tape-out at exactly the split and one capped by the small row's cap. The
// expected text is what the engine printed before the rules were split into steps.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "registry/rules/evaluation.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/domain/policy.hpp"
#include "registry/rules/trace.hpp"
#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

std::vector<rules::ClaimEvaluation> pinned() {
  std::ifstream in(std::string(CHIPREG_TEST_DATA) + "/scenarios/trace_pinned.json");
  std::stringstream text;
  text << in.rdbuf();
  auto facts = json_io::parse_scenario(text.str());
  REQUIRE(facts);
  auto out = rules::evaluate(*facts, policy::versions());
  REQUIRE(out);
  return std::move(*out);
}

}  // namespace

TEST_CASE("trace: a linkage claim narrates each line, the net, the formula, the series and §7.1 word for word") {
  auto e = pinned().at(0);
  CHECK(e.award.fen() == 65000000);
  const std::vector<std::string> expected = {
      "政策版本 binjiang-ic-2024 (2024-06-25 起施行), 适用于 2025-12-31",
      "第12条 申请人 整机厂A 91330108000000166B: 终端厂商/系统集成商 是; 注册在高新区(滨江) 是",
      "第12条 发票 24332000000000000001 第1行 2025-03-01 产品 P1: 2,000,000.00 元 计入",
      "第12条 发票 24332000000000000001 第2行 2025-03-02 产品 P1: 1,500,000.00 元 计入",
      "第12条 发票 24332000000000000002 第1行 2025-04-01 产品 P2: 500,000.00 元 不计入 [SUPPLIER_NOT_IC_ENTERPRISE, "
      "AFFILIATED, NOT_SELF_DEVELOPED, NOT_FIRST_LISTED, CHIP_WITHOUT_TAPEOUT]; 销售方 91330108000124329T "
      "不是集成电路企业; 购销双方关联 (阈值 25.00%): 整机厂A (91330108000000166B) holds 30.00% of 贸易商X "
      "(91330108000124329T); 产品非自主研发; 采购日 2025-04-01 不在首次上市 2020-01-01 起 36 个月以内 (至 2023-01-01); "
      "芯片无登记晶圆厂为销售方出具的流片证明",
      "第12条 发票 24332000000000000003 第1行 2025-05-01 产品 P1: 1,500,000.00 元 计入 [REVERSAL_MISSING: 平台显示 "
      "已红冲-部分, 红字发票未登记; 全额计入, 须审核说明]",
      "第12条 发票 24332000000000000004 第1行 2025-06-01 产品 P1: 700,000.00 元 不计入 [INVOICE_VOIDED]; 发票已作废 "
      "(2025-09-01, api)",
      "第12条 发票 24332000000000000005 第1行 2025-07-01 产品 P1: 600,000.00 元 不计入 [ALREADY_CLAIMED]; "
      "该发票行已计入其他申报",
      "第12条 发票 24332000000000000008 第1行 2025-08-01 产品 P1: -100,000.00 元 (红字发票, 冲减 发票 "
      "24332000000000000001 第1行) 不计入 [INVOICE_VOIDED]; 红字发票已作废, 不再冲减",
      "第12条 发票 24332000000000000009 第1行 2026-01-15 产品 P1: -1,500,000.00 元 (红字发票, 冲减 发票 "
      "24332000000000000001 第2行) 计入",
      "第12条 芯片/模组类: 年度合格采购额 (价税合计) 3,500,000.00 元 ≥ 3,000,000.00 元; 30.00% = 1,050,000.00 元 "
      "(向下取整到分)",
      "第12条 同一年度同类别已核准 300,000.00 元, 扣减已核准金额: max(0, 1,050,000.00 − 300,000.00) = 750,000.00 元",
      "§7.1 从高、从优、不重复 (stacking = top_up): 其他层级已就本项目支持 100,000.00 元 (city 100,000.00 元); "
      "区级补足 max(0, 750,000.00 − 100,000.00) = 650,000.00 元",
      "第12条 结论: 符合条件, 奖励 650,000.00 元",
  };
  CHECK(e.trace == expected);
}

TEST_CASE("trace: a tape-out at exactly the split names both rows and the one it takes") {
  auto e = pinned().at(1);
  CHECK(e.award.fen() == 150000000);
  const std::vector<std::string> expected = {
      "政策版本 binjiang-ic-2024 (2024-06-25 起施行), 适用于 2024-10-01",
      "第3条 流片 TO2: 产品 P3, 晶圆厂 91330108000000481Y, 设计方 91330108000000326J, 2024-10-01, mpw, 费用 "
      "10,000,000.00 元",
      "第3条 流片费用恰为 10,000,000.00 元, \"以上\"与\"以下\"两档均适用 (BOUNDARY_AMBIGUOUS, tapeout.boundary = "
      "favorable): 30.00% 档封顶后 1,000,000.00 元, 15.00% 档封顶后 1,500,000.00 元; 取 15% 档",
      "第3条 首次流片费用 10,000,000.00 元 ≥ 10,000,000.00 元; 15.00% = 1,500,000.00 元 (向下取整到分)",
      "第3条 本年度已核准流片奖励 2,000,000.00 元 (其中 30% 档 2,000,000.00 元)",
      "第3条 结论: 符合条件, 奖励 1,500,000.00 元",
  };
  CHECK(e.trace == expected);
}

TEST_CASE("trace: a small-row tape-out capped by what the small row's cap leaves") {
  auto e = pinned().at(2);
  CHECK(e.award.fen() == 100000000);
  const std::vector<std::string> expected = {
      "政策版本 binjiang-ic-2024 (2024-06-25 起施行), 适用于 2024-11-01",
      "第3条 流片 TO3: 产品 P4, 晶圆厂 91330108000000481Y, 设计方 91330108000000326J, 2024-11-01, mpw, 费用 "
      "8,000,000.00 元",
      "第3条 首次流片费用 8,000,000.00 元 ≤ 10,000,000.00 元; 30.00% = 2,400,000.00 元 (向下取整到分)",
      "第3条 本年度已核准流片奖励 2,000,000.00 元 (其中 30% 档 2,000,000.00 元)",
      "第3条 年度上限: 30% 档 3,000,000.00 元, 且全部流片奖励 20,000,000.00 元, 尚余 1,000,000.00 元; 2,400,000.00 元 "
      "→ 1,000,000.00 元 (CAPPED)",
      "第3条 结论: 符合条件, 奖励 1,000,000.00 元",
  };
  CHECK(e.trace == expected);
}

TEST_CASE("trace: the tape-out rows are named by their rate parameters, not by literals") {
  Scenario s;
  s.enterprise(kSupplier, "芯片设计B", {"ic_design"}).enterprise(kFoundry, "晶圆厂F", {"foundry"});
  s.product("P1", "chip", kSupplier).tapeout("TO1", "P1", kFoundry, kSupplier, "2024-09-01", 1'000'000'000);
  s.prior_tapeout(kSupplier, 2024, "small", 10'000'000);
  s.parameter("tapeout.small.rate", 25).tapeout_claim("C1", kSupplier, "TO1");
  auto e = run(s).at(0);
  // 25% of 10,000,000.00 leaves 2,500,000.00 against 15% = 1,500,000.00: the small row.
  CHECK(e.award.fen() == 250000000);
  CHECK(e.trace.at(2).ends_with("25.00% 档封顶后 2,500,000.00 元, 15.00% 档封顶后 1,500,000.00 元; 取 25% 档"));
  CHECK(e.trace.at(4) == "第3条 本年度已核准流片奖励 100,000.00 元 (其中 25% 档 100,000.00 元)");
}

TEST_CASE("trace: short_percent names a rate as the clause does") {
  CHECK(rules::short_percent(Rate::percent(30)) == "30%");
  CHECK(rules::short_percent(Rate::percent(0)) == "0%");
  CHECK(rules::short_percent(Rate::units(125'000)) == "12.5%");
  CHECK(rules::short_percent(Rate::units(1)) == "0.0001%");
  CHECK(rules::short_percent(Rate::units(249'999)) == "24.9999%");
}

TEST_CASE("policy conventions: the version of 31 December decides a claim year; years 1900-9999") {
  const policy::Conventions& c = policy::kConventions;
  CHECK(c.annual_date(2025) == Date::ymd(2025, 12, 31));
  CHECK(c.year_in_range(1900));
  CHECK(c.year_in_range(9999));
  CHECK_FALSE(c.year_in_range(1899));
  CHECK_FALSE(c.year_in_range(10000));
}

TEST_CASE("linkage: a claim year outside the conventions' range is BAD_VALUE on the year") {
  auto facts = json_io::parse_scenario(base_scenario().text());
  REQUIRE(facts);
  ClaimRequest claim{"C1", RuleId::kLinkage, Uscc::parse(kOem).value(), 10000, LinkageGroup::kChipModule, {}, {}, {},
                     {}};
  auto e = rules::evaluate_claim(*facts, claim, policy::versions());
  REQUIRE_FALSE(e);
  CHECK(e.error().code == "BAD_VALUE");
  CHECK(e.error().field == "year");
}
