// Bearer tokens. A token is 256 random bits, shown once as 64 hex characters; the store
// keeps only its SHA-256. Lookup hashes the presented token, finds the row by hash and
// confirms with a constant-time comparison.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

struct TokenInfo {
  std::int64_t id = 0;
  std::string role;                       // admin, reviewer, foundry, enterprise
  std::optional<std::string> enterprise;  // set for foundry and enterprise tokens
  std::string label;
};

// Whether a token of `role` may act for `enterprise`: admin and reviewer tokens act for the
// bureau and name no enterprise; an enterprise token names a registered enterprise, a
// foundry token one registered with the foundry role. Errors (field "role" or
// "enterprise"): BAD_ENUM, UNEXPECTED_ENTERPRISE, MISSING_ENTERPRISE, BAD_USCC,
// UNKNOWN_ENTERPRISE, NOT_A_FOUNDRY; DB_ERROR.
Status check_token_grant(Db& db, const std::string& role, const std::optional<std::string>& enterprise);

// Creates a token and returns its secret. REQUIRES: an open transaction or autocommit.
// Errors: CONSTRAINT when role/enterprise do not fit (see the tokens table), or an
// unknown enterprise.
Result<std::string> create_token(Db& db, const std::string& role, const std::optional<std::string>& enterprise,
                                 const std::string& label = "");

// The live (unrevoked) token matching `secret`, or nullopt.
Result<std::optional<TokenInfo>> find_token(Db& db, std::string_view secret);

// Marks a token revoked. Returns false if no live token had that id; LAST_ADMIN (409) when
// it is the only live admin token.
Result<bool> revoke_token(Db& db, std::int64_t id);

}  // namespace chipreg::store
