// End-to-end: a key revocation answers with what it makes untrusted (the attestations and
// the submitted or approved claims on them), and moving a revocation earlier needs
// "confirm": true.
#include <catch2/catch.hpp>

#include "e2e/world.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

TEST_CASE("revocation: the revoke answers with the attestations and claims it affects; moving it earlier needs confirm") {
  Registry reg;
  World w = build_world(reg);  // one tape-out dated 2024-09-01, signed with w.keyid, logged today
  auto filed = reg.http().post("/v1/claims", json::object{{"rule", "tapeout"}, {"tapeout", w.tapeout_id}}, w.design_token);
  REQUIRE(filed.status == 201);
  const std::string claim(filed.json().at("id").as_string());
  const std::string target = "/v1/foundry-keys/" + w.keyid + "/revoke";

  // From a day after the attestation and its log day: it stays trusted, nothing affected.
  auto later = reg.http().post(target, json::object{{"from", "2999-01-01"}}, reg.admin());
  INFO(later.body);
  REQUIRE(later.status == 200);
  CHECK(later.json().at("revoked_from").as_string() == "2999-01-01");
  CHECK(later.json().at("affected").at("tapeouts").as_array().empty());
  CHECK(later.json().at("affected").at("claims").as_array().empty());

  // Earlier, before the tape-out's date: refused without confirm, and nothing changes.
  auto unconfirmed = reg.http().post(target, json::object{{"from", "2024-01-01"}}, reg.admin());
  CHECK(unconfirmed.status == 409);
  CHECK(unconfirmed.error_code() == "CONFIRM_REQUIRED");
  CHECK(unconfirmed.json().at("error").at("message").as_string().find("2999-01-01") != std::string::npos);
  CHECK(reg.http().get("/v1/foundry-keys/" + w.keyid, reg.admin()).json().at("revoked_from").as_string() == "2999-01-01");

  auto confirmed = reg.http().post(target, json::object{{"from", "2024-01-01"}, {"confirm", true}}, reg.admin());
  INFO(confirmed.body);
  REQUIRE(confirmed.status == 200);
  CHECK(confirmed.json().at("revoked_from").as_string() == "2024-01-01");
  const json::value answer = confirmed.json();
  const json::value& affected = answer.at("affected");
  REQUIRE(affected.at("tapeouts").as_array().size() == 1);
  CHECK(affected.at("tapeouts").at(0).as_string() == w.tapeout_id);
  REQUIRE(affected.at("claims").as_array().size() == 1);
  CHECK(affected.at("claims").at(0).at("id").as_string() == claim);
  CHECK(affected.at("claims").at(0).at("status").as_string() == "submitted");
  // The tape-out now shows as untrusted, and the audit row keeps the impact and the old date.
  auto t = reg.http().get("/v1/tapeouts/" + w.tapeout_id, w.design_token).json();
  CHECK(t.at("key_status").as_string().find("not trusted") != std::string::npos);
  CHECK(t.at("untrusted_from").as_string() == "2024-01-01");
  auto audit = reg.http().get("/v1/audit?subject=" + w.keyid, reg.admin()).json().at("items").as_array();
  REQUIRE(audit.size() >= 3);  // register, the two revocations
  const auto& last = audit.back();
  CHECK(last.at("action").as_string() == "foundry_key.revoke");
  CHECK(last.at("detail").at("previous_from").as_string() == "2999-01-01");
  CHECK(last.at("detail").at("affected").at("tapeouts").at(0).as_string() == w.tapeout_id);
  // A date on or after the current one changes nothing and needs no confirm.
  CHECK(reg.http().post(target, json::object{{"from", "2025-01-01"}}, reg.admin()).status == 200);
  CHECK(reg.http().get("/v1/foundry-keys/" + w.keyid, reg.admin()).json().at("revoked_from").as_string() == "2024-01-01");
  // Bad input names the field; only admins revoke.
  auto bad = reg.http().post(target, json::object{{"from", "2024-13-01"}}, reg.admin());
  CHECK(bad.status == 422);  // as for every date that does not exist
  CHECK(bad.json().at("error").at("field").as_string() == "from");
  CHECK(reg.http().post(target, json::object{{"from", "2024-01-01"}}, w.reviewer_token).status == 403);
}

