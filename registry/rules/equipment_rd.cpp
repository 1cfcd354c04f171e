// Clause 4 — equipment and material R&D (装备与材料研发), rule `equipment_rd`.
//
// An IC equipment or material enterprise (role `ic_equipment` or `ic_material`) registered
// in the district whose R&D spend in the year reaches 50,000,000.00 元 (以上: inclusive) and
// which has actual sales in the year gets, 经评审, up to 15% of that spend, at most
// 50,000,000.00 元. Parameters: equipment_rd.threshold_fen, .rate, .cap_fen, .cap_scope,
// stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - 最高补贴5000万元 is read per year (`equipment_rd.cap_scope = year`); with `lifetime`
//   the approvals of every other year count against the same cap (trace names the
//   parameter whenever such approvals exist).
// - The basis is the declaration (enterprise, year, field `equipment_material`); a later
//   declaration replaces the earlier one. No declaration: R&D 0.
// - Claims of the same claimant and year form a series: pay the remainder within the cap.
#include "registry/rules/clause.hpp"

namespace chipreg::rules {

Result<ClaimEvaluation> evaluate_equipment_rd(const Context& ctx, const ClaimRequest& claim) {
  auto opened = open_claim(ctx, claim, "第4条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();

  // Step 1: the claimant makes IC equipment or materials, in the district.
  const bool role =
      c.claimant != nullptr && (c.claimant->has_role(Role::kIcEquipment) || c.claimant->has_role(Role::kIcMaterial));
  check_claimant(c, "集成电路装备或材料企业", role);
  // Step 2: the year's declaration reaches the threshold, with actual sales.
  const Money basis =
      rd_basis(ctx, c, RdField::kEquipmentMaterial, prm.equipment_rd_threshold, "equipment_rd.threshold_fen");
  // Step 3: the series is the year; other years count against the cap only for lifetime.
  const bool lifetime = prm.equipment_rd_cap_scope == policy::CapScope::kLifetime;
  auto prior = prior_sums(ctx, claim, [&](const PriorApproval& a) {
    return a.year == claim.year ? PriorKind::kSeries : PriorKind::kOutside;
  });
  if (!prior) return prior.error();
  if (prior->outside.fen() > 0 && !lifetime) {
    c.step("其他年度已核准 " + prior->outside.str() +
           " 不计入本年度上限 (equipment_rd.cap_scope = year; lifetime 时计入)");
    prior->outside = Money();
  }
  // Step 4: rate, cap, series, stacking.
  if (auto st = finish_award(ctx, c,
                             {basis, prm.equipment_rd_rate, "equipment_rd.rate", prm.equipment_rd_cap,
                              lifetime ? "每家企业累计最高 (equipment_rd.cap_scope = lifetime)" : "每家企业每年最高",
                              *prior, "其他年度 (equipment_rd.cap_scope = lifetime) "});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
