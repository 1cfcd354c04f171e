// Objections (异议) and recovery (追回) over HTTP against the real server: an AFFILIATED
// exclusion contested and overturned by a finding of non-affiliation, a rejection and its
// reason, the deadline, who may see what, and a void after approval recovered and netted by
// the series' next claim. Amounts are exact fen.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>

#include "e2e/fixture.hpp"
#include "registry/db/clock.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

const char* kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// An OEM buying self-developed modules (no tape-out needed) from a design house; a rival
// enterprise with a token of its own.
struct Series {
  Registry reg;
  std::string design = mint_uscc(2);
  std::string oem = mint_uscc(3);
  std::string rival = mint_uscc(4);
  std::string oem_token, design_token, rival_token, reviewer;
  int next_invoice = 1;

  Series() {
    reg.enterprise(design, "Design House Co.", true, {"ic_design"});
    reg.enterprise(oem, "Terminal Maker Co.", true, {"oem"});
    reg.enterprise(rival, "Rival Co.", true, {"oem"});
    oem_token = reg.token("enterprise", oem);
    design_token = reg.token("enterprise", design);
    rival_token = reg.token("enterprise", rival);
    reviewer = reg.token("reviewer");
    reg.must(201, "/v1/products",
             json::object{{"id", "P-MOD"}, {"kind", "module"}, {"owner", design}, {"self_developed", true},
                          {"first_market_date", "2024-07-01"}, {"focus_area", "chip_design"}, {"model", "BJ-MOD-01"}},
             design_token);
  }
  std::string buy(const std::string& date, long long yuan) {
    char inv[32];
    std::snprintf(inv, sizeof inv, "2433200000%010d", next_invoice++);
    reg.must(201, "/v1/purchases",
             json::object{{"invoice", inv}, {"line", 1}, {"date", date}, {"buyer", oem}, {"seller", design},
                          {"product", "P-MOD"}, {"amount_fen", yuan * 100}, {"tax_fen", 0}, {"reverses", nullptr}},
             oem_token);
    return inv;
  }
  json::object file() {
    return reg.must(201, "/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, oem_token)
        .as_object();
  }
  json::object get(const std::string& target, const std::string& token) {
    auto r = reg.http().get(target, token);
    REQUIRE(r.status == 200);
    return r.json().as_object();
  }
  std::int64_t tree_size() {
    auto r = reg.http().get("/v1/log/checkpoint");
    const auto first = r.body.find('\n');
    return std::stoll(r.body.substr(first + 1, r.body.find('\n', first + 1) - first - 1));
  }
};

std::string id_of(const json::object& o) { return std::string(o.at("id").as_string()); }
std::int64_t award(const json::object& claim) { return claim.at("evaluation").at("award_fen").as_int64(); }

// `chipreg evaluate` on a scenario text: its first claim's output object.
json::object evaluate_offline(Registry& reg, const std::string& scenario) {
  const std::string path = reg.dir().file("facts-" + std::to_string(std::rand()) + ".json");
  std::ofstream(path) << scenario;
  auto r = run_process({CHIPREG_BINARY, "evaluate", "--scenario", path});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object().at("claims").as_array().at(0).as_object();
}

// Moves the claim's decision `days` days back in the bureau's calendar (Asia/Shanghai):
// the test's stand-in for waiting. 04:00Z is noon in Hangzhou, the same date.
void decided_days_ago(Registry& reg, const std::string& claim, int days) {
  auto today = chipreg::Date::parse(chipreg::db::today_shanghai());
  REQUIRE(today);
  const std::string at = today->add_days(-days).str() + "T04:00:00.000Z";
  auto db = chipreg::db::Db::open(reg.db());
  REQUIRE(db);
  REQUIRE(db->exec_script(("UPDATE decisions SET decided_at = '" + at + "' WHERE claim = '" + claim + "'").c_str()).ok());
}

}  // namespace

