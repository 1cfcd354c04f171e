// The real binary: init's log key, `chipreg log verify` on served proofs, and `chipreg log
// audit` catching a purchase edited behind the registry's back.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <boost/json.hpp>

#include <map>
#include <set>
#include <string>

#include "crypto/encoding.hpp"
#include "api/log_answers.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/repository.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace tlog = chipreg::tlog;
using chipreg::testing::read_file;
using chipreg::testing::run_chipreg;
using chipreg::testing::write_file;

namespace {

chipreg::Uscc uscc(const char* prefix16) {
  auto u = chipreg::Uscc::complete(prefix16);
  REQUIRE(u.ok());
  return *u;
}

// Two enterprises and a product (leaves 0-2: reference facts are leaves), then three
// purchases (leaves 3-5, one red-letter) written through the repository, which logs them.
void seed_purchases(chipreg::db::Db& db) {
  using namespace chipreg;
  auto tx = db::Tx::begin(db);
  REQUIRE(tx.ok());
  const Uscc buyer = uscc("9133010800000001");
  const Uscc seller = uscc("9133010800000002");
  REQUIRE(store::insert_enterprise(db, Enterprise{buyer, "整机厂", true, {Role::kOem}}).ok());
  REQUIRE(store::insert_enterprise(db, Enterprise{seller, "芯片设计", true, {Role::kIcDesign}}).ok());
  REQUIRE(store::insert_product(db, Product{"P1", ProductKind::kChip, seller, true, Date::ymd(2025, 1, 10), "chip_design",
                                            std::nullopt})
              .ok());
  auto p1 = store::insert_purchase(db, Purchase{"24332000000012345678", 1, Date::ymd(2025, 3, 1), buyer, seller, "P1",
                                                Money::fen(100000000), Money::fen(13000000), std::nullopt});
  REQUIRE(p1.ok());
  auto p2 = store::insert_purchase(db, Purchase{"24332000000012345678", 2, Date::ymd(2025, 3, 1), buyer, seller, "P1",
                                                Money::fen(50000000), Money::fen(6500000), std::nullopt});
  REQUIRE(p2.ok());
  auto p3 = store::insert_purchase(db, Purchase{"24332000000099999999", 1, Date::ymd(2025, 4, 1), buyer, seller, "P1",
                                                Money::fen(-10000000), Money::fen(-1300000),
                                                InvoiceLineRef{"24332000000012345678", 1}});
  REQUIRE(p3.ok());
  REQUIRE(tx->commit().ok());
}

// `chipreg init` at db_path, seed_purchases' three leaves, and beside them in `dir` the
// log's verifier key ("key") and the signed checkpoint of those three leaves (`cp_file`).
void seed_with_checkpoint(const chipreg::testing::TempDir& dir, const std::string& db_path, const std::string& cp_file) {
  REQUIRE(run_chipreg({"init", "--db", db_path}).exit_code == 0);
  auto db = chipreg::db::Db::open(db_path);
  REQUIRE(db.ok());
  auto signer = tlog::load_log_key(*db, db_path);
  REQUIRE(signer.ok());
  write_file(dir.file("key"), chipreg::api::key_response(*signer));
  seed_purchases(*db);
  auto cp = chipreg::api::checkpoint_response(*db, *signer);
  REQUIRE(cp.ok());
  write_file(dir.file(cp_file), *cp);
}

boost::json::object audit(const std::string& db_path, int want_exit) {
  auto r = run_chipreg({"log", "audit", "--db", db_path});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == want_exit);
  return boost::json::parse(r.out).as_object();
}

}  // namespace

TEST_CASE("log cli: init creates a 0600 log key once and keeps it") {
  chipreg::testing::TempDir dir;
  const std::string db = dir.file("r.db");
  REQUIRE(run_chipreg({"init", "--db", db, "--log-origin", "reg.test/log"}).exit_code == 0);
  struct stat info {};
  REQUIRE(::stat((db + ".logkey").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  const std::string key = read_file(db + ".logkey");
  CHECK(key.rfind("PRIVATE+KEY+reg.test/log+", 0) == 0);
  REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
  CHECK(read_file(db + ".logkey") == key);
  auto clash = run_chipreg({"init", "--db", db, "--log-origin", "other.test/log"});
  CHECK(clash.exit_code == 1);
  CHECK_THAT(clash.err, Catch::Contains("LOG_ORIGIN_MISMATCH"));
}

TEST_CASE("log cli: audit is clean after normal writes and catches a purchase edited by raw SQL") {
  chipreg::testing::TempDir dir;
  const std::string db_path = dir.file("r.db");
  REQUIRE(run_chipreg({"init", "--db", db_path}).exit_code == 0);
  {
    auto db = chipreg::db::Db::open(db_path);
    REQUIRE(db.ok());
    seed_purchases(*db);
  }
  auto clean = audit(db_path, 0);
  CHECK(clean.at("ok").as_bool());
  CHECK(clean.at("tree_size").as_int64() == 6);
  CHECK(clean.at("checked").at("enterprise").as_int64() == 2);
  CHECK(clean.at("checked").at("product").as_int64() == 1);
  CHECK(clean.at("checked").at("purchase").as_int64() == 3);
  CHECK(clean.at("problems").as_array().empty());

  {
    auto db = chipreg::db::Db::open(db_path);
    REQUIRE(db.ok());
    REQUIRE(db->exec_script("UPDATE purchases SET amount_fen = 200000000 "
                            "WHERE invoice = '24332000000012345678' AND line = 2")
                .ok());
  }
  auto caught = audit(db_path, 1);
  CHECK_FALSE(caught.at("ok").as_bool());
  const auto& problems = caught.at("problems").as_array();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].at("problem").as_string() == "ROW_MISMATCH");
  CHECK(problems[0].at("kind").as_string() == "purchase");
  CHECK(problems[0].at("ref").as_string() == "24332000000012345678#2");
  CHECK(problems[0].at("log_index").as_int64() == 4);
}

