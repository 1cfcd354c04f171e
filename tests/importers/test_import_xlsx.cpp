// `chipreg import --db PATH purchases FILE.xlsx` on synthetic 全量发票查询 workbooks written by
// the test (support/xlsx_writer.hpp): each real shape of the export, and for each the exact
// award of the linkage claim the imported lines lead to (store::file_claim), not only counts.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "registry/store/claims.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/xlsx_writer.hpp"

using chipreg::testing::run_chipreg;
using chipreg::testing::TempDir;
using chipreg::testing::write_file;
using chipreg::testing::write_xlsx;
using chipreg::testing::XlsxOptions;
using chipreg::testing::XlsxSheet;
using chipreg::testing::XlsxStrings;
namespace json = boost::json;
namespace store = chipreg::store;

namespace {

const std::string kDesign = "91330108000000019R";   // ic_design: sells modules XM-1, XM-2 and device XD-1
const std::string kOem = "91330108000000027L";      // oem in the district: the claimant
const std::string kFoundry = "91330108000000035F";  // registered, but sells no registered product

const std::vector<std::string> kHeader = {
    "序号",         "发票代码",   "发票号码", "数电发票号码", "销方识别号",   "销方名称",
    "购方识别号",   "购买方名称", "开票日期", "税收分类编码", "特定业务类型", "货物或应税劳务名称",
    "规格型号",     "单位",       "数量",     "单价",         "金额",         "税率",
    "税额",         "价税合计",   "发票来源", "发票票种",     "发票状态",     "是否正数发票",
    "发票风险等级", "开票人",     "备注"};

// One export line. Amounts are cell texts: "#n:3.5E6" a numeric cell, else a string cell.
struct L {
  std::string digital;  // 数电发票号码 ("--" for an old-system invoice)
  std::string amount, tax;
  std::string model = "XM-1";
  std::string code, number;  // old-system 发票代码 + 发票号码
  std::string positive = "是";
  std::string remark;
  std::string status = "正常";
  std::string seller = kDesign;
  std::string goods = "*集成电路*通信模组";
  std::string date = "2025-03-01 10:20:30";
  std::string total;
  std::string seq = "#n:1";
};

std::vector<std::string> cells(const L& l) {
  return {l.seq,
          l.code,
          l.number,
          l.digital,
          l.seller,
          "芯片设计公司",
          kOem,
          "整机厂",
          l.date,
          "1090000000000000000",
          "",
          l.goods,
          l.model,
          "个",
          "#n:1",
          "",
          l.amount,
          "13%",
          l.tax,
          l.total,
          "电子发票服务平台",
          "数电发票（增值税专用发票）",
          l.status,
          l.positive,
          "正常",
          "张三",
          l.remark};
}

std::vector<std::vector<std::string>> sheet(const std::vector<L>& lines) {
  std::vector<std::vector<std::string>> rows = {kHeader};
  for (const auto& l : lines) rows.push_back(cells(l));
  return rows;
}

struct Registry {
  TempDir dir;
  std::string db = dir.file("r.db");
  Registry() {
    REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
    write_file(dir.file("e.csv"), "uscc,name,in_district,roles\n" + kDesign + ",芯片设计公司,true,ic_design\n" + kOem +
                                      ",整机厂,true,oem\n" + kFoundry + ",Foundry,false,foundry\n");
    write_file(dir.file("p.csv"),
               "id,kind,owner,self_developed,first_market_date,focus_area,model\n"
               "M1,module," +
                   kDesign +
                   ",true,2025-01-10,chip_design,XM-1\n"
                   "M2,module," +
                   kDesign +
                   ",true,2025-01-10,chip_design,XM-2\n"
                   "D1,device," +
                   kDesign + ",true,2025-01-10,chip_design,XD-1\n");
    REQUIRE(run_chipreg({"import", "--db", db, "enterprises", dir.file("e.csv")}).exit_code == 0);
    REQUIRE(run_chipreg({"import", "--db", db, "products", dir.file("p.csv")}).exit_code == 0);
  }

