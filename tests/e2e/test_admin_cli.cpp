// End-to-end: the admin command line (chipreg backup, restore, token, key) against a real
// `chipreg serve` on the same database.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "e2e/world.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

json::object error_of(const ProcessResult& r) { return json::parse(r.err).at("error").as_object(); }

// The invoices of every purchase row in the database at `path`.
std::set<std::string> invoices_in(const std::string& path) {
  auto db = chipreg::db::Db::open(path);
  REQUIRE(db);
  auto st = db->prepare("SELECT invoice FROM purchases");
  REQUIRE(st);
  std::set<std::string> out;
  while (*st->step()) out.insert(st->text(0));
  return out;
}

json::object purchase(const World& w, const std::string& invoice) {
  return json::object{{"invoice", invoice},  {"line", 1},          {"date", "2025-03-02"},
                      {"buyer", w.oem},      {"seller", w.design}, {"product", "P-CHIP"},
                      {"amount_fen", 10000}, {"tax_fen", 1300},    {"reverses", nullptr}};
}

bool no_temporary_files(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return false;
  }
  return true;
}

}  // namespace

TEST_CASE(
    "admin cli: a backup taken while purchases are posted restores to a clean registry with every acknowledged "
    "purchase") {
  Registry reg({"--enterprise-writes-per-minute", "0"});
  World w = build_world(reg);

  std::mutex mu;
  std::vector<std::string> acknowledged;  // guarded by mu
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::thread poster([&] {
    for (long i = 1; !stop; ++i) {
      const std::string invoice = "24332000009" + std::string(9 - std::to_string(i).size(), '0') + std::to_string(i);
      auto r = reg.http().post("/v1/purchases", purchase(w, invoice), w.oem_token);
      if (r.status != 201) {
        ++refused;
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      acknowledged.push_back(invoice);
    }
  });
  auto acked = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged;
  };
  auto wait_for = [&](std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acked().size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };

  wait_for(100);
  const std::vector<std::string> before = acked();  // acknowledged before the backup started
  const std::string copy = reg.dir().file("backup.db");
  auto backup = run_chipreg({"backup", "--db", reg.db(), "--out", copy});
  const std::size_t after_backup = acked().size();
  wait_for(after_backup + 50);  // the server kept taking purchases
  stop = true;
  poster.join();
  const std::size_t total = acked().size();

  REQUIRE(backup.exit_code == 0);
  INFO("acknowledged while the backup ran: " << after_backup - before.size());
  CHECK(refused == 0);
  CHECK(before.size() >= 100);
  CHECK(total >= after_backup + 50);
  auto out = json::parse(backup.out);
  CHECK(str(out, "backup") == copy);
  CHECK(out.at("log_key_included").as_bool() == false);
  CHECK(str(out, "log_key") == reg.db() + ".logkey");
  CHECK(out.at("bytes").as_int64() == static_cast<std::int64_t>(std::filesystem::file_size(copy)));
  CHECK(backup.err.find("NOT contain the log signing key " + reg.db() + ".logkey") != std::string::npos);
  CHECK(backup.err.find("日志签名密钥") != std::string::npos);
  struct stat sb {};
  REQUIRE(::stat(copy.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  CHECK(no_temporary_files(reg.dir().path()));

  const std::string restored = reg.dir().file("restored.db");
  auto restore = run_chipreg({"restore", "--from", copy, "--db", restored});
  REQUIRE(restore.exit_code == 0);
  auto answer = json::parse(restore.out);
  CHECK(str(answer, "restored") == restored);
  CHECK(str(answer, "log_key") == "missing");
  CHECK(answer.at("audit").at("tree_size").as_int64() > static_cast<std::int64_t>(before.size()));

  auto audit = run_chipreg({"log", "audit", "--db", restored});
  CHECK(audit.exit_code == 0);
  CHECK(json::parse(audit.out).at("ok").as_bool());

  const auto in_copy = invoices_in(restored);
  for (const auto& invoice : before) CHECK(in_copy.count(invoice) == 1);
  // A copy of one moment during the load: some of what the server took after it is not in it.
  CHECK(in_copy.size() >= before.size() + 1);  // the world's purchase too
  CHECK(in_copy.size() < total + 1);
  // ... and the live registry, still served, holds everything.
  CHECK(invoices_in(reg.db()).size() == total + 1);
}

TEST_CASE("admin cli: restore refuses a copy edited behind chipreg's back and leaves the target untouched") {
  Registry reg;
  World w = build_world(reg);
  const std::string copy = reg.dir().file("backup.db");
  const std::string target = reg.dir().file("target.db");
  REQUIRE(run_chipreg({"backup", "--db", reg.db(), "--out", copy}).exit_code == 0);
  REQUIRE(run_chipreg({"restore", "--from", copy, "--db", target}).exit_code == 0);
  const std::string target_bytes = read_file(target);

  SECTION("a purchase's amount changed in the copy") {
    {
      auto db = chipreg::db::Db::open(copy);
      REQUIRE(db);
      REQUIRE(
          db->exec_script("UPDATE purchases SET amount_fen = amount_fen + 1 WHERE invoice = '24332000000012345678'"));
      REQUIRE(db->changes() == 1);
    }
    auto r = run_chipreg({"restore", "--from", copy, "--db", target, "--force"});
    CHECK(r.exit_code == 1);
    auto e = error_of(r);
    CHECK(e.at("code") == "AUDIT_FAILED");
    CHECK(e.at("field") == "from");
    auto report = json::parse(r.out);
    CHECK(report.at("ok").as_bool() == false);
    REQUIRE(!report.at("problems").as_array().empty());
    CHECK(report.at("problems").at(0).at("kind") == "purchase");
    CHECK(read_file(target) == target_bytes);
    CHECK(no_temporary_files(reg.dir().path()));
  }
  SECTION("a file that is not a registry") {
    write_file(reg.dir().file("junk.db"), std::string(4096, 'x'));
    auto r = run_chipreg({"restore", "--from", reg.dir().file("junk.db"), "--db", target, "--force"});
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).at("code") == "NOT_A_REGISTRY");
    CHECK(error_of(r).at("field") == "from");
    CHECK(read_file(target) == target_bytes);
  }
  SECTION("an existing target without --force, and an existing backup file without --force") {
    auto r = run_chipreg({"restore", "--from", copy, "--db", target});
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).at("code") == "EXISTS");
    CHECK(error_of(r).at("field") == "db");
    CHECK(read_file(target) == target_bytes);
    auto b = run_chipreg({"backup", "--db", reg.db(), "--out", copy});
    CHECK(b.exit_code == 1);
    CHECK(error_of(b).at("code") == "EXISTS");
    CHECK(error_of(b).at("field") == "out");
  }
  SECTION("with --force a clean copy replaces the target and its stale WAL") {
    write_file(target + "-wal", "stale");
    auto r = run_chipreg({"restore", "--from", copy, "--db", target, "--force"});
    CHECK(r.exit_code == 0);
    CHECK(!std::filesystem::exists(target + "-wal"));
    CHECK(run_chipreg({"log", "audit", "--db", target}).exit_code == 0);
  }
  SECTION("with the log key in place, restore says so") {
    std::filesystem::copy_file(reg.db() + ".logkey", target + ".logkey");
    auto r = run_chipreg({"restore", "--from", copy, "--db", target, "--force"});
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out).at("log_key") == "present");
  }
}

