// Claims over HTTP decide exactly what RULES.md decides: series, cross-year red letters,
// voids, platform statuses, decisions, what a claim may reveal, the facts bundle and its
// digest. Every case drives the real server (and `chipreg evaluate` on what it serves).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>

#include "e2e/fixture.hpp"
#include "support/process.hpp"
#include "support/xlsx_writer.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

// An OEM buying self-developed modules (no tape-out needed) from a design house.
struct Series {
  Registry reg;
  std::string design = mint_uscc(2);
  std::string oem = mint_uscc(3);
  std::string oem_token, design_token, reviewer;
  int next_invoice = 1;

  Series() {
    reg.enterprise(design, "Design House Co.", true, {"ic_design"});
    reg.enterprise(oem, "Terminal Maker Co.", true, {"oem"});
    oem_token = reg.token("enterprise", oem);
    design_token = reg.token("enterprise", design);
    reviewer = reg.token("reviewer");
    reg.must(201, "/v1/products",
             json::object{{"id", "P-MOD"}, {"kind", "module"}, {"owner", design}, {"self_developed", true},
                          {"first_market_date", "2024-07-01"}, {"focus_area", "chip_design"}, {"model", "BJ-MOD-01"}},
             design_token);
  }

  std::string invoice_no(int n) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "2433200000%010d", n);
    return buf;
  }
  // A blue line of `yuan` (tax 0); returns its invoice number.
  std::string buy(const std::string& date, long long yuan) {
    const std::string inv = invoice_no(next_invoice++);
    reg.must(201, "/v1/purchases",
             json::object{{"invoice", inv}, {"line", 1}, {"date", date}, {"buyer", oem}, {"seller", design},
                          {"product", "P-MOD"}, {"amount_fen", yuan * 100}, {"tax_fen", 0}, {"reverses", nullptr}},
             oem_token);
    return inv;
  }
  std::string red(const std::string& date, long long yuan, const std::string& reverses) {
    const std::string inv = invoice_no(next_invoice++);
    reg.must(201, "/v1/purchases",
             json::object{{"invoice", inv}, {"line", 1}, {"date", date}, {"buyer", oem}, {"seller", design},
                          {"product", "P-MOD"}, {"amount_fen", -yuan * 100}, {"tax_fen", 0},
                          {"reverses", json::object{{"invoice", reverses}, {"line", 1}}}},
             oem_token);
    return inv;
  }
  json::object file(int year) {
    return reg.must(201, "/v1/claims", json::object{{"rule", "linkage"}, {"year", year}, {"group", "chip_module"}}, oem_token)
        .as_object();
  }
  json::object get(const std::string& id) { return reg.http().get("/v1/claims/" + id, reviewer).json().as_object(); }
  json::object approve(const std::string& id, long long fen, const std::string& note = "") {
    return reg.must(200, "/v1/claims/" + id + "/decision", json::object{{"approve_fen", fen}, {"note", note}}, reviewer)
        .as_object();
  }
  json::object reevaluate(const std::string& id) {
    return reg.must(200, "/v1/claims/" + id + "/evaluate", json::object{}, reviewer).as_object();
  }
  std::int64_t tree_size() {
    auto r = reg.http().get("/v1/log/checkpoint");
    const std::string& b = r.body;
    const auto first = b.find('\n');
    return std::stoll(b.substr(first + 1, b.find('\n', first + 1) - first - 1));
  }
};

std::int64_t fen(const json::object& claim, const char* key) { return claim.at(key).as_int64(); }
std::string id_of(const json::object& claim) { return std::string(claim.at("id").as_string()); }

// `chipreg evaluate` on a scenario text: its first claim's output object.
json::object evaluate_offline(Registry& reg, const std::string& scenario) {
  const std::string path = reg.dir().file("facts-" + std::to_string(std::rand()) + ".json");
  std::ofstream(path) << scenario;
  auto r = run_process({CHIPREG_BINARY, "evaluate", "--scenario", path});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object().at("claims").as_array().at(0).as_object();
}