  json::object import_xlsx(const std::string& name, const std::vector<L>& lines, int expect_exit,
                           const XlsxOptions& options = {}, const std::string& sheet_name = "信息汇总表") {
    const std::string path = dir.file(name);
    write_xlsx(path, {{"发票基础信息", {{"数电发票号码", "销方识别号", "金额"}}}, {sheet_name, sheet(lines)}}, options);
    return import_path(path, expect_exit);
  }
  json::object import_path(const std::string& path, int expect_exit) {
    auto r = run_chipreg({"import", "--db", db, "purchases", path});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == expect_exit);
    if (expect_exit == 2) return json::object{{"stderr", r.err}};
    return json::parse(r.out).as_object();
  }
  std::string purchases() {
    auto r = run_chipreg({"export", "--db", db, "purchases"});
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  // Files the claimant's linkage claim for 2025 and returns its award in fen.
  std::int64_t award(const char* group = "chip_module") {
    auto d = chipreg::db::Db::open(db);
    REQUIRE(d);
    auto tx = chipreg::db::Tx::begin(*d);
    REQUIRE(tx);
    store::ClaimFiling f;
    f.rule = chipreg::RuleId::kLinkage;
    f.claimant = kOem;
    f.year = 2025;
    f.group = std::string(group) == "chip_module" ? chipreg::LinkageGroup::kChipModule
                                                  : chipreg::LinkageGroup::kDeviceMaterial;
    auto c = store::file_claim(*d, f, "test");
    INFO((c ? "" : c.error().message));
    REQUIRE(c);
    REQUIRE(tx->commit());
    return c->award_fen;
  }
};

using E = std::tuple<long, std::string, std::string>;
std::vector<E> errors_of(const json::object& report) {
  std::vector<E> out;
  for (const auto& e : report.at("errors").as_array()) {
    const auto& o = e.as_object();
    out.emplace_back(o.at("line").as_int64(), std::string(o.at("field").as_string()),
                     std::string(o.at("code").as_string()));
  }
  return out;
}

std::int64_t skips(const json::object& report, const char* code) {
  if (!report.contains("skip_counts")) return 0;
  const auto& c = report.at("skip_counts").as_object();
  return c.contains(code) ? c.at(code).as_int64() : 0;
}

const std::string kPurchaseHeader =
    "invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n";
std::string stored(const std::string& invoice, int line, const std::string& product, long long amount, long long tax,
                   const std::string& rev = "", const std::string& rev_line = "",
                   const std::string& date = "2025-03-01") {
  return invoice + "," + std::to_string(line) + "," + date + "," + kOem + "," + kDesign + "," + product + "," +
         std::to_string(amount) + "," + std::to_string(tax) + "," + rev + "," + rev_line + "\n";
}

}  // namespace

TEST_CASE("import xlsx: exponent amounts in a shared-string sheet convert exactly, and the award follows") {
  Registry reg;
  // 3.5E6 + 455000.0 = 3,955,000.00 元 of modules -> 30 % = 1,186,500.00 元; 1.2E7 + 1.56E6
  // of a device -> two full 5,000,000 元 steps = 200,000.00 元.
  auto rep = reg.import_xlsx(
      "a.xlsx",
      {{.digital = "25332000000000000001", .amount = "#n:3.5E6", .tax = "#n:455000.0", .total = "#n:3955000.0"},
       {.digital = "25332000000000000002",
        .amount = "#n:1.2E7",
        .tax = "#n:1.56E6",
        .model = "XD-1",
        .total = "#n:1.356E7"}},
      0);
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(rep.at("rejected").as_int64() == 0);
  CHECK(reg.purchases() == kPurchaseHeader + stored("25332000000000000001", 1, "M1", 350000000, 45500000) +
                               stored("25332000000000000002", 1, "D1", 1200000000, 156000000));
  CHECK(reg.award("chip_module") == 118'650'000);
  CHECK(reg.award("device_material") == 20'000'000);
}

