// Integrity findings (docs/SECURITY.md): what a careless or hostile token holder sends is
// refused whole, with a code, instead of being read one way by us and another by someone
// else, rounded past a threshold, summed past int64, dated in the future, or used to lock
// the registry. Each test drives the real server through the standard e2e world.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <ctime>
#include <string>

#include "e2e/fixture.hpp"
#include "e2e/world.hpp"
#include "registry/db/sqlite.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace chipreg::testing {
namespace {
namespace json = boost::json;

json::object purchase(const World& w, const std::string& invoice, const std::string& date, const json::value& amount) {
  return json::object{{"invoice", invoice}, {"line", 1},         {"date", date},      {"buyer", w.oem},
                      {"seller", w.design}, {"product", "P-CHIP"}, {"amount_fen", amount}, {"tax_fen", 0},
                      {"reverses", nullptr}};
}

std::string today_plus(int days) {
  const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

TEST_CASE("security: a repeated key is refused with DUPLICATE_KEY in bodies and inside signed statements") {
  Registry reg;
  World w = build_world(reg);
  // A body: the old server stored the last amount.
  std::string body = json::serialize(purchase(w, "24332000000000000001", "2025-03-02", 100));
  body.insert(body.size() - 1, R"(,"amount_fen":999999999999)");
  auto r = reg.http().request("POST", "/v1/purchases", body, w.oem_token);
  CHECK(r.status == 400);
  CHECK(r.error_code() == "DUPLICATE_KEY");
  CHECK(reg.http().get("/v1/purchases/24332000000000000001/1", w.oem_token).status == 404);

  // A signed statement with two costs: refused before its signature is trusted.
  json::object statement{
      {"_type", "https://in-toto.io/Statement/v1"},
      {"subject", json::array{json::object{{"name", "gds/top.gds"}, {"digest", json::object{{"sha256", std::string(64, 'c')}}}}}},
      {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
      {"predicate", w.tapeout_predicate}};
  std::string text = json::serialize(statement);
  const std::string cost = "\"cost_fen\":800000000";
  REQUIRE(text.find(cost) != std::string::npos);
  text.insert(text.find(cost) + cost.size(), ",\"cost_fen\":999999999999");
  const std::string path = reg.dir().file("two-costs.json");
  write_file(path, text);
  auto signed_env = run_chipreg({"sign", "--any-statement", "--key", w.key_prefix + ".key", "--statement", path});
  REQUIRE(signed_env.exit_code == 0);
  auto t = reg.http().request("POST", "/v1/tapeouts", signed_env.out, w.foundry_token);
  INFO(t.body);
  CHECK(t.status == 400);
  CHECK(t.error_code() == "DUPLICATE_KEY");
}

TEST_CASE("security: chipreg evaluate refuses a scenario with a repeated key with exit 2") {
  TempDir dir;
  const std::string path = dir.file("s.json");
  write_file(path, R"({"enterprises": [], "claims": [], "claims": []})");
  auto r = run_chipreg({"evaluate", "--scenario", path});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("DUPLICATE_KEY") != std::string::npos);
}

TEST_CASE("security: a pct past four decimals is refused, not rounded across the 25 % threshold") {
  Registry reg;
  World w = build_world(reg);
  const std::string body = std::string(R"({"holder": ")") + w.design + R"(", "held": ")" + w.oem +
                           R"(", "pct": 24.99999999999999999999, "from": "2020-01-01", "to": null})";
  auto r = reg.http().request("POST", "/v1/equity", body, reg.admin());
  INFO(r.body);
  CHECK(r.status == 422);
  CHECK(r.error_code() == "BAD_PRECISION");
}

TEST_CASE("security: amounts beyond 10^12 fen are refused at intake") {
  Registry reg;
  World w = build_world(reg);
  auto huge = reg.http().post("/v1/purchases", purchase(w, "24332000000000000002", "2025-03-02", INT64_MAX), w.oem_token);
  CHECK(huge.status == 422);
  CHECK(huge.error_code() == "AMOUNT_TOO_LARGE");
  auto bound = reg.http().post("/v1/purchases",
                               purchase(w, "24332000000000000003", "2025-03-02", std::int64_t{1'000'000'000'000}), w.oem_token);
  CHECK(bound.status == 201);
}

