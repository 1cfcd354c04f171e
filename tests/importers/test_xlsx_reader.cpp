// importers/xlsx_reader.hpp on workbooks the test writes itself (support/xlsx_writer.hpp):
// which sheet is read, every cell type, cells placed by reference, row numbers, and hostile
// archives (caps, DOCTYPE) with their codes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "importers/xlsx_reader.hpp"
#include "support/temp_dir.hpp"
#include "support/xlsx_writer.hpp"

using chipreg::importers::XlsxLimits;
using chipreg::importers::XlsxReader;
using chipreg::testing::TempDir;
using chipreg::testing::write_xlsx;
using chipreg::testing::write_zip;
using chipreg::testing::XlsxOptions;
using chipreg::testing::XlsxSheet;
using chipreg::testing::XlsxStrings;
using Rows = std::vector<std::vector<std::string>>;

namespace {

const std::vector<std::string> kHeader = {"序号", "销方识别号", "规格型号", "金额"};

// Every row of the selected sheet, with its sheet row number first.
Rows read_all(const std::string& path, std::string* sheet = nullptr) {
  auto r = XlsxReader::open_file(path);
  INFO((r ? "" : r.error().code + ": " + r.error().message));
  REQUIRE(r);
  if (sheet) *sheet = (*r)->sheet_name();
  Rows out;
  std::vector<std::string> cells;
  for (;;) {
    auto more = (*r)->next(cells);
    INFO((more ? "" : more.error().message));
    REQUIRE(more);
    if (!*more) break;
    std::vector<std::string> row = {std::to_string((*r)->record_line())};
    row.insert(row.end(), cells.begin(), cells.end());
    out.push_back(row);
  }
  CHECK((*r)->sheet_bytes_read() == (*r)->sheet_bytes());
  return out;
}

chipreg::Error open_error(const std::string& path, const XlsxLimits& limits = {}) {
  auto r = XlsxReader::open_file(path, limits);
  REQUIRE_FALSE(r);
  return r.error();
}

const std::string kWorkbook =
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet "
    "name=\"信息汇总表\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
const std::string kRels =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/></Relationships>";
std::string sheet_xml(const std::string& rows) {
  return "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
         "<sheetData>" +
         rows + "</sheetData></worksheet>";
}

}  // namespace

TEST_CASE("xlsx: a shared-string sheet reads every cell type, rich text joined and phonetic runs skipped") {
  TempDir dir;
  const std::string path = dir.file("w.xlsx");
  write_xlsx(path, {{"信息汇总表",
                     {kHeader,
                      {"#n:1", "91330108000000019R", "#rich:XC-|100", "#n:1.2E7"},
                      {"#n:2", "#b:1", "#e:#N/A", "#f:计算值"}}}});
  CHECK(read_all(path) == Rows{{"1", "序号", "销方识别号", "规格型号", "金额"},
                               {"2", "1", "91330108000000019R", "XC-100", "1.2E7"},
                               {"3", "2", "TRUE", "#N/A", "计算值"}});
}

TEST_CASE("xlsx: an inline-string sheet reads the same rows as a shared-string one") {
  TempDir dir;
  const Rows rows = {
      kHeader, {"#n:1", "91330108000000019R", "XC-100", "#n:-3.0E2"}, {"#n:2", "x&<y>", "\"q\"", "#n:0.5"}};
  write_xlsx(dir.file("s.xlsx"), {{"信息汇总表", rows}});
  write_xlsx(dir.file("i.xlsx"), {{"信息汇总表", rows}}, XlsxOptions{.strings = XlsxStrings::kInline});
  const Rows shared = read_all(dir.file("s.xlsx"));
  CHECK(shared == read_all(dir.file("i.xlsx")));
  CHECK(shared.at(2) == std::vector<std::string>{"3", "2", "x&<y>", "\"q\"", "0.5"});
}

TEST_CASE("xlsx: missing cells read as empty, by their r reference, and rows keep their sheet numbers") {
  TempDir dir;
  const std::string path = dir.file("m.xlsx");
  // The writer leaves out empty cells: row 3 has no B and no C, row 4 only D. The empty
  // row 5 is skipped; row numbers stay those of the sheet.
  write_xlsx(
      path,
      {{"信息汇总表",
        {kHeader, {"#n:1", "S", "M", "#n:10"}, {"#n:2", "", "", "#n:20"}, {"", "", "", "x"}, {}, {"#n:4", "S4"}}}},
      XlsxOptions{.first_row = "3"});
  CHECK(read_all(path) == Rows{{"3", "序号", "销方识别号", "规格型号", "金额"},
                               {"4", "1", "S", "M", "10"},
                               {"5", "2", "", "", "20"},
                               {"6", "", "", "", "x"},
                               {"8", "4", "S4", "", ""}});
}

