// Small helpers the route files share: body parsing, the one-transaction-per-request rule,
// pagination parameters.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/auth.hpp"
#include "api/json_body.hpp"
#include "api/message.hpp"
#include "api/router.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/audit.hpp"
#include "registry/store/tapeouts.hpp"

namespace chipreg::api::routes {

// Runs `fn()` (returning a Response) inside one write scope and keeps its writes only when
// the response is a success, so a failed request writes nothing. The scope is the request's
// own transaction, or a savepoint when the server commits several requests together
// (Handler::handle_writes).
template <typename F>
Response in_transaction(db::Db& db, F&& fn) {
  auto scope = db::WriteScope::open(db);
  if (!scope) return error_response(scope.error());
  Response r = fn();
  if (r.status < 400) {
    if (auto st = scope->commit(); !st) return error_response(st.error());
  }
  return r;
}

struct Page {
  int limit = 100;                   // 1..500
  std::optional<std::string> after;  // opaque cursor from the previous page's "next"
};

// Reads ?limit= and ?after=; BAD_QUERY (400) for a limit outside 1..500.
Result<Page> page_params(const RouteContext& ctx);

// 400 BAD_QUERY naming "after": a cursor no previous page gave.
Response bad_cursor();

// {"items": items, "next": cursor or null}
boost::json::object page_json(boost::json::array items, const std::optional<std::string>& next);

// The page of a listing read with limit + 1 rows: the first `limit` rows as `item(row)`,
// and, when there was one more, `cursor(row)` of the last one shown as "next".
template <typename Row, typename Item, typename Cursor>
boost::json::object page_of(const std::vector<Row>& rows, int limit, Item&& item, Cursor&& cursor) {
  boost::json::array items;
  std::optional<std::string> next;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (static_cast<int>(i) == limit) {
      next = cursor(rows[i - 1]);
      break;
    }
    items.push_back(item(rows[i]));
  }
  return page_json(std::move(items), next);
}

// Parses an integer query parameter; BAD_QUERY when present but not an integer.
Result<std::optional<std::int64_t>> query_int(const RouteContext& ctx, const std::string& name);

// Parses a non-negative decimal integer path capture; nullopt when it is not one.
std::optional<std::int64_t> parse_id(const std::string& s);

inline Response created(const boost::json::value& body) { return json_response(201, body); }
inline Response ok(const boost::json::value& body) { return json_response(200, body); }

// Who may read a tape-out attestation (GET /v1/tapeouts/{id}): the bureau, its foundry,
// its design owner and its product's owner. Every answer that embeds a tape-out (a
// tape-out claim's filing, preview and trace) is decided by the same rule.
Result<bool> may_read_tapeout(RouteContext& ctx, const store::TapeoutRecord& r);

// A USCC query parameter, or nullopt when absent; BAD_QUERY when malformed.
Result<std::optional<Uscc>> uscc_query(const RouteContext& ctx, const std::string& name);

}  // namespace chipreg::api::routes
