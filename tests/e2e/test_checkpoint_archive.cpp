// End-to-end: `chipreg log publish` and `chipreg log audit --checkpoints` against a real
// `chipreg serve` on the same database, and a log edited or cut short behind its back.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <set>
#include <string>

#include "e2e/fixture.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/log/note.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

// The tree size a signed checkpoint names (its second line).
std::string size_of(const std::string& note) {
  const auto a = note.find('\n') + 1;
  return note.substr(a, note.find('\n', a) - a);
}

json::object publish(Registry& reg, const std::string& dir) {
  auto r = run_chipreg({"log", "publish", "--db", reg.db(), "--to", dir});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object();
}

ProcessResult audit(Registry& reg, const std::string& dir, const std::string& key) {
  return run_chipreg({"log", "audit", "--db", reg.db(), "--checkpoints", dir, "--key", key});
}

// The problems of an audit report that name an archive file, as (code, file) pairs.
std::set<std::pair<std::string, std::string>> archive_problems(const json::object& report) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& p : report.at("problems").as_array()) {
    if (const auto* f = p.as_object().if_contains("file")) {
      out.emplace(std::string(p.at("problem").as_string()), std::string(f->as_string()));
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "checkpoint archive cli: publish appends what the server signs, audit proves the log only grew and names "
    "the archived checkpoint an edit or a cut breaks") {
  Registry reg;
  const std::string dir = reg.dir().file("archive");
  const std::string key = reg.dir().file("log.key");
  write_file(key, reg.http().get("/v1/log/key").body);
  reg.enterprise(mint_uscc(1), "Design House Co.", true, {"ic_design"});
  reg.enterprise(mint_uscc(2), "Terminal Maker Co.", true, {"oem"});

  // 1. The first publish: one file, byte for byte the server's checkpoint of the same tree.
  auto first = publish(reg, dir);
  const std::string served = reg.http().get("/v1/log/checkpoint").body;
  const std::string n1 = size_of(served);
  CHECK(first.at("published").as_bool());
  CHECK(first.at("file").as_string() == dir + "/" + n1 + ".cp");
  CHECK(std::to_string(first.at("tree_size").as_int64()) == n1);
  CHECK(first.at("previous").is_null());
  CHECK(read_file(dir + "/" + n1 + ".cp") == served);
  // Public, for the archive's keeper to read, although chipreg's umask is 077.
  CHECK((fs::status(dir).permissions() & fs::perms::all) ==
        (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
         fs::perms::others_exec));
  CHECK((fs::status(dir + "/" + n1 + ".cp").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));

  // 2. No write since: nothing new.
  auto same = publish(reg, dir);
  CHECK_FALSE(same.at("published").as_bool());
  CHECK(same.at("file").as_string() == dir + "/" + n1 + ".cp");
  CHECK_THAT(std::string(same.at("message").as_string()), Catch::StartsWith("unchanged: "));
  CHECK(names_in(dir) == std::set<std::string>{n1 + ".cp"});

  // 3. Writes, then a second file, proven consistent with the first.
  reg.enterprise(mint_uscc(3), "Foundry Co.", false, {"foundry"});
  reg.enterprise(mint_uscc(4), "Other Co.", true, {"oem"});
  auto second = publish(reg, dir);
  const std::string n2 = size_of(reg.http().get("/v1/log/checkpoint").body);
  REQUIRE(std::stoi(n2) > std::stoi(n1));
  CHECK(second.at("published").as_bool());
  CHECK(second.at("file").as_string() == dir + "/" + n2 + ".cp");
  CHECK(second.at("previous").at("file").as_string() == dir + "/" + n1 + ".cp");
  CHECK(names_in(dir) == std::set<std::string>{n1 + ".cp", n2 + ".cp"});

  // 4. The audit against the archive is clean.
  auto clean = audit(reg, dir, key);
  INFO(clean.out << clean.err);
  REQUIRE(clean.exit_code == 0);
  auto report = json::parse(clean.out).as_object();
  CHECK(report.at("ok").as_bool());
  CHECK(report.at("checkpoints").at("checked").as_int64() == 2);
  CHECK(report.at("checkpoints").at("held").as_int64() == 2);
  CHECK(std::to_string(report.at("checkpoints").at("newest_size").as_int64()) == n2);

  // 5. A forged archive file is an error naming it (in a copy of the archive).
  const std::string forged_dir = reg.dir().file("forged");
  fs::copy(dir, forged_dir);
  {
    std::string note = read_file(forged_dir + "/" + n2 + ".cp");
    const auto root_at = note.find('\n', note.find('\n') + 1) + 1;
    note[root_at] = note[root_at] == 'A' ? 'B' : 'A';
    write_file(forged_dir + "/" + n2 + ".cp", note);
  }
  auto forged = audit(reg, forged_dir, key);
  CHECK(forged.exit_code == 2);
  CHECK_THAT(forged.err, Catch::Contains("BAD_SIGNATURE") && Catch::Contains(forged_dir + "/" + n2 + ".cp"));
  // Signed by another key of the same name.
  auto other = chipreg::tlog::generate_note_signer(chipreg::tlog::parse_note_verifier(read_file(key))->name);
  REQUIRE(other.ok());
  const std::string note2 = read_file(dir + "/" + n2 + ".cp");
  auto by_other = chipreg::tlog::sign_note(note2.substr(0, note2.find("\n\n") + 1), *other);
  REQUIRE(by_other.ok());
  write_file(forged_dir + "/" + n2 + ".cp", *by_other);
  auto foreign = audit(reg, forged_dir, key);
  CHECK(foreign.exit_code == 2);
  CHECK_THAT(foreign.err, Catch::Contains("UNKNOWN_KEY") && Catch::Contains(forged_dir + "/" + n2 + ".cp"));

  // 6. A leaf after the first checkpoint edited behind chipreg's back: the second
  //    checkpoint is no longer held, and the audit names its file.
  auto db = chipreg::db::Db::open(reg.db());
  REQUIRE(db.ok());
  std::string saved_hash;
  {
    auto st = db->prepare("SELECT hex(leaf_hash) FROM log_entries WHERE idx = ?");
    REQUIRE(st.ok());
    st->bind(1, static_cast<std::int64_t>(std::stoi(n1)));
    REQUIRE(*st->step());
    saved_hash = st->text(0);
  }
  const std::string leaf = std::to_string(std::stoi(n1));
  REQUIRE(db->exec_script(("UPDATE log_entries SET leaf_hash = zeroblob(32) WHERE idx = " + leaf).c_str()).ok());
  auto edited = audit(reg, dir, key);
  INFO(edited.out << edited.err);
  CHECK(edited.exit_code == 1);
  auto edited_report = json::parse(edited.out).as_object();
  CHECK(archive_problems(edited_report) ==
        std::set<std::pair<std::string, std::string>>{{"CHECKPOINT_MISMATCH", dir + "/" + n2 + ".cp"}});
  CHECK(edited_report.at("checkpoints").at("held").as_int64() == 1);
  REQUIRE(
      db->exec_script(("UPDATE log_entries SET leaf_hash = X'" + saved_hash + "' WHERE idx = " + leaf).c_str()).ok());
  CHECK(audit(reg, dir, key).exit_code == 0);

  // 7. The log cut back to between the two checkpoints: the database alone looks
  //    consistent, the archive shows the cut, and publish refuses to build on it.
  REQUIRE(db->exec_script(("DELETE FROM log_entries WHERE idx > " + leaf).c_str()).ok());
  auto cut = audit(reg, dir, key);
  INFO(cut.out << cut.err);
  CHECK(cut.exit_code == 1);
  CHECK(archive_problems(json::parse(cut.out).as_object()) ==
        std::set<std::pair<std::string, std::string>>{{"LOG_TRUNCATED", dir + "/" + n2 + ".cp"}});
  auto refused = run_chipreg({"log", "publish", "--db", reg.db(), "--to", dir});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("LOG_TRUNCATED") && Catch::Contains(dir + "/" + n2 + ".cp"));
  CHECK(refused.out.empty());
  CHECK(names_in(dir) == std::set<std::string>{n1 + ".cp", n2 + ".cp"});
}

