// Specifications of the store's query plans: every statement the import, write and claim
// paths compile is planned on an index, never as a full scan of a table that grows with the registry, and
// never on an index of a column compared with IS (a NULL binding there matches every row the
// column is NULL in).
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "crypto/dsse.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/foundry_keys.hpp"
#include "registry/store/notifications.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tapeouts.hpp"
#include "registry/store/tokens.hpp"
#include "registry/store/voids.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::store;

namespace {

const std::set<std::string> kGrowing = {"enterprises",
                                        "enterprise_roles",
                                        "persons",
                                        "family_links",
                                        "equity",
                                        "manual_affiliations",
                                        "products",
                                        "tapeouts",
                                        "purchases",
                                        "claims",
                                        "claim_lines",
                                        "claim_facts",
                                        "log_entries",
                                        "log_nodes",
                                        "voids",
                                        "invoice_status",
                                        "other_awards",
                                        "decisions",
                                        "claim_line_verdicts",
                                        "claim_summaries",
                                        "claim_evaluations",
                                        "tapeout_envelopes",
                                        "tokens",
                                        "audit_log",
                                        "notifications",
                                        "webhook_deliveries"};

// The plan's detail lines for `sql`.
std::vector<std::string> plan_of(Db& db, const std::string& sql) {
  auto st = db.prepare("EXPLAIN QUERY PLAN " + sql);
  REQUIRE(st.ok());
  std::vector<std::string> out;
  while (true) {
    auto row = st->step();
    REQUIRE(row.ok());
    if (!*row) break;
    out.push_back(st->text(3));
  }
  return out;
}

// The tables `sql` names after FROM or JOIN, each under its own name and its alias (the
// plan names a table by its alias).
std::set<std::string> growing_names(const std::string& sql) {
  static const std::regex named(R"(\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?)", std::regex::icase);
  static const std::set<std::string> keywords = {"WHERE",  "SET",    "ON",    "JOIN",  "LEFT",
                                                 "INNER",  "CROSS",  "ORDER", "GROUP", "LIMIT",
                                                 "VALUES", "SELECT", "USING", "AND",   "OR"};
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), named); it != std::sregex_iterator(); ++it) {
    const std::string table = (*it)[1].str();
    if (!kGrowing.count(table)) continue;
    out.insert(table);
    std::string alias = (*it)[2].str();
    std::string upper = alias;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (!alias.empty() && !keywords.count(upper)) out.insert(alias);
  }
  return out;
}

// What is wrong with `sql`'s plan, or "" when it scales.
std::string plan_problem(Db& db, const std::string& sql) {
  const auto plan = plan_of(db, sql);
  const auto growing = growing_names(sql);
  static const std::regex scan(R"(^SCAN (\w+))");
  static const std::regex is_cmp(R"((\w+) IS (\?|NULL))", std::regex::icase);
  for (const auto& d : plan) {
    std::smatch m;
    if (std::regex_search(d, m, scan) && (kGrowing.count(m[1].str()) || growing.count(m[1].str()))) {
      return "full scan: " + d;
    }
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), is_cmp); it != std::sregex_iterator(); ++it) {
      const std::string col = (*it)[1].str();
      if (d.find("(" + col + "=?") != std::string::npos || d.find(" " + col + "=?") != std::string::npos) {
        return "index on a column compared with IS: " + d;
      }
    }
  }
  return "";
}

Uscc uscc(const char* prefix16) {
  auto u = Uscc::complete(prefix16);
  REQUIRE(u.ok());
  return *u;
}

// The n-th enterprise of a generated district.
Uscc uscc(int n) {
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "91330108%08d", n);
  return uscc(prefix);
}

// A migrated database that records in `compiled` the SQL of each statement it compiles.
Db recording_db(const testing::TempDir& dir, std::vector<std::string>& compiled) {
  auto opened = Db::open(dir.file("t.db"));
  REQUIRE(opened.ok());
  Db db = std::move(*opened);
  REQUIRE(migrate(db).ok());
  db.set_compile_observer([&compiled](std::string_view sql) { compiled.emplace_back(sql); });
  return db;
}

// Stops `db` recording (the EXPLAINs compile statements too, and would grow `compiled`
// while it is iterated) and checks the plan of each statement in `compiled`.
void check_plans(Db& db, const std::vector<std::string>& compiled) {
  db.set_compile_observer({});
  for (const auto& sql : compiled) {
    INFO(sql);
    CHECK(plan_problem(db, sql) == "");
  }
}

