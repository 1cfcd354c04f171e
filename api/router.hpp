// Router: maps (method, path) to a route function. Patterns are literal segments and
// "{name}" captures ("/v1/claims/{id}/decision"); captures are percent-decoded.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/message.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/store/tokens.hpp"

namespace chipreg::api {

// Everything a route function may look at. The route decides and answers; it does no
// network I/O and touches the database only through `db`.
struct RouteContext {
  const Request& req;
  std::map<std::string, std::string> params;  // path captures
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  std::optional<store::TokenInfo> caller;     // set on every route that is not public
  db::Db* db = nullptr;                    // null only on routes that need no database

  const std::string& param(const std::string& name) const { return params.at(name); }
  std::optional<std::string> query_value(const std::string& name) const;
};

using RouteFn = std::function<Response(RouteContext&)>;

// Who may reach a route at all; finer checks (which role, which enterprise) are the route's.
enum class Access {
  kPublic,  // no token needed, no database
  kPublicDb,  // no token needed, uses the database (the log)
  kToken,   // a live bearer token is required (401 otherwise)
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{x}" marks a capture
  Access access = Access::kToken;
  RouteFn fn;
  // A POST that writes nothing (a preview): it runs on a read connection in parallel with
  // the other reads instead of waiting in the write queue.
  bool reads_only = false;
  // False for a write that runs its own transactions (a bulk upload): it is not put into
  // the group commit (Handler::handle_writes) but gets a connection of its own.
  bool batched = true;
  // True for a route whose body is a file (an upload) of any Content-Type, not JSON.
  bool file_body = false;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Access access, RouteFn fn, bool reads_only = false);
  // An upload: a token route whose body is a file of any Content-Type (Route::file_body) and
  // which runs its own transactions (Route::batched false).
  void add_upload(std::string method, std::string pattern, RouteFn fn);

  struct Match {
    const Route* route = nullptr;               // the matching route, or null
    std::map<std::string, std::string> params;  // its captures
    std::string allow;                          // when only the method differs: the methods that fit
  };
  // REQUIRES: `path` has no query part.
  Match match(std::string_view method, std::string_view path) const;

  // Every route, in the order added (what the OpenAPI document must describe).
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Percent-decodes `s` ('+' stays '+'); nullopt on a malformed escape, an embedded NUL or a
// result that is not well-formed UTF-8.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

// Splits "a=1&b=x%20y" into decoded pairs; nullopt on a malformed escape or bad UTF-8.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view q);

}  // namespace chipreg::api