TEST_CASE("xlsx: rows and cells without references are counted in order") {
  TempDir dir;
  write_zip(dir.file("n.xlsx"), {{"xl/workbook.xml", kWorkbook},
                                 {"xl/_rels/workbook.xml.rels", kRels},
                                 {"xl/worksheets/sheet1.xml",
                                  sheet_xml("<row><c t=\"inlineStr\"><is><t>a</t></is></c><c><v>1</v></c></row>"
                                            "<row><c><v>2</v></c><c r=\"D2\"><v>4</v></c><c><v>5</v></c></row>")}});
  // The header is two cells wide: D2 and E2 lie right of it and are ignored.
  CHECK(read_all(dir.file("n.xlsx")) == Rows{{"1", "a", "1"}, {"2", "2", ""}});
}

TEST_CASE("xlsx: the sheet is found by its trimmed name, else by its header, else refused") {
  TempDir dir;
  const Rows data = {kHeader, {"#n:1", "S", "M", "#n:1"}};
  std::string name;
  write_xlsx(dir.file("a.xlsx"), {{"发票基础信息", {{"数电发票号码"}, {"X"}}}, {" 信息汇总表\xE3\x80\x80", data}});
  CHECK(read_all(dir.file("a.xlsx"), &name).size() == 2);
  CHECK(name == "信息汇总表");

  write_xlsx(dir.file("b.xlsx"), {{"Sheet1", {{"其他"}, {"x"}}}, {"明细", data}});
  CHECK(read_all(dir.file("b.xlsx"), &name).size() == 2);
  CHECK(name == "明细");

  write_xlsx(dir.file("c.xlsx"), {{"发票基础信息", {{"数电发票号码", "销方识别号", "金额"}, {"X", "S", "#n:1"}}}});
  auto e = open_error(dir.file("c.xlsx"));
  CHECK(e.code == "BAD_HEADER");
  CHECK(e.line == 1);
  CHECK_THAT(e.message,
             Catch::Contains("发票基础信息") && Catch::Contains("信息汇总表") && Catch::Contains("line-level"));

  write_xlsx(dir.file("d.xlsx"), {{"Sheet1", {{"a", "b"}}}});
  CHECK(open_error(dir.file("d.xlsx")).code == "BAD_HEADER");
}

TEST_CASE("xlsx: a bad shared-string index rejects its row and reading goes on") {
  TempDir dir;
  write_zip(
      dir.file("s.xlsx"),
      {{"xl/workbook.xml", kWorkbook},
       {"xl/_rels/workbook.xml.rels", kRels},
       {"xl/sharedStrings.xml", "<sst><si><t>h</t></si></sst>"},
       {"xl/worksheets/sheet1.xml",
        sheet_xml("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>7</v></c>"
                  "</row><row r=\"3\"><c r=\"A3\" t=\"s\"><v>0</v></c></row>")}});
  auto r = XlsxReader::open_file(dir.file("s.xlsx"));
  REQUIRE(r);
  std::vector<std::string> cells;
  REQUIRE((*r)->next(cells).value());
  auto bad = (*r)->next(cells);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "BAD_XLSX");
  CHECK(bad.error().line == 2);
  CHECK((*r)->record_line() == 2);
  REQUIRE((*r)->next(cells).value());
  CHECK(cells == std::vector<std::string>{"h"});
  CHECK((*r)->record_line() == 3);
  CHECK_FALSE((*r)->next(cells).value());
}

