// The SQLite-backed log: agrees with the pure tree, appends inside the caller's
// transaction, answers the /v1/log endpoints with the documented errors, keeps its key.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <boost/json.hpp>

#include <random>
#include <string>

#include "crypto/encoding.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/sqlite.hpp"
#include "support/temp_dir.hpp"

namespace tlog = chipreg::tlog;
using chipreg::store::Db;
using chipreg::store::Tx;

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
      auto idx = appender.append(tlog::EntryKind::kPurchase, "INV#" + std::to_string(i), entry_for(i));
      REQUIRE(idx.ok());
      CHECK(*idx == static_cast<std::int64_t>(i));
      mem.append(entry_for(i));
    }
    REQUIRE(tx->commit().ok());
  }
  auto size = tlog::tree_size(db);
  REQUIRE(size.ok());
  CHECK(*size == kN);
  // log_nodes holds exactly the complete subtrees: 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1.
  auto count = db.prepare("SELECT count(*) FROM log_nodes");
  REQUIRE(count.ok());
  REQUIRE(count->step().ok());
  CHECK(count->int64(0) == 596);

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
    auto inc = tlog::inclusion_response(db, std::to_string(i), std::to_string(n));
    REQUIRE(inc.ok());
    auto want_path = tlog::inclusion_proof(mem.source(), i, n);
    REQUIRE(want_path.ok());
    CHECK(inc->at("path").as_array() == hex_array(*want_path));
    CHECK(inc->at("leaf_hash").as_string() == chipreg::crypto::hex(tlog::leaf_hash(entry_for(i))));
    auto con = tlog::consistency_response(db, std::to_string(m), std::to_string(n));
    REQUIRE(con.ok());
    auto want_con = tlog::consistency_proof(mem.source(), m, n);
    REQUIRE(want_con.ok());
    CHECK(con->at("path").as_array() == hex_array(*want_con));
  }
  auto e = tlog::entry_response(db, "42");
  REQUIRE(e.ok());
  CHECK(e->at("index").as_int64() == 42);
  auto decoded = chipreg::crypto::unbase64(std::string(e->at("entry").as_string()));
  REQUIRE(decoded.ok());
  CHECK(std::string(decoded->begin(), decoded->end()) == entry_for(42));
}

TEST_CASE("store log: an append rolls back with the caller's transaction") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c1", entry_for(0)).ok());
    REQUIRE(tx->commit().ok());
  }
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c2", entry_for(1)).ok());
    REQUIRE(tlog::append(db, tlog::EntryKind::kClaim, "c3", entry_for(2)).ok());
    // no commit: the writer failed after appending
  }
  auto size = tlog::tree_size(db);
  REQUIRE(size.ok());
  CHECK(*size == 1);
  auto nodes = db.prepare("SELECT count(*) FROM log_nodes");
  REQUIRE(nodes.ok());
  REQUIRE(nodes->step().ok());
  CHECK(nodes->int64(0) == 1);
}

TEST_CASE("store log: endpoint answers carry BAD_REQUEST and NOT_FOUND as documented") {
  chipreg::testing::TempDir dir;
  Db db = open_db(dir);
  {
    auto tx = Tx::begin(db);
    REQUIRE(tx.ok());
    for (int i = 0; i < 5; ++i) REQUIRE(tlog::append(db, tlog::EntryKind::kPurchase, "r", entry_for(i)).ok());
    REQUIRE(tx->commit().ok());
  }
  auto code = [](const auto& r) { return r.ok() ? std::string("OK") : r.error().code; };
  CHECK(code(tlog::entry_response(db, "4")) == "OK");
  CHECK(code(tlog::entry_response(db, "5")) == "NOT_FOUND");
  CHECK(code(tlog::entry_response(db, "-1")) == "BAD_REQUEST");
  CHECK(code(tlog::entry_response(db, "x")) == "BAD_REQUEST");
  CHECK(code(tlog::entry_response(db, "")) == "BAD_REQUEST");
  CHECK(code(tlog::inclusion_response(db, "4", "5")) == "OK");
  CHECK(code(tlog::inclusion_response(db, "5", "5")) == "BAD_REQUEST");
  CHECK(code(tlog::inclusion_response(db, "0", "6")) == "NOT_FOUND");
  CHECK(code(tlog::inclusion_response(db, "0", "")) == "BAD_REQUEST");
  CHECK(code(tlog::consistency_response(db, "2", "5")) == "OK");
  CHECK(code(tlog::consistency_response(db, "3", "2")) == "BAD_REQUEST");
  CHECK(code(tlog::consistency_response(db, "2", "6")) == "NOT_FOUND");
  CHECK(code(tlog::consistency_response(db, "0", "5")) == "OK");
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
    first_key = tlog::key_response(*signer);
    REQUIRE(tlog::append(db, tlog::EntryKind::kTapeout, "t", entry_for(9)).ok());
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
    CHECK(tlog::key_response(*again) == first_key);
    auto other = tlog::ensure_log_key(db, path, std::string("other.test/log"));
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == "LOG_ORIGIN_MISMATCH");
  }
  auto origin = tlog::log_origin(db);
  REQUIRE(origin.ok());
  CHECK(*origin == "registry.test/log");
  auto signer = tlog::load_log_key(db, path);
  REQUIRE(signer.ok());
  auto note = tlog::checkpoint_response(db, *signer);
  REQUIRE(note.ok());
  auto verifier = tlog::parse_note_verifier(first_key);
  REQUIRE(verifier.ok());
  auto cp = tlog::open_checkpoint(*note, *verifier);
  REQUIRE(cp.ok());
  CHECK(cp->origin == "registry.test/log");
  CHECK(cp->size == 1);
  CHECK(cp->root == tlog::leaf_hash(entry_for(9)));
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
