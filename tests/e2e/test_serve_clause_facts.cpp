// End-to-end: the other clauses' facts over HTTP (POST /v1/<name with dashes>), each with
// the roles its route documents, and a claim of their rules filed on them.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "e2e/fixture.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

TEST_CASE("serve: the other clauses' facts are filed by admin or the enterprise they are about") {
  Registry reg;
  const std::string owner = mint_uscc(501);
  const std::string other = mint_uscc(502);
  const std::string center = mint_uscc(503);
  reg.enterprise(owner, "数据集所有者", true, {"data_exchange", "eda"});
  reg.enterprise(other, "其他企业", true, {"other"});
  reg.enterprise(center, "杭州人工智能计算中心", true, {"compute_center"});
  const std::string mine = reg.token("enterprise", owner);
  const std::string theirs = reg.token("enterprise", other);
  const auto& http = reg.http();

  auto rd = reg.must(201, "/v1/rd-declarations",
                     json::object{{"enterprise", owner},
                                  {"year", 2025},
                                  {"field", "eda"},
                                  {"rd_fen", 1200000000},
                                  {"sales_fen", 1},
                                  {"audit_ref", "SJ-1"}},
                     mine);
  CHECK(rd.at("audit_ref") == "SJ-1");
  reg.must(201, "/v1/compute-contracts",
           json::object{{"id", "K1"},
                        {"customer", owner},
                        {"provider", center},
                        {"date", "2025-03-01"},
                        {"amount_fen", 100},
                        {"voucher_fen", 0}},
           mine);
  reg.must(201, "/v1/datasets", json::object{{"id", "DS1"}, {"owner", owner}}, mine);
  reg.must(
      201, "/v1/dataset-calls",
      json::object{{"id", "CALL1"}, {"dataset", "DS1"}, {"caller", other}, {"date", "2025-05-01"}, {"income_fen", 5}},
      mine);
  reg.must(201, "/v1/signoff-participants",
           json::object{{"enterprise", owner}, {"level", "national"}, {"from", "2024-01-01"}, {"to", nullptr}},
           reg.admin());
  reg.must(201, "/v1/events",
           json::object{{"id", "EV1"},
                        {"organizer", owner},
                        {"start", "2025-09-10"},
                        {"in_district", true},
                        {"focus_area", "ai_software"},
                        {"approval_date", "2025-08-01"},
                        {"approval_ref", "BP-1"},
                        {"venue_rent_fen", 100}},
           mine);

  // Another enterprise's token: 403; an admin-only fact: 403 for any enterprise.
  CHECK(http.post("/v1/datasets", json::object{{"id", "DS2"}, {"owner", owner}}, theirs).status == 403);
  CHECK(
      http.post("/v1/dataset-calls",
                json::object{
                    {"id", "CALL2"}, {"dataset", "DS1"}, {"caller", other}, {"date", "2025-05-01"}, {"income_fen", 5}},
                theirs)
          .status == 403);
  CHECK(http.post("/v1/platform-recognitions",
                  json::object{{"enterprise", owner}, {"level", "national"}, {"from", "2024-01-01"}, {"to", nullptr}},
                  mine)
            .status == 403);
  // A duplicate id: 409; an impossible date: 422 with its field; an unknown dataset: 422.
  auto dup = http.post("/v1/datasets", json::object{{"id", "DS1"}, {"owner", owner}}, mine);
  CHECK(dup.status == 409);
  auto bad = http.post("/v1/data-trades",
                       json::object{{"id", "T1"},
                                    {"platform", owner},
                                    {"buyer", other},
                                    {"seller", center},
                                    {"date", "2025-02-30"},
                                    {"amount_fen", 1}},
                       mine);
  CHECK(bad.status == 422);
  CHECK(json::parse(bad.body).at("error").at("field") == "date");
  auto unknown = http.post(
      "/v1/dataset-calls",
      json::object{{"id", "CALL3"}, {"dataset", "NOPE"}, {"caller", other}, {"date", "2025-05-01"}, {"income_fen", 5}},
      reg.admin());
  CHECK(unknown.status == 422);
  CHECK(json::parse(unknown.body).at("error").at("code") == "UNKNOWN_DATASET");

  // A claim of their rules is filed on the stored facts (test_serve_clause_claims.cpp has
  // every rule): R&D 12,000,000.00 元 with sales → 15 % = 1,800,000.00 元.
  auto claim = reg.must(201, "/v1/claims", json::object{{"rule", "eda_rd"}, {"year", 2025}}, mine);
  CHECK(claim.at("evaluation").at("award_fen") == 180000000);
}