TEST_CASE("import xlsx: an inline-string sheet with missing cells imports like the shared-string one") {
  Registry reg;
  // String amounts ("1,000,000.00"), no 发票代码 / 发票号码 / 备注 / 价税合计 cells at all, rows
  // without r= references.
  auto rep = reg.import_xlsx(
      "i.xlsx",
      {{.digital = "25332000000000000011", .amount = "3,000,000.00", .tax = "390,000.00"},
       {.digital = "25332000000000000011", .amount = "#n:1000000.0", .tax = "#n:130000.0", .model = "XM-2"}},
      0, XlsxOptions{.strings = XlsxStrings::kInline, .omit_row_refs = true});
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(reg.purchases() == kPurchaseHeader + stored("25332000000000000011", 1, "M1", 300000000, 39000000) +
                               stored("25332000000000000011", 2, "M2", 100000000, 13000000));
  // 4,520,000.00 元 x 30 % = 1,356,000.00 元.
  CHECK(reg.award() == 135'600'000);
}

TEST_CASE("import xlsx: red lines before their blue ones, across old-system and 数电 invoices, both remark orders") {
  Registry reg;
  // Newest first, as the platform sorts: the three red 数电 invoices come before the blue
  // ones they reverse. R1 names an old invoice number first, R2 code first, R3 a 数电 one.
  const std::string ob1_code = "3300211130", ob1_no = "00000001";    // 10-digit code
  const std::string ob2_code = "033002100611", ob2_no = "00000002";  // 12-digit code
  auto rep = reg.import_xlsx(
      "r.xlsx",
      {{.digital = "25332000000000000201",
        .amount = "#n:-500000.0",
        .tax = "#n:-65000.0",
        .positive = "否",
        .remark = "被红冲蓝字发票号码：" + ob1_no + " 被红冲蓝字发票代码：" + ob1_code,
        .date = "2025-03-20"},
       {.digital = "25332000000000000202",
        .amount = "-200,000.00",
        .tax = "-26,000.00",
        .positive = "否",
        .remark = "被红冲蓝字发票代码：" + ob2_code + "被红冲蓝字发票号码：" + ob2_no,
        .date = "2025-03-19"},
       {.digital = "25332000000000000203",
        .amount = "#n:-300000.0",
        .tax = "#n:-39000.0",
        .positive = "否",
        .remark = "被红冲蓝字数电发票号码：25332000000000000101 红字发票信息确认单编号：HZ01",
        .date = "2025-03-18"},
       {.digital = "25332000000000000101", .amount = "#n:2000000.0", .tax = "#n:260000.0", .date = "2025-03-03"},
       {.digital = "--",
        .amount = "#n:1000000.0",
        .tax = "#n:130000.0",
        .code = ob2_code,
        .number = ob2_no,
        .date = "2025-03-02"},
       {.digital = "--",
        .amount = "#n:2000000.0",
        .tax = "#n:260000.0",
        .code = ob1_code,
        .number = ob1_no,
        .date = "2025-03-01"}},
      0);
  CHECK(rep.at("imported").as_int64() == 6);
  CHECK(rep.at("rejected").as_int64() == 0);
  CHECK(reg.purchases() ==
        kPurchaseHeader + stored("25332000000000000101", 1, "M1", 200000000, 26000000, "", "", "2025-03-03") +
            stored(ob2_code + ob2_no, 1, "M1", 100000000, 13000000, "", "", "2025-03-02") +
            stored(ob1_code + ob1_no, 1, "M1", 200000000, 26000000) +
            stored("25332000000000000201", 1, "M1", -50000000, -6500000, ob1_code + ob1_no, "1", "2025-03-20") +
            stored("25332000000000000202", 1, "M1", -20000000, -2600000, ob2_code + ob2_no, "1", "2025-03-19") +
            stored("25332000000000000203", 1, "M1", -30000000, -3900000, "25332000000000000101", "1", "2025-03-18"));
  // Blue 5,650,000 - red 1,130,000 = 4,520,000.00 元 -> 1,356,000.00 元.
  CHECK(reg.award() == 135'600'000);
}

