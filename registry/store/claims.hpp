// Claims and their review: filing (evaluated at once by the rules engine on facts loaded
// from the store), re-evaluation before a decision, and the final decision.
//
// Invariants this file keeps:
//   - A claim's stored evaluation is exactly rules::to_json(evaluate_claim(load_facts(...)))
//     at `evaluated_at`: the same engine and output as `chipreg evaluate`.
//   - claim_lines holds the purchase lines the latest evaluation counted (qualifies = true);
//     an approval locks them (locked = 1), and the partial unique index on claim_lines
//     refuses to lock a line twice, so a line counted in an approved claim never counts again
//     (load_facts reports locked lines of other claims as claimed_elsewhere).
//   - A decision is final (ALREADY_DECIDED, 409) and is made on a current evaluation: if the
//     facts changed since (new purchases, awards, approvals), STALE_EVALUATION (409) asks the
//     reviewer to re-evaluate first. Approved amounts become prior approvals of later claims
//     of the same claimant, year and group (or tape-out branch).
//   - At most one submitted claim per series (PENDING_CLAIM, 409): (claimant, year, group)
//     for linkage, the tape-out, (claimant, rule, year[, dataset]) for the other clauses,
//     the event for events: two pending claims would each count the same basis and cap.
//   - Filing and each re-evaluation append the claim fact to the transparency log, a decision
//     the decision fact (formats in registry/log/log.hpp); every change writes an audit row.
//
// Transactions: every function that writes REQUIRES an open write transaction (store::Tx);
// on an error the caller rolls back, so a failed request writes nothing.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

struct DecisionRecord {
  std::string claim;
  std::string outcome;  // "approved" | "rejected"
  std::int64_t approve_fen = 0;
  std::string note;
  std::string reviewer;  // the deciding reviewer (actor string)
  std::string decided_at;
  std::optional<std::int64_t> log_index;
};

struct ClaimRecord {
  std::string id;
  std::string rule;      // the rule's name (RuleId)
  std::string claimant;  // USCC
  int year = 0;
  std::optional<std::string> group;    // linkage
  std::optional<std::string> tapeout;  // tapeout
  std::optional<std::string> branch;   // tapeout: as evaluated
  std::optional<std::string> dataset;  // dataset
  std::optional<std::string> event;    // event
  std::string status;                  // submitted | approved | rejected
  bool eligible = false;
  std::int64_t award_fen = 0;
  std::int64_t computed_fen = 0;
  std::string evaluation_text;         // rules::to_json(ClaimEvaluation), serialized as stored
  std::optional<std::int64_t> log_index;  // of the latest claim leaf
  // The RFC 8785 SHA-256 of the facts bundle the evaluation was computed on (null for
  // claims evaluated before schema migration 4 and not since).
  std::optional<std::string> facts_sha256;
  // A fact that changes a counted line arrived since the evaluation (a void, a red line, a
  // platform status, a new line of the year): re-evaluate before deciding.
  bool stale = false;
  // Approved claims: max(0, approved − what the series' facts support now), for 追回.
  std::int64_t overpaid_fen = 0;
  std::string created_at;
  std::string evaluated_at;
  std::optional<DecisionRecord> decision;
  // ClaimView::kSummary: how many lines the evaluation has; evaluation_text then holds the
  // evaluation without its "lines".
  std::optional<std::int64_t> line_count;
  // Filed by the eligibility job in the claimant's name (store/entitlements.hpp,
  // claim_origins 'proactive'), not by the claimant.
  bool proactive = false;

  // The stored evaluation parsed ({} when not loaded, see ClaimFilter::with_evaluation).
  boost::json::object evaluation() const;
};

// What an enterprise files: {"rule": "linkage", "year", "group"}, {"rule": "tapeout",
// "tapeout"}, {"rule": "dataset", "year", "dataset"}, {"rule": "event", "event"}, or
// {"rule", "year"} for eda_rd, eda_purchase, equipment_rd, compute, data_platform, platform.
struct ClaimFiling {
  RuleId rule = RuleId::kLinkage;
  std::string claimant;                 // USCC (the filing enterprise)
  int year = 0;                         // every rule but tapeout and event (derived)
  std::optional<LinkageGroup> group;    // linkage
  std::optional<std::string> tapeout;   // tapeout
  std::optional<std::string> dataset;   // dataset
  std::optional<std::string> event;     // event
};

// The reviewer's verdict: approve `approve_fen` (0 <= approve_fen <= award_fen) or reject.
struct DecisionInput {
  bool reject = false;
  std::int64_t approve_fen = 0;
  std::string note;
};

// Files and evaluates a claim; returns it as stored (id "C" + 8 digits, in filing order).
// Errors: UNKNOWN_ENTERPRISE, UNKNOWN_TAPEOUT (422), PENDING_CLAIM (409), engine errors.
Result<ClaimRecord> file_claim(Db& db, const ClaimFiling& filing, const std::string& actor);

// The evaluation `filing` would get if filed now (as rules::to_json, id "preview"), with
// the same checks and errors as file_claim; writes nothing and logs nothing.
Result<boost::json::object> preview_claim(Db& db, const ClaimFiling& filing);

