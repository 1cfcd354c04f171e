// Affiliation query latency on a generated graph of 1,000,000 enterprises and 3,000,000
// equity edges (target: p99 < 1 ms). Baseline in the same run: resolving the two USCCs
// to graph nodes (two hash lookups), the floor under any query. The whole-graph oracle
// (Graph::affiliated_reference, the query as first written) runs on a few hundred of the
// same pairs to show what locality buys.
//
// The generated graph is shaped like a business register (docs/BENCHMARKS.md, rules):
// - corporate groups of heavy-tailed size (most 1-3 companies, a few hundred at most),
//   each a shallow tree: the root held 30-70% by a founder (often one of a family) and
//   each subsidiary 30-80% by an earlier member of its group;
// - 2,000 investment funds, each run by a person, 40% of them partly held by one of 200
//   funds of funds, holding 1-15% minority stakes across the register (hubs of ~500);
// - the remaining edges are minority stakes: funds, natural persons (400,000, 60,000 of
//   them in 20,000 families), cross-holdings inside a group (which make the cycles) and a
//   few stakes across groups;
// - 85% of edges valid throughout, 10% expired before the query date, 5% starting after.
// Counters p50_us/p99_us/max_us are per-query wall times from a percentile loop; the
// same figures go to stderr as one line per benchmark.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>

#include "registry/rules/affiliation.hpp"
#include "registry/domain/uscc.hpp"

using namespace chipreg;

namespace {

constexpr int kEnterprises = 1'000'000;
constexpr std::size_t kEdges = 3'000'000;
constexpr int kPersons = 400'000;
constexpr int kFamilyPersons = 60'000;  // persons 0..59,999 form families of three
constexpr int kFunds = 2'000;           // enterprises 0..1,999
constexpr int kFundsOfFunds = 200;      // enterprises 2,000..2,199
constexpr int kFirstOperating = kFunds + kFundsOfFunds;
const Date kQueryDay = Date::ymd(2025, 3, 1);

struct World {
  std::vector<std::string> codes;
  std::vector<int> group_of;                       // operating enterprise -> first member
  std::vector<std::pair<int, int>> groups;         // [first, last) of groups with >= 2 members
  std::unique_ptr<affiliation::Graph> graph;
  double generate_s = 0;
  double build_s = 0;      // wall
  double build_cpu_s = 0;  // process CPU (the build is single-threaded): load-independent
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

World& world() {
  static World w = [] {
    World out;
    const auto t0 = std::chrono::steady_clock::now();
    std::mt19937_64 rng(1);
    auto uniform = [&](int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1)); };
    auto pct = [&](int lo, int hi) { return Rate::units(static_cast<std::int64_t>(uniform(lo * 100, hi * 100)) * (Rate::kScale / 100)); };
    auto person = [](int i) { return "p" + std::to_string(i); };

    std::vector<Enterprise> enterprises;
    enterprises.reserve(kEnterprises);
    out.codes.reserve(kEnterprises);
    for (int i = 0; out.codes.size() < static_cast<std::size_t>(kEnterprises); ++i) {
      std::string body = std::to_string(i);
      body.insert(0, 8 - body.size(), '0');
      auto u = Uscc::complete("91330108" + body);
      if (!u) continue;
      out.codes.push_back(u->str());
      enterprises.push_back(Enterprise{*u, "", true, {Role::kOther}});
    }
    std::vector<Person> persons;
    persons.reserve(kPersons);
    for (int i = 0; i < kPersons; ++i) persons.push_back(Person{person(i), ""});
    std::vector<FamilyLink> family;
    for (int i = 0; i + 2 < kFamilyPersons; i += 3) {
      family.push_back(FamilyLink{person(i), person(i + 1), FamilyRelation::kSpouse});
      family.push_back(FamilyLink{person(i), person(i + 2), FamilyRelation::kParentChild});
    }

