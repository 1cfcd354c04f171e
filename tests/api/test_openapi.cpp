// The OpenAPI document (api/openapi.json, GET /v1/openapi.json) against the router that
// really serves: every registered (method, pattern) is documented with that method and
// every documented one is registered; each operation's security is its route's Access;
// every {capture} is a documented path parameter; every $ref resolves; and every
// documented operation, called through the handler, reaches exactly its own route.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "api/handler.hpp"
#include "api/router.hpp"
#include "registry/store/schema.hpp"
#include "registry/store/tokens.hpp"
#include "support/temp_dir.hpp"

using namespace chipreg;
using namespace chipreg::api;
namespace json = boost::json;

namespace {

constexpr const char* kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "GET /v1/claims/{id}" for every operation of the document's `paths`.
std::set<std::string> documented_operations(const json::object& doc) {
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const char* m : kMethods) {
      if (item.as_object().contains(m)) out.insert(upper(m) + " " + std::string(path));
    }
  }
  return out;
}

struct RouteDiff {
  std::vector<std::string> undocumented;  // registered, not in the document
  std::vector<std::string> unregistered;  // in the document, not registered
  [[nodiscard]] bool empty() const { return undocumented.empty() && unregistered.empty(); }
};

// The comparison the test rests on: the router's (method, pattern) pairs against the
// document's (method, path) pairs, as exact strings.
RouteDiff compare_routes(const Router& router, const json::object& doc) {
  std::set<std::string> registered;
  for (const Route& r : router.routes()) registered.insert(r.method + " " + r.pattern);
  const std::set<std::string> documented = documented_operations(doc);
  RouteDiff d;
  std::set_difference(registered.begin(), registered.end(), documented.begin(), documented.end(),
                      std::back_inserter(d.undocumented));
  std::set_difference(documented.begin(), documented.end(), registered.begin(), registered.end(),
                      std::back_inserter(d.unregistered));
  return d;
}

// The "{name}" segments of a route pattern, in order.
std::vector<std::string> captures(const std::string& pattern) {
  std::vector<std::string> out;
  for (std::size_t i = pattern.find('{'); i != std::string::npos; i = pattern.find('{', i + 1)) {
    out.push_back(pattern.substr(i + 1, pattern.find('}', i) - i - 1));
  }
  return out;
}

// The pattern with every capture replaced by `value`.
std::string fill(std::string pattern, const std::string& value) {
  for (std::size_t i = pattern.find('{'); i != std::string::npos; i = pattern.find('{')) {
    pattern.replace(i, pattern.find('}', i) - i + 1, value);
  }
  return pattern;
}

// Every "$ref" string anywhere under `v`.
void collect_refs(const json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.as_object()) {
      if (k == "$ref" && x.is_string())
        out.emplace_back(x.as_string());
      else
        collect_refs(x, out);
    }
  } else if (v.is_array()) {
    for (const auto& x : v.as_array()) collect_refs(x, out);
  }
}

// Resolves a local JSON pointer ("#/components/schemas/Claim"); null when it names nothing.
const json::value* resolve(const json::value& doc, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return nullptr;
  const json::value* at = &doc;
  std::size_t i = 2;
  while (at != nullptr && i <= ref.size()) {
    const std::size_t j = std::min(ref.find('/', i), ref.size());
    const std::string key = ref.substr(i, j - i);
    at = at->is_object() ? at->as_object().if_contains(key) : nullptr;
    i = j + 1;
  }
  return at;
}

struct Fixture {
  testing::TempDir dir;
  std::string path = dir.file("t.db");
  std::string admin;
  std::unique_ptr<DbPool> pool;
  Metrics metrics;
  std::unique_ptr<Handler> handler;
  json::value doc;

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
    Response r = call("GET", "/v1/openapi.json");
    REQUIRE(r.status == 200);
    doc = json::parse(r.body);
  }
  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& token = "") const {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!token.empty()) r.authorization = "Bearer " + token;
    return handler->handle(r);
  }
  const json::object& operation(const Route& r) const {
    return doc.at("paths").at(r.pattern).at(lower(r.method)).as_object();
  }
};

}  // namespace

TEST_CASE("openapi: the document names exactly the routes the router registers") {
  Fixture f;
  const json::object& doc = f.doc.as_object();
  const Router& router = f.handler->router();
  REQUIRE(router.routes().size() >= 50);  // the real table, not an empty one
  const RouteDiff diff = compare_routes(router, doc);
  INFO("registered but undocumented: " << json::serialize(json::value_from(diff.undocumented)));
  INFO("documented but not registered: " << json::serialize(json::value_from(diff.unregistered)));
  CHECK(diff.empty());
  CHECK(documented_operations(doc).size() == router.routes().size());
}

