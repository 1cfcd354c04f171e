// Specifications of the SQLite store: migrations, RAII transactions, constraints, tokens.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <map>

#include <optional>

#include <boost/json.hpp>

#include "registry/db/sqlite.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tokens.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::store;

namespace {

Db fresh_db(const testing::TempDir& dir) {
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  auto v = migrate(*db);
  REQUIRE(v.ok());
  return std::move(*db);
}

void insert_enterprise(Db& db, const std::string& uscc, const std::string& name = "E") {
  auto st = db.prepare("INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES (?, ?, 1, 'now')");
  REQUIRE(st.ok());
  st->bind(1, uscc).bind(2, name);
  REQUIRE(st->exec().ok());
}

}  // namespace

TEST_CASE("store: migrate creates the schema once and reports the version found") {
  testing::TempDir dir;
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  auto first = migrate(*db);
  REQUIRE(first.ok());
  CHECK(*first == 0);
  auto again = migrate(*db);
  REQUIRE(again.ok());
  CHECK(*again == latest_schema_version());
  auto mode = db->prepare("PRAGMA journal_mode");
  REQUIRE(mode->step().value());
  CHECK(mode->text(0) == "wal");
  auto fk = db->prepare("PRAGMA foreign_keys");
  REQUIRE(fk->step().value());
  CHECK(fk->int64(0) == 1);
}

TEST_CASE("store: migration 10 splits each stored evaluation into its lines and its summary") {
  testing::TempDir dir;
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  REQUIRE(migrate(*db, 9).ok());
  const std::string claimant = "91330108000000011X";
  insert_enterprise(*db, claimant);
  // As rules::to_json writes them: a line with a reversal, escapes and Chinese text.
  const std::string evaluation = boost::json::serialize(boost::json::parse(
      R"j({"id":"C00000001","eligible":true,"award_fen":12,"reasons":[{"code":"AFFILIATED"}],)j"
      R"j("trace":["第十二条 \"联动\""],"lines":[)j"
      R"j({"invoice":"I1","line":1,"qualifies":true,"codes":[],"amount_fen":100},)j"
      R"j({"invoice":"I2","line":2,"qualifies":false,"codes":["AFFILIATED"],"amount_fen":-50,)j"
      R"j("reverses":{"invoice":"I1","line":1},"affiliation":"甲 → 乙\n(30%)"}],"policy_version":"v1"})j"));
  for (const char* id : {"C00000001", "C00000002"}) {
    auto st = db->prepare(
        "INSERT INTO claims(id, rule, claimant, year, grp, evaluation, created_at, evaluated_at) "
        "VALUES (?, 'linkage', ?, 2025, 'chip_module', ?, 'now', 'now')");
    REQUIRE(st.ok());
    st->bind(1, id).bind(2, claimant).bind(3, std::string(id) == "C00000001" ? evaluation : std::string("{}"));
    REQUIRE(st->exec().ok());
  }
  REQUIRE(migrate(*db).ok());

  const boost::json::object whole = boost::json::parse(evaluation).as_object();
  auto lines = claim_lines_page(*db, "C00000001", std::nullopt, 10);
  REQUIRE(lines.ok());
  REQUIRE(lines->size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK((*lines)[i].seq == static_cast<std::int64_t>(i));
    CHECK((*lines)[i].text == boost::json::serialize(whole.at("lines").at(i)));  // byte for byte
  }
  auto page = claim_lines_page(*db, "C00000001", 0, 10);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK(page->front().seq == 1);

  auto summary = get_claim(*db, "C00000001", ClaimView::kSummary);
  REQUIRE(summary.ok());
  REQUIRE(*summary);
  CHECK((*summary)->line_count == 2);
  boost::json::object expected = whole;
  expected.erase("lines");
  CHECK(boost::json::parse((*summary)->evaluation_text) == expected);
  auto empty = get_claim(*db, "C00000002", ClaimView::kSummary);
  REQUIRE(empty.ok());
  CHECK((**empty).line_count == 0);
  CHECK((**empty).evaluation_text == "{}");
}

TEST_CASE("store: a database from a newer chipreg is refused") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  REQUIRE(db.exec_script("PRAGMA user_version = 999").ok());
  auto r = migrate(db);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "SCHEMA_TOO_NEW");
}

TEST_CASE("store: a transaction rolls back unless committed") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    insert_enterprise(db, "91350100M000100Y43");
  }  // no commit
  auto count = db.prepare("SELECT count(*) FROM enterprises");
  REQUIRE(count->step().value());
  CHECK(count->int64(0) == 0);
  {
    auto tx = Tx::begin(db);
    insert_enterprise(db, "91350100M000100Y43");
    REQUIRE(tx->commit().ok());
  }
  count->reset();
  REQUIRE(count->step().value());
  CHECK(count->int64(0) == 1);
}

