// End-to-end: the list endpoints (who sees what, keyset paging), the enterprise's export
// upload, and the web app's assets, against the real `chipreg serve`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "e2e/world.hpp"
#include "registry/db/sqlite.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

std::vector<std::string> ids(const HttpReply& r, const char* key) {
  std::vector<std::string> out;
  const json::value body = r.json();
  for (const auto& item : body.at("items").as_array()) {
    const auto& v = item.at(key);
    out.push_back(v.is_string() ? std::string(v.as_string()) : json::serialize(v));
  }
  return out;
}

bool has_next(const HttpReply& r) { return !r.json().at("next").is_null(); }

}  // namespace

TEST_CASE(
    "lists: enterprises, products, tape-outs and purchases show the bureau everything and an enterprise its own") {
  Registry reg;
  World w = build_world(reg);
  const auto& http = reg.http();

  SECTION("enterprises: all by USCC for the bureau, paged, one for an enterprise or a foundry") {
    std::vector<std::string> all = {w.foundry, w.design, w.oem, w.other};
    std::sort(all.begin(), all.end());
    auto full = http.get("/v1/enterprises", w.reviewer_token);
    REQUIRE(full.status == 200);
    CHECK(ids(full, "uscc") == all);
    CHECK_FALSE(has_next(full));

    auto first = http.get("/v1/enterprises?limit=3", reg.admin());
    REQUIRE(first.status == 200);
    CHECK(ids(first, "uscc") == std::vector<std::string>(all.begin(), all.begin() + 3));
    REQUIRE(has_next(first));
    const std::string cursor(first.json().at("next").as_string());
    auto second = http.get("/v1/enterprises?limit=3&after=" + cursor, reg.admin());
    CHECK(ids(second, "uscc") == std::vector<std::string>{all[3]});
    CHECK_FALSE(has_next(second));

    CHECK(ids(http.get("/v1/enterprises", w.oem_token), "uscc") == std::vector<std::string>{w.oem});
    CHECK(ids(http.get("/v1/enterprises", w.foundry_token), "uscc") == std::vector<std::string>{w.foundry});
    CHECK(http.get("/v1/enterprises").status == 401);
    CHECK(http.get("/v1/enterprises?limit=0", reg.admin()).error_code() == "BAD_QUERY");
  }

  SECTION("products: the owner's own, another owner asked for by name is 403") {
    CHECK(ids(http.get("/v1/products", reg.admin()), "id") == std::vector<std::string>{"P-CHIP"});
    CHECK(ids(http.get("/v1/products", w.design_token), "id") == std::vector<std::string>{"P-CHIP"});
    CHECK(ids(http.get("/v1/products", w.oem_token), "id").empty());
    CHECK(http.get("/v1/products?owner=" + w.design, w.oem_token).status == 403);
    CHECK(ids(http.get("/v1/products?owner=" + w.design, w.reviewer_token), "id") ==
          std::vector<std::string>{"P-CHIP"});
    CHECK(http.get("/v1/products?owner=nope", w.reviewer_token).error_code() == "BAD_QUERY");
  }

  SECTION("tape-outs: the foundry's and the design owner's, with trust state and without the envelope") {
    auto mine = http.get("/v1/tapeouts", w.foundry_token);
    REQUIRE(mine.status == 200);
    CHECK(ids(mine, "id") == std::vector<std::string>{w.tapeout_id});
    const json::value mine_body = mine.json();
    const auto& item = mine_body.at("items").at(0).as_object();
    CHECK(item.at("first").as_bool());
    CHECK(item.at("trusted").as_bool());
    CHECK_FALSE(item.contains("envelope"));
    CHECK(ids(http.get("/v1/tapeouts", w.design_token), "id") == std::vector<std::string>{w.tapeout_id});
    CHECK(ids(http.get("/v1/tapeouts", w.oem_token), "id").empty());
    CHECK(ids(http.get("/v1/tapeouts", w.reviewer_token), "id") == std::vector<std::string>{w.tapeout_id});
    CHECK(http.get("/v1/tapeouts?foundry=" + w.foundry, w.oem_token).status == 403);
    CHECK(http.get("/v1/tapeouts?design_owner=" + w.design, w.foundry_token).status == 403);
  }

  SECTION("purchases: the buyer's lines by date with a cursor, all lines by id for the bureau") {
    // Two more lines for the OEM, one earlier in the year: the buyer's listing is by date.
    for (auto [line, date] : {std::pair{2, "2025-01-05"}, std::pair{3, "2025-07-01"}}) {
      reg.must(201, "/v1/purchases",
               json::object{{"invoice", "24332000000099990000"},
                            {"line", line},
                            {"date", date},
                            {"buyer", w.oem},
                            {"seller", w.design},
                            {"product", "P-CHIP"},
                            {"amount_fen", 100},
                            {"tax_fen", 13},
                            {"reverses", nullptr}},
               w.oem_token);
    }
    auto p1 = http.get("/v1/purchases?limit=2", w.oem_token);
    REQUIRE(p1.status == 200);
    CHECK(ids(p1, "date") == std::vector<std::string>{"2025-01-05", "2025-03-01"});
    REQUIRE(has_next(p1));
    auto p2 = http.get("/v1/purchases?limit=2&after=" + std::string(p1.json().at("next").as_string()), w.oem_token);
    CHECK(ids(p2, "date") == std::vector<std::string>{"2025-07-01"});
    CHECK_FALSE(has_next(p2));

    CHECK(ids(http.get("/v1/purchases?year=2024", w.oem_token), "date").empty());
    CHECK(ids(http.get("/v1/purchases?invoice=24332000000099990000", w.oem_token), "line") ==
          std::vector<std::string>{"2", "3"});
    CHECK(ids(http.get("/v1/purchases?invoice=24332000000099990000", w.other_token), "line").empty());
    CHECK(ids(http.get("/v1/purchases", w.other_token), "invoice").empty());
    CHECK(http.get("/v1/purchases", w.foundry_token).status == 403);
    CHECK(http.get("/v1/purchases?buyer=" + w.oem, w.other_token).status == 403);
    CHECK(http.get("/v1/purchases?after=zz", w.oem_token).error_code() == "BAD_QUERY");

    auto all = http.get("/v1/purchases?limit=500", reg.admin());
    REQUIRE(all.status == 200);
    CHECK(ids(all, "line") == std::vector<std::string>{"1", "2", "3"});  // by id: the order of filing
    auto by_buyer = http.get("/v1/purchases?buyer=" + w.oem + "&year=2025", w.reviewer_token);
    CHECK(ids(by_buyer, "date") == std::vector<std::string>{"2025-01-05", "2025-03-01", "2025-07-01"});
  }

  SECTION("tokens: admins list them without secrets") {
    auto list = http.get("/v1/tokens", reg.admin());
    REQUIRE(list.status == 200);
    const json::value list_body = list.json();
    const auto& items = list_body.at("items").as_array();
    CHECK(items.size() == 6);  // admin + five from the world
    for (const auto& t : items) CHECK_FALSE(t.as_object().contains("token"));
    CHECK(list.body.find(w.oem_token) == std::string::npos);
    CHECK(http.get("/v1/tokens", w.reviewer_token).status == 403);
  }
}

