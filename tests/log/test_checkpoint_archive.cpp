// The checkpoint archive (registry/log/checkpoint_archive.hpp): publish appends the signed
// checkpoint GET /v1/log/checkpoint serves, only when the log extends the newest archived
// one; the archive audit names each checkpoint the log no longer holds, and a fork.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <set>
#include <string>

#include "api/log_answers.hpp"
#include "crypto/encoding.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/log/checkpoint_archive.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/note.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "support/temp_dir.hpp"

namespace tlog = chipreg::tlog;
using chipreg::db::Db;
using chipreg::db::Tx;
using chipreg::testing::read_file;
using chipreg::testing::write_file;

namespace {

Db open_db(const chipreg::testing::TempDir& dir) {
  auto db = Db::open(dir.file("r.db"));
  REQUIRE(db.ok());
  REQUIRE(chipreg::store::migrate(*db).ok());
  return std::move(*db);
}

tlog::NoteSigner log_signer() {
  auto s = tlog::generate_note_signer(std::string(tlog::kDefaultOrigin));  // the origin of a fresh log
  REQUIRE(s.ok());
  return std::move(*s);
}

// Writes `n` persons numbered from `from`, one leaf each, so the audit finds every row.
void append(Db& db, int from, int n) {
  auto tx = Tx::begin(db);
  REQUIRE(tx.ok());
  for (int i = from; i < from + n; ++i) {
    REQUIRE(chipreg::store::insert_person(db, chipreg::Person{"P" + std::to_string(i), "person " + std::to_string(i)})
                .ok());
  }
  REQUIRE(tx->commit().ok());
}

// Cuts the log back to its first `size` leaves, with their rows (person leaves only):
// what someone with the database file can do unnoticed by the database alone.
void truncate_log(Db& db, int size) {
  const std::string n = std::to_string(size);
  const std::string sql = "DELETE FROM persons WHERE log_index >= " + n + "; DELETE FROM log_entries WHERE idx >= " + n;
  REQUIRE(db.exec_script(sql.c_str()).ok());
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

tlog::PublishOutcome publish(Db& db, const tlog::NoteSigner& signer, const std::string& dir) {
  auto out = tlog::publish_checkpoint(db, signer, dir);
  INFO((out ? std::string() : out.error().code + ": " + out.error().message));
  REQUIRE(out.ok());
  return std::move(*out);
}

boost::json::object audit(Db& db, const tlog::NoteSigner& signer, const std::string& dir) {
  auto archive = tlog::read_archive(dir, signer.verifier());
  INFO((archive ? std::string() : archive.error().message));
  REQUIRE(archive.ok());
  auto report = tlog::audit_log_against_archive(db, std::nullopt, dir, signer.name, *archive);
  REQUIRE(report.ok());
  return std::move(*report);
}

// A checkpoint note the log key signs for any size and root: what a log that showed two
// views would have signed.
std::string signed_note(const tlog::NoteSigner& signer, std::uint64_t size, const tlog::Hash& root) {
  tlog::Checkpoint cp;
  cp.origin = signer.name;
  cp.size = size;
  cp.root = root;
  auto note = tlog::sign_note(cp.body(), signer);
  REQUIRE(note.ok());
  return *note;
}

}  // namespace

TEST_CASE("checkpoint archive: a file is named by its tree size in decimal") {
  CHECK(tlog::archive_file_name(0) == "0.cp");
  CHECK(tlog::archive_file_name(6) == "6.cp");
  CHECK(tlog::archive_file_name(120) == "120.cp");
}

TEST_CASE(
    "checkpoint archive: publish writes the served checkpoint once per size and proves consistency from the last") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");  // does not exist yet
  append(db, 0, 6);

  auto first = publish(db, signer, dir);
  CHECK(first.published);
  CHECK(first.file == dir + "/6.cp");
  CHECK(first.checkpoint.size == 6);
  CHECK_FALSE(first.previous.has_value());
  // Byte for byte what GET /v1/log/checkpoint serves for this tree.
  auto served = chipreg::api::checkpoint_response(db, signer);
  REQUIRE(served.ok());
  CHECK(read_file(first.file) == *served);

  // Nothing new: nothing written.
  auto again = publish(db, signer, dir);
  CHECK_FALSE(again.published);
  CHECK(again.file == dir + "/6.cp");
  CHECK(names_in(dir) == std::set<std::string>{"6.cp"});