// The fields the contract says `chipreg evaluate` on a claim's facts reproduces.
void require_same_verdict(const json::object& a, const json::object& b) {
  for (const char* k : {"eligible", "award_fen", "computed_fen", "reasons"}) {
    INFO(k);
    REQUIRE(json::serialize(a.at(k)) == json::serialize(b.at(k)));
  }
  REQUIRE(json::serialize(a.if_contains("qualifying_fen") ? *a.if_contains("qualifying_fen") : json::value()) ==
          json::serialize(b.if_contains("qualifying_fen") ? *b.if_contains("qualifying_fen") : json::value()));
  REQUIRE(json::serialize(a.if_contains("lines") ? *a.if_contains("lines") : json::value()) ==
          json::serialize(b.if_contains("lines") ? *b.if_contains("lines") : json::value()));
}

}  // namespace

TEST_CASE("claims e2e: L13, the second claim of a series pays what the whole year exceeds the approvals") {
  Series s;
  s.buy("2025-03-01", 4'000'000);
  auto first = s.file(2025);
  REQUIRE(fen(first.at("evaluation").as_object(), "award_fen") == 120'000'000);
  s.approve(id_of(first), 120'000'000);
  s.buy("2025-06-01", 2'000'000);
  auto second = s.file(2025);
  const auto& e = second.at("evaluation").as_object();
  CHECK(fen(e, "computed_fen") == 180'000'000);       // 6,000,000 × 30 %
  CHECK(fen(e, "qualifying_fen") == 600'000'000);     // the series' earlier line counts again
  CHECK(fen(e, "award_fen") == 30'000'000);           // min(1,800,000, 1,500,000) − 1,200,000
  CHECK(e.at("eligible").as_bool());
  for (const auto& l : e.at("lines").as_array()) CHECK(l.as_object().at("qualifies").as_bool());
  // The approval of the second claim locks only its new line and succeeds.
  auto decided = s.approve(id_of(second), 30'000'000);
  CHECK(fen(decided, "approved_fen") == 30'000'000);
}

TEST_CASE("claims e2e: the issue's series, 900,000 approved of 3,000,000, then 3,000,000 more pays 600,000.00") {
  Series s;
  s.buy("2025-02-01", 3'000'000);
  auto first = s.file(2025);
  s.approve(id_of(first), 90'000'000);
  s.buy("2025-08-01", 3'000'000);
  auto second = s.file(2025);
  CHECK(fen(second.at("evaluation").as_object(), "award_fen") == 60'000'000);
  // The trace says the whole year was counted, and it was.
  bool whole_year = false;
  for (const auto& t : second.at("evaluation").as_object().at("trace").as_array()) {
    if (std::string(t.as_string()).find("按全年累计计算") != std::string::npos) whole_year = true;
  }
  CHECK(whole_year);
}

TEST_CASE("claims e2e: a 2026 red line that reverses a 2025 line lowers the 2025 claim, not 2026's") {
  Series s;
  const std::string blue = s.buy("2025-05-01", 4'000'000);
  auto claim = s.file(2025);
  REQUIRE(fen(claim.at("evaluation").as_object(), "award_fen") == 120'000'000);
  s.red("2026-01-15", 1'000'000, blue);
  // The red line marks the 2025 claim stale, and re-evaluated it nets into 2025.
  CHECK(s.get(id_of(claim)).at("stale").as_bool());
  auto again = s.reevaluate(id_of(claim));
  CHECK(fen(again.at("evaluation").as_object(), "qualifying_fen") == 300'000'000);
  CHECK(fen(again.at("evaluation").as_object(), "award_fen") == 90'000'000);
  CHECK_FALSE(again.at("stale").as_bool());
  // A 2026 claim holds no line (the red line belongs to 2025).
  auto y2026 = s.file(2026);
  CHECK(y2026.at("evaluation").as_object().at("lines").as_array().empty());
  CHECK(fen(y2026.at("evaluation").as_object(), "award_fen") == 0);
}

