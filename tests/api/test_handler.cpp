// The request → response function without sockets: routing, auth, error envelopes, metrics.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "api/auth.hpp"
#include "api/handler.hpp"
#include "api/router.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tokens.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::api;
namespace json = boost::json;

namespace {

struct Fixture {
  testing::TempDir dir;
  std::string path = dir.file("t.db");
  std::string admin;
  std::unique_ptr<DbPool> pool;
  Metrics metrics;
  std::unique_ptr<Handler> handler;

  Fixture() {
    auto db = db::Db::open(path);
    REQUIRE(db);
    REQUIRE(store::migrate(*db));
    auto t = store::create_token(*db, "admin", std::nullopt);
    REQUIRE(t);
    admin = *t;
    db::DbOptions o;
    o.create = false;
    pool = std::make_unique<DbPool>(path, o);
    handler = std::make_unique<Handler>(*pool, metrics, nullptr);
  }
  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& token = "") {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!token.empty()) r.authorization = "Bearer " + token;
    return handler->handle(r);
  }
};

std::string code_of(const Response& r) {
  return std::string(json::parse(r.body).at("error").at("code").as_string());
}

}  // namespace

TEST_CASE("api: bearer tokens are read case-insensitively from the Authorization value") {
  CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
  CHECK(bearer_token("bearer  abc ") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK_FALSE(bearer_token("Bearer "));
  CHECK_FALSE(bearer_token(""));
}

TEST_CASE("api: the router captures percent-decoded segments and reports allowed methods") {
  Router r;
  r.add("GET", "/v1/purchases/{invoice}/{line}", Access::kToken, [](RouteContext&) { return Response{}; });
  r.add("POST", "/v1/claims", Access::kToken, [](RouteContext&) { return Response{}; });
  auto m = r.match("GET", "/v1/purchases/A%2FB/3");
  REQUIRE(m.route != nullptr);
  CHECK(m.params.at("invoice") == "A/B");
  CHECK(m.params.at("line") == "3");
  CHECK(r.match("GET", "/v1/purchases/x").route == nullptr);
  auto wrong = r.match("GET", "/v1/claims");
  CHECK(wrong.route == nullptr);
  CHECK(wrong.allow == "POST");
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("abc%2"));
  CHECK_FALSE(percent_decode("a%00b"));
  auto q = parse_query("year=2025&status=sub+mitted&x=%41");
  REQUIRE(q);
  CHECK(q->at("status") == "sub mitted");
  CHECK(q->at("x") == "A");
}

TEST_CASE("api: handler answers 401, 404, 405 and 400 with the error envelope") {
  Fixture f;
  CHECK(f.call("GET", "/healthz").body == R"({"status":"ok"})");
  auto no_token = f.call("GET", "/v1/claims");
  CHECK(no_token.status == 401);
  CHECK(code_of(no_token) == "UNAUTHENTICATED");
  CHECK(f.call("GET", "/v1/claims", "", std::string(64, 'f')).status == 401);
  auto unknown = f.call("GET", "/v1/unknown", "", f.admin);
  CHECK(unknown.status == 404);
  CHECK(unknown.route == "unmatched");
  auto method = f.call("PUT", "/v1/claims", "", f.admin);
  CHECK(method.status == 405);
  REQUIRE(method.headers.size() == 1);
  CHECK(method.headers[0].second == "POST, GET");  // in route-table order
  CHECK(f.call("GET", "/v1/claims?year=%zz", "", f.admin).status == 400);
  CHECK(f.call("GET", "/v1/claims?limit=0", "", f.admin).status == 400);
  auto bad = f.call("POST", "/v1/tokens", "{", f.admin);
  CHECK(bad.status == 400);
  CHECK(code_of(bad) == "BAD_JSON");
  CHECK(f.call("GET", "relative", "", f.admin).status == 400);
}

