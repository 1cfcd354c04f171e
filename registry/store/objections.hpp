// Objections (异议): an enterprise contests its claim's evaluation or decision, and a
// reviewer answers in exactly one of three ways (issue 21):
//
//   fact_corrected       a fact was wrong: the reviewer wrote the correcting fact through
//                        the ordinary write routes first (a void, an equity edge, a red
//                        line ...; never an edit), and the answer names that fact's log index;
//   affiliation_finding  the reviewer records a dated finding between two enterprises: an
//                        affiliation with its basis (a manual_affiliations row, as
//                        POST /v1/manual-affiliations writes) or a NON-affiliation
//                        (manual_non_affiliations, schema migration 16), which overrides the
//                        holdings on the days it covers (registry/rules/affiliation.hpp);
//   rejected             the objection fails, with the reason in the note.
//
// After a correction or a finding the claim is re-evaluated on the current facts: a
// submitted claim by reevaluate_claim (claims.hpp: a new claim leaf if anything changed);
// a decided claim keeps its decision (a decision is final), and the answer records what the
// claim would be awarded now, which the series' next claim is computed on.
//
// Deadlines (ObjectionPolicy): against a decided claim, until `days_after_decision` days
// after the decision's date in Asia/Shanghai, that day included (以内); against a submitted
// claim, any time before the decision. Later: OBJECTION_LATE (422).
//
// Invariants:
//   - Objections and answers are facts, never rewritten: each row is a log leaf
//     (registry/log/fact_rows.hpp, kinds objection, objection_answer,
//     manual_non_affiliation) and an audit row, written in the caller's transaction.
//   - An objection has at most one answer (ALREADY_ANSWERED, 409); open_objections lists
//     exactly the objections without one; a claim has at most one open objection
//     (OBJECTION_PENDING, 409).
//   - A fact_corrected answer names a leaf appended after the objection's own leaf.
//
// Transactions: every writing function REQUIRES an open write transaction (store::Tx).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/date.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// The procedural parameter of objections. Default: 15 days after the decision.
struct ObjectionPolicy {
  int days_after_decision = 15;  // >= 0
};
inline constexpr int kDefaultObjectionDays = 15;

// An evidence document the enterprise holds: its file name and SHA-256 (lowercase hex).
struct EvidenceRef {
  std::string name;
  std::string sha256;
};

struct ObjectionFiling {
  std::string claim;
  std::string claimant;                   // the objecting enterprise: must be the claim's claimant
  std::string text;                       // non-empty
  std::vector<InvoiceLineRef> lines;      // disputed lines: each a line of the claim's evaluation
  std::vector<std::string> reasons;       // disputed reason codes: each among the evaluation's
  std::vector<EvidenceRef> evidence;
};

enum class AnswerKind { kFactCorrected, kAffiliationFinding, kRejected };
const char* to_string(AnswerKind k);
Result<AnswerKind> parse_answer_kind(std::string_view s);

struct ObjectionAnswerInput {
  AnswerKind kind = AnswerKind::kRejected;
  std::string note;                         // non-empty: the reason, or what was found
  std::optional<std::int64_t> fact_log_index;  // kFactCorrected: the correcting fact's leaf
  std::optional<ManualAffiliation> finding;    // kAffiliationFinding (affiliated true or false)
};

struct ObjectionAnswer {
  std::string answer;  // to_string(AnswerKind)
  std::string note;
  std::optional<std::int64_t> fact_log_index;  // the correcting fact's or the finding's leaf
  std::string reviewer;
  std::string answered_at;
  std::int64_t award_before_fen = 0;  // the claim's award when answered
  std::int64_t award_after_fen = 0;   // after the re-evaluation (rejected: unchanged)
  std::optional<std::int64_t> log_index;
};

struct ObjectionRecord {
  std::string id;        // "O" + 8 digits
  std::string claim;
  std::string claimant;
  std::string against;   // "evaluation" (a submitted claim) | "decision"
  std::string text;
  std::string lines;     // JSON text: [{"invoice", "line"}]
  std::string reasons;   // JSON text: ["CODE"]
  std::string evidence;  // JSON text: [{"name", "sha256"}]
  std::string filed_at;
  std::optional<std::string> deadline;  // the last day it could be filed (decided claims)
  std::optional<std::int64_t> log_index;
  std::optional<ObjectionAnswer> answer;
  // "open" | "answered" (fact_corrected, affiliation_finding) | "rejected"
  std::string status() const;
};

// Files an objection on `today` (the bureau's calendar day). Errors: NOT_FOUND (no such
// claim of this claimant), MISSING_FIELD / BAD_VALUE (text, evidence), UNKNOWN_LINE,
// UNKNOWN_REASON (422: not in the claim's evaluation), OBJECTION_LATE (422),
// OBJECTION_PENDING (409).
Result<ObjectionRecord> file_objection(Db& db, const ObjectionFiling& filing, const std::string& actor,
                                       const ObjectionPolicy& policy, const Date& today);

// Answers an open objection; re-evaluates the claim after a correction or a finding.
// Errors: NOT_FOUND, ALREADY_ANSWERED (409), MISSING_FIELD / BAD_VALUE (note, log index,
// finding), UNKNOWN_LEAF (422: no such leaf, or not after the objection), the manual
// affiliation's own errors (UNKNOWN_ENTERPRISE, DUPLICATE ...), re-evaluation errors.
Result<ObjectionRecord> answer_objection(Db& db, const std::string& id, const ObjectionAnswerInput& input,
                                         const std::string& reviewer);

Result<std::optional<ObjectionRecord>> get_objection(Db& db, const std::string& id);

struct ObjectionFilter {
  std::optional<std::string> status;    // "open" | "answered" | "rejected"; nullopt: all
  std::optional<std::string> claimant;  // an enterprise's own
  std::optional<std::string> claim;
  std::optional<std::string> after_id;  // keyset paging: ids > after_id
  int limit = 100;
};
// Objections matching the filter in id order (open ones: one range of open_objections).
Result<std::vector<ObjectionRecord>> list_objections(Db& db, const ObjectionFilter& filter);

// The API view: {"id", "claim", "claimant", "against", "status", "text", "lines", "reasons",
// "evidence", "filed_at", "deadline", "log_index", "answer": null | {"answer", "note",
// "fact_log_index", "reviewer", "answered_at", "award_before_fen", "award_after_fen",
// "log_index"}}.
boost::json::object to_json(const ObjectionRecord& o);

}  // namespace chipreg::store
