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

TEST_CASE("chipreg evaluate: one scenario with a claim of every other clause (E1, E4, Q1, K1, D1, S1, P1, V1)") {
  auto r = run_chipreg({"evaluate", "--scenario", scenario_path("clauses_all.json")});
  REQUIRE(r.exit_code == 0);
  const std::vector<std::pair<const char*, std::int64_t>> expected = {
      {"E1", 180000000}, {"E4", 150000000}, {"Q1", 5000000000}, {"K1", 60000000},
      {"D1", 250000000}, {"S1", 20000000},  {"P1", 500000000},  {"V1", 75000000}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto c = claim_of(r, i);
    INFO(expected[i].first);
    CHECK(c.at("id") == expected[i].first);
    CHECK(c.at("eligible") == true);
    CHECK(c.at("award_fen") == expected[i].second);
    CHECK(c.contains("basis_fen"));
  }
  // K1: (1,600,000 − 200,000) × 50% = 700,000, less the city's 100,000 for it.
  auto k1 = claim_of(r, 3);
  CHECK(k1.at("computed_fen") == 70000000);
  CHECK(k1.at("reasons").as_array()[0].as_object().at("code") == "VOUCHER_OFFSET");
  CHECK(k1.at("reasons").as_array()[1].as_object().at("code") == "OTHER_LEVEL_OFFSET");
  // D1: the trade with the 30%-held subsidiary is excluded, with its proof.
  const auto d1 = claim_of(r, 4);
  const auto& tr2 = d1.at("items").as_array()[1].as_object();
  CHECK(tr2.at("id") == "TR2");
  CHECK(tr2.at("qualifies") == false);
  CHECK(tr2.at("codes").as_array()[0] == "AFFILIATED");
  CHECK(std::string(tr2.at("affiliation").as_string()).find("30.00%") != std::string::npos);
  const auto e1 = claim_of(r, 0);
  const auto& trace = e1.at("trace").as_array();
  CHECK(std::string(trace.back().as_string()) == "第2条 结论: 符合条件, 奖励 1,800,000.00 元");
}