TEST_CASE("checkpoint archive cli: usage errors and help") {
  TempDir tmp;
  CHECK(run_chipreg({"log", "publish", "--help"}).exit_code == 0);
  CHECK_THAT(run_chipreg({"log", "publish", "--help"}).out, Catch::Contains("DIR/SIZE.cp"));
  CHECK_THAT(run_chipreg({"log", "audit", "--help"}).out, Catch::Contains("--checkpoints DIR"));
  auto no_to = run_chipreg({"log", "publish", "--db", tmp.file("r.db")});
  CHECK(no_to.exit_code == 2);
  CHECK_THAT(no_to.err, Catch::Contains("to"));
  auto no_db = run_chipreg({"log", "publish", "--db", tmp.file("none.db"), "--to", tmp.file("a")});
  CHECK(no_db.exit_code == 2);
  REQUIRE(run_chipreg({"init", "--db", tmp.file("r.db")}).exit_code == 0);
  auto no_key = run_chipreg({"log", "audit", "--db", tmp.file("r.db"), "--checkpoints", tmp.file("a")});
  CHECK(no_key.exit_code == 2);
  CHECK_THAT(no_key.err, Catch::Contains("key"));
  // A fresh log publishes too, its file named by its size.
  auto fresh = run_chipreg({"log", "publish", "--db", tmp.file("r.db"), "--to", tmp.file("a")});
  INFO(fresh.err);
  REQUIRE(fresh.exit_code == 0);
  auto out = json::parse(fresh.out).as_object();
  const std::string file = tmp.file("a") + "/" + std::to_string(out.at("tree_size").as_int64()) + ".cp";
  CHECK(out.at("file").as_string() == file);
  CHECK(size_of(read_file(file)) == std::to_string(out.at("tree_size").as_int64()));
}