TEST_CASE("claims e2e: a void is a logged fact that makes a submitted claim stale and an approved one overpaid") {
  Series s;
  const std::string a = s.buy("2025-03-01", 2'000'000);
  const std::string b = s.buy("2025-04-01", 2'000'000);
  auto claim = s.file(2025);
  REQUIRE(fen(claim.at("evaluation").as_object(), "award_fen") == 120'000'000);
  const auto before = s.tree_size();
  // Another enterprise cannot void (or probe) the OEM's invoice.
  auto probe = s.reg.http().post("/v1/purchases/" + a + "/void", json::object{{"date", "2025-09-01"}}, s.design_token);
  CHECK(probe.status == 404);
  auto v = s.reg.must(200, "/v1/purchases/" + a + "/void", json::object{{"date", "2025-09-01"}}, s.oem_token).as_object();
  CHECK(v.at("changed").as_bool());
  CHECK(v.at("claims").as_array().size() == 1);
  CHECK(s.tree_size() == before + 1);  // the void leaf
  // The purchase row itself is unchanged.
  auto line = s.reg.http().get("/v1/purchases/" + a + "/1", s.oem_token).json().as_object();
  CHECK(line.at("amount_fen").as_int64() == 200'000'000);
  auto stale = s.get(id_of(claim));
  CHECK(stale.at("stale").as_bool());
  auto listed = s.reg.http().get("/v1/claims?status=submitted", s.reviewer).json().as_object();
  CHECK(listed.at("items").as_array().at(0).as_object().at("stale").as_bool());
  auto refused = s.reg.http().post("/v1/claims/" + id_of(claim) + "/decision", json::object{{"approve_fen", 1}}, s.reviewer);
  CHECK(refused.status == 409);
  CHECK(refused.json().at("error").at("code").as_string() == "STALE_EVALUATION");
  auto again = s.reevaluate(id_of(claim));
  const auto& e = again.at("evaluation").as_object();
  CHECK(fen(e, "qualifying_fen") == 200'000'000);
  CHECK(fen(e, "award_fen") == 0);
  CHECK_FALSE(e.at("eligible").as_bool());
  bool voided_code = false;
  for (const auto& l : e.at("lines").as_array()) {
    for (const auto& c : l.as_object().at("codes").as_array()) voided_code |= c.as_string() == "INVOICE_VOIDED";
  }
  CHECK(voided_code);
  // Voiding again changes nothing and logs nothing.
  const auto size = s.tree_size();
  auto twice = s.reg.must(200, "/v1/purchases/" + a + "/void", json::object{{"date", "2025-09-01"}}, s.oem_token).as_object();
  CHECK_FALSE(twice.at("changed").as_bool());
  CHECK(s.tree_size() == size);

  // An approved claim keeps its decision and shows what is now overpaid.
  s.reg.must(200, "/v1/claims/" + id_of(claim) + "/decision", json::object{{"reject", true}, {"note", "作废"}}, s.reviewer);
  const std::string c2 = s.buy("2025-05-01", 2'000'000);
  auto claim2 = s.file(2025);
  REQUIRE(fen(claim2.at("evaluation").as_object(), "award_fen") == 120'000'000);  // b + c2 = 4,000,000
  s.approve(id_of(claim2), 120'000'000);
  // The bureau names the buyer: an invoice number is its buyer's.
  auto unnamed = s.reg.http().post("/v1/purchases/" + b + "/void", json::object{{"date", "2025-10-01"}}, s.reg.admin());
  CHECK(unnamed.status == 400);
  CHECK(unnamed.json().at("error").at("field").as_string() == "buyer");
  s.reg.must(200, "/v1/purchases/" + b + "/void", json::object{{"date", "2025-10-01"}, {"buyer", s.oem}}, s.reg.admin());
  auto after = s.get(id_of(claim2));
  CHECK(after.at("status").as_string() == "approved");
  CHECK(after.at("approved_fen").as_int64() == 120'000'000);
  CHECK(after.at("overpaid_fen").as_int64() == 120'000'000);  // 2,000,000 left: below the threshold
}

TEST_CASE("claims e2e: an ineligible claim cannot be approved, and can always be rejected") {
  Series s;
  s.buy("2025-03-01", 2'999'999);
  auto claim = s.file(2025);
  REQUIRE_FALSE(claim.at("evaluation").as_object().at("eligible").as_bool());
  auto r = s.reg.http().post("/v1/claims/" + id_of(claim) + "/decision", json::object{{"approve_fen", 0}}, s.reviewer);
  CHECK(r.status == 422);
  CHECK(r.json().at("error").at("code").as_string() == "NOT_ELIGIBLE");
  CHECK(s.get(id_of(claim)).at("status").as_string() == "submitted");
  auto rejected = s.reg.must(200, "/v1/claims/" + id_of(claim) + "/decision",
                             json::object{{"reject", true}, {"note", "未达门槛"}}, s.reviewer);
  CHECK(rejected.at("status").as_string() == "rejected");
}

