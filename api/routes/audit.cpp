// GET /v1/audit   admin, reviewer (a claim's trail in the review page) → {"items": [{"id", "at", "actor", "action", "subject", "detail"}], "next"}
//                 ?subject=ID (e.g. a claim id), ?limit=N (1..500), ?after=CURSOR; oldest first.
#include "api/routes/common.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

void add_audit_routes(Router& r) {
  r.add("GET", "/v1/audit", Access::kToken, [](RouteContext& ctx) {
    if (auto deny = require_role(ctx, {"admin", "reviewer"})) return *deny;
    auto page = page_params(ctx);
    if (!page) return error_response(page.error());
    std::int64_t after = 0;
    if (page->after) {
      auto a = parse_id(*page->after);
      if (!a) return error_response(400, "BAD_QUERY", "after must be a cursor from a previous page", "after");
      after = *a;
    }
    auto rows = store::list_audit(*ctx.db, after, page->limit + 1, ctx.query_value("subject"));
    if (!rows) return error_response(rows.error());
    json::array items;
    std::optional<std::string> next;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      if (static_cast<int>(i) == page->limit) {
        next = std::to_string((*rows)[i - 1].id);
        break;
      }
      const auto& a = (*rows)[i];
      boost::system::error_code ec;
      json::value detail = json::parse(a.detail, ec);
      if (ec) detail = a.detail;
      items.push_back(json::object{{"id", a.id}, {"at", a.at}, {"actor", a.actor}, {"action", a.action},
                                   {"subject", a.subject}, {"detail", std::move(detail)}});
    }
    return ok(page_json(std::move(items), next));
  });
}

}  // namespace chipreg::api::routes