TEST_CASE("objections e2e: an AFFILIATED exclusion ends in a finding of non-affiliation and a re-evaluated award") {
  Series s;
  // The registry still shows the OEM holding 30% of the supplier: the transfer of 2024-12-31
  // never reached it.
  s.reg.must(201, "/v1/equity",
             json::object{{"holder", s.oem}, {"held", s.design}, {"pct", 30}, {"from", "2020-01-01"}, {"to", nullptr}},
             s.reg.admin());
  const std::string inv = s.buy("2025-03-01", 4'000'000);
  auto claim = s.file();
  const std::string cid = id_of(claim);
  REQUIRE(award(claim) == 0);
  REQUIRE(claim.at("evaluation").at("lines").at(0).at("codes").at(0).as_string() == "AFFILIATED");

  const auto before = s.tree_size();
  auto o = s.reg.must(201, "/v1/claims/" + cid + "/objections",
                      json::object{{"text", "该股权已于2024年12月31日转让，采购时双方不存在关联关系。"},
                                   {"lines", json::array{json::object{{"invoice", inv}, {"line", 1}}}},
                                   {"reasons", json::array{"AFFILIATED"}},
                                   {"evidence", json::array{json::object{{"name", "股权转让协议.pdf"}, {"sha256", kSha}}}}},
                      s.oem_token)
               .as_object();
  const std::string oid = id_of(o);
  CHECK(oid == "O00000001");
  CHECK(o.at("status").as_string() == "open");
  CHECK(o.at("against").as_string() == "evaluation");
  CHECK(o.at("deadline").is_null());
  CHECK(o.at("log_index").as_int64() == before);  // the objection is the next leaf
  CHECK(o.at("evidence").at(0).at("sha256").as_string() == kSha);
  // One open objection per claim.
  auto twice = s.reg.http().post("/v1/claims/" + cid + "/objections", json::object{{"text", "再次异议"}}, s.oem_token);
  CHECK(twice.status == 409);
  CHECK(twice.error_code() == "OBJECTION_PENDING");
  // A line or a reason the evaluation does not have is refused.
  // (checked on another claim below; here the queue)
  auto queue = s.get("/v1/objections?status=open", s.reviewer);
  REQUIRE(queue.at("items").as_array().size() == 1);
  CHECK(queue.at("items").at(0).at("id").as_string() == oid);

  auto answered = s.reg.must(200, "/v1/objections/" + oid + "/answer",
                             json::object{{"answer", "affiliation_finding"},
                                          {"note", "经核实工商变更登记，2025年起不存在关联关系"},
                                          {"finding", json::object{{"a", s.oem},
                                                                   {"b", s.design},
                                                                   {"from", "2025-01-01"},
                                                                   {"to", nullptr},
                                                                   {"basis", "股权已于2024-12-31转让（工商变更登记）"},
                                                                   {"affiliated", false}}}},
                             s.reviewer)
                      .as_object();
  CHECK(answered.at("status").as_string() == "answered");
  const auto& a = answered.at("answer").as_object();
  CHECK(a.at("answer").as_string() == "affiliation_finding");
  CHECK(a.at("award_before_fen").as_int64() == 0);
  CHECK(a.at("award_after_fen").as_int64() == 120'000'000);  // 4,000,000.00 × 30% = 1,200,000.00 元
  CHECK(a.at("fact_log_index").as_int64() == before + 1);     // the finding's leaf
  CHECK(a.at("log_index").as_int64() == before + 3);          // after the claim's re-evaluation leaf
  CHECK(s.tree_size() == before + 4);

  auto now = s.get("/v1/claims/" + cid, s.oem_token);
  CHECK(award(now) == 120'000'000);
  CHECK(now.at("evaluation").at("lines").at(0).at("qualifies").as_bool());
  CHECK(s.get("/v1/objections?status=open", s.reviewer).at("items").as_array().empty());
  // The facts bundle carries the finding, and `chipreg evaluate` on it gives the same award.
  auto facts = s.reg.http().get("/v1/claims/" + cid + "/facts", s.oem_token);
  REQUIRE(facts.status == 200);
  CHECK(facts.body.find("\"affiliated\":false") != std::string::npos);
  CHECK(evaluate_offline(s.reg, facts.body).at("award_fen").as_int64() == 120'000'000);
  // Answered once only.
  auto again = s.reg.http().post("/v1/objections/" + oid + "/answer", json::object{{"answer", "rejected"}, {"note", "x"}},
                                 s.reviewer);
  CHECK(again.status == 409);
  CHECK(again.error_code() == "ALREADY_ANSWERED");
  // Audited, and the log still checks out.
  auto audit = s.get("/v1/audit?subject=" + oid, s.reg.admin());
  REQUIRE(audit.at("items").as_array().size() == 2);
  CHECK(audit.at("items").at(0).at("action").as_string() == "objection.file");
  CHECK(audit.at("items").at(1).at("action").as_string() == "objection.answer");
  auto check = run_process({CHIPREG_BINARY, "log", "audit", "--db", s.reg.db()});
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("\"objection_answer\"") != std::string::npos);
}

