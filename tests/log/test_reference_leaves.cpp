// Every reference fact is a log leaf (schema migration 11, registry/log/fact_rows.hpp):
// `log audit` names a field edited, a row deleted and a row inserted behind chipreg's back
// in each of their tables, and a private one shows only its commitment to the public.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "api/log_answers.hpp"
#include "crypto/encoding.hpp"
#include "crypto/keys.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/fact_rows.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/foundry_keys.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using db::Db;
using db::Tx;

namespace {

const Uscc kFab = *Uscc::complete("9133010800000001");
const Uscc kDesign = *Uscc::complete("9133010800000002");
const Uscc kOem = *Uscc::complete("9133010800000003");

Db open(const testing::TempDir& dir) {
  auto db = Db::open(dir.file("r.db"));
  REQUIRE(db.ok());
  return std::move(*db);
}

struct World {
  testing::TempDir dir;
  Db db = open(dir);
  std::string keyid;
  std::int64_t family = 0, equity = 0, manual = 0, award = 0;

  World() {
    REQUIRE(store::migrate(db).ok());
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(store::insert_enterprise(db, Enterprise{kFab, "代工厂", true, {Role::kFoundry}}).ok());
    REQUIRE(store::insert_enterprise(db, Enterprise{kDesign, "设计公司", true, {Role::kIcDesign, Role::kOther}}).ok());
    REQUIRE(store::insert_enterprise(db, Enterprise{kOem, "整机厂", true, {Role::kOem}}).ok());
    REQUIRE(store::insert_person(db, Person{"PER1", "张三"}).ok());
    REQUIRE(store::insert_person(db, Person{"PER2", "李四"}).ok());
    family = store::insert_family_link(db, FamilyLink{"PER1", "PER2", FamilyRelation::kSpouse}).value();
    equity = store::insert_equity(db, EquityEdge{kDesign.str(), false, kOem, Rate::percent(30),
                                                 Validity{Date::ymd(2024, 1, 1), std::nullopt}})
                 .value();
    manual = store::insert_manual_affiliation(
                 db, ManualAffiliation{kDesign, kOem, Validity{Date::ymd(2024, 1, 1), std::nullopt}, "同一实际控制人"})
                 .value();
    REQUIRE(store::insert_product(
                db, Product{"P1", ProductKind::kChip, kDesign, true, Date::ymd(2025, 1, 10), "", std::nullopt})
                .ok());
    auto key = crypto::PrivateKey::generate(crypto::Alg::kEd25519);
    REQUIRE(key.ok());
    auto id = store::register_foundry_key(
        db, {kFab.str(), "ed25519", key->public_key().to_pem(), "2024-01-01", std::nullopt}, "2024-01-01T00:00:00Z");
    REQUIRE(id.ok());
    keyid = *id;
    REQUIRE(store::revoke_foundry_key(db, keyid, Date::ymd(2026, 1, 1)).ok());
    sql("INSERT INTO claims(id, rule, claimant, year, grp, created_at, evaluated_at) "
        "VALUES ('C00000001', 'linkage', '" +
        kOem.str() + "', 2025, 'chip_module', 'now', 'now')");
    // ... and its leaf, as the claims store writes it, so that only reference facts are under test.
    auto claim = tlog::claim_entry({"C00000001", "linkage", kOem.str(), 2025, std::string("chip_module"), std::nullopt,
                                    std::nullopt, std::nullopt, "{}", std::nullopt});
    REQUIRE(claim.ok());
    auto index = tlog::append(db, tlog::EntryKind::kClaim, "C00000001", *claim, {kOem.str()});
    REQUIRE(index.ok());
    sql("UPDATE claims SET log_index = " + std::to_string(*index));
    award = store::insert_other_award(db, OtherAward{"C00000001", "city", Money::fen(10000000)}, "市级").value();
    REQUIRE(tx->commit().ok());
  }

  // problem code -> "kind ref" of each problem
  std::multimap<std::string, std::string> problems() {
    auto report = tlog::audit_log(db);
    REQUIRE(report.ok());
    std::multimap<std::string, std::string> out;
    for (const auto& p : report->at("problems").as_array()) {
      const auto& o = p.as_object();
      out.emplace(std::string(o.at("problem").as_string()),
                  std::string(o.contains("kind") ? o.at("kind").as_string() : "") + " " +
                      std::string(o.contains("ref") ? o.at("ref").as_string() : ""));
    }
    return out;
  }
  void sql(const std::string& text) {
    INFO(text);
    REQUIRE(db.exec_script(text.c_str()).ok());
  }
};

std::string row_ref(std::int64_t id) { return "#" + std::to_string(id); }

}  // namespace