TEST_CASE("xlsx: hostile archives are refused with their codes") {
  TempDir dir;
  SECTION("not a zip") {
    chipreg::testing::write_file(dir.file("x.xlsx"), "序号,金额\n1,2\n");
    CHECK(open_error(dir.file("x.xlsx")).code == "BAD_XLSX");
  }
  SECTION("no workbook part") {
    write_zip(dir.file("x.xlsx"), {{"hello.txt", "hi"}});
    CHECK_THAT(open_error(dir.file("x.xlsx")).message, Catch::Contains("xl/workbook.xml"));
  }
  SECTION("entity expansion: any DOCTYPE is refused") {
    const std::string lol =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
        "<workbook><sheets><sheet name=\"&lol2;\" r:id=\"rId1\"/></sheets></workbook>";
    write_zip(dir.file("x.xlsx"), {{"xl/workbook.xml", lol}, {"xl/_rels/workbook.xml.rels", kRels}});
    auto e = open_error(dir.file("x.xlsx"));
    CHECK(e.code == "BAD_XLSX");
    CHECK_THAT(e.message, Catch::Contains("DOCTYPE"));
  }
  SECTION("a DOCTYPE inside the sheet stops the import") {
    write_zip(dir.file("x.xlsx"), {{"xl/workbook.xml", kWorkbook},
                                   {"xl/_rels/workbook.xml.rels", kRels},
                                   {"xl/worksheets/sheet1.xml", "<!DOCTYPE x [<!ENTITY a \"b\">]><worksheet/>"}});
    auto r = XlsxReader::open_file(dir.file("x.xlsx"));
    REQUIRE(r);
    std::vector<std::string> cells;
    auto e = (*r)->next(cells);
    REQUIRE_FALSE(e);
    CHECK(e.error().code == "BAD_XLSX");
    CHECK(e.error().line == 0);
    CHECK_FALSE((*r)->next(cells).value());
  }
  SECTION("too many entries") {
    std::vector<std::pair<std::string, std::string>> parts = {{"xl/workbook.xml", kWorkbook},
                                                              {"xl/_rels/workbook.xml.rels", kRels}};
    for (int i = 0; i < 20; ++i) parts.emplace_back("junk/" + std::to_string(i), "x");
    write_zip(dir.file("x.xlsx"), parts);
    XlsxLimits limits;
    limits.max_entries = 21;
    CHECK(open_error(dir.file("x.xlsx"), limits).code == "XLSX_TOO_LARGE");
    limits.max_entries = 22;
    CHECK(XlsxReader::open_file(dir.file("x.xlsx"), limits).error().code == "BAD_XLSX");  // no sheet part
  }
  SECTION("a part that inflates past the cap (a zip bomb)") {
    const std::string rows =
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>销方识别号</t></is></c><c r=\"B1\" "
        "t=\"inlineStr\"><is><t>规格型号</t></is></c></row>" +
        std::string(4 << 20, ' ');
    write_zip(dir.file("x.xlsx"), {{"xl/workbook.xml", kWorkbook},
                                   {"xl/_rels/workbook.xml.rels", kRels},
                                   {"xl/worksheets/sheet1.xml", sheet_xml(rows)}});
    XlsxLimits limits;
    limits.max_entry_bytes = 1 << 20;
    CHECK(open_error(dir.file("x.xlsx"), limits).code == "XLSX_TOO_LARGE");
    limits.max_entry_bytes = 8 << 20;
    limits.max_total_bytes = 2 << 20;
    auto r = XlsxReader::open_file(dir.file("x.xlsx"), limits);
    REQUIRE(r);
    std::vector<std::string> cells;
    REQUIRE((*r)->next(cells).value());
    auto e = (*r)->next(cells);
    REQUIRE_FALSE(e);
    CHECK(e.error().code == "XLSX_TOO_LARGE");
  }
  SECTION("malformed XML") {
    write_zip(dir.file("x.xlsx"), {{"xl/workbook.xml", "<workbook><sheets>"}, {"xl/_rels/workbook.xml.rels", kRels}});
    CHECK(open_error(dir.file("x.xlsx")).code == "BAD_XLSX");
  }
  SECTION("a cell reference beyond the last column") {
    write_zip(dir.file("x.xlsx"), {{"xl/workbook.xml", kWorkbook},
                                   {"xl/_rels/workbook.xml.rels", kRels},
                                   {"xl/worksheets/sheet1.xml",
                                    sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"ZZZ2\">"
                                              "<v>1</v></c></row><row r=\"3\"><c r=\"A3\"><v>3</v></c></row>")}});
    auto r = XlsxReader::open_file(dir.file("x.xlsx"));
    REQUIRE(r);
    std::vector<std::string> cells;
    REQUIRE((*r)->next(cells).value());
    auto e = (*r)->next(cells);
    REQUIRE_FALSE(e);
    CHECK(e.error().line == 2);
    REQUIRE((*r)->next(cells).value());
    CHECK(cells == std::vector<std::string>{"3"});
  }
}
