// The SQLite-backed log: agrees with the pure tree, appends inside the caller's
// transaction, answers the /v1/log endpoints with the documented errors, keeps its key.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <boost/json.hpp>

#include <random>
#include <set>
#include <string>

#include "api/log_answers.hpp"
#include "crypto/encoding.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/schema.hpp"
#include "support/log_leaves.hpp"
#include "support/temp_dir.hpp"

// Undoes schema migration 4, for tests that rebuild an older layout and migrate again.
// Undoes migrations 6 (the other clauses' facts; its enterprise_roles rebuild is redone
// as is) and 4.
static constexpr const char* kUndoMigration4 =
    "DROP TABLE claim_line_verdicts; DROP TABLE claim_summaries; "
    "DROP TABLE dataset_calls; DROP TABLE datasets; DROP TABLE rd_declarations; DROP TABLE signoff_participants; "
    "DROP TABLE compute_contracts; DROP TABLE data_trades; DROP TABLE platform_recognitions; "
    "DROP TABLE platform_expenses; DROP TABLE events; "
    "DROP TABLE voids; DROP TABLE invoice_status; DROP TABLE claim_facts; ALTER TABLE claims DROP COLUMN stale; ALTER "
    "TABLE claims DROP COLUMN overpaid_fen; DROP INDEX family_links_by_b; DROP INDEX manual_affiliations_by_pair; ";

// Undoes migrations 18 and 19 (each claim's evaluation and each tape-out's envelope in its
// own rowid table): the texts go back into their rows.
static constexpr const char* kUndoMigrations18And19 =
    "ALTER TABLE tapeouts ADD COLUMN envelope TEXT; "
    "UPDATE tapeouts SET envelope = (SELECT e.envelope FROM tapeout_envelopes e WHERE e.tapeout = tapeouts.id); "
    "DROP TABLE tapeout_envelopes; "
    "ALTER TABLE claims ADD COLUMN evaluation TEXT NOT NULL DEFAULT '{}'; "
    "UPDATE claims SET evaluation = (SELECT e.evaluation FROM claim_evaluations e WHERE e.claim = claims.id) "
    " WHERE id IN (SELECT claim FROM claim_evaluations); "
    "DROP TABLE claim_evaluations; ";

// Undoes migration 15 (products keyed by owner, lines by buyer): the three tables in
// their layout before it (the data here has no two owners of one product id).
static constexpr const char* kUndoMigration15 =
    "PRAGMA foreign_keys = OFF; "
    "CREATE TABLE products_u (id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, "
    " self_developed INTEGER NOT NULL, first_market_date TEXT, focus_area TEXT NOT NULL DEFAULT '', model TEXT, "
    " created_at TEXT NOT NULL, log_index INTEGER, UNIQUE (owner, model)) WITHOUT ROWID; "
    "INSERT INTO products_u SELECT id, kind, owner, self_developed, first_market_date, focus_area, model, created_at, "
    " log_index FROM products; "
    "CREATE TABLE purchases_u (id INTEGER PRIMARY KEY, invoice TEXT NOT NULL, line INTEGER NOT NULL, date TEXT NOT "
    "NULL, "
    " buyer TEXT NOT NULL, seller TEXT NOT NULL, product TEXT NOT NULL REFERENCES products(id), "
    " amount_fen INTEGER NOT NULL, tax_fen INTEGER NOT NULL, reverses_invoice TEXT, reverses_line INTEGER, "
    " log_index INTEGER, created_at TEXT NOT NULL, leaf_hash BLOB, salt BLOB, UNIQUE (invoice, line), "
    " FOREIGN KEY (reverses_invoice, reverses_line) REFERENCES purchases(invoice, line)); "
    "INSERT INTO purchases_u SELECT id, invoice, line, date, buyer, seller, product, amount_fen, tax_fen, "
    " reverses_invoice, reverses_line, log_index, created_at, leaf_hash, salt FROM purchases; "
    "CREATE TABLE tapeouts_u (id TEXT PRIMARY KEY, envelope TEXT, envelope_sha256 TEXT UNIQUE, keyid TEXT, product "
    "TEXT, "
    " foundry TEXT, design_owner TEXT, date TEXT, kind TEXT, design_digest TEXT, mask_set_id TEXT, process_node TEXT, "
    " wafer_size_mm INTEGER, cost_fen INTEGER, mask_set_conflict INTEGER, log_index INTEGER, created_at TEXT) "
    " WITHOUT ROWID; "
    "INSERT INTO tapeouts_u SELECT id, envelope, envelope_sha256, keyid, product, foundry, design_owner, date, kind, "
    " design_digest, mask_set_id, process_node, wafer_size_mm, cost_fen, mask_set_conflict, log_index, created_at "
    " FROM tapeouts; "
    "DROP TABLE purchases; DROP TABLE tapeouts; DROP TABLE products; "
    "ALTER TABLE products_u RENAME TO products; ALTER TABLE purchases_u RENAME TO purchases; "
    "ALTER TABLE tapeouts_u RENAME TO tapeouts; "
    "CREATE INDEX products_by_owner ON products(owner, id); "
    "CREATE INDEX purchases_by_buyer_date ON purchases(buyer, date); "
    "CREATE INDEX tapeouts_by_product ON tapeouts(product, date); "
    "CREATE INDEX tapeouts_by_digest ON tapeouts(design_digest, date); "
    "CREATE INDEX tapeouts_by_mask_set ON tapeouts(mask_set_id); "
    "CREATE INDEX tapeouts_by_foundry ON tapeouts(foundry, id); "
    "CREATE INDEX tapeouts_by_design_owner ON tapeouts(design_owner, id); "
    "CREATE INDEX tapeouts_by_keyid ON tapeouts(keyid); "
    "PRAGMA foreign_keys = ON; ";

