// Clause 2a — EDA R&D (EDA 研发), rule `eda_rd`.
//
// An EDA enterprise (role `eda`) registered in the district whose R&D spend in the year
// reaches 10,000,000.00 元 (以上: inclusive) and which has actual sales in the year gets, 经评审,
// up to 15% of that spend, at most 20,000,000.00 元 per year. Parameters: eda_rd.threshold_fen,
// eda_rd.rate, eda_rd.cap_fen, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - The basis is the declared R&D spend of the declaration (enterprise, year, field `eda`);
//   a later declaration of the same key replaces the earlier one. No declaration: R&D 0.
// - Actual sales means sales_fen > 0 in the same declaration.
// - Claims of the same claimant and year form a series: pay the remainder within the cap.
#include "registry/rules/clause.hpp"

namespace chipreg::rules {

Result<ClaimEvaluation> evaluate_eda_rd(const Context& ctx, const ClaimRequest& claim) {
  auto opened = open_claim(ctx, claim, "第2条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();

  // Step 1: the claimant is an EDA enterprise in the district.
  check_claimant(c, "EDA 企业", c.claimant != nullptr && c.claimant->has_role(Role::kEda));
  // Step 2: the year's declaration reaches the threshold, with actual sales.
  const Money basis = rd_basis(ctx, c, RdField::kEda, prm.eda_rd_threshold, "eda_rd.threshold_fen");
  // Step 3: earlier approvals of the year are the series.
  auto prior = prior_sums(
      ctx, claim, [&](const PriorApproval& a) { return a.year == claim.year ? PriorKind::kSeries : PriorKind::kNone; });
  if (!prior) return prior.error();
  // Step 4: rate, cap, series, stacking.
  if (auto st =
          finish_award(ctx, c, {basis, prm.eda_rd_rate, "eda_rd.rate", prm.eda_rd_cap, "每家企业每年最高", *prior, ""});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
