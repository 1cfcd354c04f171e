// The db layer's transaction vocabulary (registry/db/sqlite.hpp): in_transaction, Savepoint,
// bind errors kept until step(), statements that run again after exec(), collect, and the
// asserts that guard it, which are on in this build.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "registry/db/sqlite.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::db;

namespace {

Db scratch(const testing::TempDir& dir) {
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  REQUIRE(db->exec_script("CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER NOT NULL)").ok());
  return std::move(*db);
}

std::int64_t rows(Db& db) {
  auto s = db.prepare("SELECT count(*) FROM t");
  REQUIRE(s.ok());
  REQUIRE(s->step().value());
  return s->int64(0);
}

Status put(Db& db, const std::string& k, std::int64_t v) {
  auto s = db.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
  if (!s) return s.error();
  s->bind(1, k).bind(2, v);
  return s->exec();
}

}  // namespace

TEST_CASE("db: in_transaction follows BEGIN, COMMIT and ROLLBACK as SQLite sees them") {
  testing::TempDir dir;
  Db db = scratch(dir);
  CHECK_FALSE(db.in_transaction());
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    CHECK(db.in_transaction());
    CHECK(sqlite3_get_autocommit(db.raw()) == 0);
    REQUIRE(tx->commit().ok());
    CHECK_FALSE(db.in_transaction());
  }
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
  }  // rolled back by the destructor
  CHECK_FALSE(db.in_transaction());
}

TEST_CASE("db: a savepoint's writes join the transaction on release and vanish on rollback or undo") {
  testing::TempDir dir;
  Db db = scratch(dir);
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  REQUIRE(put(db, "a", 1).ok());
  {
    auto sp = Savepoint::open(db, "outer");
    REQUIRE(sp.ok());
    REQUIRE(put(db, "b", 2).ok());
    REQUIRE(sp->release().ok());
    CHECK_FALSE(sp->is_open());
  }
  CHECK(rows(db) == 2);
  {
    auto sp = Savepoint::open(db, "outer");
    REQUIRE(sp.ok());
    REQUIRE(put(db, "c", 3).ok());
    REQUIRE(sp->rollback().ok());
  }
  CHECK(rows(db) == 2);
  {
    auto sp = Savepoint::open(db, "chunk");
    REQUIRE(sp.ok());
    REQUIRE(put(db, "d", 4).ok());
    REQUIRE(sp->undo().ok());  // undone, still open: more writes go into the same savepoint
    CHECK(sp->is_open());
    CHECK(rows(db) == 2);
    REQUIRE(put(db, "e", 5).ok());
  }  // destroyed without release: rolled back
  CHECK(rows(db) == 2);
  REQUIRE(tx->commit().ok());
  CHECK(rows(db) == 2);
}

TEST_CASE("db: a write scope is a transaction of its own outside one and a savepoint inside one") {
  testing::TempDir dir;
  Db db = scratch(dir);
  {
    auto scope = WriteScope::open(db);
    REQUIRE(scope.ok());
    CHECK(db.in_transaction());
    REQUIRE(put(db, "a", 1).ok());
    REQUIRE(scope->commit().ok());
  }
  CHECK_FALSE(db.in_transaction());
  CHECK(rows(db) == 1);
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  {
    auto scope = WriteScope::open(db);
    REQUIRE(scope.ok());
    REQUIRE(put(db, "b", 2).ok());
  }  // not committed: undone, the caller's transaction goes on
  CHECK(db.in_transaction());
  CHECK(rows(db) == 1);
  REQUIRE(tx->commit().ok());
}

