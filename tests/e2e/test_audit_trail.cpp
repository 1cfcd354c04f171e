// End-to-end: the audit trail records command-line imports (file, SHA-256, counts,
// operator) and writes refused to a token (with the reason code), shows actors by their
// token's label, and filters by subject, actor and time on indexed ranges.
#include <catch2/catch.hpp>

#include <string>

#include "e2e/world.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

json::array audit_items(Registry& reg, const std::string& query, const std::string& token) {
  auto r = reg.http().get("/v1/audit" + query, token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json().at("items").as_array();
}

}  // namespace

TEST_CASE("audit trail: a command-line import is recorded with its file, SHA-256, counts and operator") {
  Registry reg;
  World w = build_world(reg);
  const std::string csv = reg.dir().file("persons.csv");
  write_file(csv, "id,name\nPX1,张三\nPX2,李四\nPX1,重复\n");
  auto r = run_chipreg({"import", "--db", reg.db(), "persons", csv, "--operator", "王五"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);  // the third row is a duplicate
  auto sha = run_process({"sha256sum", csv});
  REQUIRE(sha.exit_code == 0);
  auto items = audit_items(reg, "?actor=cli:%E7%8E%8B%E4%BA%94", w.reviewer_token);  // cli:王五
  REQUIRE(items.size() == 1);
  const auto& row = items[0].as_object();
  CHECK(row.at("action").as_string() == "import.persons");
  CHECK(row.at("subject").as_string() == csv);
  CHECK(row.at("detail").at("sha256").as_string() == sha.out.substr(0, 64));
  CHECK(row.at("detail").at("imported").as_int64() == 2);
  CHECK(row.at("detail").at("rejected").as_int64() == 1);
  CHECK(row.at("actor_label").is_null());

  // A file that cannot be imported at all is recorded as refused, with its code.
  write_file(reg.dir().file("bad.csv"), "nonsense,header\n1,2\n");
  CHECK(run_chipreg({"import", "--db", reg.db(), "persons", reg.dir().file("bad.csv"), "--operator", "op2"}).exit_code == 2);
  auto refused = audit_items(reg, "?actor=cli:op2", reg.admin());
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].at("action").as_string() == "import.persons.refused");
  CHECK(refused[0].at("detail").at("code").as_string() == "BAD_HEADER");
}

TEST_CASE("audit trail: a write refused to a token is recorded with its reason; one without a token is not") {
  Registry reg;
  World w = build_world(reg);
  // An enterprise posting a purchase for another buyer: 403, nothing written.
  auto bad = reg.http().post("/v1/purchases",
                             json::object{{"invoice", "24332000000099990000"}, {"line", 1}, {"date", "2025-03-02"},
                                          {"buyer", w.other}, {"seller", w.design}, {"product", "P-CHIP"},
                                          {"amount_fen", 10000}, {"tax_fen", 1300}, {"reverses", nullptr}},
                             w.oem_token);
  REQUIRE(bad.status == 403);
  // A body that is not valid: 400 naming the field.
  auto invalid = reg.http().post("/v1/purchases", json::object{{"invoice", "x"}}, w.oem_token);
  REQUIRE(invalid.status == 400);
  // No token: 401, and no row (anyone could grow the trail).
  REQUIRE(reg.http().post("/v1/purchases", json::object{{"invoice", "x"}}, "").status == 401);
  auto whoami = reg.http().get("/v1/whoami", w.oem_token).json();
  const std::string actor = "enterprise:" + w.oem + "#" + std::to_string(whoami.at("id").as_int64());
  auto items = audit_items(reg, "?actor=" + actor, w.reviewer_token);
  std::vector<json::object> refusals;
  for (const auto& i : items) {
    if (i.at("action") == "refused") refusals.push_back(i.as_object());
  }
  REQUIRE(refusals.size() == 2);
  CHECK(refusals[0].at("subject").as_string() == "/v1/purchases");
  CHECK(refusals[0].at("detail").at("status").as_int64() == 403);
  CHECK(refusals[0].at("detail").at("route").as_string() == "/v1/purchases");
  CHECK(refusals[0].at("detail").at("code").as_string() == bad.error_code());
  CHECK(refusals[1].at("detail").at("status").as_int64() == 400);
  CHECK(refusals[1].at("detail").at("code").as_string() == invalid.error_code());
  CHECK(refusals[1].at("detail").as_object().contains("field"));
  // Nothing of the refused purchase was stored.
  CHECK(reg.http().get("/v1/purchases/24332000000099990000/1", reg.admin()).status == 404);
  std::int64_t anonymous = 0;
  for (const auto& i : audit_items(reg, "?limit=500", reg.admin())) {
    if (i.at("action") == "refused" && i.at("actor").as_string().find(w.oem) == std::string::npos) ++anonymous;
  }
  CHECK(anonymous == 0);
}

