// 免申即享 end to end, on the real binary: the eligibility job finds what the standard world's
// OEM is owed, the enterprise files from it with one action, and the bureau's automatic
// filing files a claim marked proactive that goes through the same review.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <boost/json.hpp>

#include "e2e/fixture.hpp"
#include "e2e/world.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

json::object eligibility(Registry& reg, const std::string& year = "2025") {
  const ProcessResult r = run_chipreg({"eligibility", "--db", reg.db(), "--year", year});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object();
}

json::array items(const HttpReply& r) { return r.json().at("items").as_array(); }

}  // namespace

TEST_CASE("entitlements: an OEM whose purchases cross the clause-12 threshold is listed with the exact award and files from it") {
  Registry reg;
  World w = build_world(reg);
  const auto& http = reg.http();

  const json::object run = eligibility(reg);
  CHECK(run.at("mode").as_string() == "full");
  CHECK(run.at("enterprises").as_int64() == 4);
  CHECK(run.at("owed_unclaimed").as_int64() == 1);
  CHECK(run.at("owed_unclaimed_fen").as_int64() == 101700000);

  // The reviewer's list of enterprises owed money that have not claimed.
  const HttpReply owed = http.get("/v1/entitlements?year=2025&claimed=false", w.reviewer_token);
  REQUIRE(owed.status == 200);
  REQUIRE(items(owed).size() == 1);
  const json::array owed_items = items(owed);
  const json::object& e = owed_items[0].as_object();
  CHECK(e.at("enterprise").as_string() == w.oem);
  CHECK(e.at("rule").as_string() == "linkage");
  CHECK(e.at("group").as_string() == "chip_module");
  CHECK(e.at("year").as_int64() == 2025);
  CHECK(e.at("award_fen").as_int64() == 101700000);  // 3,390,000.00 元 tax included × 30 %
  CHECK(e.at("claimed").as_bool() == false);
  CHECK(e.at("missing").as_array().empty());

  // Each enterprise sees its own only.
  const HttpReply mine = http.get("/v1/entitlements?year=2025", w.oem_token);
  REQUIRE(mine.status == 200);
  REQUIRE(items(mine).size() == 1);
  CHECK(items(mine)[0].at("award_fen").as_int64() == 101700000);
  const HttpReply theirs = http.get("/v1/entitlements?year=2025", w.other_token);
  REQUIRE(theirs.status == 200);
  CHECK(items(theirs).empty());
  CHECK(http.get("/v1/entitlements?year=2025&enterprise=" + w.oem, w.other_token).status == 403);
  CHECK(http.get("/v1/entitlements?year=2025", w.foundry_token).status == 403);
  CHECK(http.get("/v1/entitlements", w.reviewer_token).status == 400);

  // One action files it.
  const json::object filing{{"year", 2025}, {"rule", "linkage"}, {"group", "chip_module"}};
  const HttpReply filed = http.post("/v1/entitlements/file", filing, w.oem_token);
  INFO(filed.body);
  REQUIRE(filed.status == 201);
  const std::string id(filed.json().at("id").as_string());
  CHECK(filed.json().at("claimant").as_string() == w.oem);
  CHECK(filed.json().at("status").as_string() == "submitted");
  CHECK(filed.json().at("award_fen").as_int64() == 101700000);
  CHECK(filed.json().at("proactive").as_bool() == false);
  CHECK(http.post("/v1/entitlements/file", filing, w.oem_token).status == 409);
  CHECK(http.post("/v1/entitlements/file", filing, w.other_token).status == 404);
  CHECK(http.post("/v1/entitlements/file", filing, w.reviewer_token).status == 403);

  const HttpReply after = http.get("/v1/entitlements?year=2025&claimed=false", w.reviewer_token);
  CHECK(items(after).empty());
  const HttpReply claimed = http.get("/v1/entitlements?year=2025&claimed=true", w.reviewer_token);
  REQUIRE(items(claimed).size() == 1);
  CHECK(items(claimed)[0].at("claim").as_string() == id);
  const HttpReply audit = http.get("/v1/audit?subject=" + id, reg.admin());
  REQUIRE(audit.status == 200);
  std::vector<std::string> actions;
  for (const auto& row : items(audit)) actions.emplace_back(row.at("action").as_string());
  CHECK(actions == std::vector<std::string>{"claim.file", "entitlement.file"});

  // Nothing changed since: the next run re-evaluates the claimant whose claim was filed, then nothing.
  CHECK(eligibility(reg).at("enterprises").as_int64() == 1);
  const json::object idle = eligibility(reg);
  CHECK(idle.at("mode").as_string() == "incremental");
  CHECK(idle.at("facts").as_int64() == 0);
  CHECK(idle.at("enterprises").as_int64() == 0);
}

