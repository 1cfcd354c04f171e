// Properties over generated scenarios (seeded PRNG, so failures reproduce): an award never
// exceeds its cap, more qualifying purchases never lower the computed amount, and the
// verdict does not depend on the order of the input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "rules/scenario_builder.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

Scenario generated(std::mt19937_64& rng, int lines) {
  Scenario s = base_scenario();
  s.enterprise(uscc(20), "C", {"ic_material"}).product("Q1", "material", uscc(20)).product("Q2", "chip", uscc(20));
  s.person("P").equity("P", kOem, static_cast<std::int64_t>(1 + rng() % 30)).equity("P", uscc(20), 26);
  const char* products[] = {"P1", "M1", "D1", "Q1", "Q2"};
  for (int i = 0; i < lines; ++i) {
    const char* prod = products[rng() % 5];
    const std::string seller = prod[0] == 'Q' ? uscc(20) : kSupplier;
    const int month = 1 + static_cast<int>(rng() % 12);
    const std::string date = "2025-" + std::string(month < 10 ? "0" : "") + std::to_string(month) + "-15";
    s.purchase("G" + std::to_string(i / 3), i % 3 + 1, date, kOem, seller, prod,
               static_cast<std::int64_t>(rng() % yuan(2'000'000)), static_cast<std::int64_t>(rng() % yuan(100'000)));
  }
  s.linkage_claim("C1", kOem, 2025, "chip_module").linkage_claim("C2", kOem, 2025, "device_material");
  s.prior_linkage(kOem, 2025, "chip_module", static_cast<std::int64_t>(rng() % yuan(500'000)));
  if (rng() % 2) s.other_award("C1", "city", static_cast<std::int64_t>(rng() % yuan(300'000)));
  return s;
}

}  // namespace

TEST_CASE("property: an award never exceeds its cap nor its computed amount") {
  std::mt19937_64 rng(20240625);
  for (int round = 0; round < 60; ++round) {
    auto s = generated(rng, 1 + static_cast<int>(rng() % 25));
    for (const auto& e : run(s)) {
      INFO("round " << round << " claim " << e.id);
      CHECK(e.award <= e.cap);
      CHECK(e.award <= e.computed);
      CHECK(e.award.fen() >= 0);
      if (!e.eligible) CHECK(e.award.fen() == 0);
    }
  }
}

TEST_CASE("property: adding a qualifying purchase never lowers the computed amount") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 40; ++round) {
    auto s = generated(rng, static_cast<int>(rng() % 20));
    auto before = run(s);
    s.purchase("EXTRA", 1, "2025-06-01", kOem, kSupplier, round % 2 ? "P1" : "D1",
               static_cast<std::int64_t>(rng() % yuan(3'000'000)));
    auto after = run(s);
    for (std::size_t i = 0; i < before.size(); ++i) {
      INFO("round " << round);
      CHECK(after[i].computed >= before[i].computed);
      CHECK(*after[i].qualifying >= *before[i].qualifying);
    }
  }
}

TEST_CASE("property: the verdict does not depend on the order of the input") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 30; ++round) {
    auto s = generated(rng, 5 + static_cast<int>(rng() % 20));
    auto a = run(s);
    for (const char* key : {"purchases", "equity", "products", "enterprises"}) {
      auto& arr = s.root[key].as_array();
      std::vector<json::value> items(arr.begin(), arr.end());
      std::shuffle(items.begin(), items.end(), rng);
      arr = json::array(items.begin(), items.end());
    }
    auto b = run(s);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(json::serialize(rules::to_json(a[i])) == json::serialize(rules::to_json(b[i])));
    }
  }
}