    std::vector<EquityEdge> equity;
    equity.reserve(kEdges);
    const Validity always{Date::ymd(2000, 1, 1), std::nullopt};
    auto validity = [&]() -> Validity {
      const int r = uniform(0, 99);
      if (r < 85) return always;
      if (r < 95) return {Date::ymd(2010, 1, 1), Date::ymd(uniform(2015, 2024), uniform(1, 12), 1)};
      return {Date::ymd(uniform(2025, 2026), uniform(4, 12), 1), std::nullopt};
    };
    auto by_person = [&](int p, int held, Rate r, Validity v) {
      equity.push_back(EquityEdge{person(p), true, enterprises[held].uscc, r, v});
    };
    auto by_enterprise = [&](int holder, int held, Rate r, Validity v) {
      equity.push_back(EquityEdge{out.codes[holder], false, enterprises[held].uscc, r, v});
    };

    // Funds of funds and funds, each run by a person.
    for (int f = kFunds; f < kFirstOperating; ++f) {
      by_person(uniform(0, kPersons - 1), f, pct(30, 60), always);
      by_person(uniform(0, kPersons - 1), f, pct(10, 30), always);
    }
    for (int f = 0; f < kFunds; ++f) {
      by_person(uniform(0, kPersons - 1), f, pct(20, 60), always);
      if (uniform(0, 9) < 4) by_enterprise(uniform(kFunds, kFirstOperating - 1), f, pct(10, 40), validity());
    }

    // Corporate groups: heavy-tailed sizes, shallow trees of controlling stakes.
    out.group_of.assign(kEnterprises, -1);
    for (int first = kFirstOperating; first < kEnterprises;) {
      const double u = std::max(1e-9, static_cast<double>(rng() % 1'000'000) / 1e6);
      const int size = std::min({500, kEnterprises - first, std::max(1, static_cast<int>(std::pow(u, -0.8)))});
      const int founder = uniform(0, 9) < 3 ? uniform(0, kFamilyPersons - 1) : uniform(kFamilyPersons, kPersons - 1);
      by_person(founder, first, pct(30, 70), always);
      out.group_of[first] = first;
      for (int k = 1; k < size; ++k) {
        const int member = first + k;
        by_enterprise(first + uniform(0, k - 1), member, pct(30, 80), validity());
        out.group_of[member] = first;
      }
      if (size >= 2) out.groups.emplace_back(first, first + size);
      first += size;
    }

    // Minority stakes until the edge count is reached.
    while (equity.size() < kEdges) {
      const int held = uniform(kFirstOperating, kEnterprises - 1);
      const int kind = uniform(0, 99);
      if (kind < 55) {
        by_enterprise(uniform(0, kFunds - 1), held, pct(1, 15), validity());
      } else if (kind < 93) {
        by_person(uniform(0, kPersons - 1), held, pct(1, 10), validity());
      } else if (kind < 99) {
        // Inside the group; a subsidiary holding its parent closes a cycle.
        const int g = out.group_of[held];
        auto it = std::upper_bound(out.groups.begin(), out.groups.end(), std::pair{g, kEnterprises});
        if (it == out.groups.begin() || (it - 1)->first != g) continue;  // a one-company group
        const int holder = uniform((it - 1)->first, (it - 1)->second - 1);
        if (holder != held) by_enterprise(holder, held, pct(1, 10), validity());
      } else {
        by_enterprise(uniform(kFirstOperating, kEnterprises - 1), held, pct(1, 5), validity());
      }
    }
    out.generate_s = seconds_since(t0);

    const auto t1 = std::chrono::steady_clock::now();
    const std::clock_t c1 = std::clock();
    out.graph = std::make_unique<affiliation::Graph>(enterprises, persons, family, equity,
                                                     std::vector<ManualAffiliation>{});
    out.build_s = seconds_since(t1);
    out.build_cpu_s = static_cast<double>(std::clock() - c1) / CLOCKS_PER_SEC;
    std::fprintf(stderr, "affiliation graph: %zu nodes, %zu edges; generated in %.2f s, indexed in %.2f s (%.2f s CPU)\n",
                 out.graph->node_count(), out.graph->edge_count(), out.generate_s, out.build_s, out.build_cpu_s);
    return out;
  }();
  return w;
}

