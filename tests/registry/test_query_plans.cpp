// Specifications of the store's query plans: every statement the import paths compile is
// planned on an index, never as a full scan of a table that grows with the registry, and
// never on an index of a column compared with IS (a NULL binding there matches every row the
// column is NULL in).
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "registry/db/sqlite.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::store;

namespace {

const std::set<std::string> kGrowing = {"enterprises", "enterprise_roles", "persons", "family_links",
                                        "equity", "manual_affiliations", "products", "tapeouts",
                                        "purchases", "claims", "claim_lines", "claim_facts",
                                        "log_entries", "log_nodes", "voids", "invoice_status",
                                        "other_awards", "decisions"};

// The plan's detail lines for `sql`.
std::vector<std::string> plan_of(Db& db, const std::string& sql) {
  auto st = db.prepare("EXPLAIN QUERY PLAN " + sql);
  REQUIRE(st.ok());
  std::vector<std::string> out;
  while (true) {
    auto row = st->step();
    REQUIRE(row.ok());
    if (!*row) break;
    out.push_back(st->text(3));
  }
  return out;
}

// What is wrong with `sql`'s plan, or "" when it scales.
std::string plan_problem(Db& db, const std::string& sql) {
  const auto plan = plan_of(db, sql);
  static const std::regex scan(R"(^SCAN (\w+))");
  static const std::regex is_cmp(R"((\w+) IS (\?|NULL))", std::regex::icase);
  for (const auto& d : plan) {
    std::smatch m;
    if (std::regex_search(d, m, scan) && kGrowing.count(m[1].str())) return "full scan: " + d;
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), is_cmp); it != std::sregex_iterator(); ++it) {
      const std::string col = (*it)[1].str();
      if (d.find("(" + col + "=?") != std::string::npos || d.find(" " + col + "=?") != std::string::npos) {
        return "index on a column compared with IS: " + d;
      }
    }
  }
  return "";
}

Uscc uscc(const char* prefix16) {
  auto u = Uscc::complete(prefix16);
  REQUIRE(u.ok());
  return *u;
}

}  // namespace

TEST_CASE("query plans: the plan check sees the old equity duplicate check and a full scan") {
  testing::TempDir dir;
  auto db = Db::open(dir.file("t.db"));
  REQUIRE(db.ok());
  REQUIRE(migrate(*db).ok());
  CHECK_FALSE(plan_problem(*db, "SELECT 1 FROM equity WHERE holder_enterprise IS ? AND holder_person IS ? AND held = ? "
                                "AND valid_from = ?").empty());
  CHECK_FALSE(plan_problem(*db, "SELECT 1 FROM purchases WHERE seller = ?").empty());
  CHECK(plan_problem(*db, "SELECT 1 FROM purchases WHERE invoice = ? AND line = ?").empty());
}

TEST_CASE("query plans: every statement an import of each kind compiles is indexed") {
  testing::TempDir dir;
  auto opened = Db::open(dir.file("t.db"));
  REQUIRE(opened.ok());
  Db db = std::move(*opened);
  REQUIRE(migrate(db).ok());
  std::vector<std::string> compiled;
  db.set_compile_observer([&](std::string_view sql) { compiled.emplace_back(sql); });

  Repository repo(db);
  const Uscc a = uscc("9133010800000001"), b = uscc("9133010800000002");
  REQUIRE(repo.insert_enterprise(Enterprise{a, "甲公司", true, {Role::kOem}}).ok());
  REQUIRE(repo.insert_enterprise(Enterprise{b, "乙公司", true, {Role::kIcDesign}}).ok());
  REQUIRE(repo.insert_person(Person{"P1", "张三"}).ok());
  REQUIRE(repo.insert_person(Person{"P2", "李四"}).ok());
  REQUIRE(repo.insert_family_link(FamilyLink{"P1", "P2", FamilyRelation::kSpouse}).ok());
  const Validity from{Date::ymd(2024, 1, 1), std::nullopt};
  REQUIRE(repo.insert_equity(EquityEdge{a.str(), false, b, Rate::percent(30), from}).ok());
  REQUIRE(repo.insert_equity(EquityEdge{"P1", true, a, Rate::percent(60), from}).ok());
  // Each duplicate is found by its own form of the check.
  CHECK(repo.insert_equity(EquityEdge{a.str(), false, b, Rate::percent(30), from}).error().code == "DUPLICATE");
  CHECK(repo.insert_equity(EquityEdge{"P1", true, a, Rate::percent(60), from}).error().code == "DUPLICATE");
  CHECK(repo.insert_equity(EquityEdge{"P1", true, b, Rate::percent(10), from}).ok());
  REQUIRE(repo.insert_manual_affiliation(ManualAffiliation{a, b, from, "同一实际控制人"}).ok());
  REQUIRE(repo.insert_product(Product{"PR1", ProductKind::kChip, b, true, std::nullopt, "", "X1"}).ok());

  REQUIRE(compiled.size() >= 10);
  // Stop recording: the EXPLAINs below compile statements too (and would grow `compiled`
  // while it is iterated).
  db.set_compile_observer({});
  bool saw_equity_check = false;
  for (const auto& sql : compiled) {
    INFO(sql);
    CHECK(plan_problem(db, sql) == "");
    if (sql.find("FROM equity WHERE holder_enterprise = ?") != std::string::npos) saw_equity_check = true;
  }
  CHECK(saw_equity_check);
}
