// Specifications of how a claim is stored (issue 15, schema migration 18): writing one
// claim's lines and evaluation reads none of the other claims' evaluations, so filing costs
// the same beside one small claim as beside many large ones.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <cstdio>

#include <boost/json.hpp>
#include <string>

#include "registry/db/sqlite.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/entries.hpp"
#include "registry/log/log.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tapeouts.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::store;

namespace {

Uscc uscc(int n) {
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "91330108%08d", n);
  auto u = Uscc::complete(prefix);
  REQUIRE(u.ok());
  return *u;
}

// A district of `buyers` OEMs (1..buyers) that each bought `lines` chips of 2025 from one
// design house (0).
void fill(Db& db, int buyers, int lines) {
  Repository repo(db);
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  REQUIRE(repo.insert_enterprise(Enterprise{uscc(0), "设计公司", true, {Role::kIcDesign}}).ok());
  REQUIRE(repo.insert_product(
                  Product{"CHIP", ProductKind::kModule, uscc(0), true, Date::ymd(2024, 6, 1), "chip_design", "M1"})
              .ok());
  for (int b = 1; b <= buyers; ++b) {
    REQUIRE(repo.insert_enterprise(Enterprise{uscc(b), "整机厂" + std::to_string(b), true, {Role::kOem}}).ok());
    for (int n = 0; n < lines; ++n) {
      Purchase p{"2433200000" + std::to_string(1000000 * b + n),
                 1,
                 Date::ymd(2025, 1 + n % 12, 1 + n % 28),
                 uscc(b),
                 uscc(0),
                 "CHIP",
                 Money::fen(1000000 + n),
                 Money::fen(130000),
                 std::nullopt,
                 std::nullopt};
      REQUIRE(repo.insert_purchase(p).ok());
    }
  }
  REQUIRE(tx->commit().ok());
}

// Pages the connection read from the file (not from its page cache) while filing the
// linkage claim of buyer `b`, with a cache of 16 pages: what the statements touched.
std::int64_t pages_read_filing(Db& db, int b) {
  REQUIRE(db.run("PRAGMA cache_size = 16").ok());
  int current = 0, highwater = 0;
  REQUIRE(sqlite3_db_status(db.raw(), SQLITE_DBSTATUS_CACHE_MISS, &current, &highwater, 1) == SQLITE_OK);
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  auto c =
      file_claim(db, ClaimFiling{RuleId::kLinkage, uscc(b).str(), 2025, LinkageGroup::kChipModule, {}, {}, {}}, "test");
  REQUIRE(c.ok());
  INFO(c->evaluation_text.substr(0, 2000));
  REQUIRE(c->eligible);
  REQUIRE(tx->commit().ok());
  REQUIRE(sqlite3_db_status(db.raw(), SQLITE_DBSTATUS_CACHE_MISS, &current, &highwater, 0) == SQLITE_OK);
  REQUIRE(db.run("PRAGMA cache_size = -2000").ok());
  return current;
}

}  // namespace

TEST_CASE("claims: filing a claim reads none of the other claims' evaluations") {
  // Six buyers of 1,500 lines each. The first claim is filed beside no other; the last
  // beside four of 1,500 lines, whose evaluations are about 300 KB each (80 pages). When the
  // evaluation sat in the WITHOUT ROWID claims row, every one of the claim's 1,500
  // claim_lines foreign-key probes compared keys with neighbouring claims' cells by reading
  // their whole overflowing records: hundreds of thousands of page reads. Now the probe
  // reads a few small pages, and the last claim reads about what the first did.
  testing::TempDir dir;
  auto opened = Db::open(dir.file("r.db"));
  REQUIRE(opened.ok());
  Db& db = *opened;
  REQUIRE(migrate(db).ok());
  constexpr int kLines = 1500;
  fill(db, 6, kLines);
  const std::int64_t first = pages_read_filing(db, 1);
  for (int b = 2; b <= 5; ++b) pages_read_filing(db, b);
  const std::int64_t last = pages_read_filing(db, 6);
  INFO("pages read: first claim " << first << ", sixth claim " << last);
  CHECK(first > 0);
  CHECK(last < 2 * first);
  CHECK(last < 10 * kLines);  // a few pages per line at most, not a neighbour's evaluation per line
}