TEST_CASE("claims e2e: a claim on another company's tape-out answers 404 as the tape-out itself does") {
  Registry reg;
  const std::string foundry = mint_uscc(1), design = mint_uscc(2), rival = mint_uscc(5);
  reg.enterprise(foundry, "Foundry Co.", false, {"foundry"});
  reg.enterprise(design, "Design House Co.", true, {"ic_design"});
  reg.enterprise(rival, "Rival Design Co.", true, {"ic_design"});
  const std::string key = reg.keygen("foundry");
  std::ifstream pub(key + ".pub");
  const std::string pem((std::istreambuf_iterator<char>(pub)), std::istreambuf_iterator<char>());
  reg.must(201, "/v1/foundry-keys",
           json::object{{"foundry", foundry}, {"alg", "ed25519"}, {"public_key_pem", pem}, {"valid_from", "2024-01-01"}},
           reg.admin());
  const std::string design_token = reg.token("enterprise", design);
  const std::string rival_token = reg.token("enterprise", rival);
  reg.must(201, "/v1/products",
           json::object{{"id", "P-CHIP"}, {"kind", "chip"}, {"owner", design}, {"self_developed", true},
                        {"first_market_date", "2025-01-10"}, {"focus_area", "chip_design"}},
           design_token);
  const std::string env = reg.sign_tapeout(
      key,
      json::object{{"foundry", foundry}, {"design_owner", design}, {"product", "P-CHIP"}, {"date", "2024-09-01"},
                   {"kind", "mpw"}, {"mask_set_id", "MS-1"}, {"process_node", "28nm"}, {"wafer_size_mm", 300},
                   {"cost_fen", 800000000}},
      std::string(64, 'b'));
  auto accepted = reg.http().request("POST", "/v1/tapeouts", env, reg.token("foundry", foundry));
  REQUIRE(accepted.status == 201);
  const std::string id(accepted.json().at("id").as_string());
  const json::object body{{"rule", "tapeout"}, {"tapeout", id}};
  CHECK(reg.http().get("/v1/tapeouts/" + id, rival_token).status == 404);
  auto filed = reg.http().post("/v1/claims", body, rival_token);
  CHECK(filed.status == 404);
  CHECK(filed.body.find("800000000") == std::string::npos);
  CHECK(filed.body.find("Foundry") == std::string::npos);
  CHECK(reg.http().post("/v1/claims/preview", body, rival_token).status == 404);
  // An unknown tape-out answers the same way.
  CHECK(reg.http().post("/v1/claims", json::object{{"rule", "tapeout"}, {"tapeout", "TO-NONE"}}, rival_token).status == 404);
  // The design owner files it (T1: 8,000,000 → 2,400,000.00).
  auto own = reg.must(201, "/v1/claims", body, design_token).as_object();
  CHECK(own.at("evaluation").as_object().at("award_fen").as_int64() == 240'000'000);
}

TEST_CASE("claims e2e: a preview is the evaluation a claim would get and writes nothing") {
  Series s;
  s.buy("2025-03-01", 3'200'000);
  const auto size = s.tree_size();
  auto preview = s.reg.http().post("/v1/claims/preview", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}},
                                   s.oem_token);
  REQUIRE(preview.status == 200);
  CHECK(preview.json().at("award_fen").as_int64() == 96'000'000);
  CHECK(s.tree_size() == size);
  CHECK(s.reg.http().get("/v1/claims", s.reviewer).json().at("items").as_array().empty());
  auto filed = s.file(2025);
  auto e = filed.at("evaluation").as_object();
  CHECK(e.at("award_fen") == preview.json().at("award_fen"));
  CHECK(json::serialize(e.at("lines")) == json::serialize(preview.json().at("lines")));
  // A reviewer or another role may not preview for an enterprise.
  CHECK(s.reg.http().post("/v1/claims/preview", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}},
                          s.reviewer).status == 403);
}

