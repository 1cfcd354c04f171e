// Authentication (bearer token, token lookup) and the authorization helpers routes share.
#include "api/auth.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace chipreg::api {

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() + 1) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return std::nullopt;
  }
  if (authorization[kScheme.size()] != ' ') return std::nullopt;
  std::string_view token = authorization.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

Result<store::TokenInfo> authenticate(db::Db& db, std::string_view authorization) {
  const auto secret = bearer_token(authorization);
  if (!secret) return Error("UNAUTHENTICATED", "missing bearer token (Authorization: Bearer TOKEN)");
  auto who = store::find_token(db, *secret);
  if (!who) return who.error();
  if (!*who) return Error("UNAUTHENTICATED", "unknown or revoked token");
  return std::move(**who);
}

std::optional<Response> require_role(const RouteContext& ctx, std::initializer_list<std::string_view> roles) {
  if (!ctx.caller) return error_response(401, "UNAUTHENTICATED", "a bearer token is required");
  if (std::find(roles.begin(), roles.end(), ctx.caller->role) != roles.end()) return std::nullopt;
  std::string allowed;
  for (auto r : roles) allowed += (allowed.empty() ? "" : ", ") + std::string(r);
  return forbidden("a " + ctx.caller->role + " token may not do this (allowed: " + allowed + ")");
}

bool is_bureau(const store::TokenInfo& who) { return who.role == "admin" || who.role == "reviewer"; }

bool acts_for(const store::TokenInfo& who, std::string_view uscc) {
  return who.role == "enterprise" && who.enterprise && *who.enterprise == uscc;
}

std::string actor(const store::TokenInfo& who) {
  std::string a = who.role;
  if (who.enterprise) a += ":" + *who.enterprise;
  return a + "#" + std::to_string(who.id);
}

Response forbidden(const std::string& message) { return error_response(403, "FORBIDDEN", message); }

Response not_found(const std::string& what) { return error_response(404, "NOT_FOUND", what + " not found"); }

}  // namespace chipreg::api