TEST_CASE("security: facts dated after tomorrow are refused with FUTURE_DATE") {
  Registry reg;
  World w = build_world(reg);
  auto far = reg.http().post("/v1/purchases", purchase(w, "24332000000000000004", "9999-12-31", 100), w.oem_token);
  CHECK(far.status == 422);
  CHECK(far.error_code() == "FUTURE_DATE");
  auto skewed = reg.http().post("/v1/purchases", purchase(w, "24332000000000000005", today_plus(1), 100), w.oem_token);
  CHECK(skewed.status == 201);  // one day of clock skew is allowed
  auto late = reg.http().post("/v1/purchases", purchase(w, "24332000000000000006", today_plus(3), 100), w.oem_token);
  CHECK(late.error_code() == "FUTURE_DATE");

  json::object predicate = w.tapeout_predicate;
  predicate["date"] = "2030-01-01";
  predicate["mask_set_id"] = "MS-FUTURE";
  auto env = reg.sign_tapeout(w.key_prefix, predicate, std::string(64, 'd'));
  auto t = reg.http().request("POST", "/v1/tapeouts", env, w.foundry_token);
  INFO(t.body);
  CHECK(t.status == 422);
  CHECK(t.error_code() == "FUTURE_DATE");
}

TEST_CASE("security: the last admin token cannot be revoked") {
  Registry reg;
  const auto me = reg.http().get("/v1/whoami", reg.admin()).json();
  const std::string id = std::to_string(me.at("id").as_int64());
  auto last = reg.http().request("POST", "/v1/tokens/" + id + "/revoke", "", reg.admin());
  CHECK(last.status == 409);
  CHECK(last.error_code() == "LAST_ADMIN");
  CHECK(reg.http().get("/v1/whoami", reg.admin()).status == 200);
  const std::string second = reg.token("admin");
  CHECK(reg.http().request("POST", "/v1/tokens/" + id + "/revoke", "", second).status == 200);
  const std::string second_id = std::to_string(reg.http().get("/v1/whoami", second).json().at("id").as_int64());
  CHECK(reg.http().request("POST", "/v1/tokens/" + second_id + "/revoke", "", second).error_code() == "LAST_ADMIN");
}

TEST_CASE("security: a claim whose evaluation overflows can still be rejected") {
  Registry reg;
  World w = build_world(reg);
  auto claim = reg.must(201, "/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}},
                        w.oem_token);
  const std::string id(claim.at("id").as_string());
  {
    // Data from before the intake bound: a line no sum can hold.
    auto db = db::Db::open(reg.db());
    REQUIRE(db);
    const std::string sql = "UPDATE purchases SET amount_fen = 9223372036854775000 WHERE buyer = '" + w.oem + "'";
    REQUIRE(db->exec_script(sql.c_str()));
  }
  auto approve = reg.http().post("/v1/claims/" + id + "/decision", json::object{{"approve_fen", 1}, {"note", "x"}},
                                 w.reviewer_token);
  INFO(approve.body);
  CHECK(approve.status >= 400);
  auto reject = reg.http().post("/v1/claims/" + id + "/decision",
                                json::object{{"reject", true}, {"note", "the purchase amounts are implausible"}},
                                w.reviewer_token);
  INFO(reject.body);
  CHECK(reject.status == 200);
  CHECK(reject.json().at("status") == json::value("rejected"));
}

TEST_CASE("security: an out-of-range integer query value is refused, not wrapped") {
  Registry reg;
  auto r = reg.http().get("/v1/claims?year=4294969321", reg.admin());
  CHECK(r.status == 400);
  CHECK(r.error_code() == "BAD_QUERY");
}

