// Evaluating one linkage claim with 10,000 purchase lines (target < 20 ms). Baseline in
// the same run: parsing the same scenario (parse_scenario), which every evaluation of a
// scenario pays first.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "registry/rules/evaluation.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/domain/uscc.hpp"

using namespace chipreg;
namespace json = boost::json;

namespace {

std::string code(int n) {
  for (int k = 0;; ++k) {
    std::string body = std::to_string(n * 16 + k);
    body.insert(0, 8 - body.size(), '0');
    if (auto u = Uscc::complete("91330108" + body)) return u->str();
  }
}

const std::string& scenario_text() {
  static const std::string text = [] {
    json::object s;
    json::array ents, products, tapeouts, purchases, equity;
    const std::string oem = code(1), foundry = code(2);
    ents.push_back(json::object{{"uscc", oem}, {"name", "OEM"}, {"in_district", true}, {"roles", json::array{"oem"}}});
    ents.push_back(json::object{{"uscc", foundry}, {"name", "Fab"}, {"in_district", true}, {"roles", json::array{"foundry"}}});
    for (int i = 0; i < 50; ++i) {
      const std::string sup = code(10 + i);
      ents.push_back(json::object{{"uscc", sup}, {"name", "S" + std::to_string(i)}, {"in_district", true}, {"roles", json::array{"ic_design"}}});
      equity.push_back(json::object{{"holder", oem}, {"held", sup}, {"pct", i % 10 == 0 ? 30 : 5}, {"from", "2020-01-01"}, {"to", nullptr}});
      for (int j = 0; j < 4; ++j) {
        const std::string pid = "P" + std::to_string(i) + "_" + std::to_string(j);
        products.push_back(json::object{{"id", pid}, {"kind", j % 2 ? "module" : "chip"}, {"owner", sup}, {"self_developed", true},
                                        {"first_market_date", "2024-03-01"}, {"focus_area", "chip_design"}});
        tapeouts.push_back(json::object{{"id", "T" + pid}, {"product", pid}, {"foundry", foundry}, {"design_owner", sup},
                                        {"date", "2024-01-01"}, {"kind", "mpw"}, {"design_digest", "sha256:" + std::string(64, 'a' + j)},
                                        {"cost_fen", 100}});
      }
    }
    for (int n = 0; n < 10'000; ++n) {
      const int sup = n % 50;
      const int month = 1 + n % 12;
      purchases.push_back(json::object{{"invoice", "INV" + std::to_string(n / 8)}, {"line", 1 + n % 8},
                                       {"date", "2025-" + std::string(month < 10 ? "0" : "") + std::to_string(month) + "-" + std::to_string(10 + n % 18)},
                                       {"buyer", oem}, {"seller", code(10 + sup)}, {"product", "P" + std::to_string(sup) + "_" + std::to_string(n % 4)},
                                       {"amount_fen", 1'000'000 + n}, {"tax_fen", 130'000}, {"reverses", nullptr}});
    }
    s["enterprises"] = ents; s["products"] = products; s["tapeouts"] = tapeouts; s["purchases"] = purchases; s["equity"] = equity;
    s["claims"] = json::array{json::object{{"id", "C1"}, {"rule", "linkage"}, {"claimant", oem}, {"year", 2025}, {"group", "chip_module"}}};
    return json::serialize(s);
  }();
  return text;
}

void BM_Baseline_ParseScenario(benchmark::State& state) {
  for (auto _ : state) {
    auto f = json_io::parse_scenario(scenario_text());
    benchmark::DoNotOptimize(f.ok());
  }
}
BENCHMARK(BM_Baseline_ParseScenario)->Unit(benchmark::kMillisecond);

void BM_EvaluateLinkage10kLines(benchmark::State& state) {
  auto facts = json_io::parse_scenario(scenario_text());
  if (!facts) {
    state.SkipWithError(facts.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto e = rules::evaluate(*facts, policy::versions());
    benchmark::DoNotOptimize(e.ok());
    if (e.ok() && e->at(0).lines.size() != 10'000) state.SkipWithError("wrong line count");
  }
}
BENCHMARK(BM_EvaluateLinkage10kLines)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
