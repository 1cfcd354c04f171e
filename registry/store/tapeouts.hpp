// Acceptance of signed tape-out attestations (DSSE envelopes around in-toto statements
// with the chipreg tape-out predicate) and the tape-out facts read back from them.
//
// submit_tapeout() decides, in this order (the first failing check is the error):
//   1. BAD_ENVELOPE             the body is not a DSSE envelope (field named)
//   2. UNSUPPORTED_PAYLOAD_TYPE payloadType is not application/vnd.in-toto+json
//   3. signature, checked over the PAE *before* the payload is read, against the
//      registered keys of the submitting foundry (all registered keys when the caller is
//      a trusted operator import, submitter = nullopt):
//        WRONG_FOUNDRY          it verifies only under a key of another foundry
//        UNKNOWN_KEY            no signature's keyid names a registered key and the
//                               submitter has no key it verifies under
//        BAD_SIGNATURE          otherwise (tampered payload, swapped type, garbage sig)
//   4. BAD_STATEMENT            the payload is not a valid tape-out statement; the field
//                               path names the value ("predicate.cost_fen")
//   5. WRONG_FOUNDRY            predicate.foundry differs from the submitter or from the
//                               verifying key's foundry
//   6. KEY_NOT_YET_VALID, KEY_EXPIRED, KEY_REVOKED   see foundry_keys.hpp key_use(), with
//                               the submission day = the Asia/Shanghai date of `now`. If several
//                               distinct keys of the foundry verified, one usable key is
//                               enough.
//   7. UNKNOWN_ENTERPRISE       predicate.foundry or predicate.design_owner unregistered
//      UNKNOWN_PRODUCT          predicate.product is no product of predicate.design_owner
//                               (products are keyed by owner: an attestation names a
//                               product of its design owner)
//   8. DUPLICATE                the same statement was already accepted. "Same" means the
//                               same PAE bytes (payloadType + payload): a re-encoded or
//                               re-signed copy of one statement is a duplicate, not a
//                               second tape-out. The message names the existing id.
// On success the row and its transparency-log leaf
//   make_entry(kTapeout, {"id": ID, "envelope": ENVELOPE})
// (ENVELOPE = the accepted envelope normalized to standard base64, as stored) are
// written in one transaction; the row keeps the leaf's log_index.
//
// Tape-out ids are "to-" + the first 20 hex digits of SHA-256(PAE): deterministic, so a
// statement has the same id in every registry that accepts it.
//
// First tape-out (clause 3) is DERIVED at read time, never stored: among the trusted,
// non-production tape-outs, the first for a product is the one with the earliest
// (date, log_index), and likewise for a design digest; a tape-out is `first` when it is
// first for its product AND for its digest. An earlier-dated attestation arriving later
// thus becomes first and the earlier arrival stops being first, with no rows updated.
// `production` tape-outs are recorded but are never first.
//
// Mask sets: a mask-set id is scoped to its foundry. When a (foundry, mask_set_id) pair
// already names another product, the new row and every earlier row of that pair are
// flagged mask_set_conflict (stored, in the same transaction). The attestation is still
// accepted: the flag is for the reviewer.
//
// Transactions: when `db` is in autocommit mode, submit_tapeout opens and commits its own
// transaction; inside the caller's transaction it works in a SAVEPOINT that is rolled back
// on failure, so a rejected envelope never leaves a partial write either way.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

struct TapeoutAccepted {
  std::string id;
  bool first = false;
  std::int64_t log_index = 0;
  bool mask_set_conflict = false;
  std::string keyid;  // the key whose signature was accepted
};
// {"id", "first", "log_index", "mask_set_conflict", "keyid"}: the 201 body.
boost::json::object to_json(const TapeoutAccepted& a);

// Accepts one envelope (JSON text) submitted by `submitter` (the foundry token's
// enterprise USCC; nullopt only for trusted operator imports), at `now` (ISO 8601 UTC,
// pass store::now_utc()). Errors as listed above, plus DB_ERROR / BUSY.
Result<TapeoutAccepted> submit_tapeout(Db& db, std::string_view envelope_json, const std::optional<Uscc>& submitter,
                                       const std::string& now);

// A stored attestation as the API shows it.
struct TapeoutRecord {
  Tapeout fact;         // keyid and key_status filled
  bool trusted = true;  // false when a later-moved revocation covers it
  bool first = false;   // derived, see above
  bool mask_set_conflict = false;
  std::optional<std::string> process_node;
  std::optional<std::int64_t> wafer_size_mm;
  std::int64_t log_index = 0;
  std::string created_at;
  std::string envelope;  // the stored envelope JSON text
  // Whose product fact.product is (products are keyed by owner): the design owner's for
  // every attestation accepted since schema migration 15; before it, whoever owned the
  // global id then.
  std::string product_owner;
};
boost::json::object to_json(const TapeoutRecord& r);  // fact fields + the extras above

// Every stored attestation, ordered by (date, log_index), with `first` derived.
Result<std::vector<TapeoutRecord>> load_tapeout_records(Db& db);
// One attestation by id, or nullopt.
Result<std::optional<TapeoutRecord>> find_tapeout(Db& db, std::string_view id);

// The Tapeout facts for the rules engine: trusted attestations only unless
// `include_untrusted`, each with keyid and key_status filled (and untrusted_from on an
// untrusted one), ordered by (date, log_index).
Result<std::vector<Tapeout>> load_tapeouts(Db& db, bool include_untrusted = false);

// The trusted attestations of `owner`'s product `product`, or (with `digest`) those sharing
// the product or the design digest: what one claim needs to judge a chip's tape-out or a
// tape-out's first-ness, through the product and digest indexes. Ordered by (date,
// log_index); each record names its product's owner.
Result<std::vector<TapeoutRecord>> trusted_tapeouts_related(Db& db, const Uscc& owner, const std::string& product,
                                                            const std::optional<std::string>& digest = std::nullopt);

// Every attestation of `owner`'s `product`, the untrusted ones marked
// (Tapeout::untrusted_from): a linkage claim's chip lines, whose findings name a tape-out a
// revocation took away.
Result<std::vector<TapeoutRecord>> tapeouts_of_product(Db& db, const Uscc& owner, const std::string& product);

// Every attestation of each (owner, product) in `products`, as tapeouts_of_product gives
// them but in one ordered list and without their envelopes (TapeoutRecord::envelope
// empty): what a linkage claim's chip lines need, read in one statement however many chips
// the lines name.
using ProductKey = std::pair<std::string, std::string>;  // (owner USCC, product id)
Result<std::vector<TapeoutRecord>> tapeouts_of_products(Db& db, const std::vector<ProductKey>& products);

// The transparency-log fact of a stored attestation, {"id", "envelope"}, rebuilt from its
// row exactly as submit_tapeout logged it (for `log audit`). nullopt for an unknown id.
Result<std::optional<boost::json::value>> tapeout_log_fact(Db& db, std::string_view id);

}  // namespace chipreg::store