bool compiled_one(const std::vector<std::string>& compiled, const std::string& fragment) {
  for (const auto& sql : compiled) {
    if (sql.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("query plans: the plan check sees the old equity duplicate check and a full scan") {
  testing::TempDir dir;
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  REQUIRE(migrate(*db).ok());
  const std::string old_check =
      "SELECT 1 FROM equity WHERE holder_enterprise IS ? AND holder_person IS ? AND held = ? AND valid_from = ?";
  // Since migration 21 the holder indexes are partial (IS NOT NULL), which an IS comparison
  // cannot use: the old check is planned on held. Put back migration 1's index on
  // holder_person and the planner takes it for `holder_person IS ?`, which the check sees.
  CHECK(plan_problem(*db, old_check).empty());
  REQUIRE(db->run("CREATE INDEX equity_by_holder_person ON equity(holder_person)").ok());
  REQUIRE(db->run("ANALYZE").ok());
  CHECK_FALSE(plan_problem(*db, old_check).empty());
  REQUIRE(db->run("DROP INDEX equity_by_holder_person").ok());
  CHECK_FALSE(plan_problem(*db, "SELECT 1 FROM purchases WHERE seller = ?").empty());
  CHECK(plan_problem(*db, "SELECT 1 FROM purchases WHERE buyer = ? AND invoice = ? AND line = ?").empty());
  // An invoice line is its buyer's: no index serves a lookup without the buyer.
  CHECK_FALSE(plan_problem(*db, "SELECT 1 FROM purchases WHERE invoice = ? AND line = ?").empty());
  // A table is named by its alias in the plan.
  CHECK_FALSE(plan_problem(*db, "SELECT 1 FROM claims c WHERE c.status = ? OR c.year = ?").empty());
  CHECK_FALSE(plan_problem(*db, "SELECT 1 FROM claims AS c JOIN purchases p ON p.buyer = c.claimant").empty());
}

TEST_CASE("query plans: every statement an import of each kind compiles is indexed") {
  testing::TempDir dir;
  std::vector<std::string> compiled;
  Db db = recording_db(dir, compiled);

  Repository repo(db);
  const Uscc a = uscc("9133010800000001"), b = uscc("9133010800000002");
  REQUIRE(repo.insert_enterprise(Enterprise{a, "甲公司", true, {Role::kOem}}).ok());
  REQUIRE(repo.insert_enterprise(Enterprise{b, "乙公司", true, {Role::kIcDesign}}).ok());
  REQUIRE(repo.insert_person(Person{"P1", "张三"}).ok());
  REQUIRE(repo.insert_person(Person{"P2", "李四"}).ok());
  REQUIRE(repo.insert_family_link(FamilyLink{"P1", "P2", FamilyRelation::kSpouse}).ok());
  const Validity from{Date::ymd(2024, 1, 1), std::nullopt};
  REQUIRE(repo.insert_equity(EquityEdge{a.str(), false, b, Rate::percent(30), from}).ok());
  REQUIRE(repo.insert_equity(EquityEdge{"P1", true, a, Rate::percent(60), from}).ok());
  // Each duplicate is found by its own form of the check.
  CHECK(repo.insert_equity(EquityEdge{a.str(), false, b, Rate::percent(30), from}).error().code == "DUPLICATE");
  CHECK(repo.insert_equity(EquityEdge{"P1", true, a, Rate::percent(60), from}).error().code == "DUPLICATE");
  CHECK(repo.insert_equity(EquityEdge{"P1", true, b, Rate::percent(10), from}).ok());
  REQUIRE(repo.insert_manual_affiliation(ManualAffiliation{a, b, from, "同一实际控制人"}).ok());
  REQUIRE(repo.insert_product(Product{"PR1", ProductKind::kChip, b, true, std::nullopt, "", "X1"}).ok());

  REQUIRE(compiled.size() >= 10);
  check_plans(db, compiled);
  CHECK(compiled_one(compiled, "FROM equity WHERE holder_enterprise = ?"));
}

TEST_CASE("query plans: every statement the purchase, claim and token paths compile is indexed, after ANALYZE") {
  testing::TempDir dir;
  std::vector<std::string> compiled;
  Db db = recording_db(dir, compiled);

  // A small district: 200 enterprises (0 the claimant, 1..40 design houses with two
  // products each), an ownership chain with persons and families, 80 manual affiliations,
  // 1,200 lines of 2025 of which the claimant bought 400 (one reversed by a red line, one
  // invoice void), and 150 other buyers' claims.
  // The paths run before ANALYZE (what they compile is recorded either way) and are
  // planned after it, on its statistics.
  Repository repo(db);
  const Validity from{Date::ymd(2024, 1, 1), std::nullopt};
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 0; i < 200; ++i) {
      const Role role = i == 0 ? Role::kOem : i <= 40 ? Role::kIcDesign : Role::kOem;
      REQUIRE(repo.insert_enterprise(Enterprise{uscc(i), "企业" + std::to_string(i), i % 7 != 6, {role}}).ok());
    }
    for (int i = 0; i < 40; ++i) {
      REQUIRE(repo.insert_person(Person{"P" + std::to_string(i), "自然人" + std::to_string(i)}).ok());
      if (i % 2 == 1) {
        REQUIRE(repo.insert_family_link(
                        FamilyLink{"P" + std::to_string(i - 1), "P" + std::to_string(i), FamilyRelation::kSpouse})
                    .ok());
      }
    }
    for (int i = 1; i < 200; ++i) {
      REQUIRE(
          repo.insert_equity(EquityEdge{uscc((i * 7 + 1) % 200).str(), false, uscc(i), Rate::percent(5 + i % 20), from})
              .ok());
      REQUIRE(
          repo.insert_equity(EquityEdge{"P" + std::to_string(i % 40), true, uscc(i), Rate::percent(10), from}).ok());
    }
    REQUIRE(repo.insert_manual_affiliation(ManualAffiliation{uscc(0), uscc(3), from, "同一实际控制人"}).ok());
    for (int i = 41; i < 200; i += 2) {
      REQUIRE(
          repo.insert_manual_affiliation(ManualAffiliation{uscc(i), uscc(1 + i % 40), from, "同一实际控制人"}).ok());
    }
    for (int i = 1; i <= 40; ++i) {
      for (int k = 0; k < 2; ++k) {
        const std::string id = "PR" + std::to_string(i) + "-" + std::to_string(k);
        REQUIRE(repo.insert_product(Product{id, k == 0 ? ProductKind::kChip : ProductKind::kModule, uscc(i), true,
                                            Date::ymd(2024, 6, 1), "chip_design", "M" + id})
                    .ok());
      }
    }
    for (int n = 0; n < 1200; ++n) {
      const int seller = 1 + n % 40;
      const int buyer = n % 3 == 0 ? 0 : 41 + n % 150;
      Purchase p{"2433200000000" + std::to_string(1000000 + n),
                 1,
                 Date::ymd(2025, 1 + n % 12, 1 + n % 28),
                 uscc(buyer),
                 uscc(seller),
                 "PR" + std::to_string(seller) + "-" + std::to_string(n % 2),
                 Money::fen(10000000 + n),
                 Money::fen(1300000),
                 std::nullopt,
                 std::nullopt};
      REQUIRE(repo.insert_purchase(p).ok());
    }
    // The other buyers' claims, a third of them rejected.
    for (int i = 41; i < 191; ++i) {
      ClaimFiling f{RuleId::kLinkage, uscc(i).str(), 2025, LinkageGroup::kChipModule, {}, {}, {}};
      auto c = file_claim(db, f, "test");
      REQUIRE(c.ok());
      if (i % 3 == 0) REQUIRE(decide_claim(db, c->id, DecisionInput{true, 0, "驳回"}, "reviewer").ok());
    }
    REQUIRE(tx->commit().ok());
  }

  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    // A red line against one of the claimant's lines, and a void.
    Purchase red{"24332000009990001",
                 1,
                 Date::ymd(2025, 6, 1),
                 uscc(0),
                 uscc(1),
                 "PR1-0",
                 Money::fen(-50000),
                 Money::fen(-6500),
                 InvoiceLineRef{"24332000000001000000", 1},
                 std::nullopt};
    REQUIRE(repo.insert_purchase(red).ok());
    ClaimFiling f{RuleId::kLinkage, uscc(0).str(), 2025, LinkageGroup::kChipModule, {}, {}, {}};
    auto c = file_claim(db, f, "test");
    REQUIRE(c.ok());
    CHECK(c->eligible);
    REQUIRE(void_invoice(db, uscc(0).str(), "24332000000001000003", Date::ymd(2025, 7, 1), "test", "test").ok());
    REQUIRE(reevaluate_claim(db, c->id, "reviewer").ok());
    auto decided = decide_claim(db, c->id, DecisionInput{false, 100, "核准"}, "reviewer");
    REQUIRE(decided.ok());
    auto summary = get_claim(db, c->id, ClaimView::kSummary);
    REQUIRE(summary.ok());
    REQUIRE(*summary);
    REQUIRE((*summary)->line_count.has_value());
    auto claimant = claimant_of(db, c->id);
    REQUIRE(claimant.ok());
    CHECK(*claimant == uscc(0).str());
    auto page = claim_lines_page(db, c->id, 10, 50);
    REQUIRE(page.ok());
    CHECK(page->size() == 50);
    for (const ClaimFilter& filter : {ClaimFilter{}, ClaimFilter{"submitted", {}, {}, {}, 10, false},
                                      ClaimFilter{{}, uscc(0).str(), 2025, c->id, 10, false}}) {
      REQUIRE(list_claims(db, filter).ok());
    }
    auto secret = create_token(db, "enterprise", uscc(0).str(), "t");
    REQUIRE(secret.ok());
    auto found = find_token(db, *secret);
    REQUIRE(found.ok());
    CHECK(found->has_value());
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(db.run("ANALYZE").ok());
  check_plans(db, compiled);
  for (const char* fragment : {"FROM claim_line_verdicts WHERE claim = ?1 AND seq > ?2", "INSERT INTO claim_lines",
                               "FROM purchases", "FROM equity", "FROM tokens", "INSERT INTO claims",
                               "FROM json_each(?1) j JOIN tapeouts t", "LEFT JOIN products pr"}) {
    INFO(fragment);
    CHECK(compiled_one(compiled, fragment));
  }
}

TEST_CASE("query plans: a revocation's impact on tape-out and linkage claims is read by index") {
  testing::TempDir dir;
  std::vector<std::string> compiled;
  Db db = recording_db(dir, compiled);
  Repository repo(db);
  // A foundry (0), 30 design houses (1..30) with a chip each, taped out under one key, and
  // 120 buyers (31..150) that each bought two houses' chips and filed a linkage claim.
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 0; i <= 150; ++i) {
      const Role role = i == 0 ? Role::kFoundry : i <= 30 ? Role::kIcDesign : Role::kOem;
      REQUIRE(repo.insert_enterprise(Enterprise{uscc(i), "企业" + std::to_string(i), true, {role}}).ok());
    }
    const std::string keyid(64, 'a');
    auto key = db.prepare(
        "INSERT INTO foundry_keys(keyid, foundry, alg, public_key_pem, valid_from, created_at) "
        "VALUES (?1, ?2, 'ed25519', 'unused', '2024-01-01', '2024-01-01T00:00:00.000Z')");
    REQUIRE(key.ok());
    key->bind(1, keyid).bind(2, uscc(0).str());
    REQUIRE(key->exec().ok());
    auto tapeout = db.prepare(
        "INSERT INTO tapeouts(id, envelope_sha256, keyid, product, foundry, design_owner, date, kind, "
        "design_digest, cost_fen, created_at, product_owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2024-08-01', "
        "'mpw', ?2, 0, '2024-08-02T00:00:00.000Z', ?6)");
    REQUIRE(tapeout.ok());
    for (int i = 1; i <= 30; ++i) {
      const std::string product = "CHIP" + std::to_string(i);
      REQUIRE(repo.insert_product(Product{product, ProductKind::kChip, uscc(i), true, Date::ymd(2024, 9, 1),
                                          "chip_design", "M" + product})
                  .ok());
      char digest[65];
      std::snprintf(digest, sizeof digest, "%064d", i);
      tapeout->reset();
      tapeout->bind(1, "T" + std::to_string(i)).bind(2, std::string(digest)).bind(3, keyid).bind(4, product);
      tapeout->bind(5, uscc(0).str()).bind(6, uscc(i).str());
      REQUIRE(tapeout->exec().ok());
    }
    for (int b = 31; b <= 150; ++b) {
      for (int k = 0; k < 2; ++k) {
        const int seller = 1 + (b * 2 + k) % 30;
        Purchase p{"2433200000000" + std::to_string(1000000 + b * 2 + k),
                   1,
                   Date::ymd(2025, 3, 1),
                   uscc(b),
                   uscc(seller),
                   "CHIP" + std::to_string(seller),
                   Money::fen(250000000),
                   Money::fen(32500000),
                   std::nullopt,
                   std::nullopt};
        REQUIRE(repo.insert_purchase(p).ok());
      }
      ClaimFiling f{RuleId::kLinkage, uscc(b).str(), 2025, LinkageGroup::kChipModule, {}, {}, {}};
      auto c = file_claim(db, f, "test");
      REQUIRE(c.ok());
      CHECK(c->eligible);
    }
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(db.run("ANALYZE").ok());
  compiled.clear();
  auto key = find_foundry_key(db, std::string(64, 'a'));
  REQUIRE(key.ok());
  REQUIRE(key->has_value());
  auto impact = revocation_impact(db, **key, Date::ymd(2024, 6, 1));
  REQUIRE(impact.ok());
  CHECK(impact->tapeouts.size() == 30);
  REQUIRE(impact->claims.size() == 120);  // every buyer's claim counted a chip of the key
  CHECK(impact->claims.front().rule == "linkage");
  check_plans(db, compiled);
  CHECK(compiled_one(compiled, "JOIN claim_lines cl ON cl.purchase = p.id"));
}

