// Schema migration 15: products keyed by (owner, id), invoice lines, voids and statuses by
// buyer. A registry written before it keeps every leaf and every row, and what it held
// then means the same after.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>

#include "registry/db/sqlite.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/fact_rows.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/load_facts.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "support/temp_dir.hpp"

namespace tlog = chipreg::tlog;
using namespace chipreg;
using db::Db;
using db::Tx;

namespace {

const Uscc kDesign = *Uscc::complete("9133010800000002");
const Uscc kRival = *Uscc::complete("9133010800000005");
const Uscc kBuyer = *Uscc::complete("9133010800000003");

std::string text(Db& db, const std::string& sql) {
  auto st = db.prepare(sql);
  REQUIRE(st.ok());
  auto row = st->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->text(0);
}

std::string problems(Db& db) {
  auto report = tlog::audit_log(db);
  REQUIRE(report.ok());
  return boost::json::serialize(report->at("problems"));
}

}  // namespace

TEST_CASE("owner keys: a registry written before migration 15 migrates with every leaf and row intact") {
  testing::TempDir dir;
  auto opened = Db::open(dir.file("r.db"));
  REQUIRE(opened.ok());
  Db& db = *opened;
  REQUIRE(store::migrate(db, 14).ok());
  {
    // Written as chipreg 14 wrote them: a global product id logged under ref "P1", two
    // lines of it (one sold by an enterprise that does not own it), a void of the first.
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(store::insert_enterprise(db, Enterprise{kDesign, "设计公司", true, {Role::kIcDesign}}).ok());
    REQUIRE(store::insert_enterprise(db, Enterprise{kRival, "另一设计公司", true, {Role::kIcDesign}}).ok());
    REQUIRE(store::insert_enterprise(db, Enterprise{kBuyer, "整机厂", true, {Role::kOem}}).ok());
    REQUIRE(db.exec_script(("INSERT INTO products(id, kind, owner, self_developed, first_market_date, focus_area, model, "
                            "created_at) VALUES ('P1', 'chip', '" + kDesign.str() + "', 1, '2025-01-10', '', NULL, 'now')")
                               .c_str())
                .ok());
    // The product's fact as fact_rows.hpp builds it from the row's columns.
    const std::string opening = tlog::make_entry(
        tlog::EntryKind::kProduct,
        boost::json::object{{"id", "P1"}, {"kind", "chip"}, {"owner", kDesign.str()}, {"self_developed", 1},
                            {"first_market_date", "2025-01-10"}, {"focus_area", ""}, {"model", nullptr}});
    tlog::Appender appender(db);
    auto pidx = appender.append(tlog::EntryKind::kProduct, "P1", opening, {kDesign.str()});
    REQUIRE(pidx.ok());
    REQUIRE(db.exec_script(("UPDATE products SET log_index = " + std::to_string(*pidx)).c_str()).ok());
    auto row = db.prepare(
        "INSERT INTO purchases(invoice, line, date, buyer, seller, product, amount_fen, tax_fen, log_index, created_at) "
        "VALUES (?, 1, '2025-03-01', ?, ?, 'P1', 100000, 13000, ?, 'now')");
    REQUIRE(row.ok());
    for (const auto& [invoice, seller] : {std::pair{"INV1", kDesign}, std::pair{"INV2", kRival}}) {
      const Purchase p{invoice, 1, Date::ymd(2025, 3, 1), kBuyer, seller, "P1", Money::fen(100000), Money::fen(13000),
                       std::nullopt};
      auto idx = appender.append_public(tlog::EntryKind::kPurchase, tlog::purchase_ref(p), tlog::purchase_entry(p));
      REQUIRE(idx.ok());
      row->reset();
      row->bind(1, std::string(invoice)).bind(2, kBuyer.str()).bind(3, seller.str()).bind(4, *idx);
      REQUIRE(row->exec().ok());
    }
    auto vidx = appender.append(tlog::EntryKind::kVoid, "INV1", tlog::void_entry({"INV1", "2025-06-01", "test", {}}),
                                {kBuyer.str(), kDesign.str()});
    REQUIRE(vidx.ok());
    REQUIRE(db.exec_script(("INSERT INTO voids(invoice, date, source, actor, log_index, created_at) VALUES "
                            "('INV1', '2025-06-01', 'test', 'test', " + std::to_string(*vidx) + ", 'now')")
                               .c_str())
                .ok());
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(store::migrate(db).ok());
  CHECK(problems(db) == "[]");
  // Every old line keeps the owner its global id named, the line of a non-owner too.
  CHECK(text(db, "SELECT group_concat(product_owner, ',') FROM (SELECT product_owner FROM purchases ORDER BY invoice)") ==
        kDesign.str() + "," + kDesign.str());
  CHECK(text(db, "SELECT buyer || ' ' || leaf_names_buyer FROM voids") == kBuyer.str() + " 0");
  CHECK(text(db, "SELECT ref FROM log_entries WHERE kind = 'product'") == kDesign.str() + "/P1");
  CHECK(text(db, "SELECT ref FROM log_entries WHERE kind = 'void'") == kBuyer.str() + "/INV1");

  // The rival now registers its own P1, and the buyer a line of it; a new void names its
  // buyer in its leaf.
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(store::insert_product(db, Product{"P1", ProductKind::kChip, kRival, true, Date::ymd(2025, 2, 1), "", {}}).ok());
    REQUIRE(store::insert_purchase(db, Purchase{"INV3", 1, Date::ymd(2025, 4, 1), kBuyer, kRival, "P1", Money::fen(7),
                                                Money::fen(0), std::nullopt})
                .ok());
    REQUIRE(tx->commit().ok());
  }
  CHECK(problems(db) == "[]");
  CHECK(text(db, "SELECT product_owner FROM purchases WHERE invoice = 'INV3'") == kRival.str());

  // The claim's facts name two owners' P1: each product, and each line's, is "OWNER/P1".
  ClaimRequest claim{.id = "C1", .rule = RuleId::kLinkage, .claimant = kBuyer, .year = 2025,
                     .group = LinkageGroup::kChipModule};
  auto facts = store::load_facts(db, claim);
  REQUIRE(facts.ok());
  std::set<std::string> ids;
  for (const auto& p : facts->products) ids.insert(p.id);
  CHECK(ids == std::set<std::string>{kDesign.str() + "/P1", kRival.str() + "/P1"});
  REQUIRE(facts->purchases.size() == 3);
  for (const auto& p : facts->purchases) {
    CHECK(p.product == (p.invoice == "INV3" ? kRival : kDesign).str() + "/P1");
  }
  REQUIRE(facts->voids.size() == 1);
  CHECK(facts->voids.front().invoice == "INV1");
}
