// Differential: the same generated e-invoice export, written as CSV UTF-8 (yuan text such as
// "1,234,567.89") and as an xlsx workbook (numbers as Apache POI writes them, "1.23456789E7"),
// imports to identical stored purchases and the same award. The generator mixes 数电 and
// old-system invoices, discount lines, and red invoices placed before or after their blue
// ones, over several seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "importers/csv_facts.hpp"
#include "registry/store/claims.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/xlsx_writer.hpp"

using chipreg::testing::run_chipreg;
using chipreg::testing::TempDir;
using chipreg::testing::write_file;
using chipreg::testing::write_xlsx;
namespace store = chipreg::store;

namespace {

const std::string kDesign = "91330108000000019R";
const std::string kOem = "91330108000000027L";

const std::vector<std::string> kHeader = {"序号",       "发票代码", "发票号码",           "数电发票号码", "销方识别号",
                                          "购方识别号", "开票日期", "货物或应税劳务名称", "规格型号",     "金额",
                                          "税额",       "价税合计", "发票状态",           "是否正数发票", "备注"};

// 123456789 fen -> "1,234,567.89".
std::string yuan_text(long long fen) {
  const bool neg = fen < 0;
  unsigned long long f = neg ? -fen : fen;
  std::string whole = std::to_string(f / 100);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) whole.insert(static_cast<std::size_t>(i), ",");
  char frac[4];
  std::snprintf(frac, sizeof frac, "%02llu", f % 100);
  return (neg ? "-" : "") + whole + "." + frac;
}

// What Java's Double.toString writes for fen / 100: "1234.5", "12.0", or from 10^7 on
// "1.2345E7" (the shortest digits, exactly: these values have at most 19 significant digits).
std::string poi_lexical(long long fen) {
  const bool neg = fen < 0;
  unsigned long long f = neg ? -fen : fen;
  std::string out = neg ? "-" : "";
  const std::string whole = std::to_string(f / 100);
  char two[3];
  std::snprintf(two, sizeof two, "%02llu", f % 100);
  std::string frac = two;
  while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
  if (f / 100 < 10'000'000) return out + whole + "." + frac;
  std::string digits = whole + two;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string mantissa = digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0");
  return out + mantissa + "E" + std::to_string(whole.size() - 1);
}

struct Row {
  std::string code, number, digital, model, date, positive, remark;
  long long amount = 0, tax = 0;
};