  append(db, 6, 4);
  auto second = publish(db, signer, dir);
  CHECK(second.published);
  CHECK(second.file == dir + "/10.cp");
  REQUIRE(second.previous.has_value());
  CHECK(second.previous->file == dir + "/6.cp");
  CHECK(second.previous->checkpoint.size == 6);
  auto proof = tlog::consistency_proof(tlog::db_node_source(db), 6, 10);
  REQUIRE(proof.ok());
  CHECK(second.proof_hashes == proof->size());
  CHECK(second.proof_hashes > 0);
  CHECK(names_in(dir) == std::set<std::string>{"6.cp", "10.cp"});  // no temporary file left

  // Oldest first by size, not by name ("10.cp" < "6.cp" as text).
  auto archive = tlog::read_archive(dir, signer.verifier());
  REQUIRE(archive.ok());
  REQUIRE(archive->size() == 2);
  CHECK((*archive)[0].checkpoint.size == 6);
  CHECK((*archive)[1].checkpoint.size == 10);
  CHECK((*archive)[1].checkpoint.root == second.checkpoint.root);

  auto clean = audit(db, signer, dir);
  CHECK(clean.at("ok").as_bool());
  CHECK(clean.at("problems").as_array().empty());
  CHECK(clean.at("checkpoints").at("checked").as_int64() == 2);
  CHECK(clean.at("checkpoints").at("held").as_int64() == 2);
  CHECK(clean.at("checkpoints").at("pairs_checked").as_int64() == 1);
  CHECK(clean.at("checkpoints").at("newest_size").as_int64() == 10);
}

TEST_CASE("checkpoint archive: publish refuses a log cut short or rewritten, and writes nothing") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");
  append(db, 0, 10);
  publish(db, signer, dir);

  truncate_log(db, 8);
  auto cut = tlog::publish_checkpoint(db, signer, dir);
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().code == "LOG_TRUNCATED");
  CHECK(cut.error().field == dir + "/10.cp");
  CHECK(cut.error().message == dir + "/10.cp signs a tree of 10 leaves; the log holds 8");

  // Two other leaves in their place: ten leaves again, not the archived tree.
  append(db, 100, 2);
  auto replaced = tlog::publish_checkpoint(db, signer, dir);
  REQUIRE_FALSE(replaced.ok());
  CHECK(replaced.error().code == "CHECKPOINT_MISMATCH");
  CHECK(replaced.error().field == dir + "/10.cp");

  // And grown past it: still no extension of the archived tree.
  append(db, 200, 3);
  auto grown = tlog::publish_checkpoint(db, signer, dir);
  REQUIRE_FALSE(grown.ok());
  CHECK(grown.error().code == "CHECKPOINT_MISMATCH");
  CHECK_THAT(grown.error().message, Catch::Contains("the log's first 10 leaves hash to "));
  CHECK(names_in(dir) == std::set<std::string>{"10.cp"});
}

TEST_CASE("checkpoint archive: the audit names each archived checkpoint the log no longer holds") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");
  append(db, 0, 4);
  publish(db, signer, dir);
  append(db, 4, 4);
  publish(db, signer, dir);
  append(db, 8, 4);
  publish(db, signer, dir);  // 4.cp, 8.cp, 12.cp

  // Leaf 5's stored hash replaced behind chipreg's back: the tree at 8 and 12 changed.
  REQUIRE(db.exec_script("UPDATE log_entries SET leaf_hash = zeroblob(32) WHERE idx = 5").ok());
  auto edited = audit(db, signer, dir);
  CHECK_FALSE(edited.at("ok").as_bool());
  std::set<std::string> flagged;
  for (const auto& p : edited.at("problems").as_array()) {
    if (p.as_object().contains("file")) {
      CHECK(p.at("problem").as_string() == "CHECKPOINT_MISMATCH");
      flagged.insert(std::string(p.at("file").as_string()));
    }
  }
  CHECK(flagged == std::set<std::string>{dir + "/8.cp", dir + "/12.cp"});
  CHECK(edited.at("checkpoints").at("held").as_int64() == 1);
}