TEST_CASE("audit trail: actors show their token's label, and the trail filters by subject, actor and time") {
  Registry reg;
  World w = build_world(reg);
  auto made = reg.must(201, "/v1/tokens", json::object{{"role", "admin"}, {"label", "审核科 王审核"}}, reg.admin());
  const std::string labelled = std::string(made.at("token").as_string());
  const std::int64_t id = made.at("id").as_int64();
  reg.must(201, "/v1/tokens", json::object{{"role", "reviewer"}}, labelled);
  auto mine = audit_items(reg, "?actor=admin%23" + std::to_string(id), reg.admin());
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].at("actor_label").as_string() == "审核科 王审核");
  CHECK(mine[0].at("action").as_string() == "token.create");

  // Time: everything is stamped today (UTC); nothing before 2000 or from tomorrow on.
  auto all = audit_items(reg, "?limit=500", reg.admin());
  REQUIRE(all.size() >= 5);
  const std::string today = std::string(all.back().at("at").as_string()).substr(0, 10);
  CHECK(audit_items(reg, "?limit=500&from=" + today, reg.admin()).size() == all.size());
  CHECK(audit_items(reg, "?limit=500&to=2000-01-01", reg.admin()).empty());
  CHECK(audit_items(reg, "?limit=500&from=2999-01-01", reg.admin()).empty());
  const std::string at(all[2].at("at").as_string());
  for (const auto& i : audit_items(reg, "?limit=500&from=" + at, reg.admin())) CHECK(i.at("at").as_string() >= at);
  auto bad = reg.http().get("/v1/audit?from=yesterday", reg.admin());
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "BAD_QUERY");
  // Subject, and pages under a filter.
  const std::string subject(all[0].at("subject").as_string());
  auto page = reg.http().get("/v1/audit?limit=1&subject=" + subject, reg.admin()).json();
  REQUIRE(page.at("items").as_array().size() == 1);
  CHECK(page.at("items").at(0).at("subject").as_string() == subject);
  // Enterprises do not read the trail.
  CHECK(reg.http().get("/v1/audit", w.oem_token).status == 403);

  // Each filter is an indexed range, never a scan of the trail.
  auto db = chipreg::db::Db::open(reg.db());
  REQUIRE(db);
  // (The statements of store/audit.cpp's list_audit and first_id_at.)
  for (const char* sql : {"SELECT id, at, actor, action, subject, detail FROM audit WHERE id > 0 AND subject = 'x' "
                          "ORDER BY id LIMIT 10",
                          "SELECT id, at, actor, action, subject, detail FROM audit WHERE id > 0 AND actor = 'x' "
                          "ORDER BY id LIMIT 10",
                          "SELECT id FROM audit WHERE at >= 'x' ORDER BY at, id LIMIT 1"}) {
    auto plan = db->prepare(std::string("EXPLAIN QUERY PLAN ") + sql);
    REQUIRE(plan);
    std::string text;
    while (*plan->step()) text += plan->text(3) + "\n";
    INFO(sql << "\n" << text);
    CHECK(text.find(" INDEX audit_by_") != std::string::npos);
    CHECK(text.find("SCAN audit") == std::string::npos);
  }
}