TEST_CASE("openapi: the comparison reports a route added without documentation, and a documented route removed") {
  Fixture f;
  const json::object& doc = f.doc.as_object();
  Router extra = f.handler->router();  // a copy of the real table
  extra.add("GET", "/v1/undocumented/{x}", Access::kToken, [](RouteContext&) { return Response{}; });
  extra.add("DELETE", "/v1/claims/{id}", Access::kToken, [](RouteContext&) { return Response{}; });
  const RouteDiff added = compare_routes(extra, doc);
  CHECK(added.undocumented == std::vector<std::string>{"DELETE /v1/claims/{id}", "GET /v1/undocumented/{x}"});
  CHECK(added.unregistered.empty());

  // A document path whose capture has another name than the route's is not the route.
  json::object renamed = doc;
  auto& paths = renamed["paths"].as_object();
  paths["/v1/claims/{claim}/decision"] = paths.at("/v1/claims/{id}/decision");
  paths.erase("/v1/claims/{id}/decision");
  const RouteDiff moved = compare_routes(f.handler->router(), renamed);
  CHECK(moved.undocumented == std::vector<std::string>{"POST /v1/claims/{id}/decision"});
  CHECK(moved.unregistered == std::vector<std::string>{"POST /v1/claims/{claim}/decision"});
}

TEST_CASE("openapi: an OpenAPI 3.1 document with info, servers and the bearer scheme") {
  Fixture f;
  const json::object& doc = f.doc.as_object();
  CHECK(doc.at("openapi").as_string() == "3.1.0");
  CHECK(doc.at("info").at("title").as_string() == "chipreg");
  CHECK(doc.at("info").at("version").as_string() == CHIPREG_VERSION);
  CHECK(doc.at("info").at("description").as_string().size() > 200);
  REQUIRE(doc.at("servers").as_array().size() >= 1);
  CHECK(doc.at("servers").as_array()[0].at("url").is_string());
  const auto& bearer = doc.at("components").at("securitySchemes").at("bearer");
  CHECK(bearer.at("type").as_string() == "http");
  CHECK(bearer.at("scheme").as_string() == "bearer");
  // The error object of the contract.
  const auto& err = doc.at("components").at("schemas").at("Error").at("properties").at("error");
  CHECK(err.at("required").as_array() == json::array{"code", "message"});
  CHECK(err.at("properties").as_object().contains("field"));

  std::vector<std::string> refs;
  collect_refs(f.doc, refs);
  REQUIRE(refs.size() > 100);
  for (const auto& r : refs) {
    INFO(r);
    CHECK(resolve(f.doc, r) != nullptr);
  }
  CHECK(resolve(f.doc, "#/components/schemas/NoSuchSchema") == nullptr);  // the resolver can say no
}

TEST_CASE("openapi: each operation's security, path parameters and responses fit its route") {
  Fixture f;
  std::set<std::string> operation_ids;
  for (const Route& r : f.handler->router().routes()) {
    INFO(r.method << " " << r.pattern);
    const json::object& op = f.operation(r);
    // Bearer exactly where the router asks for a token.
    const json::array& security = op.at("security").as_array();
    if (r.access == Access::kToken) {
      REQUIRE(security.size() == 1);
      CHECK(security[0].as_object().contains("bearer"));
      CHECK(op.at("responses").as_object().contains("401"));
    } else {
      CHECK(security.empty());
      CHECK_FALSE(op.at("responses").as_object().contains("401"));
    }
    // Each capture is a required path parameter, and no other path parameter is declared.
    std::vector<std::string> declared;
    if (const auto* ps = op.if_contains("parameters")) {
      for (const auto& p : ps->as_array()) {
        const auto* in = p.as_object().if_contains("in");
        if (in != nullptr && in->as_string() == "path") {
          CHECK(p.at("required").as_bool());
          declared.emplace_back(p.at("name").as_string());
        }
      }
    }
    CHECK(declared == captures(r.pattern));
    // A success answer, and the errors every POST can meet.
    const json::object& responses = op.at("responses").as_object();
    CHECK(std::any_of(responses.begin(), responses.end(), [](const auto& kv) { return kv.key().starts_with("2"); }));
    if (r.method == "POST") {
      CHECK(op.contains("requestBody"));
      CHECK(responses.contains("413"));
      if (!r.file_body) CHECK(responses.contains("400"));
    }
    CHECK(op.at("x-roles").as_array().size() >= 1);
    CHECK(operation_ids.insert(std::string(op.at("operationId").as_string())).second);
  }
}

TEST_CASE("openapi: every documented operation, called through the handler, reaches its own route") {
  Fixture f;
  // The router's own answer to a path it does not know, for contrast.
  Response unknown = f.call("GET", "/v1/no-such-endpoint", "", f.admin);
  CHECK(unknown.status == 404);
  CHECK(unknown.route == "unmatched");
  int called = 0;
  for (const auto& [path, item] : f.doc.at("paths").as_object()) {
    for (const char* m : kMethods) {
      const auto* op = item.as_object().if_contains(m);
      if (op == nullptr) continue;
      const bool bearer = !op->at("security").as_array().empty();
      // Dummy captures name nothing that exists, so no write here changes an existing row.
      const std::string target = fill(std::string(path), "999999");
      const std::string method = upper(m);
      Response r = f.call(method, target, method == "POST" ? "{}" : "", bearer ? f.admin : "");
      INFO(method << " " << target << " -> " << r.status << " " << r.body.substr(0, 200));
      CHECK(r.route == std::string(path));
      CHECK(r.status != 405);
      CHECK(r.status != 401);  // the admin token was taken where the document asks for one
      ++called;
    }
  }
  CHECK(called == static_cast<int>(f.handler->router().routes().size()));
}
