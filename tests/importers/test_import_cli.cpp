// `chipreg import` and `chipreg export` through the real binary: each kind, every
// rejection reason with its line, --atomic, duplicates, red-letter netting, the
// e-invoice export, and an export -> re-import round trip.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "importers/csv_facts.hpp"
#include "importers/import.hpp"
#include "registry/db/clock.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/store/foundry_keys.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using chipreg::testing::read_file;
using chipreg::testing::run_chipreg;
using chipreg::testing::TempDir;
using chipreg::testing::write_file;
namespace json = boost::json;

namespace {

// Valid USCCs (check characters computed per GB 32100-2015).
const std::string kDesign = "91330108000000019R";   // ic_design, sells XC-100 / XC-200
const std::string kOem = "91330108000000027L";      // oem, buys
const std::string kFoundry = "91330108000000035F";  // foundry

struct Registry {
  TempDir dir;
  std::string db = dir.file("r.db");
  Registry() { REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0); }

  // Writes `content` to NAME and imports it as KIND; returns the parsed report.
  json::object import(const std::string& kind, const std::string& name, const std::string& content,
                      int expect_exit, std::vector<std::string> extra = {}) {
    const std::string path = dir.file(name);
    write_file(path, content);
    std::vector<std::string> args = {"import", "--db", db, kind, path};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_chipreg(args);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == expect_exit);
    return json::parse(r.out).as_object();
  }
  std::string export_csv(const std::string& kind) {
    auto r = run_chipreg({"export", "--db", db, kind});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  void base() {
    import("enterprises", "e.csv",
           "uscc,name,in_district,roles\n" + kDesign + ",芯片设计公司,true,ic_design\n" + kOem +
               ",\"整机厂, 有限公司\",true,oem|system_integrator\n" + kFoundry + ",Foundry,false,foundry\n",
           0);
    import("products", "p.csv",
           "id,kind,owner,self_developed,first_market_date,focus_area,model\n"
           "P1,chip," + kDesign + ",true,2025-01-10,chip_design,XC-100\n"
           "P2,chip," + kDesign + ",true,,chip_design,XC-200\n"
           "M1,module," + kOem + ",false,,,\n",
           0);
  }
};

// (line, field, code) of each error, for compact assertions.
std::vector<std::tuple<long, std::string, std::string>> errors_of(const json::object& report) {
  std::vector<std::tuple<long, std::string, std::string>> out;
  for (const auto& e : report.at("errors").as_array()) {
    const auto& o = e.as_object();
    out.emplace_back(o.at("line").as_int64(), std::string(o.at("field").as_string()),
                     std::string(o.at("code").as_string()));
  }
  return out;
}

using E = std::tuple<long, std::string, std::string>;

const std::string kPurchaseHeader =
    "invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n";

std::string purchase(const std::string& invoice, int line, const std::string& date, const std::string& product,
                     long amount, long tax, const std::string& rev_invoice = "", const std::string& rev_line = "") {
  return invoice + "," + std::to_string(line) + "," + date + "," + kOem + "," + kDesign + "," + product + "," +
         std::to_string(amount) + "," + std::to_string(tax) + "," + rev_invoice + "," + rev_line + "\n";
}

}  // namespace

TEST_CASE("import: enterprises report each bad row with its line and field, good rows stay") {
  Registry reg;
  auto rep = reg.import("enterprises", "e.csv",
                        "uscc,name,in_district,roles\n" +
                            kDesign + ",Design,true,ic_design\n" +  // line 2 ok
                            "91330108000000035X,Bad check,true,\n" +  // line 3 BAD_USCC
                            kOem + ",,true,oem\n" +                    // line 4 empty name
                            kOem + ",OEM,maybe,oem\n" +                // line 5 bad bool
                            kOem + ",OEM,true,oem|wizard\n" +          // line 6 bad role
                            kDesign + ",Again,true,\n" +               // line 7 duplicate in file
                            kOem + ",OEM,true,oem|system_integrator\n",  // line 8 ok
                        1);
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(rep.at("rejected").as_int64() == 5);
  CHECK(errors_of(rep) == std::vector<E>{{3, "uscc", "BAD_USCC"},
                                         {4, "name", "MISSING_FIELD"},
                                         {5, "in_district", "BAD_TYPE"},
                                         {6, "roles", "BAD_ENUM"},
                                         {7, "uscc", "DUPLICATE"}});
  CHECK(reg.export_csv("enterprises") ==
        "uscc,name,in_district,roles\n" + kDesign + ",Design,true,ic_design\n" + kOem +
            ",OEM,true,oem|system_integrator\n");
}

