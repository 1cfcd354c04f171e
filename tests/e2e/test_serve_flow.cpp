// End-to-end: the whole registry flow over HTTP against the real `chipreg serve`.
#include <catch2/catch.hpp>

#include <map>

#include "crypto/encoding.hpp"
#include "e2e/world.hpp"
#include "registry/db/sqlite.hpp"
#include "support/log_leaves.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// The same facts as a scenario for `chipreg evaluate`.
json::object scenario_of(const World& w, const std::string& claim_id) {
  auto ent = [](const std::string& u, const char* name, bool in, const char* role) {
    return json::object{{"uscc", u}, {"name", name}, {"in_district", in}, {"roles", json::array{role}}};
  };
  return json::object{
      {"enterprises", json::array{ent(w.foundry, "Foundry Co.", false, "foundry"), ent(w.design, "Design House Co.", true, "ic_design"),
                                  ent(w.oem, "Terminal Maker Co.", true, "oem"), ent(w.other, "Other Maker Co.", true, "oem")}},
      {"products", json::array{json::object{{"id", "P-CHIP"}, {"kind", "chip"}, {"owner", w.design}, {"self_developed", true},
                                            {"first_market_date", "2025-01-10"}, {"focus_area", "chip_design"}}}},
      {"tapeouts", json::array{json::object{{"id", w.tapeout_id}, {"product", "P-CHIP"}, {"foundry", w.foundry},
                                            {"design_owner", w.design}, {"date", "2024-09-01"}, {"kind", "mpw"},
                                            {"design_digest", "sha256:" + std::string(64, 'a')}, {"cost_fen", 800000000}}}},
      {"purchases", json::array{json::object{{"invoice", "24332000000012345678"}, {"line", 1}, {"date", "2025-03-01"},
                                             {"buyer", w.oem}, {"seller", w.design}, {"product", "P-CHIP"},
                                             {"amount_fen", 300000000}, {"tax_fen", 39000000}, {"reverses", nullptr}}}},
      {"claims", json::array{json::object{{"id", claim_id}, {"rule", "linkage"}, {"claimant", w.oem}, {"year", 2025},
                                          {"group", "chip_module"}}}}};
}

std::vector<std::string> codes(const json::value& evaluation) {
  std::vector<std::string> out;
  for (const auto& r : evaluation.at("reasons").as_array()) out.emplace_back(r.at("code").as_string());
  return out;
}

}  // namespace