std::vector<Row> generate(unsigned seed, int invoices) {
  std::mt19937_64 rng(seed);
  auto pick = [&](long long lo, long long hi) { return std::uniform_int_distribution<long long>(lo, hi)(rng); };
  const char* models[] = {"XM-1", "XM-2", "XD-1"};
  std::vector<std::vector<Row>> groups;
  for (int i = 0; i < invoices; ++i) {
    Row head;
    head.date = "2025-0" + std::to_string(pick(3, 9)) + "-1" + std::to_string(pick(0, 9));
    head.positive = "是";
    const bool old = pick(0, 2) == 0;
    if (old) {
      head.code = pick(0, 1) ? "3300211130" : "033002100611";
      head.number = std::to_string(10'000'000 + i);
      head.digital = "--";
    } else {
      head.digital = "2533200000000" + std::to_string(1'000'000 + i);
    }
    std::vector<Row> lines;
    const int n = static_cast<int>(pick(1, 3));
    for (int k = 0; k < n; ++k) {
      Row r = head;
      r.model = models[pick(0, 2)];
      r.amount = pick(1, 2'000'000'000);
      r.tax = r.amount * 13 / 100;
      lines.push_back(r);
      if (pick(0, 4) == 0) {  // a discount line
        Row d = r;
        d.amount = -pick(1, r.amount / 4 + 1);
        d.tax = d.amount * 13 / 100;
        if (-d.amount <= r.amount / 4) lines.push_back(d);
      }
    }
    groups.push_back(lines);
    if (pick(0, 2) == 0) {  // a red invoice against the first line
      const Row& blue = lines.front();
      Row red;
      red.digital = "2533290000000" + std::to_string(1'000'000 + i);
      red.model = blue.model;
      red.date = blue.date;
      red.positive = "否";
      red.amount = -pick(1, blue.amount / 2 + 1);
      red.tax = red.amount * 13 / 100;
      if (-red.amount > blue.amount / 2) continue;
      const std::string original = old ? blue.code + blue.number : blue.digital;
      switch (pick(0, 2)) {
        case 0:
          red.remark = old ? "被红冲蓝字发票代码：" + blue.code + " 被红冲蓝字发票号码：" + blue.number
                           : "被红冲蓝字数电发票号码：" + original;
          break;
        case 1:
          red.remark = old ? "被红冲蓝字发票号码：" + blue.number + " 被红冲蓝字发票代码：" + blue.code
                           : "被红冲蓝字数电发票号码：" + original + " 红字发票信息确认单编号：X";
          break;
        default:
          red.remark =
              old ? "对应正数发票代码:" + blue.code + "号码:" + blue.number : "被红冲蓝字数电票号码：" + original;
      }
      groups.push_back({red});
    }
  }
  std::shuffle(groups.begin(), groups.end(), rng);  // reds land before or after their blues
  std::vector<Row> rows;
  for (auto& g : groups) rows.insert(rows.end(), g.begin(), g.end());
  return rows;
}

std::vector<std::string> cells(const Row& r, bool xlsx) {
  auto amount = [&](long long fen) { return xlsx ? "#n:" + poi_lexical(fen) : yuan_text(fen); };
  return {"1",    r.code,           r.number, r.digital,        kDesign,       kOem,
          r.date, "*集成电路*模组", r.model,  amount(r.amount), amount(r.tax), amount(r.amount + r.tax),
          "正常", r.positive,       r.remark};
}

struct Registry {
  TempDir dir;
  std::string db = dir.file("r.db");
  Registry() {
    REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
    write_file(dir.file("e.csv"),
               "uscc,name,in_district,roles\n" + kDesign + ",D,true,ic_design\n" + kOem + ",O,true,oem\n");
    write_file(dir.file("p.csv"), "id,kind,owner,self_developed,first_market_date,focus_area,model\nM1,module," +
                                      kDesign + ",true,2025-01-10,,XM-1\nM2,module," + kDesign +
                                      ",true,2025-01-10,,XM-2\nD1,device," + kDesign + ",true,2025-01-10,,XD-1\n");
    REQUIRE(run_chipreg({"import", "--db", db, "enterprises", dir.file("e.csv")}).exit_code == 0);
    REQUIRE(run_chipreg({"import", "--db", db, "products", dir.file("p.csv")}).exit_code == 0);
  }
  std::string import(const std::string& path) {
    auto r = run_chipreg({"import", "--db", db, "purchases", path});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    return r.out;
  }
  std::string purchases() { return run_chipreg({"export", "--db", db, "purchases"}).out; }
  std::int64_t award(chipreg::LinkageGroup g) {
    auto d = chipreg::db::Db::open(db);
    REQUIRE(d);
    auto tx = chipreg::db::Tx::begin(*d);
    REQUIRE(tx);
    store::ClaimFiling f{chipreg::RuleId::kLinkage, kOem, 2025, g, std::nullopt};
    auto c = store::file_claim(*d, f, "test");
    REQUIRE(c);
    REQUIRE(tx->commit());
    return c->award_fen;
  }
};

}  // namespace

TEST_CASE("import differential: POI lexicals spell the amounts the generator meant") {
  CHECK(poi_lexical(123450) == "1234.5");
  CHECK(poi_lexical(1200) == "12.0");
  CHECK(poi_lexical(1'200'000'000) == "1.2E7");
  CHECK(poi_lexical(1'234'567'891) == "1.234567891E7");
  CHECK(poi_lexical(-30'000) == "-300.0");
  CHECK(yuan_text(123456789) == "1,234,567.89");
  CHECK(yuan_text(-5) == "-0.05");
}

TEST_CASE("import differential: the same export as CSV and as xlsx stores identical rows and awards") {
  for (unsigned seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    const auto rows = generate(seed, 40);
    Registry csv, xlsx;
    std::string text;
    chipreg::importers::append_csv_record(text, kHeader);
    std::vector<std::vector<std::string>> sheet = {kHeader};
    for (const auto& r : rows) {
      chipreg::importers::append_csv_record(text, cells(r, false));
      sheet.push_back(cells(r, true));
    }
    write_file(csv.dir.file("export.csv"), text);
    write_xlsx(xlsx.dir.file("export.xlsx"), {{"信息汇总表", sheet}});
    const std::string a = csv.import(csv.dir.file("export.csv"));
    const std::string b = xlsx.import(xlsx.dir.file("export.xlsx"));
    CHECK(a == b);
    const std::string stored = csv.purchases();
    CHECK(std::count(stored.begin(), stored.end(), '\n') == static_cast<long>(rows.size()) + 1);
    CHECK(stored == xlsx.purchases());
    for (auto g : {chipreg::LinkageGroup::kChipModule, chipreg::LinkageGroup::kDeviceMaterial}) {
      const auto award = csv.award(g);
      CHECK(award == xlsx.award(g));
    }
  }
}