// Undoes migration 11 (the reference facts' leaf indexes).
static constexpr const char* kUndoMigration11 =
    "ALTER TABLE enterprises DROP COLUMN log_index; ALTER TABLE persons DROP COLUMN log_index; "
    "ALTER TABLE family_links DROP COLUMN log_index; ALTER TABLE equity DROP COLUMN log_index; "
    "ALTER TABLE manual_affiliations DROP COLUMN log_index; ALTER TABLE products DROP COLUMN log_index; "
    "ALTER TABLE foundry_keys DROP COLUMN log_index; ALTER TABLE foundry_keys DROP COLUMN revocation_log_index; "
    "ALTER TABLE other_awards DROP COLUMN log_index; "
    "DROP INDEX audit_by_subject; DROP INDEX audit_by_actor; DROP INDEX audit_by_at; "   // and migration 12
    "DROP INDEX tapeouts_by_keyid; DROP INDEX claims_by_tapeout; "                       // and 13, 14
    "DROP TABLE objection_answers; DROP TABLE open_objections; DROP TABLE objections; "  // and 16
    "DROP TABLE recoveries; DROP TABLE manual_non_affiliations; DROP INDEX claims_overpaid; "
    "DROP TABLE entitlements; DROP TABLE eligibility_runs; DROP TABLE auto_filing; DROP TABLE claim_origins; "  // and 17
    "DROP INDEX datasets_by_owner; DROP INDEX events_by_organizer; "
    "DROP TABLE webhook_deliveries; DROP TABLE webhooks; DROP TABLE notifications; ";  // and 20 (notifications)

namespace tlog = chipreg::tlog;
using chipreg::db::Db;
using chipreg::db::Tx;

namespace {

Db open_db(const chipreg::testing::TempDir& dir) {
  auto db = Db::open(dir.file("r.db"));
  REQUIRE(db.ok());
  auto v = chipreg::store::migrate(*db);
  REQUIRE(v.ok());
  return std::move(*db);
}

std::string entry_for(std::uint64_t i) { return "{\"kind\":\"purchase\",\"fact\":{\"n\":" + std::to_string(i) + "}}"; }

boost::json::array hex_array(const std::vector<tlog::Hash>& path) {
  boost::json::array out;
  for (const auto& h : path) out.emplace_back(chipreg::crypto::hex(h));
  return out;
}

}  // namespace