TEST_CASE(
    "query plans: the tape-out, preview, facts bundle and the other HTTP write paths are indexed, after ANALYZE") {
  testing::TempDir dir;
  std::vector<std::string> compiled;
  Db db = recording_db(dir, compiled);
  Repository repo(db);
  const Validity from{Date::ymd(2024, 1, 1), std::nullopt};
  // A foundry (0) with a registered key, 60 design houses (1..60) each with a chip taped
  // out under it and a module, 100 terminal makers (61..160) buying them; persons holding
  // the houses; makers 61..150 file a linkage claim.
  crypto::PrivateKey key = *crypto::PrivateKey::generate(crypto::Alg::kEd25519);
  std::vector<std::string> tapeouts;
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 0; i <= 160; ++i) {
      const Role role = i == 0 ? Role::kFoundry : i <= 60 ? Role::kIcDesign : Role::kOem;
      REQUIRE(repo.insert_enterprise(Enterprise{uscc(i), "企业" + std::to_string(i), true, {role}}).ok());
    }
    for (int i = 0; i < 30; ++i) {
      REQUIRE(repo.insert_person(Person{"P" + std::to_string(i), "自然人" + std::to_string(i)}).ok());
    }
    for (int i = 1; i <= 60; ++i) {
      REQUIRE(
          repo.insert_equity(EquityEdge{"P" + std::to_string(i % 30), true, uscc(i), Rate::percent(40), from}).ok());
      REQUIRE(repo.insert_product(Product{"CHIP" + std::to_string(i), ProductKind::kChip, uscc(i), true,
                                          Date::ymd(2024, 9, 1), "chip_design", "C" + std::to_string(i)})
                  .ok());
      REQUIRE(repo.insert_product(Product{"MOD" + std::to_string(i), ProductKind::kModule, uscc(i), true,
                                          Date::ymd(2024, 9, 1), "chip_design", "M" + std::to_string(i)})
                  .ok());
    }
    REQUIRE(register_foundry_key(db, {uscc(0).str(), "ed25519", key.public_key().to_pem(), "2024-01-01", std::nullopt},
                                 "2024-01-01T00:00:00Z")
                .ok());
    for (int i = 1; i <= 60; ++i) {
      char digest[65];
      std::snprintf(digest, sizeof digest, "%064d", i);
      boost::json::object pred{{"foundry", uscc(0).str()},
                               {"design_owner", uscc(i).str()},
                               {"product", "CHIP" + std::to_string(i)},
                               {"date", "2024-08-01"},
                               {"kind", "mpw"},
                               {"cost_fen", 800000000},
                               {"mask_set_id", "MS" + std::to_string(i)}};
      boost::json::object st{
          {"_type", "https://in-toto.io/Statement/v1"},
          {"subject", boost::json::array{boost::json::object{{"name", "top.gds"},
                                                             {"digest", boost::json::object{{"sha256", digest}}}}}},
          {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
          {"predicate", pred}};
      auto env = crypto::dsse::sign(crypto::dsse::kInTotoPayloadType, boost::json::serialize(st), key);
      REQUIRE(env.ok());
      auto accepted = submit_tapeout(db, crypto::dsse::serialize(*env), uscc(0), "2024-08-02T08:00:00Z");
      REQUIRE(accepted.ok());
      tapeouts.push_back(accepted->id);
    }
    for (int b = 61; b <= 160; ++b) {
      for (int k = 0; k < 4; ++k) {
        const int seller = 1 + (b * 4 + k) % 60;
        Purchase p{"2433200000000" + std::to_string(1000000 + b * 4 + k),
                   1,
                   Date::ymd(2025, 1 + k, 1),
                   uscc(b),
                   uscc(seller),
                   (k % 2 == 0 ? "CHIP" : "MOD") + std::to_string(seller),
                   Money::fen(250000000),
                   Money::fen(32500000),
                   std::nullopt,
                   std::nullopt};
        REQUIRE(repo.insert_purchase(p).ok());
      }
      if (b > 150) continue;  // 151..160 have filed nothing: their claims are previewed
      ClaimFiling f{RuleId::kLinkage, uscc(b).str(), 2025, LinkageGroup::kChipModule, {}, {}, {}};
      auto c = file_claim(db, f, "test");
      REQUIRE(c.ok());
      // Decisions, family links and manual affiliations enough that ANALYZE does not plan
      // them as tiny tables (a scan of a one-row table is the planner's right choice).
      if (b <= 100) REQUIRE(decide_claim(db, c->id, DecisionInput{b % 2 == 0, 100, "决定"}, "reviewer").ok());
      REQUIRE(
          repo.insert_manual_affiliation(ManualAffiliation{uscc(b), uscc(1 + b % 60), from, "同一实际控制人"}).ok());
    }
    for (int i = 0; i + 1 < 30; i += 2) {
      REQUIRE(repo.insert_family_link(
                      FamilyLink{"P" + std::to_string(i), "P" + std::to_string(i + 1), FamilyRelation::kSpouse})
                  .ok());
    }
    REQUIRE(tx->commit().ok());
  }
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    // The HTTP write paths not met above: manual affiliation, family, other award, audit
    // row, platform status, a second tape-out of a product.
    REQUIRE(repo.insert_person(Person{"Q1", "王五"}).ok());
    REQUIRE(repo.insert_family_link(FamilyLink{"P2", "Q1", FamilyRelation::kSibling}).ok());
    REQUIRE(repo.insert_manual_affiliation(ManualAffiliation{uscc(121), uscc(5), from, "同一实际控制人"}).ok());
    const ClaimFiling linkage{RuleId::kLinkage, uscc(155).str(), 2025, LinkageGroup::kChipModule, {}, {}, {}};
    auto preview = preview_claim(db, linkage);
    REQUIRE(preview.ok());
    auto mine = list_claims(db, ClaimFilter{{}, uscc(121).str(), 2025, {}, 10, false});
    REQUIRE(mine.ok());
    REQUIRE(mine->size() == 1);
    const std::string claim = mine->front().id;
    REQUIRE(insert_other_award(db, OtherAward{claim, "province", Money::fen(100000)}, "test").ok());
    REQUIRE(set_platform_status(db, uscc(61).str(), "24332000000001000244", "已红冲-部分", "test", "test").ok());
    auto facts = claim_facts(db, claim);
    REQUIRE(facts.ok());
    REQUIRE(facts->has_value());
    REQUIRE(reevaluate_claim(db, claim, "reviewer").ok());
    auto full = get_claim(db, claim, ClaimView::kFull);
    REQUIRE(full.ok());
    REQUIRE(full->has_value());
    // A tape-out claim by a design house, evaluated, previewed and decided.
    const ClaimFiling tapeout{RuleId::kTapeout, uscc(7).str(), 0, std::nullopt, tapeouts[6], {}, {}};
    REQUIRE(preview_claim(db, tapeout).ok());
    auto t = file_claim(db, tapeout, "test");
    REQUIRE(t.ok());
    REQUIRE(claim_facts(db, t->id).ok());
    REQUIRE(decide_claim(db, t->id, DecisionInput{false, 100, "核准"}, "reviewer").ok());
    REQUIRE(audit(db, "test", "claim.decide", t->id).ok());
    auto record = find_tapeout(db, tapeouts[6]);
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    REQUIRE(tx->commit().ok());
  }
  // Everything above is planned on the statistics of the district it ran on.
  REQUIRE(db.run("ANALYZE").ok());
  check_plans(db, compiled);
  for (const char* fragment :
       {"FROM tapeouts", "INSERT INTO tapeouts", "INSERT INTO other_awards", "INSERT INTO manual_affiliations",
        "INSERT INTO family_links", "FROM claim_facts", "INSERT INTO decisions"}) {
    INFO(fragment);
    CHECK(compiled_one(compiled, fragment));
  }
}