TEST_CASE("objections e2e: a rejection records its reason, and a correcting fact is named by its log index") {
  Series s;
  const std::string a = s.buy("2025-03-01", 3'000'000);
  const std::string b = s.buy("2025-04-01", 1'000'000);
  auto claim = s.file();
  const std::string cid = id_of(claim);
  REQUIRE(award(claim) == 120'000'000);
  // Unknown lines and reasons are refused, naming the field.
  auto bad_line = s.reg.http().post(
      "/v1/claims/" + cid + "/objections",
      json::object{{"text", "x"}, {"lines", json::array{json::object{{"invoice", "999"}, {"line", 1}}}}}, s.oem_token);
  CHECK(bad_line.status == 422);
  CHECK(bad_line.error_code() == "UNKNOWN_LINE");
  auto bad_reason = s.reg.http().post("/v1/claims/" + cid + "/objections",
                                      json::object{{"text", "x"}, {"reasons", json::array{"AFFILIATED"}}}, s.oem_token);
  CHECK(bad_reason.status == 422);
  CHECK(bad_reason.error_code() == "UNKNOWN_REASON");

  auto o1 = s.reg.must(201, "/v1/claims/" + cid + "/objections", json::object{{"text", "金额应更高"}}, s.oem_token).as_object();
  auto rejected = s.reg.must(200, "/v1/objections/" + id_of(o1) + "/answer",
                             json::object{{"answer", "rejected"}, {"note", "证据不足：未提供补充发票"}}, s.reviewer)
                      .as_object();
  CHECK(rejected.at("status").as_string() == "rejected");
  CHECK(rejected.at("answer").at("note").as_string() == "证据不足：未提供补充发票");
  CHECK(rejected.at("answer").at("fact_log_index").is_null());
  CHECK(rejected.at("answer").at("award_after_fen").as_int64() == 120'000'000);
  CHECK(s.get("/v1/objections?status=rejected", s.oem_token).at("items").as_array().size() == 1);
  // A rejection without a reason is refused.
  auto o2 = s.reg.must(201, "/v1/claims/" + cid + "/objections",
                       json::object{{"text", "发票 B 已作废，应扣除"},
                                    {"lines", json::array{json::object{{"invoice", b}, {"line", 1}}}}},
                       s.oem_token)
                .as_object();
  auto no_note = s.reg.http().post("/v1/objections/" + id_of(o2) + "/answer", json::object{{"answer", "rejected"}}, s.reviewer);
  CHECK(no_note.status == 400);
  // (a): the reviewer writes the correcting fact through the ordinary route, then names it.
  // A leaf from before the objection is not an answer to it.
  auto early = s.reg.http().post("/v1/objections/" + id_of(o2) + "/answer",
                                 json::object{{"answer", "fact_corrected"}, {"note", "x"}, {"fact_log_index", 0}},
                                 s.reviewer);
  CHECK(early.status == 422);
  CHECK(early.error_code() == "UNKNOWN_LEAF");
  auto v = s.reg.must(200, "/v1/purchases/" + b + "/void", json::object{{"date", "2025-09-01"}, {"buyer", s.oem}}, s.reg.admin()).as_object();
  auto fixed = s.reg.must(200, "/v1/objections/" + id_of(o2) + "/answer",
                          json::object{{"answer", "fact_corrected"}, {"note", "已登记作废"}, {"fact_log_index", v.at("log_index")}},
                          s.reviewer)
                   .as_object();
  CHECK(fixed.at("answer").at("fact_log_index") == v.at("log_index"));
  CHECK(fixed.at("answer").at("award_after_fen").as_int64() == 90'000'000);  // 3,000,000.00 × 30%
  CHECK(award(s.get("/v1/claims/" + cid, s.reviewer)) == 90'000'000);
  (void)a;
}

