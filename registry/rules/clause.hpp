// The steps that the rules of the other clauses of the seed (2a, 2b, 4, 6, 7, 8, 16a, 16b;
// RULES.md "The other clauses of the seed") share, so that each rule file only states its
// own conditions. A rule reads:
//
//   auto c = open_claim(ctx, claim, "第6条", claim.year);      // policy, year, trace head
//   check_claimant(c, "...", role_ok);                          // CLAIMANT_ROLE, _NOT_IN_DISTRICT
//   for each item: ItemVerdict v ...; c.add_item(std::move(v), label, notes);
//   c.close_items();                                            // item codes as reasons, sorted items
//   auto basis = c.basis();                                     // sum of qualifying items
//   finish_award(ctx, c, {basis, rate, cap, series, outside});  // rate, caps, series, §7.1
//
// Money is fen, rounded down once: the rate applies to the claim's basis.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "registry/rules/context.hpp"

namespace chipreg::rules {

// 区重点产业导向 (seed §6.3): the focus-area vocabulary of RULES.md.
bool is_key_area(std::string_view area);

// Whether a policy version is in force on `d` (facts dated before 2024-06-25 do not count).
bool policy_in_force(const Context& ctx, Date d);

// "第8条" + the claim under construction.
struct ClauseClaim {
  ClaimEvaluation e;
  const ClaimRequest* request = nullptr;  // the claim being decided (outlives this)
  Policy policy;
  const Enterprise* claimant = nullptr;  // null when the claimant is not a listed enterprise
  std::string clause;                    // "第2条" ...
  bool ok = true;                        // every condition met so far

  const policy::Parameters& params() const { return policy.params; }
  // A trace step citing the clause.
  void step(const std::string& text) { e.trace.push_back(clause + " " + text); }
  // A failed claim-level condition: the reason, and a trace step ending in its code.
  void fail(const std::string& code, boost::json::object details, const std::string& why);
  // Records one item (qualifies unless a code other than VOUCHER_OFFSET applies); its
  // trace step is "第N条 LABEL DATE: AMOUNT 计入|不计入 [CODES]; NOTES".
  void add_item(ItemVerdict v, std::string label, std::vector<std::string> notes);
  // After the last item: sorts the items (by invoice/line or id, then date) and writes
  // their steps in that order, so the evaluation does not depend on the input order;
  // adds one reason per code that excluded items ({"code", "scope": "items", "items":
  // [keys]}), and fails the claim with NO_QUALIFYING_ITEMS when no item qualifies.
  void close_items(const std::string& what_zh);
  // The sum of the qualifying items' amounts.
  Result<Money> qualifying_sum() const;

 private:
  struct Pending {
    ItemVerdict item;
    std::string label;
    std::vector<std::string> notes;
  };
  std::vector<Pending> pending_;
};

// {"invoice", "line"}.
boost::json::object json_ref(const InvoiceLineRef& r);

// Fills id, rule, claimant, year; the policy in force on `policy_date` (31 December of the
// claim year for annual rules, the event's start for events) with the overrides; the
// POLICY_NOT_IN_FORCE check of the year. Errors: BAD_VALUE (year), BAD_PARAMETER.
Result<ClauseClaim> open_claim(const Context& ctx, const ClaimRequest& claim, std::string clause, int year,
                               Date policy_date);

// The claimant must be registered in the district (CLAIMANT_NOT_IN_DISTRICT) and, when the
// rule names one, hold its role (CLAIMANT_ROLE). `role_zh` describes what the rule needs
// ("EDA 企业"); empty means any district enterprise.
void check_claimant(ClauseClaim& c, const std::string& role_zh, bool role_ok);

// Affiliation of `a` and `b` on `d` at the claim's affiliation.threshold.
affiliation::Verdict affiliated(const Context& ctx, const ClauseClaim& c, const Uscc& a, const Uscc& b, Date d);

// The prior approvals of the claimant under the claim's rule, split in two: those of the
// claim's series (paid already: the claim pays only the remainder) and those outside the
// series that still count against the cap (dataset: other datasets of the owner in the
// year; equipment_rd with cap_scope = lifetime: other years).
struct PriorSums {
  Money series;
  Money outside;
};
enum class PriorKind { kNone, kSeries, kOutside };
Result<PriorSums> prior_sums(const Context& ctx, const ClaimRequest& claim,
                             const std::function<PriorKind(const PriorApproval&)>& classify);

struct AwardInputs {
  Money basis;  // what the rate applies to
  Rate rate;
  const char* rate_name;  // the parameter, for the trace ("compute.rate")
  Money cap;
  std::string cap_zh;  // "每家企业每年最高", "每个活动最高"
  PriorSums prior;
  std::string outside_zh;  // what `prior.outside` is, for the trace
};

// computed = basis × rate rounded down (0 when a condition failed); the cap less what is
// approved outside the series (CAPPED when it binds); the series' approvals subtracted;
// §7.1 stacking (apply_stacking); the conclusion step. Sets eligible, computed, basis, cap,
// prior_approved, award.
Status finish_award(const Context& ctx, ClauseClaim& c, const AwardInputs& in);

// The level in Chinese: 国家级, 省级, 市级.
const char* level_zh(Level l);

// Clauses 2a and 4: the claimant's R&D declaration for (year, field) — the last one in
// the facts, which replaces earlier ones (named in the trace) — and its conditions:
// R&D >= threshold (BELOW_THRESHOLD) and actual sales in the year (NO_ACTUAL_SALES).
// Returns the R&D spend as the basis (0 without a declaration, which is BELOW_THRESHOLD).
Money rd_basis(const Context& ctx, ClauseClaim& c, RdField field, Money threshold, const char* threshold_name);

}  // namespace chipreg::rules
