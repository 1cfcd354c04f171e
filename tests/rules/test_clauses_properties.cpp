// Properties of the other clauses' rules over generated scenarios (seeded PRNG, so a
// failure reproduces): no award exceeds its cap or its computed figure, more basis never
// lowers the award, and the verdict does not depend on the order of the input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "rules/clauses_cast.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

std::int64_t up_to(std::mt19937_64& rng, std::int64_t max_fen) { return static_cast<std::int64_t>(rng() % max_fen); }

std::string date_2025(std::mt19937_64& rng) {
  const int month = 1 + static_cast<int>(rng() % 12);
  const int day = 1 + static_cast<int>(rng() % 28);
  return "2025-" + std::string(month < 10 ? "0" : "") + std::to_string(month) + "-" + (day < 10 ? "0" : "") +
         std::to_string(day);
}

// Random facts for every new rule, some excluded by their conditions, random prior
// approvals and other levels' awards, and one claim per rule.
Scenario generated(std::mt19937_64& rng) {
  auto s = clauses_scenario();
  s.signoff(kSignoff, rng() % 3 ? "provincial" : "municipal", "2025-0" + std::to_string(1 + rng() % 6) + "-01");
  s.rd(kEda, 2025, "eda", up_to(rng, yuan(200'000'000)), up_to(rng, 3));
  s.rd(kEquipment, 2025, "equipment_material", up_to(rng, yuan(600'000'000)), up_to(rng, 3));
  const int n = 2 + static_cast<int>(rng() % 10);
  s.dataset("DS1", kOwner);
  for (int i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    s.purchase("EDA" + id, 1, date_2025(rng), kBuyer, kSignoff, "T1", up_to(rng, yuan(1'000'000)),
               up_to(rng, yuan(60'000)));
    s.contract("K" + id, kBuyer, rng() % 4 ? kCenter : kOwner, date_2025(rng), up_to(rng, yuan(800'000)),
               rng() % 2 ? up_to(rng, yuan(300'000)) : 0);
    s.trade("TR" + id, kExchange, caller(1 + static_cast<int>(rng() % 8)), kBuyer, date_2025(rng),
            up_to(rng, yuan(200'000'000)));
    s.call("CALL" + id, "DS1", caller(1 + static_cast<int>(rng() % 8)), date_2025(rng), up_to(rng, yuan(3'000'000)));
    s.expense("X" + id, kPlatform, date_2025(rng), rng() % 2 ? "venue_rent" : "construction",
              up_to(rng, yuan(1'500'000)));
  }
  // Some affiliation among callers, with the exchange and with the owner.
  s.person("P")
      .equity("P", caller(1 + static_cast<int>(rng() % 8)), 30)
      .equity("P", caller(1 + static_cast<int>(rng() % 8)), 30);
  s.equity(kExchange, caller(1 + static_cast<int>(rng() % 8)), static_cast<std::int64_t>(20 + rng() % 10));
  s.equity(kOwner, caller(1 + static_cast<int>(rng() % 8)), static_cast<std::int64_t>(20 + rng() % 10));
  s.recognition(kPlatform, rng() % 4 ? "national" : "municipal", "2025-0" + std::to_string(1 + rng() % 9) + "-01");
  s.event("EV1", kOrganizer, "2025-09-10", json::value(rng() % 4 ? "2025-09-01" : "2025-09-10"),
          up_to(rng, yuan(3'000'000)));
  s.claim("eda_rd", "eda_rd", kEda, 2025)
      .claim("eda_purchase", "eda_purchase", kBuyer, 2025)
      .claim("equipment_rd", "equipment_rd", kEquipment, 2025)
      .claim("compute", "compute", kBuyer, 2025)
      .claim("data_platform", "data_platform", kExchange, 2025)
      .claim("dataset", "dataset", kOwner, 2025, "dataset", "DS1")
      .claim("platform", "platform", kPlatform, 2025)
      .claim("event", "event", kOrganizer, 0, "event", "EV1");
  if (rng() % 2) s.prior(kBuyer, "compute", 2025, up_to(rng, yuan(600'000)));
  if (rng() % 2) s.prior(kOwner, "dataset", 2025, up_to(rng, yuan(600'000)), "dataset", "DS-OTHER");
  if (rng() % 2) s.other_award("platform", "province", up_to(rng, yuan(2'000'000)));
  if (rng() % 2) s.other_award("eda_rd", "city", up_to(rng, yuan(2'000'000)));
  return s;
}

}  // namespace

TEST_CASE("clauses property: no award exceeds its cap, its computed figure, or pays an ineligible claim") {
  std::mt19937_64 rng(20251201);
  std::map<std::string, int> paid, capped;  // the generator reaches both sides of every rule
  for (int round = 0; round < 60; ++round) {
    for (const auto& e : run(generated(rng))) {
      if (e.award.fen() > 0) ++paid[e.id];
      if (e.has_reason("CAPPED") || !e.eligible) ++capped[e.id];
      INFO("round " << round << " claim " << e.id);
      CHECK(e.award <= e.cap);
      CHECK(e.award <= e.computed);
      CHECK(e.award.fen() >= 0);
      if (!e.eligible) CHECK(e.award.fen() == 0);
      CHECK(e.computed.fen() <= e.basis->fen());  // no rate above 100 %
    }
  }
  CHECK(paid.size() == 8);
  CHECK(capped.size() == 8);
}

TEST_CASE("clauses property: more basis never lowers the award") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    auto s = generated(rng);
    auto before = run(s);
    // One more qualifying item per rule (a fresh caller for the dataset: it cannot merge groups).
    s.enterprise(uscc(400), "新调用方", {"other"});
    s.signoff(kSignoff, "national");
    s.recognition(kPlatform, "provincial");
    s.purchase("EXTRA", 1, "2025-06-01", kBuyer, kSignoff, "T1", up_to(rng, yuan(900'000)));
    s.contract("KX", kBuyer, kCenter, "2025-06-01", up_to(rng, yuan(900'000)));
    s.trade("TRX", kExchange, uscc(400), kBuyer, "2025-06-01", up_to(rng, yuan(900'000)));
    s.call("CALLX", "DS1", uscc(400), "2025-06-01", up_to(rng, yuan(900'000)));
    s.expense("XX", kPlatform, "2025-06-01", "construction", up_to(rng, yuan(900'000)));
    auto& rds = s.root["rd_declarations"].as_array();
    for (auto& d : rds) d.as_object()["rd_fen"] = d.as_object()["rd_fen"].as_int64() + up_to(rng, yuan(9'000'000));
    s.root["events"].as_array()[0].as_object()["venue_rent_fen"] =
        s.root["events"].as_array()[0].as_object()["venue_rent_fen"].as_int64() + 1;
    auto after = run(s);
    REQUIRE(before.size() == after.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
      INFO("round " << round << " claim " << before[i].id);
      CHECK(*after[i].basis >= *before[i].basis);
      CHECK(after[i].award >= before[i].award);
      CHECK(after[i].computed >= before[i].computed);
    }
  }
}

TEST_CASE("clauses property: the verdict does not depend on the order of the input") {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 30; ++round) {
    auto s = generated(rng);
    auto a = run(s);
    // rd_declarations keep their order: a later declaration replaces an earlier one.
    for (const char* key : {"enterprises", "equity", "purchases", "compute_contracts", "data_trades", "dataset_calls",
                            "platform_expenses", "signoff_participants", "platform_recognitions", "prior_approvals"}) {
      if (!s.root.contains(key)) continue;
      auto& arr = s.root[key].as_array();
      std::vector<json::value> items(arr.begin(), arr.end());
      std::shuffle(items.begin(), items.end(), rng);
      arr = json::array(items.begin(), items.end());
    }
    auto b = run(s);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      INFO("round " << round << " claim " << a[i].id);
      CHECK(json::serialize(rules::to_json(a[i])) == json::serialize(rules::to_json(b[i])));
    }
  }
}
