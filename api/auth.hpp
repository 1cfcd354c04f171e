// Who is calling, and what they may do. Authentication (authenticate(): the bearer token,
// looked up among the live tokens) happens once per request, in Handler::handle, before the
// route runs; the other helpers here are the authorization checks routes call.
//
// Policy, applied the same way everywhere:
//   401 UNAUTHENTICATED  no Authorization header, not "Bearer", or an unknown/revoked token;
//   403 FORBIDDEN        the caller's role may never do this (e.g. an enterprise deciding a
//                        claim, a foundry filing a purchase), or an enterprise acting for
//                        another enterprise in a request body it wrote (a purchase whose buyer
//                        is someone else);
//   404 NOT_FOUND        reading a resource that belongs to another enterprise: it answers
//                        exactly as if the resource did not exist, so ids cannot be probed.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/message.hpp"
#include "api/router.hpp"
#include "base/result.hpp"
#include "registry/store/tokens.hpp"

namespace chipreg::api {

// The token from an "Authorization: Bearer TOKEN" value (scheme case-insensitive), or
// nullopt when the header is absent or of another scheme.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// Authentication: the caller behind an Authorization header value. Reads the bearer token
// (bearer_token), finds the live token it names, and returns that token's id, role and
// enterprise, which decide everything the caller may do.
// Errors: UNAUTHENTICATED (401) when there is no bearer token, or it is unknown or revoked;
// the store's error (BUSY, DB_ERROR) when the lookup fails.
// REQUIRES: `db` open; reads only.
Result<store::TokenInfo> authenticate(db::Db& db, std::string_view authorization);

// REQUIRES: ctx.caller is set (the route is not public).
// nullopt when the caller has one of `roles`, else a 403 response.
std::optional<Response> require_role(const RouteContext& ctx, std::initializer_list<std::string_view> roles);

// True when the caller is an admin or reviewer (acts for the bureau, sees everything).
bool is_bureau(const store::TokenInfo& who);

// True when the caller is an enterprise-role token for exactly `uscc`.
bool acts_for(const store::TokenInfo& who, std::string_view uscc);

// The caller as recorded in audit rows and decisions: "admin#1", "reviewer#4",
// "enterprise:91330108MA2XXXXXXX#7", "foundry:...#3".
std::string actor(const store::TokenInfo& who);

Response forbidden(const std::string& message);
Response not_found(const std::string& what);

}  // namespace chipreg::api
