// The other clauses' facts in the store (migration 6): inserts with their errors, the
// export readers, and load_clause_facts reading exactly what one claim needs — so that a
// claim decided on stored facts gets the award chipreg evaluate gives on the scenario.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "registry/domain/fact_json.hpp"
#include "registry/rules/evaluation.hpp"
#include "registry/store/clause_facts.hpp"
#include "registry/store/load_clause_facts.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "rules/clauses_cast.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::testing;

namespace {

// The scenario of one claim per rule (as in test_clauses_scenario.cpp, with two years).
Scenario stored_scenario() {
  auto s = clauses_scenario();
  s.rd(kEda, 2025, "eda", yuan(9'000'000), yuan(1), "A-1")
      .rd(kEda, 2025, "eda", yuan(12'000'000), yuan(1), "A-2")
      .rd(kEda, 2024, "eda", yuan(99'000'000), yuan(1), "A-2024")
      .rd(kEquipment, 2025, "equipment_material", yuan(60'000'000), yuan(1))
      .signoff(kSignoff, "provincial")
      .contract("K1", kBuyer, kCenter, "2025-03-01", yuan(1'000'000), yuan(200'000))
      .contract("K0", kBuyer, kCenter, "2024-12-31", yuan(5'000'000))
      .trade("TR1", kExchange, caller(1), caller(2), "2025-02-01", yuan(300'000'000))
      .trade("TR2", kExchange, caller(3), caller(4), "2026-01-01", yuan(1))
      .dataset("DS1", kOwner)
      .dataset("DS2", kOwner)
      .recognition(kPlatform, "provincial", "2024-07-01")
      .expense("X1", kPlatform, "2025-02-01", "venue_rent", yuan(2'000'000))
      .expense("X0", kPlatform, "2024-12-01", "venue_rent", yuan(2'000'000))
      .event("EV1", kOrganizer, "2025-09-10", json::value("2025-08-31"), yuan(1'500'000))
      .event("EV2", kOrganizer, "2025-10-10", json::value("2025-08-31"), yuan(9'000'000));
  for (int i = 1; i <= 4; ++i)
    s.call("CALL" + std::to_string(i), "DS1", caller(i), "2025-05-0" + std::to_string(i), yuan(500'000));
  s.call("OTHER", "DS2", caller(5), "2025-05-01", yuan(500'000));
  s.claim("E1", "eda_rd", kEda, 2025)
      .claim("Q", "equipment_rd", kEquipment, 2025)
      .claim("K", "compute", kBuyer, 2025)
      .claim("D", "data_platform", kExchange, 2025)
      .claim("S", "dataset", kOwner, 2025, "dataset", "DS1")
      .claim("P", "platform", kPlatform, 2025)
      .claim("V", "event", kOrganizer, 2025, "event", "EV1");
  return s;
}

// Stores every fact of `f` (parties through the repository, the clause facts here).
void store_all(db::Db& db, const Facts& f) {
  auto tx = db::Tx::begin(db);
  REQUIRE(tx.ok());
  for (const auto& e : f.enterprises) REQUIRE(store::insert_enterprise(db, e).ok());
  for (const auto& x : f.rd_declarations) REQUIRE(store::insert_rd_declaration(db, x).ok());
  for (const auto& x : f.signoff_participants) REQUIRE(store::insert_signoff_participant(db, x).ok());
  for (const auto& x : f.compute_contracts) REQUIRE(store::insert_compute_contract(db, x).ok());
  for (const auto& x : f.data_trades) REQUIRE(store::insert_data_trade(db, x).ok());
  for (const auto& x : f.datasets) REQUIRE(store::insert_dataset(db, x).ok());
  for (const auto& x : f.dataset_calls) REQUIRE(store::insert_dataset_call(db, x).ok());
  for (const auto& x : f.platform_recognitions) REQUIRE(store::insert_platform_recognition(db, x).ok());
  for (const auto& x : f.platform_expenses) REQUIRE(store::insert_platform_expense(db, x).ok());
  for (const auto& x : f.events) REQUIRE(store::insert_event(db, x).ok());
  REQUIRE(tx->commit().ok());
}

db::Db fresh(const TempDir& dir) {
  auto db = db::Db::open(dir.file("c.db"));
  REQUIRE(db.ok());
  REQUIRE(store::migrate(*db).ok());
  return std::move(*db);
}

}  // namespace

TEST_CASE("clause store: the roles eda, compute_center and data_exchange are storable after migration 6") {
  TempDir dir;
  auto db = fresh(dir);
  auto f = json_io::parse_scenario(clauses_scenario().text());
  REQUIRE(f.ok());
  auto tx = db::Tx::begin(db);
  for (const auto& e : f->enterprises) REQUIRE(store::insert_enterprise(db, e).ok());
  REQUIRE(tx->commit().ok());
  auto back = store::get_enterprise(db, f->enterprises[4].uscc);
  REQUIRE(back.ok());
  REQUIRE(*back);
  CHECK((*back)->has_role(Role::kComputeCenter));
}

TEST_CASE("clause store: a claim decided on the loaded facts gets the scenario's award") {
  TempDir dir;
  auto db = fresh(dir);
  auto scenario = json_io::parse_scenario(stored_scenario().text());
  REQUIRE(scenario.ok());
  store_all(db, *scenario);
  auto direct = rules::evaluate(*scenario, policy::versions());
  REQUIRE(direct.ok());
  for (std::size_t i = 0; i < scenario->claims.size(); ++i) {
    const ClaimRequest& claim = scenario->claims[i];
    INFO(claim.id);
    Facts f;
    f.enterprises = scenario->enterprises;
    f.products = scenario->products;
    REQUIRE(store::load_clause_facts(db, claim, f).ok());
    auto e = rules::evaluate_claim(f, claim, policy::versions());
    REQUIRE(e.ok());
    CHECK(e->award == (*direct)[i].award);
    CHECK(e->eligible == (*direct)[i].eligible);
    CHECK(json::serialize(rules::to_json(*e).at("items")) == json::serialize(rules::to_json((*direct)[i]).at("items")));
  }
  CHECK((*direct)[0].award.fen() == yuan(1'800'000));  // the later 2025 declaration, not 2024's
}

TEST_CASE("clause store: load_clause_facts reads only the claim's year, claimant, dataset or event") {
  TempDir dir;
  auto db = fresh(dir);
  auto scenario = json_io::parse_scenario(stored_scenario().text());
  REQUIRE(scenario.ok());
  store_all(db, *scenario);
  auto load = [&](std::size_t i) {
    Facts f;
    REQUIRE(store::load_clause_facts(db, scenario->claims.at(i), f).ok());
    return f;
  };
  auto rd = load(0);
  REQUIRE(rd.rd_declarations.size() == 2);
  CHECK(rd.rd_declarations[1].audit_ref == "A-2");  // declaration order kept
  CHECK(rd.compute_contracts.empty());
  CHECK(load(2).compute_contracts.size() == 1);
  CHECK(load(3).data_trades.size() == 1);
  auto ds = load(4);
  CHECK(ds.datasets.size() == 1);
  CHECK(ds.dataset_calls.size() == 4);
  auto pl = load(5);
  CHECK(pl.platform_recognitions.size() == 1);
  CHECK(pl.platform_expenses.size() == 1);
  auto ev = load(6);
  REQUIRE(ev.events.size() == 1);
  CHECK(ev.events[0].id == "EV1");
}

TEST_CASE("clause store: unknown parties and datasets, and duplicate ids, are refused with their field") {
  TempDir dir;
  auto db = fresh(dir);
  auto scenario = json_io::parse_scenario(stored_scenario().text());
  REQUIRE(scenario.ok());
  store_all(db, *scenario);
  auto tx = db::Tx::begin(db);
  auto dup = store::insert_compute_contract(db, scenario->compute_contracts[0]);
  CHECK(dup.error().code == "DUPLICATE");
  CHECK(dup.error().field == "id");
  auto call = scenario->dataset_calls[0];
  call.id = "NEW";
  call.dataset = "NOPE";
  auto ud = store::insert_dataset_call(db, call);
  CHECK(ud.error().code == "UNKNOWN_DATASET");
  CHECK(ud.error().field == "dataset");
  auto trade = scenario->data_trades[0];
  trade.id = "NEW";
  trade.seller = *Uscc::parse(uscc(999));
  auto ue = store::insert_data_trade(db, trade);
  CHECK(ue.error().code == "UNKNOWN_ENTERPRISE");
  CHECK(ue.error().field == "seller");
  auto ev = scenario->events[0];
  CHECK(store::insert_event(db, ev).error().code == "DUPLICATE");
}

TEST_CASE("clause store: every stored fact exports back as it was given") {
  TempDir dir;
  auto db = fresh(dir);
  auto scenario = json_io::parse_scenario(stored_scenario().text());
  REQUIRE(scenario.ok());
  store_all(db, *scenario);
  json::array out;
  auto keep = [&](const auto& x) {
    out.push_back(json_io::to_json(x));
    return Status::Ok();
  };
  REQUIRE(store::for_each_rd_declaration(db, keep).ok());
  REQUIRE(store::for_each_signoff_participant(db, keep).ok());
  REQUIRE(store::for_each_compute_contract(db, keep).ok());
  REQUIRE(store::for_each_data_trade(db, keep).ok());
  REQUIRE(store::for_each_dataset(db, keep).ok());
  REQUIRE(store::for_each_dataset_call(db, keep).ok());
  REQUIRE(store::for_each_platform_recognition(db, keep).ok());
  REQUIRE(store::for_each_platform_expense(db, keep).ok());
  REQUIRE(store::for_each_event(db, keep).ok());
  const auto& f = *scenario;
  CHECK(out.size() == f.rd_declarations.size() + f.signoff_participants.size() + f.compute_contracts.size() +
                          f.data_trades.size() + f.datasets.size() + f.dataset_calls.size() +
                          f.platform_recognitions.size() + f.platform_expenses.size() + f.events.size());
  CHECK(out[0] == json_io::to_json(f.rd_declarations[0]));
  CHECK(out.back() == json_io::to_json(f.events.back()));
}

namespace {

void sql(db::Db& db, const std::string& text) {
  auto st = db.exec_script(text.c_str());
  INFO(text);
  REQUIRE(st.ok());
}

bool runs(db::Db& db, const std::string& text) { return db.exec_script(text.c_str()).ok(); }

std::string one(db::Db& db, const std::string& query) {
  auto st = db.prepare(query);
  REQUIRE(st.ok());
  auto row = st->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->text(0);
}

// A version-7 registry holding a product, a purchase of it, and a decided claim with its
// facts bundle and another level's award: every table that references the rebuilt ones.
void fill_version7(db::Db& db) {
  const std::string a = kBuyer;
  const std::string b = kCenter;
  sql(db, "INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES ('" + a + "', 'A', 1, 'now'), ('" + b +
              "', 'B', 1, 'now')");
  sql(db,
      "INSERT INTO products(id, kind, owner, self_developed, focus_area, model, created_at) VALUES "
      "('P1', 'module', '" +
          b + "', 1, 'chip_design', 'M1', 'now')");
  sql(db,
      "INSERT INTO purchases(invoice, line, date, buyer, seller, product, amount_fen, tax_fen, created_at) VALUES "
      "('INV1', 1, '2025-03-01', '" +
          a + "', '" + b + "', 'P1', 100, 13, 'now')");
  sql(db,
      "INSERT INTO claims(id, rule, claimant, year, grp, evaluation, created_at, evaluated_at, award_fen) VALUES "
      "('C00000001', 'linkage', '" +
          a + "', 2025, 'chip_module', '{}', 'now', 'now', 30)");
  sql(db, "INSERT INTO claim_lines(claim, purchase) SELECT 'C00000001', id FROM purchases");
  sql(db,
      "INSERT INTO decisions(claim, outcome, approve_fen, reviewer, decided_at) VALUES "
      "('C00000001', 'approved', 30, 'r', 'now')");
  sql(db, "INSERT INTO other_awards(claim, level, amount_fen, created_at) VALUES ('C00000001', 'city', 5, 'now')");
  sql(db,
      "INSERT INTO claim_facts(claim, facts_sha256, facts) VALUES ('C00000001', '" + std::string(64, 'a') + "', '{}')");
}

}  // namespace

TEST_CASE("migration 8: products and claims are rebuilt with every row and reference kept; eda_tool is storable") {
  TempDir dir;
  auto db = db::Db::open(dir.file("v7.db"));
  REQUIRE(db.ok());
  REQUIRE(store::migrate(*db, 7).ok());
  fill_version7(*db);
  // A product kind eda_tool is refused by version 7's CHECK.
  CHECK_FALSE(runs(*db,
                   "INSERT INTO products(id, kind, owner, self_developed, created_at) VALUES "
                   "('T0', 'eda_tool', '" +
                       kCenter + "', 1, 'now')"));

  auto from = store::migrate(*db);
  REQUIRE(from.ok());
  CHECK(*from == 7);
  CHECK(one(*db, "PRAGMA user_version") == std::to_string(store::latest_schema_version()));
  CHECK(one(*db, "PRAGMA foreign_keys") == "1");  // back on after the rebuild
  CHECK(one(*db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
  CHECK(one(*db, "SELECT kind || '/' || model || '/' || focus_area FROM products WHERE id = 'P1'") ==
        "module/M1/chip_design");
  CHECK(one(*db, "SELECT rule || '/' || grp || '/' || award_fen || '/' || status FROM claims") ==
        "linkage/chip_module/30/submitted");
  CHECK(one(*db, "SELECT count(*) FROM claims WHERE dataset IS NULL AND event IS NULL") == "1");
  CHECK(one(*db, "SELECT count(*) FROM decisions d JOIN claims c ON c.id = d.claim") == "1");
  // The indexes came back with the tables.
  CHECK(one(*db,
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
            "('products_by_owner', 'claims_by_claimant', 'claims_by_status')") == "3");

  // eda_tool products are stored (and read back) now; references still hold.
  Product tool{"T1",         ProductKind::kEdaTool,    *Uscc::parse(kCenter), true,
               std::nullopt, "semiconductor_software", std::nullopt};
  {
    auto tx = db::Tx::begin(*db);
    REQUIRE(tx.ok());
    auto st = store::insert_product(*db, tool);
    REQUIRE(st.ok());
    REQUIRE(tx->commit().ok());
  }
  auto back = store::get_product(*db, *Uscc::parse(kCenter), "T1");
  REQUIRE(back.ok());
  REQUIRE(back->has_value());
  CHECK((*back)->kind == ProductKind::kEdaTool);
  CHECK_FALSE(runs(*db,
                   "INSERT INTO purchases(invoice, line, date, buyer, seller, product, amount_fen, tax_fen, "
                   "created_at) VALUES ('INV2', 1, '2025-03-01', '" +
                       kBuyer + "', '" + kCenter +
                       "', 'NOPE', 1, 0, 'now')"));  // foreign keys are enforced on the rebuilt table
  // Each rule's claim shape: a dataset claim names its dataset, a linkage claim no dataset.
  CHECK_FALSE(runs(*db,
                   "INSERT INTO claims(id, rule, claimant, year, created_at, evaluated_at) "
                   "VALUES ('C00000002', 'dataset', '" +
                       kBuyer + "', 2025, 'now', 'now')"));
  CHECK(runs(*db,
             "INSERT INTO claims(id, rule, claimant, year, created_at, evaluated_at) "
             "VALUES ('C00000003', 'compute', '" +
                 kBuyer + "', 2025, 'now', 'now')"));
}

TEST_CASE("migration 8 inside a caller's transaction needs foreign keys off when rows exist") {
  TempDir dir;
  auto db = db::Db::open(dir.file("v7.db"));
  REQUIRE(db.ok());
  REQUIRE(store::migrate(*db, 7).ok());
  fill_version7(*db);
  {
    auto tx = db::Tx::begin(*db);
    REQUIRE(tx.ok());
    auto r = store::migrate(*db);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "FOREIGN_KEYS_ON");
  }
  // As `chipreg init` does it: off before the transaction.
  REQUIRE(runs(*db, "PRAGMA foreign_keys = OFF"));
  auto tx = db::Tx::begin(*db);
  REQUIRE(tx.ok());
  auto r = store::migrate(*db);
  REQUIRE(r.ok());
  REQUIRE(tx->commit().ok());
  CHECK(one(*db, "PRAGMA user_version") == std::to_string(store::latest_schema_version()));
  CHECK(one(*db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
}

TEST_CASE("clause store: intake bounds FUTURE_DATE and AMOUNT_TOO_LARGE name the field and write nothing") {
  TempDir dir;
  auto db = fresh(dir);
  auto scenario = json_io::parse_scenario(clauses_scenario().text());
  REQUIRE(scenario.ok());
  store_all(db, *scenario);
  const Uscc buyer = *Uscc::parse(kBuyer);
  const Uscc center = *Uscc::parse(kCenter);
  auto count = [&](const char* table) {
    auto st = db.prepare(std::string("SELECT count(*) FROM ") + table);
    REQUIRE(st.ok());
    REQUIRE(st->step().value());
    return st->int64(0);
  };
  const std::int64_t leaves_before = count("log_entries");
  auto insert = [&](auto fn) {
    auto tx = db::Tx::begin(db);
    REQUIRE(tx.ok());
    Status s = fn();
    if (s) REQUIRE(tx->commit().ok());
    return s;
  };
  const Date far = Date::ymd(2999, 1, 1);
  const Money too_much = Money::fen(Money::kMaxIntakeFen + 1);

  auto future = insert([&] {
    return store::insert_compute_contract(db, ComputeContract{"K9", buyer, center, far, Money::fen(100), Money()});
  });
  REQUIRE_FALSE(future.ok());
  CHECK(future.error().code == "FUTURE_DATE");
  CHECK(future.error().field == "date");
  auto large = insert([&] {
    return store::insert_compute_contract(
        db, ComputeContract{"K9", buyer, center, Date::ymd(2025, 1, 2), Money::fen(100), too_much});
  });
  REQUIRE_FALSE(large.ok());
  CHECK(large.error().code == "AMOUNT_TOO_LARGE");
  CHECK(large.error().field == "voucher_fen");
  CHECK(count("compute_contracts") == 0);
  CHECK(count("log_entries") == leaves_before);  // no partial write: no row, no leaf

  // Exactly the bound is accepted, and logged.
  REQUIRE(insert([&] {
            return store::insert_compute_contract(db, ComputeContract{"K9", buyer, center, Date::ymd(2025, 1, 2),
                                                                      Money::fen(Money::kMaxIntakeFen), Money()});
          }).ok());
  CHECK(count("compute_contracts") == 1);
  CHECK(count("log_entries") == leaves_before + 1);

  auto rd = insert([&] {
    return store::insert_rd_declaration(
        db, RdDeclaration{buyer, 2999, RdField::kEda, Money::fen(100), Money::fen(100), "A"});
  });
  REQUIRE_FALSE(rd.ok());
  CHECK(rd.error().code == "FUTURE_DATE");
  CHECK(rd.error().field == "year");
  auto trade = insert([&] {
    return store::insert_data_trade(db, DataTrade{"T9", center, buyer, center, Date::ymd(2025, 1, 2), too_much});
  });
  REQUIRE_FALSE(trade.ok());
  CHECK(trade.error().field == "amount_fen");
  // An event may be registered before it starts; its approval may not lie ahead.
  CHECK(insert([&] {
          return store::insert_event(db, Event{"EV9", buyer, far, true, "ai_software", Date::ymd(2025, 1, 2),
                                               std::string("BP"), Money::fen(100)});
        }).ok());
  auto approval = insert([&] {
    return store::insert_event(db,
                               Event{"EV10", buyer, far, true, "ai_software", far, std::string("BP"), Money::fen(100)});
  });
  REQUIRE_FALSE(approval.ok());
  CHECK(approval.error().code == "FUTURE_DATE");
  CHECK(approval.error().field == "approval_date");
  auto expense = insert([&] {
    return store::insert_platform_expense(
        db, PlatformExpense{std::nullopt, buyer, far, ExpenseKind::kVenueRent, Money::fen(100)});
  });
  REQUIRE_FALSE(expense.ok());
  CHECK(expense.error().field == "date");
}