TEST_CASE("reference leaves: every reference fact is logged once, and the audit of a clean registry is clean") {
  World w;
  auto report = tlog::audit_log(w.db);
  REQUIRE(report.ok());
  INFO(boost::json::serialize(*report));
  CHECK(report->at("ok").as_bool());
  const auto& checked = report->at("checked").as_object();
  CHECK(checked.at("enterprise").as_int64() == 3);
  CHECK(checked.at("person").as_int64() == 2);
  CHECK(checked.at("family_link").as_int64() == 1);
  CHECK(checked.at("equity").as_int64() == 1);
  CHECK(checked.at("manual_affiliation").as_int64() == 1);
  CHECK(checked.at("product").as_int64() == 1);
  CHECK(checked.at("foundry_key").as_int64() == 1);
  CHECK(checked.at("key_revocation").as_int64() == 1);
  CHECK(checked.at("other_award").as_int64() == 1);
  // 3 + 2 + 1 + 1 + 1 + 1 + 1 + 1 reference leaves and the claim's before the award's.
  CHECK(tlog::tree_size(w.db).value() == 13);
  auto idx = w.db.prepare("SELECT log_index FROM equity WHERE id = ?");
  REQUIRE(idx.ok());
  idx->bind(1, w.equity);
  REQUIRE(*idx->step());
  auto leaf = tlog::read_entry(w.db, static_cast<std::uint64_t>(idx->int64(0)));
  REQUIRE(leaf.ok());
  CHECK(leaf->kind == "equity");
  CHECK(leaf->ref == row_ref(w.equity));
  // The fact is the row: exact units, no floating point.
  CHECK(leaf->opening ==
        "{\"fact\":{\"held\":\"" + kOem.str() + "\",\"holder_enterprise\":\"" + kDesign.str() +
            "\",\"holder_person\":null,\"id\":" + std::to_string(w.equity) +
            ",\"pct_units\":300000,\"valid_from\":\"2024-01-01\",\"valid_to\":null},\"kind\":\"equity\"}");
  // A private fact: the public sees a commitment; its parties are the holder and the held.
  CHECK(leaf->version() == 2);
  CHECK(leaf->entry.find(kOem.str()) == std::string::npos);
  CHECK(leaf->parties == tlog::Parties{kDesign.str(), kOem.str()});
}

TEST_CASE(
    "reference leaves: a foundry key and its revocation are public leaves; a revocation moved earlier is a new one") {
  World w;
  auto key_leaf = w.db.prepare("SELECT log_index, revocation_log_index FROM foundry_keys WHERE keyid = ?");
  REQUIRE(key_leaf.ok());
  key_leaf->bind(1, w.keyid);
  REQUIRE(*key_leaf->step());
  const auto key_index = key_leaf->int64(0), first_revocation = key_leaf->int64(1);
  key_leaf->reset();
  auto key = tlog::read_entry(w.db, static_cast<std::uint64_t>(key_index)).value();
  CHECK(key.version() == 1);
  CHECK(key.entry.find("\"foundry\":\"" + kFab.str() + "\"") != std::string::npos);
  auto revocation = tlog::read_entry(w.db, static_cast<std::uint64_t>(first_revocation)).value();
  CHECK(revocation.entry ==
        "{\"fact\":{\"keyid\":\"" + w.keyid + "\",\"revoked_from\":\"2026-01-01\"},\"kind\":\"key_revocation\"}");
  {
    auto tx = Tx::begin(w.db);
    REQUIRE(tx.ok());
    REQUIRE(store::revoke_foundry_key(w.db, w.keyid, Date::ymd(2025, 6, 1)).ok());
    REQUIRE(tx->commit().ok());
  }
  key_leaf->bind(1, w.keyid);
  REQUIRE(*key_leaf->step());
  CHECK(static_cast<std::uint64_t>(key_leaf->int64(1)) == tlog::tree_size(w.db).value() - 1);
  CHECK(w.problems().empty());
  // Moving it back behind chipreg's back: the row no longer matches the latest leaf.
  w.sql("UPDATE foundry_keys SET revoked_from = '2026-01-01'");
  auto p = w.problems();
  REQUIRE(p.size() == 1);
  CHECK(p.begin()->first == "ROW_MISMATCH");
  CHECK(p.begin()->second == "key_revocation " + w.keyid);
}