TEST_CASE("log cli: audit reports a deleted purchase, an unlogged row and a changed leaf hash") {
  chipreg::testing::TempDir dir;
  const std::string db_path = dir.file("r.db");
  REQUIRE(run_chipreg({"init", "--db", db_path}).exit_code == 0);
  {
    auto db = chipreg::db::Db::open(db_path);
    REQUIRE(db.ok());
    seed_purchases(*db);
    // Leaf 4 is the purchase row deleted here; the red-letter line (leaf 5) keeps its row
    // but its logged leaf hash is overwritten; row '99' was never logged.
    REQUIRE(db->exec_script("DELETE FROM purchases WHERE invoice = '24332000000012345678' AND line = 2;"
                            "UPDATE purchases SET leaf_hash = zeroblob(32) WHERE invoice = '24332000000099999999';"
                            "INSERT INTO purchases(invoice, line, date, buyer, seller, product_owner, product, amount_fen, "
                            "tax_fen, created_at) SELECT '99', 1, date, buyer, seller, product_owner, product, 1, 0, "
                            "created_at FROM purchases "
                            "WHERE id = 4;")
                .ok());
  }
  auto report = audit(db_path, 1);
  std::map<std::string, boost::json::object> by_code;
  for (const auto& p : report.at("problems").as_array()) {
    by_code[std::string(p.at("problem").as_string())] = p.as_object();
  }
  REQUIRE(by_code.size() == 3);
  REQUIRE(by_code.count("LOG_GAP") == 1);
  CHECK(by_code["LOG_GAP"].at("message").as_string() ==
        "leaves 4 to 4 are missing (no log_entries row and no purchase row)");
  REQUIRE(by_code.count("ROW_MISMATCH") == 1);
  CHECK(by_code["ROW_MISMATCH"].at("ref").as_string() == "24332000000099999999#1");
  CHECK(by_code["ROW_MISMATCH"].at("log_index").as_int64() == 5);
  CHECK(by_code["ROW_MISMATCH"].at("row").as_int64() == 6);
  REQUIRE(by_code.count("UNLOGGED_ROW") == 1);
  CHECK(by_code["UNLOGGED_ROW"].at("ref").as_string() == "99#1");
}

