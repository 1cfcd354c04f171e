#include "registry/store/tokens.hpp"

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "registry/domain/uscc.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

Status check_token_grant(Db& db, const std::string& role, const std::optional<std::string>& enterprise) {
  const bool bureau = role == "admin" || role == "reviewer";
  if (!bureau && role != "foundry" && role != "enterprise") {
    return Error("BAD_ENUM", "unknown role '" + role.substr(0, 32) + "' (expected one of: admin, reviewer, foundry, enterprise)",
                 "role");
  }
  if (bureau && enterprise) {
    return Error("UNEXPECTED_ENTERPRISE", "a " + role + " token acts for the bureau, not an enterprise", "enterprise");
  }
  if (!bureau && !enterprise) {
    return Error("MISSING_ENTERPRISE", "a " + role + " token needs the enterprise it acts for", "enterprise");
  }
  if (!enterprise) return Status::Ok();
  auto uscc = Uscc::parse(*enterprise);
  if (!uscc) return uscc.error().at("enterprise");
  auto st = db.prepare(
      "SELECT (SELECT count(*) FROM enterprises WHERE uscc = ?1), "
      "(SELECT count(*) FROM enterprise_roles WHERE uscc = ?1 AND role = 'foundry')");
  if (!st) return st.error();
  st->bind(1, *enterprise);
  if (auto row = st->step(); !row) return row.error();
  if (st->int64(0) == 0) return Error("UNKNOWN_ENTERPRISE", "no enterprise " + *enterprise + " is registered", "enterprise");
  if (role == "foundry" && st->int64(1) == 0) {
    return Error("NOT_A_FOUNDRY", "enterprise " + *enterprise + " is not registered as a foundry", "enterprise");
  }
  return Status::Ok();
}

Result<std::string> create_token(Db& db, const std::string& role, const std::optional<std::string>& enterprise,
                                 const std::string& label) {
  auto secret = crypto::random_bytes(32);
  if (!secret) return secret.error();
  const std::string token = crypto::hex(*secret);
  const auto hash = crypto::sha256(token);
  auto st = db.prepare("INSERT INTO tokens(token_hash, role, enterprise, label, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind_blob(1, hash.data(), hash.size()).bind(2, role).bind(3, enterprise).bind(4, label).bind(5, now_utc());
  if (auto r = st->exec(); !r) return r.error();
  return token;
}

Result<std::optional<TokenInfo>> find_token(Db& db, std::string_view secret) {
  if (secret.size() != 64) return std::optional<TokenInfo>();
  const auto hash = crypto::sha256(secret);
  auto st = db.prepare("SELECT id, role, enterprise, label, token_hash FROM tokens WHERE token_hash = ? AND revoked_at IS NULL");
  if (!st) return st.error();
  st->bind_blob(1, hash.data(), hash.size());
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<TokenInfo>();
  const auto stored = st->blob(4);
  if (stored.size() != hash.size() || !crypto::constant_time_equal(stored.data(), hash.data(), hash.size())) {
    return std::optional<TokenInfo>();
  }
  return std::optional<TokenInfo>(TokenInfo{st->int64(0), st->text(1), st->opt_text(2), st->text(3)});
}

Result<bool> revoke_token(Db& db, std::int64_t id) {
  // The last live admin token stays: nothing but an admin token can create tokens over
  // HTTP, so revoking it would lock the registry until an operator steps in.
  auto admins = db.prepare(
      "SELECT (SELECT role FROM tokens WHERE id = ? AND revoked_at IS NULL), "
      "(SELECT COUNT(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL)");
  if (!admins) return admins.error();
  admins->bind(1, id);
  auto row = admins->step();
  if (!row) return row.error();
  if (*row && admins->opt_text(0) == std::optional<std::string>("admin") && admins->int64(1) <= 1) {
    return Error("LAST_ADMIN", "token " + std::to_string(id) + " is the last live admin token; create another admin token first",
                 "id");
  }
  auto st = db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  if (!st) return st.error();
  st->bind(1, now_utc()).bind(2, id);
  if (auto r = st->exec(); !r) return r.error();
  return db.changes() > 0;
}

}  // namespace chipreg::store
