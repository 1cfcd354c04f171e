// Notifications (issue 21, store/notifications.hpp): each enterprise's event feed and its
// webhook.
//   GET    /v1/events                  the feed (not to be confused with POST /v1/events, the
//                                      clause-16 activity facts). An enterprise token: its own
//                                      (?enterprise= naming another: 403); reviewer, admin: all,
//                                      or one with ?enterprise=; a foundry: 403.
//                                      ?after=CURSOR (an event id) ?limit=1..500 (default 100)
//                                      → {"items": [{"id", "enterprise", "kind", "subject",
//                                      "created_at", "payload"}], "next": CURSOR or null}
//   PUT    /v1/webhooks/{uscc}         the enterprise itself or an admin: {"url"} → 200
//                                      {"enterprise", "url", "created_by", "created_at",
//                                      "secret"}: the HMAC secret, shown this once. The URL is
//                                      checked (api/webhook_url.hpp): BAD_URL,
//                                      WEBHOOK_URL_REFUSED (422)
//   GET    /v1/webhooks/{uscc}         the enterprise, reviewer, admin → the webhook without its
//                                      secret; 404 when none
//   DELETE /v1/webhooks/{uscc}         the enterprise or an admin → 200 {"deleted": true}; the
//                                      undelivered deliveries go with it; 404 when none
//   GET    /v1/webhooks/{uscc}/deliveries  the enterprise, reviewer, admin: ?state=dead
//                                      (default, the dead letters) | pending | delivered,
//                                      paging ?after= ?limit= → {"items": [delivery], "next"}
//   POST   /v1/webhooks/{uscc}/requeue the enterprise or an admin → 200 {"requeued": [event id]}:
//                                      the dead letters are pending again, due now
// Another enterprise's webhook answers 404, as an unknown one.
#include <chrono>
#include <variant>

#include "api/routes/common.hpp"
#include "api/routes/routes.hpp"
#include "registry/store/notifications.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::int64_t> cursor_of(const std::optional<std::string>& after) {
  if (!after) return std::int64_t{0};
  auto id = parse_id(*after);
  if (!id) return Error("BAD_QUERY", "after: a cursor is the id of an event (a previous page's \"next\")", "after");
  return *id;
}

Response feed(RouteContext& ctx) {
  const auto& who = *ctx.caller;
  if (!is_bureau(who) && who.role != "enterprise") return forbidden("a " + who.role + " token has no event feed");
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  auto after = cursor_of(page->after);
  if (!after) return error_response(after.error());
  auto named = uscc_query(ctx, "enterprise");
  if (!named) return error_response(named.error());
  store::NotificationFilter f;
  if (*named) f.enterprise = (*named)->str();
  if (who.role == "enterprise") {
    if (f.enterprise && *f.enterprise != *who.enterprise) {
      return forbidden("an enterprise token reads only its own events (企业只能查看本企业的通知)");
    }
    f.enterprise = *who.enterprise;
  }
  f.after = *after;
  f.limit = page->limit + 1;
  auto rows = store::list_notifications(*ctx.db, f);
  if (!rows) return error_response(rows.error());
  return ok(page_of(
      *rows, page->limit, [&](const auto& r) { return store::to_json(r); },
      [](const auto& r) { return std::to_string(r.id); }));
}

// The {uscc} of a webhook route, if the caller may read it (`write`: may change it);
// otherwise the answer to give: 404 as for an unknown webhook, 403 for a foundry.
std::variant<std::string, Response> webhook_owner(const RouteContext& ctx, bool write) {
  const auto& who = *ctx.caller;
  const std::string& uscc = ctx.param("uscc");
  if (who.role == "admin" || (!write && who.role == "reviewer")) return uscc;
  if (who.role == "enterprise") {
    if (acts_for(who, uscc)) return uscc;
    return not_found("webhook of " + uscc);
  }
  return forbidden("a " + who.role + " token may not " + (write ? "change" : "read") + " webhooks");
}

json::object hook_json(const store::Webhook& w) {
  return json::object{
      {"enterprise", w.enterprise}, {"url", w.url}, {"created_by", w.created_by}, {"created_at", w.created_at}};
}

}  // namespace

