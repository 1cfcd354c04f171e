// The foundry key registry: which public keys speak for which foundry, and when.
//
// A key belongs to exactly one enterprise with the `foundry` role, is identified by its
// keyid (lowercase hex SHA-256 of its DER SubjectPublicKeyInfo, computed here from the
// PEM, never taken from the caller), has a validity window [valid_from, valid_to] (both
// days included, valid_to absent = open-ended) and may be revoked from a date R.
//
// What a key may sign, decided by key_use() for a tape-out dated D submitted on day S
// (S = the Asia/Shanghai date of the submission, db::shanghai_date_of):
//   - valid_from <= D <= valid_to                      else KEY_NOT_YET_VALID / KEY_EXPIRED
//   - revoked from R: D < R and S < R                  else KEY_REVOKED
//     A revocation takes effect at the start of day R: nothing dated on or after R and
//     nothing presented on or after R is accepted (a stolen key could backdate).
// Attestations already logged before R stay valid: key_status() reports them as
// "revoked from R (after this attestation was logged)". If a revocation is later moved
// to a date R' on or before the day an attestation was logged, or on or before its
// tape-out date, that attestation is no longer trusted: key_status() says so and
// trusted = false (the tape-out loader leaves it out of the facts by default).
//
// Transactions: functions that write REQUIRE an open write transaction (store::Tx) or
// autocommit mode; each writes a single statement so a failure changes nothing.
#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "crypto/keys.hpp"
#include "registry/domain/date.hpp"
#include "registry/domain/uscc.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// Built from a stored row (Uscc has no empty state, so neither has this).
struct FoundryKey {
  std::string keyid;
  Uscc foundry;
  crypto::Alg alg = crypto::Alg::kEd25519;
  std::string public_key_pem;
  Date valid_from;
  std::optional<Date> valid_to;
  std::optional<Date> revoked_from;
  std::string created_at;

  // The parsed key. Parsing is cached process-wide by keyid (the keyid is the hash of
  // the key, so a cached entry can never go stale). Error BAD_KEY if the stored PEM is
  // unreadable, which registration makes impossible short of editing the database.
  Result<std::shared_ptr<const crypto::PublicKey>> public_key() const;
};

// A key registration, as the HTTP body {"foundry", "alg", "public_key_pem",
// "valid_from", "valid_to"?} carries it.
struct KeyRegistration {
  std::string foundry;  // USCC
  std::string alg;      // "ed25519", "ecdsa-p256", "sm2"
  std::string public_key_pem;
  std::string valid_from;                // YYYY-MM-DD
  std::optional<std::string> valid_to;   // YYYY-MM-DD or absent
};

// Parses the HTTP body. Errors BAD_REQUEST (field named) for a non-object, a missing or
// non-string member, a valid_to that is neither string nor null. Unknown members are
// ignored.
Result<KeyRegistration> key_registration_from_json(const boost::json::value& body);

// Registers a key and returns its keyid. `now` is the ISO 8601 UTC timestamp stored as
// created_at (pass store::now_utc()).
// Errors (field in Error::field):
//   BAD_USCC (foundry), UNKNOWN_ENTERPRISE (foundry), NOT_FOUNDRY (foundry: the
//   enterprise lacks the `foundry` role), BAD_ALG (alg), BAD_KEY (public_key_pem: not a
//   SubjectPublicKeyInfo PEM of a supported type, or its type differs from `alg`),
//   BAD_DATE (valid_from / valid_to, or valid_to before valid_from), DUPLICATE (the keyid
//   is already registered, for this or another foundry), DB_ERROR / BUSY.
Result<std::string> register_foundry_key(Db& db, const KeyRegistration& reg, const std::string& now);

// Revokes `keyid` from `from`, with its log leaf. A revocation can be set, or moved
// earlier; asking for a later date than the one already recorded keeps the earlier one (a
// revocation is never weakened) and succeeds. Errors: UNKNOWN_KEY, DB_ERROR.
Status revoke_foundry_key(Db& db, std::string_view keyid, const Date& from);

// What revoking `keyid` from `from` would change, decided by key_status() exactly as the
// loaders decide it: the accepted attestations it signed that are trusted now and would no
// longer be, and the submitted or approved claims that rely on them:
//   - tape-out claims (clause 3) on one of them;
//   - linkage claims (clause 12) that counted a line of a chip whose earliest trusted
//     tape-out for the line's seller is one of them (the line becomes
//     CHIP_WITHOUT_TAPEOUT, or is judged against a later tape-out).
// Indexed reads of that key's attestations, of the claims on them, of the chip's other
// attestations and of the lines of (chip, seller) (schema migrations 13 and 14). Read-only.
struct RevocationImpact {
  std::vector<std::string> tapeouts;
  struct Claim {
    std::string id, status, rule;
    std::string tapeout;  // the attestation it relies on
  };
  std::vector<Claim> claims;  // tape-out claims, then linkage claims, each by id, each once
};
Result<RevocationImpact> revocation_impact(Db& db, const FoundryKey& key, const Date& from);
boost::json::object to_json(const RevocationImpact& impact);

// A revocation as an admin asks for it (POST /v1/foundry-keys/{keyid}/revoke and `chipreg
// key revoke`): its impact first; moving an existing revocation earlier needs `confirm`
// (409 CONFIRM_REQUIRED otherwise, naming both dates and the counts); then the revocation,
// its log leaf and its audit row by `actor` (with the impact and the previous date).
// Returns the impact. Errors: UNKNOWN_KEY, CONFIRM_REQUIRED, storage errors.
// REQUIRES: inside the caller's transaction.
Result<RevocationImpact> revoke_with_impact(Db& db, std::string_view keyid, const Date& from, bool confirm,
                                            std::string_view actor);

// Lookups. find_* returns nullopt for an unknown keyid.
Result<std::optional<FoundryKey>> find_foundry_key(Db& db, std::string_view keyid);
Result<std::vector<FoundryKey>> foundry_keys_of(Db& db, const Uscc& foundry);
Result<std::vector<FoundryKey>> all_foundry_keys(Db& db);

// May `key` sign a tape-out dated `tapeout_date`, presented on `submitted_on`?
// OK, or KEY_NOT_YET_VALID / KEY_EXPIRED / KEY_REVOKED with a message naming the dates.
Status key_use(const FoundryKey& key, const Date& tapeout_date, const Date& submitted_on);

// The status of a key revoked from `revoked_from` (nullopt: not revoked), as shown next
// to an attestation dated `tapeout_date` and logged on `logged_on`:
//   "valid"
//   "revoked from R (after this attestation was logged)"            trusted
//   "revoked from R (on or before this attestation's date or log day)" not trusted
struct KeyStatus {
  std::string text;
  bool trusted = true;
};
KeyStatus key_status(const std::optional<Date>& revoked_from, const Date& tapeout_date, const Date& logged_on);

// The JSON view of a key for listings: {"keyid", "foundry", "alg", "public_key_pem",
// "valid_from", "valid_to", "revoked_from", "created_at"}.
boost::json::object to_json(const FoundryKey& key);

}  // namespace chipreg::store