TEST_CASE("import: persons, family, equity, manual affiliations and products check references") {
  Registry reg;
  reg.base();
  auto persons = reg.import("persons", "pe.csv", "id,name\np1,张三\np2,李四\np1,again\n,nobody\n", 1);
  CHECK(errors_of(persons) == std::vector<E>{{4, "id", "DUPLICATE"}, {5, "id", "MISSING_FIELD"}});

  auto family = reg.import("family", "f.csv", "a,b,relation\np1,p2,spouse\np2,p1,sibling\np1,p9,spouse\np1,p2,cousin\n", 1);
  CHECK(family.at("imported").as_int64() == 1);
  CHECK(errors_of(family) ==
        std::vector<E>{{3, "b", "DUPLICATE"}, {4, "b", "UNKNOWN_PERSON"}, {5, "relation", "BAD_ENUM"}});

  auto equity = reg.import("equity", "eq.csv",
                           "holder,held,pct,from,to\n"
                           "p1," + kDesign + ",24.99,2020-01-01,\n" +
                           kOem + "," + kDesign + ",30,2020-01-01,2024-12-31\n" +
                           "p9," + kDesign + ",10,2020-01-01,\n" +
                           "p1," + kDesign + ",24.99999,2020-01-01,\n" +
                           "p2," + kDesign + ",5,2021-01-01,2020-01-01\n" +
                           "p1," + kDesign + ",1,2020-01-01,\n",
                           1);
  CHECK(equity.at("imported").as_int64() == 2);
  CHECK(errors_of(equity) == std::vector<E>{{4, "holder", "UNKNOWN_PERSON"},
                                            {5, "pct", "BAD_PERCENT"},
                                            {6, "to", "BAD_VALUE"},
                                            {7, "from", "DUPLICATE"}});
  CHECK(reg.export_csv("equity") == "holder,held,pct,from,to\np1," + kDesign + ",24.99,2020-01-01,\n" + kOem + "," +
                                        kDesign + ",30,2020-01-01,2024-12-31\n");

  auto aff = reg.import("manual_affiliations", "a.csv",
                        "a,b,from,to,basis\n" + kDesign + "," + kOem + ",2020-01-01,,same actual controller\n" +
                            kOem + "," + kDesign + ",2020-01-01,,again reversed\n" + kOem + "," + kOem +
                            ",2020-01-01,,self\n",
                        1);
  CHECK(errors_of(aff) == std::vector<E>{{3, "from", "DUPLICATE"}, {4, "b", "BAD_VALUE"}});

  auto products = reg.import("products", "p2.csv",
                             "id,kind,owner,self_developed,model\n"
                             "P9,chip," + kFoundry + ",false,\n"
                             "P1,chip," + kDesign + ",true,\n"
                             "P3,chip," + kDesign + ",true,XC-100\n"
                             "P4,gizmo," + kDesign + ",true,\n"
                             "P5,chip,91330108000000099A,true,\n",
                             1);
  CHECK(products.at("imported").as_int64() == 1);
  CHECK(errors_of(products) == std::vector<E>{{3, "id", "DUPLICATE"},
                                              {4, "model", "DUPLICATE"},
                                              {5, "kind", "BAD_ENUM"},
                                              {6, "owner", "BAD_USCC"}});
}