TEST_CASE("claims e2e: the facts bundle re-derives the award offline and its digest is facts_sha256 (checked by python)") {
  Series s;
  const std::string blue = s.buy("2025-03-01", 2'500'000);
  s.buy("2025-04-01", 1'000'000);
  s.red("2025-12-30", 100'000, blue);
  auto first = s.file(2025);
  s.approve(id_of(first), 50'000'000);
  s.buy("2025-09-01", 1'000'000);
  auto claim = s.file(2025);
  const std::string id = id_of(claim);
  s.reg.must(201, "/v1/other-awards", json::object{{"claim", id_of(first)}, {"level", "city"}, {"amount_fen", 10'000'000}},
             s.reviewer);
  claim = s.reevaluate(id);
  auto facts = s.reg.http().get("/v1/claims/" + id + "/facts", s.oem_token);
  REQUIRE(facts.status == 200);
  // chipreg evaluate on the bundle gives the claim's evaluation.
  auto offline = evaluate_offline(s.reg, facts.body);
  require_same_verdict(claim.at("evaluation").as_object(), offline);
  // 4,400,000 × 30 % = 1,320,000 − 500,000 approved − 100,000 city (on the series' first claim)
  CHECK(offline.at("award_fen").as_int64() == 72'000'000);
  // The bundle's digest, computed by an independent RFC 8785 canonicalizer (python's json
  // with sorted keys and no whitespace: the bundle's keys are ASCII), is the claim's
  // facts_sha256 and the one in its log leaf.
  const std::string path = s.reg.dir().file("bundle.json");
  std::ofstream(path) << facts.body;
  auto py = run_process({"python3", "-c",
                         "import json,hashlib,sys;d=json.load(open(sys.argv[1]));"
                         "print(hashlib.sha256(json.dumps(d,sort_keys=True,separators=(',',':'),ensure_ascii=False)"
                         ".encode()).hexdigest())",
                         path});
  REQUIRE(py.exit_code == 0);
  const std::string digest = py.out.substr(0, 64);
  CHECK(digest == std::string(claim.at("facts_sha256").as_string()));
  // The public leaf is a commitment; the claimant opens it (fact bytes and salt) and python
  // checks that SHA-256(salt || opening) is the commitment the public leaf shows.
  const std::string index = std::to_string(claim.at("log_index").as_int64());
  auto opened = s.reg.http().get("/v1/log/entries/" + index + "/opening", s.oem_token);
  REQUIRE(opened.status == 200);
  auto entry = json::parse(opened.body).as_object();
  CHECK(entry.at("entry") == json::parse(s.reg.http().get("/v1/log/entries/" + index).body).at("entry"));
  auto decoded = run_process(
      {"python3", "-c",
       "import base64,hashlib,json,sys;e=json.loads(sys.argv[1]);leaf=json.loads(base64.b64decode(e['entry']));"
       "o=base64.b64decode(e['opening']);"
       "assert leaf['v']==2 and leaf['commitment']==hashlib.sha256(bytes.fromhex(e['salt'])+o).hexdigest(),'commitment';"
       "print(o.decode())",
       json::serialize(entry)});
  INFO(decoded.err);
  REQUIRE(decoded.exit_code == 0);
  CHECK(json::parse(decoded.out).at("fact").at("facts_sha256").as_string() == digest);
  CHECK(s.reg.http().get("/v1/log/entries/" + index + "/opening", s.design_token).status == 404);
  // Another enterprise sees neither the claim nor its facts.
  CHECK(s.reg.http().get("/v1/claims/" + id + "/facts", s.design_token).status == 404);
}

TEST_CASE("claims e2e: a re-evaluation that changes nothing appends nothing to the log") {
  Series s;
  s.buy("2025-03-01", 3'200'000);
  auto claim = s.file(2025);
  const auto size = s.tree_size();
  for (int i = 0; i < 3; ++i) s.reevaluate(id_of(claim));
  CHECK(s.tree_size() == size);
  s.buy("2025-04-01", 100'000);
  auto changed = s.reevaluate(id_of(claim));
  CHECK(s.tree_size() == size + 2);  // the purchase and the new claim leaf
  CHECK(changed.at("evaluation").as_object().at("award_fen").as_int64() == 99'000'000);
}

TEST_CASE("claims e2e: an e-invoice export that shows a registered invoice as voided records a void, and 已红冲 without its red invoice is REVERSAL_MISSING") {
  Series s;
  auto write = [&](const std::string& name, const std::string& rows) {
    const std::string path = s.reg.dir().file(name);
    std::ofstream(path) << "数电发票号码,开票日期,销方识别号,销方名称,购方识别号,购买方名称,规格型号,金额,税额,价税合计,发票状态,是否正数发票\n"
                        << rows;
    return path;
  };
  auto row = [&](const std::string& inv, const std::string& yuan, const std::string& status) {
    return inv + ",2025-03-01," + s.design + ",设计公司," + s.oem + ",终端公司,BJ-MOD-01," + yuan + ",0.00," + yuan + "," +
           status + ",是\n";
  };
  const std::string a = s.invoice_no(101), b = s.invoice_no(102), c = s.invoice_no(103);
  auto first = write("first.csv", row(a, "2000000.00", "正常") + row(b, "1500000.00", "正常") + row(c, "1000000.00", "正常"));
  auto r1 = run_process({CHIPREG_BINARY, "import", "--db", s.reg.db(), "purchases", first});
  INFO(r1.out << r1.err);
  REQUIRE(r1.exit_code == 0);
  auto claim = s.file(2025);
  REQUIRE(fen(claim.at("evaluation").as_object(), "award_fen") == 135'000'000);
  // The later export: a voided, b fully red-flushed with its red invoice outside the export's dates.
  auto second = write("second.csv", row(a, "2000000.00", "已作废") + row(b, "1500000.00", "已红冲-全额"));
  auto r2 = run_process({CHIPREG_BINARY, "import", "--db", s.reg.db(), "purchases", second});
  INFO(r2.out << r2.err);
  auto report = json::parse(r2.out).as_object();
  REQUIRE(report.contains("voids"));
  CHECK(report.at("voids").as_array().at(0).as_object().at("invoice").as_string() == a);
  CHECK(report.at("voids").as_array().at(0).as_object().at("claims").as_array().size() == 1);
  REQUIRE(report.contains("reversal_missing"));
  CHECK(report.at("reversal_missing").as_array().at(0).as_object().at("invoice").as_string() == b);
  auto again = s.reevaluate(id_of(claim));
  const auto& e = again.at("evaluation").as_object();
  CHECK(fen(e, "qualifying_fen") == 100'000'000);  // only c counts
  bool missing = false;
  for (const auto& reason : e.at("reasons").as_array()) missing |= reason.as_object().at("code").as_string() == "REVERSAL_MISSING";
  CHECK(missing);
  // The bundle carries the void and the status, and reproduces the verdict offline.
  auto facts = s.reg.http().get("/v1/claims/" + id_of(claim) + "/facts", s.reviewer);
  auto bundle = json::parse(facts.body).as_object();
  CHECK(bundle.at("voids").as_array().size() == 1);
  require_same_verdict(e, evaluate_offline(s.reg, facts.body));
  // The audit holds both facts.
  auto audit = run_process({CHIPREG_BINARY, "log", "audit", "--db", s.reg.db()});
  INFO(audit.out);
  CHECK(json::parse(audit.out).at("ok").as_bool());
}

TEST_CASE("claims e2e: a line shown as 已红冲-部分 without its red invoice counts, and approval then needs a note") {
  Series s;
  const std::string a = s.buy("2025-03-01", 3'500'000);
  {
    auto db = s.reg.db();
    const std::string path = s.reg.dir().file("status.csv");
    std::ofstream(path) << "数电发票号码,开票日期,销方识别号,销方名称,购方识别号,购买方名称,规格型号,金额,税额,价税合计,发票状态,是否正数发票\n"
                        << a << ",2025-03-01," << s.design << ",设计公司," << s.oem << ",终端公司,BJ-MOD-01,3500000.00,0.00,3500000.00,已红冲-部分,是\n";
    auto r = run_process({CHIPREG_BINARY, "import", "--db", db, "purchases", path});
    INFO(r.out << r.err);
    REQUIRE(json::parse(r.out).as_object().contains("reversal_missing"));
  }
  auto claim = s.file(2025);
  const auto& e = claim.at("evaluation").as_object();
  CHECK(fen(e, "qualifying_fen") == 350'000'000);
  CHECK(fen(e, "award_fen") == 105'000'000);
  auto no_note = s.reg.http().post("/v1/claims/" + id_of(claim) + "/decision", json::object{{"approve_fen", 1}}, s.reviewer);
  CHECK(no_note.status == 422);
  CHECK(no_note.json().at("error").at("code").as_string() == "NOTE_REQUIRED");
  auto ok = s.approve(id_of(claim), 100'000'000, "红字发票已线下核实");
  CHECK(ok.at("status").as_string() == "approved");
}

TEST_CASE("claims e2e: log audit names a void or a platform status edited, deleted or inserted behind chipreg's back") {
  Series s;
  const std::string a = s.buy("2025-03-01", 3'500'000);
  const std::string b = s.buy("2025-03-02", 100'000);
  s.reg.must(200, "/v1/purchases/" + a + "/void", json::object{{"date", "2025-09-01"}}, s.oem_token);
  auto audit = [&] {
    auto r = run_process({CHIPREG_BINARY, "log", "audit", "--db", s.reg.db()});
    return json::parse(r.out).as_object();
  };
  REQUIRE(audit().at("ok").as_bool());
  auto sql = [&](const std::string& q) {
    auto r = run_process({"sqlite3", s.reg.db(), q});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  auto problem_codes = [&] {
    std::string codes;
    const json::object report = audit();
    for (const auto& p : report.at("problems").as_array()) codes += std::string(p.at("problem").as_string()) + " ";
    return codes;
  };
  sql("UPDATE voids SET date = '2025-01-01' WHERE invoice = '" + a + "'");
  CHECK(problem_codes().find("ROW_MISMATCH") != std::string::npos);
  sql("UPDATE voids SET date = '2025-09-01' WHERE invoice = '" + a + "'");
  REQUIRE(audit().at("ok").as_bool());
  // Moving a void to another buyer's invoice of the same number is an edit the audit names.
  sql("UPDATE voids SET buyer = '" + s.design + "' WHERE invoice = '" + a + "'");
  const std::string moved = problem_codes();
  CHECK(moved.find("UNLOGGED_ROW") != std::string::npos);
  CHECK(moved.find("ROW_MISSING") != std::string::npos);
  sql("UPDATE voids SET buyer = '" + s.oem + "' WHERE invoice = '" + a + "'");
  REQUIRE(audit().at("ok").as_bool());
  sql("DELETE FROM voids WHERE invoice = '" + a + "'");
  CHECK(problem_codes().find("ROW_MISSING") != std::string::npos);
  sql("INSERT INTO voids(buyer, invoice, date, source, actor, log_index, created_at) VALUES ('" + s.oem + "', '" + b +
      "', '2025-09-01', 'forged', 'x', 0, '2025-09-01T00:00:00Z')");
  CHECK(problem_codes().find("UNLOGGED_ROW") != std::string::npos);
}

TEST_CASE("claims e2e: the web upload takes the e-invoice workbook as downloaded, and the claim pays its exact award") {
  Series s;
  const std::string path = s.reg.dir().file("全量发票查询导出结果.xlsx");
  const std::vector<std::string> header{"数电发票号码", "开票日期", "销方识别号", "销方名称", "购方识别号", "购买方名称",
                                        "规格型号", "金额", "税额", "价税合计", "发票状态", "是否正数发票"};
  auto row = [&](const std::string& inv, const std::string& amount) {
    return std::vector<std::string>{inv, "2025-03-01", s.design, "设计公司", s.oem, "终端公司", "BJ-MOD-01",
                                    "#n:" + amount, "#n:0", "#n:" + amount, "正常", "是"};
  };
  chipreg::testing::write_xlsx(path, {{"信息汇总表", {header, row(s.invoice_no(201), "2.5E6"), row(s.invoice_no(202), "1000000.0")}}});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto up = s.reg.http().request("POST", "/v1/imports/purchases", bytes, s.oem_token);
  INFO(up.body);
  REQUIRE(up.status == 200);
  CHECK(up.json().at("imported").as_int64() == 2);
  auto claim = s.file(2025);
  CHECK(fen(claim.at("evaluation").as_object(), "award_fen") == 105'000'000);  // 3,500,000 × 30 %
}
