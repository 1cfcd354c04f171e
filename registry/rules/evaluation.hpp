// The rules engine's entry point: a pure function from Facts to one evaluation per claim.
//
// `chipreg evaluate`, the HTTP service and the tests all call this; that they agree is
// tested, not assumed (tests/e2e/test_claims_differential.cpp). Nothing here reads a
// database, a clock or a global table: the store loads Facts, the caller passes the
// policy versions, the engine decides, the callers present (to_json gives the contract's
// output object).
//
//   auto facts = json_io::parse_scenario(text);          // or loaded from SQLite
//   auto evals = rules::evaluate(*facts, policy::versions());  // one per facts.claims entry
//   boost::json::object out = rules::to_json(*evals);      // {"claims": [...]}
//
// Interpretations the engine takes are parameters of the policy version (policy.hpp) and
// are documented in docs/RULES-ENGINE.md.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/domain/policy.hpp"

namespace chipreg::rules {

// One reason code from RULES.md that applied to the claim, with its details (amounts,
// the affiliation proof, the lines it excluded ...). Serialized as {"code": CODE, ...details}.
struct Reason {
  std::string code;
  boost::json::object details;
};

// The verdict on one purchase line of a linkage claim (contract: `lines[]`).
struct LineVerdict {
  InvoiceLineRef ref;
  Date date;
  std::string product;
  Money amount;                              // on the claim's amount basis; negative on a red line
  bool qualifies = false;
  std::vector<std::string> codes;            // every failed condition; empty when it qualifies
  std::optional<InvoiceLineRef> reverses;    // a red-letter line: the line it nets against
  std::optional<std::string> affiliation;    // the proof when AFFILIATED
};

// The verdict on one item a rule of the other clauses counts or excludes: a purchase line
// (eda_purchase), a compute contract, a data trade, a dataset circulation or a platform
// expense (contract: `items[]`, in the shape of `lines[]`).
struct ItemVerdict {
  std::optional<std::string> id;             // contract, trade, call or expense id
  std::optional<InvoiceLineRef> ref;         // a purchase line
  Date date;
  Money amount;                              // what it adds to the basis when it qualifies
  bool qualifies = false;
  std::vector<std::string> codes;            // failed conditions; also VOUCHER_OFFSET on a contract
  std::optional<std::string> affiliation;    // the proof when AFFILIATED
  boost::json::object details;               // per rule: voucher_fen, buyer, seller, caller, group ...
};

struct ClaimEvaluation {
  std::string id;
  RuleId rule = RuleId::kLinkage;
  std::string claimant;                      // USCC
  int year = 0;
  std::optional<LinkageGroup> group;         // linkage
  std::optional<std::string> tapeout;        // tapeout: the tape-out id
  std::optional<TapeoutBranch> branch;       // tapeout: the row that paid (small <= 10M, large >= 10M)
  std::optional<std::string> dataset;        // dataset: the dataset claimed for
  std::optional<std::string> event;          // event: the event claimed for

  // The claim meets every condition of its rule, threshold included (whatever caps,
  // prior approvals and other levels leave to pay).
  bool eligible = false;
  Money computed;                            // before caps and stacking
  Money award;                               // after caps, prior approvals and stacking
  std::optional<Money> qualifying;           // linkage: the year's qualifying amount
  Money cap;                                 // the cap that applied
  Money prior_approved;                      // awards already approved counted against the cap
  Money other_levels;                        // granted by other levels for this claim

  std::vector<Reason> reasons;               // claim-level codes (and a summary of line codes)
  std::vector<std::string> trace;            // ordered steps citing the clause, in Chinese
  std::vector<LineVerdict> lines;            // linkage only
  std::optional<Money> basis;                // the other clauses: the amount the rate applies to
  std::vector<ItemVerdict> items;            // the other clauses that count items
  boost::json::object extra;                 // rule-specific output (dataset: caller_groups ...)

  std::string policy_version;                // id of the version used ("" when none in force)
  std::optional<policy::Parameters> parameters;  // as used, overrides applied

  bool has_reason(std::string_view code) const {
    for (const auto& r : reasons) if (r.code == code) return true;
    return false;
  }
};

// The engine is a pure function of the facts and the policy versions it is given (ordered
// by effective date; the built-in ones are policy::versions(), which callers pass); it
// reads no process-wide table.
//
// Evaluates facts.claims, each on its own against the facts and prior_approvals (claims do
// not consume each other's caps), in input order. Fails only on input the engine cannot
// decide on: a bad parameter override (BAD_PARAMETER, UNKNOWN_PARAMETER, field
// "parameters.NAME"), a claim naming a missing enterprise or tape-out (UNKNOWN_REFERENCE,
// field "claims[i].claimant"), or money overflow (MONEY_OVERFLOW). Never throws for data.
Result<std::vector<ClaimEvaluation>> evaluate(const Facts& facts, const std::vector<policy::Version>& versions);

// The same for one claim that need not be in facts.claims (the HTTP service evaluates a
// new claim against facts loaded from the store). Builds the affiliation index each call:
// use an Engine for several claims over the same facts.
Result<ClaimEvaluation> evaluate_claim(const Facts& facts, const ClaimRequest& claim,
                                       const std::vector<policy::Version>& versions);

// Holds the indexes built from one Facts (affiliation graph, lookups) for many claims.
// REQUIRES: `facts` and `versions` outlive the Engine and do not change while it lives.
class Engine {
 public:
  Engine(const Facts& facts, const std::vector<policy::Version>& versions);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Result<ClaimEvaluation> evaluate(const ClaimRequest& claim) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The contract's output object for one claim: id, eligible, award_fen, computed_fen,
// reasons, trace, and for linkage qualifying_fen and lines; plus rule, claimant, year,
// group | tapeout + branch, cap_fen, prior_approved_fen, other_levels_fen,
// policy_version and parameters. The other clauses add basis_fen, items (when the rule
// counts items), dataset | event, and their rule-specific fields.
boost::json::object to_json(const ClaimEvaluation& e);

// The texts a claims store keeps of `e`, written without building its lines as objects
// (a 200,000-line claim's are 40 MB): `text` is json::serialize(to_json(e)); `summary` the
// same without "lines"; line_spans[i] the offset and length in `text` of
// json::serialize(to_json(e)["lines"][i]); `canonical` is canonical_json(to_json(e)).
// tests/rules/test_evaluation_texts.cpp holds them to those definitions.
struct EvaluationTexts {
  std::string text;
  std::string summary;
  std::vector<std::pair<std::size_t, std::size_t>> line_spans;
  std::string canonical;
};
EvaluationTexts evaluation_texts(const ClaimEvaluation& e);
// {"claims": [to_json(e) ...]}
boost::json::object to_json(const std::vector<ClaimEvaluation>& all);

}  // namespace chipreg::rules