TEST_CASE("store log: roots and proofs from log_nodes equal the in-memory tree at every size") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  tlog::MemoryTree mem;
  constexpr std::uint64_t kN = 300;
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    tlog::Appender appender(db);
    for (std::uint64_t i = 0; i < kN; ++i) {
      auto idx = appender.append(tlog::EntryKind::kPurchase, "INV#" + std::to_string(i), entry_for(i), {});
      REQUIRE(idx.ok());
      CHECK(*idx == static_cast<std::int64_t>(i));
      mem.append(chipreg::testing::expected_leaf(db, *idx, "purchase", entry_for(i)));
    }
    REQUIRE(tx->commit().ok());
  }
  auto size = tlog::tree_size(db);
  REQUIRE(size.ok());
  CHECK(*size == kN);
  // log_nodes holds exactly the complete subtrees of level 4 and up: 18 + 9 + 4 + 2 + 1.
  auto count = db.prepare("SELECT count(*) FROM log_nodes");
  REQUIRE(count.ok());
  REQUIRE(count->step().ok());
  CHECK(count->int64(0) == 34);
  auto low = db.prepare("SELECT count(*) FROM log_nodes WHERE level < 4");
  REQUIRE(low.ok());
  REQUIRE(low->step().ok());
  CHECK(low->int64(0) == 0);
  // and each stored subtree is the in-memory one
  auto stored = db.prepare("SELECT level, idx, hash FROM log_nodes");
  REQUIRE(stored.ok());
  int seen = 0;
  while (*stored->step()) {
    const auto h = stored->blob(2);
    const auto& want = mem.node(static_cast<int>(stored->int64(0)), static_cast<std::uint64_t>(stored->int64(1)));
    CHECK(std::equal(h.begin(), h.end(), want.begin(), want.end()));
    ++seen;
  }
  CHECK(seen == 34);

  for (std::uint64_t n = 0; n <= kN; ++n) {
    auto got = tlog::tree_root(db, n);
    auto want = tlog::root(mem.source(), n);
    REQUIRE((got.ok() && want.ok()));
    REQUIRE(*got == *want);
  }
  std::mt19937_64 rng(7);
  for (int t = 0; t < 200; ++t) {
    const std::uint64_t n = 1 + rng() % kN;
    const std::uint64_t i = rng() % n;
    const std::uint64_t m = rng() % (n + 1);
    auto inc = chipreg::api::inclusion_response(db, std::to_string(i), std::to_string(n));
    REQUIRE(inc.ok());
    auto want_path = tlog::inclusion_proof(mem.source(), i, n);
    REQUIRE(want_path.ok());
    CHECK(inc->at("path").as_array() == hex_array(*want_path));
    CHECK(inc->at("leaf_hash").as_string() == chipreg::crypto::hex(tlog::leaf_hash(chipreg::testing::expected_leaf(
                                                  db, static_cast<std::int64_t>(i), "purchase", entry_for(i)))));
    auto con = chipreg::api::consistency_response(db, std::to_string(m), std::to_string(n));
    REQUIRE(con.ok());
    auto want_con = tlog::consistency_proof(mem.source(), m, n);
    REQUIRE(want_con.ok());
    CHECK(con->at("path").as_array() == hex_array(*want_con));
  }
  auto e = chipreg::api::entry_response(db, "42");
  REQUIRE(e.ok());
  CHECK(e->at("index").as_int64() == 42);
  auto decoded = chipreg::crypto::unbase64(std::string(e->at("entry").as_string()));
  REQUIRE(decoded.ok());
  // The public entry is the commitment, never the fact's bytes ...
  CHECK(std::string(decoded->begin(), decoded->end()) ==
        chipreg::testing::expected_leaf(db, 42, "purchase", entry_for(42)));
  CHECK(std::string(decoded->begin(), decoded->end()).find("\"n\":42") == std::string::npos);
  // ... which the opening answer gives, with the salt, to whom may_read admits.
  auto opened = chipreg::api::opening_response(db, "42", [](const tlog::StoredEntry&) { return true; });
  REQUIRE(opened.ok());
  CHECK(opened->at("v").as_int64() == 2);
  CHECK(opened->at("kind").as_string() == "purchase");
  CHECK(opened->at("ref").as_string() == "INV#42");
  CHECK(opened->at("entry") == e->at("entry"));
  auto opening = chipreg::crypto::unbase64(std::string(opened->at("opening").as_string()));
  REQUIRE(opening.ok());
  CHECK(std::string(opening->begin(), opening->end()) == entry_for(42));
  auto salt = chipreg::crypto::unhex(std::string(opened->at("salt").as_string()));
  REQUIRE(salt.ok());
  CHECK(std::string(salt->begin(), salt->end()) == chipreg::testing::stored_salt(db, 42));
  auto refused = chipreg::api::opening_response(db, "42", [](const tlog::StoredEntry&) { return false; });
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "NOT_FOUND");
}