TEST_CASE("import: purchases reject unknown references, bad values and duplicates, by line") {
  Registry reg;
  reg.base();
  const std::string csv = kPurchaseHeader + purchase("INV1", 1, "2025-03-01", "P1", 100000000, 13000000) +  // 2 ok
                          purchase("INV1", 2, "2025-02-30", "P1", 1, 0) +                               // 3 date
                          purchase("INV1", 3, "2025-03-01", "P404", 1, 0) +                             // 4 product
                          purchase("INV1", 4, "2025-03-01", "P1", -5, 0) +                              // 5 negative
                          purchase("INV1", 1, "2025-03-01", "P1", 100000000, 13000000) +                // 6 dup
                          "INV2,1,2025-03-01," + kFoundry.substr(0, 17) + "X," + kDesign + ",P1,1,0,,\n" +  // 7 buyer
                          "INV2,1,2025-03-01,91330108000000043A," + kDesign + ",P1,1,0,,\n" +          // 8 unknown
                          "INV2,x,2025-03-01," + kOem + "," + kDesign + ",P1,1,0,,\n" +                // 9 line
                          purchase("INV3", 1, "2025-03-01", "P1", 1, 0, "INV9", "1") +                  // 10 unknown line
                          purchase("INV3", 2, "2025-03-01", "P1", 0, 0, "INV1", "") +                   // 11 half ref
                          purchase("INV4", 1, "2025-04-01", "P2", 500, 65);                             // 12 ok
  auto rep = reg.import("purchases", "pu.csv", csv, 1);
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(errors_of(rep) == std::vector<E>{{3, "date", "BAD_DATE"},
                                         {4, "product", "UNKNOWN_PRODUCT"},
                                         {5, "amount_fen", "BAD_AMOUNT"},
                                         {6, "line", "DUPLICATE"},
                                         {7, "buyer", "BAD_USCC"},
                                         {8, "buyer", "UNKNOWN_ENTERPRISE"},
                                         {9, "line", "BAD_TYPE"},
                                         {10, "amount_fen", "BAD_AMOUNT"},
                                         {11, "reverses_line", "MISSING_FIELD"}});
}

TEST_CASE("import: red-letter lines net against the line they reverse, never below zero") {
  Registry reg;
  reg.base();
  const std::string csv = kPurchaseHeader + purchase("B1", 1, "2025-03-01", "P1", 100000000, 13000000) +
                          purchase("R1", 1, "2025-03-05", "P1", -40000000, -5200000, "B1", "1") +  // ok, 60M left
                          purchase("R2", 1, "2025-03-06", "P1", -70000000, -9100000, "B1", "1") +  // exceeds
                          purchase("R3", 1, "2025-03-06", "P2", -1000, -130, "B1", "1") +          // other product
                          purchase("R4", 1, "2025-02-01", "P1", -1000, -130, "B1", "1") +          // before blue
                          purchase("R5", 1, "2025-03-07", "P1", -1000, -130, "R1", "1") +          // red of red
                          purchase("R6", 1, "2025-03-08", "P1", -60000000, -7800000, "B1", "1");   // the rest
  auto rep = reg.import("purchases", "red.csv", csv, 1);
  CHECK(rep.at("imported").as_int64() == 3);
  CHECK(errors_of(rep) == std::vector<E>{{4, "amount_fen", "BAD_REVERSAL"},
                                         {5, "product", "BAD_REVERSAL"},
                                         {6, "date", "BAD_REVERSAL"},
                                         {7, "reverses_invoice", "BAD_REVERSAL"}});
  // Fully reversed now: one more fen is too much.
  auto more = reg.import("purchases", "more.csv",
                         kPurchaseHeader + purchase("R7", 1, "2025-03-09", "P1", -1, 0, "B1", "1"), 1);
  CHECK(errors_of(more) == std::vector<E>{{2, "amount_fen", "BAD_REVERSAL"}});
}

