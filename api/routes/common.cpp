// Helpers shared by the route files.
#include "api/routes/common.hpp"

#include <charconv>

namespace chipreg::api::routes {

std::optional<std::int64_t> parse_id(const std::string& s) {
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || v < 0 || s.empty()) return std::nullopt;
  return v;
}

Result<std::optional<std::int64_t>> query_int(const RouteContext& ctx, const std::string& name) {
  auto v = ctx.query_value(name);
  if (!v) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  const char* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, n);
  if (ec != std::errc() || p != end || v->empty()) {
    return Error("BAD_QUERY", "query parameter '" + name + "' must be an integer", name);
  }
  return std::optional<std::int64_t>(n);
}

Result<std::optional<Uscc>> uscc_query(const RouteContext& ctx, const std::string& name) {
  auto v = ctx.query_value(name);
  if (!v) return std::optional<Uscc>();
  auto u = Uscc::parse(*v);
  if (!u) return Error("BAD_QUERY", name + " must be a USCC (18 characters, valid check characters)", name);
  return std::optional<Uscc>(*u);
}

Result<Page> page_params(const RouteContext& ctx) {
  Page page;
  auto limit = query_int(ctx, "limit");
  if (!limit) return limit.error();
  if (*limit) {
    if (**limit < 1 || **limit > 500) return Error("BAD_QUERY", "limit must be between 1 and 500", "limit");
    page.limit = static_cast<int>(**limit);
  }
  page.after = ctx.query_value("after");
  return page;
}

Response bad_cursor() {
  return error_response(400, "BAD_QUERY", "after must be a cursor from a previous page", "after");
}

boost::json::object page_json(boost::json::array items, const std::optional<std::string>& next) {
  boost::json::object o;
  o["items"] = std::move(items);
  if (next) o["next"] = *next;
  else o["next"] = nullptr;
  return o;
}

}  // namespace chipreg::api::routes