TEST_CASE("store log: every leaf gets its own salt, so equal facts have unrelated commitments") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c", entry_for(1), {"91330108000000019R"}).ok());
  REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c", entry_for(1), {"91330108000000019R"}).ok());
  REQUIRE(tx->commit().ok());
  const std::string a = chipreg::testing::stored_salt(db, 0), b = chipreg::testing::stored_salt(db, 1);
  CHECK(a.size() == 32);
  CHECK(a != b);
  auto e0 = tlog::read_entry(db, 0), e1 = tlog::read_entry(db, 1);
  REQUIRE((e0.ok() && e1.ok()));
  CHECK(e0->entry != e1->entry);
  CHECK(e0->opening == e1->opening);
  CHECK(e0->parties == tlog::Parties{"91330108000000019R"});
  // A row whose opening was edited no longer hashes to its leaf: read_entry refuses it.
  auto edit = db.prepare("UPDATE log_entries SET entry = ? WHERE idx = 1");
  REQUIRE(edit.ok());
  edit->bind(1, entry_for(2));
  REQUIRE(edit->exec().ok());
  auto edited = tlog::read_entry(db, 1);
  REQUIRE_FALSE(edited.ok());
  CHECK(edited.error().code == "LOG_CORRUPT");
}

TEST_CASE("store log: an append rolls back with the caller's transaction") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c1", entry_for(0), {}).ok());
    REQUIRE(tx->commit().ok());
  }
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c2", entry_for(1), {}).ok());
    REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c3", entry_for(2), {}).ok());
    // no commit: the writer failed after appending
  }
  auto size = tlog::tree_size(db);
  REQUIRE(size.ok());
  CHECK(*size == 1);
  auto leaves = db.prepare("SELECT count(*) FROM log_entries");
  REQUIRE(leaves.ok());
  REQUIRE(leaves->step().ok());
  CHECK(leaves->int64(0) == 1);

  // A rolled-back block completion leaves no subtree behind either.
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 1; i < 16; ++i) REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "x", entry_for(100 + i), {}).ok());
  }
  auto nodes = db.prepare("SELECT count(*) FROM log_nodes");
  REQUIRE(nodes.ok());
  REQUIRE(nodes->step().ok());
  CHECK(nodes->int64(0) == 0);
}

TEST_CASE("store log: endpoint answers carry BAD_REQUEST and NOT_FOUND as documented") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 0; i < 5; ++i) REQUIRE(tlog::append(db, tlog::EntryKind::kPurchase, "r", entry_for(i), {}).ok());
    REQUIRE(tx->commit().ok());
  }
  auto code = [](const auto& r) { return r.ok() ? std::string("OK") : r.error().code; };
  CHECK(code(chipreg::api::entry_response(db, "4")) == "OK");
  CHECK(code(chipreg::api::entry_response(db, "5")) == "NOT_FOUND");
  CHECK(code(chipreg::api::entry_response(db, "-1")) == "BAD_REQUEST");
  CHECK(code(chipreg::api::entry_response(db, "x")) == "BAD_REQUEST");
  CHECK(code(chipreg::api::entry_response(db, "")) == "BAD_REQUEST");
  CHECK(code(chipreg::api::inclusion_response(db, "4", "5")) == "OK");
  CHECK(code(chipreg::api::inclusion_response(db, "5", "5")) == "BAD_REQUEST");
  CHECK(code(chipreg::api::inclusion_response(db, "0", "6")) == "NOT_FOUND");
  CHECK(code(chipreg::api::inclusion_response(db, "0", "")) == "BAD_REQUEST");
  CHECK(code(chipreg::api::consistency_response(db, "2", "5")) == "OK");
  CHECK(code(chipreg::api::consistency_response(db, "3", "2")) == "BAD_REQUEST");
  CHECK(code(chipreg::api::consistency_response(db, "2", "6")) == "NOT_FOUND");
  CHECK(code(chipreg::api::consistency_response(db, "0", "5")) == "OK");
  CHECK(code(tlog::tree_root(db, 6)) == "NOT_FOUND");
}