TEST_CASE("import: --atomic imports nothing when one row is bad, everything when none is") {
  Registry reg;
  reg.base();
  const std::string good = purchase("A1", 1, "2025-03-01", "P1", 100, 13) + purchase("A1", 2, "2025-03-01", "P2", 200, 26);
  auto bad = reg.import("purchases", "a.csv", kPurchaseHeader + good + purchase("A1", 3, "2025-03-01", "P404", 1, 0), 1,
                        {"--atomic"});
  CHECK(bad.at("imported").as_int64() == 0);
  CHECK(bad.at("rejected").as_int64() == 1);
  CHECK(errors_of(bad) == std::vector<E>{{4, "product", "UNKNOWN_PRODUCT"}});
  CHECK(reg.export_csv("purchases") == kPurchaseHeader);
  auto ok = reg.import("purchases", "b.csv", kPurchaseHeader + good, 0, {"--atomic"});
  CHECK(ok.at("imported").as_int64() == 2);
}

TEST_CASE("import: re-importing a file imports nothing and rejects every row as a duplicate") {
  Registry reg;
  reg.base();
  const std::string csv = kPurchaseHeader + purchase("D1", 1, "2025-03-01", "P1", 100, 13) +
                          purchase("D1", 2, "2025-03-01", "P2", 200, 26) + purchase("D2", 1, "2025-03-02", "P1", 300, 39);
  CHECK(reg.import("purchases", "d.csv", csv, 0).at("imported").as_int64() == 3);
  auto again = reg.import("purchases", "d.csv", csv, 1);
  CHECK(again.at("imported").as_int64() == 0);
  CHECK(again.at("rejected").as_int64() == 3);
  CHECK(errors_of(again) == std::vector<E>{{2, "line", "DUPLICATE"}, {3, "line", "DUPLICATE"}, {4, "line", "DUPLICATE"}});
  auto ents = reg.import("enterprises", "e2.csv", "uscc,name,in_district\n" + kOem + ",OEM,true\n", 1);
  CHECK(errors_of(ents) == std::vector<E>{{2, "uscc", "DUPLICATE"}});
}

TEST_CASE("import: JSON Lines of scenario objects, with errors by line") {
  Registry reg;
  reg.base();
  const std::string jsonl =
      "{\"invoice\": \"J1\", \"line\": 1, \"date\": \"2025-03-01\", \"buyer\": \"" + kOem + "\", \"seller\": \"" +
      kDesign + "\", \"product\": \"P1\", \"amount_fen\": 1000, \"tax_fen\": 130, \"reverses\": null}\n"
      "\n"
      "{\"invoice\": \"J1\", \"line\": 2, \"date\": \"2025-03-01\"\n"
      "{\"invoice\": \"J1\", \"line\": 1, \"date\": \"2025-03-01\", \"buyer\": \"" + kOem + "\", \"seller\": \"" +
      kDesign + "\", \"product\": \"P1\", \"amount_fen\": 1000, \"tax_fen\": 130}\n"
      "{\"invoice\": \"J2\", \"line\": 1, \"date\": \"2025-03-02\", \"buyer\": \"" + kOem + "\", \"seller\": \"" +
      kDesign + "\", \"product\": \"P1\", \"amount_fen\": -1000, \"tax_fen\": -130, \"reverses\": {\"invoice\": \"J1\", \"line\": 1}}\n";
  auto rep = reg.import("purchases", "p.jsonl", jsonl, 1);
  CHECK(rep.at("imported").as_int64() == 2);
  CHECK(errors_of(rep) == std::vector<E>{{3, "", "BAD_JSON"}, {4, "line", "DUPLICATE"}});
  CHECK(reg.export_csv("purchases") == kPurchaseHeader + "J1,1,2025-03-01," + kOem + "," + kDesign +
                                           ",P1,1000,130,,\nJ2,1,2025-03-02," + kOem + "," + kDesign +
                                           ",P1,-1000,-130,J1,1\n");
}

