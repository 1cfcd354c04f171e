// The web app (web/, embedded at build time, see api/web_assets.hpp):
//   GET /                  anyone → index.html
//   GET /assets/{name}     anyone → app.js, app.css, ... with their Content-Type; else 404
// Every answer carries a Content-Security-Policy that admits only the service itself (no
// inline script, no eval, no framing), nosniff, and no Referer. Assets revalidate on each
// load (Cache-Control: no-cache) against a strong ETag, so a new binary's assets are never
// mixed with an old page, and an unchanged asset costs a 304.
#include "api/routes/common.hpp"
#include "api/web_assets.hpp"

namespace chipreg::api::routes {

namespace {

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string_view content_type_of(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

void add_security_headers(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

// True when `header` (an If-None-Match value: "*" or a list of entity tags) names `etag`.
bool etag_matches(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  return header.find(etag) != std::string_view::npos;
}

Response serve_asset(const RouteContext& ctx, std::string_view path) {
  for (const WebAsset& a : web_assets()) {
    if (a.path != path) continue;
    Response r;
    r.content_type = std::string(content_type_of(a.path));
    add_security_headers(r);
    r.headers.emplace_back("ETag", std::string(a.etag));
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (!ctx.req.if_none_match.empty() && etag_matches(ctx.req.if_none_match, a.etag)) {
      r.status = 304;
      return r;
    }
    r.body = std::string(a.bytes);
    return r;
  }
  Response r = not_found("asset " + std::string(path));
  add_security_headers(r);
  return r;
}

}  // namespace

void add_web_routes(Router& r) {
  r.add("GET", "/", Access::kPublic, [](RouteContext& ctx) { return serve_asset(ctx, "index.html"); });
  r.add("GET", "/assets/{name}", Access::kPublic, [](RouteContext& ctx) {
    const std::string& name = ctx.param("name");
    // index.html is the page at "/", not an asset.
    if (name == "index.html") return serve_asset(ctx, "");
    return serve_asset(ctx, name);
  });
}

}  // namespace chipreg::api::routes