TEST_CASE("store log: init's key is 0600, kept by a later init, and signs verifiable checkpoints") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  const std::string path = dir.file("r.db");
  std::string first_key;
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    auto signer = tlog::ensure_log_key(db, path, std::string("registry.test/log"));
    REQUIRE(signer.ok());
    first_key = chipreg::api::key_response(*signer);
    REQUIRE(tlog::append(db, tlog::EntryKind::kTapeout, "t", entry_for(9), {}).ok());
    REQUIRE(tx->commit().ok());
  }
  struct stat info {};
  REQUIRE(::stat(tlog::log_key_path(path).c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    auto again = tlog::ensure_log_key(db, path, std::nullopt);
    REQUIRE(again.ok());
    CHECK(chipreg::api::key_response(*again) == first_key);
    auto other = tlog::ensure_log_key(db, path, std::string("other.test/log"));
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == "LOG_ORIGIN_MISMATCH");
  }
  auto origin = tlog::log_origin(db);
  REQUIRE(origin.ok());
  CHECK(*origin == "registry.test/log");
  auto signer = tlog::load_log_key(db, path);
  REQUIRE(signer.ok());
  auto note = chipreg::api::checkpoint_response(db, *signer);
  REQUIRE(note.ok());
  auto verifier = tlog::parse_note_verifier(first_key);
  REQUIRE(verifier.ok());
  auto cp = tlog::open_checkpoint(*note, *verifier);
  REQUIRE(cp.ok());
  CHECK(cp->origin == "registry.test/log");
  CHECK(cp->size == 1);
  CHECK(cp->root == tlog::leaf_hash(chipreg::testing::expected_leaf(db, 0, "tapeout", entry_for(9))));
}

TEST_CASE("store log: a missing key with a recorded origin is refused, not silently replaced") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  const std::string path = dir.file("r.db");
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  REQUIRE(tlog::ensure_log_key(db, path, std::nullopt).ok());
  REQUIRE(std::remove(tlog::log_key_path(path).c_str()) == 0);
  auto again = tlog::ensure_log_key(db, path, std::nullopt);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == "LOG_KEY_MISSING");
  auto load = tlog::load_log_key(db, path);
  REQUIRE_FALSE(load.ok());
  CHECK(load.error().code == "LOG_KEY_MISSING");
}

namespace {

// The tree problems (LEAF_HASH_MISMATCH, NODE_*, EXTRA_NODES, LOG_GAP) of an audit; the
// fact checks are not under test here (these leaves have no rows behind them).
std::set<std::string> tree_problems(Db& db) {
  auto report = tlog::audit_log(db);
  REQUIRE(report.ok());
  std::set<std::string> out;
  for (const auto& p : report->at("problems").as_array()) {
    const std::string code(p.at("problem").as_string());
    if (code.rfind("NODE_", 0) == 0 || code == "LEAF_HASH_MISMATCH" || code == "EXTRA_NODES" || code == "LOG_GAP") {
      out.insert(code);
    }
  }
  return out;
}

void append_many(Db& db, tlog::MemoryTree& mem, std::uint64_t n) {
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  tlog::Appender appender(db);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto idx = appender.append(tlog::EntryKind::kPurchase, "INV#" + std::to_string(i), entry_for(i), {});
    REQUIRE(idx.ok());
    mem.append(chipreg::testing::expected_leaf(db, *idx, "purchase", entry_for(i)));
  }
  REQUIRE(tx->commit().ok());
}

}  // namespace

