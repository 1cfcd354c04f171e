// The paged lists the web app reads (contract: "Claim facts, previews and lists"):
//   GET /v1/enterprises   admin, reviewer: all, by USCC; an enterprise or foundry token: its own
//   GET /v1/products      admin, reviewer: all (?owner=USCC narrows); an enterprise or foundry: its own
//   GET /v1/tapeouts      admin, reviewer: all (?foundry= or ?design_owner= narrows); a foundry: those
//                         it attested; an enterprise: those it is the design owner of
//   GET /v1/purchases     admin, reviewer: all by id (?buyer=USCC: that buyer's, by date); an
//                         enterprise: lines it bought, by date; a foundry: 403. ?year=YYYY with a
//                         buyer; ?invoice=N: that buyer's lines of the invoice (one page; the bureau
//                         gives ?buyer= too: an invoice is named by its buyer)
//   GET /v1/tokens        admin: every token (id, role, enterprise, label, dates; never a secret)
// Paging: ?limit=N (1..500, default 100) &after=CURSOR → {"items": [...], "next": CURSOR|null};
// a cursor is the last item's key and is opaque to callers. A bad cursor is 400 BAD_QUERY.
#include <charconv>

#include "api/routes/common.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/lists.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

// `rows` holds up to limit + 1 items: the extra one only says that a next page exists.
template <typename T, typename ToJson, typename Key>
Response paged(const std::vector<T>& rows, int limit, ToJson to_json, Key key) {
  return ok(page_of(rows, limit, to_json, key));
}

// The enterprise a foundry or enterprise token acts for.
Result<Uscc> own_enterprise(const store::TokenInfo& who) {
  auto u = Uscc::parse(who.enterprise.value_or(""));
  if (!u) return Error("FORBIDDEN", "this token acts for no enterprise");
  return *u;
}

Response list_enterprises(RouteContext& ctx) {
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  const auto& who = *ctx.caller;
  if (!is_bureau(who)) {
    auto mine = own_enterprise(who);
    if (!mine) return forbidden(mine.error().message);
    // One item at most: the caller's own enterprise, on the first page only.
    std::vector<Enterprise> rows;
    if (!page->after) {
      auto e = store::get_enterprise(*ctx.db, *mine);
      if (!e) return error_response(e.error());
      if (*e) rows.push_back(std::move(**e));
    }
    return paged(
        rows, page->limit, [](const Enterprise& e) { return json_io::to_json(e); },
        [](const Enterprise& e) { return e.uscc.str(); });
  }
  auto rows = store::list_enterprises(*ctx.db, page->after.value_or(""), page->limit + 1);
  if (!rows) return error_response(rows.error());
  return paged(
      *rows, page->limit, [](const Enterprise& e) { return json_io::to_json(e); },
      [](const Enterprise& e) { return e.uscc.str(); });
}

Response list_products(RouteContext& ctx) {
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  auto owner = uscc_query(ctx, "owner");
  if (!owner) return error_response(owner.error());
  const auto& who = *ctx.caller;
  if (!is_bureau(who)) {
    auto mine = own_enterprise(who);
    if (!mine) return forbidden(mine.error().message);
    if (*owner && **owner != *mine) return forbidden("a token of one enterprise lists only its own products");
    *owner = *mine;
  }
  auto rows = store::list_products(*ctx.db, *owner, page->after.value_or(""), page->limit + 1);
  if (!rows) return error_response(rows.error());
  const bool one_owner = owner->has_value();
  return paged(
      *rows, page->limit, [](const Product& p) { return json_io::to_json(p); },
      [one_owner](const Product& p) { return one_owner ? p.id : p.owner.str() + "/" + p.id; });
}

Response list_tapeouts(RouteContext& ctx) {
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  auto foundry = uscc_query(ctx, "foundry");
  if (!foundry) return error_response(foundry.error());
  auto design_owner = uscc_query(ctx, "design_owner");
  if (!design_owner) return error_response(design_owner.error());
  if (*foundry && *design_owner) {
    return error_response(400, "BAD_QUERY", "give foundry or design_owner, not both", "design_owner");
  }
  const auto& who = *ctx.caller;
  store::TapeoutScope scope{*foundry, *design_owner};
  if (!is_bureau(who)) {
    auto mine = own_enterprise(who);
    if (!mine) return forbidden(mine.error().message);
    const bool is_foundry = who.role == "foundry";
    const auto& asked = is_foundry ? scope.foundry : scope.design_owner;
    const auto& other = is_foundry ? scope.design_owner : scope.foundry;
    if ((asked && *asked != *mine) || other) {
      return forbidden(std::string("a ") + who.role + " token lists only the tape-outs it " +
                       (is_foundry ? "attested" : "designed"));
    }
    scope = is_foundry ? store::TapeoutScope{*mine, std::nullopt} : store::TapeoutScope{std::nullopt, *mine};
  }
  auto ids = store::list_tapeout_ids(*ctx.db, scope, page->after.value_or(""), page->limit + 1);
  if (!ids) return error_response(ids.error());
  std::vector<store::TapeoutRecord> rows;
  for (const auto& id : *ids) {
    auto rec = store::find_tapeout(*ctx.db, id);
    if (!rec) return error_response(rec.error());
    if (*rec) rows.push_back(std::move(**rec));
  }
  return paged(
      rows, page->limit,
      [](const store::TapeoutRecord& r) {
        json::object o = store::to_json(r);
        o.erase("envelope");  // the list stays small; GET /v1/tapeouts/{id} has it
        return o;
      },
      [](const store::TapeoutRecord& r) { return r.fact.id; });
}