TEST_CASE("checkpoint archive: the audit reports a log cut below archived checkpoints as LOG_TRUNCATED per file") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");
  append(db, 0, 5);
  publish(db, signer, dir);
  append(db, 5, 5);
  publish(db, signer, dir);  // 5.cp, 10.cp
  truncate_log(db, 7);
  auto cut = audit(db, signer, dir);
  CHECK_FALSE(cut.at("ok").as_bool());
  const auto& problems = cut.at("problems").as_array();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].at("problem").as_string() == "LOG_TRUNCATED");
  CHECK(problems[0].at("file").as_string() == dir + "/10.cp");
  CHECK(problems[0].at("tree_size").as_int64() == 10);
  CHECK(problems[0].at("message").as_string() == dir + "/10.cp signs a tree of 10 leaves; the log holds 7");
  CHECK(cut.at("checkpoints").at("held").as_int64() == 1);
  CHECK(cut.at("checkpoints").at("pairs_checked").as_int64() == 0);  // the log cannot judge 5 -> 10
}

TEST_CASE("checkpoint archive: two signed checkpoints that no one log has are an ARCHIVE_FORK") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");
  append(db, 0, 6);
  publish(db, signer, dir);  // 6.cp, the real tree
  // A checkpoint of 3 leaves the log key signed for another view (a root of seven 0x07s).
  tlog::Hash other{};
  other.fill(0x07);
  write_file(dir + "/3.cp", signed_note(signer, 3, other));
  auto report = audit(db, signer, dir);
  CHECK_FALSE(report.at("ok").as_bool());
  const auto& problems = report.at("problems").as_array();
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].at("problem").as_string() == "CHECKPOINT_MISMATCH");
  CHECK(problems[0].at("file").as_string() == dir + "/3.cp");
  CHECK(problems[1].at("problem").as_string() == "ARCHIVE_FORK");
  CHECK(problems[1].at("file").as_string() == dir + "/6.cp");
  CHECK(problems[1].at("previous").as_string() == dir + "/3.cp");
  CHECK(report.at("checkpoints").at("pairs_checked").as_int64() == 1);
}

TEST_CASE("checkpoint archive: a file signed by another key, tampered or misnamed is an error naming it") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");
  append(db, 0, 6);
  const auto first = publish(db, signer, dir);
  const std::string good = read_file(dir + "/6.cp");

  SECTION("another key of the same name") {
    const auto other = log_signer();
    write_file(dir + "/6.cp", signed_note(other, 6, first.checkpoint.root));
    auto a = tlog::read_archive(dir, signer.verifier());
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == "UNKNOWN_KEY");
    CHECK(a.error().field == dir + "/6.cp");
    CHECK_THAT(a.error().message, Catch::StartsWith(dir + "/6.cp: "));
    // publish opens the newest file too, and refuses to build on it.
    auto p = tlog::publish_checkpoint(db, signer, dir);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == "UNKNOWN_KEY");
  }
  SECTION("a root changed under the log's signature") {
    std::string forged = good;
    const auto line3 = forged.find('\n', forged.find('\n') + 1) + 1;
    forged[line3] = forged[line3] == 'A' ? 'B' : 'A';
    write_file(dir + "/6.cp", forged);
    auto a = tlog::read_archive(dir, signer.verifier());
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == "BAD_SIGNATURE");
    CHECK(a.error().field == dir + "/6.cp");
  }
  SECTION("not a note") {
    write_file(dir + "/7.cp", "hello\n");
    auto a = tlog::read_archive(dir, signer.verifier());
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == "BAD_NOTE");
    CHECK(a.error().field == dir + "/7.cp");
  }
  SECTION("a checkpoint under another size's name") {
    std::filesystem::rename(dir + "/6.cp", dir + "/9.cp");
    auto a = tlog::read_archive(dir, signer.verifier());
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == "BAD_ARCHIVE_NAME");
    CHECK(a.error().message == dir + "/9.cp: holds the checkpoint of a tree of 6 leaves");
  }
  SECTION("a name with leading zeros") {
    write_file(dir + "/006.cp", good);
    auto a = tlog::read_archive(dir, signer.verifier());
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == "BAD_ARCHIVE_NAME");
    CHECK(a.error().field == dir + "/006.cp");
  }
  SECTION("other files are not part of the archive") {
    write_file(dir + "/.6.cp.tmp-abc123", "half a chec");
    write_file(dir + "/README", "kept by the witness\n");
    auto a = tlog::read_archive(dir, signer.verifier());
    REQUIRE(a.ok());
    CHECK(a->size() == 1);
  }
}

