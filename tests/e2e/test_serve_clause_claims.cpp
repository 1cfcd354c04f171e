// End-to-end: claims of the other clauses' rules (2a, 2b, 4, 6, 7, 8, 16a, 16b) filed over
// HTTP on the stored facts, each deciding its RULES.md worked example to the fen; the facts
// bundle (GET /v1/claims/{id}/facts) re-derives the same verdict with `chipreg evaluate`;
// series, stale marks, §7.1 stacking and the 404 for another enterprise's dataset or event.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <set>

#include "e2e/fixture.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

constexpr std::int64_t kYuan = 100;  // fen per 元

json::object evaluate_offline(Registry& reg, const std::string& scenario) {
  static int n = 0;
  const std::string path = reg.dir().file("clause-facts-" + std::to_string(++n) + ".json");
  std::ofstream(path) << scenario;
  auto r = run_process({CHIPREG_BINARY, "evaluate", "--scenario", path});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object().at("claims").as_array().at(0).as_object();
}

// The claim's evaluation over HTTP equals `chipreg evaluate` on its facts bundle, whose
// SHA-256 is the claim's facts_sha256.
void require_bundle_reproduces(Registry& reg, const json::object& claim, const std::string& token) {
  const std::string id(claim.at("id").as_string());
  auto facts = reg.http().get("/v1/claims/" + id + "/facts", token);
  REQUIRE(facts.status == 200);
  const auto& online = claim.at("evaluation").as_object();
  auto offline = evaluate_offline(reg, facts.body);
  for (const char* k : {"eligible", "award_fen", "computed_fen", "basis_fen", "reasons", "items"}) {
    INFO(id << " " << k);
    REQUIRE(json::serialize(online.at(k)) == json::serialize(offline.at(k)));
  }
}

std::int64_t award(const json::object& claim) { return claim.at("evaluation").at("award_fen").as_int64(); }
std::string id_of(const json::object& claim) { return std::string(claim.at("id").as_string()); }

bool has_reason(const json::object& claim, const std::string& code) {
  for (const auto& r : claim.at("evaluation").at("reasons").as_array()) {
    if (r.at("code") == code.c_str()) return true;
  }
  return false;
}

struct World {
  Registry reg;
  std::string firm = mint_uscc(601);      // EDA firm, equipment maker, organizer, platform
  std::string center = mint_uscc(602);    // 杭州人工智能计算中心
  std::string exchange = mint_uscc(603);  // data exchange
  std::string sub = mint_uscc(604);       // 30 % held by the exchange
  std::string tools = mint_uscc(605);     // EDA tool developer, provincial sign-off participant
  std::vector<std::string> callers;
  std::string firm_token, exchange_token, reviewer;

  World() {
    reg.enterprise(firm, "滨江芯片设计有限公司", true, {"eda", "ic_equipment"});
    reg.enterprise(center, "杭州人工智能计算中心", true, {"compute_center"});
    reg.enterprise(exchange, "滨江数据交易所", true, {"data_exchange"});
    reg.enterprise(sub, "数据子公司", true, {"other"});
    reg.enterprise(tools, "EDA 工具公司", true, {"eda"});
    for (int i = 0; i < 4; ++i) {
      callers.push_back(mint_uscc(610 + i));
      reg.enterprise(callers.back(), "调用方 " + std::to_string(i), true, {"other"});
    }
    firm_token = reg.token("enterprise", firm);
    exchange_token = reg.token("enterprise", exchange);
    reviewer = reg.token("reviewer");
  }
  json::object file(const json::object& body, const std::string& token) {
    return reg.must(201, "/v1/claims", body, token).as_object();
  }
};

}  // namespace