TEST_CASE("store: migration 18 moves each evaluation out of the claims row, byte for byte") {
  testing::TempDir dir;
  auto opened = Db::open(dir.file("r.db"));
  REQUIRE(opened.ok());
  Db& db = *opened;
  REQUIRE(migrate(db, 17).ok());
  const std::string claimant = uscc(1).str();
  const std::string evaluation =
      R"j({"id":"C00000001","eligible":true,"award_fen":12,"trace":["第十二条 \"联动\""],"lines":[{"invoice":"I1","line":1}]})j";
  const std::string sql =
      "INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES ('" + claimant +
      "', '甲', 1, 'now');"
      "INSERT INTO claims(id, rule, claimant, year, grp, evaluation, created_at, evaluated_at) VALUES "
      "('C00000001', 'linkage', '" +
      claimant + "', 2025, 'chip_module', '" + evaluation +
      "', 'now', 'now'),"
      "('C00000002', 'linkage', '" +
      claimant +
      "', 2024, 'chip_module', '{}', 'now', 'now');"
      "INSERT INTO claim_summaries(claim, evaluation, line_count) VALUES ('C00000001', '{\"eligible\":true}', 1);";
  REQUIRE(db.exec_script(sql.c_str()).ok());
  // The claim's leaf, as chipreg 17 logged it from the row's evaluation.
  auto entry = tlog::claim_entry({"C00000001", "linkage", claimant, 2025, std::string("chip_module"), std::nullopt,
                                  std::nullopt, std::nullopt, evaluation, std::nullopt});
  REQUIRE(entry.ok());
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    auto index = tlog::append(db, tlog::EntryKind::kClaim, "C00000001", *entry, {claimant});
    REQUIRE(index.ok());
    REQUIRE(
        db.exec_script(("UPDATE claims SET log_index = " + std::to_string(*index) + " WHERE id = 'C00000001'").c_str())
            .ok());
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(migrate(db).ok());
  // The leaf still verifies against the text it now reads from claim_evaluations (the rows
  // written raw above have no leaves: the audit names them, and only them), and a changed
  // text there is reported.
  auto report = tlog::audit_log(db);
  REQUIRE(report.ok());
  const std::string unlogged = boost::json::serialize(report->at("problems"));
  CHECK(unlogged.find("\"UNLOGGED_ROW\",\"kind\":\"claim\",\"ref\":\"C00000002\"") != std::string::npos);
  CHECK(unlogged.find("C00000001") == std::string::npos);
  REQUIRE(db.exec_script("UPDATE claim_evaluations SET evaluation = '{}' WHERE claim = 'C00000001'").ok());
  auto tampered = tlog::audit_log(db);
  REQUIRE(tampered.ok());
  CHECK(boost::json::serialize(tampered->at("problems")).find("C00000001") != std::string::npos);
  REQUIRE(db.exec_script(
                ("UPDATE claim_evaluations SET evaluation = '" + evaluation + "' WHERE claim = 'C00000001'").c_str())
              .ok());

  auto whole = get_claim(db, "C00000001");
  REQUIRE(whole.ok());
  REQUIRE(*whole);
  CHECK((*whole)->evaluation_text == evaluation);
  auto empty = get_claim(db, "C00000002");
  REQUIRE(empty.ok());
  REQUIRE(*empty);
  CHECK((*empty)->evaluation_text == "{}");
  auto summary = get_claim(db, "C00000001", ClaimView::kSummary);
  REQUIRE(summary.ok());
  CHECK((*summary)->evaluation_text == R"({"eligible":true})");
  CHECK((*summary)->line_count == 1);

  auto column = db.prepare("SELECT count(*) FROM pragma_table_info('claims') WHERE name = 'evaluation'");
  REQUIRE(column.ok());
  REQUIRE(column->step().ok());
  CHECK(column->int64(0) == 0);
  // Both texts now name their claim by a foreign key, which a claim that does not exist fails.
  CHECK_FALSE(db.exec_script("INSERT INTO claim_evaluations(claim, evaluation) VALUES ('C00000009', '{}')").ok());
  CHECK_FALSE(
      db.exec_script("INSERT INTO claim_summaries(claim, evaluation, line_count) VALUES ('C00000009', '{}', 0)").ok());
}

