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
