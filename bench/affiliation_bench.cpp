// Affiliation query latency on a generated graph of 1,000,000 enterprises and 3,000,000
// equity edges (target: p99 < 1 ms). Baseline in the same run: resolving the two USCCs
// to graph nodes (two hash lookups), the floor under any query.
//
// Graph shape (realistic, documented in docs/BENCHMARKS.md): enterprises form groups of 64
// under a person-held root; each enterprise has a controlling parent in its group
// (25–80%), a minority stake (5–20%) held by a random group root acting as a fund, and a
// minority stake (1–15%) held by a random natural person; 2% of persons are in families.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "registry/affiliation.hpp"

using namespace chipreg;

namespace {

constexpr int kEnterprises = 1'000'000;
constexpr int kPersons = 50'000;
constexpr int kGroup = 64;

struct World {
  std::vector<std::string> codes;
  std::unique_ptr<affiliation::Graph> graph;
};

World& world() {
  static World w = [] {
    World out;
    std::mt19937_64 rng(1);
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
    for (int i = 0; i < kPersons; ++i) persons.push_back(Person{"p" + std::to_string(i), ""});
    std::vector<FamilyLink> family;
    for (int i = 0; i + 1 < kPersons / 50; i += 2) family.push_back(FamilyLink{"p" + std::to_string(i), "p" + std::to_string(i + 1), FamilyRelation::kSpouse});
    std::vector<EquityEdge> equity;
    equity.reserve(3 * kEnterprises);
    const Validity always{Date::ymd(2000, 1, 1), std::nullopt};
    auto pct = [&](int lo, int hi) { return Rate::units((lo + static_cast<std::int64_t>(rng() % (hi - lo + 1))) * Rate::kScale); };
    for (int i = 0; i < kEnterprises; ++i) {
      const Uscc& held = enterprises[i].uscc;
      const int in_group = i % kGroup;
      if (in_group == 0) {
        equity.push_back(EquityEdge{"p" + std::to_string(rng() % kPersons), true, held, pct(30, 80), always});
      } else {
        const int parent = i - in_group + static_cast<int>(rng() % in_group);
        equity.push_back(EquityEdge{out.codes[parent], false, held, pct(25, 80), always});
      }
      int fund = static_cast<int>(rng() % (kEnterprises / kGroup)) * kGroup;
      if (fund == i - in_group) fund = (fund + kGroup) % kEnterprises;
      equity.push_back(EquityEdge{out.codes[fund], false, held, pct(5, 20), always});
      equity.push_back(EquityEdge{"p" + std::to_string(rng() % kPersons), true, held, pct(1, 15), always});
    }
    out.graph = std::make_unique<affiliation::Graph>(enterprises, persons, family, equity,
                                                     std::vector<ManualAffiliation>{});
    return out;
  }();
  return w;
}

void report(benchmark::State& state, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
  state.counters["max_us"] = us.back();
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

// Random pairs (almost all unaffiliated: the full query runs every step).
void BM_AffiliationQuery_RandomPairs(benchmark::State& state) {
  World& w = world();
  std::mt19937_64 rng(3);
  std::vector<double> us;
  const Date d = Date::ymd(2025, 3, 1);
  for (auto _ : state) {
    const auto& a = w.codes[rng() % w.codes.size()];
    const auto& b = w.codes[rng() % w.codes.size()];
    const auto t0 = std::chrono::steady_clock::now();
    auto v = w.graph->affiliated(a, b, d, Rate::percent(25));
    const auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(v.affiliated);
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  report(state, us);
}
BENCHMARK(BM_AffiliationQuery_RandomPairs)->Iterations(20000);

// Pairs inside one group (mostly affiliated through the group root: proof built).
void BM_AffiliationQuery_SameGroup(benchmark::State& state) {
  World& w = world();
  std::mt19937_64 rng(4);
  std::vector<double> us;
  std::size_t affiliated = 0;
  const Date d = Date::ymd(2025, 3, 1);
  for (auto _ : state) {
    const std::size_t g = (rng() % (w.codes.size() / kGroup)) * kGroup;
    const auto& a = w.codes[g + rng() % kGroup];
    const auto& b = w.codes[g + rng() % kGroup];
    const auto t0 = std::chrono::steady_clock::now();
    auto v = w.graph->affiliated(a, b, d, Rate::percent(25));
    const auto t1 = std::chrono::steady_clock::now();
    affiliated += v.affiliated;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.counters["affiliated_share"] = static_cast<double>(affiliated) / static_cast<double>(us.size());
  report(state, us);
}
BENCHMARK(BM_AffiliationQuery_SameGroup)->Iterations(20000);

}  // namespace

BENCHMARK_MAIN();
