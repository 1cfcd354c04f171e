// The engine decides on the policy versions it is given, never on a table of its own:
// the same facts under another version list give that list's figures and version id.
#include <catch2/catch.hpp>

#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

// 4,000,000 元 of modules in 2025: above the built-in 3,000,000 元 threshold.
Facts four_million() {
  Scenario s = base_scenario();
  s.purchase("I1", 1, "2025-03-01", kOem, kSupplier, "M1", yuan(4'000'000)).linkage_claim("C", kOem, 2025, "chip_module");
  auto facts = json_io::parse_scenario(s.text());
  REQUIRE(facts);
  return std::move(*facts);
}

}  // namespace

TEST_CASE("engine: the built-in versions, passed in, decide as the policy reads") {
  const Facts f = four_million();
  auto out = rules::evaluate(f, policy::versions());
  REQUIRE(out);
  REQUIRE(out->size() == 1);
  CHECK(out->at(0).policy_version == policy::versions().front().id);
  CHECK(out->at(0).eligible);
  CHECK(out->at(0).award.fen() == yuan(1'200'000));  // 30 % of 4,000,000 元, under the 1,500,000 元 cap
}

TEST_CASE("engine: another version list, passed in, is the one the claim is decided on") {
  const Facts f = four_million();
  std::vector<policy::Version> mine = policy::versions();
  REQUIRE_FALSE(mine.empty());
  for (auto& v : mine) {
    v.id = "test-" + v.id;
    v.params.linkage_chip_threshold = Money::yuan(5'000'000);  // above this claimant's purchases
  }
  auto e = rules::evaluate_claim(f, f.claims.front(), mine);
  REQUIRE(e);
  CHECK(e->policy_version == mine.front().id);
  CHECK_FALSE(e->eligible);
  CHECK(e->award.fen() == 0);
  // The built-in table is untouched by the caller's copy.
  CHECK(policy::versions().front().params.linkage_chip_threshold == Money::yuan(3'000'000));
}

TEST_CASE("engine: with no versions at all it refuses to decide (BAD_POLICY) rather than guess") {
  const Facts f = four_million();
  const std::vector<policy::Version> none;
  auto e = rules::evaluate_claim(f, f.claims.front(), none);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == "BAD_POLICY");
}