TEST_CASE("import xlsx: a discount line nets into its invoice's preceding line of the same goods") {
  Registry reg;
  auto rep = reg.import_xlsx(
      "d.xlsx",
      {{.digital = "25332000000000000301", .amount = "#n:4000000.0", .tax = "#n:520000.0"},
       {.digital = "25332000000000000301", .amount = "#n:100000.0", .tax = "#n:13000.0", .model = "XM-2"},
       {.digital = "25332000000000000301",
        .amount = "#n:-400000.0",
        .tax = "#n:-52000.0",
        .positive = "是",
        .total = "#n:-452000.0"}},
      0);
  CHECK(rep.at("imported").as_int64() == 3);
  CHECK(reg.purchases() ==
        kPurchaseHeader + stored("25332000000000000301", 1, "M1", 400000000, 52000000) +
            stored("25332000000000000301", 2, "M2", 10000000, 1300000) +
            stored("25332000000000000301", 3, "M1", -40000000, -5200000, "25332000000000000301", "1"));
  // 4,520,000 + 113,000 - 452,000 = 4,181,000.00 元 -> 1,254,300.00 元.
  CHECK(reg.award() == 125'430'000);
}

TEST_CASE("import xlsx: a second overlapping export imports only its new lines and nothing twice") {
  Registry reg;
  const L x1{.digital = "25332000000000000401", .amount = "#n:2000000.0", .tax = "#n:260000.0"};
  const L x2{.digital = "25332000000000000402", .amount = "#n:1000000.0", .tax = "#n:130000.0"};
  const L x3{.digital = "25332000000000000403", .amount = "#n:1000000.0", .tax = "#n:130000.0", .date = "2025-04-01"};
  const L r1{.digital = "25332000000000000404",
             .amount = "#n:-100000.0",
             .tax = "#n:-13000.0",
             .positive = "否",
             .remark = "被红冲蓝字数电发票号码：25332000000000000401",
             .date = "2025-04-02"};
  auto first = reg.import_xlsx("1.xlsx", {x2, x1}, 0);
  CHECK(first.at("imported").as_int64() == 2);
  // The next month's export overlaps: x2 and x1 again, x3 and a red line against x1 new.
  auto second = reg.import_xlsx("2.xlsx", {r1, x3, x2, x1}, 0);
  CHECK(second.at("imported").as_int64() == 2);
  CHECK(second.at("rejected").as_int64() == 0);
  CHECK(skips(second, "ALREADY_IMPORTED") == 2);
  // And once more: everything is there already.
  auto third = reg.import_xlsx("3.xlsx", {r1, x3, x2, x1}, 0);
  CHECK(third.at("imported").as_int64() == 0);
  CHECK(skips(third, "ALREADY_IMPORTED") == 4);
  // 2,260,000 + 1,130,000 + 1,130,000 - 113,000 = 4,407,000.00 元 -> 1,322,100.00 元 (counted
  // twice, x1 and x2 would reach the 1,500,000 cap).
  CHECK(reg.award() == 132'210'000);
}

TEST_CASE("import xlsx: rows that cannot be a subsidised purchase are skipped by reason and the import exits 0") {
  Registry reg;
  auto rep = reg.import_xlsx(
      "s.xlsx",
      {{.digital = "25332000000000000501", .amount = "#n:3000000.0", .tax = "#n:390000.0"},
       {.digital = "25332000000000000502",
        .amount = "#n:800.0",
        .tax = "#n:104.0",
        .model = "",
        .seller = kFoundry,
        .goods = "*供电*电费"},
       {.digital = "25332000000000000503",
        .amount = "#n:300.0",
        .tax = "#n:9.0",
        .model = "",
        .seller = "330108123456789",
        .goods = "*餐饮服务*餐费"},
       {.digital = "25332000000000000504",
        .amount = "#n:300.0",
        .tax = "#n:9.0",
        .model = "",
        .seller = "33010819800101123X01",
        .goods = "*运输服务*客运"},
       {.digital = "--",
        .amount = "#n:100000.0",
        .tax = "#n:13000.0",
        .model = "",
        .code = "3300211130",
        .number = "00000009",
        .goods = "(详见销货清单)"},
       {.digital = "25332000000000000505", .amount = "#n:500000.0", .tax = "#n:65000.0", .status = "已作废"},
       {.digital = "",
        .amount = "#n:3600800.0",
        .tax = "#n:468122.0",
        .model = "",
        .seller = "",
        .goods = "",
        .seq = "合计"}},
      0);
  CHECK(rep.at("imported").as_int64() == 1);
  CHECK(rep.at("rejected").as_int64() == 0);
  CHECK(skips(rep, "NO_REGISTERED_PRODUCT") == 1);
  CHECK(skips(rep, "NON_USCC_SELLER") == 2);
  CHECK(skips(rep, "SUMMARY_LINE") == 1);
  CHECK(skips(rep, "VOIDED") == 1);
  CHECK(skips(rep, "TOTAL_ROW") == 1);
  const auto& listed = rep.at("skipped").as_array();
  REQUIRE(listed.size() == 6);
  CHECK(listed[0].at("line").as_int64() == 3);
  CHECK(listed[0].at("code").as_string() == "NO_REGISTERED_PRODUCT");
  CHECK(listed[5].at("line").as_int64() == 8);
  // 3,390,000.00 元 -> 1,017,000.00 元.
  CHECK(reg.award() == 101'700'000);
}