TEST_CASE("lists: an enterprise uploads its purchases export and gets the import's report") {
  Registry reg;
  World w = build_world(reg);
  const auto& http = reg.http();

  SECTION("a CSV in chipreg's columns: the enterprise's own lines import, another buyer's line is rejected") {
    const std::string csv =
        "invoice,line,date,buyer,seller,product,amount_fen,tax_fen\n"
        "24332000000055550000,1,2025-04-01," +
        w.oem + "," + w.design + ",P-CHIP,1000,130\n" + "24332000000055550000,2,2025-04-01," + w.other + "," +
        w.design + ",P-CHIP,1000,130\n" + "24332000000012345678,1,2025-03-01," + w.oem + "," + w.design +
        ",P-CHIP,300000000,39000000\n";
    auto r = http.request("POST", "/v1/imports/purchases", csv, w.oem_token);
    REQUIRE(r.status == 200);
    auto report = r.json().as_object();
    CHECK(report.at("imported").as_int64() == 1);
    CHECK(report.at("rejected").as_int64() == 2);
    const auto& errors = report.at("errors").as_array();
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].at("line").as_int64() == 3);
    CHECK(errors[0].at("field").as_string() == "buyer");
    CHECK(errors[0].at("code").as_string() == "FORBIDDEN");
    CHECK(errors[1].at("line").as_int64() == 4);
    CHECK(errors[1].at("code").as_string() == "DUPLICATE");
    CHECK(http.get("/v1/purchases/24332000000055550000/1", w.oem_token).status == 200);
    CHECK(http.get("/v1/purchases/24332000000055550000/2?buyer=" + w.oem, reg.admin()).status == 404);
    CHECK(http.get("/v1/purchases/24332000000055550000/1?buyer=" + w.oem, reg.admin()).status == 200);
    CHECK(http.get("/v1/purchases/24332000000055550000/1", reg.admin()).status == 400);  // whose invoice?

    auto audit = http.get("/v1/audit?subject=" + w.oem, reg.admin());
    REQUIRE(audit.status == 200);
    CHECK(audit.body.find("purchase.import") != std::string::npos);

    // The upload left planner statistics of the table it grew, as `chipreg import` does.
    auto db = chipreg::db::Db::open(reg.db(), chipreg::db::DbOptions{.create = false, .read_only = true});
    REQUIRE(db);
    auto st = db->prepare("SELECT stat FROM sqlite_stat1 WHERE tbl = 'purchases' AND idx = 'purchases_by_buyer_date'");
    REQUIRE(st);
    REQUIRE(st->step().value());
    // "rows rows-per-buyer rows-per-(buyer, date)": the world's lines and the one uploaded.
    const std::string stat = st->text(0);
    CHECK(std::stoi(stat) >= 2);
  }

  SECTION("the e-invoice platform's export: voided invoices are skipped with their reason") {
    reg.must(201, "/v1/products",
             json::object{{"id", "P-CHIP-B"},
                          {"kind", "chip"},
                          {"owner", w.design},
                          {"self_developed", true},
                          {"first_market_date", "2025-01-10"},
                          {"focus_area", "chip_design"},
                          {"model", "MCU-B"}},
             w.design_token);
    const std::string csv =
        "\xEF\xBB\xBF数电发票号码,开票日期,销方识别号,购方识别号,规格型号,金额,税额,发票状态\n"
        "25332000000000000001,2025-04-01," +
        w.design + "," + w.oem + ",MCU-B,\"1,000.00\",130.00,正常\n" + "25332000000000000002,2025-04-02," + w.design +
        "," + w.oem + ",MCU-B,\"2,000.00\",260.00,已作废\n";
    auto r = http.request("POST", "/v1/imports/purchases", csv, w.oem_token);
    REQUIRE(r.status == 200);
    auto report = r.json().as_object();
    CHECK(report.at("imported").as_int64() == 1);
    CHECK(report.at("rejected").as_int64() == 0);
    CHECK(report.at("einvoice").as_bool());
    REQUIRE(report.at("skipped").as_array().size() == 1);
    CHECK(report.at("skipped").at(0).at("line").as_int64() == 3);
    auto line = http.get("/v1/purchases/25332000000000000001/1", w.oem_token);
    REQUIRE(line.status == 200);
    CHECK(line.json().at("amount_fen").as_int64() == 100000);
  }

  SECTION("who may upload, and files that are not an export") {
    const std::string csv = "invoice,line,date,buyer,seller,product,amount_fen,tax_fen\n";
    CHECK(http.request("POST", "/v1/imports/purchases", csv, w.foundry_token).status == 403);
    CHECK(http.request("POST", "/v1/imports/purchases", csv, w.reviewer_token).status == 403);
    CHECK(http.request("POST", "/v1/imports/purchases", csv).status == 401);
    auto xlsx = http.request("POST", "/v1/imports/purchases", std::string("PK\x03\x04rest-of-a-zip", 17), w.oem_token);
    CHECK(xlsx.status == 422);
    CHECK(xlsx.error_code() == "BAD_XLSX");  // read as a workbook, and refused as a broken one
    auto header = http.request("POST", "/v1/imports/purchases", "what,is,this\n1,2,3\n", w.oem_token);
    CHECK(header.status == 422);
    CHECK(header.error_code() == "BAD_HEADER");
    auto empty = http.request("POST", "/v1/imports/purchases", "", w.oem_token);
    CHECK(empty.error_code() == "BAD_HEADER");
    // The upload takes the file as sent by a browser (any Content-Type); JSON routes still do not.
    auto raw = [&](const std::string& target, const std::string& type) {
      return http.raw("POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + w.oem_token +
                      "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(csv.size()) +
                      "\r\nConnection: close\r\n\r\n" + csv);
    };
    CHECK(raw("/v1/imports/purchases", "text/csv").rfind("HTTP/1.1 200", 0) == 0);
    CHECK(raw("/v1/imports/purchases", "application/octet-stream").rfind("HTTP/1.1 200", 0) == 0);
    CHECK(raw("/v1/purchases", "text/csv").rfind("HTTP/1.1 415", 0) == 0);
  }
}