TEST_CASE("checkpoint archive: a checkpoint with witness cosignature lines still verifies with the log key") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  const auto signer = log_signer();
  const std::string dir = tmp.file("archive");
  append(db, 0, 6);
  const auto first = publish(db, signer, dir);
  const std::string note = read_file(first.file);

  // Two witnesses add their lines after the log's: a C2SP tlog-cosignature/v1 line, and
  // an older-style signed-note signature (type 0x01) over the same text.
  auto w1 = tlog::generate_cosigner("witness.example/w1");
  auto w2 = tlog::generate_note_signer("witness.example/w2");
  REQUIRE((w1.ok() && w2.ok()));
  auto cosigned = tlog::cosign_note(note, *w1, 1767225600);
  REQUIRE(cosigned.ok());
  auto text = tlog::open_note(note, signer.verifier());
  REQUIRE(text.ok());
  auto by_w2 = tlog::sign_note(*text, *w2);
  REQUIRE(by_w2.ok());
  write_file(first.file, *cosigned + by_w2->substr(text->size() + 1));  // w2's line: after the blank line

  auto archive = tlog::read_archive(dir, signer.verifier());
  REQUIRE(archive.ok());
  REQUIRE(archive->size() == 1);
  CHECK((*archive)[0].checkpoint.size == 6);
  CHECK(tlog::open_cosignature((*archive)[0].note, w1->verifier()).ok());
  CHECK(tlog::open_note((*archive)[0].note, w2->verifier()).ok());
  // The cosigned file is the newest: publish builds on it, and audits it clean.
  CHECK_FALSE(publish(db, signer, dir).published);
  append(db, 6, 2);
  CHECK(publish(db, signer, dir).published);
  CHECK(audit(db, signer, dir).at("ok").as_bool());

  // Requiring w1: the new 8.cp is not cosigned yet.
  auto all = tlog::read_archive(dir, signer.verifier());
  REQUIRE(all.ok());
  auto report = tlog::audit_log_against_archive(db, std::nullopt, dir, signer.name, *all, {w1->verifier()});
  REQUIRE(report.ok());
  CHECK_FALSE(report->at("ok").as_bool());
  const auto& problems = report->at("problems").as_array();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].at("problem").as_string() == "UNWITNESSED");
  CHECK(problems[0].at("file").as_string() == dir + "/8.cp");
  CHECK(problems[0].at("witness").as_string() == "witness.example/w1");
  CHECK(report->at("checkpoints").at("witnesses").as_array() == boost::json::array{"witness.example/w1"});
  // Once w1 co-signs it, clean; a cosignature line that does not verify is BAD_COSIGNATURE.
  auto eight = tlog::cosign_note(read_file(dir + "/8.cp"), *w1, 1767225700);
  REQUIRE(eight.ok());
  write_file(dir + "/8.cp", *eight);
  all = tlog::read_archive(dir, signer.verifier());
  REQUIRE(all.ok());
  auto witnessed = tlog::audit_log_against_archive(db, std::nullopt, dir, signer.name, *all, {w1->verifier()});
  REQUIRE(witnessed.ok());
  CHECK(witnessed->at("ok").as_bool());
  auto forged = tlog::cosign_note(note, *w1, 1767225600);  // 6.cp's cosignature, moved onto 8.cp
  REQUIRE(forged.ok());
  write_file(dir + "/8.cp", read_file(dir + "/8.cp") + forged->substr(note.size()));
  all = tlog::read_archive(dir, signer.verifier());
  REQUIRE(all.ok());
  auto bad = tlog::audit_log_against_archive(db, std::nullopt, dir, signer.name, *all, {w1->verifier()});
  REQUIRE(bad.ok());
  REQUIRE(bad->at("problems").as_array().size() == 1);
  CHECK(bad->at("problems").as_array()[0].at("problem").as_string() == "BAD_COSIGNATURE");
  CHECK(bad->at("problems").as_array()[0].at("file").as_string() == dir + "/8.cp");
}

TEST_CASE("checkpoint archive: the audit refuses an archive of another log") {
  chipreg::testing::TempDir tmp;
  Db db = open_db(tmp);
  auto other = tlog::generate_note_signer("other.example/log");
  REQUIRE(other.ok());
  const std::string dir = tmp.file("archive");
  std::filesystem::create_directory(dir);
  write_file(dir + "/0.cp", signed_note(*other, 0, tlog::empty_root()));
  auto archive = tlog::read_archive(dir, other->verifier());
  REQUIRE(archive.ok());
  auto report = tlog::audit_log_against_archive(db, std::nullopt, dir, other->name, *archive);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().code == "LOG_ORIGIN_MISMATCH");
}