void add_notification_routes(Router& r, const WebhookUrlPolicy& urls) {
  r.add("GET", "/v1/events", Access::kToken, feed);

  r.add("PUT", "/v1/webhooks/{uscc}", Access::kToken, [urls](RouteContext& ctx) {
    auto owner = webhook_owner(ctx, true);
    if (auto* deny = std::get_if<Response>(&owner)) return *deny;
    const std::string& uscc = std::get<std::string>(owner);
    auto body = parse_object(ctx.req.body);
    if (!body) return error_response(body.error());
    FieldReader f(*body);
    auto url = f.string("url");
    if (!url) return error_response(url.error());
    if (auto st = f.finish(); !st) return error_response(st.error());
    if (auto checked = check_webhook_url(*url, urls); !checked) return error_response(checked.error());
    db::Db& db = *ctx.db;
    return in_transaction(db, [&] {
      auto set = store::set_webhook(db, uscc, *url, actor(*ctx.caller));
      if (!set) return error_response(set.error());
      json::object o = hook_json(set->hook);
      o["secret"] = set->secret;
      return ok(o);
    });
  });

  r.add("GET", "/v1/webhooks/{uscc}", Access::kToken, [](RouteContext& ctx) {
    auto owner = webhook_owner(ctx, false);
    if (auto* deny = std::get_if<Response>(&owner)) return *deny;
    const std::string& uscc = std::get<std::string>(owner);
    auto hook = store::get_webhook(*ctx.db, uscc);
    if (!hook) return error_response(hook.error());
    if (!*hook) return not_found("webhook of " + uscc);
    return ok(hook_json(**hook));
  });

  r.add("DELETE", "/v1/webhooks/{uscc}", Access::kToken, [](RouteContext& ctx) {
    auto owner = webhook_owner(ctx, true);
    if (auto* deny = std::get_if<Response>(&owner)) return *deny;
    const std::string& uscc = std::get<std::string>(owner);
    db::Db& db = *ctx.db;
    return in_transaction(db, [&] {
      auto gone = store::delete_webhook(db, uscc, actor(*ctx.caller));
      if (!gone) return error_response(gone.error());
      if (!*gone) return not_found("webhook of " + uscc);
      return ok(json::object{{"deleted", true}});
    });
  });

  r.add("GET", "/v1/webhooks/{uscc}/deliveries", Access::kToken, [](RouteContext& ctx) {
    auto owner = webhook_owner(ctx, false);
    if (auto* deny = std::get_if<Response>(&owner)) return *deny;
    const std::string& uscc = std::get<std::string>(owner);
    const std::string state = ctx.query_value("state").value_or("dead");
    if (state != "dead" && state != "pending" && state != "delivered") {
      return error_response(400, "BAD_QUERY", "state must be dead, pending or delivered", "state");
    }
    auto page = page_params(ctx);
    if (!page) return error_response(page.error());
    auto after = cursor_of(page->after);
    if (!after) return error_response(after.error());
    auto rows = store::list_deliveries(*ctx.db, uscc, state, *after, page->limit + 1);
    if (!rows) return error_response(rows.error());
    return ok(page_of(
        *rows, page->limit, [&](const auto& r) { return store::to_json(r); },
        [](const auto& r) { return std::to_string(r.notification); }));
  });

  r.add("POST", "/v1/webhooks/{uscc}/requeue", Access::kToken, [](RouteContext& ctx) {
    auto owner = webhook_owner(ctx, true);
    if (auto* deny = std::get_if<Response>(&owner)) return *deny;
    const std::string& uscc = std::get<std::string>(owner);
    db::Db& db = *ctx.db;
    return in_transaction(db, [&] {
      auto hook = store::get_webhook(db, uscc);
      if (!hook) return error_response(hook.error());
      if (!*hook) return not_found("webhook of " + uscc);
      auto ids = store::requeue_dead(db, uscc, unix_ms_now(), actor(*ctx.caller));
      if (!ids) return error_response(ids.error());
      return ok(json::object{{"requeued", json::array(ids->begin(), ids->end())}});
    });
  });
}

}  // namespace chipreg::api::routes