TEST_CASE("admin cli: token create recovers a lost admin, and the server accepts the new token") {
  Registry reg;
  World w = build_world(reg);

  auto r = run_chipreg({"token", "create", "--db", reg.db(), "--role", "admin", "--label", "recovered admin"});
  REQUIRE(r.exit_code == 0);
  auto made = json::parse(r.out);
  const std::string token = str(made, "token");
  CHECK(token.size() == 64);
  CHECK(str(made, "role") == "admin");
  CHECK(made.at("enterprise").is_null());
  auto who = reg.http().get("/v1/whoami", token);
  REQUIRE(who.status == 200);
  CHECK(who.json().at("role") == "admin");
  CHECK(who.json().at("id") == made.at("id"));
  // The audit trail names the command line as the actor.
  auto trail = reg.http().get("/v1/audit?subject=" + std::to_string(made.at("id").as_int64()), token).json();
  bool recorded = false;
  for (const auto& row : trail.at("items").as_array()) {
    recorded = recorded || (row.at("action") == "token.create" && row.at("actor") == "cli");
  }
  CHECK(recorded);
  // It can do what only an admin can: make another token over HTTP.
  CHECK(reg.http().post("/v1/tokens", json::object{{"role", "reviewer"}}, token).status == 201);

  auto ent = run_chipreg(
      {"token", "create", "--db", reg.db(), "--role", "enterprise", "--enterprise", w.oem, "--label", "oem desk"});
  REQUIRE(ent.exit_code == 0);
  auto who_ent = reg.http().get("/v1/whoami", str(json::parse(ent.out), "token"));
  CHECK(str(who_ent.json(), "enterprise") == w.oem);

  auto refused = [&](std::vector<std::string> extra, const char* code, const char* field) {
    std::vector<std::string> args = {"token", "create", "--db", reg.db()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto x = run_chipreg(args);
    CHECK(x.exit_code == 2);
    CHECK(error_of(x).at("code") == code);
    CHECK(error_of(x).at("field") == field);
  };
  refused({"--role", "root", "--label", "x"}, "BAD_ENUM", "role");
  refused({"--role", "enterprise", "--label", "x"}, "MISSING_ENTERPRISE", "enterprise");
  refused({"--role", "admin", "--enterprise", w.oem, "--label", "x"}, "UNEXPECTED_ENTERPRISE", "enterprise");
  refused({"--role", "foundry", "--enterprise", "91330108MA000000X", "--label", "x"}, "BAD_USCC", "enterprise");
  refused({"--role", "foundry", "--enterprise", w.oem, "--label", "x"}, "NOT_A_FOUNDRY", "enterprise");
  refused({"--role", "enterprise", "--enterprise", mint_uscc(77), "--label", "x"}, "UNKNOWN_ENTERPRISE", "enterprise");
  refused({"--role", "admin"}, "USAGE", "label");
}

TEST_CASE("admin cli: key add, revoke and list agree with the HTTP API") {
  Registry reg;
  World w = build_world(reg);
  const std::string prefix = reg.keygen("cli-key");

  auto add = run_chipreg({"key", "add", "--db", reg.db(), "--foundry", w.foundry, "--alg", "ed25519", "--public-key",
                          prefix + ".pub", "--valid-from", "2024-01-01", "--label", "second key"});
  REQUIRE(add.exit_code == 0);
  auto key = json::parse(add.out);
  const std::string keyid = str(key, "keyid");
  CHECK(str(key, "foundry") == w.foundry);
  CHECK(key.at("revoked_from").is_null());
  CHECK(reg.http().get("/v1/foundry-keys/" + keyid, w.foundry_token).json() == key);
  auto trail = reg.http().get("/v1/audit?subject=" + keyid, reg.admin()).json().at("items").as_array();
  REQUIRE(trail.size() == 1);
  CHECK(trail[0].at("actor") == "cli");
  CHECK(trail[0].at("action") == "foundry_key.register");

  // A tape-out signed with the key added on the command line is accepted over HTTP.
  json::object predicate = w.tapeout_predicate;
  predicate["mask_set_id"] = "MS-002";
  predicate["date"] = "2024-10-01";
  auto accepted = reg.http().request("POST", "/v1/tapeouts", reg.sign_tapeout(prefix, predicate, std::string(64, 'b')),
                                     w.foundry_token);
  CHECK(accepted.status == 201);

  auto list_matches_http = [&](const std::vector<std::string>& extra, const std::string& query) {
    std::vector<std::string> args = {"key", "list", "--db", reg.db()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto list = run_chipreg(args);
    REQUIRE(list.exit_code == 0);
    auto cli = json::parse(list.out);
    CHECK(cli == reg.http().get("/v1/foundry-keys" + query, w.foundry_token).json());
    return cli.at("items").as_array().size();
  };
  CHECK(list_matches_http({}, "") == 2);
  CHECK(list_matches_http({"--foundry", w.foundry}, "?foundry=" + w.foundry) == 2);
  CHECK(list_matches_http({"--foundry", w.design}, "?foundry=" + w.design) == 0);

  auto revoke = run_chipreg({"key", "revoke", "--db", reg.db(), "--key-id", keyid, "--from", "2024-11-01"});
  REQUIRE(revoke.exit_code == 0);
  CHECK(json::parse(revoke.out).at("revoked_from") == "2024-11-01");
  CHECK(reg.http().get("/v1/foundry-keys/" + keyid, w.foundry_token).json().at("revoked_from") == "2024-11-01");
  CHECK(list_matches_http({}, "") == 2);
  // Revoked from 2024-11-01: a tape-out dated after it is refused.
  predicate["mask_set_id"] = "MS-003";
  predicate["date"] = "2024-11-05";
  auto late = reg.http().request("POST", "/v1/tapeouts", reg.sign_tapeout(prefix, predicate, std::string(64, 'c')),
                                 w.foundry_token);
  CHECK(late.status == 422);
  CHECK(late.error_code() == "KEY_REVOKED");

  auto refused = [&](std::vector<std::string> args, const char* code, const char* field) {
    args.insert(args.begin() + 1, {"--db", reg.db()});
    args.insert(args.begin(), "key");
    auto x = run_chipreg(args);
    CHECK(x.exit_code == 2);
    CHECK(error_of(x).at("code") == code);
    CHECK(error_of(x).at("field") == field);
  };
  refused({"add", "--foundry", w.foundry, "--alg", "ecdsa-p256", "--public-key", prefix + ".pub", "--valid-from",
           "2024-01-01"},
          "BAD_KEY", "public-key");
  refused(
      {"add", "--foundry", w.design, "--alg", "ed25519", "--public-key", prefix + ".pub", "--valid-from", "2024-01-01"},
      "NOT_FOUNDRY", "foundry");
  refused({"add", "--foundry", w.foundry, "--alg", "ed25519", "--public-key", prefix + ".pub", "--valid-from",
           "2024-01-01"},
          "DUPLICATE", "public-key");
  refused({"add", "--foundry", w.foundry, "--alg", "ed25519", "--public-key", prefix + ".pub"}, "USAGE", "valid-from");
  refused({"revoke", "--key-id", std::string(64, '0'), "--from", "2024-11-01"}, "UNKNOWN_KEY", "key-id");
  refused({"revoke", "--key-id", keyid, "--from", "2024-13-01"}, "BAD_DATE", "from");
}

TEST_CASE("admin cli: every admin command explains itself with --help and is listed by chipreg --help") {
  auto top = run_chipreg({"--help"});
  for (const char* cmd : {"backup", "restore", "token", "key"}) {
    CHECK(top.out.find(std::string("\n  ") + cmd + " ") != std::string::npos);
  }
  for (std::vector<std::string> args : {std::vector<std::string>{"backup", "--help"},
                                        {"restore", "--help"},
                                        {"token", "create", "--help"},
                                        {"key", "add", "--help"}}) {
    auto r = run_chipreg(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("usage: chipreg " + args[0], 0) == 0);
  }
  auto bad = run_chipreg({"backup", "--db", "x.db", "--out"});
  CHECK(bad.exit_code == 2);
  CHECK(error_of(bad).at("code") == "USAGE");
}

TEST_CASE("admin cli: a long backup reports its progress in pages on stderr") {
  TempDir dir;
  const std::string db = dir.file("reg.db");
  REQUIRE(run_chipreg({"init", "--db", db}).exit_code == 0);
  {
    auto raw = chipreg::db::Db::open(db);
    REQUIRE(raw);
    // About 700 pages of 4 KiB, in a table the log does not cover.
    REQUIRE(raw->exec_script(
        "CREATE TABLE filler(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2500) "
        "INSERT INTO filler SELECT randomblob(1000) FROM c"));
  }
  auto r = run_chipreg({"backup", "--db", db, "--out", dir.file("copy.db")});
  REQUIRE(r.exit_code == 0);
  const auto pages = json::parse(r.out).at("pages").as_int64();
  CHECK(pages > 512);
  CHECK(r.err.find("备份 backup: 256/" + std::to_string(pages) + " 页 pages\n") != std::string::npos);
  CHECK(r.err.find("备份 backup: " + std::to_string(pages) + "/" + std::to_string(pages) + " 页 pages\n") !=
        std::string::npos);
}
