// Products (scenario product objects):
//   POST /v1/products                      admin, or an enterprise token of the product's owner
//                                          (another owner: 403) → 201 the product
//   GET  /v1/products/{id}                 admin, reviewer, or a token of the owner (else 404). Ids are
//                                          each owner's own (products are keyed by (owner, id)):
//                                          ?owner=USCC names the owner (default: the caller's own
//                                          enterprise); the bureau without ?owner gets the product when
//                                          one owner has that id, else 409 AMBIGUOUS_PRODUCT naming
//                                          the owners
//   GET  /v1/enterprises/{uscc}/products/{id}  the same, the owner in the path
//   GET  /v1/enterprises/{uscc}/products   admin, reviewer, or a token of that enterprise (else 404);
//                                          paged: ?limit= (1..500, default 100) ?after= → {"items", "next"}
#include "api/routes/common.hpp"
#include "registry/domain/fact_json.hpp"
#include "registry/store/repository.hpp"

namespace chipreg::api::routes {
namespace json = boost::json;

namespace {

bool may_see_enterprise(const store::TokenInfo& who, const std::string& uscc) {
  return is_bureau(who) || (who.enterprise && *who.enterprise == uscc);
}

Response create_product(RouteContext& ctx) {
  if (auto deny = require_role(ctx, {"admin", "enterprise"})) return *deny;
  auto body = parse_object(ctx.req.body);
  if (!body) return error_response(body.error());
  auto product = json_io::product_from_json(json::value(*body));
  if (!product) return error_response(product.error());
  if (ctx.caller->role == "enterprise" && !acts_for(*ctx.caller, product->owner.str())) {
    return forbidden("an enterprise token may register only its own products (owner must be " +
                     *ctx.caller->enterprise + ")");
  }
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    if (auto st = store::insert_product(db, *product); !st) return error_response(st.error());
    json::object out = json_io::to_json(*product);
    if (auto st = store::audit(db, actor(*ctx.caller), "product.create", product->owner.str() + "/" + product->id, out);
        !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

// `owner`'s product `id`, to the bureau or a token of the owner (else 404).
Response one_product(RouteContext& ctx, const Uscc& owner, const std::string& id) {
  if (!may_see_enterprise(*ctx.caller, owner.str())) return not_found("product " + id);
  auto p = store::get_product(*ctx.db, owner, id);
  if (!p) return error_response(p.error());
  if (!*p) return not_found("product " + id);
  return ok(json_io::to_json(**p));
}

}  // namespace

void add_product_routes(Router& r) {
  r.add("POST", "/v1/products", Access::kToken, create_product);
  r.add("GET", "/v1/products/{id}", Access::kToken, [](RouteContext& ctx) {
    const std::string& id = ctx.param("id");
    auto named = uscc_query(ctx, "owner");
    if (!named) return error_response(named.error());
    const auto& who = *ctx.caller;
    std::optional<Uscc> owner = *named;
    if (!owner && !is_bureau(who) && who.enterprise) {
      if (auto u = Uscc::parse(*who.enterprise)) owner = *u;
    }
    if (owner) return one_product(ctx, *owner, id);
    if (!is_bureau(who)) return not_found("product " + id);
    auto all = store::products_with_id(*ctx.db, id);
    if (!all) return error_response(all.error());
    if (all->empty()) return not_found("product " + id);
    if (all->size() > 1) {
      std::string owners;
      for (const auto& p : *all) owners += (owners.empty() ? "" : ", ") + p.owner.str();
      return error_response(409, "AMBIGUOUS_PRODUCT",
                            "product id '" + id.substr(0, 80) + "' is registered by " + std::to_string(all->size()) +
                                " owners (" + owners + "): name one with ?owner=",
                            "owner");
    }
    return ok(json_io::to_json(all->front()));
  });
  r.add("GET", "/v1/enterprises/{uscc}/products/{id}", Access::kToken, [](RouteContext& ctx) {
    auto owner = Uscc::parse(ctx.param("uscc"));
    if (!owner) return not_found("enterprise " + ctx.param("uscc"));
    return one_product(ctx, *owner, ctx.param("id"));
  });
  r.add("GET", "/v1/enterprises/{uscc}/products", Access::kToken, [](RouteContext& ctx) {
    const std::string& code = ctx.param("uscc");
    auto uscc = Uscc::parse(code);
    if (!uscc || !may_see_enterprise(*ctx.caller, code)) return not_found("enterprise " + code);
    auto page = page_params(ctx);
    if (!page) return error_response(page.error());
    // One more than the page, to know whether another page follows.
    auto list = store::list_products_page(*ctx.db, *uscc, page->limit + 1, page->after);
    if (!list) return error_response(list.error());
    return ok(page_of(
        *list, page->limit, [&](const auto& r) { return json_io::to_json(r); }, [](const auto& r) { return r.id; }));
  });
}

}  // namespace chipreg::api::routes