TEST_CASE("objections e2e: an objection to a decision is taken for 15 days after it, that day included") {
  Series s;
  s.buy("2025-03-01", 4'000'000);
  auto claim = s.file();
  const std::string cid = id_of(claim);
  s.reg.must(200, "/v1/claims/" + cid + "/decision", json::object{{"approve_fen", 100'000'000}, {"note", "部分核准"}},
             s.reviewer);
  decided_days_ago(s.reg, cid, 15);
  auto in_time = s.reg.must(201, "/v1/claims/" + cid + "/objections", json::object{{"text", "核准金额低于测算"}}, s.oem_token)
                     .as_object();
  CHECK(in_time.at("against").as_string() == "decision");
  CHECK(in_time.at("deadline").as_string() == chipreg::db::today_shanghai());
  s.reg.must(200, "/v1/objections/" + id_of(in_time) + "/answer",
             json::object{{"answer", "rejected"}, {"note", "核准金额在评审权限内"}}, s.reviewer);
  decided_days_ago(s.reg, cid, 16);
  auto late = s.reg.http().post("/v1/claims/" + cid + "/objections", json::object{{"text", "再议"}}, s.oem_token);
  CHECK(late.status == 422);
  CHECK(late.error_code() == "OBJECTION_LATE");
  CHECK(s.get("/v1/claims/" + cid + "/objections", s.oem_token).at("items").as_array().size() == 1);
}

TEST_CASE("objections e2e: another enterprise can neither object to nor read someone else's objection") {
  Series s;
  s.buy("2025-03-01", 4'000'000);
  const std::string cid = id_of(s.file());
  auto theirs = s.reg.http().post("/v1/claims/" + cid + "/objections", json::object{{"text", "冒名异议"}}, s.rival_token);
  CHECK(theirs.status == 404);
  CHECK(s.reg.http().post("/v1/claims/" + cid + "/objections", json::object{{"text", "x"}}, s.reviewer).status == 403);
  auto o = s.reg.must(201, "/v1/claims/" + cid + "/objections", json::object{{"text", "异议"}}, s.oem_token).as_object();
  const std::string oid = id_of(o);
  CHECK(s.reg.http().get("/v1/objections/" + oid, s.rival_token).status == 404);
  CHECK(s.reg.http().get("/v1/objections/" + oid, s.oem_token).status == 200);
  CHECK(s.reg.http().get("/v1/claims/" + cid + "/objections", s.rival_token).status == 404);
  CHECK(s.get("/v1/objections", s.rival_token).at("items").as_array().empty());
  CHECK(s.get("/v1/objections?status=open", s.oem_token).at("items").as_array().size() == 1);
  auto answer = s.reg.http().post("/v1/objections/" + oid + "/answer", json::object{{"answer", "rejected"}, {"note", "x"}},
                                  s.oem_token);
  CHECK(answer.status == 403);
  CHECK(s.reg.http().get("/v1/objections?status=bogus", s.reviewer).status == 400);
}

