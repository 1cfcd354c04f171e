// Clause 6 — compute at the AI computing centre (算力), rule `compute`.
//
// A district enterprise buying compute services under contracts with the designated
// computing centre (杭州人工智能计算中心; an enterprise with role `compute_center`) gets up
// to 50% of the year's contract amounts less the compute vouchers (算力券) applied to them,
// at most 1,000,000.00 元 per year. Parameters: compute.rate, compute.cap_fen, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - Each contract's voucher is subtracted from that contract, never below 0; the item and
//   the claim carry VOUCHER_OFFSET whenever a voucher lowered the basis.
// - A contract counts in the year of its date, from the policy's effective date.
// - Claims of the same claimant and year form a series: pay the remainder within the cap.
#include <boost/json.hpp>

#include "registry/rules/clause.hpp"

namespace chipreg::rules {

Result<ClaimEvaluation> evaluate_compute(const Context& ctx, const ClaimRequest& claim) {
  auto opened = open_claim(ctx, claim, "第6条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();

  // Step 1: any district enterprise.
  check_claimant(c, "", true);

  // Step 2: the claimant's contracts of the year, each net of its voucher.
  Money offset;  // what vouchers took off qualifying contracts
  for (const auto& k : ctx.facts.compute_contracts) {
    if (k.customer != claim.claimant || k.date.year() != claim.year) continue;
    ItemVerdict item;
    item.id = k.id;
    item.date = k.date;
    std::vector<std::string> notes;
    if (!policy_in_force(ctx, k.date)) {
      item.codes.push_back("POLICY_NOT_IN_FORCE");
      notes.push_back("合同日期早于政策施行日");
    }
    const Enterprise* provider = ctx.enterprise(k.provider.str());
    if (provider == nullptr || !provider->has_role(Role::kComputeCenter)) {
      item.codes.push_back("NOT_DESIGNATED_CENTER");
      notes.push_back("服务方 " + k.provider.str() + " 不是指定的算力中心");
    }
    const Money voucher = std::min(k.voucher, k.amount);
    item.amount = Money::fen(k.amount.fen() - voucher.fen());  // both non-negative, voucher <= amount
    if (item.codes.empty() && voucher.fen() > 0) {
      item.codes.push_back("VOUCHER_OFFSET");
      notes.push_back("合同金额 " + k.amount.str() + " − 算力券 " + k.voucher.str() + " = " + item.amount.str() +
                      (k.voucher > k.amount ? " (算力券超出合同金额, 按 0.00 元计)" : ""));
      auto s = offset.plus(voucher);
      if (!s) return s.error();
      offset = *s;
    }
    item.details["provider"] = k.provider.str();
    item.details["contract_fen"] = k.amount.fen();
    item.details["voucher_fen"] = k.voucher.fen();
    c.add_item(std::move(item), "算力服务合同 " + k.id, std::move(notes));
  }
  c.close_items("算力服务合同");
  auto basis = c.qualifying_sum();
  if (!basis) return basis.error();
  if (offset.fen() > 0) {
    c.e.reasons.push_back(reason("VOUCHER_OFFSET", {{"voucher_fen", offset.fen()}, {"basis_fen", basis->fen()}}));
    c.step("算力券抵减 " + offset.str() + " (VOUCHER_OFFSET); 年度合同净额 " + basis->str());
  }

  // Step 3: rate, cap, series, stacking.
  auto prior = prior_sums(
      ctx, claim, [&](const PriorApproval& a) { return a.year == claim.year ? PriorKind::kSeries : PriorKind::kNone; });
  if (!prior) return prior.error();
  if (auto st = finish_award(
          ctx, c, {*basis, prm.compute_rate, "compute.rate", prm.compute_cap, "每家企业每年最高", *prior, ""});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