TEST_CASE("log cli: audit against a saved checkpoint catches leaves cut off the end or replaced") {
  chipreg::testing::TempDir dir;
  const std::string db_path = dir.file("r.db");
  seed_with_checkpoint(dir, db_path, "r.cp");  // 6 leaves
  auto audit_against = [&](int want_exit) {
    auto r = run_chipreg({"log", "audit", "--db", db_path, "--checkpoint", dir.file("r.cp"), "--key", dir.file("key")});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == want_exit);
    return boost::json::parse(r.out).as_object();
  };
  auto held = audit_against(0);
  CHECK(held.at("checkpoint").at("tree_size").as_int64() == 6);
  CHECK(held.at("checkpoint").at("held").as_bool());
  const std::string root(held.at("root").as_string());

  {
    auto db = chipreg::db::Db::open(db_path);
    REQUIRE(db.ok());
    REQUIRE(db->exec_script("DELETE FROM purchases WHERE id = 6").ok());  // the last leaf
  }
  // The database alone shows a consistent log of five leaves...
  auto alone = audit(db_path, 0);
  CHECK(alone.at("tree_size").as_int64() == 5);
  // ...which the checkpoint proves was cut short.
  auto cut = audit_against(1);
  CHECK_FALSE(cut.at("checkpoint").at("held").as_bool());
  REQUIRE(cut.at("problems").as_array().size() == 1);
  CHECK(cut.at("problems").as_array()[0].at("problem").as_string() == "LOG_TRUNCATED");
  CHECK(cut.at("problems").as_array()[0].at("message").as_string() ==
        "the checkpoint signs a tree of 6 leaves; the log holds 5");

  {
    // A different red-letter line logged in its place: six leaves again, and rows that
    // match their leaves, but not the tree the checkpoint signed.
    auto db = chipreg::db::Db::open(db_path);
    REQUIRE(db.ok());
    auto tx = chipreg::db::Tx::begin(*db);
    REQUIRE(tx.ok());
    auto p = chipreg::store::insert_purchase(
        *db, chipreg::Purchase{"24332000000099999999", 1, chipreg::Date::ymd(2025, 4, 1), uscc("9133010800000001"),
                               uscc("9133010800000002"), "P1", chipreg::Money::fen(-5000000),
                               chipreg::Money::fen(-650000), chipreg::InvoiceLineRef{"24332000000012345678", 1}});
    REQUIRE(p.ok());
    CHECK(p->log_index == 5);
    REQUIRE(tx->commit().ok());
  }
  CHECK(audit(db_path, 0).at("tree_size").as_int64() == 6);
  auto replaced = audit_against(1);
  REQUIRE(replaced.at("problems").as_array().size() == 1);
  CHECK(replaced.at("problems").as_array()[0].at("problem").as_string() == "CHECKPOINT_MISMATCH");
  CHECK(std::string(replaced.at("root").as_string()) != root);

  // A checkpoint that does not verify under the key is bad input, not an audit result.
  auto other = tlog::generate_note_signer(std::string(tlog::kDefaultOrigin));
  REQUIRE(other.ok());
  write_file(dir.file("other.key"), other->verifier().key_string());
  auto wrong_key = run_chipreg({"log", "audit", "--db", db_path, "--checkpoint", dir.file("r.cp"), "--key",
                                dir.file("other.key")});
  CHECK(wrong_key.exit_code == 2);
  CHECK(wrong_key.err.find("UNKNOWN_KEY") != std::string::npos);
  auto no_key = run_chipreg({"log", "audit", "--db", db_path, "--checkpoint", dir.file("r.cp")});
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err.find("key") != std::string::npos);
}

TEST_CASE("log cli: verify checks served inclusion and consistency proofs and refuses tampered ones") {
  chipreg::testing::TempDir dir;
  const std::string db_path = dir.file("r.db");
  seed_with_checkpoint(dir, db_path, "old.cp");  // 6 leaves
  auto db = chipreg::db::Db::open(db_path);
  REQUIRE(db.ok());
  auto signer = tlog::load_log_key(*db, db_path);
  REQUIRE(signer.ok());
  {
    auto tx = chipreg::db::Tx::begin(*db);
    REQUIRE(tx.ok());
    for (int i = 0; i < 4; ++i) REQUIRE(tlog::append(*db, tlog::EntryKind::kClaim, "c", "{\"n\":" + std::to_string(i) + "}", {}).ok());
    REQUIRE(tx->commit().ok());
  }
  auto cp = chipreg::api::checkpoint_response(*db, *signer);
  REQUIRE(cp.ok());
  write_file(dir.file("new.cp"), *cp);
  auto entry = chipreg::api::entry_response(*db, "1");
  REQUIRE(entry.ok());
  write_file(dir.file("entry.json"), boost::json::serialize(*entry));
  auto proof = chipreg::api::inclusion_response(*db, "1", "10");
  REQUIRE(proof.ok());
  write_file(dir.file("proof.json"), boost::json::serialize(*proof));
  auto cons = chipreg::api::consistency_response(*db, "6", "10");
  REQUIRE(cons.ok());
  write_file(dir.file("cons.json"), boost::json::serialize(*cons));

  auto ok = run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("new.cp"),
                         "--entry-response", dir.file("entry.json"), "--proof", dir.file("proof.json")});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(boost::json::parse(ok.out).at("verified").as_string() == "inclusion");

  auto cons_ok = run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("new.cp"),
                              "--old-checkpoint", dir.file("old.cp"), "--proof", dir.file("cons.json")});
  CHECK(cons_ok.exit_code == 0);

  // Wrong index for the entry: the path leads elsewhere.
  auto bytes = chipreg::crypto::unbase64(std::string(entry->at("entry").as_string()));
  REQUIRE(bytes.ok());
  write_file(dir.file("entry.bin"), std::string(bytes->begin(), bytes->end()));
  CHECK(run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("new.cp"), "--entry",
                     dir.file("entry.bin"), "--index", "1", "--proof", dir.file("proof.json")})
            .exit_code == 0);
  auto wrong_index = run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("new.cp"),
                                  "--entry", dir.file("entry.bin"), "--index", "2", "--proof", dir.file("proof.json")});
  CHECK(wrong_index.exit_code == 1);
  CHECK_THAT(wrong_index.err, Catch::Contains("BAD_PROOF"));

  // A tampered path element.
  auto bad = *proof;
  std::string h(bad.at("path").as_array()[0].as_string());
  h[0] = h[0] == '0' ? '1' : '0';
  bad["path"].as_array()[0] = h;
  write_file(dir.file("bad.json"), boost::json::serialize(bad));
  CHECK(run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("new.cp"), "--entry-response",
                     dir.file("entry.json"), "--proof", dir.file("bad.json")})
            .exit_code == 1);
  // Checkpoints swapped: the new tree is no prefix of the old one.
  CHECK(run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("old.cp"), "--old-checkpoint",
                     dir.file("new.cp"), "--proof", dir.file("cons.json")})
            .exit_code == 1);
  // A checkpoint signed by another key.
  auto other = tlog::generate_note_signer(signer->name);
  REQUIRE(other.ok());
  write_file(dir.file("other.key"), other->verifier().key_string());
  auto foreign = run_chipreg({"log", "verify", "--key", dir.file("other.key"), "--checkpoint", dir.file("new.cp"),
                              "--entry-response", dir.file("entry.json"), "--proof", dir.file("proof.json")});
  CHECK(foreign.exit_code == 1);
  CHECK_THAT(foreign.err, Catch::Contains("UNKNOWN_KEY"));
  CHECK(run_chipreg({"log", "verify", "--help"}).exit_code == 0);
  CHECK(run_chipreg({"log", "verify", "--key", dir.file("key")}).exit_code == 2);
}

