// Products (scenario product objects):
//   POST /v1/products                      admin, or an enterprise token of the product's owner
//                                          (another owner: 403) → 201 the product
//   GET  /v1/products/{id}                 admin, reviewer, or a token of the owner (else 404)
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
    return forbidden("an enterprise token may register only its own products (owner must be " + *ctx.caller->enterprise + ")");
  }
  db::Db& db = *ctx.db;
  return in_transaction(db, [&] {
    if (auto st = store::insert_product(db, *product); !st) return error_response(st.error());
    json::object out = json_io::to_json(*product);
    if (auto st = store::audit(db, actor(*ctx.caller), "product.create", product->id, out); !st) {
      return error_response(st.error());
    }
    return created(out);
  });
}

}  // namespace

void add_product_routes(Router& r) {
  r.add("POST", "/v1/products", Access::kToken, create_product);
  r.add("GET", "/v1/products/{id}", Access::kToken, [](RouteContext& ctx) {
    auto p = store::get_product(*ctx.db, ctx.param("id"));
    if (!p) return error_response(p.error());
    if (!*p || !may_see_enterprise(*ctx.caller, (*p)->owner.str())) return not_found("product " + ctx.param("id"));
    return ok(json_io::to_json(**p));
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
    json::array items;
    std::optional<std::string> next;
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (static_cast<int>(i) == page->limit) {
        next = (*list)[i - 1].id;
        break;
      }
      items.push_back(json_io::to_json((*list)[i]));
    }
    return ok(page_json(std::move(items), next));
  });
}

}  // namespace chipreg::api::routes