TEST_CASE("store: round-trips an enterprise with roles") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  insert_enterprise(db, "91350100M000100Y43", "芯片设计有限公司");
  auto role = db.prepare("INSERT INTO enterprise_roles(uscc, role) VALUES (?, ?)");
  role->bind(1, "91350100M000100Y43").bind(2, "ic_design");
  REQUIRE(role->exec().ok());
  auto q = db.prepare("SELECT e.name, r.role FROM enterprises e JOIN enterprise_roles r USING (uscc)");
  REQUIRE(q->step().value());
  CHECK(q->text(0) == "芯片设计有限公司");
  CHECK(q->text(1) == "ic_design");
}

TEST_CASE("store: constraints refuse impossible states") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  insert_enterprise(db, "91350100M000100Y43");
  insert_enterprise(db, "91110000600037341L");

  SECTION("duplicate enterprise") {
    auto st = db.prepare("INSERT INTO enterprises(uscc, name, in_district, created_at) VALUES ('91350100M000100Y43', 'x', 1, 'now')");
    auto r = st->exec();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "CONSTRAINT");
  }
  SECTION("unknown role") {
    auto st = db.prepare("INSERT INTO enterprise_roles(uscc, role) VALUES ('91350100M000100Y43', 'bank')");
    CHECK(st->exec().error().code == "CONSTRAINT");
  }
  SECTION("equity above 100 % or with both holder kinds") {
    auto st = db.prepare(
        "INSERT INTO equity(holder_enterprise, held, pct_units, valid_from) VALUES ('91350100M000100Y43', '91110000600037341L', 1000001, '2020-01-01')");
    CHECK(st->exec().error().code == "CONSTRAINT");
    auto st2 = db.prepare(
        "INSERT INTO equity(holder_enterprise, held, pct_units, valid_from) VALUES ('91350100M000100Y43', '91350100M000100Y43', 100, '2020-01-01')");
    CHECK(st2->exec().error().code == "CONSTRAINT");
  }
  SECTION("equity naming an unknown enterprise") {
    auto st = db.prepare(
        "INSERT INTO equity(holder_enterprise, held, pct_units, valid_from) VALUES ('91350100M000100Y43', '911100001000054200', 100, '2020-01-01')");
    CHECK(st->exec().error().code == "CONSTRAINT");
  }
  SECTION("a purchase line twice, and a negative line that reverses nothing") {
    auto prod = db.prepare("INSERT INTO products(id, kind, owner, self_developed, created_at) VALUES ('P1', 'chip', '91110000600037341L', 1, 'now')");
    REQUIRE(prod->exec().ok());
    auto ins = db.prepare(
        "INSERT INTO purchases(invoice, line, date, buyer, seller, product_owner, product, amount_fen, tax_fen, "
        "created_at) VALUES ('INV1', 1, '2025-03-01', '91350100M000100Y43', '91110000600037341L', "
        "'91110000600037341L', 'P1', ?, 0, 'now')");
    ins->bind(1, 100);
    REQUIRE(ins->exec().ok());
    ins->reset();
    ins->bind(1, 100);
    CHECK(ins->exec().error().code == "CONSTRAINT");
    auto neg = db.prepare(
        "INSERT INTO purchases(invoice, line, date, buyer, seller, product, amount_fen, tax_fen, created_at) "
        "VALUES ('INV2', 1, '2025-03-01', '91350100M000100Y43', '91110000600037341L', 'P1', -5, 0, 'now')");
    CHECK(neg->exec().error().code == "CONSTRAINT");
  }
  SECTION("a token of an enterprise role without its enterprise") {
    auto r = create_token(db, "enterprise", std::nullopt);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "CONSTRAINT");
  }
}

TEST_CASE("store: tokens are stored hashed, found, and revocable") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  auto token = create_token(db, "admin", std::nullopt, "t");
  REQUIRE(token.ok());
  CHECK(token->size() == 64);
  auto raw = db.prepare("SELECT count(*) FROM tokens WHERE token_hash = ?");
  raw->bind_blob(1, token->data(), token->size());
  REQUIRE(raw->step().value());
  CHECK(raw->int64(0) == 0);  // the secret itself is never stored
  auto found = find_token(db, *token);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->role == "admin");
  std::string wrong = *token;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  CHECK_FALSE(find_token(db, wrong)->has_value());
  // The last admin token stays (LAST_ADMIN); with a second one it can go.
  CHECK(revoke_token(db, (*found)->id).error().code == "LAST_ADMIN");
  REQUIRE(create_token(db, "admin", std::nullopt, "second").ok());
  CHECK(revoke_token(db, (*found)->id).value());
  CHECK_FALSE(find_token(db, *token)->has_value());
}

