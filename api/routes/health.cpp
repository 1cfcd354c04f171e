// GET /healthz (anyone): liveness. GET /metrics (anyone): Prometheus text.
// /metrics exposes only route-level counts and timings, no request data, so it is public
// like /healthz; put it behind the network's own controls if that is too much.
#include "api/routes/routes.hpp"

namespace chipreg::api::routes {

void add_health_routes(Router& r, const Metrics& metrics) {
  r.add("GET", "/healthz", Access::kPublic, [](RouteContext&) {
    Response resp;
    resp.body = R"({"status":"ok"})";
    return resp;
  });
  r.add("GET", "/metrics", Access::kPublic, [&metrics](RouteContext&) {
    Response resp;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = metrics.render();
    return resp;
  });
}

}  // namespace chipreg::api::routes
