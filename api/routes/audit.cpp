// GET /v1/audit   admin, reviewer (a claim's trail in the review page) →
//                 {"items": [{"id", "at", "actor", "actor_label", "action", "subject", "detail"}], "next"}
//                 ?subject=ID (e.g. a claim id), ?actor=ACTOR ("reviewer#4", "cli:王五"),
//                 ?from=T&to=T (UTC, "2026-12-01" or "2026-12-01T08:00:00Z": from <= at < to),
//                 ?limit=N (1..500), ?after=CURSOR; oldest first. actor_label is the label
//                 of the actor's token (null when it has none or is not a token). Rows record
//                 every accepted write, every import from the command line (action
//                 import.KIND) and every write refused to a token (action refused).
#include "api/routes/common.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

// A time bound: an ISO 8601 date or date-time in UTC, as the rows are stamped
// ("2026-12-01", "2026-12-01T08:00:00Z"): compared as text with each row's `at`.
Result<std::optional<std::string>> time_bound(const RouteContext& ctx, const char* name) {
  auto v = ctx.query_value(name);
  if (!v) return std::optional<std::string>();
  const std::string& t = *v;
  bool ok = t.size() >= 10 && t.size() <= 30 && Date::parse(std::string_view(t).substr(0, 10)).ok() &&
            (t.size() == 10 || t[10] == 'T');
  for (char c : t) ok = ok && ((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '.');
  if (!ok) {
    return Error("BAD_QUERY", std::string(name) + " must be a UTC date or date-time like 2026-12-01 or 2026-12-01T08:00:00Z",
                 name);
  }
  return std::optional<std::string>(t);
}

}  // namespace

void add_audit_routes(Router& r) {
  r.add("GET", "/v1/audit", Access::kToken, [](RouteContext& ctx) {
    if (auto deny = require_role(ctx, {"admin", "reviewer"})) return *deny;
    auto page = page_params(ctx);
    if (!page) return error_response(page.error());
    store::AuditQuery q;
    if (page->after) {
      auto a = parse_id(*page->after);
      if (!a) return error_response(400, "BAD_QUERY", "after must be a cursor from a previous page", "after");
      q.after = *a;
    }
    q.limit = page->limit + 1;
    q.subject = ctx.query_value("subject");
    q.actor = ctx.query_value("actor");
    auto from = time_bound(ctx, "from");
    if (!from) return error_response(from.error());
    auto to = time_bound(ctx, "to");
    if (!to) return error_response(to.error());
    q.from = *from;
    q.to = *to;
    auto rows = store::list_audit(*ctx.db, q);
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
      json::value label = nullptr;
      if (a.actor_label) label = *a.actor_label;
      items.push_back(json::object{{"id", a.id},         {"at", a.at},         {"actor", a.actor},
                                   {"actor_label", label}, {"action", a.action}, {"subject", a.subject},
                                   {"detail", std::move(detail)}});
    }
    return ok(page_json(std::move(items), next));
  });
}

}  // namespace chipreg::api::routes