TEST_CASE("store: a statement that ends goes back to its connection, reset and unbound") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  insert_enterprise(db, "91350100M000100Y43", "A");
  insert_enterprise(db, "91330108000000019R", "B");
  const char* sql = "SELECT name FROM enterprises WHERE uscc = ?";
  sqlite3_stmt* first = nullptr;
  {
    auto st = db.prepare(sql);
    REQUIRE(st.ok());
    first = st->raw();
    st->bind(1, "91350100M000100Y43");
    REQUIRE(st->step().value());
    CHECK(st->text(0) == "A");
    // ends mid-result: the cache must reset it (no read left open) and clear the binding
  }
  {
    auto again = db.prepare(sql);
    REQUIRE(again.ok());
    CHECK(again->raw() == first);  // the same compiled statement
    CHECK(sqlite3_stmt_busy(again->raw()) == 0);
    CHECK(sqlite3_bind_parameter_count(again->raw()) == 1);
    REQUIRE_FALSE(again->step().value());  // the parameter is NULL again: no row
    // In use: the same SQL prepared meanwhile is another statement, and both work.
    auto nested = db.prepare(sql);
    REQUIRE(nested.ok());
    CHECK(nested->raw() != first);
    nested->bind(1, "91330108000000019R");
    REQUIRE(nested->step().value());
    CHECK(nested->text(0) == "B");
  }
  // A writer in another connection is not blocked by a statement parked in the cache.
  auto other = Db::open(dir.file("t.db"));
  REQUIRE(other.ok());
  {
    auto tx = Tx::begin(*other);
    REQUIRE(tx.ok());
    REQUIRE(other->run("UPDATE enterprises SET name = 'A2' WHERE uscc = '91350100M000100Y43'").ok());
    REQUIRE(tx->commit().ok());
  }
  auto st = db.prepare(sql);
  REQUIRE(st.ok());
  st->bind(1, "91350100M000100Y43");
  REQUIRE(st->step().value());
  CHECK(st->text(0) == "A2");  // a fresh read, not the parked one's snapshot
}

TEST_CASE("store: statements outliving their connection, or moved with it, stay safe") {
  testing::TempDir dir;
  std::optional<Stmt> survivor;
  {
    Db db = fresh_db(dir);
    auto st = db.prepare("SELECT count(*) FROM enterprises");
    REQUIRE(st.ok());
    Db moved = std::move(db);  // the cache moves with the connection
    survivor.emplace(std::move(*st));
    auto again = moved.prepare("SELECT 1");
    REQUIRE(again.ok());
    REQUIRE(again->step().value());
    CHECK(again->int64(0) == 1);
  }  // closed with a statement still out: the connection lingers until it is finalized
  // The statement still works after its connection's owner is gone (sqlite3_close_v2), and
  // ending it finalizes it (ASan would report a use after free or a leak otherwise).
  REQUIRE(survivor->step().value());
  CHECK(survivor->int64(0) == 0);
  survivor.reset();
  CHECK_FALSE(survivor.has_value());
}

TEST_CASE("store: a transaction's BEGIN, COMMIT and savepoints run as cached statements") {
  testing::TempDir dir;
  Db db = fresh_db(dir);
  // Observed through SQLite itself: how many statements of each text the connection holds
  // compiled, and how often SQLite ran them.
  struct Seen {
    int compiled = 0;
    int runs = 0;
  };
  auto observe = [&db] {
    std::map<std::string, Seen> seen;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db.raw(), nullptr); s != nullptr; s = sqlite3_next_stmt(db.raw(), s)) {
      Seen& x = seen[sqlite3_sql(s)];
      ++x.compiled;
      x.runs += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_RUN, 0);
    }
    return seen;
  };
  auto before = observe();  // the migrations ran transactions of their own
  for (int i = 0; i < 3; ++i) {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    {
      auto scope = WriteScope::open(db);  // a savepoint inside the transaction
      REQUIRE(scope.ok());
      insert_enterprise(db, i == 0 ? "91350100M000100Y43" : i == 1 ? "91330108000000019R" : "91330108000000027L");
      if (i != 1) REQUIRE(scope->commit().ok());
    }  // i == 1: rolled back to the savepoint
    REQUIRE(tx->commit().ok());
  }
  auto count = db.prepare("SELECT count(*) FROM enterprises");
  REQUIRE(count.ok());
  REQUIRE(count->step().value());
  CHECK(count->int64(0) == 2);
  CHECK(sqlite3_get_autocommit(db.raw()) != 0);
  auto after = observe();
  // One compiled statement each, run once per round (RELEASE: twice after a commit of the
  // scope, once after its rollback).
  for (const char* sql : {"BEGIN IMMEDIATE", "COMMIT", "SAVEPOINT write_scope", "RELEASE write_scope"}) {
    INFO(sql);
    CHECK(after[sql].compiled == 1);
    CHECK(after[sql].runs - before[sql].runs == 3);
  }
}
