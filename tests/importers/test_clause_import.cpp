// chipreg import / export of the other clauses' facts (KINDs rd_declarations ... events),
// through the real binary: CSV columns as docs/IMPORT.md lists them, errors with line and
// field, JSON Lines, and export giving the rows back.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "rules/scenario_builder.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

TEST_CASE("import: the other clauses' facts from CSV and JSON Lines, and export back") {
  TempDir dir;
  const std::string db = dir.file("r.db");
  REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
  const std::string a = uscc(101);
  const std::string b = uscc(102);
  write_file(dir.file("ent.csv"),
             "uscc,name,in_district,roles\n" + a + ",EDA企业,true,eda|data_exchange\n" + b + ",其他,true,other\n");
  REQUIRE(run_chipreg({"import", "--db", db, "enterprises", dir.file("ent.csv")}).exit_code == 0);

  write_file(dir.file("rd.csv"), "enterprise,year,field,rd_fen,sales_fen,audit_ref\n" + a +
                                     ",2025,eda,1200000000,1,SJ-1\n" + a + ",2025,cad,1,1,X\n" + a +
                                     ",20x5,eda,1,1,X\n");
  auto rd = run_chipreg({"import", "--db", db, "rd_declarations", dir.file("rd.csv")});
  CHECK(rd.exit_code == 1);
  auto report = json::parse(rd.out).as_object();
  CHECK(report.at("imported") == 1);
  CHECK(report.at("rejected") == 2);
  CHECK(report.at("errors").as_array()[0].at("line") == 3);
  CHECK(report.at("errors").as_array()[0].at("field") == "field");
  CHECK(report.at("errors").as_array()[1].at("field") == "year");

  write_file(dir.file("trades.csv"), "id,platform,buyer,seller,date,amount_fen\nT1," + a + "," + b + "," + a +
                                         ",2025-02-01,100\nT1," + a + "," + b + "," + a + ",2025-02-01,100\n");
  auto trades = run_chipreg({"import", "--db", db, "data-trades", dir.file("trades.csv")});
  CHECK(json::parse(trades.out).at("imported") == 1);
  CHECK(json::parse(trades.out).at("errors").as_array()[0].at("line") == 3);  // a duplicate id

  write_file(dir.file("ds.jsonl"), "{\"id\":\"DS1\",\"owner\":\"" + a + "\"}\n");
  CHECK(run_chipreg({"import", "--db", db, "datasets", dir.file("ds.jsonl")}).exit_code == 0);
  write_file(dir.file("calls.csv"),
             "id,dataset,caller,date,income_fen\nC1,DS1," + b + ",2025-05-01,500\nC2,NOPE," + b + ",2025-05-01,500\n");
  auto calls = run_chipreg({"import", "--db", db, "dataset_calls", dir.file("calls.csv"), "--atomic"});
  CHECK(calls.exit_code == 1);
  CHECK(json::parse(calls.out).at("imported") == 0);  // --atomic: nothing

  write_file(dir.file("ev.csv"),
             "id,organizer,start,in_district,focus_area,approval_date,approval_ref,venue_rent_fen\nEV1," + a +
                 ",2025-09-10,true,ai_software,2025-08-01,BP-1,150000000\nEV2," + a +
                 ",2025-09-10,true,ai_software,,,100\n");
  CHECK(run_chipreg({"import", "--db", db, "events", dir.file("ev.csv")}).exit_code == 0);

  auto rd_out = run_chipreg({"export", "--db", db, "rd_declarations"});
  CHECK(rd_out.out == "enterprise,year,field,rd_fen,sales_fen,audit_ref\n" + a + ",2025,eda,1200000000,1,SJ-1\n");
  auto ev_out = run_chipreg({"export", "--db", db, "events"});
  CHECK(ev_out.out.find("EV2," + a + ",2025-09-10,true,ai_software,,,100\n") != std::string::npos);
  // What export wrote imports again into a fresh registry unchanged.
  const std::string db2 = dir.file("r2.db");
  REQUIRE(run_chipreg({"init", "--db", db2}).exit_code == 0);
  REQUIRE(run_chipreg({"import", "--db", db2, "enterprises", dir.file("ent.csv")}).exit_code == 0);
  write_file(dir.file("ev2.csv"), ev_out.out);
  CHECK(run_chipreg({"import", "--db", db2, "events", dir.file("ev2.csv")}).exit_code == 0);
  CHECK(run_chipreg({"export", "--db", db2, "events"}).out == ev_out.out);
}
