// The local affiliation query (a, b and their ancestors on the date only) against the
// whole-graph oracle: on random graphs dense with cycles, cross-holdings, families,
// expired edges and manual records, both must give the same verdict, basis, proof and
// chain for every pair, date and threshold.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <random>

#include "registry/rules/affiliation.hpp"
#include "registry/domain/uscc.hpp"

using namespace chipreg;

namespace {

Uscc code(int i) {
  std::string body = std::to_string(5000 + i);
  body.insert(0, 8 - body.size(), '0');
  for (int k = 0;; ++k) {
    if (auto u = Uscc::complete("913301" + std::to_string(10 + k) + body)) return *u;
  }
}

struct RandomGraph {
  std::vector<Enterprise> enterprises;
  std::vector<Person> persons;
  std::vector<FamilyLink> family;
  std::vector<EquityEdge> equity;
  std::vector<ManualAffiliation> manual;
};

RandomGraph random_graph(std::uint64_t seed, int n, int edges) {
  std::mt19937_64 rng(seed);
  RandomGraph g;
  for (int i = 0; i < n; ++i) g.enterprises.push_back(Enterprise{code(i), "E" + std::to_string(i), true, {Role::kOther}});
  for (int i = 0; i < 6; ++i) g.persons.push_back(Person{"P" + std::to_string(i), ""});
  g.family.push_back(FamilyLink{"P0", "P1", FamilyRelation::kSpouse});
  g.family.push_back(FamilyLink{"P1", "P2", FamilyRelation::kParentChild});
  auto validity = [&]() -> Validity {
    switch (rng() % 4) {
      case 0: return {Date::ymd(2024, 1, 1), Date::ymd(2024, 12, 31)};
      case 1: return {Date::ymd(2025, 1, 1), std::nullopt};
      default: return {Date::ymd(2020, 1, 1), std::nullopt};
    }
  };
  for (int k = 0; k < edges; ++k) {
    const bool person = rng() % 4 == 0;
    const int held = static_cast<int>(rng() % n);
    // 5%..40% in whole and fractional percents, so sums often land on and around 25%.
    const Rate pct = Rate::units(static_cast<std::int64_t>(5 + rng() % 36) * Rate::kScale / (rng() % 3 == 0 ? 2 : 1));
    if (person) {
      g.equity.push_back(EquityEdge{"P" + std::to_string(rng() % 6), true, code(held), pct, validity()});
    } else {
      g.equity.push_back(EquityEdge{code(static_cast<int>(rng() % n)).str(), false, code(held), pct, validity()});
    }
  }
  g.manual.push_back(ManualAffiliation{code(0), code(n - 1), {Date::ymd(2025, 1, 1), std::nullopt}, "same actual controller"});
  return g;
}

}  // namespace

TEST_CASE("affiliation: the local query equals the whole-graph oracle on random graphs with cycles and families") {
  const Date days[] = {Date::ymd(2024, 6, 1), Date::ymd(2025, 3, 1)};
  const Rate thresholds[] = {Rate::percent(25), Rate::percent(50)};
  std::size_t affiliated = 0;
  std::size_t common = 0;
  std::size_t compared = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const RandomGraph r = random_graph(seed, 14, 40);
    affiliation::Graph g(r.enterprises, r.persons, r.family, r.equity, r.manual);
    for (const Date d : days) {
      for (const Rate t : thresholds) {
        for (int a = 0; a < 14; ++a) {
          for (int b = 0; b < 14; ++b) {
            const auto fast = g.affiliated(code(a).str(), code(b).str(), d, t);
            const auto slow = g.affiliated_reference(code(a).str(), code(b).str(), d, t);
            INFO("seed " << seed << " pair E" << a << ", E" << b << " on " << d.str() << " at " << t.str());
            REQUIRE(fast.affiliated == slow.affiliated);
            REQUIRE(fast.basis == slow.basis);
            REQUIRE(fast.proof == slow.proof);
            REQUIRE(boost::json::serialize(fast.chain) == boost::json::serialize(slow.chain));
            affiliated += fast.affiliated ? 1 : 0;
            common += fast.basis == affiliation::Basis::kCommonHolder ? 1 : 0;
            ++compared;
          }
        }
      }
    }
  }
  // The graphs must exercise every branch, or the comparison proves little.
  CHECK(compared == 12u * 2 * 2 * 14 * 14);
  CHECK(affiliated > compared / 10);
  CHECK(affiliated < compared);
  CHECK(common > 0);
}

TEST_CASE("affiliation: an affiliation query does not depend on holdings outside the pair's ancestors") {
  // E0 holds 30% of E1; a fund E2 with a large portfolio (E3..E202) sits outside.
  std::vector<Enterprise> ents;
  for (int i = 0; i < 203; ++i) ents.push_back(Enterprise{code(i), "E" + std::to_string(i), true, {Role::kOther}});
  std::vector<EquityEdge> eq;
  const Validity always{Date::ymd(2020, 1, 1), std::nullopt};
  eq.push_back(EquityEdge{code(0).str(), false, code(1), Rate::percent(30), always});
  for (int i = 3; i < 203; ++i) eq.push_back(EquityEdge{code(2).str(), false, code(i), Rate::percent(60), always});
  affiliation::Graph g(ents, {}, {}, eq, {});
  const auto v = g.affiliated(code(1).str(), code(0).str(), Date::ymd(2025, 3, 1), Rate::percent(25));
  CHECK(v.affiliated);
  CHECK(v.basis == affiliation::Basis::kHolding);
  CHECK(v.proof == "E0 (" + code(0).str() + ") holds 30.00% of E1 (" + code(1).str() + ")");
  // Local: E0 and E1 only, not the fund and its 200 holdings.
  CHECK(v.nodes_considered == 2);
  // Two of the fund's holdings: they, and the fund above them.
  CHECK(g.affiliated(code(3).str(), code(4).str(), Date::ymd(2025, 3, 1), Rate::percent(25)).nodes_considered == 3);
  CHECK_FALSE(g.affiliated(code(3).str(), code(1).str(), Date::ymd(2025, 3, 1), Rate::percent(25)).affiliated);
  CHECK(g.affiliated(code(3).str(), code(4).str(), Date::ymd(2025, 3, 1), Rate::percent(25)).basis ==
        affiliation::Basis::kCommonHolder);
}