TEST_CASE("recovery e2e: a void after approval yields a recovery that the next claim of the series nets") {
  Series s;
  s.buy("2025-03-01", 3'000'000);
  const std::string b = s.buy("2025-04-01", 1'000'000);
  auto c1 = s.file();
  REQUIRE(award(c1) == 120'000'000);
  s.reg.must(200, "/v1/claims/" + id_of(c1) + "/decision", json::object{{"approve_fen", 120'000'000}}, s.reviewer);
  CHECK(s.get("/v1/recoveries?status=due", s.reviewer).at("items").as_array().empty());
  // The void leaves 3,000,000.00 元: 900,000.00 元 supported, 300,000.00 元 overpaid.
  s.reg.must(200, "/v1/purchases/" + b + "/void", json::object{{"date", "2025-09-01"}, {"buyer", s.oem}}, s.reg.admin());
  CHECK(s.get("/v1/claims/" + id_of(c1), s.reviewer).at("overpaid_fen").as_int64() == 30'000'000);
  auto due = s.get("/v1/recoveries?status=due", s.reviewer);
  REQUIRE(due.at("items").as_array().size() == 1);
  const auto& d = due.at("items").at(0).as_object();
  CHECK(d.at("claim").as_string() == id_of(c1));
  CHECK(d.at("approved_fen").as_int64() == 120'000'000);
  CHECK(d.at("supported_fen").as_int64() == 90'000'000);
  CHECK(d.at("due_fen").as_int64() == 30'000'000);
  CHECK(s.get("/v1/recoveries", s.oem_token).at("items").as_array().size() == 1);  // its own
  CHECK(s.get("/v1/recoveries", s.rival_token).at("items").as_array().empty());
  CHECK(s.reg.http()
            .post("/v1/recoveries",
                  json::object{{"claim", id_of(c1)}, {"amount_fen", 1}, {"date", "2025-10-01"}, {"reference", "R"}},
                  s.oem_token)
            .status == 403);

  const std::string today = chipreg::db::today_shanghai();
  auto above = s.reg.http().post(
      "/v1/recoveries",
      json::object{{"claim", id_of(c1)}, {"amount_fen", 30'000'001}, {"date", today}, {"reference", "滨财追-2025-001"}},
      s.reviewer);
  CHECK(above.status == 422);
  CHECK(above.error_code() == "ABOVE_DUE");
  const auto before = s.tree_size();
  auto rec = s.reg.must(201, "/v1/recoveries",
                        json::object{{"claim", id_of(c1)},
                                     {"amount_fen", 30'000'000},
                                     {"date", today},
                                     {"reference", "滨财追-2025-001"},
                                     {"note", "发票作废，追回多付部分"}},
                        s.reviewer)
                 .as_object();
  CHECK(rec.at("log_index").as_int64() == before);
  CHECK(rec.at("amount_fen").as_int64() == 30'000'000);
  CHECK(s.get("/v1/recoveries?status=due", s.reviewer).at("items").as_array().empty());
  CHECK(s.get("/v1/recoveries?status=recorded", s.oem_token).at("items").as_array().size() == 1);

  // 2,000,000.00 元 more: the year is 5,000,000.00 × 30% = 1,500,000.00 (the cap), less what
  // the OEM kept of C1 (1,200,000.00 − 300,000.00): 600,000.00 元.
  s.buy("2025-05-01", 2'000'000);
  auto c2 = s.file();
  CHECK(award(c2) == 60'000'000);
  auto facts = s.reg.http().get("/v1/claims/" + id_of(c2) + "/facts", s.oem_token);
  REQUIRE(facts.status == 200);
  auto bundle = json::parse(facts.body).as_object();
  CHECK(bundle.at("prior_approvals").at(0).at("amount_fen").as_int64() == 90'000'000);
  CHECK(evaluate_offline(s.reg, facts.body).at("award_fen").as_int64() == 60'000'000);
  auto check = run_process({CHIPREG_BINARY, "log", "audit", "--db", s.reg.db()});
  CHECK(check.exit_code == 0);
}