TEST_CASE("import xlsx: invoice numbers by shape, fractional fen, and the errors name column and row") {
  Registry reg;
  auto rep = reg.import_xlsx(
      "b.xlsx",
      {{.digital = "#n:2.4377E+19", .amount = "#n:100.0", .tax = "#n:13.0"},
       {.digital = "2533200000000000060", .amount = "#n:100.0", .tax = "#n:13.0"},
       {.digital = "--", .amount = "#n:100.0", .tax = "#n:13.0", .code = "33002111", .number = "00000001"},
       {.digital = "--", .amount = "#n:100.0", .tax = "#n:13.0", .code = "3300211130", .number = "1"},
       {.digital = "25332000000000000601", .amount = "#n:1.234", .tax = "#n:0.0"},
       {.digital = "25332000000000000602", .amount = "#n:3500000.0", .tax = "#n:455000.0"}},
      1);
  CHECK(rep.at("imported").as_int64() == 1);
  INFO(json::serialize(rep));
  CHECK(errors_of(rep) == std::vector<E>{{2, "数电发票号码", "BAD_INVOICE_NUMBER"},
                                         {3, "数电发票号码", "BAD_INVOICE_NUMBER"},
                                         {4, "发票代码", "BAD_INVOICE_NUMBER"},
                                         {5, "发票号码", "BAD_INVOICE_NUMBER"},
                                         {6, "金额", "BAD_AMOUNT"}});
  CHECK_THAT(std::string(rep.at("errors").as_array()[4].at("message").as_string()),
             Catch::Contains("not a whole number of fen"));
  CHECK(reg.award() == 118'650'000);
}

TEST_CASE("import xlsx: a workbook without the line-level sheet and a GB18030 CSV exit 2 with what to do") {
  Registry reg;
  write_xlsx(reg.dir.file("basic.xlsx"),
             {{"发票基础信息", {{"数电发票号码", "销方识别号", "金额"}, {"1", "2", "#n:3"}}}});
  auto basic = reg.import_path(reg.dir.file("basic.xlsx"), 2);
  CHECK_THAT(std::string(basic.at("stderr").as_string()),
             Catch::Contains("BAD_HEADER") && Catch::Contains("信息汇总表"));
  // "序号,销方识别号" in GB18030.
  write_file(reg.dir.file("gbk.csv"), "\xD0\xF2\xBA\xC5,\xCF\xFA\xB7\xBD\xCA\xB6\xB1\xF0\xBA\xC5\n1,2\n");
  auto gbk = reg.import_path(reg.dir.file("gbk.csv"), 2);
  CHECK_THAT(std::string(gbk.at("stderr").as_string()), Catch::Contains("NOT_UTF8") && Catch::Contains("CSV UTF-8"));
  // A workbook under another name is still told by its zip signature.
  write_xlsx(
      reg.dir.file("export.dat"),
      {{"信息汇总表", sheet({{.digital = "25332000000000000701", .amount = "#n:3500000.0", .tax = "#n:455000.0"}})}});
  CHECK(reg.import_path(reg.dir.file("export.dat"), 0).at("imported").as_int64() == 1);
  CHECK(reg.award() == 118'650'000);
}