TEST_CASE("security: an enterprise's product list is paged like the claims list") {
  Registry reg;
  World w = build_world(reg);
  for (const char* id : {"P-A", "P-B", "P-C"}) {
    reg.must(201, "/v1/products",
             json::object{{"id", id}, {"kind", "chip"}, {"owner", w.design}, {"self_developed", true},
                          {"first_market_date", nullptr}, {"focus_area", "chip_design"}},
             w.design_token);
  }
  const std::string base = "/v1/enterprises/" + w.design + "/products";
  auto first = reg.http().get(base + "?limit=2", w.design_token).json();
  REQUIRE(first.at("items").as_array().size() == 2);
  CHECK(first.at("items").at(0).at("id") == json::value("P-A"));
  CHECK(first.at("next") == json::value("P-B"));
  auto second = reg.http().get(base + "?limit=2&after=P-B", w.design_token).json();
  REQUIRE(second.at("items").as_array().size() == 2);  // P-C and P-CHIP
  CHECK(second.at("items").at(1).at("id") == json::value("P-CHIP"));
  CHECK(second.at("next").is_null());
  CHECK(reg.http().get(base + "?limit=501", w.design_token).status == 400);
}

TEST_CASE("security: an enterprise token's writes are rate limited with 429 and Retry-After") {
  Registry reg({"--enterprise-writes-per-minute", "1", "--enterprise-write-burst", "3"});
  World w = build_world(reg);  // the world's enterprise writes: the design house's product, the OEM's purchase
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 4; ++i) {
    auto r = reg.http().post("/v1/purchases", purchase(w, "2433200000000000010" + std::to_string(i), "2025-03-02", 100),
                             w.oem_token);
    if (r.status == 429) {
      ++limited;
      CHECK(r.error_code() == "RATE_LIMITED");
      retry_after = r.headers["retry-after"];
    }
  }
  CHECK(limited == 2);  // the world used one of three; two more pass, the last two wait
  CHECK(std::stoi(retry_after) >= 1);
  CHECK(std::stoi(retry_after) <= 60);
  // Reads and other tokens are not limited.
  CHECK(reg.http().get("/v1/whoami", w.oem_token).status == 200);
  CHECK(reg.http().post("/v1/purchases", purchase(w, "24332000000000000200", "2025-03-02", 100), reg.admin()).status == 201);
}

}  // namespace chipreg::testing

namespace chipreg::testing {

TEST_CASE("security: a JSON Lines import refuses a line with a repeated key") {
  TempDir dir;
  REQUIRE(run_chipreg({"init", "--db", dir.file("reg.db")}).exit_code == 0);
  const std::string path = dir.file("persons.jsonl");
  write_file(path, "{\"id\": \"p1\", \"name\": \"张三\"}\n{\"id\": \"p2\", \"name\": \"李四\", \"name\": \"王五\"}\n");
  auto r = run_chipreg({"import", "--db", dir.file("reg.db"), "persons", path});
  INFO(r.out << r.err);
  auto report = boost::json::parse(r.out).as_object();
  CHECK(report.at("imported").as_int64() == 1);
  CHECK(report.at("rejected").as_int64() == 1);
  const auto& error = report.at("errors").at(0).as_object();
  CHECK(error.at("line").as_int64() == 2);
  CHECK(error.at("code") == boost::json::value("DUPLICATE_KEY"));
}

}  // namespace chipreg::testing