TEST_CASE("store: migration 19 moves each tape-out's envelope out of its row, byte for byte") {
  testing::TempDir dir;
  auto opened = Db::open(dir.file("r.db"));
  REQUIRE(opened.ok());
  Db& db = *opened;
  REQUIRE(migrate(db, 18).ok());
  const std::string fab = uscc(1).str(), design = uscc(2).str();
  const std::string envelope = R"j({"payload":"eyJ9","payloadType":"application/vnd.in-toto+json","signatures":[]})j";
  const std::string sql =
      "INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES ('" + fab + "', '代工厂', 1, 'now'), ('" +
      design +
      "', '设计公司', 1, 'now');"
      "INSERT INTO products(id, kind, owner, self_developed, created_at) VALUES ('CHIP', 'chip', '" +
      design +
      "', 1, 'now');"
      "INSERT INTO foundry_keys(keyid, foundry, alg, public_key_pem, valid_from, created_at) VALUES ('" +
      std::string(64, 'a') + "', '" + fab +
      "', 'ed25519', 'unused', '2024-01-01', 'now');"
      "INSERT INTO tapeouts(id, envelope, envelope_sha256, keyid, product, foundry, design_owner, date, kind, "
      "design_digest, cost_fen, created_at, product_owner) VALUES ('T1', '" +
      envelope + "', '" + std::string(64, 'b') + "', '" + std::string(64, 'a') + "', 'CHIP', '" + fab + "', '" +
      design + "', '2024-08-01', 'mpw', '" + std::string(64, 'c') + "', 0, '2024-08-02T00:00:00.000Z', '" + design +
      "');";
  REQUIRE(db.exec_script(sql.c_str()).ok());
  auto entry = tlog::tapeout_entry("T1", envelope);
  REQUIRE(entry.ok());
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    auto index = tlog::append(db, tlog::EntryKind::kTapeout, "T1", *entry, {fab, design});
    REQUIRE(index.ok());
    REQUIRE(db.exec_script(("UPDATE tapeouts SET log_index = " + std::to_string(*index)).c_str()).ok());
    REQUIRE(tx->commit().ok());
  }
  REQUIRE(migrate(db).ok());

  auto fact = tapeout_log_fact(db, "T1");
  REQUIRE(fact.ok());
  REQUIRE(*fact);
  CHECK(boost::json::serialize((**fact).at("envelope")) == envelope);
  auto found = find_tapeout(db, "T1");
  INFO((found.ok() ? std::string() : found.error().message));
  REQUIRE(found.ok());
  REQUIRE(*found);
  CHECK((*found)->envelope == envelope);
  auto column = db.prepare("SELECT count(*) FROM pragma_table_info('tapeouts') WHERE name = 'envelope'");
  REQUIRE(column.ok());
  REQUIRE(column->step().ok());
  CHECK(column->int64(0) == 0);
  // The leaf verifies against the moved text; a changed text is reported.
  auto report = tlog::audit_log(db);
  REQUIRE(report.ok());
  CHECK(boost::json::serialize(report->at("problems")).find("T1") == std::string::npos);
  REQUIRE(db.exec_script("UPDATE tapeout_envelopes SET envelope = '{}'").ok());
  auto tampered = tlog::audit_log(db);
  REQUIRE(tampered.ok());
  CHECK(boost::json::serialize(tampered->at("problems")).find("\"ref\":\"T1\"") != std::string::npos);
}
