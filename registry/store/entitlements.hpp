// 免申即享 (eligibility without application, issue #21): what each enterprise's facts already
// qualify for, found by the registry instead of waiting for a claim.
//
// The eligibility job evaluates, for one calendar year, every enterprise against every rule
// it has facts for, on the road a real claim takes: a ClaimRequest per series, store::
// load_facts, rules::evaluate_claim (exactly what POST /v1/claims/preview runs, minus its
// PENDING_CLAIM refusal: a series already claimed is evaluated too, and marked claimed).
// Each result is one row of `entitlements` (schema migration 17), keyed by
// (year, enterprise, rule, subject), subject being the series' group, tape-out, dataset or
// event ('' for the annual rules):
//
//   eligible, award_fen, computed_fen, qualifying_fen   as the evaluation says (award_fen is
//                         what a claim filed now would get: earlier approvals of the series,
//                         caps and other levels already subtracted)
//   claimed               the series has a submitted claim, or an approved one and nothing
//                         more is owed (award_fen 0; a tape-out is awarded once, so any
//                         approved claim); `claim` names the latest claim of the series
//   missing               what keeps the award from being (larger): Chinese phrases derived
//                         from the evaluation's reasons and excluded lines
//                         (entitlement_words.hpp), e.g. "已达 2,400,000.00 元, 距门槛还差
//                         600,000.00 元", "芯片 BJ-MCU-02 缺少流片证明"
//
// Which series an enterprise E is evaluated for in year Y (its candidates; a rule it has no
// fact for would only say "nothing", and at 1M enterprises those rows would be most rows):
//   linkage (both groups), eda_purchase   E bought something dated in Y; a group or the EDA
//                                         rule is kept only when the evaluation has lines/items
//   tapeout                               each tape-out with E as design owner dated in Y
//   eda_rd, equipment_rd                  E declared R&D for Y (field eda, equipment_material)
//   compute                               E has a compute contract dated in Y
//   data_platform                         E is the platform of a trade dated in Y
//   dataset                               each dataset of E called in Y
//   platform                              E has a recognition, or an expense dated in Y
//   event                                 each event E organizes starting in Y
// Re-evaluating E replaces all of E's rows of Y.
//
// Incremental runs. Every fact is a log leaf, so the log's size is the watermark: a run
// records the size it started from (eligibility_runs), and the next run of the year reads
// only the leaves after it and re-evaluates the enterprises whose evaluation those facts
// can change (touched_by_facts). A run that finds no new leaf evaluates nothing. Each fact
// maps to the claimants it can affect:
//   purchase                  its buyer (the only claimant whose lines it is)
//   void, invoice_status      the buyers of the invoice's lines
//   tapeout                   its design owner, the design owners of tape-outs of the same
//                             product or design digest (first-ness), and every buyer of the
//                             product (CHIP_WITHOUT_TAPEOUT, TAPEOUT_AFTER_MARKET)
//   foundry_key, key_revocation  as a tape-out, for every tape-out signed with the key
//   product                   its owner, its buyers and the design owners of its tape-outs
//   claim, decision, other_award  the claimant (claimed, prior approvals, other levels)
//   rd_declaration, compute_contract, data_trade, dataset, platform_recognition,
//   platform_expense, event   the enterprise the fact is about (declarant, customer,
//                             platform, owner, organizer); dataset_call: the dataset's owner
//   signoff_participant       the participant and the buyers of its products (eda_purchase)
//   enterprise, person, family_link, equity, manual_affiliation
//                             the ownership neighbourhood, conservatively: an affiliation
//                             H(X, Y) >= 25 % can change only for a pair one of whose parties
//                             lies at or below the changed edge's held enterprise (a holding
//                             is the sum of paths that end there). So the seeds are the held
//                             enterprise (equity), both parties (manual affiliation), every
//                             enterprise held by the person or anyone in its family closure
//                             (person, family link), the enterprise itself (enterprise); the
//                             neighbourhood is the seeds and everything they hold, directly
//                             or through others (equity, downward); the claimants touched are
//                             the neighbourhood, every buyer of a product of the
//                             neighbourhood (clause 12: buyer-seller affiliation), and every
//                             data platform and dataset owner of the year (clauses 7 and 8
//                             judge affiliation between third parties; they are few).
//   any other kind            every enterprise the fact names, and their neighbourhood.
// Over-selection costs an evaluation; under-selection would leave a stale row, so every
// doubt selects. A policy or parameter change is not a fact: run with `full` then.
//
// Automatic filing. The bureau turns it on per rule (set_auto_filing, audited). A run then
// files, for every row of such a rule that is eligible, owes something (award_fen > 0) and
// is not claimed, a claim in the enterprise's name through store::file_claim (the same
// checks, evaluation, log leaf and review as a claim the enterprise files), records it in
// claim_origins as 'proactive' (GET /v1/claims/{id} shows "proactive": true) and audits
// entitlement.auto_file. An enterprise files from its entitlement with one action
// (file_entitlement: origin 'entitlement', audited entitlement.file).
//
// Transactions and snapshots. run_eligibility works in batches: each batch is evaluated on
// a read snapshot of `reader` and written in one short write transaction on `writer` (the
// same connection may serve as both), so a run never holds SQLite's write lock for longer
// than one batch's rows. The run's watermark is the log size before its first snapshot:
// every batch sees at least those facts, and anything later is re-read by the next run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/claims.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// One series of one enterprise in one year: (rule, subject) with subject the group,
// tape-out, dataset or event of the series, "" for the annual rules.
struct EntitlementKey {
  int year = 0;
  std::string enterprise;  // USCC
  RuleId rule = RuleId::kLinkage;
  std::string subject;
};