TEST_CASE("api: tokens are created by admins only, tied to a registered foundry, and revocable") {
  Fixture f;
  auto reviewer = f.call("POST", "/v1/tokens", R"({"role":"reviewer"})", f.admin);
  REQUIRE(reviewer.status == 201);
  auto body = json::parse(reviewer.body);
  const std::string secret(body.at("token").as_string());
  CHECK(secret.size() == 64);
  CHECK(f.call("POST", "/v1/tokens", R"({"role":"admin"})", secret).status == 403);
  CHECK(code_of(f.call("POST", "/v1/tokens", R"({"role":"root"})", f.admin)) == "BAD_ENUM");
  CHECK(code_of(f.call("POST", "/v1/tokens", R"({"role":"foundry"})", f.admin)) == "MISSING_ENTERPRISE");
  CHECK(f.call("GET", "/v1/whoami", "", secret).status == 200);
  const auto id = body.at("id").as_int64();
  CHECK(f.call("POST", "/v1/tokens/" + std::to_string(id) + "/revoke", "", f.admin).status == 200);
  CHECK(f.call("GET", "/v1/whoami", "", secret).status == 401);
  CHECK(f.call("POST", "/v1/tokens/" + std::to_string(id) + "/revoke", "", f.admin).status == 404);
}

TEST_CASE("api: a failed write leaves nothing behind, not even an audit row") {
  Fixture f;
  auto ok = f.call("POST", "/v1/persons", R"({"id":"p1","name":"张三"})", f.admin);
  REQUIRE(ok.status == 201);
  auto dup = f.call("POST", "/v1/persons", R"({"id":"p1","name":"李四"})", f.admin);
  CHECK(dup.status == 409);
  auto audit = json::parse(f.call("GET", "/v1/audit", "", f.admin).body);
  REQUIRE(audit.at("items").as_array().size() == 1);
  CHECK(audit.at("items").at(0).at("action") == "person.create");
  CHECK(json::parse(f.call("GET", "/v1/persons/p1", "", f.admin).body).at("name") == "张三");
}

TEST_CASE("api: a group commit answers each write as if alone, and a failed one writes nothing") {
  Fixture f;
  auto make = [&](const std::string& method, const std::string& target, const std::string& body, const std::string& token) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.authorization = "Bearer " + token;
    return r;
  };
  const Request a = make("POST", "/v1/persons", R"({"id":"p1","name":"张三"})", f.admin);
  const Request dup = make("POST", "/v1/persons", R"({"id":"p1","name":"李四"})", f.admin);
  const Request bad = make("POST", "/v1/persons", R"({"id":"p2"})", f.admin);
  const Request b = make("POST", "/v1/persons", R"({"id":"p3","name":"王五"})", f.admin);
  const Request anon = make("POST", "/v1/persons", R"({"id":"p4","name":"赵六"})", "not-a-token");
  auto out = f.handler->handle_writes({&a, &dup, &bad, &b, &anon});
  REQUIRE(out.size() == 5);
  CHECK(out[0].status == 201);
  CHECK(out[1].status == 409);
  CHECK(code_of(out[1]) == "DUPLICATE");
  CHECK(out[2].status == 400);
  CHECK(out[3].status == 201);
  CHECK(out[4].status == 401);
  for (const auto& r : out) CHECK(r.route == "/v1/persons");
  // Exactly the two successes are stored, with one audit row each, all committed; the two
  // refusals to the token are in the trail as refused, the one without a token is not.
  CHECK(json::parse(f.call("GET", "/v1/persons/p1", "", f.admin).body).at("name") == "张三");
  CHECK(json::parse(f.call("GET", "/v1/persons/p3", "", f.admin).body).at("name") == "王五");
  CHECK(f.call("GET", "/v1/persons/p2", "", f.admin).status == 404);
  CHECK(f.call("GET", "/v1/persons/p4", "", f.admin).status == 404);
  auto audit = json::parse(f.call("GET", "/v1/audit", "", f.admin).body);
  const auto& items = audit.at("items").as_array();
  REQUIRE(items.size() == 4);
  CHECK(items[0].at("action") == "person.create");
  CHECK(items[1].at("action") == "refused");
  CHECK(items[1].at("detail").at("code") == "DUPLICATE");
  CHECK(items[2].at("action") == "refused");
  CHECK(items[2].at("detail").at("status") == 400);
  CHECK(items[3].at("action") == "person.create");
  // and a connection is back in autocommit mode: a plain write after the batch commits alone
  CHECK(f.call("POST", "/v1/persons", R"({"id":"p5","name":"孙七"})", f.admin).status == 201);
}

