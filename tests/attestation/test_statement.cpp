// Specifications of the in-toto tape-out statement parser (registry/attestation).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <functional>

#include "crypto/dsse.hpp"
#include "registry/domain/attestation.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
namespace json = boost::json;

namespace {


std::string uscc(const char* prefix16) {
  auto u = Uscc::complete(prefix16);
  REQUIRE(u.ok());
  return u->str();
}

json::object statement() {
  return json::object{
      {"_type", "https://in-toto.io/Statement/v1"},
      {"subject", json::array{json::object{
                      {"name", "gds/top.gds"},
                      {"digest", json::object{{"sha256", std::string(64, 'a')}}}}}},
      {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
      {"predicate", json::object{{"foundry", uscc("9133010800000001")},
                                 {"design_owner", uscc("9133010800000002")},
                                 {"product", "P1"},
                                 {"date", "2024-09-01"},
                                 {"kind", "mpw"},
                                 {"mask_set_id", "MS-001"},
                                 {"process_node", "28nm"},
                                 {"wafer_size_mm", 300},
                                 {"cost_fen", 800000000}}}};
}

json::object& pred(json::object& s) { return s["predicate"].as_object(); }
json::object& subj0(json::object& s) { return s["subject"].as_array()[0].as_object(); }

}  // namespace

TEST_CASE("statement: the contract's example parses into a tape-out fact") {
  auto st = attestation::parse_statement(json::serialize(statement()));
  REQUIRE(st.ok());
  CHECK(st->foundry.str() == uscc("9133010800000001"));
  CHECK(st->design_owner.str() == uscc("9133010800000002"));
  CHECK(st->product == "P1");
  CHECK(st->date == Date::ymd(2024, 9, 1));
  CHECK(st->kind == TapeoutKind::kMpw);
  CHECK(st->mask_set_id == std::optional<std::string>("MS-001"));
  CHECK(st->process_node == std::optional<std::string>("28nm"));
  CHECK(st->wafer_size_mm == std::optional<std::int64_t>(300));
  CHECK(st->cost.fen() == 800000000);
  CHECK(st->design_digest() == "sha256:" + std::string(64, 'a'));
  const Tapeout t = st->to_fact("TO1");
  CHECK(t.id == "TO1");
  CHECK(t.cost.fen() == 800000000);
  CHECK(t.design_digest == st->design_digest());
}

TEST_CASE("statement: unknown extra fields are ignored, sm3 digests and uppercase hex are accepted") {
  auto s = statement();
  s["extra"] = json::object{{"anything", 1}};
  pred(s)["notes"] = "ignored";
  subj0(s)["annotations"] = json::array{1, 2};
  subj0(s)["digest"] = json::object{{"sm3", std::string(64, 'B')}, {"sha512", std::string(128, 'c')}};
  pred(s).erase("mask_set_id");
  pred(s)["process_node"] = nullptr;
  auto st = attestation::parse_statement(json::serialize(s));
  REQUIRE(st.ok());
  CHECK(st->design_digest() == "sm3:" + std::string(64, 'b'));
  CHECK_FALSE(st->mask_set_id.has_value());
  CHECK_FALSE(st->process_node.has_value());
}

TEST_CASE("statement: each invalid statement is rejected with BAD_STATEMENT at the offending field") {
  struct Case {
    std::string name;
    std::function<void(json::object&)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"wrong _type", [](json::object& s) { s["_type"] = "https://in-toto.io/Statement/v0.1"; }, "_type"},
      {"missing _type", [](json::object& s) { s.erase("_type"); }, "_type"},
      {"wrong predicateType", [](json::object& s) { s["predicateType"] = "https://slsa.dev/provenance/v1"; },
       "predicateType"},
      {"missing subject", [](json::object& s) { s.erase("subject"); }, "subject"},
      {"empty subject", [](json::object& s) { s["subject"] = json::array(); }, "subject"},
      {"missing subject digest", [](json::object& s) { subj0(s).erase("digest"); }, "subject[0].digest"},
      {"digest without sha256 or sm3",
       [](json::object& s) { subj0(s)["digest"] = json::object{{"sha512", std::string(128, 'a')}}; },
       "subject[0].digest"},
      {"short hex digest",
       [](json::object& s) { subj0(s)["digest"] = json::object{{"sha256", std::string(63, 'a')}}; },
       "subject[0].digest.sha256"},
      {"non-hex digest",
       [](json::object& s) { subj0(s)["digest"] = json::object{{"sha256", std::string(63, 'a') + "g"}}; },
       "subject[0].digest.sha256"},
      {"digest not a string", [](json::object& s) { subj0(s)["digest"] = json::object{{"sm3", 12}}; },
       "subject[0].digest.sm3"},
      {"bad foundry USCC check character",
       [](json::object& s) {
         std::string u = json::value_to<std::string>(pred(s)["foundry"]);
         u[17] = u[17] == '0' ? '1' : '0';
         pred(s)["foundry"] = u;
       },
       "predicate.foundry"},
      {"design owner not 18 characters", [](json::object& s) { pred(s)["design_owner"] = "91330108"; },
       "predicate.design_owner"},
      {"impossible date", [](json::object& s) { pred(s)["date"] = "2023-02-29"; }, "predicate.date"},
      {"date not ISO", [](json::object& s) { pred(s)["date"] = "01/09/2024"; }, "predicate.date"},
      {"unknown kind", [](json::object& s) { pred(s)["kind"] = "shuttle"; }, "predicate.kind"},
      {"negative cost", [](json::object& s) { pred(s)["cost_fen"] = -1; }, "predicate.cost_fen"},
      {"cost overflowing int64", [](json::object& s) { pred(s)["cost_fen"] = std::uint64_t{9223372036854775808ull}; },
       "predicate.cost_fen"},
      {"cost with a fraction", [](json::object& s) { pred(s)["cost_fen"] = 1.5; }, "predicate.cost_fen"},
      {"cost as a string", [](json::object& s) { pred(s)["cost_fen"] = "800000000"; }, "predicate.cost_fen"},
      {"missing cost", [](json::object& s) { pred(s).erase("cost_fen"); }, "predicate.cost_fen"},
      {"product not a string", [](json::object& s) { pred(s)["product"] = 7; }, "predicate.product"},
      {"empty product", [](json::object& s) { pred(s)["product"] = ""; }, "predicate.product"},
      {"wafer size a string", [](json::object& s) { pred(s)["wafer_size_mm"] = "300"; }, "predicate.wafer_size_mm"},
      {"wafer size zero", [](json::object& s) { pred(s)["wafer_size_mm"] = 0; }, "predicate.wafer_size_mm"},
      {"mask set id a number", [](json::object& s) { pred(s)["mask_set_id"] = 1; }, "predicate.mask_set_id"},
      {"predicate an array", [](json::object& s) { s["predicate"] = json::array(); }, "predicate"},
      {"subject an object", [](json::object& s) { s["subject"] = json::object(); }, "subject"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto s = statement();
    c.mutate(s);
    auto r = attestation::parse_statement(json::serialize(s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "BAD_STATEMENT");
    CHECK(r.error().field == c.field);
    CHECK(r.error().message.rfind(c.field + ": ", 0) == 0);
  }
}

TEST_CASE("statement: an integer just beyond int64 in the JSON text overflows, never wraps") {
  std::string text = json::serialize(statement());
  const std::string from = "\"cost_fen\":800000000";
  REQUIRE(text.find(from) != std::string::npos);
  for (const char* big : {"9223372036854775808", "18446744073709551616", "1e3"}) {
    std::string t = text;
    t.replace(t.find(from), from.size(), std::string("\"cost_fen\":") + big);
    auto r = attestation::parse_statement(t);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "predicate.cost_fen");
  }
  // INT64_MAX itself is beyond the intake bound (10^12 fen), which is accepted.
  std::string max = text;
  max.replace(max.find(from), from.size(), "\"cost_fen\":9223372036854775807");
  auto too_large = attestation::parse_statement(max);
  REQUIRE_FALSE(too_large.ok());
  CHECK(too_large.error().code == "AMOUNT_TOO_LARGE");
  std::string bound = text;
  bound.replace(bound.find(from), from.size(), "\"cost_fen\":1000000000000");
  auto ok = attestation::parse_statement(bound);
  REQUIRE(ok.ok());
  CHECK(ok->cost.fen() == Money::kMaxIntakeFen);
}

TEST_CASE("statement: the DSSE vectors' payloads (non-JSON, empty, bare _type) are rejected") {
  auto v = json::parse(testing::read_file(std::string(CHIPREG_TEST_DATA) + "/vectors/dsse-ed25519.json"));
  const std::vector<std::pair<std::string, std::string>> expect = {
      {"single-signature", "subject"}, {"url-safe-base64", "payload"}, {"empty-payload", "payload"}};
  for (const auto& [id, field] : expect) {
    INFO(id);
    const json::value* envelope = nullptr;
    for (const auto& vec : v.at("vectors").as_array()) {
      if (vec.at("id") == json::value(id)) envelope = &vec.at("envelope");
    }
    REQUIRE(envelope != nullptr);
    auto env = crypto::dsse::from_json(*envelope);
    REQUIRE(env.ok());
    auto r = attestation::parse_statement(env->payload);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "BAD_STATEMENT");
    // single-signature carries only _type: the first missing member is predicateType.
    CHECK(r.error().field == (id == "single-signature" ? "predicateType" : field));
  }
}
