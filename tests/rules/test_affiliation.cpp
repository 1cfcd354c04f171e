// Affiliation (关联): chains of length 1–4, cycles, families, third parties, validity dates
// and manual affiliations, each with the proof the query returns.
#include <catch2/catch.hpp>

#include "registry/rules/affiliation.hpp"
#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

Facts facts_of(const Scenario& s) {
  auto f = json_io::parse_scenario(s.text());
  if (!f) throw std::runtime_error(f.error().field + ": " + f.error().message);
  return std::move(*f);
}

const Date kDay = Date::ymd(2025, 3, 1);
const Rate k25 = Rate::percent(25);

Scenario companies(int n) {
  Scenario s;
  for (int i = 1; i <= n; ++i) s.enterprise(uscc(100 + i), "E" + std::to_string(i), {"other"});
  return s;
}
std::string E(int i) { return uscc(100 + i); }

}  // namespace

TEST_CASE("affiliation: a chain of length 1 to 4 of >= 25% steps reaches the end") {
  for (int len = 1; len <= 4; ++len) {
    Scenario s = companies(6);
    for (int i = 1; i <= len; ++i) s.equity(E(i), E(i + 1), 25);
    Facts f = facts_of(s);
    affiliation::Graph g(f);
    INFO("chain length " << len);
    auto v = g.affiliated(E(1), E(len + 1), kDay, k25);
    CHECK(v.affiliated);
    CHECK(v.basis == affiliation::Basis::kHolding);
    CHECK(g.holding(E(1), E(len + 1), kDay, k25).total == Rate::percent(25));
    CHECK_FALSE(g.affiliated(E(1), E(len + 2), kDay, k25).affiliated);
  }
}

