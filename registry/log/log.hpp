// The transparency log's write side, as the rest of the registry sees it.
//
// Every accepted tape-out envelope, purchase, claim and decision is appended as one leaf,
// inside the same SQLite transaction as the write it records, so data and log commit or
// roll back together. The leaf bytes are the exact canonical bytes of the fact.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "base/result.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::tlog {

enum class EntryKind {
  kTapeout,
  kPurchase,
  kClaim,
  kDecision,
  kVoid,
  kInvoiceStatus,
  // The other clauses' facts (schema migration 8): the fact is its scenario object.
  kRdDeclaration,
  kSignoffParticipant,
  kComputeContract,
  kDataTrade,
  kDataset,
  kDatasetCall,
  kPlatformRecognition,
  kPlatformExpense,
  kEvent,
  // The reference facts (schema migration 11, fact_rows.hpp): the fact is the row.
  kEnterprise,
  kPerson,
  kFamilyLink,
  kEquity,
  kManualAffiliation,
  kProduct,
  kFoundryKey,
  kKeyRevocation,
  kOtherAward,
  // Objections and recovery (schema migration 16, fact_rows.hpp): the fact is the row.
  kManualNonAffiliation,
  kObjection,
  kObjectionAnswer,
  kRecovery,
};
std::string_view to_string(EntryKind kind);

// The leaf bytes for a fact: canonical_json({"kind": KIND, "fact": FACT}).
//
//   kind        fact
//   tapeout     {"id": ID, "envelope": ENVELOPE}      (the DSSE envelope as accepted)
//   purchase    json_io::to_json(Purchase)             (scenario purchase object)
//   claim       the claim as stored after each (re-)evaluation: {"id", "rule",
//               "claimant", "year", "group"|"tapeout", "evaluation"}
//   decision    {"claim", "outcome", "approve_fen", "note", "reviewer", "decided_at"}
//   void        {"invoice", "date", "source"}                 (作废, registry/store/voids.hpp)
//   invoice_status {"invoice", "status", "source"}            (the platform's 发票状态)
//   rd_declaration, signoff_participant, compute_contract, data_trade, dataset,
//   dataset_call, platform_recognition, platform_expense, event
//               json_io::to_json(fact)                 (the scenario object, entries.hpp)
// A claim leaf written since schema migration 4 also carries "facts_sha256": the RFC 8785
// SHA-256 of the scenario the evaluation was computed on (GET /v1/claims/{id}/facts).
//
// `log audit` rebuilds the fact from the stored rows with the same builders, so data and
// log agree by construction until someone edits the database behind chipreg's back.
std::string make_entry(EntryKind kind, const boost::json::value& fact);

// ---- leaf versions (docs/LOG.md "Leaf versions") ----------------------------------------
//
// v1  the leaf is the fact's bytes, make_entry(kind, fact): anyone who reads the log reads
//     the fact. Every leaf written before schema migration 9 keeps this form (and so would a
//     kind of fact that is public by nature, such as a foundry's public key).
// v2  a private fact's leaf commits to those bytes (its *opening*) without revealing them:
//       canonical_json({"commitment": hex(SHA-256(salt || opening)), "kind": KIND, "v": 2})
//     with a fresh 32-byte random salt per leaf. The salt and the opening are served only
//     to the fact's parties and the bureau (GET /v1/log/entries/{i}/opening), who check
//     that SHA-256(salt || opening) is the commitment and that the leaf is in the tree. The
//     salt keeps a guess of a low-entropy fact (an amount, a supplier) from being confirmed
//     against the public commitment.
inline constexpr std::size_t kSaltBytes = 32;
using Salt = std::array<unsigned char, kSaltBytes>;

// A fresh random salt (RAND_bytes). Errors: CRYPTO_ERROR.
Result<Salt> new_salt();

// The v2 leaf bytes committing to `opening`.
std::string commitment_entry(std::string_view kind, std::span<const unsigned char> salt, std::string_view opening);

// The leaf bytes of a stored leaf: the opening itself when it has no salt (v1), else its
// commitment (v2).
std::string leaf_bytes(std::string_view kind, std::span<const unsigned char> salt, std::string_view opening);

// Who may read a private fact's opening besides the bureau: the USCCs of its parties
// (parties_text joins them with single spaces, the form the log stores).
using Parties = std::vector<std::string>;
std::string parties_text(const Parties& parties);
// Every enterprise a fact names: each string value anywhere in it that is a valid USCC.
Parties parties_named_in(const boost::json::value& fact);

// Appends the private fact whose bytes are `opening` as the next leaf, a v2 commitment
// readable in the clear by `parties` and the bureau, and returns its 0-based index. Writes
// the leaf and the complete subtrees it closes (store_log.hpp), all inside the caller's
// transaction, so a rollback of the fact's write also removes its leaf. Writers that append
// many leaves on one connection can hold a tlog::Appender (store_log.hpp) to keep its
// statements prepared. Build `opening` with the builders in entries.hpp: `log audit` uses
// the same ones.
// REQUIRES: `db` is inside an open write transaction (Tx).
Result<std::int64_t> append(db::Db& db, EntryKind kind, std::string_view ref, std::string_view opening,
                            const Parties& parties);

}  // namespace chipreg::tlog