namespace chipreg::testing {

TEST_CASE("security: an upload takes any Content-Type while JSON routes refuse non-JSON ones") {
  Registry reg;
  World w = build_world(reg);
  auto send = [&](const std::string& target, const std::string& type) {
    const std::string body = "not json";
    return reg.http().raw("POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + w.oem_token +
                          "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\nConnection: close\r\n\r\n" + body);
  };
  const std::string upload = send("/v1/imports/purchases", "application/octet-stream");
  INFO(upload.substr(0, 300));
  CHECK(upload.rfind("HTTP/1.1 415", 0) == std::string::npos);
  CHECK(upload.find("UNSUPPORTED_MEDIA_TYPE") == std::string::npos);
  CHECK(send("/v1/purchases", "application/octet-stream").rfind("HTTP/1.1 415", 0) == 0);
}

// Finding 8: product ids and invoice lines were global and first-come. Products are now
// keyed by (owner, id) and invoice lines by (buyer, invoice, line) (schema migration 15).
TEST_CASE("security: a competitor who registers a design house's product id first takes, blocks and voids nothing") {
  Registry reg;
  World w = build_world(reg);
  const std::string rival = mint_uscc(5);
  reg.enterprise(rival, "Rival Design Co.", true, {"ic_design"});
  const std::string rival_token = reg.token("enterprise", rival);
  auto product = [](const std::string& owner) {
    return json::object{{"id", "P-NEW"},         {"kind", "chip"}, {"owner", owner}, {"self_developed", true},
                        {"first_market_date", nullptr}, {"focus_area", "chip_design"}};
  };
  // The rival takes the id first; the design house still registers its own (was 409).
  reg.must(201, "/v1/products", product(rival), rival_token);
  reg.must(201, "/v1/products", product(w.design), w.design_token);
  CHECK(reg.http().post("/v1/products", product(w.design), w.design_token).error_code() == "DUPLICATE");
  // Each reads its own; the bureau must say whose when two owners share the id.
  CHECK(reg.http().get("/v1/products/P-NEW", w.design_token).json().at("owner") == json::value(w.design));
  CHECK(reg.http().get("/v1/products/P-NEW", rival_token).json().at("owner") == json::value(rival));
  CHECK(reg.http().get("/v1/products/P-NEW?owner=" + rival, w.design_token).status == 404);
  auto ambiguous = reg.http().get("/v1/products/P-NEW", reg.admin());
  CHECK(ambiguous.status == 409);
  CHECK(ambiguous.error_code() == "AMBIGUOUS_PRODUCT");
  CHECK(reg.http().get("/v1/enterprises/" + rival + "/products/P-NEW", reg.admin()).json().at("owner") ==
        json::value(rival));

  // The rival's own earlier attestation of its P-NEW (another design) does not make the
  // design house's tape-out of its P-NEW second.
  auto predicate = [&](const std::string& owner, const std::string& date) {
    return json::object{{"foundry", w.foundry}, {"design_owner", owner}, {"product", "P-NEW"}, {"date", date},
                        {"kind", "mpw"},        {"cost_fen", 500000000}};
  };
  auto rival_env = reg.sign_tapeout(w.key_prefix, predicate(rival, "2025-01-05"), std::string(64, 'c'));
  REQUIRE(reg.http().request("POST", "/v1/tapeouts", rival_env, w.foundry_token).status == 201);
  auto env = reg.sign_tapeout(w.key_prefix, predicate(w.design, "2025-02-01"), std::string(64, 'd'));
  auto accepted = reg.http().request("POST", "/v1/tapeouts", env, w.foundry_token);
  REQUIRE(accepted.status == 201);
  CHECK(accepted.json().at("first").as_bool());
  const std::string id(accepted.json().at("id").as_string());
  // Its clause-3 claim pays 30 % of 5,000,000.00 元 (was NOT_DESIGN_OWNER, 0).
  auto claim = reg.must(201, "/v1/claims", json::object{{"rule", "tapeout"}, {"tapeout", id}}, w.design_token);
  CHECK(claim.at("evaluation").at("eligible").as_bool());
  CHECK(claim.at("evaluation").at("award_fen").as_int64() == 150000000);
  // The bundle names the design house's product, and no rival fact.
  const std::string cid(claim.at("id").as_string());
  auto bundle = reg.http().get("/v1/claims/" + cid + "/facts", w.design_token).json();
  REQUIRE(bundle.at("products").as_array().size() == 1);
  CHECK(bundle.at("products").at(0).at("owner") == json::value(w.design));
  CHECK(bundle.at("tapeouts").as_array().size() == 1);
  // An attestation cannot attach the design house to the rival's product: the design owner
  // has no such product.
  auto foreign = reg.sign_tapeout(w.key_prefix,
                                  json::object{{"foundry", w.foundry}, {"design_owner", w.design}, {"product", "P-RIVAL"},
                                               {"date", "2025-02-02"}, {"kind", "mpw"}, {"cost_fen", 1}},
                                  std::string(64, 'e'));
  reg.must(201, "/v1/products",
           json::object{{"id", "P-RIVAL"}, {"kind", "chip"}, {"owner", rival}, {"self_developed", true},
                        {"first_market_date", nullptr}, {"focus_area", "chip_design"}},
           rival_token);
  auto refused = reg.http().request("POST", "/v1/tapeouts", foreign, w.foundry_token);
  CHECK(refused.status == 422);
  CHECK(refused.error_code() == "UNKNOWN_PRODUCT");
}

TEST_CASE("security: another buyer's invoice lines cannot be probed, voided or reversed") {
  Registry reg;
  World w = build_world(reg);
  const std::string taken = "24332000000012345678";  // the OEM's line 1 (build_world)
  const std::string never = "24332000000099999998";  // nobody's
  auto line = [&](const std::string& invoice, const std::string& buyer) {
    return json::object{{"invoice", invoice}, {"line", 1}, {"date", "2025-03-02"}, {"buyer", buyer},
                        {"seller", w.design}, {"product", "P-CHIP"}, {"amount_fen", 1000}, {"tax_fen", 0},
                        {"reverses", nullptr}};
  };
  // Posting the OEM's invoice number as one's own answers as for any new line (was 409).
  reg.must(201, "/v1/purchases", line(taken, w.other), w.other_token);
  reg.must(201, "/v1/purchases", line(never, w.other), w.other_token);
  CHECK(reg.http().post("/v1/purchases", line(taken, w.other), w.other_token).error_code() == "DUPLICATE");
  CHECK(reg.http().post("/v1/purchases", line(never, w.other), w.other_token).error_code() == "DUPLICATE");
  // A red line reversing another buyer's line answers as for a line that does not exist.
  auto red = [&](const std::string& reversed) {
    json::object r = line("24332000000077770000", w.other);
    r["amount_fen"] = -1;
    r["reverses"] = json::object{{"invoice", reversed}, {"line", 2}};
    return reg.http().post("/v1/purchases", r, w.other_token);
  };
  reg.must(201, "/v1/purchases",
           json::object{{"invoice", "24332000000012345679"}, {"line", 2}, {"date", "2025-03-01"}, {"buyer", w.oem},
                        {"seller", w.design}, {"product", "P-CHIP"}, {"amount_fen", 5}, {"tax_fen", 0},
                        {"reverses", nullptr}},
           w.oem_token);
  auto theirs = red("24332000000012345679");
  auto nobodys = red("24332000000012345670");
  CHECK(theirs.status == 422);
  CHECK(theirs.error_code() == "UNKNOWN_INVOICE_LINE");
  CHECK(nobodys.error_code() == theirs.error_code());
  // Voiding the number voids the caller's own invoice only: the OEM's claim still counts it.
  reg.must(200, "/v1/purchases/" + taken + "/void", json::object{{"date", "2025-09-01"}}, w.other_token);
  CHECK(reg.http().post("/v1/purchases/24332000000012345679/void", json::object{{"date", "2025-09-01"}}, w.other_token)
            .status == 404);
  auto claim = reg.must(201, "/v1/claims", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}},
                        w.oem_token);
  CHECK(claim.at("evaluation").at("qualifying_fen").as_int64() == 339000005);
  CHECK(claim.at("evaluation").at("eligible").as_bool());
  // Each buyer reads its own line of the number; the bureau names the buyer.
  CHECK(reg.http().get("/v1/purchases/" + taken + "/1", w.other_token).json().at("amount_fen").as_int64() == 1000);
  CHECK(reg.http().get("/v1/purchases/" + taken + "/1", w.oem_token).json().at("amount_fen").as_int64() == 300000000);
  CHECK(reg.http().get("/v1/purchases/" + taken + "/1?buyer=" + w.oem, w.other_token).status == 404);
  CHECK(reg.http().get("/v1/purchases/" + taken + "/1?buyer=" + w.other, reg.admin()).json().at("buyer") ==
        json::value(w.other));
}

}  // namespace chipreg::testing