TEST_CASE("api: paths and query strings that are not UTF-8 never reach a JSON answer") {
  // Found by fuzz_http: a raw 0x9B byte in a claim id was echoed into the 404 message,
  // which made the error body invalid JSON.
  CHECK_FALSE(percent_decode("\x9b" "1"));
  CHECK_FALSE(percent_decode("%9B1"));
  CHECK_FALSE(percent_decode("%C0%AF"));       // overlong '/'
  CHECK_FALSE(percent_decode("%ED%A0%80"));    // a surrogate
  CHECK(percent_decode("%E5%8F%91") == std::optional<std::string>("\xE5\x8F\x91"));  // 发
  Fixture f;
  for (const std::string target : {"/v1/claims/\x9b" "1", "/v1/claims/%9B1", "/v1/persons/%FF"}) {
    auto r = f.call("GET", target, "", f.admin);
    CHECK(r.status == 404);
    boost::json::error_code ec;
    auto v = json::parse(r.body, ec);
    REQUIRE_FALSE(ec);
    CHECK(v.at("error").at("code") == "NOT_FOUND");
  }
  // A body value that is valid UTF-8 but not a USCC: the error names the byte, still JSON.
  auto eq = f.call("POST", "/v1/equity",
                   "{\"holder\": \"p1\", \"held\": \"9133010800000002\xC9\xB8\", \"pct\": 25, \"from\": \"2024-01-01\", \"to\": null}",
                   f.admin);
  CHECK(eq.status >= 400);
  CHECK(eq.status < 500);
  boost::json::error_code eec;
  (void)json::parse(eq.body, eec);
  CHECK_FALSE(eec);
  auto q = f.call("GET", "/v1/claims?status=%FF", "", f.admin);
  CHECK(q.status == 400);
  CHECK(code_of(q) == "BAD_QUERY");
}

TEST_CASE("api: a Content-Type that is not UTF-8 is quoted in the 415 answer as well-formed JSON") {
  // Found by fuzz_http: "application/js\xEFn" was echoed byte for byte into the message.
  Fixture f;
  Request r;
  r.method = "POST";
  r.target = "/v1/enterprises";
  r.authorization = "Bearer " + f.admin;
  r.content_type = "application/js\xEFn";
  r.body = R"({"uscc": "91330108000000027L", "name": "OEM", "in_district": true, "roles": ["oem"]})";
  const Response res = f.handler->handle(r);
  CHECK(res.status == 415);
  boost::json::error_code ec;
  const auto v = json::parse(res.body, ec);
  REQUIRE_FALSE(ec);
  CHECK(v.at("error").at("code") == "UNSUPPORTED_MEDIA_TYPE");
  const std::string message(v.at("error").at("message").as_string());
  CHECK(message.find("application/js\xEF\xBF\xBDn") != std::string::npos);  // U+FFFD stands for the byte
}

TEST_CASE("api: metrics render counters and cumulative histogram buckets") {
  Metrics m;
  m.observe("/healthz", "GET", 200, 0.0001);
  m.observe("/healthz", "GET", 200, 0.003);
  m.observe("/healthz", "GET", 503, 10.0);
  const std::string text = m.render();
  CHECK(text.find("chipreg_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2\n") != std::string::npos);
  CHECK(text.find("chipreg_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"503\"} 1\n") != std::string::npos);
  CHECK(text.find("chipreg_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1\n") != std::string::npos);
  CHECK(text.find("chipreg_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 2\n") != std::string::npos);
  CHECK(text.find("chipreg_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("chipreg_http_request_duration_seconds_count{route=\"/healthz\"} 3\n") != std::string::npos);
}