TEST_CASE("log cli: verify checks an opening against its leaf's commitment and refuses a forged fact or salt") {
  chipreg::testing::TempDir dir;
  const std::string db_path = dir.file("r.db");
  seed_with_checkpoint(dir, db_path, "cp");  // 6 leaves, each a v2 commitment; 3-5 the purchases
  auto db = chipreg::db::Db::open(db_path);
  REQUIRE(db.ok());
  auto opened = chipreg::api::opening_response(*db, "4", [](const tlog::StoredEntry&) { return true; });
  REQUIRE(opened.ok());
  write_file(dir.file("opening.json"), boost::json::serialize(*opened));
  auto proof = chipreg::api::inclusion_response(*db, "4", "6");
  REQUIRE(proof.ok());
  write_file(dir.file("proof.json"), boost::json::serialize(*proof));
  auto verify = [&](const std::string& file) {
    return run_chipreg({"log", "verify", "--key", dir.file("key"), "--checkpoint", dir.file("cp"), "--entry-response",
                        dir.file(file), "--proof", dir.file("proof.json")});
  };
  auto ok = verify("opening.json");
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  auto out = boost::json::parse(ok.out).as_object();
  CHECK(out.at("verified").as_string() == "inclusion+opening");
  // The fact proven is the second purchase line, 500,000.00 元.
  CHECK(out.at("fact").at("kind").as_string() == "purchase");
  CHECK(out.at("fact").at("fact").at("line").as_int64() == 2);
  CHECK(out.at("fact").at("fact").at("amount_fen").as_int64() == 50000000);

  // A forged amount under the true salt no longer opens the commitment.
  auto forged = *opened;
  auto bytes = chipreg::crypto::unbase64(std::string(forged.at("opening").as_string()));
  REQUIRE(bytes.ok());
  std::string text(bytes->begin(), bytes->end());
  const auto at = text.find("50000000");
  REQUIRE(at != std::string::npos);
  text.replace(at, 8, "90000000");
  forged["opening"] = chipreg::crypto::base64(text);
  write_file(dir.file("forged.json"), boost::json::serialize(forged));
  auto bad_fact = verify("forged.json");
  CHECK(bad_fact.exit_code == 1);
  CHECK_THAT(bad_fact.err, Catch::Contains("BAD_OPENING"));
  // Another salt does not either.
  auto resalted = *opened;
  std::string salt(resalted.at("salt").as_string());
  salt[0] = salt[0] == '0' ? '1' : '0';
  resalted["salt"] = salt;
  write_file(dir.file("resalted.json"), boost::json::serialize(resalted));
  auto bad_salt = verify("resalted.json");
  CHECK(bad_salt.exit_code == 1);
  CHECK_THAT(bad_salt.err, Catch::Contains("BAD_OPENING"));
  // The public entry alone proves inclusion, and shows no fact.
  auto entry = chipreg::api::entry_response(*db, "4");
  REQUIRE(entry.ok());
  write_file(dir.file("entry.json"), boost::json::serialize(*entry));
  auto plain = verify("entry.json");
  REQUIRE(plain.exit_code == 0);
  CHECK(boost::json::parse(plain.out).at("verified").as_string() == "inclusion");
  CHECK(plain.out.find("amount_fen") == std::string::npos);
}