TEST_CASE("affiliation: a 24.99% step breaks the chain") {
  Scenario s = companies(4);
  s.equity(E(1), E(2), 30).equity(E(2), E(3), 24.99).equity(E(3), E(4), 90);
  affiliation::Graph g(facts_of(s));
  CHECK(g.affiliated(E(1), E(2), kDay, k25).affiliated);
  CHECK_FALSE(g.affiliated(E(1), E(3), kDay, k25).affiliated);
  CHECK_FALSE(g.affiliated(E(1), E(4), kDay, k25).affiliated);
  CHECK(g.holding(E(1), E(3), kDay, k25).total == Rate::units(249'900));
}

TEST_CASE("affiliation: indirect shares add to direct ones, not multiplied (L10)") {
  Scenario s = companies(3);
  s.equity(E(1), E(2), 30).equity(E(2), E(3), 15).equity(E(1), E(3), 10);
  affiliation::Graph g(facts_of(s));
  auto h = g.holding(E(1), E(3), kDay, k25);
  CHECK(h.total == Rate::percent(25));
  CHECK(h.direct == Rate::percent(10));
  REQUIRE(h.through.size() == 1);
  CHECK(h.through[0].pct == Rate::percent(15));
}

TEST_CASE("affiliation: cross-holdings and cycles reach a fixed point") {
  Scenario s = companies(4);
  // 1 -> 2 -> 3 -> 1 cycle, each 30%; 3 holds 20% of 4, 2 holds 5% of 4.
  s.equity(E(1), E(2), 30).equity(E(2), E(3), 30).equity(E(3), E(1), 30).equity(E(3), E(4), 20).equity(E(2), E(4), 5);
  affiliation::Graph g(facts_of(s));
  CHECK(g.holding(E(1), E(4), kDay, k25).total == Rate::percent(25));
  CHECK(g.affiliated(E(1), E(4), kDay, k25).affiliated);
  CHECK(g.affiliated(E(3), E(2), kDay, k25).affiliated);  // 3 -> 1 -> 2
  // Nobody holds itself through the cycle.
  CHECK(g.holding(E(1), E(1), kDay, k25).total == Rate());
}

TEST_CASE("affiliation: a family group's holdings add up (spouses 12.5% + 12.5%)") {
  Scenario s = companies(2);
  s.person("P1").person("P2").person("P3").family("P1", "P2", "spouse");
  s.equity("P1", E(1), 12.5).equity("P2", E(1), 12.5).equity("P1", E(2), 20).equity("P2", E(2), 5);
  s.equity("P3", E(1), 24).equity("P3", E(2), 24);
  affiliation::Graph g(facts_of(s));
  auto v = g.affiliated(E(1), E(2), kDay, k25);
  CHECK(v.affiliated);
  CHECK(v.basis == affiliation::Basis::kCommonHolder);
  CHECK(v.proof.find("Person P1+Person P2 (family: spouse) hold 25.00% of E1") == 0);
}

TEST_CASE("affiliation: family links merge transitively (union-find over sibling and parent links)") {
  Scenario s = companies(2);
  s.person("A").person("B").person("C").family("A", "B", "sibling").family("B", "C", "parent_child");
  s.equity("A", E(1), 25).equity("C", E(2), 25);
  affiliation::Graph g(facts_of(s));
  CHECK(g.affiliated(E(1), E(2), kDay, k25).affiliated);
  Scenario apart = companies(2);
  apart.person("A").person("C").equity("A", E(1), 25).equity("C", E(2), 25);
  affiliation::Graph g2(facts_of(apart));
  CHECK_FALSE(g2.affiliated(E(1), E(2), kDay, k25).affiliated);
}

TEST_CASE("affiliation: a common enterprise holder through a chain counts as third party") {
  Scenario s = companies(5);
  s.equity(E(5), E(3), 40).equity(E(3), E(1), 30).equity(E(5), E(2), 25);
  affiliation::Graph g(facts_of(s));
  auto v = g.affiliated(E(1), E(2), kDay, k25);
  CHECK(v.affiliated);
  CHECK(v.basis == affiliation::Basis::kCommonHolder);
  CHECK(v.proof.find("E5") != std::string::npos);
}

TEST_CASE("affiliation: expired or not yet valid edges do not count") {
  Scenario s = companies(2);
  s.equity(E(1), E(2), 30, "2020-01-01", "2025-02-28");
  affiliation::Graph g(facts_of(s));
  CHECK(g.affiliated(E(1), E(2), Date::ymd(2025, 2, 28), k25).affiliated);  // last valid day included
  CHECK_FALSE(g.affiliated(E(1), E(2), Date::ymd(2025, 3, 1), k25).affiliated);
  CHECK_FALSE(g.affiliated(E(1), E(2), Date::ymd(2019, 12, 31), k25).affiliated);
}

TEST_CASE("affiliation: a manual affiliation holds only on the days it is valid") {
  Scenario s = companies(2);
  s.manual(E(1), E(2), "2025-01-01", "2025-06-30");
  affiliation::Graph g(facts_of(s));
  auto v = g.affiliated(E(2), E(1), kDay, k25);
  CHECK(v.affiliated);
  CHECK(v.basis == affiliation::Basis::kManual);
  CHECK(v.proof.find("same actual controller") != std::string::npos);
  CHECK_FALSE(g.affiliated(E(1), E(2), Date::ymd(2025, 7, 1), k25).affiliated);
}

TEST_CASE("affiliation: the threshold is a parameter (affiliation.threshold)") {
  Scenario s = companies(2);
  s.equity(E(1), E(2), 20);
  affiliation::Graph g(facts_of(s));
  CHECK_FALSE(g.affiliated(E(1), E(2), kDay, k25).affiliated);
  CHECK(g.affiliated(E(1), E(2), kDay, Rate::percent(20)).affiliated);
}

TEST_CASE("affiliation: the verdict is symmetric on generated graphs") {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 20; ++round) {
    Scenario s = companies(8);
    s.person("X").person("Y").family("X", "Y");
    for (int k = 0; k < 14; ++k) {
      const int a = 1 + static_cast<int>(next() % 8);
      const int b = 1 + static_cast<int>(next() % 8);
      if (a == b) continue;
      s.equity(E(a), E(b), static_cast<std::int64_t>(5 + next() % 40));
    }
    s.equity("X", E(1 + static_cast<int>(next() % 8)), 15).equity("Y", E(1 + static_cast<int>(next() % 8)), 15);
    affiliation::Graph g(facts_of(s));
    for (int a = 1; a <= 8; ++a) {
      for (int b = 1; b <= 8; ++b) {
        INFO("round " << round << " " << a << "~" << b);
        CHECK(g.affiliated(E(a), E(b), kDay, k25).affiliated == g.affiliated(E(b), E(a), kDay, k25).affiliated);
      }
    }
  }
}
