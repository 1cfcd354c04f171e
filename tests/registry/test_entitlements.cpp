// Specifications of the 免申即享 job (registry/store/entitlements.hpp): what it records, what
// an incremental run re-evaluates, and automatic filing.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "registry/domain/fact_json.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/entitlements.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::store;

namespace {

std::string uscc(int n) {
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "91330108%08d", n);
  return Uscc::complete(prefix).value().str();
}

// Writes the facts of a scenario text (enterprises, persons, equity, products, purchases)
// through the repository, as the API and the importers do.
void add_facts(Db& db, const std::string& scenario) {
  auto f = json_io::parse_scenario(scenario);
  REQUIRE(f.ok());
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  // Enterprises and products already stored are named again only for the cross-references.
  for (const auto& e : f->enterprises) {
    auto s = insert_enterprise(db, e);
    REQUIRE((s.ok() || s.error().code == "DUPLICATE"));
  }
  for (const auto& p : f->persons) REQUIRE(insert_person(db, p).ok());
  for (const auto& e : f->equity) REQUIRE(insert_equity(db, e).ok());
  for (const auto& p : f->products) {
    auto s = insert_product(db, p);
    REQUIRE((s.ok() || s.error().code == "DUPLICATE"));
  }
  for (const auto& p : f->purchases) REQUIRE(insert_purchase(db, p).ok());
  REQUIRE(tx->commit().ok());
}

std::string purchase(const std::string& invoice, const std::string& buyer, const std::string& seller,
                     const std::string& product, std::int64_t fen) {
  return boost::json::serialize(boost::json::object{{"invoice", invoice}, {"line", 1}, {"date", "2025-03-01"},
                                                    {"buyer", buyer}, {"seller", seller}, {"product", product},
                                                    {"amount_fen", fen}, {"tax_fen", 0}, {"reverses", nullptr}});
}

struct World {
  std::string seller = uscc(1), a = uscc(2), b = uscc(3), idle = uscc(4);
  std::string base;  // the scenario's enterprises and products, ending in `"purchases": [`
};

// A module maker; OEM A buys 3,000,000.00 元 of modules (the chip_module threshold exactly),
// OEM B 2,400,000.00 元 of modules and 1,000,000.00 元 of a chip that has no tape-out.
World build(Db& db) {
  World w;
  const std::string e = R"({"enterprises": [)"
                        R"({"uscc": ")" + w.seller + R"(", "name": "S", "in_district": true, "roles": ["ic_design"]},)"
                        R"({"uscc": ")" + w.a + R"(", "name": "A", "in_district": true, "roles": ["oem"]},)"
                        R"({"uscc": ")" + w.b + R"(", "name": "B", "in_district": true, "roles": ["oem"]},)"
                        R"({"uscc": ")" + w.idle + R"(", "name": "I", "in_district": true, "roles": ["oem"]}],)"
                        R"("products": [)"
                        R"({"id": "BJ-MOD-01", "kind": "module", "owner": ")" + w.seller +
                        R"(", "self_developed": true, "first_market_date": "2025-01-10", "focus_area": "x"},)"
                        R"({"id": "BJ-MCU-02", "kind": "chip", "owner": ")" + w.seller +
                        R"(", "self_developed": true, "first_market_date": "2025-01-10", "focus_area": "x"}],)"
                        R"("purchases": [)";
  w.base = e;
  add_facts(db, e +
                        purchase("A1", w.a, w.seller, "BJ-MOD-01", 200000000) + "," +
                        purchase("A2", w.a, w.seller, "BJ-MOD-01", 100000000) + "," +
                        purchase("B1", w.b, w.seller, "BJ-MOD-01", 240000000) + "," +
                        purchase("B2", w.b, w.seller, "BJ-MCU-02", 100000000) + "]}");
  return w;
}

Db fresh(const testing::TempDir& dir) {
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  REQUIRE(migrate(*db).ok());
  return std::move(*db);
}

EligibilityRun run(Db& db, int year = 2025) {
  EligibilityOptions o;
  o.year = year;
  o.batch = 2;  // several batches even in a small world
  auto r = run_eligibility(db, db, o);
  REQUIRE(r.ok());
  return *r;
}

Entitlement row(Db& db, const std::string& enterprise, const std::string& group = "chip_module") {
  auto e = get_entitlement(db, {2025, enterprise, RuleId::kLinkage, group});
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  return **e;
}

}  // namespace

TEST_CASE("eligibility: an OEM whose purchases reach the clause-12 threshold is owed 30 %, unclaimed") {
  testing::TempDir dir;
  Db db = fresh(dir);
  World w = build(db);
  EligibilityRun r = run(db);
  CHECK(r.mode == "full");
  CHECK(r.enterprises == 4);  // every enterprise, the seller and the idle OEM included
  CHECK(r.owed_unclaimed == 1);
  CHECK(r.owed_unclaimed_fen == 90000000);

  Entitlement a = row(db, w.a);
  CHECK(a.eligible);
  CHECK(a.award_fen == 90000000);  // 3,000,000.00 × 30 % = 900,000.00 元
  CHECK(a.qualifying_fen == 300000000);
  CHECK_FALSE(a.claimed);
  CHECK(a.missing.empty());
  // No device or material lines: no row for that group.
  auto none = get_entitlement(db, {2025, w.a, RuleId::kLinkage, "device_material"});
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  Entitlement b = row(db, w.b);
  CHECK_FALSE(b.eligible);
  CHECK(b.award_fen == 0);
  CHECK(b.qualifying_fen == 240000000);
  REQUIRE(b.missing.size() == 2);
  CHECK(b.missing[0] == "已达 2,400,000.00 元, 距门槛还差 600,000.00 元");
  CHECK(b.missing[1] == "芯片 BJ-MCU-02 缺少流片证明");

  // The reviewer's list: owed and not claimed.
  EntitlementFilter owed;
  owed.year = 2025;
  owed.claimed = false;
  auto list = list_entitlements(db, owed);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK(list->front().key.enterprise == w.a);
  // The default list is what the facts qualify for: eligible rows only.
  EntitlementFilter all;
  all.year = 2025;
  all.eligible = std::nullopt;
  auto everything = list_entitlements(db, all);
  REQUIRE(everything.ok());
  CHECK(everything->size() == 2);
}

