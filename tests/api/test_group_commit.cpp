// The group commit on its own: one transaction for a batch, a savepoint per request, and
// every way a batch's writes can be lost reported on the requests that lost them.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "api/group_commit.hpp"
#include "registry/db/sqlite.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::api;

namespace {

// A database with a table of keys, and child rows whose parent is checked at COMMIT only.
struct Batch {
  testing::TempDir dir;
  std::string path = dir.file("g.db");
  db::Db db;

  Batch() {
    auto d = db::Db::open(path);
    REQUIRE(d);
    db = std::move(*d);
    REQUIRE(
        db.exec_script("CREATE TABLE k (key TEXT PRIMARY KEY);"
                       "CREATE TABLE parent (id TEXT PRIMARY KEY);"
                       "CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"));
  }

  // A request's body says what it does: "key:X" stores X (409 when X is there already),
  // "orphan" stores a child without a parent (fine until COMMIT), "rollback" ends the
  // transaction the way SQLite does after an I/O error and still answers 201.
  Response run(const Request& req) {
    Response r;
    r.route = req.target;
    if (req.body == "rollback") {
      REQUIRE(db.run("ROLLBACK"));
      r.status = 201;
      return r;
    }
    auto scope = db::WriteScope::open(db);
    REQUIRE(scope);
    auto st = db.prepare(req.body == "orphan" ? "INSERT INTO child (pid) VALUES ('none')"
                                              : "INSERT INTO k (key) VALUES (?1)");
    REQUIRE(st);
    if (req.body != "orphan") st->bind(1, req.body.substr(4));
    if (auto done = st->exec(); !done) {
      r = error_response(409, "DUPLICATE", done.error().message);
      r.route = req.target;
      return r;  // the scope rolls back
    }
    REQUIRE(scope->commit());
    r.status = 201;
    return r;
  }

  std::vector<Response> commit(const std::vector<std::string>& bodies) {
    std::vector<Request> reqs(bodies.size());
    std::vector<const Request*> ptrs;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      reqs[i].target = "/r" + std::to_string(i);
      reqs[i].body = bodies[i];
      ptrs.push_back(&reqs[i]);
    }
    auto out = group_commit(db, ptrs, [this](const Request& r) { return run(r); });
    CHECK_FALSE(db.in_transaction());  // no transaction left open
    return out;
  }

  // The stored keys, in order, read on a second connection (so only what was committed).
  std::vector<std::string> keys() {
    auto other = db::Db::open(path);
    REQUIRE(other);
    auto st = other->prepare("SELECT key FROM k ORDER BY key");
    REQUIRE(st);
    std::vector<std::string> out;
    for (;;) {
      auto row = st->step();
      REQUIRE(row);
      if (!*row) break;
      out.push_back(st->text(0));
    }
    return out;
  }
};

std::string code_of(const Response& r) {
  return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
}

}  // namespace

TEST_CASE("group commit: every success of a batch is committed, a failed request writes nothing") {
  Batch b;
  auto out = b.commit({"key:a", "key:b", "key:a", "key:c"});
  REQUIRE(out.size() == 4);
  CHECK(out[0].status == 201);
  CHECK(out[1].status == 201);
  CHECK(out[2].status == 409);
  CHECK(code_of(out[2]) == "DUPLICATE");
  CHECK(out[3].status == 201);
  CHECK(out[3].route == "/r3");
  CHECK(b.keys() == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("group commit: when SQLite ends the transaction, the requests in it are told nothing was stored") {
  Batch b;
  auto out = b.commit({"key:a", "key:b", "rollback", "key:c", "key:a"});
  REQUIRE(out.size() == 5);
  // a, b and the request under which the transaction ended: lost, with their routes kept.
  for (int i = 0; i < 3; ++i) {
    CHECK(out[i].status == 500);
    CHECK(code_of(out[i]) == "DB_ERROR");
    CHECK(out[i].route == "/r" + std::to_string(i));
  }
  // The rest run in a new transaction: c is stored, and a again is no duplicate.
  CHECK(out[3].status == 201);
  CHECK(out[4].status == 201);
  CHECK(b.keys() == std::vector<std::string>{"a", "c"});
}

TEST_CASE("group commit: a failed COMMIT fails every success of the batch, and nothing is stored") {
  Batch b;
  auto out = b.commit({"key:a", "orphan", "key:a", "key:b"});
  REQUIRE(out.size() == 4);
  CHECK(out[2].status == 409);  // failed on its own, before the commit
  for (int i : {0, 1, 3}) {
    CHECK(code_of(out[i]) == "CONSTRAINT");
    CHECK(out[i].status == 422);
    CHECK(out[i].route == "/r" + std::to_string(i));
  }
  CHECK(b.keys().empty());
  // The connection is usable again: a batch of one commits.
  auto again = b.commit({"key:z"});
  CHECK(again[0].status == 201);
  CHECK(b.keys() == std::vector<std::string>{"z"});
}

// (Moved here from test_handler.cpp, where it ran through Handler::handle_writes.)
TEST_CASE("group commit: when the transaction cannot start, no request runs and each gets the error") {
  Batch b;
  // Another connection holds the write lock past the busy timeout of the batch's connection.
  auto locker = db::Db::open(b.path);
  REQUIRE(locker);
  auto lock = db::Tx::begin(*locker);
  REQUIRE(lock);
  db::DbOptions o;
  o.busy_timeout_ms = 20;
  auto d = db::Db::open(b.path, o);
  REQUIRE(d);
  b.db = std::move(*d);
  auto out = b.commit({"key:a", "rollback"});  // "rollback" would fail its REQUIRE if it ran
  REQUIRE(out.size() == 2);
  for (const auto& r : out) {
    CHECK(r.status == 503);
    CHECK(code_of(r) == "BUSY");
    CHECK(r.route == "unmatched");
  }
  REQUIRE(lock->commit());
  CHECK(b.keys().empty());
}

TEST_CASE("group commit: an empty batch opens no transaction") {
  Batch b;
  CHECK(b.commit({}).empty());
}