TEST_CASE("revocation: chipreg key revoke reports the impact and needs --confirm to move a revocation earlier") {
  Registry reg;
  World w = build_world(reg);
  auto first = run_chipreg({"key", "revoke", "--db", reg.db(), "--key-id", w.keyid, "--from", "2999-01-01"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.err.find("\"tapeouts\":[]") != std::string::npos);
  auto earlier = run_chipreg({"key", "revoke", "--db", reg.db(), "--key-id", w.keyid, "--from", "2024-01-01"});
  CHECK(earlier.exit_code == 2);  // refused input, as every refusal of key revoke
  CHECK(earlier.err.find("CONFIRM_REQUIRED") != std::string::npos);
  CHECK(earlier.err.find("--confirm") != std::string::npos);
  auto confirmed =
      run_chipreg({"key", "revoke", "--db", reg.db(), "--key-id", w.keyid, "--from", "2024-01-01", "--confirm"});
  INFO(confirmed.err);
  REQUIRE(confirmed.exit_code == 0);
  CHECK(confirmed.err.find(w.tapeout_id) != std::string::npos);
  CHECK(json::parse(confirmed.out).at("revoked_from").as_string() == "2024-01-01");
  // --confirm belongs to revoke only.
  CHECK(run_chipreg({"key", "list", "--db", reg.db(), "--confirm"}).exit_code == 2);
}

TEST_CASE("revocation: linkage claims on the chip are affected, and the re-evaluated findings name the key and date") {
  Registry reg;
  World w = build_world(reg);  // P-CHIP, taped out 2024-09-01 under w.keyid; the OEM bought it for 3,000,000.00 元
  auto tapeout_claim =
      reg.http().post("/v1/claims", json::object{{"rule", "tapeout"}, {"tapeout", w.tapeout_id}}, w.design_token);
  REQUIRE(tapeout_claim.status == 201);
  auto linkage = reg.http().post(
      "/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
  INFO(linkage.body);
  REQUIRE(linkage.status == 201);
  const std::string linkage_id(linkage.json().at("id").as_string());
  REQUIRE(linkage.json().at("evaluation").at("eligible").as_bool());
  REQUIRE(linkage.json().at("evaluation").at("lines").at(0).at("qualifies").as_bool());

  // The preview (what the web app shows before the admin confirms) changes nothing and
  // answers what the revoke then does.
  auto preview = reg.http().get("/v1/foundry-keys/" + w.keyid + "/revocation-impact?from=2024-08-01", reg.admin());
  INFO(preview.body);
  REQUIRE(preview.status == 200);
  CHECK(preview.json().at("revoked_from").is_null());
  CHECK_FALSE(preview.json().at("confirm_required").as_bool());
  CHECK(reg.http().get("/v1/foundry-keys/" + w.keyid, reg.admin()).json().at("revoked_from").is_null());
  CHECK(reg.http().get("/v1/foundry-keys/" + w.keyid + "/revocation-impact?from=2024-08-01", w.oem_token).status == 403);
  CHECK(reg.http().get("/v1/foundry-keys/" + w.keyid + "/revocation-impact?from=soon", reg.admin()).status == 400);
  CHECK(reg.http().get("/v1/foundry-keys/" + std::string(64, '0') + "/revocation-impact?from=2024-08-01", reg.admin())
            .status == 404);

  // Revoked from before the tape-out: both claims rely on it, and the answer says which
  // attestation each relies on.
  auto revoked = reg.http().post("/v1/foundry-keys/" + w.keyid + "/revoke", json::object{{"from", "2024-08-01"}},
                                 reg.admin());
  INFO(revoked.body);
  REQUIRE(revoked.status == 200);
  const json::value answer = revoked.json();
  CHECK(answer.at("affected") == preview.json().at("affected"));
  const auto& claims = answer.at("affected").at("claims").as_array();
  REQUIRE(claims.size() == 2);
  CHECK(claims.at(0).at("rule").as_string() == "tapeout");
  CHECK(claims.at(0).at("id").as_string() == tapeout_claim.json().at("id").as_string());
  CHECK(claims.at(1).at("rule").as_string() == "linkage");
  CHECK(claims.at(1).at("id").as_string() == linkage_id);
  CHECK(claims.at(1).at("tapeout").as_string() == w.tapeout_id);
  CHECK(claims.at(1).at("status").as_string() == "submitted");

  // Re-evaluated, the line is CHIP_WITHOUT_TAPEOUT and its finding names the attestation,
  // the key and the revocation date.
  auto again = reg.http().post("/v1/claims/" + linkage_id + "/evaluate", json::object{}, reg.admin());
  INFO(again.body);
  REQUIRE(again.status == 200);
  const json::value evaluation = again.json().at("evaluation");
  CHECK_FALSE(evaluation.at("eligible").as_bool());
  CHECK(evaluation.at("award_fen").as_int64() == 0);
  const auto& line = evaluation.at("lines").at(0);
  CHECK_FALSE(line.at("qualifies").as_bool());
  REQUIRE(line.at("codes").as_array().size() == 1);
  CHECK(line.at("codes").at(0).as_string() == "CHIP_WITHOUT_TAPEOUT");
  bool named = false;
  for (const auto& t : evaluation.at("trace").as_array()) {
    const std::string step(t.as_string());
    if (step.find("CHIP_WITHOUT_TAPEOUT") == std::string::npos) continue;
    named = step.find("流片证明 " + w.tapeout_id) != std::string::npos && step.find(w.keyid) != std::string::npos &&
            step.find("自 2024-08-01 起吊销") != std::string::npos;
  }
  CHECK(named);
  // The facts bundle carries the attestation, marked, so `chipreg evaluate` on it agrees.
  auto facts = reg.http().get("/v1/claims/" + linkage_id + "/facts", reg.admin());
  REQUIRE(facts.status == 200);
  INFO(facts.body);
  const json::value bundle = facts.json();
  REQUIRE(bundle.at("tapeouts").as_array().size() == 1);
  CHECK(bundle.at("tapeouts").at(0).at("untrusted_from").as_string() == "2024-08-01");

  // The tape-out claim, re-evaluated, is refused with the same facts in its message.
  auto refused = reg.http().post("/v1/claims/" + std::string(claims.at(0).at("id").as_string()) + "/evaluate",
                                 json::object{}, reg.admin());
  INFO(refused.body);
  CHECK(refused.status == 422);
  CHECK(refused.error_code() == "UNKNOWN_TAPEOUT");
  const std::string message(refused.json().at("error").at("message").as_string());
  CHECK(message.find(w.keyid) != std::string::npos);
  CHECK(message.find("revoked from 2024-08-01") != std::string::npos);

  // A revocation after the tape-out and its log day takes nothing away: no claims.
  Registry other;
  World v = build_world(other);
  REQUIRE(other.http()
              .post("/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}},
                    v.oem_token)
              .status == 201);
  auto harmless = other.http().post("/v1/foundry-keys/" + v.keyid + "/revoke", json::object{{"from", "2999-01-01"}},
                                    other.admin());
  REQUIRE(harmless.status == 200);
  CHECK(harmless.json().at("affected").at("claims").as_array().empty());
}
