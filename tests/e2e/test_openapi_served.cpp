// End-to-end: the real `chipreg serve` answers GET /v1/openapi.json without a token, and
// every operation that document lists is answered by a route of its own, never by the
// router's "no such endpoint" 404 or by 405; and on a small world, each JSON read answers
// 200 with the fields its documented schema requires (of each item, for a page).
#include <catch2/catch.hpp>

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "e2e/world.hpp"
#include "support/process.hpp"

using namespace chipreg::testing;
namespace json = boost::json;

namespace {

constexpr const char* kMethods[] = {"get", "put", "post", "delete", "patch"};

// True for the router's own answer to a (method, path) no route matches: 404 NOT_FOUND
// "no such endpoint" (api/handler.cpp), or 405 when only the method differs. A route's own
// 404 names what it did not find ("claim 999999 not found").
bool unrouted(const HttpReply& r) {
  if (r.status == 405) return true;
  if (r.status != 404 || r.error_code() != "NOT_FOUND") return false;
  return r.json().at("error").at("message").as_string() == "no such endpoint";
}

std::string fill(std::string pattern, const std::string& value) {
  for (std::size_t i = pattern.find('{'); i != std::string::npos; i = pattern.find('{')) {
    pattern.replace(i, pattern.find('}', i) - i + 1, value);
  }
  return pattern;
}

// The schema behind a local "$ref", or `s` itself.
const json::object& deref(const json::value& doc, const json::object& s) {
  const auto* ref = s.if_contains("$ref");
  if (ref == nullptr) return s;
  const std::string name(ref->as_string());
  return doc.at("components").at("schemas").at(name.substr(name.rfind('/') + 1)).as_object();
}

// The JSON schema of an operation's 200 answer.
const json::object& answer_schema(const json::value& doc, const std::string& path, const char* method) {
  const auto& ok = doc.at("paths").at(path).at(method).at("responses").at("200");
  return ok.at("content").at("application/json").at("schema").as_object();
}

// The property names a schema requires, through $ref and allOf.
std::set<std::string> required_fields(const json::value& doc, const json::object& schema) {
  const json::object& s = deref(doc, schema);
  std::set<std::string> out;
  if (const auto* req = s.if_contains("required")) {
    for (const auto& k : req->as_array()) out.emplace(k.as_string());
  }
  if (const auto* all = s.if_contains("allOf")) {
    for (const auto& part : all->as_array()) out.merge(required_fields(doc, part.as_object()));
  }
  return out;
}

// Names each field `schema` requires that `answer` lacks ("items[2].next" style for pages).
std::vector<std::string> missing_fields(const json::value& doc, const json::object& schema, const json::value& answer) {
  std::vector<std::string> out;
  for (const auto& k : required_fields(doc, schema)) {
    if (!answer.is_object() || !answer.as_object().contains(k)) out.push_back(k);
  }
  const json::object& s = deref(doc, schema);
  const auto* props = s.if_contains("properties");
  const auto* items = props != nullptr ? props->as_object().if_contains("items") : nullptr;
  if (items != nullptr && answer.is_object() && answer.as_object().contains("items")) {
    const json::object& item_schema = items->at("items").as_object();
    const auto& got = answer.at("items").as_array();
    for (std::size_t i = 0; i < got.size(); ++i) {
      for (const auto& k : missing_fields(doc, item_schema, got[i]))
        out.push_back("items[" + std::to_string(i) + "]." + k);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("serve: GET /v1/openapi.json is public JSON, and every operation it documents is routed") {
  Registry reg;
  const auto& http = reg.http();

  const HttpReply got = http.get("/v1/openapi.json");  // no token
  REQUIRE(got.status == 200);
  CHECK(got.headers.at("content-type").rfind("application/json", 0) == 0);
  const json::value doc = got.json();
  CHECK(doc.at("openapi").as_string() == "3.1.0");
  CHECK(doc.at("info").at("title").as_string() == "chipreg");
  CHECK(doc.at("info").at("version").as_string() == CHIPREG_VERSION);
  CHECK(doc.at("components").at("securitySchemes").as_object().contains("bearer"));

  // The discriminator tells the router's answers from a route's: an unknown path and a
  // wrong method are unrouted; a route's own 404 for an unknown id is not.
  CHECK(unrouted(http.get("/v1/no-such-endpoint", reg.admin())));
  CHECK(unrouted(http.request("DELETE", "/v1/openapi.json")));
  const HttpReply missing = http.get("/v1/claims/999999", reg.admin());
  CHECK(missing.status == 404);
  CHECK_FALSE(unrouted(missing));

  int called = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const char* m : kMethods) {
      const auto* op = item.as_object().if_contains(m);
      if (op == nullptr) continue;
      std::string method = m;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const bool bearer = !op->at("security").as_array().empty();
      const std::string target = fill(std::string(path), "999999");
      const HttpReply r = http.request(method, target, method == "POST" ? "{}" : "", bearer ? reg.admin() : "");
      INFO(method << " " << target << " -> " << r.status << " " << r.body.substr(0, 200));
      CHECK_FALSE(unrouted(r));
      CHECK(r.status != 401);
      ++called;
    }
  }
  CHECK(called >= 50);
  // The token was never spent: the server still takes it.
  CHECK(http.get("/v1/whoami", reg.admin()).status == 200);
}

TEST_CASE("serve: on a small world each documented JSON read answers 200 with its schema's required fields") {
  Registry reg({"--webhook-allow-http-host", "127.0.0.1"});
  World w = build_world(reg);
  const auto& http = reg.http();
  const std::string& admin = reg.admin();
  reg.must(201, "/v1/persons", json::object{{"id", "p1"}, {"name", "王五"}}, admin);
  const json::value doc = http.get("/v1/openapi.json").json();
  // The preview (before the claim: a filed claim's series answers 409) is the documented evaluation.
  const json::object& preview_schema = answer_schema(doc, "/v1/claims/preview", "post");
  const auto preview = http.post(
      "/v1/claims/preview", json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
  REQUIRE(preview.status == 200);
  CHECK(missing_fields(doc, preview_schema, preview.json()) == std::vector<std::string>{});
  const auto claim = reg.must(201, "/v1/claims",
                              json::object{{"rule", "linkage"}, {"year", 2025}, {"group", "chip_module"}}, w.oem_token);
  const std::string claim_id(claim.at("id").as_string());
  const auto objection = reg.must(201, "/v1/claims/" + claim_id + "/objections", json::object{{"text", "异议"}}, w.oem_token);
  const std::string objection_id(objection.at("id").as_string());
  // The entitlements the job found (one: the OEM's, claimed).
  REQUIRE(run_chipreg({"eligibility", "--db", reg.db(), "--year", "2025", "--quiet"}).exit_code == 0);
  // A webhook (to a closed port: its deliveries stay pending) for the webhook reads.
  REQUIRE(http.request("PUT", "/v1/webhooks/" + w.oem, R"({"url": "http://127.0.0.1:9/hook"})", admin).status == 200);

  // A real target for every documented GET, each naming something the world holds.
  const std::map<std::string, std::string> targets = {
      {"/healthz", "/healthz"},
      {"/v1/openapi.json", "/v1/openapi.json"},
      {"/v1/whoami", "/v1/whoami"},
      {"/v1/tokens", "/v1/tokens"},
      {"/v1/enterprises", "/v1/enterprises"},
      {"/v1/enterprises/{uscc}", "/v1/enterprises/" + w.oem},
      {"/v1/persons/{id}", "/v1/persons/p1"},
      {"/v1/products", "/v1/products"},
      {"/v1/products/{id}", "/v1/products/P-CHIP"},
      {"/v1/enterprises/{uscc}/products", "/v1/enterprises/" + w.design + "/products"},
      {"/v1/enterprises/{uscc}/products/{id}", "/v1/enterprises/" + w.design + "/products/P-CHIP"},
      {"/v1/foundry-keys", "/v1/foundry-keys"},
      {"/v1/foundry-keys/{keyid}", "/v1/foundry-keys/" + w.keyid},
      {"/v1/foundry-keys/{keyid}/revocation-impact",
       "/v1/foundry-keys/" + w.keyid + "/revocation-impact?from=2024-01-01"},
      {"/v1/tapeouts", "/v1/tapeouts"},
      {"/v1/tapeouts/{id}", "/v1/tapeouts/" + w.tapeout_id},
      {"/v1/purchases", "/v1/purchases"},
      {"/v1/purchases/{invoice}/{line}", "/v1/purchases/24332000000012345678/1?buyer=" + w.oem},
      {"/v1/enterprises/{uscc}/purchases", "/v1/enterprises/" + w.oem + "/purchases?year=2025"},
      {"/v1/claims", "/v1/claims"},
      {"/v1/claims/{id}", "/v1/claims/" + claim_id},
      {"/v1/claims/{id}/lines", "/v1/claims/" + claim_id + "/lines"},
      {"/v1/claims/{id}/facts", "/v1/claims/" + claim_id + "/facts"},
      {"/v1/claims/{id}/objections", "/v1/claims/" + claim_id + "/objections"},
      {"/v1/objections", "/v1/objections?status=open"},
      {"/v1/objections/{id}", "/v1/objections/" + objection_id},
      {"/v1/recoveries", "/v1/recoveries?status=due"},
      {"/v1/audit", "/v1/audit"},
      {"/v1/entitlements", "/v1/entitlements?year=2025"},
      {"/v1/entitlements/auto-filing", "/v1/entitlements/auto-filing"},
      {"/v1/events", "/v1/events"},
      {"/v1/webhooks/{uscc}", "/v1/webhooks/" + w.oem},
      {"/v1/webhooks/{uscc}/deliveries", "/v1/webhooks/" + w.oem + "/deliveries?state=pending"},
      {"/v1/log/entries/{index}", "/v1/log/entries/0"},
      {"/v1/log/entries/{index}/opening", "/v1/log/entries/0/opening"},
      {"/v1/log/proof/inclusion", "/v1/log/proof/inclusion?index=0&size=2"},
      {"/v1/log/proof/consistency", "/v1/log/proof/consistency?from=1&to=2"},
  };
  int checked = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    const auto* op = item.as_object().if_contains("get");
    if (op == nullptr) continue;
    const auto& content = op->at("responses").at("200").as_object().if_contains("content");
    if (content == nullptr || !content->as_object().contains("application/json")) continue;  // text, HTML, assets
    INFO("GET " << std::string(path));
    const auto target = targets.find(std::string(path));
    REQUIRE(target != targets.end());  // a new JSON read needs a target here
    const HttpReply r = http.get(target->second, op->at("security").as_array().empty() ? "" : admin);
    INFO(target->second << " -> " << r.status << " " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    const json::value answer = r.json();
    if (path == "/v1/openapi.json") continue;  // the schema is {"type": "object"}: itself
    const json::object& schema = content->at("application/json").at("schema").as_object();
    CHECK(!required_fields(doc, schema).empty());
    CHECK(missing_fields(doc, schema, answer) == std::vector<std::string>{});
    ++checked;
  }
  CHECK(checked == static_cast<int>(targets.size()) - 1);

  // A page item without a required field is reported: the check can fail.
  const json::object& claims_schema = answer_schema(doc, "/v1/claims", "get");
  json::value broken = http.get("/v1/claims", admin).json();
  REQUIRE(broken.at("items").as_array().size() == 1);
  broken.at("items").as_array()[0].as_object().erase("status");
  CHECK(missing_fields(doc, claims_schema, broken) == std::vector<std::string>{"items[0].status"});
}
