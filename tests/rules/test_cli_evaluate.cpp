// `chipreg evaluate --scenario FILE` through the real binary: the worked examples from
// scenario files, and the exit-2 JSON errors with the path of the bad value.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "rules/scenario_builder.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {
std::string scenario_path(const std::string& name) { return std::string(CHIPREG_TEST_DATA) + "/scenarios/" + name; }

json::object claim_of(const ProcessResult& r, std::size_t i) {
  return json::parse(r.out).as_object().at("claims").as_array().at(i).as_object();
}
}  // namespace

TEST_CASE("chipreg evaluate: L1 and L12 from a scenario file") {
  auto r = run_chipreg({"evaluate", "--scenario", scenario_path("L1_L12.json")});
  REQUIRE(r.exit_code == 0);
  auto l1 = claim_of(r, 0);
  CHECK(l1.at("id") == "L1");
  CHECK(l1.at("eligible") == true);
  CHECK(l1.at("award_fen") == 96000000);
  CHECK(l1.at("computed_fen") == 96000000);
  CHECK(l1.at("qualifying_fen") == 320000000);
  CHECK(l1.at("lines").as_array().size() == 2);
  CHECK(l1.at("lines").as_array()[0].as_object().at("qualifies") == true);
  auto l12 = claim_of(r, 1);
  CHECK(l12.at("award_fen") == 46000000);
  CHECK(l12.at("reasons").as_array()[0].as_object().at("code") == "OTHER_LEVEL_OFFSET");
}

TEST_CASE("chipreg evaluate: T1-T4 tape-outs from a scenario file") {
  auto r = run_chipreg({"evaluate", "--scenario", scenario_path("T1_T4.json")});
  REQUIRE(r.exit_code == 0);
  CHECK(claim_of(r, 0).at("award_fen") == 240000000);
  CHECK(claim_of(r, 1).at("award_fen") == 180000000);
  CHECK(claim_of(r, 2).at("award_fen") == 300000000);
  CHECK(claim_of(r, 2).at("reasons").as_array()[0].as_object().at("code") == "BOUNDARY_AMBIGUOUS");
  CHECK(claim_of(r, 3).at("award_fen") == 2000000000);
}

TEST_CASE("chipreg evaluate: a bad scenario exits 2 with the field path on stderr") {
  auto r = run_chipreg({"evaluate", "--scenario", scenario_path("bad_purchase_date.json")});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  auto err = json::parse(r.err).as_object().at("error").as_object();
  CHECK(err.at("code") == "BAD_DATE");
  CHECK(err.at("field") == "purchases[2].date");
}

TEST_CASE("chipreg evaluate: malformed JSON, a missing file and no --scenario exit 2") {
  TempDir dir;
  write_file(dir.file("bad.json"), "{\"claims\": [}");
  auto r = run_chipreg({"evaluate", "--scenario", dir.file("bad.json")});
  CHECK(r.exit_code == 2);
  CHECK(json::parse(r.err).as_object().at("error").as_object().at("code") == "BAD_JSON");
  CHECK(run_chipreg({"evaluate", "--scenario", dir.file("missing.json")}).exit_code == 2);
  CHECK(run_chipreg({"evaluate"}).exit_code == 2);
}
