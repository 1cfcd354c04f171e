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

}  // namespace chipreg::testing