struct Entitlement {
  EntitlementKey key;
  bool eligible = false;
  std::int64_t award_fen = 0;
  std::int64_t computed_fen = 0;
  std::optional<std::int64_t> qualifying_fen;  // linkage
  bool claimed = false;
  std::optional<std::string> claim;           // the series' latest claim that is not rejected
  std::vector<std::string> missing;           // Chinese phrases (entitlement_words.hpp)
  std::vector<std::string> reasons;           // the evaluation's claim-level codes
  std::int64_t log_size = 0;                  // the log size the run started from
  std::string evaluated_at;
};

// The API view: {"enterprise", "rule", "group"?, "tapeout"?, "dataset"?, "event"?, "year",
// "award_fen", "claimed", "eligible", "computed_fen", "qualifying_fen"?, "claim"?,
// "missing": [...], "reasons": [...], "evaluated_at"}.
boost::json::object to_json(const Entitlement& e);

// The series the rule names by `subject`, as a filing: linkage needs a group name.
// BAD_VALUE for a linkage subject that names no group.
Result<ClaimFiling> filing_of(const EntitlementKey& key);

// ---- the job ----------------------------------------------------------------------------

struct EligibilityOptions {
  int year = 0;                 // REQUIRES: 1900..9999
  bool full = false;            // evaluate every enterprise, whatever the watermark
  int batch = 200;              // enterprises per snapshot and write transaction
  std::string actor = "eligibility";  // the audit trail's actor of the run and its filings
  // Called after each batch with the enterprises done and the total selected.
  std::function<void(std::int64_t done, std::int64_t total)> progress;
};

struct EligibilityRun {
  int year = 0;
  std::string mode;                         // "full" | "incremental"
  std::optional<std::int64_t> from_log_size;  // the previous run's watermark (incremental)
  std::int64_t log_size = 0;                // this run's watermark
  std::int64_t facts = 0;                   // leaves read since the watermark
  std::int64_t enterprises = 0;             // enterprises re-evaluated
  std::int64_t evaluations = 0;             // series evaluated
  std::int64_t rows = 0;                    // rows written
  std::int64_t eligible = 0;                // rows written that are eligible
  std::int64_t owed_unclaimed = 0;          // ... that owe something and are not claimed
  std::int64_t owed_unclaimed_fen = 0;      // ... their award_fen summed
  std::vector<std::string> auto_filed;      // claims filed automatically
  std::vector<std::string> errors;          // series the engine could not evaluate (code: subject)
};
boost::json::object to_json(const EligibilityRun& r);

// Runs the job (see the file comment). Errors: storage errors (the batches committed so far
// stay; the watermark is recorded only by a run that finished, so the next run redoes it).
Result<EligibilityRun> run_eligibility(Db& reader, Db& writer, const EligibilityOptions& options);

// The enterprises whose evaluation a fact logged at an index in [from, to) can change, per
// the table in the file comment. `facts` counts the leaves read. REQUIRES: a read snapshot
// or transaction on `db` when consistency matters.
struct Touched {
  std::set<std::string> enterprises;
  std::int64_t facts = 0;
};
Result<Touched> touched_by_facts(Db& db, std::int64_t from, std::int64_t to, int year);

// The rows of `enterprise` in `year` as a run would write them now (no write).
Result<std::vector<Entitlement>> evaluate_enterprise(Db& db, const std::string& enterprise, int year,
                                                     std::vector<std::string>* errors = nullptr);

// The watermark of the last finished run of `year`, or nullopt.
Result<std::optional<std::int64_t>> eligibility_watermark(Db& db, int year);

// ---- reads ------------------------------------------------------------------------------

struct EntitlementFilter {
  int year = 0;
  std::optional<std::string> enterprise;
  std::optional<RuleId> rule;
  // true: claimed rows; false: owed and not claimed (award_fen > 0, the reviewer's list).
  std::optional<bool> claimed;
  // true (the contract's "what the facts already qualify for"): eligible rows only;
  // false: the others (what is missing); nullopt: all.
  std::optional<bool> eligible = true;
  // Keyset paging: rows after (enterprise, rule, subject) of the cursor.
  std::optional<std::string> after;
  int limit = 100;
};
// Rows in (enterprise, rule, subject) order. BAD_CURSOR for an `after` no page gave.
Result<std::vector<Entitlement>> list_entitlements(Db& db, const EntitlementFilter& filter);
// The cursor that continues after `e`.
std::string cursor_of(const Entitlement& e);

// One row, or nullopt.
Result<std::optional<Entitlement>> get_entitlement(Db& db, const EntitlementKey& key);

// ---- filing -----------------------------------------------------------------------------

// Files the claim of entitlement `key` in its enterprise's name (store::file_claim, with
// its checks and errors) and marks its origin: 'proactive' for the job's automatic filing,
// 'entitlement' for the enterprise's one action. The row becomes claimed. Audits
// entitlement.file or entitlement.auto_file. Errors: NO_ENTITLEMENT (404: no row, run the
// job), NOT_ENTITLED (422: the row is not eligible or owes nothing), ALREADY_CLAIMED (409),
// and file_claim's. REQUIRES: an open write transaction.
Result<ClaimRecord> file_entitlement(Db& db, const EntitlementKey& key, const std::string& actor, bool proactive);

struct AutoFiling {
  RuleId rule = RuleId::kLinkage;
  bool enabled = false;
  std::string set_by;
  std::string set_at;
};
// Every rule with a setting, by rule name (a rule never set is off).
Result<std::vector<AutoFiling>> auto_filing_rules(Db& db);
// Turns automatic filing of `rule` on or off; audits entitlement.auto_filing with the old
// and new value. REQUIRES: an open write transaction.
Result<AutoFiling> set_auto_filing(Db& db, RuleId rule, bool enabled, const std::string& actor);

}  // namespace chipreg::store