TEST_CASE("serve: the whole flow from enterprises to a final decision, over HTTP") {
  Registry reg;
  World w = build_world(reg);
  const auto& http = reg.http();

  SECTION("healthz answers without a token") {
    auto r = http.get("/healthz");
    CHECK(r.status == 200);
    CHECK(r.json() == json::parse(R"({"status":"ok"})"));
    CHECK(r.headers.count("x-request-id") == 1);
  }

  SECTION("the signed tape-out is the product's first and is in the log") {
    auto t = http.get("/v1/tapeouts/" + w.tapeout_id, w.design_token).json();
    CHECK(t.at("first").as_bool());
    CHECK(str(t, "product") == "P-CHIP");
    auto entry = http.get("/v1/log/entries/" + std::to_string(t.at("log_index").as_int64()));
    CHECK(entry.status == 200);
    auto checkpoint = http.get("/v1/log/checkpoint");
    CHECK(checkpoint.status == 200);
    CHECK(checkpoint.headers["content-type"].rfind("text/plain", 0) == 0);
  }

  SECTION("a linkage claim is evaluated like chipreg evaluate, decided once, and locks its lines") {
    auto filed = http.post("/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
    REQUIRE(filed.status == 201);
    auto claim = filed.json();
    const std::string id = str(claim, "id");
    CHECK(str(claim, "status") == "submitted");
    CHECK(str(claim, "claimant") == w.oem);
    const auto& evaluation = claim.at("evaluation");

    // Same engine, same output as the CLI on the same facts.
    TempDir tmp;
    write_file(tmp.file("s.json"), json::serialize(scenario_of(w, id)));
    auto cli = run_chipreg({"evaluate", "--scenario", tmp.file("s.json")});
    REQUIRE(cli.exit_code == 0);
    const auto expected = json::parse(cli.out).at("claims").at(0);
    CHECK(evaluation.at("eligible") == expected.at("eligible"));
    CHECK(evaluation.at("award_fen") == expected.at("award_fen"));
    CHECK(evaluation.at("computed_fen") == expected.at("computed_fen"));
    CHECK(evaluation.at("qualifying_fen") == expected.at("qualifying_fen"));
    CHECK(codes(evaluation) == codes(expected));
    CHECK(evaluation.at("eligible").as_bool());
    // 30 % of 3,390,000.00 元 tax included = 1,017,000.00 元, under the 1,500,000.00 元 cap.
    CHECK(evaluation.at("award_fen").as_int64() == 101700000);
    CHECK(claim.at("award_fen").as_int64() == 101700000);

    // Reviewer and claimant see it; the other enterprise gets 404, like an unknown id.
    CHECK(http.get("/v1/claims/" + id, w.oem_token).status == 200);
    CHECK(http.get("/v1/claims/" + id, w.reviewer_token).status == 200);
    auto foreign = http.get("/v1/claims/" + id, w.other_token);
    CHECK(foreign.status == 404);
    CHECK(foreign.error_code() == "NOT_FOUND");
    CHECK(http.get("/v1/claims/C99999999", w.other_token).error_code() == "NOT_FOUND");

    // Approving above the award: 422; the claim stays submitted.
    auto above = reg.http().post("/v1/claims/" + id + "/decision", json::object{{"approve_fen", 101700001}, {"note", "x"}},
                                 w.reviewer_token);
    CHECK(above.status == 422);
    CHECK(above.error_code() == "ABOVE_AWARD");
    // Only reviewers decide.
    CHECK(http.post("/v1/claims/" + id + "/decision", json::object{{"approve_fen", 1}}, w.oem_token).status == 403);
    CHECK(http.post("/v1/claims/" + id + "/decision", json::object{{"approve_fen", 1}}, reg.admin()).status == 403);

    auto decided = http.post("/v1/claims/" + id + "/decision",
                             json::object{{"approve_fen", 100000000}, {"note", "approved at 1,000,000.00 元"}}, w.reviewer_token);
    REQUIRE(decided.status == 200);
    auto d = decided.json();
    CHECK(str(d, "status") == "approved");
    CHECK(d.at("decision").at("approve_fen").as_int64() == 100000000);
    CHECK(str(d.at("decision"), "reviewer").rfind("reviewer#", 0) == 0);
    CHECK(d.at("decision").at("log_index").is_int64());

    // Final: a second decision and a re-evaluation are conflicts.
    auto again = http.post("/v1/claims/" + id + "/decision", json::object{{"reject", true}, {"note", "no"}}, w.reviewer_token);
    CHECK(again.status == 409);
    CHECK(again.error_code() == "ALREADY_DECIDED");
    CHECK(http.post("/v1/claims/" + id + "/evaluate", json::object{}, w.reviewer_token).status == 409);

    // A later claim of the same year and group (the series): computed on the whole year,
    // line 1 included, and it pays what exceeds the approval (RULES.md clause 12).
    reg.must(201, "/v1/purchases",
             json::object{{"invoice", "24332000000012345679"}, {"line", 1}, {"date", "2025-06-01"}, {"buyer", w.oem},
                          {"seller", w.design}, {"product", "P-CHIP"}, {"amount_fen", 100000000}, {"tax_fen", 13000000}},
             w.oem_token);
    auto second = http.post("/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
    REQUIRE(second.status == 201);
    const auto lines = second.json().at("evaluation").at("lines").as_array();
    REQUIRE(lines.size() == 2);
    bool saw_first = false;
    for (const auto& l : lines) {
      if (str(l, "invoice") == "24332000000012345678") {
        saw_first = true;
        CHECK(l.at("qualifies").as_bool());
        CHECK(l.at("codes").as_array().empty());
      }
    }
    CHECK(saw_first);
    CHECK(second.json().at("evaluation").at("prior_approved_fen").as_int64() == 100000000);
    // (3,390,000 + 1,130,000) × 30 % = 1,356,000 − 1,000,000 approved
    CHECK(second.json().at("evaluation").at("award_fen").as_int64() == 35600000);

    // Listing: the enterprise sees its own claims only, reviewers filter by status.
    auto mine = http.get("/v1/claims?limit=1", w.oem_token).json();
    CHECK(mine.at("items").as_array().size() == 1);
    CHECK(mine.at("next").is_string());
    auto approved = http.get("/v1/claims?status=approved", w.reviewer_token).json();
    REQUIRE(approved.at("items").as_array().size() == 1);
    CHECK(str(approved.at("items").at(0), "id") == id);
    CHECK(http.get("/v1/claims", w.other_token).json().at("items").as_array().empty());
    CHECK(http.get("/v1/claims?enterprise=" + w.oem, w.other_token).status == 403);

    // The audit trail records filing and decision, for the bureau (admins and reviewers) only.
    auto audit = http.get("/v1/audit?subject=" + id, reg.admin());
    REQUIRE(audit.status == 200);
    std::vector<std::string> actions;
    const auto trail = audit.json();
    for (const auto& a : trail.at("items").as_array()) actions.emplace_back(a.at("action").as_string());
    CHECK(actions == std::vector<std::string>{"claim.file", "claim.decide"});
    CHECK(http.get("/v1/audit?subject=" + id, w.reviewer_token).status == 200);
    CHECK(http.get("/v1/audit", w.oem_token).status == 403);
  }

  SECTION("a tape-out claim by the design owner, re-evaluated after another level's award") {
    auto filed = http.post("/v1/claims", json::object{{"rule", "tapeout"}, {"tapeout", w.tapeout_id}}, w.design_token);
    REQUIRE(filed.status == 201);
    auto c = filed.json();
    const std::string id = str(c, "id");
    CHECK(c.at("year").as_int64() == 2024);
    CHECK(c.at("eligible").as_bool());
    // 30 % of 8,000,000.00 元.
    CHECK(c.at("award_fen").as_int64() == 240000000);
    CHECK(str(c, "branch") == "small");

    reg.must(201, "/v1/other-awards", json::object{{"claim", id}, {"level", "city"}, {"amount_fen", 40000000}}, w.reviewer_token);
    // The evaluation on file no longer matches the facts: the decision asks for a re-evaluation.
    auto stale = http.post("/v1/claims/" + id + "/decision", json::object{{"approve_fen", 1}}, w.reviewer_token);
    CHECK(stale.status == 409);
    CHECK(stale.error_code() == "STALE_EVALUATION");
    auto re = http.post("/v1/claims/" + id + "/evaluate", json::object{}, w.reviewer_token);
    REQUIRE(re.status == 200);
    CHECK(re.json().at("award_fen").as_int64() == 200000000);
    CHECK(http.post("/v1/claims/" + id + "/decision", json::object{{"reject", true}, {"note", "duplicate project"}},
                    w.reviewer_token).status == 200);
    CHECK(str(http.get("/v1/claims/" + id, w.design_token).json(), "status") == "rejected");
  }

  SECTION("resources created are readable by those allowed, 404 for the others") {
    CHECK(http.get("/v1/enterprises/" + w.oem, w.oem_token).status == 200);
    CHECK(http.get("/v1/enterprises/" + w.oem, w.other_token).status == 404);
    CHECK(http.get("/v1/products/P-CHIP", w.design_token).status == 200);
    CHECK(http.get("/v1/products/P-CHIP", w.oem_token).status == 404);
    CHECK(http.get("/v1/foundry-keys/" + w.keyid, w.oem_token).status == 200);
    CHECK(http.get("/v1/purchases/24332000000012345678/1?buyer=" + w.oem, w.design_token).status == 200);  // the seller
    CHECK(http.get("/v1/purchases/24332000000012345678/1", w.design_token).status == 404);  // its own: none
    CHECK(http.get("/v1/purchases/24332000000012345678/1", w.other_token).status == 404);
    auto list = http.get("/v1/enterprises/" + w.oem + "/purchases?year=2025", w.oem_token).json();
    CHECK(list.at("items").as_array().size() == 1);
    CHECK(http.get("/v1/enterprises/" + w.oem + "/purchases", w.other_token).status == 404);
    CHECK(http.get("/v1/tapeouts/" + w.tapeout_id, w.other_token).status == 404);
  }

  SECTION("a purchase is its own log leaf: the public sees its commitment, its parties its bytes, until its row is edited") {
    auto p = http.get("/v1/purchases/24332000000012345678/1", w.oem_token).json();
    const std::string index = std::to_string(p.at("log_index").as_int64());
    CHECK(p.at("id").as_int64() == p.at("log_index").as_int64() + 1);
    auto entry = http.get("/v1/log/entries/" + index);
    REQUIRE(entry.status == 200);
    auto bytes = chipreg::crypto::unbase64(std::string(entry.json().at("entry").as_string()));
    REQUIRE(bytes.ok());
    const std::string leaf(bytes->begin(), bytes->end());
    // {"commitment":"<64 hex>","kind":"purchase","v":2}: nothing of the purchase itself.
    CHECK(leaf.size() == 15 + 64 + 26);
    CHECK(leaf.rfind(R"({"commitment":")", 0) == 0);
    CHECK(leaf.substr(15 + 64) == R"(","kind":"purchase","v":2})");
    CHECK(leaf.find("24332000000012345678") == std::string::npos);
    // The buyer, the seller and the bureau open it; another enterprise, and no token, cannot.
    auto opened = http.get("/v1/log/entries/" + index + "/opening", w.oem_token);
    REQUIRE(opened.status == 200);
    CHECK(opened.json().at("entry") == entry.json().at("entry"));
    CHECK(opened.json().at("ref").as_string() == "24332000000012345678#1");
    auto fact = chipreg::crypto::unbase64(std::string(opened.json().at("opening").as_string()));
    REQUIRE(fact.ok());
    const std::string opening(fact->begin(), fact->end());
    CHECK(opening.rfind(R"({"fact":{"amount_fen":)", 0) == 0);
    CHECK(opening.find(R"("invoice":"24332000000012345678","line":1,)") != std::string::npos);
    auto salt = chipreg::crypto::unhex(std::string(opened.json().at("salt").as_string()));
    REQUIRE(salt.ok());
    CHECK(leaf == chipreg::testing::expected_commitment("purchase", std::string(salt->begin(), salt->end()), opening));
    CHECK(http.get("/v1/log/entries/" + index + "/opening", w.design_token).status == 200);  // the seller
    CHECK(http.get("/v1/log/entries/" + index + "/opening", w.reviewer_token).status == 200);
    CHECK(http.get("/v1/log/entries/" + index + "/opening", w.other_token).status == 404);
    CHECK(http.get("/v1/log/entries/" + index + "/opening").status == 401);
    {
      auto db = chipreg::db::Db::open(reg.db());
      REQUIRE(db.ok());
      REQUIRE(db->exec_script("UPDATE purchases SET amount_fen = amount_fen + 1 WHERE invoice = '24332000000012345678'").ok());
    }
    auto edited = http.get("/v1/log/entries/" + index);
    CHECK(edited.status == 500);
    CHECK(edited.error_code() == "LOG_CORRUPT");
    CHECK(http.get("/v1/log/entries/" + index + "/opening", w.oem_token).status == 500);
  }

  SECTION("the public log names no party, product, invoice or amount; each leaf opens to its parties only") {
    auto filed = http.post("/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
    REQUIRE(filed.status == 201);
    const std::string id = str(filed.json(), "id");
    auto decided = http.post("/v1/claims/" + id + "/decision", json::object{{"approve_fen", 100000000}, {"note", "ok"}},
                             w.reviewer_token);
    REQUIRE(decided.status == 200);
    const auto cp = http.get("/v1/log/checkpoint").body;
    const auto size = std::stoll(cp.substr(cp.find('\n') + 1));
    REQUIRE(size >= 4);  // the parties, the key, the tape-out, the purchase, the claim, ...
    std::map<std::string, std::int64_t> index_of;  // kind -> a leaf of that kind
    for (std::int64_t i = 0; i < size; ++i) {
      auto e = http.get("/v1/log/entries/" + std::to_string(i));
      REQUIRE(e.status == 200);
      auto bytes = chipreg::crypto::unbase64(std::string(e.json().at("entry").as_string()));
      REQUIRE(bytes.ok());
      const std::string leaf(bytes->begin(), bytes->end());
      INFO(leaf);
      auto parsed = json::parse(leaf).as_object();
      // A foundry's public key and its revocation are public by nature (v1); every other
      // leaf is a commitment.
      if (parsed.at("kind") == "foundry_key" || parsed.at("kind") == "key_revocation") continue;
      CHECK(parsed.size() == 3);
      CHECK(parsed.at("v").as_int64() == 2);
      CHECK(parsed.at("commitment").as_string().size() == 64);
      for (const std::string& secret : {w.oem, w.design, w.foundry, std::string("P-CHIP"), std::string("24332000000012345678"),
                                        std::string("300000000")}) {
        CHECK(leaf.find(secret) == std::string::npos);
      }
      index_of[std::string(parsed.at("kind").as_string())] = i;
    }
    auto opens = [&](const char* kind, const std::string& token) {
      REQUIRE(index_of.count(kind) == 1);
      return http.get("/v1/log/entries/" + std::to_string(index_of[kind]) + "/opening", token).status;
    };
    CHECK(opens("tapeout", w.foundry_token) == 200);
    CHECK(opens("tapeout", w.design_token) == 200);
    CHECK(opens("tapeout", w.oem_token) == 404);
    CHECK(opens("claim", w.oem_token) == 200);
    CHECK(opens("claim", w.design_token) == 404);
    CHECK(opens("decision", w.oem_token) == 200);
    CHECK(opens("decision", w.other_token) == 404);
    CHECK(opens("decision", w.reviewer_token) == 200);
    CHECK(opens("purchase", w.other_token) == 404);
    CHECK(opens("purchase", reg.admin()) == 200);
  }

  SECTION("metrics count requests by route and status") {
    (void)http.get("/v1/claims/C00000042", w.oem_token);
    auto m = http.get("/metrics");
    CHECK(m.status == 200);
    CHECK(m.body.find("chipreg_http_requests_total{route=\"/v1/claims/{id}\",method=\"GET\",status=\"404\"} 1") != std::string::npos);
    CHECK(m.body.find("chipreg_http_request_duration_seconds_count{route=\"/v1/enterprises\"} 4") != std::string::npos);
  }

  CHECK(reg.server().stop() == 0);
}
