// The importer writes rows without per-row savepoints and undoes a half-written row by
// rolling its chunk back and writing the chunk again row by row (importers/import.cpp).
// A trigger that refuses the subtree a purchase's leaf completes (the 16th leaf closes the
// first stored subtree) makes that purchase fail after its row was inserted, the one case
// that takes that path.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "registry/db/sqlite.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using chipreg::testing::run_chipreg;
using chipreg::testing::TempDir;
using chipreg::testing::write_file;
namespace json = boost::json;

namespace {

const std::string kDesign = "91330108000000019R";
const std::string kOem = "91330108000000027L";

std::string purchase(int line) {
  return "INV1," + std::to_string(line) + ",2025-03-01," + kOem + "," + kDesign + ",P1,1000,130,,\n";
}

struct Fixture {
  TempDir dir;
  std::string db = dir.file("r.db");
  Fixture() {
    REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
    write_file(dir.file("e.csv"), "uscc,name,in_district,roles\n" + kDesign + ",D,true,ic_design\n" + kOem +
                                      ",O,true,oem\n");
    write_file(dir.file("p.csv"), "id,kind,owner,self_developed,first_market_date,focus_area,model\nP1,chip," +
                                      kDesign + ",true,,,\n");
    REQUIRE(run_chipreg({"import", "--db", db, "enterprises", dir.file("e.csv")}).exit_code == 0);
    REQUIRE(run_chipreg({"import", "--db", db, "products", dir.file("p.csv")}).exit_code == 0);
    auto d = chipreg::db::Db::open(db);
    REQUIRE(d.ok());
    // The enterprises and the product took leaves 0-2 (reference facts are leaves): purchase
    // line 13 is leaf 15, the one that completes the first stored subtree.
    REQUIRE(d->exec_script("CREATE TRIGGER refuse_one BEFORE INSERT ON log_nodes WHEN "
                           "(SELECT line FROM purchases ORDER BY id DESC LIMIT 1) = 13 "
                           "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
                .ok());
    std::string csv = "invoice,line,date,buyer,seller,product,amount_fen,tax_fen,reverses_invoice,reverses_line\n";
    for (int i = 1; i <= 20; ++i) csv += purchase(i);
    write_file(dir.file("pu.csv"), csv);
  }
  std::int64_t count(const char* table) {
    auto d = chipreg::db::Db::open(db);
    REQUIRE(d.ok());
    auto st = d->prepare(std::string("SELECT count(*) FROM ") + table);
    REQUIRE(st.ok());
    REQUIRE(st->step().ok());
    return st->int64(0);
  }
};

}  // namespace

TEST_CASE("import: a row that fails half-way is undone alone, and the rows around it stay, logged once") {
  Fixture f;
  auto r = run_chipreg({"import", "--db", f.db, "purchases", f.dir.file("pu.csv")});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  auto rep = json::parse(r.out).as_object();
  CHECK(rep.at("imported").as_int64() == 19);
  CHECK(rep.at("rejected").as_int64() == 1);
  const auto& errors = rep.at("errors").as_array();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("line").as_int64() == 14);  // purchase line 13, after the header
  CHECK(errors[0].at("code").as_string() == "CONSTRAINT");
  CHECK(f.count("purchases") == 19);
  CHECK(f.count("log_entries") == 3);  // the reference facts; each purchase is its own leaf
  // Line 14 took leaf 15 in place of the undone line 13, and completed the first subtree.
  CHECK(f.count("log_nodes") == 1);
  // Every stored row matches its leaf: the half-written row left neither row nor leaf.
  auto audit = run_chipreg({"log", "audit", "--db", f.db});
  INFO(audit.out << audit.err);
  CHECK(audit.exit_code == 0);
  CHECK(json::parse(audit.out).at("ok").as_bool());
}

TEST_CASE("import: with --atomic a row that fails half-way imports nothing") {
  Fixture f;
  auto r = run_chipreg({"import", "--db", f.db, "purchases", f.dir.file("pu.csv"), "--atomic"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  CHECK(json::parse(r.out).at("imported").as_int64() == 0);
  CHECK(f.count("purchases") == 0);
  CHECK(f.count("log_nodes") == 0);
}
