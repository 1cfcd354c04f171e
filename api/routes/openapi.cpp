// GET /v1/openapi.json (anyone, no database): the OpenAPI 3.1 document of every route, the
// file api/openapi.json as embedded at build time (api/web_assets.hpp), with info.version
// set to this binary's CHIPREG_VERSION. tests/api/test_openapi.cpp checks that it names
// exactly the routes this router registers; scripts/gen_api_doc.py renders docs/API.md
// from the same file.
#include "api/routes/routes.hpp"
#include "api/web_assets.hpp"

#include <boost/json.hpp>

#include <stdexcept>
#include <string>

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

// The embedded document, version stamped, serialized once. A document that does not parse
// is a build defect: the first request answers 500 through the handler's exception boundary.
const std::string& served_document() {
  static const std::string doc = [] {
    const auto assets = openapi_assets();
    if (assets.size() != 1) throw std::runtime_error("openapi.json is not embedded");
    json::value v = json::parse(assets.front().bytes);
    v.as_object()["info"].as_object()["version"] = CHIPREG_VERSION;
    return json::serialize(v);
  }();
  return doc;
}

}  // namespace

void add_openapi_routes(Router& r) {
  r.add("GET", "/v1/openapi.json", Access::kPublic, [](RouteContext&) {
    Response resp;
    resp.body = served_document();
    resp.headers.emplace_back("Cache-Control", "no-cache");
    return resp;
  });
}

}  // namespace chipreg::api::routes