TEST_CASE("checkpoint archive cli: verify and audit require each witness's cosignature when given its key") {
  TempDir tmp;
  const std::string db = tmp.file("r.db");
  const std::string dir = tmp.file("archive");
  REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
  auto published = run_chipreg({"log", "publish", "--db", db, "--to", dir});
  REQUIRE(published.exit_code == 0);
  const std::string file(json::parse(published.out).at("file").as_string());
  const std::string note = read_file(file);
  // The log's verifier key, from its signer key beside the database.
  auto signer =
      chipreg::tlog::parse_note_signer(read_file(db + ".logkey").substr(0, read_file(db + ".logkey").find('\n')));
  REQUIRE(signer.ok());
  write_file(tmp.file("log.key"), signer->verifier().key_string());
  auto w1 = chipreg::tlog::generate_cosigner("witness.example/w1");
  auto w2 = chipreg::tlog::generate_cosigner("witness.example/w2");
  REQUIRE((w1.ok() && w2.ok()));
  write_file(tmp.file("w1.key"), w1->verifier().key_string() + "\n");
  write_file(tmp.file("both.keys"),
             "# the bureau's witnesses\n" + w1->verifier().key_string() + "\n\n" + w2->verifier().key_string() + "\n");
  auto cosigned = chipreg::tlog::cosign_note(note, *w1, 1767225600);
  REQUIRE(cosigned.ok());
  write_file(file, *cosigned);

  // log verify: a consistency "proof" of the checkpoint with itself, witnessed by w1.
  write_file(tmp.file("empty.json"), "{\"path\":[]}");
  auto verify = [&](const std::string& keys) {
    return run_chipreg({"log", "verify", "--key", tmp.file("log.key"), "--checkpoint", file, "--old-checkpoint", file,
                        "--proof", tmp.file("empty.json"), "--witness-key", keys});
  };
  auto ok = verify(tmp.file("w1.key"));
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  auto out = json::parse(ok.out).as_object();
  REQUIRE(out.at("witnesses").as_array().size() == 1);
  CHECK(out.at("witnesses").as_array()[0].at("name").as_string() == "witness.example/w1");
  CHECK(out.at("witnesses").as_array()[0].at("time").as_int64() == 1767225600);
  CHECK(verify(w1->verifier().key_string()).exit_code == 0);  // the key string itself
  auto unwitnessed = verify(tmp.file("both.keys"));
  CHECK(unwitnessed.exit_code == 1);
  CHECK_THAT(unwitnessed.err, Catch::Contains("UNKNOWN_KEY") && Catch::Contains("witness.example/w2"));
  CHECK(verify("not-a-key").exit_code == 2);

  // log audit --checkpoints: every archived checkpoint must be cosigned by each.
  auto audit = [&](const std::string& keys) {
    return run_chipreg(
        {"log", "audit", "--db", db, "--checkpoints", dir, "--key", tmp.file("log.key"), "--witness-key", keys});
  };
  auto clean = audit(tmp.file("w1.key"));
  INFO(clean.out << clean.err);
  CHECK(clean.exit_code == 0);
  auto missing = audit(tmp.file("both.keys"));
  CHECK(missing.exit_code == 1);
  auto report = json::parse(missing.out).as_object();
  REQUIRE(report.at("problems").as_array().size() == 1);
  CHECK(report.at("problems").as_array()[0].at("problem").as_string() == "UNWITNESSED");
  CHECK(report.at("problems").as_array()[0].at("file").as_string() == file);
  CHECK(report.at("problems").as_array()[0].at("witness").as_string() == "witness.example/w2");
  auto alone = run_chipreg({"log", "audit", "--db", db, "--witness-key", tmp.file("w1.key")});
  CHECK(alone.exit_code == 2);
}