TEST_CASE("import xlsx: a later export's 已作废 voids a stored invoice and 已红冲 without its red invoice is reversal_missing") {
  Registry reg;
  const L a1{.digital = "25332000000000000801", .amount = "#n:2000000.0", .tax = "#n:260000.0"};
  const L a2{.digital = "25332000000000000801", .amount = "#n:1000000.0", .tax = "#n:130000.0", .model = "XM-2"};
  const L b1{.digital = "25332000000000000802", .amount = "#n:1000000.0", .tax = "#n:130000.0"};
  reg.import_xlsx("1.xlsx", {a1, a2, b1}, 0);
  // Next export: 0801 now reads 已红冲-部分 and 0802 已作废; 0803 is new and already
  // 已红冲-全额 (two lines, one with a discount line, which is not a red invoice).
  L a1r = a1, a2r = a2, b1v = b1;
  a1r.status = a2r.status = "已红冲-部分";
  b1v.status = "已作废";
  const L c1{.digital = "25332000000000000803", .amount = "#n:300000.0", .tax = "#n:39000.0", .status = "已红冲-全额"};
  const L c2{.digital = "25332000000000000803", .amount = "#n:-30000.0", .tax = "#n:-3900.0", .status = "已红冲-全额"};
  auto rep = reg.import_xlsx("2.xlsx", {a1r, a2r, b1v, c1, c2}, 0);
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(skips(rep, "ALREADY_IMPORTED") == 2);
  CHECK(skips(rep, "VOIDED") == 1);
  REQUIRE(rep.contains("voids"));
  CHECK(rep.at("voids").as_array().size() == 1);
  CHECK(rep.at("voids").as_array()[0].at("invoice").as_string() == "25332000000000000802");
  REQUIRE(rep.contains("reversal_missing"));
  std::vector<std::string> missing;
  for (const auto& m : rep.at("reversal_missing").as_array()) missing.emplace_back(m.at("invoice").as_string());
  CHECK(missing == std::vector<std::string>{"25332000000000000801", "25332000000000000803"});
  // 0801 (已红冲-部分) counts in full, 0802 is void, 0803 (已红冲-全额, no red invoice) does not
  // count: 2,260,000 + 1,130,000 = 3,390,000.00 元 -> 1,017,000.00 元.
  CHECK(reg.award() == 101'700'000);
  // A third export shows 0801 as 正常 again: its status is cleared, once.
  auto third = reg.import_xlsx("3.xlsx", {a1, a2}, 0);
  CHECK(skips(third, "ALREADY_IMPORTED") == 2);
  REQUIRE(third.contains("statuses"));
  CHECK(third.at("statuses").as_array().size() == 1);
  CHECK(third.at("statuses").as_array()[0].at("invoice").as_string() == "25332000000000000801");
  CHECK(third.at("statuses").as_array()[0].at("status").as_string() == "正常");
  CHECK_FALSE(reg.import_xlsx("4.xlsx", {a1, a2}, 0).contains("statuses"));
}

namespace {

// The sheet of `lines` as inline-string XML, written verbatim into a workbook whose
// workbook.xml says `workbook_pr` (for <workbookPr date1904="1"/>).
void write_workbook(const std::string& path, const std::vector<L>& lines, const std::string& workbook_pr) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet "
      "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
  const auto rows = sheet(lines);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::string n = std::to_string(r + 1);
    xml += "<row r=\"" + n + "\">";
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const std::string& v = rows[r][c];
      if (v.empty()) continue;
      const std::string ref = chipreg::testing::column_letters(c) + n;
      if (v.rfind("#n:", 0) == 0) {
        xml += "<c r=\"" + ref + "\"><v>" + v.substr(3) + "</v></c>";
      } else {
        xml += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + v + "</t></is></c>";
      }
    }
    xml += "</row>";
  }
  xml += "</sheetData></worksheet>";
  chipreg::testing::write_zip(
      path, {{"xl/workbook.xml",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<workbook "
              "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
              "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" +
                  workbook_pr + "<sheets><sheet name=\"信息汇总表\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
             {"xl/_rels/workbook.xml.rels",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships "
              "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
              "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
              "Target=\"worksheets/sheet1.xml\"/></Relationships>"},
             {"xl/worksheets/sheet1.xml", xml}});
}