TEST_CASE("eligibility: a run with no new fact re-evaluates nothing; a new purchase re-evaluates its buyer only") {
  testing::TempDir dir;
  Db db = fresh(dir);
  World w = build(db);
  EligibilityRun first = run(db);
  EligibilityRun again = run(db);
  CHECK(again.mode == "incremental");
  CHECK(again.from_log_size == first.log_size);
  CHECK(again.facts == 0);
  CHECK(again.enterprises == 0);
  CHECK(again.evaluations == 0);

  add_facts(db, w.base + purchase("B3", w.b, w.seller, "BJ-MOD-01", 60000000) + "]}");
  EligibilityRun third = run(db);
  CHECK(third.facts == 1);
  CHECK(third.enterprises == 1);
  Entitlement b = row(db, w.b);
  CHECK(b.eligible);
  CHECK(b.award_fen == 90000000);  // 3,000,000.00 元 of modules now
  CHECK(b.missing == std::vector<std::string>{"芯片 BJ-MCU-02 缺少流片证明"});
  CHECK(run(db).enterprises == 0);
}

TEST_CASE("eligibility: an equity edge into the seller re-evaluates the seller's neighbourhood and its buyers") {
  testing::TempDir dir;
  Db db = fresh(dir);
  World w = build(db);
  EligibilityRun first = run(db);
  add_facts(db, R"({"enterprises": [], "equity": [{"holder": ")" + w.a + R"(", "held": ")" + w.seller +
                    R"(", "pct": 30, "from": "2020-01-01", "to": null}]})");
  auto touched = touched_by_facts(db, first.log_size, first.log_size + 1, 2025);
  REQUIRE(touched.ok());
  CHECK(touched->facts == 1);
  CHECK(touched->enterprises == std::set<std::string>{w.seller, w.a, w.b});  // not the idle OEM
  EligibilityRun r = run(db);
  CHECK(r.enterprises == 3);
  // A now holds 30 % of its supplier: its lines are AFFILIATED and it is owed nothing.
  Entitlement a = row(db, w.a);
  CHECK_FALSE(a.eligible);
  CHECK(a.award_fen == 0);
  CHECK(a.missing.back() == "与供应商 " + w.seller + " 存在关联关系 (AFFILIATED)");
}

TEST_CASE("eligibility: automatic filing files the owed claim in the enterprise's name, proactive, audited") {
  testing::TempDir dir;
  Db db = fresh(dir);
  World w = build(db);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(set_auto_filing(db, RuleId::kLinkage, true, "admin#1").ok());
    REQUIRE(tx->commit().ok());
  }
  EligibilityRun r = run(db);
  REQUIRE(r.auto_filed.size() == 1);
  CHECK(r.owed_unclaimed == 0);
  auto claim = get_claim(db, r.auto_filed.front());
  REQUIRE(claim.ok());
  REQUIRE(claim->has_value());
  CHECK((*claim)->claimant == w.a);
  CHECK((*claim)->status == "submitted");
  CHECK((*claim)->award_fen == 90000000);
  CHECK((*claim)->proactive);
  CHECK(to_json(**claim).at("proactive").as_bool());
  Entitlement a = row(db, w.a);
  CHECK(a.claimed);
  CHECK(a.claim == r.auto_filed.front());

  AuditQuery q;
  q.subject = r.auto_filed.front();
  auto rows = list_audit(db, q);
  REQUIRE(rows.ok());
  std::vector<std::string> actions;
  for (const auto& x : *rows) actions.push_back(x.action);
  CHECK(actions == std::vector<std::string>{"claim.file", "entitlement.auto_file"});
  AuditQuery setting;
  setting.subject = "linkage";
  auto set_rows = list_audit(db, setting);
  REQUIRE(set_rows.ok());
  REQUIRE(set_rows->size() == 1);
  CHECK(set_rows->front().action == "entitlement.auto_filing");

  // The claim's leaf re-evaluates its claimant once (still claimed), then nothing.
  EligibilityRun next = run(db);
  CHECK(next.enterprises == 1);
  CHECK(next.auto_filed.empty());
  CHECK(row(db, w.a).claimed);
  CHECK(run(db).enterprises == 0);
}

TEST_CASE("eligibility: filing from an entitlement files once; owing nothing is refused") {
  testing::TempDir dir;
  Db db = fresh(dir);
  World w = build(db);
  run(db);
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  auto filed = file_entitlement(db, {2025, w.a, RuleId::kLinkage, "chip_module"}, "enterprise:A", false);
  REQUIRE(filed.ok());
  CHECK(filed->award_fen == 90000000);
  CHECK_FALSE(filed->proactive);
  auto twice = file_entitlement(db, {2025, w.a, RuleId::kLinkage, "chip_module"}, "enterprise:A", false);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == "ALREADY_CLAIMED");
  auto below = file_entitlement(db, {2025, w.b, RuleId::kLinkage, "chip_module"}, "enterprise:B", false);
  REQUIRE_FALSE(below.ok());
  CHECK(below.error().code == "NOT_ENTITLED");
  auto none = file_entitlement(db, {2025, w.idle, RuleId::kLinkage, "chip_module"}, "enterprise:I", false);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == "NO_ENTITLEMENT");
}