// The facts bundle of a claim's current evaluation (the scenario text, canonical JSON) and
// its SHA-256; nullopt for a claim evaluated before schema migration 4 and not since.
struct StoredFacts {
  std::string facts;
  std::string sha256;
};
Result<std::optional<StoredFacts>> claim_facts(Db& db, const std::string& id);

// A fact that changes lines of `buyer` dated (by the line they reverse) in `year` was
// written: submitted linkage claims of that series become stale, and, when `can_lower`
// (a void, a red line, a platform status), approved ones get overpaid_fen recomputed on
// the current facts. Returns the claims touched. REQUIRES: an open write transaction.
Result<std::vector<std::string>> invoice_lines_changed(Db& db, const std::string& buyer, int year, bool can_lower);

// A fact of the other clauses was written: the submitted claims of `rule` it feeds become
// stale — those of `claimant` (every claimant when nullopt), of `year` (every year when
// nullopt) and of `dataset` (when given). Returns the claims marked now (those already
// stale stay so and are not returned). Each claim that turns stale, here and in
// invoice_lines_changed, is a claim_stale notification of its claimant
// (notifications.hpp). REQUIRES: an open write transaction.
Result<std::vector<std::string>> clause_facts_changed(Db& db, RuleId rule, const std::optional<std::string>& claimant,
                                                      std::optional<int> year,
                                                      const std::optional<std::string>& dataset = std::nullopt);

// Re-evaluates a submitted claim on the current facts. NOT_FOUND, ALREADY_DECIDED (409).
// When the facts bundle and the evaluation are unchanged, nothing is appended to the log
// (the stale flag is cleared).
Result<ClaimRecord> reevaluate_claim(Db& db, const std::string& id, const std::string& actor);

// Decides a submitted claim. NOT_FOUND, ALREADY_DECIDED (409), STALE_EVALUATION (409: the
// facts bundle is no longer what it was evaluated on), ABOVE_AWARD (422: approve_fen >
// award_fen), NOT_ELIGIBLE (422: approving an ineligible claim; reject it), NOTE_REQUIRED
// (422: approving a claim flagged REVERSAL_MISSING needs a note), BAD_AMOUNT (422:
// negative), LINE_LOCKED (409). A rejection is always possible on a submitted claim, even
// when its facts no longer evaluate (MONEY_OVERFLOW): it pays nothing.
Result<ClaimRecord> decide_claim(Db& db, const std::string& id, const DecisionInput& decision,
                                 const std::string& reviewer);

// What a read of one claim holds of its evaluation: all of it, or (kSummary) all but the
// per-line array, with the line count: a summary's size does not grow with the lines.
enum class ClaimView { kFull, kSummary };

// One claim with its decision, or nullopt.
Result<std::optional<ClaimRecord>> get_claim(Db& db, const std::string& id, ClaimView view = ClaimView::kFull);

// The claimant of claim `id`, or nullopt when there is no such claim: a read of the head of
// its record only.
Result<std::optional<std::string>> claimant_of(Db& db, const std::string& id);

// One line of a claim's evaluation: its position in the evaluation's "lines" and the line
// object as serialized there.
struct ClaimLine {
  std::int64_t seq = 0;
  std::string text;
};
// Up to `limit` lines of claim `id`'s current evaluation after position `after` (from the
// first when nullopt), in order: one range of an index, whatever the claim's size. An
// unknown claim, or a claim of a rule without lines, has none.
Result<std::vector<ClaimLine>> claim_lines_page(Db& db, const std::string& id, std::optional<std::int64_t> after,
                                                int limit);

struct ClaimFilter {
  std::optional<std::string> status;
  std::optional<std::string> claimant;
  std::optional<int> year;
  std::optional<std::string> after_id;  // keyset paging: ids > after_id
  int limit = 100;
  bool with_evaluation = false;         // listings leave the (large) evaluation out by default
};
// Claims matching the filter in id order.
Result<std::vector<ClaimRecord>> list_claims(Db& db, const ClaimFilter& filter);

// The API view: {"id", "rule", "claimant", "year", "group"|"tapeout"(+"branch"), "status",
// "eligible", "award_fen", "computed_fen", "approved_fen" (the decision's amount, 0 until
// approved), "stale", "overpaid_fen", "facts_sha256", "evaluation"?, "log_index",
// "created_at", "evaluated_at", "proactive", "decision": null | {"outcome", "approve_fen", "note",
// "reviewer", "decided_at", "log_index"}, "line_count" (a summary only)}.
boost::json::object to_json(const ClaimRecord& c, bool with_evaluation = true);
// The same as serialized text, splicing the stored evaluation in without re-parsing it.
std::string to_json_text(const ClaimRecord& c);

// The claim a notification is about, as its payload names it: {"claim", "rule", "year",
// "group"|"tapeout"|"dataset"|"event"}: the claimant's own facts only.
boost::json::object claim_event_head(const ClaimRecord& c);

// The transparency-log facts, rebuilt from stored rows exactly as appended.
boost::json::object claim_log_fact(const ClaimRecord& c);
boost::json::object decision_log_fact(const DecisionRecord& d);

}  // namespace chipreg::store