TEST_CASE("entitlements: automatic filing creates the claim in the enterprise's name, proactive, for the same review") {
  Registry reg;
  World w = build_world(reg);
  const auto& http = reg.http();
  CHECK(http.post("/v1/entitlements/auto-filing", json::object{{"rule", "linkage"}, {"enabled", true}}, w.reviewer_token)
            .status == 403);
  const auto set = reg.must(200, "/v1/entitlements/auto-filing", json::object{{"rule", "linkage"}, {"enabled", true}},
                            reg.admin());
  CHECK(set.at("enabled").as_bool());
  const HttpReply settings = http.get("/v1/entitlements/auto-filing", w.reviewer_token);
  REQUIRE(items(settings).size() == 1);
  CHECK(items(settings)[0].at("rule").as_string() == "linkage");

  const json::object run = eligibility(reg);
  REQUIRE(run.at("auto_filed").as_array().size() == 1);
  const std::string id(run.at("auto_filed").as_array()[0].as_string());
  const HttpReply claim = http.get("/v1/claims/" + id, w.reviewer_token);
  REQUIRE(claim.status == 200);
  CHECK(claim.json().at("claimant").as_string() == w.oem);
  CHECK(claim.json().at("proactive").as_bool());
  CHECK(claim.json().at("status").as_string() == "submitted");
  CHECK(claim.json().at("award_fen").as_int64() == 101700000);
  // The enterprise sees it as its own claim.
  CHECK(http.get("/v1/claims/" + id, w.oem_token).json().at("proactive").as_bool());
  // The same review.
  const auto decided = reg.must(200, "/v1/claims/" + id + "/decision",
                                json::object{{"approve_fen", 101700000}, {"note", "免申即享"}}, w.reviewer_token);
  CHECK(decided.at("status").as_string() == "approved");
  const HttpReply audit = http.get("/v1/audit?subject=" + id, reg.admin());
  std::vector<std::string> actions;
  for (const auto& row : items(audit)) actions.emplace_back(row.at("action").as_string());
  REQUIRE(actions.size() >= 3);
  CHECK(actions[0] == "claim.file");
  CHECK(actions[1] == "entitlement.auto_file");
  // Approved and nothing more owed: claimed, and not filed again.
  const json::object again = eligibility(reg);
  CHECK(again.at("auto_filed").as_array().empty());
  const HttpReply rows = http.get("/v1/entitlements?year=2025&claimed=true", w.reviewer_token);
  REQUIRE(items(rows).size() == 1);
  CHECK(items(rows)[0].at("award_fen").as_int64() == 0);
}

TEST_CASE("entitlements: chipreg serve --eligibility-every runs the job on its own") {
  Registry reg({"--eligibility-every", "1s", "--eligibility-year", "2025"});
  World w = build_world(reg);
  const auto& http = reg.http();
  std::int64_t award = -1;
  for (int i = 0; i < 100 && award < 0; ++i) {
    const HttpReply r = http.get("/v1/entitlements?year=2025&enterprise=" + w.oem, w.reviewer_token);
    REQUIRE(r.status == 200);
    if (!items(r).empty()) award = items(r)[0].at("award_fen").as_int64();
    else std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(award == 101700000);
}
