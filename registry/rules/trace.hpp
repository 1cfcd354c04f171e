// What the steps of clause 12 (linkage.cpp), clause 3 (tapeout.cpp) and §7.1
// (stacking.cpp) return, and the one place that narrates those results as the evaluation
// trace (trace.cpp). The steps decide and build no strings; the narration decides nothing.
// Internal to the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry/rules/context.hpp"

namespace chipreg::rules {

// ---- §7.1 从高、从优、不重复 (stacking.cpp) ----

struct Stacked {
  policy::Stacking mode = policy::Stacking::kTopUp;
  Money other;                             // granted by other levels across the series
  std::vector<const OtherAward*> sources;  // those grants, in facts order
  Money before;                            // the award the rule left
  Money after;                             // what the district pays; <= before
  // Whether an offset applied: other levels granted something and the rule paid something.
  bool applied = false;
};

// "同一项目按照“从高、从优、不重复”原则执行": what other levels granted for the claim or an
// earlier claim of its series (claim.series) offsets `award` per `mode`.
Result<Stacked> stack(const Context& ctx, const ClaimRequest& claim, policy::Stacking mode, Money award);
// OTHER_LEVEL_OFFSET with its amounts. REQUIRES: s.applied.
Reason stacking_reason(const Stacked& s);
// "§7.1 从高、从优、不重复 (stacking = …): …". REQUIRES: s.applied.
std::string stacking_step(const Stacked& s);

// ---- Clause 12, linkage ----

// One failed condition of a purchase line (RULES.md clause 12, in the order of its codes).
enum class LineCode : std::uint8_t {
  kPolicyNotInForce,
  kNotClaimantsPurchase,
  kSupplierNotIcEnterprise,
  kProductNotOwnedBySupplier,
  kAffiliated,
  kNotSelfDeveloped,
  kNoFirstMarketDate,
  kNotFirstListed,
  kChipWithoutTapeout,
  kTapeoutAfterMarket,
  kAlreadyClaimed,
  kInvoiceVoided,
  kReversalMissing,
};
const char* to_code(LineCode c);

// A failed condition with what its trace note names beyond the line itself (the line's
// date, buyer, seller, product and platform status are read from the line).
struct LineFinding {
  LineCode code = LineCode::kPolicyNotInForce;
  Date first{};                         // NOT_FIRST_LISTED: the first market date;
                                        // TAPEOUT_AFTER_MARKET: the first tape-out
  Date last{};                          // NOT_FIRST_LISTED: the window's last day;
                                        // TAPEOUT_AFTER_MARKET: the first market date
  int months = 0;                       // NOT_FIRST_LISTED: the window, in months
  Rate threshold{};                     // AFFILIATED: affiliation.threshold
  const InvoiceVoid* voided = nullptr;  // INVOICE_VOIDED: the void fact
  // CHIP_WITHOUT_TAPEOUT, TAPEOUT_AFTER_MARKET: the earlier attestation a key revocation
  // made untrusted (Tapeout::untrusted_from), if any.
  const Tapeout* untrusted = nullptr;
};

// Every condition of clause 12 on one blue (base) line; red lines share their base's.
struct LineJudgement {
  std::vector<LineFinding> findings;       // empty: the line qualifies
  std::optional<std::string> affiliation;  // the proof when AFFILIATED
  bool reversal_missing_partial = false;   // 已红冲-部分 without its red line: counts, flagged
};

// One line of the claimant's year and group, judged.
struct JudgedLine {
  const Purchase* line = nullptr;
  const Purchase* base = nullptr;            // the line it reverses (a red line), else itself
  const LineJudgement* judgement = nullptr;  // base's
  Money amount;                              // on linkage.amount_basis; negative on a red line
  bool red_voided = false;                   // a red line on a voided invoice: no longer nets
  bool qualifies = false;
  bool flagged = false;  // counted in full, REVERSAL_MISSING for the reviewer
};

struct LinkageClaimant {
  const Enterprise* enterprise = nullptr;  // null: not a listed enterprise
  bool oem = false;                        // oem or system_integrator
  bool in_district = false;
};

struct Netted {
  Money qualifying;                       // sum of max(0, net) over the counted base lines
  std::vector<const Purchase*> negative;  // base lines netting below zero, in ref order
};

struct LinkageFormula {
  LinkageGroup group = LinkageGroup::kChipModule;
  policy::AmountBasis basis = policy::AmountBasis::kTaxInclusive;
  Money qualifying;
  Money threshold;
  bool below = false;  // qualifying < threshold: BELOW_THRESHOLD
  Rate rate;           // chip_module
  Money step;          // device_material: each full step …
  Money per_step;      // … pays this
  std::int64_t steps = 0;
  Money computed;  // the formula's figure; 0 when below
};

struct CapAndPrior {
  Money cap;
  Money computed;          // 0 when the claim fails a condition
  bool capped = false;     // computed > cap: CAPPED
  Money within_cap;        // min(computed, cap)
  Money prior;             // approved already in the series
  Money pay;               // max(0, within_cap − prior)
  bool whole_year = true;  // no line of the year was counted outside the series
};

struct LinkageSteps {
  const Policy* policy = nullptr;
  Date policy_date;
  int year = 0;
  LinkageClaimant claimant;
  const std::string* claimant_uscc = nullptr;
  std::vector<JudgedLine> lines;
  Netted net;
  LinkageFormula formula;
  CapAndPrior paid;
  Stacked stacked;
  bool eligible = false;
  Money award;
};

// The trace of a linkage claim, step by step.
std::vector<std::string> linkage_trace(const Facts& facts, const LinkageSteps& s);

// ---- Clause 3, tapeout ----

enum class TapeoutCode : std::uint8_t {
  kPolicyNotInForce,
  kNotDesignOwner,
  kClaimantNotInDistrict,
  kNotKeyArea,
  kNotFirstTapeout,
  kProductionTapeout,
};
const char* to_code(TapeoutCode c);

struct TapeoutFinding {
  TapeoutCode code = TapeoutCode::kPolicyNotInForce;
  const Tapeout* earlier = nullptr;  // NOT_FIRST_TAPEOUT
  std::string focus_area{};          // NOT_KEY_AREA
};

// One row of clause 3 applied to the cost: its figure and what its caps leave.
struct RowPay {
  TapeoutBranch branch = TapeoutBranch::kSmall;
  Rate rate;
  Money computed;  // cost × rate, rounded down
  Money room;      // what the caps leave, >= 0
  Money pay;       // min(computed, room)
};

struct TapeoutRow {
  bool at_split = false;  // cost == tapeout.split_fen: BOUNDARY_AMBIGUOUS
  policy::Boundary boundary = policy::Boundary::kFavorable;
  RowPay small;  // both rows: only when at_split
  RowPay large;
  RowPay chosen;
};

struct TapeoutSteps {
  const Policy* policy = nullptr;
  const Tapeout* tapeout = nullptr;
  const std::string* claimant_uscc = nullptr;
  std::vector<TapeoutFinding> findings;  // in the order of RULES.md; empty: eligible
  Money prior_all;                       // the year's approved tape-out awards
  Money prior_small;                     // of which the small (<=) row's
  TapeoutRow row;
  Stacked stacked;
  bool eligible = false;
  Money award;
};

std::vector<std::string> tapeout_trace(const Facts& facts, const TapeoutSteps& s);

// "30%" for Rate::percent(30), "12.5%" for 12.5 %: how the clause names its rows.
std::string short_percent(Rate r);

}  // namespace chipreg::rules