json::object purchase_json(const store::StoredPurchase& p) {
  json::object out = json_io::to_json(p.purchase);
  out["id"] = p.id;
  out["log_index"] = p.log_index ? json::value(*p.log_index) : json::value(nullptr);
  return out;
}

// "DATE_ID" (a buyer's listing) <-> PurchaseCursor.
std::string date_cursor(const store::StoredPurchase& p) { return p.purchase.date.str() + "_" + std::to_string(p.id); }
std::optional<store::PurchaseCursor> parse_date_cursor(const std::string& s) {
  const auto cut = s.find('_');
  if (cut != 10 || !Date::parse(s.substr(0, cut))) return std::nullopt;
  auto id = parse_id(s.substr(cut + 1));
  if (!id) return std::nullopt;
  return store::PurchaseCursor{s.substr(0, cut), *id};
}

Response list_purchases(RouteContext& ctx) {
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  auto buyer = uscc_query(ctx, "buyer");
  if (!buyer) return error_response(buyer.error());
  auto year = query_int(ctx, "year");
  if (!year) return error_response(year.error());
  if (*year && (!Date::year_in_range(**year)))
    return error_response(400, "BAD_QUERY", "year must be " + Date::year_range(), "year");
  const auto& who = *ctx.caller;
  if (!is_bureau(who)) {
    if (who.role != "enterprise") return forbidden("a " + who.role + " token may not list purchases");
    auto mine = own_enterprise(who);
    if (!mine) return forbidden(mine.error().message);
    if (*buyer && **buyer != *mine) return forbidden("an enterprise token lists only the lines it bought");
    *buyer = *mine;
  }
  if (auto invoice = ctx.query_value("invoice")) {
    // An invoice is its buyer's: the bureau names the buyer too.
    if (!*buyer)
      return error_response(400, "BAD_QUERY", "invoice: give buyer too (an invoice is named by its buyer)", "buyer");
    auto rows = store::list_purchases_of_invoice(*ctx.db, **buyer, *invoice);
    if (!rows) return error_response(rows.error());
    std::vector<store::StoredPurchase>& visible = *rows;
    return ok(page_json(
        [&] {
          json::array a;
          for (const auto& p : visible) a.push_back(purchase_json(p));
          return a;
        }(),
        std::nullopt));
  }
  if (*buyer) {
    std::optional<store::PurchaseCursor> after;
    if (page->after) {
      after = parse_date_cursor(*page->after);
      if (!after) return bad_cursor();
    }
    std::optional<int> y;
    if (*year) y = static_cast<int>(**year);
    auto rows = store::list_purchases_of_buyer(*ctx.db, **buyer, after, y, page->limit + 1);
    if (!rows) return error_response(rows.error());
    return paged(*rows, page->limit, purchase_json, date_cursor);
  }
  if (*year) return error_response(400, "BAD_QUERY", "year needs buyer= (the listing of all lines is by id)", "year");
  store::PurchaseFilter filter;
  if (page->after) {
    auto a = parse_id(*page->after);
    if (!a) return bad_cursor();
    filter.after_id = *a;
  }
  filter.limit = page->limit + 1;
  auto rows = store::list_purchases(*ctx.db, filter);
  if (!rows) return error_response(rows.error());
  return paged(*rows, page->limit, purchase_json, [](const store::StoredPurchase& p) { return std::to_string(p.id); });
}

Response list_tokens(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin"})) return *deny;
  auto page = page_params(ctx);
  if (!page) return error_response(page.error());
  std::int64_t after = 0;
  if (page->after) {
    auto a = parse_id(*page->after);
    if (!a) return bad_cursor();
    after = *a;
  }
  auto rows = store::list_tokens(*ctx.db, after, page->limit + 1);
  if (!rows) return error_response(rows.error());
  return paged(
      *rows, page->limit,
      [](const store::TokenRow& t) {
        json::object o{{"id", t.id}, {"role", t.role}, {"label", t.label}, {"created_at", t.created_at}};
        o["enterprise"] = t.enterprise ? json::value(*t.enterprise) : json::value(nullptr);
        o["revoked_at"] = t.revoked_at ? json::value(*t.revoked_at) : json::value(nullptr);
        return o;
      },
      [](const store::TokenRow& t) { return std::to_string(t.id); });
}

}  // namespace

void add_list_routes(Router& r) {
  r.add("GET", "/v1/enterprises", Access::kToken, list_enterprises);
  r.add("GET", "/v1/products", Access::kToken, list_products);
  r.add("GET", "/v1/tapeouts", Access::kToken, list_tapeouts);
  r.add("GET", "/v1/purchases", Access::kToken, list_purchases);
  r.add("GET", "/v1/tokens", Access::kToken, list_tokens);
}

}  // namespace chipreg::api::routes