TEST_CASE("lists: the web app is served with its CSP, types and ETags") {
  Registry reg;
  const auto& http = reg.http();
  auto page = http.get("/");
  REQUIRE(page.status == 200);
  CHECK(page.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(page.headers["content-security-policy"].find("default-src 'self'") == 0);
  CHECK(page.headers["content-security-policy"].find("frame-ancestors 'none'") != std::string::npos);
  CHECK(page.headers["x-content-type-options"] == "nosniff");
  CHECK(page.body.find("<html lang=\"zh-CN\">") != std::string::npos);
  CHECK(page.body.find("src=\"/assets/app.js\"") != std::string::npos);

  auto js = http.get("/assets/app.js");
  REQUIRE(js.status == 200);
  CHECK(js.headers["content-type"] == "text/javascript; charset=utf-8");
  CHECK(http.get("/assets/app.css").headers["content-type"] == "text/css; charset=utf-8");
  auto missing = http.get("/assets/missing.js");
  CHECK(missing.status == 404);
  CHECK(missing.headers["content-security-policy"].find("default-src 'self'") == 0);
  CHECK(http.get("/assets/index.html").status == 404);

  const std::string etag = page.headers["etag"];
  REQUIRE(etag.size() == 34);
  const std::string again =
      http.raw("GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\nConnection: close\r\n\r\n");
  CHECK(again.rfind("HTTP/1.1 304", 0) == 0);
  const std::string other = http.raw("GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"0\"\r\nConnection: close\r\n\r\n");
  CHECK(other.rfind("HTTP/1.1 200", 0) == 0);
}
