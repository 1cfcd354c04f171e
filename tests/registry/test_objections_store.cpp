// Objections and recovery in the store (registry/store/objections.hpp, recoveries.hpp): the
// deadline on both sides of its last day, what may be disputed, and a series' due: netted
// by a recovery, absorbed by a later approval, never recovered twice. Amounts exact fen.
#include <catch2/catch.hpp>

#include "registry/base_store.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/objections.hpp"
#include "registry/store/recoveries.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "rules/scenario_builder.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

struct Store : BaseStore {
  void approve(const std::string& id, std::int64_t fen) {
    write([&] { REQUIRE(store::decide_claim(db, id, {false, fen, ""}, "reviewer").ok()); });
  }
  Result<store::ObjectionRecord> object(const std::string& claim, const Date& today,
                                        std::vector<std::string> reasons = {}) {
    std::optional<Result<store::ObjectionRecord>> out;
    auto tx = db::Tx::begin(db);
    REQUIRE(tx.ok());
    out = store::file_objection(db, {claim, kOem, "异议", {}, std::move(reasons), {}}, "oem", {}, today);
    if (*out) REQUIRE(tx->commit().ok());
    return *out;
  }
};

Date shanghai_today() { return *Date::parse(db::today_shanghai()); }

}  // namespace

TEST_CASE("objections store: a decision may be contested until 15 days after it, that day included") {
  Store s;
  s.buy("2025-03-01", yuan(4'000'000));
  auto c = s.file();
  // Before the decision: any day, and only the evaluation's reasons may be disputed.
  auto unknown = s.object(c.id, Date::ymd(2099, 1, 1), {"AFFILIATED"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "UNKNOWN_REASON");
  s.approve(c.id, yuan(1'000'000));
  const Date decided = shanghai_today();
  auto late = s.object(c.id, decided.add_days(16));
  REQUIRE_FALSE(late);
  CHECK(late.error().code == "OBJECTION_LATE");
  auto last_day = s.object(c.id, decided.add_days(15));
  REQUIRE(last_day);
  CHECK(last_day->against == "decision");
  CHECK(last_day->deadline == decided.add_days(15).str());
  CHECK(last_day->status() == "open");
  auto pending = s.object(c.id, decided);
  REQUIRE_FALSE(pending);
  CHECK(pending.error().code == "OBJECTION_PENDING");
  // Another enterprise's filing names no claim of its own.
  auto tx = db::Tx::begin(s.db);
  auto other = store::file_objection(s.db, {c.id, kSupplier, "x", {}, {}, {}}, "x", {}, decided);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == "NOT_FOUND");
}

TEST_CASE("recovery store: a series' due is netted by a recovery and absorbed by a later approval") {
  Store s;
  s.buy("2025-03-01", yuan(3'000'000));
  const std::string b = s.buy("2025-04-01", yuan(1'000'000));
  auto c1 = s.file();
  REQUIRE(c1.award_fen == yuan(1'200'000));
  s.approve(c1.id, yuan(1'200'000));
  // A red line of the whole of b: 3,000,000 left, 900,000 supported.
  Purchase red{"RED1",
               1,
               Date::ymd(2025, 9, 1),
               *Uscc::parse(kOem),
               *Uscc::parse(kSupplier),
               "M1",
               Money::fen(-yuan(1'000'000)),
               Money::fen(0),
               InvoiceLineRef{b, 1}};
  s.write([&] {
    REQUIRE(store::insert_purchase(s.db, red).ok());
    REQUIRE(store::invoice_lines_changed(s.db, kOem, 2025, true).ok());
  });
  auto approved = store::get_claim(s.db, c1.id);
  REQUIRE((*approved)->overpaid_fen == yuan(300'000));
  auto standing = store::series_standing(s.db, **approved);
  REQUIRE(standing);
  CHECK(standing->supported_fen == yuan(900'000));
  CHECK(standing->due_fen == yuan(300'000));

  SECTION("recovered, the next claim pays the rest of the cap") {
    s.write([&] {
      auto above =
          store::record_recovery(s.db, {c1.id, yuan(300'000) + 1, Date::ymd(2025, 10, 1), "R1", ""}, "reviewer");
      REQUIRE_FALSE(above);
      CHECK(above.error().code == "ABOVE_DUE");
      REQUIRE(store::record_recovery(s.db, {c1.id, yuan(100'000), Date::ymd(2025, 10, 1), "R1", ""}, "reviewer").ok());
      REQUIRE(store::record_recovery(s.db, {c1.id, yuan(200'000), Date::ymd(2025, 10, 2), "R2", ""}, "reviewer").ok());
    });
    auto due = store::list_recoveries_due(s.db, std::nullopt, std::nullopt, 100);
    REQUIRE(due);
    CHECK(due->items.empty());
    s.buy("2025-05-01", yuan(2'000'000));
    auto c2 = s.file();
    CHECK(c2.award_fen == yuan(600'000));  // 1,500,000 (cap) − (1,200,000 − 300,000)
  }
  SECTION("not recovered, the next approval absorbs it and nothing is due after") {
    s.buy("2025-05-01", yuan(2'000'000));
    auto c2 = s.file();
    CHECK(c2.award_fen == yuan(300'000));  // 1,500,000 − 1,200,000
    s.approve(c2.id, yuan(300'000));
    auto again = store::series_standing(s.db, **store::get_claim(s.db, c1.id));
    REQUIRE(again);
    CHECK(again->approved_fen == yuan(1'500'000));
    CHECK(again->supported_fen == yuan(1'500'000));
    CHECK(again->due_fen == 0);
    auto due = store::list_recoveries_due(s.db, std::nullopt, std::nullopt, 100);
    REQUIRE(due);
    CHECK(due->items.empty());
  }
}