TEST_CASE("serve: every rule of the other clauses is filed over HTTP and decides its worked example") {
  World w;
  auto& reg = w.reg;
  const std::string admin = reg.admin();

  // E1: R&D 12,000,000, sales 3,000,000 → 1,800,000.00 元. Q1: equipment R&D 400,000,000 → capped.
  reg.must(201, "/v1/rd-declarations",
           json::object{{"enterprise", w.firm},
                        {"year", 2025},
                        {"field", "eda"},
                        {"rd_fen", 12'000'000 * kYuan},
                        {"sales_fen", 3'000'000 * kYuan},
                        {"audit_ref", "SJ-2026-001"}},
           w.firm_token);
  reg.must(201, "/v1/rd-declarations",
           json::object{{"enterprise", w.firm},
                        {"year", 2025},
                        {"field", "equipment_material"},
                        {"rd_fen", 400'000'000 * kYuan},
                        {"sales_fen", 1},
                        {"audit_ref", "SJ-2026-002"}},
           w.firm_token);
  auto e1 = w.file(json::object{{"rule", "eda_rd"}, {"year", 2025}}, w.firm_token);
  CHECK(award(e1) == 1'800'000 * kYuan);
  require_bundle_reproduces(reg, e1, w.firm_token);
  auto q1 = w.file(json::object{{"rule", "equipment_rd"}, {"year", 2025}}, w.firm_token);
  CHECK(q1.at("evaluation").at("computed_fen").as_int64() == 60'000'000 * kYuan);
  CHECK(award(q1) == 50'000'000 * kYuan);
  CHECK(has_reason(q1, "CAPPED"));
  require_bundle_reproduces(reg, q1, w.reviewer);

  // E4: EDA tools 3,000,000 (价税合计) from a provincial sign-off participant → 1,500,000.00 元.
  reg.must(201, "/v1/signoff-participants",
           json::object{{"enterprise", w.tools}, {"level", "provincial"}, {"from", "2024-01-01"}, {"to", nullptr}},
           admin);
  reg.must(201, "/v1/products",
           json::object{{"id", "EDA-1"},
                        {"kind", "eda_tool"},
                        {"owner", w.tools},
                        {"self_developed", true},
                        {"first_market_date", "2024-07-01"},
                        {"focus_area", "semiconductor_software"},
                        {"model", "EDA-X"}},
           admin);
  reg.must(201, "/v1/purchases",
           json::object{{"invoice", "24332000000099000001"},
                        {"line", 1},
                        {"date", "2025-04-01"},
                        {"buyer", w.firm},
                        {"seller", w.tools},
                        {"product", "EDA-1"},
                        {"amount_fen", 2'700'000 * kYuan},
                        {"tax_fen", 300'000 * kYuan},
                        {"reverses", nullptr}},
           w.firm_token);
  auto e4 = w.file(json::object{{"rule", "eda_purchase"}, {"year", 2025}}, w.firm_token);
  CHECK(award(e4) == 1'500'000 * kYuan);
  CHECK(e4.at("evaluation").at("items").as_array().size() == 1);
  require_bundle_reproduces(reg, e4, w.firm_token);

  // K1: contracts 1,600,000 with vouchers 200,000 → 700,000.00 元, VOUCHER_OFFSET.
  reg.must(201, "/v1/compute-contracts",
           json::object{{"id", "K-1"},
                        {"customer", w.firm},
                        {"provider", w.center},
                        {"date", "2025-02-01"},
                        {"amount_fen", 1'000'000 * kYuan},
                        {"voucher_fen", 200'000 * kYuan}},
           w.firm_token);
  reg.must(201, "/v1/compute-contracts",
           json::object{{"id", "K-2"},
                        {"customer", w.firm},
                        {"provider", w.center},
                        {"date", "2025-05-01"},
                        {"amount_fen", 600'000 * kYuan},
                        {"voucher_fen", 0}},
           w.firm_token);
  auto k1 = w.file(json::object{{"rule", "compute"}, {"year", 2025}}, w.firm_token);
  CHECK(award(k1) == 700'000 * kYuan);
  CHECK(has_reason(k1, "VOUCHER_OFFSET"));
  require_bundle_reproduces(reg, k1, w.firm_token);

  // D1: turnover 300,000,000, of which 50,000,000 with a 30 %-held subsidiary → 2,500,000.00 元.
  reg.must(201, "/v1/equity",
           json::object{{"holder", w.exchange}, {"held", w.sub}, {"pct", 30}, {"from", "2020-01-01"}, {"to", nullptr}},
           admin);
  reg.must(201, "/v1/data-trades",
           json::object{{"id", "DT-1"},
                        {"platform", w.exchange},
                        {"buyer", w.callers[0]},
                        {"seller", w.callers[1]},
                        {"date", "2025-03-01"},
                        {"amount_fen", 250'000'000 * kYuan}},
           w.exchange_token);
  reg.must(201, "/v1/data-trades",
           json::object{{"id", "DT-2"},
                        {"platform", w.exchange},
                        {"buyer", w.sub},
                        {"seller", w.callers[2]},
                        {"date", "2025-04-01"},
                        {"amount_fen", 50'000'000 * kYuan}},
           w.exchange_token);
  auto d1 = w.file(json::object{{"rule", "data_platform"}, {"year", 2025}}, w.exchange_token);
  CHECK(award(d1) == 2'500'000 * kYuan);
  CHECK(has_reason(d1, "AFFILIATED"));
  require_bundle_reproduces(reg, d1, w.exchange_token);

  // S1: 4 non-affiliated district callers, 500,000 each → 200,000.00 元.
  reg.must(201, "/v1/datasets", json::object{{"id", "DS-1"}, {"owner", w.firm}}, w.firm_token);
  for (int i = 0; i < 4; ++i) {
    reg.must(201, "/v1/dataset-calls",
             json::object{{"id", "CALL-" + std::to_string(i)},
                          {"dataset", "DS-1"},
                          {"caller", w.callers[i]},
                          {"date", "2025-06-0" + std::to_string(i + 1)},
                          {"income_fen", 500'000 * kYuan}},
             w.firm_token);
  }
  auto s1 = w.file(json::object{{"rule", "dataset"}, {"year", 2025}, {"dataset", "DS-1"}}, w.firm_token);
  CHECK(award(s1) == 200'000 * kYuan);
  CHECK(s1.at("dataset") == "DS-1");
  require_bundle_reproduces(reg, s1, w.firm_token);

  // P1: a provincial platform spends 7,000,000 → capped 5,000,000.00 元.
  reg.must(201, "/v1/platform-recognitions",
           json::object{{"enterprise", w.firm}, {"level", "provincial"}, {"from", "2024-07-01"}, {"to", nullptr}},
           admin);
  reg.must(
      201, "/v1/platform-expenses",
      json::object{
          {"enterprise", w.firm}, {"date", "2025-03-01"}, {"kind", "venue_rent"}, {"amount_fen", 3'000'000 * kYuan}},
      w.firm_token);
  reg.must(
      201, "/v1/platform-expenses",
      json::object{
          {"enterprise", w.firm}, {"date", "2025-08-01"}, {"kind", "construction"}, {"amount_fen", 4'000'000 * kYuan}},
      w.firm_token);
  auto p1 = w.file(json::object{{"rule", "platform"}, {"year", 2025}}, w.firm_token);
  CHECK(award(p1) == 5'000'000 * kYuan);
  require_bundle_reproduces(reg, p1, w.firm_token);

  // V1: rent 1,500,000 approved 10 days before the start → 750,000.00 元; V2: approved on day one.
  reg.must(201, "/v1/events",
           json::object{{"id", "EV-1"},
                        {"organizer", w.firm},
                        {"start", "2025-09-11"},
                        {"in_district", true},
                        {"focus_area", "ai_software"},
                        {"approval_date", "2025-09-01"},
                        {"approval_ref", "BP-1"},
                        {"venue_rent_fen", 1'500'000 * kYuan}},
           w.firm_token);
  reg.must(201, "/v1/events",
           json::object{{"id", "EV-2"},
                        {"organizer", w.firm},
                        {"start", "2025-10-01"},
                        {"in_district", true},
                        {"focus_area", "ai_software"},
                        {"approval_date", "2025-10-01"},
                        {"approval_ref", "BP-2"},
                        {"venue_rent_fen", 1'500'000 * kYuan}},
           w.firm_token);
  auto v1 = w.file(json::object{{"rule", "event"}, {"event", "EV-1"}}, w.firm_token);
  CHECK(award(v1) == 750'000 * kYuan);
  CHECK(v1.at("year") == 2025);
  CHECK(v1.at("event") == "EV-1");
  require_bundle_reproduces(reg, v1, w.firm_token);
  auto v2 = w.file(json::object{{"rule", "event"}, {"event", "EV-2"}}, w.firm_token);
  CHECK(award(v2) == 0);
  CHECK(has_reason(v2, "NO_PRIOR_APPROVAL"));

  // The reviewer's queue lists every rule; a claim is decided like clause 3 and 12 claims.
  auto queue = reg.http().get("/v1/claims?status=submitted", w.reviewer).json().as_object();
  std::set<std::string> rules;
  for (const auto& c : queue.at("items").as_array()) rules.insert(std::string(c.at("rule").as_string()));
  CHECK(rules == std::set<std::string>{"eda_rd", "equipment_rd", "eda_purchase", "compute", "data_platform", "dataset",
                                       "platform", "event"});
  auto decided = reg.must(200, "/v1/claims/" + id_of(e1) + "/decision",
                          json::object{{"approve_fen", 1'800'000 * kYuan}, {"note", ""}}, w.reviewer);
  CHECK(decided.at("status") == "approved");
  CHECK(decided.at("decision").at("log_index").is_int64());

  // The log audit finds every leaf matching its row.
  auto audit = run_process({CHIPREG_BINARY, "log", "audit", "--db", reg.db()});
  INFO(audit.out << audit.err);
  CHECK(audit.exit_code == 0);
}

TEST_CASE("serve: a series of the other clauses pays the remainder, a new fact marks it stale, §7.1 offsets it") {
  World w;
  auto& reg = w.reg;
  auto contract = [&](const std::string& id, const std::string& date, std::int64_t yuan) {
    reg.must(201, "/v1/compute-contracts",
             json::object{{"id", id},
                          {"customer", w.firm},
                          {"provider", w.center},
                          {"date", date},
                          {"amount_fen", yuan * kYuan},
                          {"voucher_fen", 0}},
             w.firm_token);
  };
  contract("K-1", "2025-02-01", 1'000'000);
  auto first = w.file(json::object{{"rule", "compute"}, {"year", 2025}}, w.firm_token);
  REQUIRE(award(first) == 500'000 * kYuan);
  // One submitted claim per series at a time.
  auto again = reg.http().post("/v1/claims", json::object{{"rule", "compute"}, {"year", 2025}}, w.firm_token);
  CHECK(again.status == 409);
  CHECK(json::parse(again.body).at("error").at("code") == "PENDING_CLAIM");
  // A new contract of the year marks the submitted claim stale; approving it is refused.
  contract("K-2", "2025-03-01", 600'000);
  auto stale = reg.http().get("/v1/claims/" + id_of(first), w.reviewer).json().as_object();
  CHECK(stale.at("stale") == true);
  auto refused = reg.http().post("/v1/claims/" + id_of(first) + "/decision",
                                 json::object{{"approve_fen", 500'000 * kYuan}, {"note", ""}}, w.reviewer);
  CHECK(refused.status == 409);
  auto fresh = reg.must(200, "/v1/claims/" + id_of(first) + "/evaluate", json::object{}, w.reviewer).as_object();
  CHECK(fresh.at("stale") == false);
  CHECK(award(fresh) == 800'000 * kYuan);
  reg.must(200, "/v1/claims/" + id_of(first) + "/decision",
           json::object{{"approve_fen", 800'000 * kYuan}, {"note", ""}}, w.reviewer);
  // More contracts: the second claim is computed on the whole year, 2,400,000 × 50 % =
  // 1,200,000 → capped 1,000,000, less the 800,000 approved = 200,000.00 元.
  contract("K-3", "2025-06-01", 800'000);
  auto second = w.file(json::object{{"rule", "compute"}, {"year", 2025}}, w.firm_token);
  CHECK(second.at("evaluation").at("computed_fen").as_int64() == 1'200'000 * kYuan);
  CHECK(award(second) == 200'000 * kYuan);
  require_bundle_reproduces(reg, second, w.firm_token);
  // §7.1: the city granted 150,000 for the same project → the district tops up 50,000.
  reg.must(201, "/v1/other-awards",
           json::object{{"claim", id_of(second)}, {"level", "city"}, {"amount_fen", 150'000 * kYuan}}, w.reviewer);
  auto stacked = reg.must(200, "/v1/claims/" + id_of(second) + "/evaluate", json::object{}, w.reviewer).as_object();
  CHECK(award(stacked) == 50'000 * kYuan);
  CHECK(has_reason(stacked, "OTHER_LEVEL_OFFSET"));
  require_bundle_reproduces(reg, stacked, w.reviewer);
}

TEST_CASE("serve: clause 8 over HTTP judges affiliation on the stored ownership; another's dataset is 404") {
  World w;
  auto& reg = w.reg;
  reg.must(201, "/v1/datasets", json::object{{"id", "DS-1"}, {"owner", w.firm}}, w.firm_token);
  for (int i = 0; i < 4; ++i) {
    reg.must(201, "/v1/dataset-calls",
             json::object{{"id", "CALL-" + std::to_string(i)},
                          {"dataset", "DS-1"},
                          {"caller", w.callers[i]},
                          {"date", "2025-06-10"},
                          {"income_fen", 500'000 * kYuan}},
             w.firm_token);
  }
  // Callers 0 and 1 under a common holder: one group, so 3 groups — not more than 3.
  const std::string holder = mint_uscc(620);
  reg.enterprise(holder, "共同股东", false, {"other"});
  for (int i = 0; i < 2; ++i) {
    reg.must(
        201, "/v1/equity",
        json::object{{"holder", holder}, {"held", w.callers[i]}, {"pct", 40}, {"from", "2020-01-01"}, {"to", nullptr}},
        reg.admin());
  }
  auto s = w.file(json::object{{"rule", "dataset"}, {"year", 2025}, {"dataset", "DS-1"}}, w.firm_token);
  CHECK(award(s) == 0);
  CHECK(has_reason(s, "NOT_ENOUGH_CALLERS"));
  require_bundle_reproduces(reg, s, w.firm_token);
  // A fifth caller makes 4 groups; the stale claim re-evaluates to 5 × 50,000.
  const std::string fifth = mint_uscc(621);
  reg.enterprise(fifth, "调用方 4", true, {"other"});
  reg.must(201, "/v1/dataset-calls",
           json::object{{"id", "CALL-4"},
                        {"dataset", "DS-1"},
                        {"caller", fifth},
                        {"date", "2025-07-01"},
                        {"income_fen", 500'000 * kYuan}},
           w.firm_token);
  CHECK(reg.http().get("/v1/claims/" + id_of(s), w.firm_token).json().at("stale") == true);
  auto again = reg.must(200, "/v1/claims/" + id_of(s) + "/evaluate", json::object{}, w.firm_token).as_object();
  CHECK(award(again) == 250'000 * kYuan);
  require_bundle_reproduces(reg, again, w.firm_token);

  // Another enterprise's dataset or event: 404, as for an unknown one.
  const std::string other_token = reg.token("enterprise", w.callers[0]);
  auto theirs = reg.http().post("/v1/claims", json::object{{"rule", "dataset"}, {"year", 2025}, {"dataset", "DS-1"}},
                                other_token);
  CHECK(theirs.status == 404);
  auto unknown = reg.http().post("/v1/claims", json::object{{"rule", "event"}, {"event", "NOPE"}}, w.firm_token);
  CHECK(unknown.status == 404);
  // Each rule names exactly its own fields.
  auto extra = reg.http().post("/v1/claims", json::object{{"rule", "compute"}, {"year", 2025}, {"dataset", "DS-1"}},
                               w.firm_token);
  CHECK(extra.status == 422);
  CHECK(json::parse(extra.body).at("error").at("field") == "dataset");
  auto no_year = reg.http().post("/v1/claims", json::object{{"rule", "platform"}}, w.firm_token);
  CHECK(no_year.status == 400);
}

TEST_CASE("serve: each of the other clauses' facts is a log leaf, and the audit finds an edited one") {
  World w;
  auto& reg = w.reg;
  reg.must(201, "/v1/rd-declarations",
           json::object{{"enterprise", w.firm}, {"year", 2025}, {"field", "eda"}, {"rd_fen", 100}, {"sales_fen", 1},
                        {"audit_ref", "SJ-1"}},
           w.firm_token);
  reg.must(201, "/v1/signoff-participants",
           json::object{{"enterprise", w.tools}, {"level", "national"}, {"from", "2024-01-01"}, {"to", nullptr}},
           reg.admin());
  reg.must(201, "/v1/compute-contracts",
           json::object{{"id", "K-1"}, {"customer", w.firm}, {"provider", w.center}, {"date", "2025-02-01"},
                        {"amount_fen", 4242}, {"voucher_fen", 0}},
           w.firm_token);
  reg.must(201, "/v1/data-trades",
           json::object{{"id", "DT-1"}, {"platform", w.exchange}, {"buyer", w.callers[0]}, {"seller", w.callers[1]},
                        {"date", "2025-03-01"}, {"amount_fen", 7}},
           w.exchange_token);
  reg.must(201, "/v1/datasets", json::object{{"id", "DS-1"}, {"owner", w.firm}}, w.firm_token);
  reg.must(201, "/v1/dataset-calls",
           json::object{{"id", "CALL-1"}, {"dataset", "DS-1"}, {"caller", w.callers[0]}, {"date", "2025-06-01"},
                        {"income_fen", 5}},
           w.firm_token);
  reg.must(201, "/v1/platform-recognitions",
           json::object{{"enterprise", w.firm}, {"level", "national"}, {"from", "2024-07-01"}, {"to", nullptr}},
           reg.admin());
  reg.must(201, "/v1/platform-expenses",
           json::object{{"enterprise", w.firm}, {"date", "2025-03-01"}, {"kind", "venue_rent"}, {"amount_fen", 9}},
           w.firm_token);
  reg.must(201, "/v1/events",
           json::object{{"id", "EV-1"}, {"organizer", w.firm}, {"start", "2025-09-11"}, {"in_district", true},
                        {"focus_area", "ai_software"}, {"approval_date", "2025-09-01"}, {"approval_ref", "BP-1"},
                        {"venue_rent_fen", 100}},
           w.firm_token);
  auto audit = run_process({CHIPREG_BINARY, "log", "audit", "--db", reg.db()});
  INFO(audit.out << audit.err);
  REQUIRE(audit.exit_code == 0);
  auto report = json::parse(audit.out).as_object();
  INFO(audit.out);
  const auto& checked = report.at("checked").as_object();
  for (const char* kind : {"rd_declaration", "signoff_participant", "compute_contract", "data_trade", "dataset",
                           "dataset_call", "platform_recognition", "platform_expense", "event"}) {
    INFO(kind);
    CHECK(checked.at(kind) == 1);
  }
  // An edit behind chipreg's back: the contract's amount no longer matches its leaf.
  auto edit = run_process({"python3", "-c",
                           "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);"
                           "c.execute(\"UPDATE compute_contracts SET fact=replace(fact,'4242','4243')\");c.commit()",
                           reg.db()});
  REQUIRE(edit.exit_code == 0);
  auto again = run_process({CHIPREG_BINARY, "log", "audit", "--db", reg.db()});
  CHECK(again.exit_code != 0);
  CHECK(again.out.find("ROW_MISMATCH") != std::string::npos);
  CHECK(again.out.find("compute_contract K-1") != std::string::npos);
}

TEST_CASE("serve: a clause 4 claim sees the claimant's approvals of other years, as the whole-world scenario does") {
  World w;
  auto& reg = w.reg;
  for (int year : {2024, 2025}) {
    reg.must(201, "/v1/rd-declarations",
             json::object{{"enterprise", w.firm},
                          {"year", year},
                          {"field", "equipment_material"},
                          {"rd_fen", 100'000'000 * kYuan},
                          {"sales_fen", 1},
                          {"audit_ref", "SJ-" + std::to_string(year)}},
             w.firm_token);
  }
  // 2024: 15 % of 100,000,000 = 15,000,000.00 元, approved.
  auto y2024 = w.file(json::object{{"rule", "equipment_rd"}, {"year", 2024}}, w.firm_token);
  REQUIRE(award(y2024) == 15'000'000 * kYuan);
  reg.must(200, "/v1/claims/" + id_of(y2024) + "/decision",
           json::object{{"approve_fen", 15'000'000 * kYuan}, {"note", ""}}, w.reviewer);
  // 2025: the cap is per year (equipment_rd.cap_scope = year), so 2024's approval does not
  // lower it, and the trace says so; the bundle carries that approval, and `chipreg evaluate`
  // on the bundle decides the same.
  auto y2025 = w.file(json::object{{"rule", "equipment_rd"}, {"year", 2025}}, w.firm_token);
  CHECK(award(y2025) == 15'000'000 * kYuan);
  bool named = false;
  for (const auto& line : y2025.at("evaluation").at("trace").as_array()) {
    const std::string text(line.as_string());
    if (text.find("其他年度已核准 15,000,000.00 元 不计入本年度上限") != std::string::npos) named = true;
  }
  CHECK(named);
  auto facts = reg.http().get("/v1/claims/" + id_of(y2025) + "/facts", w.firm_token);
  REQUIRE(facts.status == 200);
  const auto bundle = json::parse(facts.body).as_object();
  REQUIRE(bundle.at("prior_approvals").as_array().size() == 1);
  CHECK(bundle.at("prior_approvals").as_array()[0].at("year") == 2024);
  CHECK(bundle.at("prior_approvals").as_array()[0].at("amount_fen") == 15'000'000 * kYuan);
  require_bundle_reproduces(reg, y2025, w.firm_token);
}

TEST_CASE("serve: the other clauses' intake refuses an amount beyond 100 亿元 and a future date, naming the field") {
  World w;
  auto& reg = w.reg;
  auto post = [&](std::int64_t amount, const std::string& date) {
    return reg.http().post("/v1/compute-contracts",
                           json::object{{"id", "K-BOUND"},
                                        {"customer", w.firm},
                                        {"provider", w.center},
                                        {"date", date},
                                        {"amount_fen", amount},
                                        {"voucher_fen", 0}},
                           w.firm_token);
  };
  auto big = post(1'000'000'000'001, "2025-03-01");
  CHECK(big.status == 422);
  auto bige = json::parse(big.body).at("error");
  CHECK(bige.at("code") == "AMOUNT_TOO_LARGE");
  CHECK(bige.at("field") == "amount_fen");
  auto future = post(100 * kYuan, "2999-01-01");
  CHECK(future.status == 422);
  auto fe = json::parse(future.body).at("error");
  CHECK(fe.at("code") == "FUTURE_DATE");
  CHECK(fe.at("field") == "date");
  // Neither wrote anything: the same id is still free.
  auto ok = post(1'000'000 * kYuan, "2025-03-01");
  CHECK(ok.status == 201);
}
