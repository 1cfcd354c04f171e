// The transparency log's write side, as the rest of the registry sees it.
//
// Every accepted tape-out envelope, purchase, claim and decision is appended as one leaf,
// inside the same SQLite transaction as the write it records, so data and log commit or
// roll back together. The leaf bytes are the exact canonical bytes of the fact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

// Appends `entry` as the next leaf and returns its 0-based index. Writes the leaf and the
// complete subtrees it closes (store_log.hpp), all inside the caller's transaction, so a
// rollback of the fact's write also removes its leaf. Writers that append many leaves on
// one connection can hold a tlog::Appender (store_log.hpp) to keep its statements prepared.
// Build `entry` with the builders in entries.hpp: `log audit` uses the same ones.
// REQUIRES: `db` is inside an open write transaction (Tx).
Result<std::int64_t> append(db::Db& db, EntryKind kind, std::string_view ref, std::string_view entry);

}  // namespace chipreg::tlog