TEST_CASE("db: a bind SQLite refuses fails the next step, naming the parameter, and runs nothing") {
  testing::TempDir dir;
  Db db = scratch(dir);
  auto s = db.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
  REQUIRE(s.ok());
  s->bind(1, "a").bind(2, 1).bind(3, 7);  // there is no ?3: SQLITE_RANGE
  auto r = s->step();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "DB_ERROR");
  CHECK(r.error().message.find("?3") != std::string::npos);
  CHECK(rows(db) == 0);
  s->reset();  // forgets the failed bind
  s->bind(1, "a").bind(2, 1);
  REQUIRE(s->exec().ok());
  CHECK(rows(db) == 1);

  // Over SQLite's length limit for this connection: SQLITE_TOOBIG, code TOO_BIG.
  sqlite3_limit(db.raw(), SQLITE_LIMIT_LENGTH, 16);
  auto big = db.prepare("INSERT INTO t(k, v) VALUES (?, 2)");
  REQUIRE(big.ok());
  big->bind(1, std::string(64, 'x'));
  auto tb = big->step();
  REQUIRE_FALSE(tb.ok());
  CHECK(tb.error().code == "TOO_BIG");
  CHECK(rows(db) == 1);
}

TEST_CASE("db: a statement run by exec() can be bound and run again, as a loop of inserts does") {
  testing::TempDir dir;
  Db db = scratch(dir);
  auto s = db.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
  REQUIRE(s.ok());
  for (int i = 0; i < 3; ++i) {
    s->bind(1, "k" + std::to_string(i)).bind(2, i);
    REQUIRE(s->exec().ok());
  }
  auto all = db.prepare("SELECT k, v FROM t ORDER BY k");
  REQUIRE(all.ok());
  auto got = collect<std::string>(*all, [](const Stmt& r) -> Result<std::string> {
    return r.text(0) + "=" + std::to_string(r.int64(1));
  });
  REQUIRE(got.ok());
  CHECK(*got == std::vector<std::string>{"k0=0", "k1=1", "k2=2"});
}

TEST_CASE("db: collect stops at the first row its parser refuses and returns that error") {
  testing::TempDir dir;
  Db db = scratch(dir);
  for (int i = 0; i < 5; ++i) REQUIRE(put(db, "k" + std::to_string(i), i).ok());
  auto all = db.prepare("SELECT v FROM t ORDER BY v");
  REQUIRE(all.ok());
  int parsed = 0;
  auto got = collect<std::int64_t>(*all, [&](const Stmt& r) -> Result<std::int64_t> {
    ++parsed;
    if (r.int64(0) == 2) return Error("CORRUPT_ROW", "v = 2");
    return r.int64(0);
  });
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == "CORRUPT_ROW");
  CHECK(parsed == 3);
}

TEST_CASE("db: the asserts are on in this build: releasing a savepoint twice aborts") {
#if defined(CHIPREG_ASSERTS_ON) && !defined(NDEBUG)
  testing::TempDir dir;
  const std::string path = dir.file("t.db");
  { Db db = scratch(dir); }
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto db = Db::open(path);
    if (!db) _exit(3);
    auto sp = Savepoint::open(*db, "twice");
    if (!sp) _exit(4);
    (void)sp->release();
    (void)sp->release();  // assert: release() of a savepoint that has ended
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGABRT);
#else
  WARN("built without CHIPREG_ASSERTS: scripts/test and scripts/fuzz build with asserts on");
  SUCCEED();
#endif
}

TEST_CASE("db: optional_row reads a lookup's one row, nothing when there is none, and a parser's refusal") {
  testing::TempDir dir;
  Db db = scratch(dir);
  REQUIRE(put(db, "a", 7).ok());
  auto lookup = [&](const char* key) {
    auto s = db.prepare("SELECT v FROM t WHERE k = ?");
    REQUIRE(s.ok());
    s->bind(1, key);
    return optional_row<std::int64_t>(*s, [](const Stmt& r) -> Result<std::int64_t> {
      if (r.int64(0) < 0) return Error("CORRUPT_ROW", "negative");
      return r.int64(0);
    });
  };
  auto found = lookup("a");
  REQUIRE(found.ok());
  CHECK(*found == std::optional<std::int64_t>(7));
  auto none = lookup("b");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(put(db, "c", -1).ok());
  auto bad = lookup("c");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "CORRUPT_ROW");
}