TEST_CASE("import: the e-invoice platform export maps by seller + model, nets red-letter, skips voided") {
  Registry reg;
  reg.base();
  auto r = run_chipreg({"import", "--db", reg.db, "purchases", std::string(CHIPREG_TEST_DATA) + "/import/einvoice-export.csv"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  auto rep = json::parse(r.out).as_object();
  CHECK(rep.at("imported").as_int64() == 3);
  CHECK(errors_of(rep) == std::vector<E>{{6, "规格型号", "UNKNOWN_PRODUCT"}, {7, "价税合计", "BAD_AMOUNT"}});
  REQUIRE(rep.at("skipped").as_array().size() == 1);
  CHECK(rep.at("skipped").as_array()[0].at("line").as_int64() == 4);
  CHECK(rep.at("skipped").as_array()[0].at("field").as_string() == "发票状态");
  CHECK(reg.export_csv("purchases") ==
        kPurchaseHeader + "25332000000000000001,1,2025-03-01," + kOem + "," + kDesign + ",P1,100000000,13000000,,\n" +
            "25332000000000000001,2,2025-03-01," + kOem + "," + kDesign + ",P2,50050,6507,,\n" +
            "25332000000000000003,1,2025-03-05," + kOem + "," + kDesign +
            ",P1,-40000000,-5200000,25332000000000000001,1\n");
}

TEST_CASE("import: BOM, CRLF, quoted newlines and invalid UTF-8 through the binary") {
  Registry reg;
  auto rep = reg.import("persons", "p.csv",
                        "\xEF\xBB\xBFid,name\r\np1,\"multi\r\nline\"\r\np2,\xFF\xFE\r\np3,\"unbalanced\r\n", 1);
  CHECK(rep.at("imported").as_int64() == 1);
  CHECK(errors_of(rep) == std::vector<E>{{4, "", "BAD_CSV"}, {5, "", "BAD_CSV"}});
  CHECK_THAT(std::string(rep.at("errors").as_array()[0].at("message").as_string()),
             Catch::Contains("invalid UTF-8 in column 2 (name)"));
  CHECK(reg.export_csv("persons") == "id,name\np1,\"multi\r\nline\"\n");
}

TEST_CASE("import: usage errors exit 2 without importing") {
  Registry reg;
  write_file(reg.dir.file("x.csv"), "id,name\np1,A\n");
  write_file(reg.dir.file("x.txt"), "id,name\np1,A\n");
  write_file(reg.dir.file("h.csv"), "id,nom\np1,A\n");
  CHECK(run_chipreg({"import", "--db", reg.db, "widgets", reg.dir.file("x.csv")}).exit_code == 2);
  CHECK(run_chipreg({"import", "--db", reg.db, "persons", reg.dir.file("missing.csv")}).exit_code == 2);
  CHECK(run_chipreg({"import", "--db", reg.db, "persons", reg.dir.file("x.txt")}).exit_code == 2);
  auto header = run_chipreg({"import", "--db", reg.db, "persons", reg.dir.file("h.csv")});
  CHECK(header.exit_code == 2);
  CHECK_THAT(header.err, Catch::Contains("BAD_HEADER") && Catch::Contains("nom"));
  CHECK(run_chipreg({"import", "--db", reg.dir.file("nodb.db"), "persons", reg.dir.file("x.csv")}).exit_code == 2);
  // Each exit-2 case of docs/IMPORT.md's table, with its code.
  auto code_of = [](const chipreg::testing::ProcessResult& r) {
    INFO(r.err);
    return std::string(json::parse(r.err).as_object().at("error").as_object().at("code").as_string());
  };
  write_file(reg.dir.file("junk.db"), std::string(200, 'x'));
  auto junk = run_chipreg({"import", "--db", reg.dir.file("junk.db"), "persons", reg.dir.file("x.csv")});
  CHECK(junk.exit_code == 2);
  CHECK(code_of(junk) == "DB_ERROR");
  write_file(reg.dir.file("plain.db"), "");
  auto uninit = run_chipreg({"import", "--db", reg.dir.file("plain.db"), "persons", reg.dir.file("x.csv")});
  CHECK(uninit.exit_code == 2);
  CHECK(code_of(uninit) == "USAGE");
  auto batch = run_chipreg({"import", "--db", reg.db, "persons", reg.dir.file("x.csv"), "--batch", "0"});
  CHECK(batch.exit_code == 2);
  CHECK(code_of(batch) == "USAGE");
  write_file(reg.dir.file("w.xlsx"), "PK\x03\x04 not really a zip");
  auto workbook_kind = run_chipreg({"import", "--db", reg.db, "persons", reg.dir.file("w.xlsx")});
  CHECK(workbook_kind.exit_code == 2);
  CHECK(code_of(workbook_kind) == "USAGE");
  auto broken = run_chipreg({"import", "--db", reg.db, "purchases", reg.dir.file("w.xlsx")});
  CHECK(broken.exit_code == 2);
  CHECK(code_of(broken) == "BAD_XLSX");
  CHECK(reg.export_csv("persons") == "id,name\n");
}

TEST_CASE("export: every kind re-imports into a new registry and exports identically") {
  Registry a;
  a.base();
  a.import("persons", "pe.csv", "id,name\np1,\"Zhang, San\"\np2,\"say \"\"hi\"\"\"\n", 0);
  a.import("family", "f.csv", "a,b,relation\np1,p2,parent_child\n", 0);
  a.import("equity", "eq.csv", "holder,held,pct,from,to\np1," + kDesign + ",12.3456,2020-01-01,2030-06-30\n", 0);
  a.import("manual_affiliations", "ma.csv", "a,b,from,basis\n" + kDesign + "," + kOem + ",2021-01-01,同一实际控制人\n", 0);
  a.import("purchases", "pu.csv",
           kPurchaseHeader + purchase("X1", 1, "2025-03-01", "P1", 1000, 130) +
               purchase("X2", 1, "2025-03-02", "P1", -400, -52, "X1", "1"),
           0);
  Registry b;
  for (const char* kind : {"enterprises", "persons", "family", "equity", "manual_affiliations", "products", "purchases"}) {
    INFO(kind);
    const std::string csv = a.export_csv(kind);
    auto rep = b.import(kind, std::string(kind) + ".csv", csv, 0);
    CHECK(rep.at("rejected").as_int64() == 0);
    CHECK(b.export_csv(kind) == csv);
  }
  CHECK(b.export_csv("purchases").find("X2,1,2025-03-02," + kOem + "," + kDesign + ",P1,-400,-52,X1,1\n") !=
        std::string::npos);
}

TEST_CASE("import: tape-out envelopes are verified against the foundry's registered keys") {
  Registry reg;
  reg.base();
  REQUIRE(run_chipreg({"keygen", "--alg", "ed25519", "--out", reg.dir.file("fab")}).exit_code == 0);
  const std::string statement =
      "{\"_type\": \"https://in-toto.io/Statement/v1\", \"subject\": [{\"name\": \"gds/top.gds\", \"digest\": "
      "{\"sha256\": \"" + std::string(64, 'a') + "\"}}], \"predicateType\": \"urn:chipreg:predicate:tapeout:v1\", "
      "\"predicate\": {\"foundry\": \"" + kFoundry + "\", \"design_owner\": \"" + kDesign +
      "\", \"product\": \"P1\", \"date\": \"2024-09-01\", \"kind\": \"mpw\", \"mask_set_id\": \"MS-001\", "
      "\"process_node\": \"28nm\", \"wafer_size_mm\": 300, \"cost_fen\": 800000000}}";
  write_file(reg.dir.file("s.json"), statement);
  auto signed_env = run_chipreg({"sign", "--key", reg.dir.file("fab.key"), "--statement", reg.dir.file("s.json")});
  REQUIRE(signed_env.exit_code == 0);
  std::string envelope = signed_env.out;
  while (!envelope.empty() && (envelope.back() == '\n' || envelope.back() == '\r')) envelope.pop_back();

  // No key registered yet: rejected, with the line.
  auto before = reg.import("tapeouts", "t.jsonl", envelope + "\n", 1);
  CHECK(errors_of(before) == std::vector<E>{{1, errors_of(before).empty() ? "" : std::get<1>(errors_of(before)[0]),
                                             "UNKNOWN_KEY"}});
  {
    auto db = chipreg::db::Db::open(reg.db);
    REQUIRE(db);
    chipreg::store::KeyRegistration k{kFoundry, "ed25519", read_file(reg.dir.file("fab.pub")), "2024-01-01", {}};
    auto id = chipreg::store::register_foundry_key(*db, k, chipreg::db::now_utc());
    INFO((id ? "" : id.error().message));
    REQUIRE(id);
  }
  auto after = reg.import("tapeouts", "t.jsonl", "\n" + envelope + "\n" + envelope + "\n{\"payload\": 1}\n", 1);
  CHECK(after.at("imported").as_int64() == 1);
  REQUIRE(errors_of(after).size() == 2);
  CHECK(std::get<0>(errors_of(after)[0]) == 3);
  CHECK(std::get<2>(errors_of(after)[0]) == "DUPLICATE");
  CHECK(std::get<0>(errors_of(after)[1]) == 4);
  CHECK(std::get<2>(errors_of(after)[1]) == "BAD_ENVELOPE");
  // Exported envelopes re-import (as duplicates here: the same statement).
  const std::string exported = reg.export_csv("tapeouts");
  CHECK(exported.rfind("envelope\n\"{", 0) == 0);
  auto again = reg.import("tapeouts", "t.csv", exported, 1);
  CHECK(errors_of(again) == std::vector<E>{{2, std::get<1>(errors_of(again).at(0)), "DUPLICATE"}});
}

TEST_CASE("import: a bulk import leaves planner statistics for the tables it filled (bounded ANALYZE)") {
  Registry reg;
  reg.base();
  std::string csv = kPurchaseHeader;
  for (int i = 1; i <= 40; ++i) csv += purchase("S" + std::to_string(i), 1, "2025-03-01", "P1", 100 * i, 13 * i);
  CHECK(reg.import("purchases", "s.csv", csv, 0).at("imported").as_int64() == 40);
  auto db = chipreg::db::Db::open(reg.db, chipreg::db::DbOptions{.create = false, .read_only = true});
  REQUIRE(db);
  auto st = db->prepare("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'purchases' AND idx = 'purchases_by_buyer_date'");
  REQUIRE(st);
  REQUIRE(st->step().value());
  // "rows rows-per-buyer rows-per-(buyer, date)": one buyer, one date, 40 lines.
  CHECK(st->text(1).rfind("40 ", 0) == 0);
}

TEST_CASE("import: the statistics refreshed after an import are those of the tables its kind fills") {
  using chipreg::importers::ImportKind;
  using chipreg::importers::tables_of;
  // Every kind names tables, and every table it names exists (ANALYZE of a missing table
  // would fail the refresh, which the import ignores).
  Registry reg;
  reg.base();
  auto db = chipreg::db::Db::open(reg.db, chipreg::db::DbOptions{.create = false, .read_only = true});
  REQUIRE(db);
  for (int k = static_cast<int>(ImportKind::kEnterprises); k <= static_cast<int>(ImportKind::kEvents); ++k) {
    const auto kind = static_cast<ImportKind>(k);
    INFO(chipreg::importers::to_string(kind));
    CHECK_FALSE(tables_of(kind).empty());
    for (std::string_view t : tables_of(kind)) {
      auto st = db->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
      REQUIRE(st);
      st->bind(1, t);
      CHECK(st->step().value());
    }
  }
  CHECK(tables_of(ImportKind::kPurchases) == std::vector<std::string_view>{"purchases", "voids", "invoice_status"});
}