void report(benchmark::State& state, const char* what, std::vector<double>& us, std::size_t affiliated) {
  const World& w = world();
  std::sort(us.begin(), us.end());
  const double p50 = us[us.size() / 2];
  const double p99 = us[us.size() * 99 / 100];
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  state.counters["max_us"] = us.back();
  state.counters["affiliated_share"] = static_cast<double>(affiliated) / static_cast<double>(us.size());
  state.counters["graph_generate_s"] = w.generate_s;
  state.counters["graph_build_s"] = w.build_s;
  state.counters["graph_build_cpu_s"] = w.build_cpu_s;
  std::fprintf(stderr, "affiliation query (%s): p50 %.1f us, p99 %.1f us, max %.1f us over %zu pairs, %.1f%% affiliated\n",
               what, p50, p99, us.back(), us.size(), 100.0 * static_cast<double>(affiliated) / static_cast<double>(us.size()));
}

// Baseline: the two node lookups every query starts with.
void BM_Baseline_NodeLookup(benchmark::State& state) {
  World& w = world();
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    const auto& a = w.codes[rng() % w.codes.size()];
    const auto& b = w.codes[rng() % w.codes.size()];
    benchmark::DoNotOptimize(w.graph->label(a).size() + w.graph->label(b).size());
  }
}
BENCHMARK(BM_Baseline_NodeLookup);

template <class Pick, class Query>
void percentile_loop(benchmark::State& state, const char* what, Pick pick, Query query) {
  World& w = world();
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(state.max_iterations));
  std::size_t affiliated = 0;
  for (auto _ : state) {
    const auto [a, b] = pick(w);
    const auto t0 = std::chrono::steady_clock::now();
    auto v = query(w, *a, *b);
    const auto t1 = std::chrono::steady_clock::now();
    affiliated += v.affiliated ? 1 : 0;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  report(state, what, us, affiliated);
}

auto random_pairs(std::uint64_t seed) {
  return [rng = std::mt19937_64(seed)](World& w) mutable {
    return std::pair{&w.codes[rng() % w.codes.size()], &w.codes[rng() % w.codes.size()]};
  };
}

auto same_group_pairs(std::uint64_t seed) {
  return [rng = std::mt19937_64(seed)](World& w) mutable {
    const auto [first, last] = w.groups[rng() % w.groups.size()];
    const auto n = static_cast<std::uint64_t>(last - first);
    return std::pair{&w.codes[first + rng() % n], &w.codes[first + rng() % n]};
  };
}

affiliation::Verdict local_query(World& w, const std::string& a, const std::string& b) {
  return w.graph->affiliated(a, b, kQueryDay, Rate::percent(25));
}
affiliation::Verdict whole_graph_query(World& w, const std::string& a, const std::string& b) {
  return w.graph->affiliated_reference(a, b, kQueryDay, Rate::percent(25));
}

// Random pairs: almost all unaffiliated, so every step of the query runs.
void BM_AffiliationQuery_RandomPairs(benchmark::State& state) {
  percentile_loop(state, "random pairs", random_pairs(3), local_query);
}
BENCHMARK(BM_AffiliationQuery_RandomPairs)->Iterations(10000)->Unit(benchmark::kMicrosecond);

// Pairs inside one corporate group: mostly affiliated, so the proof is built.
void BM_AffiliationQuery_SameGroup(benchmark::State& state) {
  percentile_loop(state, "same group", same_group_pairs(4), local_query);
}
BENCHMARK(BM_AffiliationQuery_SameGroup)->Iterations(10000)->Unit(benchmark::kMicrosecond);

// The first implementation (closures over the whole graph) on the same random pairs.
void BM_Baseline_WholeGraphQuery_RandomPairs(benchmark::State& state) {
  percentile_loop(state, "whole-graph oracle, random pairs", random_pairs(3), whole_graph_query);
}
BENCHMARK(BM_Baseline_WholeGraphQuery_RandomPairs)->Iterations(300)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
