// Purchase lines (scenario purchase objects) and other-level awards:
//   POST /v1/purchases                      the buying enterprise's token, or admin → 201
//                                           {"id", "log_index", ...the purchase}; another buyer: 403;
//                                           the buyer's same invoice + line again: 409 DUPLICATE
//                                           (invoice lines are keyed per buyer: no answer depends on
//                                           another buyer's lines); product: a product of the seller
//   GET  /v1/purchases/{invoice}/{line}     admin, reviewer, the buyer or the seller (else 404);
//                                           ?buyer=USCC names the buyer (default: the caller's own
//                                           enterprise; the bureau and a seller give it)
//   GET  /v1/enterprises/{uscc}/purchases   admin, reviewer, or a token of that enterprise (else 404);
//                                           lines it bought, ?year=YYYY, ?limit=N (1..500), ?after=CURSOR
//   POST /v1/purchases/{invoice}/void       admin {"buyer", "date", "source"?}, or the buying enterprise
//                                           {"date", "source"?} (its own invoice) → 200
//                                           {"invoice", "buyer", "lines", "claims", "changed", "log_index"}:
//                                           the invoice is void (作废) from `date`, a logged fact of its
//                                           own; the claims that counted it are listed (submitted: now
//                                           stale; approved: overpaid_fen recomputed). Another
//                                           enterprise's or an unknown invoice: 404
//   POST /v1/other-awards                   reviewer, admin {"claim", "level", "amount_fen"} → 201 {"id", ...}
#include "api/routes/common.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/voids.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

json::object purchase_json(const store::StoredPurchase& p) {
  json::object out = json_io::to_json(p.purchase);
  out["id"] = p.id;
  out["log_index"] = p.log_index ? json::value(*p.log_index) : json::value(nullptr);
  return out;
}

Response create_purchase(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin", "enterprise"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  auto purchase = json_io::purchase_from_json(json::value(*body));
  if (!purchase) return error_response(purchase.error());
  if (ctx.caller->role == "enterprise" && !acts_for(*ctx.caller, purchase->buyer.str())) {
    return forbidden("an enterprise token may file only its own purchases (buyer must be " + *ctx.caller->enterprise +
                     ")");
  }
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto stored = store::insert_purchase(db, *purchase);
    if (!stored) return error_response(stored.error());
    json::object out = purchase_json(*stored);
    if (auto st =
            store::audit(db, actor(*ctx.caller), "purchase.create",
                         purchase->invoice + "#" + std::to_string(purchase->line), json::object{{"id", stored->id}});
        !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

Response void_invoice(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin", "enterprise"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto date = f.string("date");
  if (!date) return error_response(date.error());
  auto source = f.opt_string("source");
  if (!source) return error_response(source.error());
  auto named = f.opt_string("buyer");
  if (!named) return error_response(named.error());
  if (auto st = f.finish(); !st) return error_response(st.error());
  auto d = Date::parse(*date);
  if (!d) return error_response(d.error().at("date"));
  const std::string& invoice = ctx.param("invoice");
  // An invoice is named by its buyer: an enterprise voids its own, the bureau says whose.
  std::string buyer;
  if (ctx.caller->role == "enterprise") {
    if (*named && **named != *ctx.caller->enterprise) return not_found("invoice " + invoice);
    buyer = *ctx.caller->enterprise;
  } else if (*named) {
    auto u = Uscc::parse(**named);
    if (!u) return error_response(Error(u.error().code, "buyer: " + u.error().message, "buyer"));
    buyer = u->str();
  } else {
    return error_response(400, "MISSING_FIELD", "buyer: name the invoice's buyer (an invoice is named by its buyer)",
                          "buyer");
  }
  const std::string who = actor(*ctx.caller);
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto out = store::void_invoice(db, buyer, invoice, *d, source->value_or("api:" + who), who);
    if (!out) {
      if (out.error().code == "UNKNOWN_INVOICE") return not_found("invoice " + invoice);
      return error_response(out.error());
    }
    return ok(store::to_json(*out));
  });
}

Response get_purchase(RouteContext& ctx) {
  const std::string& invoice = ctx.param("invoice");
  auto line = parse_id(ctx.param("line"));
  const std::string what = "purchase " + invoice + " line " + ctx.param("line");
  if (!line) return not_found(what);
  auto named = uscc_query(ctx, "buyer");
  if (!named) return error_response(named.error());
  const auto& caller = *ctx.caller;
  std::optional<Uscc> buyer = *named;
  if (!buyer && caller.enterprise) {
    if (auto u = Uscc::parse(*caller.enterprise)) buyer = *u;
  }
  if (!buyer) {
    return error_response(400, "BAD_QUERY",
                          "buyer: name the line's buyer (?buyer=USCC; an invoice is named by its buyer)", "buyer");
  }
  auto p = store::get_purchase(*ctx.db, *buyer, invoice, *line);
  if (!p) return error_response(p.error());
  if (!*p) return not_found(what);
  const auto& who = *ctx.caller;
  const bool visible = is_bureau(who) || (who.enterprise && (*who.enterprise == (*p)->purchase.buyer.str() ||
                                                             *who.enterprise == (*p)->purchase.seller.str()));
  if (!visible) return not_found(what);
  return ok(purchase_json(**p));
}

Response list_purchases(RouteContext& ctx) {
  const std::string& code = ctx.param("uscc");
  const auto& who = *ctx.caller;
  auto uscc = Uscc::parse(code);
  if (!uscc || !(is_bureau(who) || (who.enterprise && *who.enterprise == code))) return not_found("enterprise " + code);
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  auto year = query_int(ctx, "year");
  if (!year) return error_response(year.error());
  store::PurchaseFilter filter;
  filter.buyer = *uscc;
  if (*year) {
    if (!Date::year_in_range(**year))
      return error_response(400, "BAD_QUERY", "year must be " + Date::year_range(), "year");
    filter.year = static_cast<int>(**year);
  }
  if (page->after) {
    auto after = parse_id(*page->after);
    if (!after) return error_response(400, "BAD_QUERY", "after must be a cursor from a previous page", "after");
    filter.after_id = *after;
  }
  filter.limit = page->limit + 1;  // one more tells whether another page exists
  auto rows = store::list_purchases(*ctx.db, filter);
  if (!rows) return error_response(rows.error());
  return ok(page_of(
      *rows, page->limit, [&](const auto& r) { return purchase_json(r); },
      [](const auto& r) { return std::to_string(r.id); }));
}

Response create_other_award(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin", "reviewer"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  auto award = json_io::other_award_from_json(json::value(*body));
  if (!award) return error_response(award.error());
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    auto id = store::insert_other_award(db, *award, actor(*ctx.caller));
    if (!id) return error_response(id.error());
    json::object out = json_io::to_json(*award);
    out["id"] = *id;
    if (auto st = store::audit(db, actor(*ctx.caller), "other_award.create", award->claim, out); !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

}  // namespace

void add_purchase_routes(Router& r) {
  r.add("POST", "/v1/purchases", Access::kToken, create_purchase);
  r.add("POST", "/v1/purchases/{invoice}/void", Access::kToken, void_invoice);
  r.add("GET", "/v1/purchases/{invoice}/{line}", Access::kToken, get_purchase);
  r.add("GET", "/v1/enterprises/{uscc}/purchases", Access::kToken, list_purchases);
}

void add_award_routes(Router& r) { r.add("POST", "/v1/other-awards", Access::kToken, create_other_award); }

}  // namespace chipreg::api::routes