TEST_CASE("reference leaves: the audit names a field edited behind chipreg's back in every reference table") {
  World w;
  REQUIRE(w.problems().empty());
  struct Edit {
    std::string sql;
    std::string named;  // kind ref
  };
  const std::vector<Edit> edits = {
      {"UPDATE enterprises SET in_district = 0 WHERE uscc = '" + kOem.str() + "'", "enterprise " + kOem.str()},
      {"INSERT INTO enterprise_roles(uscc, role) VALUES ('" + kOem.str() + "', 'ic_design')",
       "enterprise " + kOem.str()},
      {"UPDATE persons SET name = '王五' WHERE id = 'PER2'", "person PER2"},
      {"UPDATE family_links SET relation = 'sibling'", "family_link " + row_ref(w.family)},
      {"UPDATE equity SET pct_units = 10000", "equity " + row_ref(w.equity)},
      {"UPDATE manual_affiliations SET valid_to = '2024-06-30'", "manual_affiliation " + row_ref(w.manual)},
      {"UPDATE products SET self_developed = 0", "product " + kDesign.str() + "/P1"},
      {"UPDATE products SET first_market_date = '2023-01-01'", "product " + kDesign.str() + "/P1"},
      {"UPDATE foundry_keys SET valid_from = '2020-01-01'", "foundry_key " + w.keyid},
      {"UPDATE other_awards SET amount_fen = 1", "other_award " + row_ref(w.award)},
  };
  for (const auto& e : edits) {
    INFO(e.sql);
    w.sql("SAVEPOINT edit; " + e.sql);
    auto p = w.problems();
    REQUIRE(p.size() == 1);
    CHECK(p.begin()->first == "ROW_MISMATCH");
    CHECK(p.begin()->second == e.named);
    w.sql("ROLLBACK TO edit; RELEASE edit");
  }
  CHECK(w.problems().empty());
}

TEST_CASE("reference leaves: the audit names a row deleted, and a row inserted, behind chipreg's back") {
  World w;
  SECTION("deleted") {
    w.sql(
        "PRAGMA foreign_keys = OFF; DELETE FROM equity; DELETE FROM persons WHERE id = 'PER2'; DELETE FROM "
        "other_awards");
    auto p = w.problems();
    CHECK(p.count("ROW_MISSING") == 3);
    std::multimap<std::string, std::string> want{{"ROW_MISSING", "equity " + row_ref(w.equity)},
                                                 {"ROW_MISSING", "other_award " + row_ref(w.award)},
                                                 {"ROW_MISSING", "person PER2"}};
    for (const auto& [code, named] : want) {
      bool found = false;
      for (auto [it, end] = p.equal_range(code); it != end; ++it) found = found || it->second == named;
      CHECK(found);
    }
  }
  SECTION("inserted") {
    w.sql("INSERT INTO equity(holder_enterprise, held, pct_units, valid_from) VALUES ('" + kFab.str() + "', '" +
          kOem.str() + "', 260000, '2024-01-01')");
    w.sql("INSERT INTO products(id, kind, owner, self_developed, created_at) VALUES ('P9', 'chip', '" + kDesign.str() +
          "', 1, 'now')");
    auto p = w.problems();
    REQUIRE(p.size() == 2);
    CHECK(p.count("UNLOGGED_ROW") == 2);
    CHECK(p.find("UNLOGGED_ROW")->second.rfind("equity #", 0) == 0);
    bool product = false;
    for (auto [it, end] = p.equal_range("UNLOGGED_ROW"); it != end; ++it)
      product = product || it->second == "product " + kDesign.str() + "/P9";
    CHECK(product);
  }
}

TEST_CASE("reference leaves: migration 11 logs the reference rows a database already holds") {
  testing::TempDir dir;
  auto db = Db::open(dir.file("r.db"));
  REQUIRE(db.ok());
  REQUIRE(store::migrate(*db, 10).ok());
  REQUIRE(db->exec_script(("INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES ('" + kDesign.str() +
                           "', 'D', 1, 'now'), ('" + kOem.str() +
                           "', 'O', 1, 'now'); "
                           "INSERT INTO enterprise_roles(uscc, role) VALUES ('" +
                           kOem.str() +
                           "', 'oem'); "
                           "INSERT INTO equity(holder_enterprise, held, pct_units, valid_from) VALUES ('" +
                           kDesign.str() + "', '" + kOem.str() + "', 250000, '2024-01-01');")
                              .c_str())
              .ok());
  store::MigrationNotes notes;
  auto from = store::migrate(*db, -1, &notes);
  REQUIRE(from.ok());
  CHECK(*from == 10);
  CHECK(notes.reference_facts_logged == 3);
  CHECK(tlog::tree_size(*db).value() == 3);
  auto report = tlog::audit_log(*db);
  REQUIRE(report.ok());
  CHECK(report->at("ok").as_bool());
  // A second migration finds nothing more to log.
  store::MigrationNotes again;
  REQUIRE(store::migrate(*db, -1, &again).ok());
  CHECK(again.reference_facts_logged == 0);
}