// The lines of an export, sorted (the export lists rows in the order they were stored).
std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from < text.size()) {
    const auto nl = text.find('\n', from);
    out.push_back(text.substr(from, nl == std::string::npos ? std::string::npos : nl - from));
    from = nl == std::string::npos ? text.size() : nl + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("import xlsx: a numeric 开票日期 is a 1900-system date serial, the time of day ignored") {
  Registry reg;
  // 45717.43 = 2025-03-01 10:20; 4.5748E4 = 45748 = 2025-04-01; 45657.99 = 2024-12-31 23:59,
  // outside the 2025 claim; and the text forms alongside.
  auto rep = reg.import_xlsx(
      "serial.xlsx",
      {{.digital = "25332000000000000901", .amount = "#n:2000000.0", .tax = "#n:260000.0", .date = "#n:45717.4305555556"},
       {.digital = "25332000000000000902", .amount = "#n:1000000.0", .tax = "#n:130000.0", .date = "#n:4.5748E4"},
       {.digital = "25332000000000000903", .amount = "#n:3000000.0", .tax = "#n:390000.0", .date = "#n:45657.999988"},
       {.digital = "25332000000000000904", .amount = "#n:500000.0", .tax = "#n:65000.0", .date = "2025-05-06"},
       {.digital = "25332000000000000905", .amount = "#n:500000.0", .tax = "#n:65000.0", .date = "2025-06-07 23:59:59"},
       {.digital = "25332000000000000906", .amount = "#n:100.0", .tax = "#n:13.0", .date = "#n:60"},
       {.digital = "25332000000000000907", .amount = "#n:100.0", .tax = "#n:13.0", .date = "#n:-3"}},
      1);
  CHECK(rep.at("imported").as_int64() == 5);
  CHECK(errors_of(rep) == std::vector<E>{{7, "开票日期", "BAD_DATE"}, {8, "开票日期", "BAD_DATE"}});
  CHECK(reg.purchases() == kPurchaseHeader + stored("25332000000000000901", 1, "M1", 200000000, 26000000) +
                               stored("25332000000000000902", 1, "M1", 100000000, 13000000, "", "", "2025-04-01") +
                               stored("25332000000000000903", 1, "M1", 300000000, 39000000, "", "", "2024-12-31") +
                               stored("25332000000000000904", 1, "M1", 50000000, 6500000, "", "", "2025-05-06") +
                               stored("25332000000000000905", 1, "M1", 50000000, 6500000, "", "", "2025-06-07"));
  // 2025: 2,260,000 + 1,130,000 + 565,000 + 565,000 = 4,520,000.00 元 -> 1,356,000.00 元 (the
  // 2024-12-31 invoice does not count).
  CHECK(reg.award() == 135'600'000);
}

TEST_CASE("import xlsx: a date1904 workbook counts its serials from 1904-01-01") {
  Registry reg;
  const std::vector<L> lines = {
      {.digital = "25332000000000000911", .amount = "#n:3000000.0", .tax = "#n:390000.0", .date = "#n:44255.5"},
      {.digital = "25332000000000000912", .amount = "#n:1000000.0", .tax = "#n:130000.0", .date = "#n:44195"}};
  write_workbook(reg.dir.file("1904.xlsx"), lines, "<workbookPr date1904=\"1\"/>");
  auto rep = reg.import_path(reg.dir.file("1904.xlsx"), 0);
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(reg.purchases() == kPurchaseHeader +
                               stored("25332000000000000911", 1, "M1", 300000000, 39000000, "", "", "2025-03-01") +
                               stored("25332000000000000912", 1, "M1", 100000000, 13000000, "", "", "2024-12-31"));
  // Only 2025-03-01 counts: 3,390,000.00 元 -> 1,017,000.00 元 (with the 2024-12-31 line it
  // would be 4,520,000.00 元 -> 1,356,000.00 元).
  CHECK(reg.award() == 101'700'000);
  // The same serials in a 1900-system workbook are 2020 dates: no 2025 award at all.
  Registry other;
  write_workbook(other.dir.file("1900.xlsx"), lines, "<workbookPr date1904=\"false\"/>");
  other.import_path(other.dir.file("1900.xlsx"), 0);
  CHECK(other.purchases() == kPurchaseHeader +
                                 stored("25332000000000000911", 1, "M1", 300000000, 39000000, "", "", "2021-02-28") +
                                 stored("25332000000000000912", 1, "M1", 100000000, 13000000, "", "", "2020-12-30"));
  auto d = chipreg::db::Db::open(other.db);
  REQUIRE(d);
  auto tx = chipreg::db::Tx::begin(*d);
  REQUIRE(tx);
  store::ClaimFiling f;
  f.rule = chipreg::RuleId::kLinkage;
  f.claimant = kOem;
  f.year = 2025;
  f.group = chipreg::LinkageGroup::kChipModule;
  auto c = store::file_claim(*d, f, "test");
  CHECK((!c || c->award_fen == 0));
}

TEST_CASE("import xlsx: red and blue lines resolve in any order, an invoice's lines need not be adjacent") {
  // Blue 数电 invoice B (XM-1 then XM-2, other rows between them), blue old-system invoice O,
  // red RB reversing B's XM-2 line, red RO reversing O (remark number first). Every order of
  // the five rows that keeps B's two lines in their order imports the same rows and award.
  const std::string o_code = "3300211130", o_no = "00000077";
  const L b1{.digital = "25332000000000001001", .amount = "#n:2000000.0", .tax = "#n:260000.0"};
  const L b2{.digital = "25332000000000001001", .amount = "#n:1000000.0", .tax = "#n:130000.0", .model = "XM-2"};
  const L o{.digital = "--", .amount = "#n:1500000.0", .tax = "#n:195000.0", .code = o_code, .number = o_no};
  const L rb{.digital = "25332000000000001002",
             .amount = "#n:-400000.0",
             .tax = "#n:-52000.0",
             .model = "XM-2",
             .positive = "否",
             .remark = "被红冲蓝字数电发票号码：25332000000000001001"};
  const L ro{.digital = "25332000000000001003",
             .amount = "#n:-500000.0",
             .tax = "#n:-65000.0",
             .positive = "否",
             .remark = "被红冲蓝字发票号码：" + o_no + " 被红冲蓝字发票代码：" + o_code};
  const std::vector<L> all = {b1, b2, o, rb, ro};
  const std::string want =
      kPurchaseHeader + stored("25332000000000001001", 1, "M1", 200000000, 26000000) +
      stored("25332000000000001001", 2, "M2", 100000000, 13000000) +
      stored("25332000000000001002", 1, "M2", -40000000, -5200000, "25332000000000001001", "2") +
      stored("25332000000000001003", 1, "M1", -50000000, -6500000, o_code + o_no, "1") +
      stored(o_code + o_no, 1, "M1", 150000000, 19500000);
  std::vector<int> order = {0, 1, 2, 3, 4};
  int tried = 0;
  do {
    if (std::find(order.begin(), order.end(), 0) > std::find(order.begin(), order.end(), 1)) continue;
    // Every third order (20 of the 60), always including the first (blue first) and the
    // last (all red first, B's lines apart).
    if (tried++ % 3 != 0 && order != std::vector<int>{4, 3, 2, 0, 1} && order != std::vector<int>{4, 3, 0, 2, 1}) {
      continue;
    }
    std::vector<L> lines;
    std::string shown;
    for (int i : order) lines.push_back(all[static_cast<std::size_t>(i)]), shown += std::to_string(i);
    INFO("order " << shown);
    Registry reg;
    auto rep = reg.import_xlsx("o.xlsx", lines, 0);
    CHECK(rep.at("imported").as_int64() == 5);
    CHECK(rep.at("rejected").as_int64() == 0);
    CHECK(sorted_lines(reg.purchases()) == sorted_lines(want));
    // Blue 2,260,000 + 1,130,000 + 1,695,000 = 5,085,000; red 452,000 + 565,000: 4,068,000.00
    // 元 -> 1,220,400.00 元.
    CHECK(reg.award() == 122'040'000);
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(tried == 60);
}
