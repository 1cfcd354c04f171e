// The web app's files (web/) and the OpenAPI document (api/openapi.json), compiled into the
// binary by cmake/embed_assets.cmake, so the service needs no files beside it and serves
// nothing from outside itself.
#pragma once

#include <span>
#include <string_view>

namespace chipreg::api {

struct WebAsset {
  std::string_view path;   // relative to web/: "index.html", "app.js", ...
  std::string_view etag;   // a strong ETag, quoted: the first 128 bits of the file's SHA-256
  std::string_view bytes;  // the file as it was at build time
};

// Every embedded file, in the order api/CMakeLists.txt lists them.
std::span<const WebAsset> web_assets();

// The OpenAPI document, embedded the same way: one asset, "openapi.json" (api/openapi.json).
std::span<const WebAsset> openapi_assets();

}  // namespace chipreg::api