TEST_CASE("query plans: the event feed, webhook queue and dead letters are read and written by index, after ANALYZE") {
  testing::TempDir dir;
  std::vector<std::string> compiled;
  Db db = recording_db(dir, compiled);
  Repository repo(db);
  std::int64_t last = 0;
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 1; i <= 60; ++i) {
      REQUIRE(repo.insert_enterprise(Enterprise{uscc(i), "企业" + std::to_string(i), true, {Role::kOem}}).ok());
    }
    for (int i = 1; i <= 30; ++i) REQUIRE(set_webhook(db, uscc(i).str(), "http://127.0.0.1:9/h", "admin").ok());
    for (int round = 0; round < 8; ++round) {
      for (int i = 1; i <= 60; ++i) {
        auto id = notify(db, uscc(i).str(), NotificationKind::kDecision, "C" + std::to_string(round),
                         boost::json::object{{"round", round}});
        REQUIRE(id.ok());
        last = *id;
      }
    }
    REQUIRE(tx->commit().ok());
  }
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    auto due = due_deliveries(db, std::numeric_limits<std::int64_t>::max(), 50);
    REQUIRE(due.ok());
    REQUIRE(due->size() == 50);
    for (std::size_t k = 0; k < due->size(); ++k) {
      const auto id = (*due)[k].event.id;
      if (k % 3 == 0)
        REQUIRE(record_delivered(db, id, 200).ok());
      else
        REQUIRE(record_failed(db, id, "HTTP 500", 500, k % 3 == 1, 1000).ok());
    }
    REQUIRE(list_deliveries(db, uscc(2).str(), "dead", 0, 10).ok());
    REQUIRE(requeue_dead(db, uscc(2).str(), 0, "admin").ok());
    REQUIRE(get_webhook(db, uscc(3).str()).ok());
    REQUIRE(delete_webhook(db, uscc(4).str(), "admin").ok());
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(list_notifications(db, {uscc(7).str(), 0, 100}).ok());
  REQUIRE(list_notifications(db, {std::nullopt, last - 10, 100}).ok());
  REQUIRE(db.run("ANALYZE").ok());
  check_plans(db, compiled);
  for (const char* fragment :
       {"INSERT INTO notifications", "INSERT INTO webhook_deliveries", "FROM notifications WHERE id",
        "FROM webhook_deliveries d JOIN notifications", "UPDATE webhook_deliveries SET state = 'delivered'",
        "UPDATE webhook_deliveries SET state = ?2", "WHERE enterprise = ?1 AND state = ?2",
        "UPDATE webhook_deliveries SET state = 'pending'", "DELETE FROM webhook_deliveries"}) {
    INFO(fragment);
    CHECK(compiled_one(compiled, fragment));
  }
  // The two reads that must not walk other enterprises' rows or other states: one
  // enterprise's feed is a range of notifications_by_enterprise, the queue a range of the
  // partial index of pending deliveries.
  for (const auto& sql : compiled) {
    if (sql.find("FROM notifications WHERE id > ?1 AND enterprise = ?2") != std::string::npos) {
      const auto plan = plan_of(db, sql);
      INFO(sql);
      REQUIRE(!plan.empty());
      CHECK(plan[0].find("notifications_by_enterprise") != std::string::npos);
    }
    if (sql.find("FROM webhook_deliveries d JOIN notifications") != std::string::npos) {
      const auto plan = plan_of(db, sql);
      INFO(sql);
      REQUIRE(!plan.empty());
      CHECK(plan[0].find("webhook_deliveries_due") != std::string::npos);
    }
  }
}