TEST_CASE("store log: the audit catches a changed, missing or extra stored subtree and a changed leaf hash") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  tlog::MemoryTree mem;
  append_many(db, mem, 40);
  CHECK(tree_problems(db).empty());

  SECTION("a changed subtree") {
    REQUIRE(db.exec_script("UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 1").ok());
    CHECK(tree_problems(db) == std::set<std::string>{"NODE_MISMATCH"});
  }
  SECTION("a missing subtree") {
    REQUIRE(db.exec_script("DELETE FROM log_nodes WHERE level = 5 AND idx = 0").ok());
    CHECK(tree_problems(db) == std::set<std::string>{"NODE_MISSING"});
    auto root = tlog::tree_root(db, 40);
    REQUIRE_FALSE(root.ok());
    CHECK(root.error().code == "LOG_CORRUPT");
  }
  SECTION("an extra subtree row") {
    REQUIRE(db.exec_script("INSERT INTO log_nodes(level, idx, hash) VALUES (4, 7, zeroblob(32))").ok());
    CHECK(tree_problems(db) == std::set<std::string>{"EXTRA_NODES"});
  }
  SECTION("a changed leaf hash, which low subtrees are folded from") {
    REQUIRE(db.exec_script("UPDATE log_entries SET leaf_hash = zeroblob(32) WHERE idx = 37").ok());
    CHECK(tree_problems(db) == std::set<std::string>{"LEAF_HASH_MISMATCH"});
    auto root = tlog::tree_root(db, 40);
    REQUIRE(root.ok());
    CHECK(*root != tlog::root(mem.source(), 40).value());  // proofs now disagree with the true tree
  }
}

TEST_CASE("store log: migration 2 moves leaf hashes into log_entries and keeps every root and proof") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  tlog::MemoryTree mem;
  append_many(db, mem, 100);
  // Turn the log back into its schema-1 layout: no leaf_hash column, every level stored,
  // and every leaf a v1 leaf whose entry is the bytes that were hashed (the commitment).
  // (Migration 4's and 9's objects go too: the migrations after 1 run again.)
  for (std::int64_t i = 0; i < 100; ++i) {
    auto up = db.prepare("UPDATE log_entries SET entry = ? WHERE idx = ?");
    REQUIRE(up.ok());
    up->bind(1, chipreg::testing::expected_leaf(db, i, "purchase", entry_for(static_cast<std::uint64_t>(i))))
        .bind(2, i);
    REQUIRE(up->exec().ok());
  }
  std::string sql = std::string(kUndoMigrations18And19) +
                    "ALTER TABLE log_entries DROP COLUMN salt; ALTER TABLE log_entries DROP COLUMN parties; " +
                    std::string(kUndoMigration15) + "ALTER TABLE purchases DROP COLUMN salt; " +
                    std::string(kUndoMigration11) +
                    "ALTER TABLE log_entries DROP COLUMN leaf_hash; ALTER TABLE purchases DROP COLUMN leaf_hash; "
                    "DELETE FROM log_nodes; " +
                    std::string(kUndoMigration4) + "PRAGMA user_version = 1;";
  REQUIRE(db.exec_script(sql.c_str()).ok());
  auto ins = db.prepare("INSERT INTO log_nodes(level, idx, hash) VALUES (?, ?, ?)");
  REQUIRE(ins.ok());
  int rows = 0;
  for (std::size_t level = 0; level < mem.levels().size(); ++level) {
    for (std::size_t i = 0; i < mem.levels()[level].size(); ++i) {
      const auto& h = mem.levels()[level][i];
      ins->reset();
      ins->bind(1, static_cast<std::int64_t>(level))
          .bind(2, static_cast<std::int64_t>(i))
          .bind_blob(3, h.data(), h.size());
      REQUIRE(ins->exec().ok());
      ++rows;
    }
  }
  CHECK(rows == 100 + 50 + 25 + 12 + 6 + 3 + 1);

  auto from = chipreg::store::migrate(db);
  INFO((from.ok() ? std::string() : from.error().code + ": " + from.error().message));
  REQUIRE(from.ok());
  CHECK(*from == 1);
  auto low = db.prepare("SELECT count(*) FROM log_nodes WHERE level < 4");
  REQUIRE(low.ok());
  REQUIRE(low->step().ok());
  CHECK(low->int64(0) == 0);
  CHECK(tree_problems(db).empty());
  for (std::uint64_t n : {1u, 15u, 16u, 17u, 64u, 99u, 100u}) {
    CHECK(tlog::tree_root(db, n).value() == tlog::root(mem.source(), n).value());
  }
  auto proof = chipreg::api::inclusion_response(db, "37", "100");
  REQUIRE(proof.ok());
  CHECK(proof->at("path").as_array() == hex_array(tlog::inclusion_proof(mem.source(), 37, 100).value()));
}
